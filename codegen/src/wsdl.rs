//! Reading WSDL 1.1 files: messages, port types, SOAP 1.1 bindings and services, plus the
//! schemas in `<types>` (handed to [`SchemaSet`]).
//!
//! The result is one [`ServiceDef`] per `wsdl:service`, each operation described by its binding
//! style (rpc or document), its use (encoded or literal), its SOAP action and body namespace, the
//! parts of its input and output messages, and its `soap:header` (PortaBilling's `auth_info`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Error, Location};
use crate::schema::{self, Origin, SchemaSet, TypeRef, WSDL_NS, XSD_NS};
use crate::xml::{Element, QName};

/// The WSDL SOAP 1.1 binding namespace.
pub const SOAP11_BINDING_NS: &str = "http://schemas.xmlsoap.org/wsdl/soap/";
/// The WSDL SOAP 1.2 binding namespace.
pub const SOAP12_BINDING_NS: &str = "http://schemas.xmlsoap.org/wsdl/soap12/";

/// The binding style of an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// rpc: the body element is named after the operation.
    Rpc,
    /// document: the body holds the message part's element.
    Document,
}

/// A service read from a WSDL file.
#[derive(Clone, Debug)]
pub struct ServiceDef {
    /// The short service name used in URLs and module names (`Account` for
    /// `AccountAdminService`).
    pub name: String,
    /// The `wsdl:service` name.
    pub wsdl_name: String,
    /// The WSDL file.
    pub file: String,
    /// The documentation of the service (or of the WSDL).
    pub doc: Option<String>,
    /// The `soap:address` of the first SOAP port.
    pub address: Option<String>,
    /// Where the service is declared.
    pub loc: Location,
    /// The operations, in port type order.
    pub operations: Vec<OperationDef>,
}

/// An operation of a service, with everything the wire format needs.
#[derive(Clone, Debug)]
pub struct OperationDef {
    /// The operation (method) name.
    pub name: String,
    /// Its documentation.
    pub doc: Option<String>,
    /// Where it is declared in the port type.
    pub loc: Location,
    /// rpc or document.
    pub style: Style,
    /// Whether the body uses SOAP encoding (`use="encoded"`).
    pub encoded: bool,
    /// The `soapAction`.
    pub action: String,
    /// The body namespace (rpc) or the namespace of the body element (document).
    pub namespace: String,
    /// The input message.
    pub input: MessageShape,
    /// The output message.
    pub output: MessageShape,
    /// The SOAP header of the input, if any.
    pub header: Option<HeaderDef>,
    /// What the WSDL says about retrying and sessions, if anything.
    pub policy: PolicyOverride,
}

/// How the parts of a message sit in the SOAP body.
#[derive(Clone, Debug)]
pub enum MessageShape {
    /// rpc: each part is an accessor element under the operation's wrapper element.
    Rpc(Vec<PartDef>),
    /// document: the body holds this one element.
    Document {
        /// The element.
        element: QName,
        /// The part's type when the part names a type rather than a global element.
        ty: Option<TypeRef>,
        /// Where the part is declared.
        loc: Location,
    },
}

/// A message part.
#[derive(Clone, Debug)]
pub struct PartDef {
    /// The part name.
    pub name: String,
    /// Its type, or the global element it names (see `element`).
    pub ty: TypeRef,
    /// Whether the part names a global element (`element=`) rather than a type.
    pub element: bool,
    /// Where it is declared.
    pub loc: Location,
}

/// A `soap:header` of an operation's input.
#[derive(Clone, Debug)]
pub struct HeaderDef {
    /// The part name, which is the header element name for rpc/encoded headers.
    pub part: String,
    /// The header element's namespace.
    pub namespace: String,
    /// The part's type.
    pub ty: TypeRef,
}

/// A message part as declared: name, `element`, `type` and position.
type RawPart = (String, Option<QName>, Option<QName>, Location);

/// A service to build: WSDL name, documentation, ports (binding and address) and position.
type RawService = (
    String,
    Option<String>,
    Vec<(QName, Option<String>)>,
    Location,
);

#[derive(Debug, Default)]
struct Definitions {
    messages: BTreeMap<QName, Vec<RawPart>>,
    port_types: BTreeMap<QName, Vec<PortOperation>>,
    bindings: BTreeMap<QName, Binding>,
    services: Vec<ServiceElement>,
    doc: Option<String>,
    target_ns: String,
}

