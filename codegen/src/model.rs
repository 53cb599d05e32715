//! From schema declarations and WSDL operations to Rust shapes: structs, enums, field types,
//! module placement, names, boxing of recursive fields, and operation descriptors.
//!
//! Rules, in short:
//! - a complex type is a struct; its extension base's fields come first, then its own
//!   particles, then its attributes; sequence, all and choice are flattened (every choice branch
//!   is optional);
//! - `maxOccurs > 1` and SOAP-encoded arrays are `Vec`; `minOccurs="0"` or `nillable` is
//!   `Option`; a field that could contain its own struct by value is boxed;
//! - a string enumeration is an enum that keeps unknown values; `Y`/`N` is the runtime `Flag`;
//!   other simple restrictions are their base type;
//! - XSD built-ins map without loss (decimal is `Decimal`, dates are `Date`/`DateTime`);
//! - types from XSD files go to the shared `types` module, types embedded in one WSDL to that
//!   service's module.

use std::collections::{BTreeMap, BTreeSet};

use crate::diagnostic::{Diagnostic, Error, Location};
use crate::names::{self, Namer};
use crate::schema::{
    AttributeUse, Complex, Origin, ParticleKind, SchemaSet, Simple, TypeBody, TypeDecl, TypeRef,
    SOAPENC_NS, XSD_NS,
};
use crate::wsdl::{MessageShape, OperationDef, PolicyOverride, ServiceDef, Style};
use crate::xml::QName;

/// The name of the module that holds types shared by several services.
pub const SHARED_MODULE: &str = "types";

/// XSD built-in types and the runtime types they map to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Builtin {
    /// `xsd:string` and its relatives.
    String,
    /// `xsd:boolean`.
    Bool,
    /// `xsd:byte`.
    I8,
    /// `xsd:short`.
    I16,
    /// `xsd:int`.
    I32,
    /// `xsd:long`.
    I64,
    /// `xsd:integer`, `xsd:negativeInteger`, `xsd:nonPositiveInteger`.
    I128,
    /// `xsd:unsignedByte`.
    U8,
    /// `xsd:unsignedShort`.
    U16,
    /// `xsd:unsignedInt`.
    U32,
    /// `xsd:unsignedLong`.
    U64,
    /// `xsd:nonNegativeInteger`, `xsd:positiveInteger`.
    U128,
    /// `xsd:float`.
    F32,
    /// `xsd:double`.
    F64,
    /// `xsd:decimal`.
    Decimal,
    /// `xsd:date`.
    Date,
    /// `xsd:dateTime`.
    DateTime,
    /// `xsd:time`.
    Time,
    /// `xsd:base64Binary`.
    Base64,
    /// `xsd:hexBinary`.
    Hex,
}

impl Builtin {
    fn from_xsd(local: &str) -> Option<Builtin> {
        use Builtin::*;
        Some(match local {
            "string" | "normalizedString" | "token" | "language" | "Name" | "NCName"
            | "NMTOKEN" | "NMTOKENS" | "ID" | "IDREF" | "IDREFS" | "ENTITY" | "ENTITIES"
            | "anyURI" | "QName" | "NOTATION" | "duration" | "gYear" | "gYearMonth" | "gMonth"
            | "gMonthDay" | "gDay" | "anySimpleType" | "anyAtomicType" | "dayTimeDuration"
            | "yearMonthDuration" => String,
            "boolean" => Bool,
            "byte" => I8,
            "short" => I16,
            "int" => I32,
            "long" => I64,
            "integer" | "negativeInteger" | "nonPositiveInteger" => I128,
            "unsignedByte" => U8,
            "unsignedShort" => U16,
            "unsignedInt" => U32,
            "unsignedLong" => U64,
            "nonNegativeInteger" | "positiveInteger" => U128,
            "float" => F32,
            "double" => F64,
            "decimal" => Decimal,
            "date" => Date,
            "dateTime" | "dateTimeStamp" => DateTime,
            "time" => Time,
            "base64Binary" | "base64" => Base64,
            "hexBinary" => Hex,
            _ => return None,
        })
    }

    /// The Rust type, with runtime types under the `rt` alias.
    pub fn rust(self) -> &'static str {
        use Builtin::*;
        match self {
            String => "String",
            Bool => "bool",
            I8 => "i8",
            I16 => "i16",
            I32 => "i32",
            I64 => "i64",
            I128 => "i128",
            U8 => "u8",
            U16 => "u16",
            U32 => "u32",
            U64 => "u64",
            U128 => "u128",
            F32 => "f32",
            F64 => "f64",
            Decimal => "rt::Decimal",
            Date => "rt::Date",
            DateTime => "rt::DateTime",
            Time => "rt::Time",
            Base64 => "rt::Base64Binary",
            Hex => "rt::HexBinary",
        }
    }

    /// The runtime `TypeInfo` constant describing this type.
    pub fn type_info(self) -> &'static str {
        use Builtin::*;
        match self {
            String => "String",
            Bool => "Boolean",
            I8 => "Byte",
            I16 => "Short",
            I32 => "Int",
            I64 => "Long",
            I128 => "Integer",
            U8 => "UnsignedByte",
            U16 => "UnsignedShort",
            U32 => "UnsignedInt",
            U64 => "UnsignedLong",
            U128 => "NonNegativeInteger",
            F32 => "Float",
            F64 => "Double",
            Decimal => "Decimal",
            Date => "Date",
            DateTime => "DateTime",
            Time => "Time",
            Base64 => "Base64Binary",
            Hex => "HexBinary",
        }
    }

    /// Whether the type is an integer (usable for paging).
    pub fn is_integer(self) -> bool {
        use Builtin::*;
        matches!(
            self,
            I8 | I16 | I32 | I64 | I128 | U8 | U16 | U32 | U64 | U128
        )
    }
}

/// An index into [`Model::types`].
pub type TypeId = usize;

/// The type of a value, before cardinality.
#[derive(Clone, Debug, PartialEq)]
pub enum Ty {
    /// An XSD built-in.
    Builtin(Builtin),
    /// PortaBilling's `Y`/`N` flag.
    Flag,
    /// Any value (`xsd:anyType`), kept as a raw value.
    Any,
    /// A generated struct or enum.
    Named(TypeId),
    /// An array (SOAP-encoded or a named array type) of this item type.
    List(Box<Ty>),
}

/// How many values a field holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Card {
    /// Exactly one.
    Required,
    /// Zero or one.
    Optional,
    /// Any number.
    Many,
}

