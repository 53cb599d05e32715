//! The generated services and operations, looked up by name at run time: for the command
//! line, the simulator, batch jobs and the inspector, which pick the operation from their
//! input rather than from code.

use crate::model::{OperationInfo, ServiceInfo};

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