#[derive(Debug, Clone)]
struct PortOperation {
    name: String,
    doc: Option<String>,
    input: Option<QName>,
    output: Option<QName>,
    policy: PolicyOverride,
    loc: Location,
}

/// The namespace of the attributes that override how the client treats an operation
/// (`pbrs:readOnly`, `pbrs:session`), on a port type's `wsdl:operation`.
pub const POLICY_NS: &str = "urn:portabilling-rs:codegen";

/// What a WSDL says, through the [`POLICY_NS`] attributes, about retrying and sessions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PolicyOverride {
    /// `pbrs:readOnly="true|false"`: whether the operation only reads.
    pub read_only: Option<bool>,
    /// `pbrs:session="required|none"`: whether the operation needs a session.
    pub needs_session: Option<bool>,
}

fn read_policy(op: &Element) -> Result<PolicyOverride, Diagnostic> {
    let read_only = match op.attr_ns(POLICY_NS, "readOnly") {
        None => None,
        Some("true" | "1") => Some(true),
        Some("false" | "0") => Some(false),
        Some(other) => {
            return Err(Diagnostic::new(
                op.loc.clone(),
                format!("pbrs:readOnly must be true or false, not `{other}`"),
            ))
        }
    };
    let needs_session = match op.attr_ns(POLICY_NS, "session") {
        None => None,
        Some("required") => Some(true),
        Some("none") => Some(false),
        Some(other) => {
            return Err(Diagnostic::new(
                op.loc.clone(),
                format!("pbrs:session must be required or none, not `{other}`"),
            ))
        }
    };
    Ok(PolicyOverride {
        read_only,
        needs_session,
    })
}

/// The protocol a `wsdl:binding` binds to, from its extension element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Protocol {
    Soap11,
    Soap12,
    /// Another protocol (`http:binding` for HTTP GET/POST, or none at all).
    Other,
}

#[derive(Debug)]
struct Binding {
    port_type: QName,
    style: Style,
    protocol: Protocol,
    operations: BTreeMap<String, BindingOperation>,
    loc: Location,
}

#[derive(Debug, Default)]
struct BindingOperation {
    action: String,
    style: Option<Style>,
    input: Option<BodyBinding>,
    output: Option<BodyBinding>,
    header: Option<(QName, String, String)>,
}

#[derive(Debug, Default, Clone)]
struct BodyBinding {
    encoded: bool,
    namespace: Option<String>,
}

#[derive(Debug)]
struct ServiceElement {
    name: String,
    doc: Option<String>,
    ports: Vec<(QName, Option<String>)>,
    loc: Location,
}

/// Reads the WSDL file at `path`, adding its schemas to `schemas`, and returns its services.
pub fn read(path: &Path, schemas: &mut SchemaSet) -> Result<Vec<ServiceDef>, Error> {
    let mut defs = Definitions::default();
    let mut visited = BTreeSet::new();
    read_definitions(path, schemas, &mut defs, &mut visited, true)?;
    if defs.services.is_empty() && defs.bindings.is_empty() {
        // A file of shared types or messages, read for the sake of others.
        schemas.warnings.push(Diagnostic::new(
            Location::file(path.display().to_string()),
            "the WSDL file declares no service and no binding; nothing is generated from it",
        ));
        return Ok(Vec::new());
    }
    build_services(path, &defs)
}