/// A struct field.
#[derive(Clone, Debug)]
pub struct Field {
    /// The element or attribute name on the wire.
    pub wire: String,
    /// The Rust field name.
    pub rust: String,
    /// The value type.
    pub ty: Ty,
    /// How many values.
    pub card: Card,
    /// For `Many` fields: whether an item may be nil (`Vec<Option<T>>`).
    pub item_nillable: bool,
    /// Whether the value is boxed because the struct could contain itself.
    pub boxed: bool,
    /// Whether it is an attribute rather than an element.
    pub attribute: bool,
    /// Whether its value is a secret to keep out of `Debug` output and logs.
    pub sensitive: bool,
    /// The namespace of the element name, when it is qualified.
    pub namespace: Option<String>,
    /// Its documentation.
    pub doc: Option<String>,
    /// The declared XSD type, for documentation (`xsd:long`, `AccountInfo[]`).
    pub xsd_type: String,
}

/// A generated struct.
#[derive(Clone, Debug, Default)]
pub struct Struct {
    /// Fields in schema order.
    pub fields: Vec<Field>,
    /// The Rust name of the field that keeps unknown elements.
    pub extra: String,
    /// Whether child elements are namespace-qualified.
    pub qualified: bool,
    /// For simple content: the index of the field that holds the text value.
    pub text_field: Option<usize>,
}

/// A generated enum of string values.
#[derive(Clone, Debug)]
pub struct Enum {
    /// Variants: Rust name and wire value.
    pub variants: Vec<(String, String)>,
    /// The name of the variant that keeps values the schema does not list.
    pub other: String,
}

/// The kinds of generated types.
#[derive(Clone, Debug)]
pub enum Kind {
    /// A struct.
    Struct(Struct),
    /// An enum.
    Enum(Enum),
}

/// A generated type.
#[derive(Clone, Debug)]
pub struct Type {
    /// The Rust name, unique in its module.
    pub rust: String,
    /// The index of its module in [`Model::modules`].
    pub module: usize,
    /// The XSD name (for anonymous types, the name of the element that holds it).
    pub xsd: QName,
    /// Its documentation.
    pub doc: Option<String>,
    /// Where it is declared.
    pub loc: Location,
    /// Whether the XSD type is anonymous (declared inside an element or attribute, and named
    /// here after it).
    pub anonymous: bool,
    /// Whether the struct is made from the parts of an rpc message rather than declared in a
    /// schema (its XSD name is then the body element's).
    pub from_message: bool,
    /// Its shape.
    pub kind: Kind,
}

/// A generated module.
#[derive(Clone, Debug)]
pub struct Module {
    /// The Rust module name.
    pub name: String,
    /// The service it holds, if it is a service module.
    pub service: Option<Service>,
    /// Its documentation.
    pub doc: Option<String>,
    /// Shared types re-exported into it, by type id.
    pub reexports: Vec<TypeId>,
}

/// A service and its operations.
#[derive(Clone, Debug)]
pub struct Service {
    /// The short name (`Account`).
    pub name: String,
    /// The `wsdl:service` name (`AccountAdminService`).
    pub wsdl_name: String,
    /// The WSDL file.
    pub file: String,
    /// The `soap:address`, if any.
    pub address: Option<String>,
    /// The name of the struct that holds the typed calls.
    pub api: String,
    /// Operations, in port type order.
    pub operations: Vec<Operation>,
}

/// An operation, ready to emit.
#[derive(Clone, Debug)]
pub struct Operation {
    /// The method name on the wire.
    pub method: String,
    /// The name of the typed call function.
    pub function: String,
    /// The name of the descriptor type in the `op` module.
    pub descriptor: String,
    /// Its documentation.
    pub doc: Option<String>,
    /// Where it is declared.
    pub loc: Location,
    /// rpc or document.
    pub style: Style,
    /// SOAP encoding (`use="encoded"`).
    pub encoded: bool,
    /// The SOAP action.
    pub action: String,
    /// The body namespace.
    pub namespace: String,
    /// The request type.
    pub request: TypeId,
    /// The response type.
    pub response: TypeId,
    /// The element that wraps the request in the body.
    pub request_element: String,
    /// For rpc with one struct part: the accessor element that holds the request struct.
    pub request_part: Option<String>,
    /// The element that wraps the response in the body.
    pub response_element: String,
    /// The header element and its namespace (`auth_info`).
    pub header: Option<(String, String)>,
    /// Paging support, when the request takes `limit` and `offset` and the response holds one
    /// list.
    pub paging: Option<Paging>,
    /// Whether the operation only reads, so that the client may resend it (see
    /// [`is_read_only`]).
    pub read_only: bool,
    /// Whether the operation must carry a session (see [`needs_session`]).
    pub needs_session: bool,
}

/// Whether `method` only reads: the WSDL's `pbrs:readOnly` when it has one, otherwise
/// PortaBilling's naming. Reads are named `get_*`, `list_*`, `search_*`, `validate_*`,
/// `check_*` and `find_*`; `ping` reads; `Session/login` and `Session/refresh_access_token`
/// change nothing a second attempt could duplicate. Everything else is a write, which the
/// client never resends unless the request provably did not reach the server.
pub fn is_read_only(service: &str, method: &str, policy: PolicyOverride) -> bool {
    const READ_PREFIXES: &[&str] = &["get_", "list_", "search_", "validate_", "check_", "find_"];
    policy.read_only.unwrap_or_else(|| {
        READ_PREFIXES.iter().any(|p| method.starts_with(p))
            || method == "ping"
            || (service == "Session" && matches!(method, "login" | "refresh_access_token"))
    })
}

/// Whether `method` must carry a session: the WSDL's `pbrs:session` when it has one,
/// otherwise every operation but `Session/login` and `Session/refresh_access_token`, which
/// make sessions.
pub fn needs_session(service: &str, method: &str, policy: PolicyOverride) -> bool {
    policy.needs_session.unwrap_or_else(|| {
        !(service == "Session" && matches!(method, "login" | "refresh_access_token"))
    })
}

/// How to page through a list operation.
#[derive(Clone, Debug)]
pub struct Paging {
    /// The item type.
    pub item: Ty,
    /// Whether items may be nil.
    pub item_nillable: bool,
    /// The Rust name of the response's list field.
    pub list_field: String,
    /// Its wire name.
    pub list_wire: String,
    /// The Rust name of the response's `total` field and whether it is optional.
    pub total_field: Option<(String, bool)>,
    /// The Rust names of the request's `limit`, `offset` and `get_total` fields, and whether
    /// each is optional.
    pub limit_field: (String, bool),
    /// See `limit_field`.
    pub offset_field: (String, bool),
    /// See `limit_field`.
    pub get_total_field: Option<(String, bool)>,
    /// The name of the iterator function (`iter_account_list`).
    pub iter_function: String,
    /// The name of the streaming function (`stream_account_list`).
    pub stream_function: String,
}

