//! The generated services and operations, looked up by name at run time: for the command
//! line, the simulator, batch jobs and the inspector, which pick the operation from their
//! input rather than from code. Their values are made from the schemas
//! ([`DynamicStructure`](crate::model::DynamicStructure)), not the generated types, so the
//! library compiles no generated type's code.

use crate::error::{Error, Result};
use crate::model::{closest, AnyValue, OperationInfo, ServiceInfo, Structure};

/// Every generated service, in WSDL file order.
pub fn services() -> &'static [ServiceInfo] {
    crate::SERVICES
}

/// The service named `name`: its short name (`Account`), WSDL name (`AccountAdminService`)
/// or module name (`account`), in any case.
pub fn service(name: &str) -> Option<&'static ServiceInfo> {
    services().iter().find(|s| {
        s.name.eq_ignore_ascii_case(name)
            || s.wsdl_name.eq_ignore_ascii_case(name)
            || s.module.eq_ignore_ascii_case(name)
    })
}

/// The operation `method` of service `service`.
pub fn operation(service: &str, method: &str) -> Option<&'static OperationInfo> {
    self::service(service)?.operation(method)
}

/// Every operation of every service.
pub fn operations() -> impl Iterator<Item = &'static OperationInfo> {
    services().iter().flat_map(|s| s.operations.iter().copied())
}

/// The request of `op` read from `params` (PortaBilling's JSON form, leniently, as over
/// REST). Keys the request type does not describe are kept and sent as they are; check for
/// them first with [`StructSchema::unknown_fields`](crate::model::StructSchema::unknown_fields)
/// on `op.request`.
pub fn request_from_json(
    op: &'static OperationInfo,
    params: &AnyValue,
) -> Result<Box<dyn Structure>> {
    let mut request = op.new_request();
    request.set_json(params).map_err(|e| {
        Error::input(
            format!("{}/{}", op.service, op.method),
            format!("the parameters do not fit {}: {e}", op.request.name),
        )
    })?;
    Ok(request)
}

/// The known method of `service` closest to `method`, for a "did you mean" hint.
pub fn closest_method(service: &str, method: &str) -> Option<&'static str> {
    let service = self::service(service)?;
    closest(method, service.operations.iter().map(|o| o.method))
}

/// The known service closest to `name`, for a "did you mean" hint.
pub fn closest_service(name: &str) -> Option<&'static str> {
    closest(name, services().iter().map(|s| s.name))
}