fn read_definitions(
    path: &Path,
    schemas: &mut SchemaSet,
    defs: &mut Definitions,
    visited: &mut BTreeSet<PathBuf>,
    top: bool,
) -> Result<(), Error> {
    let canonical = path.canonicalize().map_err(|source| Error::Io {
        path: path.display().to_string(),
        source,
    })?;
    if !visited.insert(canonical) {
        return Ok(());
    }
    let file = path.display().to_string();
    let root = schema::load(path)?;
    if !root.is(WSDL_NS, "definitions") {
        return Err(root
            .error(format!(
                "expected a WSDL 1.1 `definitions` root element, found `{}`",
                root.name
            ))
            .into());
    }
    let target_ns = root.attr("targetNamespace").unwrap_or("").to_string();
    if top {
        defs.doc = root.documentation();
        defs.target_ns = target_ns.clone();
    }
    for child in &root.children {
        if child.name.ns != WSDL_NS {
            continue;
        }
        match child.name.local.as_str() {
            "import" => {
                let Some(location) = child.attr("location") else {
                    continue;
                };
                if location.contains("://") {
                    schemas.warnings.push(child.error(format!(
                        "import location `{location}` is remote; it is not fetched"
                    )));
                    continue;
                }
                let target = schemas.locate(path, location);
                if target.extension().is_some_and(|e| e == "xsd") {
                    schemas.read_xsd_file(&target)?;
                } else {
                    read_definitions(&target, schemas, defs, visited, false)?;
                }
            }
            "types" => {
                for schema in child.children_named(XSD_NS, "schema") {
                    schemas.read_schema(schema, path, &Origin::Wsdl(file.clone()))?;
                }
            }
            "message" => {
                let name = QName::new(&target_ns, required(child, "name")?);
                let mut parts = Vec::new();
                for part in child.children_named(WSDL_NS, "part") {
                    let element = part
                        .attr("element")
                        .map(|e| part.resolve_qname(e))
                        .transpose()?;
                    let ty = part
                        .attr("type")
                        .map(|t| part.resolve_qname(t))
                        .transpose()?;
                    parts.push((
                        required(part, "name")?.to_string(),
                        element,
                        ty,
                        part.loc.clone(),
                    ));
                }
                defs.messages.insert(name, parts);
            }
            "portType" => {
                let name = QName::new(&target_ns, required(child, "name")?);
                let mut ops = Vec::new();
                for op in child.children_named(WSDL_NS, "operation") {
                    let message = |tag: &str| -> Result<Option<QName>, Diagnostic> {
                        op.child(WSDL_NS, tag)
                            .and_then(|m| m.attr("message").map(|v| m.resolve_qname(v)))
                            .transpose()
                    };
                    ops.push(PortOperation {
                        name: required(op, "name")?.to_string(),
                        doc: op.documentation(),
                        input: message("input")?,
                        output: message("output")?,
                        policy: read_policy(op)?,
                        loc: op.loc.clone(),
                    });
                }
                defs.port_types.insert(name, ops);
            }
            "binding" => {
                let name = QName::new(&target_ns, required(child, "name")?);
                let binding = read_binding(child)?;
                defs.bindings.insert(name, binding);
            }
            "service" => {
                let mut ports = Vec::new();
                for port in child.children_named(WSDL_NS, "port") {
                    let binding = port.resolve_qname(required(port, "binding")?)?;
                    let address = port
                        .children
                        .iter()
                        .find(|c| c.name.local == "address")
                        .and_then(|a| a.attr("location"))
                        .map(str::to_string);
                    ports.push((binding, address));
                }
                defs.services.push(ServiceElement {
                    name: required(child, "name")?.to_string(),
                    doc: child.documentation(),
                    ports,
                    loc: child.loc.clone(),
                });
            }
            _ => {}
        }
    }
    Ok(())
}

fn read_binding(el: &Element) -> Result<Binding, Error> {
    let port_type = el.resolve_qname(required(el, "type")?)?;
    let soap = el.children.iter().find(|c| {
        c.name.local == "binding"
            && (c.name.ns == SOAP11_BINDING_NS || c.name.ns == SOAP12_BINDING_NS)
    });
    let protocol = match soap {
        Some(s) if s.name.ns == SOAP11_BINDING_NS => Protocol::Soap11,
        Some(_) => Protocol::Soap12,
        None => Protocol::Other,
    };
    let style = match soap.and_then(|s| s.attr("style")) {
        Some("rpc") => Style::Rpc,
        _ => Style::Document,
    };
    let mut operations = BTreeMap::new();
    for op in el.children_named(WSDL_NS, "operation") {
        let mut binding = BindingOperation::default();
        if let Some(soap_op) = op.children.iter().find(|c| c.name.local == "operation") {
            binding.action = soap_op.attr("soapAction").unwrap_or("").to_string();
            binding.style = match soap_op.attr("style") {
                Some("rpc") => Some(Style::Rpc),
                Some("document") => Some(Style::Document),
                _ => None,
            };
        }
        for (tag, slot) in [
            ("input", &mut binding.input),
            ("output", &mut binding.output),
        ] {
            if let Some(io) = op.child(WSDL_NS, tag) {
                if let Some(body) = io.children.iter().find(|c| c.name.local == "body") {
                    *slot = Some(BodyBinding {
                        encoded: body.attr("use") == Some("encoded"),
                        namespace: body.attr("namespace").map(str::to_string),
                    });
                }
            }
        }
        if let Some(input) = op.child(WSDL_NS, "input") {
            if let Some(header) = input.children.iter().find(|c| c.name.local == "header") {
                let message = header.resolve_qname(required(header, "message")?)?;
                let part = required(header, "part")?.to_string();
                let namespace = header.attr("namespace").unwrap_or("").to_string();
                binding.header = Some((message, part, namespace));
            }
        }
        operations.insert(required(op, "name")?.to_string(), binding);
    }
    Ok(Binding {
        port_type,
        style,
        protocol,
        operations,
        loc: el.loc.clone(),
    })
}