/// The resolved model of every generated module.
#[derive(Debug, Default)]
pub struct Model {
    /// Modules: the shared `types` module first, then one per service in the order given.
    pub modules: Vec<Module>,
    /// Every generated type.
    pub types: Vec<Type>,
    /// Warnings about approximations.
    pub warnings: Vec<Diagnostic>,
}

impl Model {
    /// The Rust path of type `id` as seen from module `from`.
    pub fn path(&self, id: TypeId, from: usize) -> String {
        let ty = &self.types[id];
        if ty.module == from || self.modules[from].reexports.contains(&id) {
            ty.rust.clone()
        } else {
            format!("super::{}::{}", self.modules[ty.module].name, ty.rust)
        }
    }

    /// The types declared in module `m`, in source order.
    pub fn types_in(&self, m: usize) -> impl Iterator<Item = (TypeId, &Type)> {
        let mut list: Vec<(TypeId, &Type)> = self
            .types
            .iter()
            .enumerate()
            .filter(|(_, t)| t.module == m)
            .collect();
        list.sort_by(|(_, a), (_, b)| (&a.loc, &a.rust).cmp(&(&b.loc, &b.rust)));
        list.into_iter()
    }
}

/// How many simple-type derivations (or array item levels) may be chained.
const MAX_DERIVATION_DEPTH: usize = 64;

/// How many complex types an extension chain may have.
const MAX_EXTENSION_DEPTH: usize = 256;

/// Names the generated code uses unqualified (from the prelude), which a generated type must
/// not shadow: a schema type named `Option` becomes `Option2`.
const PRELUDE_NAMES: &[&str] = &[
    "Box", "Default", "Err", "None", "Ok", "Option", "Result", "Some", "String", "Vec",
];

/// Field names treated as secrets, besides any name ending in `password`, `token` or `secret`.
const SECRET_NAMES: &[&str] = &["session_id", "auth_info", "pin", "api_key", "private_key"];

/// Whether a field named `wire` holds a secret.
pub fn is_sensitive(wire: &str) -> bool {
    let lower = wire.to_ascii_lowercase();
    SECRET_NAMES.contains(&lower.as_str())
        || ["password", "token", "secret", "passwd"]
            .iter()
            .any(|s| lower.ends_with(s))
}

/// What a type reference resolved to, before a field gives it a cardinality.
#[derive(Clone)]
struct Resolved {
    ty: Ty,
    xsd_type: String,
    /// Documentation that comes from the type (enumerated values of a numeric restriction,
    /// facets).
    note: Option<String>,
}

/// Builds the model of `services`, whose types come from `schemas`.
pub fn build(
    schemas: &SchemaSet,
    services: &[ServiceDef],
    reserved: &[String],
) -> Result<Model, Error> {
    let mut b = Builder {
        schemas,
        model: Model::default(),
        named: BTreeMap::new(),
        elements: BTreeMap::new(),
        resolving: Vec::new(),
        pending: Vec::new(),
        file_module: BTreeMap::new(),
        current_module: 0,
        group_depth: 0,
    };
    b.model.modules.push(Module {
        name: SHARED_MODULE.to_string(),
        service: None,
        doc: Some(
            "Types shared by several services, from the schema files the WSDLs import.".into(),
        ),
        reexports: Vec::new(),
    });
    let mut fixed: Vec<&str> = vec![SHARED_MODULE, "op", "rt", "registry"];
    fixed.extend(reserved.iter().map(String::as_str));
    let mut module_names = Namer::with_reserved(&fixed);
    for service in services {
        let module = module_names.unique(&names::snake(&service.name), "_");
        b.file_module
            .entry(service.file.clone())
            .or_insert(b.model.modules.len());
        b.model.modules.push(Module {
            name: module,
            service: None,
            doc: service.doc.clone(),
            reexports: Vec::new(),
        });
    }
    for (i, service) in services.iter().enumerate() {
        let module = i + 1;
        b.current_module = module;
        let built = b.service(service, module)?;
        b.model.modules[module].service = Some(built);
    }
    b.finish()
}

struct Builder<'a> {
    schemas: &'a SchemaSet,
    model: Model,
    /// Named schema types already given an id.
    named: BTreeMap<QName, TypeId>,
    /// The named types being resolved, innermost last (see `resolve_named`).
    resolving: Vec<QName>,
    /// The resolved types of global elements, so that the anonymous type of an element used in
    /// several places is generated once.
    elements: BTreeMap<QName, Resolved>,
    /// Struct types whose fields are still to be built: id, declaration.
    pending: Vec<(TypeId, TypeDecl)>,
    /// The first service module of each WSDL file.
    file_module: BTreeMap<String, usize>,
    /// The module of the service being built (home of anonymous and synthesized types).
    current_module: usize,
    group_depth: usize,
}