fn build_services(path: &Path, defs: &Definitions) -> Result<Vec<ServiceDef>, Error> {
    let file = path.display().to_string();
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("Service")
        .to_string();
    // A WSDL without a service element still describes its bindings: name them after the file.
    let services: Vec<RawService> = if defs.services.is_empty() {
        let ports = defs.bindings.keys().map(|b| (b.clone(), None)).collect();
        vec![(stem.clone(), None, ports, Location::file(&file))]
    } else {
        defs.services
            .iter()
            .map(|s| {
                (
                    s.name.clone(),
                    s.doc.clone(),
                    s.ports.clone(),
                    s.loc.clone(),
                )
            })
            .collect()
    };
    let mut out = Vec::new();
    for (wsdl_name, doc, ports, loc) in services {
        let soap11 = ports.iter().find_map(|(name, address)| {
            defs.bindings
                .get(name)
                .filter(|b| b.protocol == Protocol::Soap11)
                .map(|b| (b, address.clone()))
        });
        let (binding, address) = match soap11 {
            Some(found) => found,
            None => {
                let bound: Vec<&Binding> = ports
                    .iter()
                    .filter_map(|(name, _)| defs.bindings.get(name))
                    .collect();
                let soap12 = bound.iter().find(|b| b.protocol == Protocol::Soap12);
                return Err(match (soap12, bound.first(), ports.first()) {
                    (Some(b), _, _) => Diagnostic::new(
                        b.loc.clone(),
                        "unsupported construct: SOAP 1.2 binding (only SOAP 1.1 bindings are supported)",
                    ),
                    (None, Some(b), _) => Diagnostic::new(
                        b.loc.clone(),
                        format!("service `{wsdl_name}` has no SOAP 1.1 binding (only SOAP 1.1 bindings are supported)"),
                    ),
                    (None, None, Some((name, _))) => Diagnostic::new(
                        loc.clone(),
                        format!("binding `{}` of service `{wsdl_name}` is not declared", name.local),
                    ),
                    (None, None, None) => {
                        Diagnostic::new(loc.clone(), format!("service `{wsdl_name}` has no SOAP binding"))
                    }
                }
                .into());
            }
        };
        let port_ops = defs.port_types.get(&binding.port_type).ok_or_else(|| {
            Diagnostic::new(
                binding.loc.clone(),
                format!("port type `{}` is not declared", binding.port_type.local),
            )
        })?;
        let mut operations = Vec::new();
        for op in port_ops {
            let bound = binding.operations.get(&op.name);
            let style = bound.and_then(|b| b.style).unwrap_or(binding.style);
            let input_body = bound.and_then(|b| b.input.clone()).unwrap_or_default();
            let output_body = bound.and_then(|b| b.output.clone()).unwrap_or_default();
            let namespace = input_body
                .namespace
                .clone()
                .unwrap_or_else(|| defs.target_ns.clone());
            let input = message_shape(defs, op.input.as_ref(), style, &op.loc)?;
            let output = message_shape(defs, op.output.as_ref(), style, &op.loc)?;
            let header = match bound.and_then(|b| b.header.as_ref()) {
                Some((message, part, ns)) => {
                    let parts = defs.messages.get(message).ok_or_else(|| {
                        Diagnostic::new(
                            op.loc.clone(),
                            format!("header message `{}` is not declared", message.local),
                        )
                    })?;
                    let (_, element, ty, ploc) = parts
                        .iter()
                        .find(|(name, ..)| name == part)
                        .ok_or_else(|| {
                            Diagnostic::new(
                                op.loc.clone(),
                                format!(
                                    "header part `{part}` is not in message `{}`",
                                    message.local
                                ),
                            )
                        })?;
                    let (part_name, namespace, ty) = match (element, ty) {
                        (Some(el), _) => {
                            (el.local.clone(), el.ns.clone(), TypeRef::Named(el.clone()))
                        }
                        (None, Some(ty)) => (part.clone(), ns.clone(), TypeRef::Named(ty.clone())),
                        (None, None) => {
                            return Err(Diagnostic::new(
                                ploc.clone(),
                                "header part has neither element nor type",
                            )
                            .into())
                        }
                    };
                    Some(HeaderDef {
                        part: part_name,
                        namespace,
                        ty,
                    })
                }
                None => None,
            };
            operations.push(OperationDef {
                name: op.name.clone(),
                doc: op.doc.clone(),
                loc: op.loc.clone(),
                style,
                encoded: input_body.encoded || output_body.encoded,
                action: bound.map(|b| b.action.clone()).unwrap_or_default(),
                namespace,
                input,
                output,
                header,
                policy: op.policy,
            });
        }
        let name = short_service_name(&wsdl_name);
        out.push(ServiceDef {
            name,
            wsdl_name,
            file: file.clone(),
            doc: doc.or_else(|| defs.doc.clone()),
            address,
            loc,
            operations,
        });
    }
    Ok(out)
}