impl Builder<'_> {
    fn service(&mut self, def: &ServiceDef, module: usize) -> Result<Service, Error> {
        let mut operations = Vec::new();
        let mut functions = Namer::with_reserved(&["new", "caller"]);
        let mut descriptors = Namer::default();
        for op in &def.operations {
            let (request, request_element, request_part) =
                self.message(op, &op.input, &op.name, "Request", module)?;
            let response_wrapper = format!("{}Response", op.name);
            let (response, response_element, _) =
                self.message(op, &op.output, &response_wrapper, "Response", module)?;
            if let Some(h) = &op.header {
                self.check_declared(&h.ty, &op.loc)?;
            }
            let header = op
                .header
                .as_ref()
                .map(|h| (h.part.clone(), h.namespace.clone()));
            operations.push(Operation {
                method: op.name.clone(),
                function: functions.unique(&names::snake(&op.name), "_"),
                descriptor: descriptors.unique(&names::camel(&op.name), ""),
                doc: op.doc.clone(),
                loc: op.loc.clone(),
                style: op.style,
                encoded: op.encoded,
                action: op.action.clone(),
                namespace: op.namespace.clone(),
                request,
                response,
                request_element,
                request_part,
                response_element,
                header,
                paging: None,
                read_only: is_read_only(&def.name, &op.name, op.policy),
                needs_session: needs_session(&def.name, &op.name, op.policy),
            });
        }
        // Paging functions are named after the typed calls, so they are named last.
        let mut service = Service {
            name: def.name.clone(),
            wsdl_name: def.wsdl_name.clone(),
            file: def.file.clone(),
            address: def.address.clone(),
            api: "Api".to_string(),
            operations,
        };
        self.drain_pending()?;
        for op in &mut service.operations {
            op.paging = self.paging(op, &mut functions);
        }
        Ok(service)
    }

    /// Checks that a header part's type or element is declared. The header's content is not
    /// generated (the runtime writes it from the session), but a dangling reference is an error.
    fn check_declared(&self, r: &TypeRef, at: &Location) -> Result<(), Error> {
        let TypeRef::Named(q) = r else { return Ok(()) };
        let known = if q.ns == XSD_NS || q.ns == SOAPENC_NS {
            Builtin::from_xsd(&q.local).is_some()
                || matches!(q.local.as_str(), "anyType" | "Struct" | "Array")
        } else {
            self.schemas.types.contains_key(q) || self.schemas.elements.contains_key(q)
        };
        if known {
            Ok(())
        } else {
            Err(Diagnostic::new(
                at.clone(),
                format!(
                    "header type `{}` (namespace `{}`) is not declared",
                    q.local, q.ns
                ),
            )
            .into())
        }
    }

    /// The request or response type of an operation, the body element that wraps it, and the
    /// rpc accessor that holds it.
    fn message(
        &mut self,
        op: &OperationDef,
        shape: &MessageShape,
        wrapper: &str,
        suffix: &str,
        module: usize,
    ) -> Result<(TypeId, String, Option<String>), Error> {
        match shape {
            MessageShape::Rpc(parts) => {
                // A part that names an element has that element's type.
                let mut resolved_parts = Vec::with_capacity(parts.len());
                for part in parts {
                    let resolved = match (&part.ty, part.element) {
                        (TypeRef::Named(q), true) => self.resolve_element(q, &part.loc)?,
                        (ty, _) => self.resolve(ty, &part.name, &part.loc)?,
                    };
                    resolved_parts.push((part, resolved));
                }
                if let [(part, resolved)] = resolved_parts.as_slice() {
                    if let Ty::Named(id) = resolved.ty {
                        if matches!(self.model.types[id].kind, Kind::Struct(_)) {
                            return Ok((id, wrapper.to_string(), Some(part.name.clone())));
                        }
                    }
                }
                // Zero or several parts, or one simple part: the parts are the fields.
                let name = format!("{}{suffix}", names::camel(&op.name));
                let id = self.new_type(
                    QName::new(&op.namespace, wrapper),
                    op.doc.clone(),
                    op.loc.clone(),
                    module,
                    &name,
                    Kind::Struct(Struct::default()),
                );
                self.model.types[id].from_message = true;
                let mut fields = Vec::new();
                for (part, resolved) in resolved_parts {
                    fields.push(self.field(
                        &part.name,
                        resolved,
                        0,
                        Some(1),
                        false,
                        None,
                        None,
                        false,
                    ));
                }
                self.set_fields(id, fields, false);
                Ok((id, wrapper.to_string(), None))
            }
            MessageShape::Document { element, ty, loc } => {
                let resolved = match ty {
                    Some(ty) => self.resolve(ty, &element.local, loc)?,
                    None => self.resolve_element(element, loc)?,
                };
                match resolved.ty {
                    Ty::Named(id) if matches!(self.model.types[id].kind, Kind::Struct(_)) => {
                        Ok((id, element.local.clone(), None))
                    }
                    _ => Err(Diagnostic::new(
                        loc.clone(),
                        format!(
                            "unsupported construct: document-style part `{}` of a simple type",
                            element.local
                        ),
                    )
                    .into()),
                }
            }
        }
    }

    /// Resolves the type of global element `q`, once per element.
    fn resolve_element(&mut self, q: &QName, at: &Location) -> Result<Resolved, Error> {
        if let Some(resolved) = self.elements.get(q) {
            return Ok(resolved.clone());
        }
        let decl = self.schemas.elements.get(q).ok_or_else(|| {
            Diagnostic::new(at.clone(), format!("element `{}` is not declared", q.local))
        })?;
        let resolved = self.resolve(&decl.ty, &decl.name.local, &decl.loc)?;
        self.elements.insert(q.clone(), resolved.clone());
        Ok(resolved)
    }

    /// Resolves a type reference. `context` names the field or element, for anonymous types.
    fn resolve(&mut self, r: &TypeRef, context: &str, at: &Location) -> Result<Resolved, Error> {
        match r {
            TypeRef::Named(q) => self.resolve_named(q, at),
            TypeRef::Anonymous(decl) => {
                let mut decl = decl.as_ref().clone();
                decl.name.local = context.to_string();
                self.resolve_decl(&decl, true)
            }
        }
    }

    fn resolve_named(&mut self, q: &QName, at: &Location) -> Result<Resolved, Error> {
        if q.ns == XSD_NS || q.ns == SOAPENC_NS {
            if let Some(b) = Builtin::from_xsd(&q.local) {
                return Ok(Resolved {
                    ty: Ty::Builtin(b),
                    xsd_type: format!("xsd:{}", q.local),
                    note: None,
                });
            }
            return Ok(match q.local.as_str() {
                "anyType" | "Struct" => Resolved {
                    ty: Ty::Any,
                    xsd_type: format!("xsd:{}", q.local),
                    note: None,
                },
                "Array" => Resolved {
                    ty: Ty::List(Box::new(Ty::Any)),
                    xsd_type: "soapenc:Array".into(),
                    note: None,
                },
                other => {
                    return Err(Diagnostic::new(
                        at.clone(),
                        format!("unknown built-in type `{other}`"),
                    )
                    .into())
                }
            });
        }
        if let Some(&id) = self.named.get(q) {
            return Ok(Resolved {
                ty: Ty::Named(id),
                xsd_type: q.local.clone(),
                note: None,
            });
        }
        let decl = self.schemas.types.get(q).ok_or_else(|| {
            Diagnostic::new(
                at.clone(),
                format!("type `{}` (namespace `{}`) is not declared", q.local, q.ns),
            )
        })?;
        // Simple types and arrays are resolved through their bases and items right away (a
        // struct is named before its fields are built, so it may refer to itself): a cycle
        // there has no finite meaning, and a very long chain would exhaust the stack.
        if self.resolving.contains(q) {
            return Err(Diagnostic::new(
                decl.loc.clone(),
                format!(
                    "type `{}` is derived from itself (through its base or array item type)",
                    q.local
                ),
            )
            .into());
        }
        if self.resolving.len() >= MAX_DERIVATION_DEPTH {
            return Err(Diagnostic::new(
                decl.loc.clone(),
                format!(
                    "type `{}` is derived through more than {MAX_DERIVATION_DEPTH} levels",
                    q.local
                ),
            )
            .into());
        }
        self.resolving.push(q.clone());
        let resolved = self.resolve_decl(decl, false);
        self.resolving.pop();
        resolved
    }

    fn resolve_decl(&mut self, decl: &TypeDecl, anonymous: bool) -> Result<Resolved, Error> {
        let xsd_type = if anonymous {
            "anonymous".to_string()
        } else {
            decl.name.local.clone()
        };
        match &decl.body {
            TypeBody::Simple(Simple::Restriction {
                base,
                enumeration,
                facets,
            }) => {
                let base = self.resolve(base, &decl.name.local, &decl.loc)?;
                let mut notes = Vec::new();
                if !facets.is_empty() {
                    let list: Vec<String> =
                        facets.iter().map(|(k, v)| format!("{k} `{v}`")).collect();
                    notes.push(format!("Restricted by {}.", list.join(", ")));
                }
                let is_string = base.ty == Ty::Builtin(Builtin::String);
                if is_string && !enumeration.is_empty() {
                    let mut sorted: Vec<&str> = enumeration.iter().map(String::as_str).collect();
                    sorted.sort_unstable();
                    if sorted == ["N", "Y"] {
                        return Ok(Resolved {
                            ty: Ty::Flag,
                            xsd_type,
                            note: None,
                        });
                    }
                    let id = self.enum_type(decl, enumeration, anonymous);
                    return Ok(Resolved {
                        ty: Ty::Named(id),
                        xsd_type,
                        note: notes.pop(),
                    });
                }
                if !enumeration.is_empty() {
                    let values: Vec<String> =
                        enumeration.iter().map(|v| format!("`{v}`")).collect();
                    notes.push(format!("One of {}.", values.join(", ")));
                }
                Ok(Resolved {
                    ty: base.ty,
                    xsd_type,
                    note: (!notes.is_empty()).then(|| notes.join(" ")),
                })
            }
            TypeBody::Simple(simple @ (Simple::List(_) | Simple::Union)) => {
                let (what, note) = match simple {
                    Simple::List(TypeRef::Named(item)) => (
                        format!("`xsd:list` of `{}`", item.local),
                        format!(
                            "A whitespace-separated list of `{}` values, kept as written.",
                            item.local
                        ),
                    ),
                    Simple::List(TypeRef::Anonymous(_)) => (
                        "`xsd:list`".to_string(),
                        "A whitespace-separated list, kept as written.".to_string(),
                    ),
                    _ => (
                        "`xsd:union`".to_string(),
                        "A union of simple types, kept as written.".to_string(),
                    ),
                };
                self.model.warnings.push(Diagnostic::new(
                    decl.loc.clone(),
                    format!(
                        "unsupported construct {what} in type `{}`: values are read as raw strings",
                        decl.name.local
                    ),
                ));
                Ok(Resolved {
                    ty: Ty::Builtin(Builtin::String),
                    xsd_type,
                    note: Some(note),
                })
            }
            TypeBody::Complex(complex) => {
                if let Some(item) = &complex.array_item {
                    let mut ty = self.resolve(&item.ty, &decl.name.local, &decl.loc)?.ty;
                    for _ in 0..item.extra_dimensions {
                        ty = Ty::List(Box::new(ty));
                    }
                    return Ok(Resolved {
                        ty: Ty::List(Box::new(ty)),
                        xsd_type: format!("{}[]", xsd_type),
                        note: None,
                    });
                }
                let home = self.home(decl, anonymous);
                let id = self.new_type(
                    decl.name.clone(),
                    decl.doc.clone(),
                    decl.loc.clone(),
                    home,
                    &names::camel(&decl.name.local),
                    Kind::Struct(Struct::default()),
                );
                self.model.types[id].anonymous = anonymous;
                if !anonymous {
                    self.named.insert(decl.name.clone(), id);
                }
                self.pending.push((id, decl.clone()));
                Ok(Resolved {
                    ty: Ty::Named(id),
                    xsd_type,
                    note: None,
                })
            }
        }
    }

    fn enum_type(&mut self, decl: &TypeDecl, values: &[String], anonymous: bool) -> TypeId {
        let mut variants = Namer::default();
        let mut list = Vec::new();
        let mut seen = BTreeSet::new();
        for value in values {
            if !seen.insert(value.clone()) {
                continue;
            }
            list.push((variants.unique(&names::variant(value), ""), value.clone()));
        }
        // The variant for unlisted values is `Other`, or `Unlisted` when a value takes `Other`.
        let wanted = if variants.is_taken("Other") {
            "Unlisted"
        } else {
            "Other"
        };
        let other = variants.unique(wanted, "");
        let home = self.home(decl, anonymous);
        let id = self.new_type(
            decl.name.clone(),
            decl.doc.clone(),
            decl.loc.clone(),
            home,
            &names::camel(&decl.name.local),
            Kind::Enum(Enum {
                variants: list,
                other,
            }),
        );
        self.model.types[id].anonymous = anonymous;
        if !anonymous {
            self.named.insert(decl.name.clone(), id);
        }
        id
    }

    /// The module a declaration belongs to: anonymous types live with their owner, named types
    /// from XSD files in the shared module, named types from a WSDL in that WSDL's service.
    fn home(&self, decl: &TypeDecl, anonymous: bool) -> usize {
        match &decl.origin {
            _ if anonymous => self.current_module,
            Origin::Xsd(_) => 0,
            Origin::Wsdl(file) => self
                .file_module
                .get(file)
                .copied()
                .unwrap_or(self.current_module),
        }
    }

    fn new_type(
        &mut self,
        xsd: QName,
        doc: Option<String>,
        loc: Location,
        module: usize,
        rust: &str,
        kind: Kind,
    ) -> TypeId {
        self.model.types.push(Type {
            rust: rust.to_string(),
            module,
            xsd,
            doc,
            loc,
            anonymous: false,
            from_message: false,
            kind,
        });
        self.model.types.len() - 1
    }

    /// Builds the fields of every struct discovered so far (which may discover more).
    fn drain_pending(&mut self) -> Result<(), Error> {
        while let Some((id, decl)) = self.pending.pop() {
            let previous = self.current_module;
            self.current_module = self.model.types[id].module;
            let TypeBody::Complex(complex) = &decl.body else {
                continue;
            };
            let mut fields = Vec::new();
            let mut visited = BTreeSet::new();
            // Simple content derived from another simple-content type: the value type is the
            // one at the end of the chain, and the attributes along it are inherited.
            let mut complex = complex.clone();
            if let Some(value) = &complex.simple_content {
                let (value, inherited) = self.simple_content_base(&decl, value)?;
                complex.simple_content = Some(value);
                complex.attributes =
                    merge_attributes(inherited, std::mem::take(&mut complex.attributes));
            }
            self.complex_fields(&decl, &complex, &mut fields, &mut visited)?;
            let text_field = match &complex.simple_content {
                Some(value) => {
                    let resolved = self.resolve(value, "value", &decl.loc)?;
                    let mut field =
                        self.field("value", resolved, 1, Some(1), false, None, None, false);
                    field.wire = String::new();
                    fields.push(field);
                    Some(fields.len() - 1)
                }
                None => None,
            };
            // The field lookup table holds an index plus one in a `u16`.
            if fields.len() >= usize::from(u16::MAX) {
                return Err(Diagnostic::new(
                    decl.loc.clone(),
                    format!(
                        "type `{}` has {} fields; at most {} are supported",
                        decl.name.local,
                        fields.len(),
                        u16::MAX - 1
                    ),
                )
                .into());
            }
            self.set_fields(id, fields, decl.qualified);
            if let Kind::Struct(s) = &mut self.model.types[id].kind {
                s.text_field = text_field;
            }
            self.current_module = previous;
        }
        Ok(())
    }

    /// Follows the `simpleContent` derivations from `value` to a simple type: returns it and the
    /// attributes declared along the way (the furthest base first). A base with element content
    /// cannot give a text value: that is read as a string, with a warning.
    fn simple_content_base(
        &mut self,
        decl: &TypeDecl,
        value: &TypeRef,
    ) -> Result<(TypeRef, Vec<AttributeUse>), Error> {
        let mut levels: Vec<Vec<AttributeUse>> = Vec::new();
        let mut current = value.clone();
        let mut seen = BTreeSet::new();
        while let TypeRef::Named(q) = &current {
            let Some(base) = self.schemas.types.get(q) else {
                break;
            };
            let TypeBody::Complex(base_complex) = &base.body else {
                break;
            };
            if !seen.insert(q.clone()) {
                return Err(Diagnostic::new(
                    decl.loc.clone(),
                    format!(
                        "the simple content of `{}` derives from itself",
                        decl.name.local
                    ),
                )
                .into());
            }
            match &base_complex.simple_content {
                Some(inner) => {
                    levels.push(base_complex.attributes.clone());
                    current = inner.clone();
                }
                None => {
                    self.model.warnings.push(Diagnostic::new(
                        decl.loc.clone(),
                        format!(
                            "simple content of `{}` derives from `{}`, which has element content: \
                             the text is read as a string",
                            decl.name.local, q.local
                        ),
                    ));
                    current = TypeRef::Named(QName::new(XSD_NS, "string"));
                }
            }
        }
        let mut inherited = Vec::new();
        for level in levels.into_iter().rev() {
            inherited = merge_attributes(inherited, level);
        }
        Ok((current, inherited))
    }

    /// The fields of a complex type: base fields first, then particles, then attributes.
    fn complex_fields(
        &mut self,
        decl: &TypeDecl,
        complex: &Complex,
        out: &mut Vec<Field>,
        visited: &mut BTreeSet<QName>,
    ) -> Result<(), Error> {
        if visited.len() >= MAX_EXTENSION_DEPTH {
            return Err(Diagnostic::new(
                decl.loc.clone(),
                format!(
                    "type `{}` extends more than {MAX_EXTENSION_DEPTH} levels of base types",
                    decl.name.local
                ),
            )
            .into());
        }
        if !visited.insert(decl.name.clone()) {
            return Err(Diagnostic::new(
                decl.loc.clone(),
                format!("type `{}` extends itself", decl.name.local),
            )
            .into());
        }
        if let Some(base) = &complex.extends {
            if base.ns != XSD_NS {
                let base_decl = self.schemas.types.get(base).ok_or_else(|| {
                    Diagnostic::new(
                        decl.loc.clone(),
                        format!("base type `{}` is not declared", base.local),
                    )
                })?;
                if let TypeBody::Complex(base_complex) = &base_decl.body {
                    let base_decl = base_decl.clone();
                    let base_complex = base_complex.clone();
                    self.complex_fields(&base_decl, &base_complex, out, visited)?;
                }
            }
        }
        let ns = decl.qualified.then(|| decl.name.ns.clone());
        let around = Around {
            min: 1,
            max: Some(1),
            choice: None,
            ns: ns.as_deref(),
        };
        self.particles(&decl.name.local, &complex.particles, around, out)?;
        for attr in &complex.attributes {
            let context = format!("{}_{}", decl.name.local, attr.name);
            let resolved = self.resolve(&attr.ty, &context, &attr.loc)?;
            let min = u32::from(attr.required);
            let field = self.field(
                &attr.name,
                resolved,
                min,
                Some(1),
                false,
                None,
                attr.doc.clone(),
                true,
            );
            out.push(field);
        }
        Ok(())
    }

    fn particles(
        &mut self,
        owner: &str,
        particles: &[crate::schema::Particle],
        around: Around<'_>,
        out: &mut Vec<Field>,
    ) -> Result<(), Error> {
        let ns = around.ns;
        for p in particles {
            let min = if around.min == 0 { 0 } else { p.min };
            let max = match (p.max, around.max) {
                (Some(a), Some(b)) => Some(a.saturating_mul(b)),
                _ => None,
            };
            if max == Some(0) {
                // `maxOccurs="0"`: the element is prohibited (a restriction removing it).
                continue;
            }
            let choice = p.choice.as_deref().or(around.choice);
            match &p.kind {
                ParticleKind::Element {
                    name,
                    ty,
                    nillable,
                    doc,
                } => {
                    let context = format!("{owner}_{name}");
                    let resolved = self.resolve(ty, &context, &p.loc)?;
                    let doc = with_choice_note(doc.clone(), choice, is_many(max));
                    let field = self.field(
                        name,
                        resolved,
                        min,
                        max,
                        *nillable,
                        ns.map(str::to_string),
                        doc,
                        false,
                    );
                    out.push(field);
                }
                ParticleKind::ElementRef(q) => {
                    let resolved = self.resolve_element(q, &p.loc)?;
                    let decl = &self.schemas.elements[q];
                    let ns = (!q.ns.is_empty()).then(|| q.ns.clone());
                    let doc = with_choice_note(decl.doc.clone(), choice, is_many(max));
                    let field =
                        self.field(&q.local, resolved, min, max, decl.nillable, ns, doc, false);
                    out.push(field);
                }
                ParticleKind::GroupRef(q) => {
                    if self.group_depth > 32 {
                        return Err(Diagnostic::new(
                            p.loc.clone(),
                            format!("group `{}` refers to itself", q.local),
                        )
                        .into());
                    }
                    let group = self.schemas.groups.get(q).ok_or_else(|| {
                        Diagnostic::new(
                            p.loc.clone(),
                            format!("group `{}` is not declared", q.local),
                        )
                    })?;
                    let group = group.clone();
                    self.group_depth += 1;
                    let inner = Around {
                        min,
                        max,
                        choice,
                        ns,
                    };
                    let result = self.particles(owner, &group, inner, out);
                    self.group_depth -= 1;
                    result?;
                }
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn field(
        &self,
        wire: &str,
        resolved: Resolved,
        min: u32,
        max: Option<u32>,
        nillable: bool,
        namespace: Option<String>,
        doc: Option<String>,
        attribute: bool,
    ) -> Field {
        let many = is_many(max);
        let card = if many {
            Card::Many
        } else if min == 0 || nillable {
            Card::Optional
        } else {
            Card::Required
        };
        let doc = match (doc, resolved.note) {
            (Some(d), Some(n)) => Some(format!("{d}\n\n{n}")),
            (d, n) => d.or(n),
        };
        let xsd_type = if many {
            format!("{}[]", resolved.xsd_type)
        } else {
            resolved.xsd_type
        };
        Field {
            wire: wire.to_string(),
            rust: String::new(),
            ty: resolved.ty,
            card,
            item_nillable: many && nillable,
            boxed: false,
            attribute,
            sensitive: is_sensitive(wire),
            namespace,
            doc,
            xsd_type,
        }
    }

    /// Names the fields of struct `id` and stores them.
    fn set_fields(&mut self, id: TypeId, mut fields: Vec<Field>, qualified: bool) {
        let mut namer = Namer::default();
        for field in &mut fields {
            let wanted = if field.wire.is_empty() {
                "value".to_string()
            } else {
                names::snake(&field.wire)
            };
            field.rust = namer.unique(&wanted, "_");
        }
        let extra = namer.unique("extra", "_");
        // The runtime finds a field by its wire name alone (for elements, attributes and JSON
        // keys alike), so of two fields with one name only the first is ever read back.
        let mut seen = BTreeSet::new();
        for field in fields.iter().filter(|f| !f.wire.is_empty()) {
            if !seen.insert(field.wire.as_str()) {
                let ty = &self.model.types[id];
                let what = if field.attribute {
                    "an attribute"
                } else {
                    "an element"
                };
                self.model.warnings.push(Diagnostic::new(
                    ty.loc.clone(),
                    format!(
                        "type `{}` has {what} `{}` after another field of that name: fields are \
                         matched by name, so `{}` is written but never read back",
                        ty.xsd.local, field.wire, field.rust
                    ),
                ));
            }
        }
        if let Kind::Struct(s) = &mut self.model.types[id].kind {
            s.fields = fields;
            s.extra = extra;
            s.qualified = qualified;
        }
    }

    fn paging(&self, op: &Operation, functions: &mut Namer) -> Option<Paging> {
        let Kind::Struct(request) = &self.model.types[op.request].kind else {
            return None;
        };
        let Kind::Struct(response) = &self.model.types[op.response].kind else {
            return None;
        };
        let integer =
            |f: &&Field| matches!(f.ty, Ty::Builtin(b) if b.is_integer()) && f.card != Card::Many;
        let find = |s: &Struct, wire: &str| -> Option<(String, bool)> {
            s.fields
                .iter()
                .filter(integer)
                .find(|f| f.wire == wire)
                .map(|f| (f.rust.clone(), f.card == Card::Optional))
        };
        let limit_field = find(request, "limit")?;
        let offset_field = find(request, "offset")?;
        let lists: Vec<&Field> = response
            .fields
            .iter()
            .filter(|f| f.card == Card::Many || matches!(f.ty, Ty::List(_)))
            .collect();
        let [list] = lists.as_slice() else {
            return None;
        };
        let (item, item_nillable) = match (&list.ty, list.card) {
            (Ty::List(item), Card::Many) => (Ty::List(item.clone()), list.item_nillable),
            (Ty::List(item), _) => (item.as_ref().clone(), false),
            (ty, _) => (ty.clone(), list.item_nillable),
        };
        let base = op.method.strip_prefix("get_").unwrap_or(&op.method);
        let iter_function = functions.unique(&names::snake(&format!("iter_{base}")), "_");
        let stream_function = functions.unique(&names::snake(&format!("stream_{base}")), "_");
        Some(Paging {
            item,
            item_nillable,
            list_field: list.rust.clone(),
            list_wire: list.wire.clone(),
            total_field: find(response, "total"),
            limit_field,
            offset_field,
            get_total_field: find(request, "get_total"),
            iter_function,
            stream_function,
        })
    }

    /// Places shared types, names every type uniquely in its module, and boxes recursive fields.
    fn finish(mut self) -> Result<Model, Error> {
        self.drain_pending()?;
        // A type embedded in one WSDL but used by another service moves to the shared module.
        let uses = self.uses_by_module();
        for (id, modules) in &uses {
            let home = self.model.types[*id].module;
            if home != 0 && modules.iter().any(|&m| m != home && m != 0) {
                self.model.types[*id].module = 0;
            }
        }
        // Names: shared types first, then each module's own. Within a module, a type whose XSD
        // name is already its Rust name comes first, then the others in declaration order, so
        // that of `Foo`, `foo` and `FOO_` the first keeps `Foo` whatever refers to them first.
        for m in 0..self.model.modules.len() {
            let mut reserved: Vec<&str> = PRELUDE_NAMES.to_vec();
            if m != 0 {
                reserved.push("Api");
            }
            let mut namer = Namer::with_reserved(&reserved);
            let mut ids: Vec<TypeId> = (0..self.model.types.len())
                .filter(|&i| self.model.types[i].module == m)
                .collect();
            ids.sort_by_cached_key(|&id| {
                let ty = &self.model.types[id];
                let exact = !ty.anonymous && !ty.from_message && ty.rust == ty.xsd.local;
                (!exact, ty.loc.clone(), ty.xsd.local.clone(), id)
            });
            for id in ids {
                let wanted = self.model.types[id].rust.clone();
                self.model.types[id].rust = namer.unique(&wanted, "");
            }
            if m != 0 {
                // Re-export the shared types this module uses, unless a local name takes it.
                let mut reexports = Vec::new();
                for (id, modules) in &uses {
                    if self.model.types[*id].module == 0
                        && modules.contains(&m)
                        && !namer.is_taken(&self.model.types[*id].rust)
                    {
                        reexports.push(*id);
                    }
                }
                reexports.sort_by(|a, b| self.model.types[*a].rust.cmp(&self.model.types[*b].rust));
                reexports.dedup();
                for id in &reexports {
                    namer.unique(&self.model.types[*id].rust.clone(), "");
                }
                self.model.modules[m].reexports = reexports;
            }
        }
        self.loosen_required_cycles();
        self.box_recursive_fields();
        Ok(self.model)
    }

    /// Makes optional, with a warning, each required field whose struct type requires the
    /// field's own struct again: no finite value has such a field, and a `Default` that made
    /// one would recurse without end. One field per cycle is enough to break it.
    fn loosen_required_cycles(&mut self) {
        for id in 0..self.model.types.len() {
            let field_count = match &self.model.types[id].kind {
                Kind::Struct(s) => s.fields.len(),
                Kind::Enum(_) => continue,
            };
            for i in 0..field_count {
                let target = match &self.model.types[id].kind {
                    Kind::Struct(s) => match (&s.fields[i].ty, s.fields[i].card) {
                        (Ty::Named(target), Card::Required) => *target,
                        _ => continue,
                    },
                    Kind::Enum(_) => continue,
                };
                // Whether `target` requires `id`, over required fields only (the fields made
                // optional so far included, so one field per cycle is loosened).
                let types = &self.model.types;
                let cycle = reaches(target, id, types.len(), |x, out| {
                    value_edges(&types[x], |c| c == Card::Required, out)
                });
                if !cycle {
                    continue;
                }
                let ty = &mut self.model.types[id];
                let (loc, name) = (ty.loc.clone(), ty.xsd.local.clone());
                if let Kind::Struct(s) = &mut ty.kind {
                    let field = &mut s.fields[i];
                    field.card = Card::Optional;
                    let message = format!(
                        "field `{}` of type `{name}` is required, and its type requires `{name}` \
                         again: no finite value has it, so it is generated as optional",
                        field.wire
                    );
                    self.model.warnings.push(Diagnostic::new(loc, message));
                }
            }
        }
    }

    /// For each type, the modules whose types or operations refer to it (directly or through
    /// other types).
    fn uses_by_module(&self) -> BTreeMap<TypeId, BTreeSet<usize>> {
        let mut uses: BTreeMap<TypeId, BTreeSet<usize>> = BTreeMap::new();
        for (m, module) in self.model.modules.iter().enumerate() {
            let Some(service) = &module.service else {
                continue;
            };
            let mut stack: Vec<TypeId> = service
                .operations
                .iter()
                .flat_map(|o| [o.request, o.response])
                .collect();
            let mut seen = BTreeSet::new();
            while let Some(id) = stack.pop() {
                if !seen.insert(id) {
                    continue;
                }
                uses.entry(id).or_default().insert(m);
                if let Kind::Struct(s) = &self.model.types[id].kind {
                    for f in &s.fields {
                        collect_named(&f.ty, &mut stack);
                    }
                }
            }
        }
        uses
    }

    /// Boxes every single-valued struct field whose type can contain the field's own struct by
    /// value, so that recursive types have a finite size.
    fn box_recursive_fields(&mut self) {
        let types = &self.model.types;
        let by_value = |c: Card| matches!(c, Card::Required | Card::Optional);
        // Decided for every field first, from the types as they are, then written.
        let boxed: Vec<Vec<bool>> = (0..types.len())
            .map(|id| match &types[id].kind {
                Kind::Struct(s) => s
                    .fields
                    .iter()
                    .map(|f| match &f.ty {
                        Ty::Named(t) if by_value(f.card) => {
                            reaches(*t, id, types.len(), |x, out| {
                                value_edges(&types[x], by_value, out)
                            })
                        }
                        _ => false,
                    })
                    .collect(),
                Kind::Enum(_) => Vec::new(),
            })
            .collect();
        for (ty, boxed) in self.model.types.iter_mut().zip(boxed) {
            if let Kind::Struct(s) = &mut ty.kind {
                for (f, b) in s.fields.iter_mut().zip(boxed) {
                    f.boxed = b;
                }
            }
        }
    }
}

/// Whether `to` is reached from `from` (`from` itself included), following the edges
/// `edges(x, out)` pushes for each type `x`.
fn reaches(
    from: TypeId,
    to: TypeId,
    count: usize,
    edges: impl Fn(TypeId, &mut Vec<TypeId>),
) -> bool {
    let mut stack = vec![from];
    let mut seen = vec![false; count];
    while let Some(x) = stack.pop() {
        if x == to {
            return true;
        }
        if !std::mem::replace(&mut seen[x], true) {
            edges(x, &mut stack);
        }
    }
    false
}

/// Pushes onto `out` the named types that `ty`'s fields of a cardinality `keep` accepts
/// hold by value (nothing for an enumeration).
fn value_edges(ty: &Type, keep: impl Fn(Card) -> bool, out: &mut Vec<TypeId>) {
    if let Kind::Struct(s) = &ty.kind {
        for f in &s.fields {
            if let (Ty::Named(target), true) = (&f.ty, keep(f.card)) {
                out.push(*target);
            }
        }
    }
}

/// What the model groups around a particle contribute: occurrence bounds, the choice it is a
/// branch of, and the namespace of qualified elements.
#[derive(Clone, Copy)]
struct Around<'c> {
    min: u32,
    max: Option<u32>,
    choice: Option<&'c [String]>,
    ns: Option<&'c str>,
}

/// Adds to a field's documentation that it is a branch of an `xsd:choice`, which is why it is
/// optional (or a list): the generated struct has a field per element of every branch, and the
/// schema allows one branch to be present (per occurrence of the choice).
fn with_choice_note(doc: Option<String>, choice: Option<&[String]>, many: bool) -> Option<String> {
    let Some(branches) = choice else { return doc };
    let list = match branches {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    };
    let consequence = if many {
        "one branch (per occurrence of the choice), so this list may stay empty; the order between \
         branches is not kept"
    } else {
        "one branch, so this field is optional"
    };
    let note = format!("A branch of an `xsd:choice` of {list}: the schema allows {consequence}.");
    Some(match doc {
        Some(d) => format!("{d}\n\n{note}"),
        None => note,
    })
}

/// The attributes of a base type followed by those of a derived type; a derived attribute of
/// the same name takes the base attribute's place.
fn merge_attributes(mut base: Vec<AttributeUse>, derived: Vec<AttributeUse>) -> Vec<AttributeUse> {
    for attr in derived {
        match base.iter().position(|b| b.name == attr.name) {
            Some(pos) => base[pos] = attr,
            None => base.push(attr),
        }
    }
    base
}

/// Whether a particle with this `maxOccurs` is a list.
fn is_many(max: Option<u32>) -> bool {
    max.is_none_or(|m| m > 1)
}

fn collect_named(ty: &Ty, out: &mut Vec<TypeId>) {
    match ty {
        Ty::Named(id) => out.push(*id),
        Ty::List(inner) => collect_named(inner, out),
        _ => {}
    }
}