/// `AccountAdminService` → `Account`; `VoicemailService` → `Voicemail`.
pub fn short_service_name(wsdl_name: &str) -> String {
    for suffix in ["AdminService", "Service"] {
        if let Some(short) = wsdl_name.strip_suffix(suffix) {
            if !short.is_empty() {
                return short.to_string();
            }
        }
    }
    wsdl_name.to_string()
}

fn message_shape(
    defs: &Definitions,
    message: Option<&QName>,
    style: Style,
    loc: &Location,
) -> Result<MessageShape, Error> {
    let Some(message) = message else {
        return Ok(MessageShape::Rpc(Vec::new()));
    };
    let parts = defs.messages.get(message).ok_or_else(|| {
        Diagnostic::new(
            loc.clone(),
            format!("message `{}` is not declared", message.local),
        )
    })?;
    match style {
        Style::Rpc => {
            let mut out = Vec::new();
            for (name, element, ty, ploc) in parts {
                let (ty, element) = match (ty, element) {
                    (Some(t), _) => (TypeRef::Named(t.clone()), false),
                    (None, Some(e)) => (TypeRef::Named(e.clone()), true),
                    (None, None) => (TypeRef::Named(QName::new(XSD_NS, "anyType")), false),
                };
                out.push(PartDef {
                    name: name.clone(),
                    ty,
                    element,
                    loc: ploc.clone(),
                });
            }
            Ok(MessageShape::Rpc(out))
        }
        Style::Document => match parts.as_slice() {
            [] => Ok(MessageShape::Rpc(Vec::new())),
            [(name, element, ty, ploc)] => Ok(match (element, ty) {
                (Some(el), _) => MessageShape::Document {
                    element: el.clone(),
                    ty: None,
                    loc: ploc.clone(),
                },
                (None, Some(t)) => MessageShape::Document {
                    element: QName::new("", name.clone()),
                    ty: Some(TypeRef::Named(t.clone())),
                    loc: ploc.clone(),
                },
                (None, None) => {
                    return Err(Diagnostic::new(
                        ploc.clone(),
                        "message part has neither element nor type",
                    )
                    .into())
                }
            }),
            [_, (_, _, _, second), ..] => Err(Diagnostic::new(
                second.clone(),
                "unsupported construct: document-style message with several body parts",
            )
            .into()),
        },
    }
}

fn required<'a>(el: &'a Element, name: &str) -> Result<&'a str, Diagnostic> {
    el.attr(name)
        .ok_or_else(|| el.error(format!("`{}` needs a `{name}` attribute", el.name.local)))
}
