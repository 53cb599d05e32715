//! The inspector: what services and methods the crate was built with, and what each method
//! takes and returns, with sample requests in JSON and SOAP XML.
//!
//! It reads the schemas generated from the WSDLs (bundled or the user's own), so it describes
//! exactly the types the client uses. The command line's `services`, `methods` and `describe`
//! print what these functions return.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde_json::{json, Map, Value};

use crate::model::{
    EnumSchema, FieldKind, Occurs, OperationInfo, ServiceInfo, StructSchema, TypeInfo,
};
use crate::soap::envelope::{encode, BodyTarget, HeaderEntry, PORTAONE_NS};

/// One line per service: name, WSDL name, number of methods, summary.
pub fn services() -> String {
    let mut out = String::new();
    for s in crate::registry::services() {
        let _ = writeln!(
            out,
            "{:<16} {:<30} {:>3} methods  {}",
            s.name,
            s.wsdl_name,
            s.operations.len(),
            first_line(s.doc)
        );
    }
    out
}

/// One line per method of `service` (or of every service): name and summary.
pub fn methods(service: Option<&ServiceInfo>) -> String {
    let mut out = String::new();
    let services: Vec<&ServiceInfo> = match service {
        Some(s) => vec![s],
        None => crate::registry::services().iter().collect(),
    };
    for s in services {
        for op in s.operations {
            let _ = writeln!(out, "{}/{:<32} {}", s.name, op.method, op.summary());
        }
    }
    out
}

/// A full description of an operation: its documentation, the request and response
/// structures (each nested type once), and sample requests in JSON and SOAP XML.
pub fn describe(op: &OperationInfo) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}/{}  ({})", op.service, op.method, op.source);
    if !op.doc.is_empty() {
        for line in op.doc.lines() {
            let _ = writeln!(out, "  {line}");
        }
    }
    let _ = writeln!(
        out,
        "  SOAP: {} in namespace …/Porta/SOAP/{}, {}{}",
        op.request_element,
        op.service,
        if op.encoded { "rpc/encoded" } else { "literal" },
        if op.header.is_some() {
            ", auth_info header"
        } else {
            ""
        }
    );
    let _ = writeln!(out, "  REST: POST /rest/{}/{}", op.service, op.method);
    let mut seen = BTreeSet::new();
    let mut nested: Vec<&'static StructSchema> = Vec::new();
    let mut enums: Vec<&'static EnumSchema> = Vec::new();
    let _ = writeln!(out, "\nRequest: {}", op.request.name);
    fields(&mut out, op.request, &mut nested, &mut enums, &mut seen);
    let _ = writeln!(out, "\nResponse: {}", op.response.name);
    fields(&mut out, op.response, &mut nested, &mut enums, &mut seen);
    let mut i = 0;
    while i < nested.len() {
        let schema = nested[i];
        let _ = writeln!(out, "\n{}  ({})", schema.name, schema.source);
        if !schema.doc.is_empty() {
            let _ = writeln!(out, "  {}", first_line(schema.doc));
        }
        fields(&mut out, schema, &mut nested, &mut enums, &mut seen);
        i += 1;
    }
    for e in enums {
        let _ = writeln!(
            out,
            "\n{}: one of {}",
            e.name,
            e.values
                .iter()
                .map(|v| format!("`{v}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let sample = sample_request(op);
    let _ = writeln!(
        out,
        "\nSample request, JSON (POST /rest/{}/{}):",
        op.service, op.method
    );
    let body = json!({ "params": sample });
    let _ = writeln!(
        out,
        "{}",
        serde_json::to_string_pretty(&body).unwrap_or_default()
    );
    let _ = writeln!(
        out,
        "\nSample request, SOAP (POST /soap/{}/{}):",
        op.service, op.method
    );
    let _ = writeln!(out, "{}", sample_soap(op, &sample));
    out
}

fn fields(
    out: &mut String,
    schema: &'static StructSchema,
    nested: &mut Vec<&'static StructSchema>,
    enums: &mut Vec<&'static EnumSchema>,
    seen: &mut BTreeSet<&'static str>,
) {
    if schema.fields.is_empty() {
        let _ = writeln!(out, "  (no fields)");
    }
    let width = schema
        .fields
        .iter()
        .map(|f| f.name.len())
        .max()
        .unwrap_or(0)
        .max(4);
    for (i, f) in schema.fields.iter().enumerate() {
        note_types(&f.ty, nested, enums, seen);
        let occurs = match (f.occurs, f.ty) {
            (Occurs::Many | Occurs::ManyNillable, _) | (_, TypeInfo::List(_)) => "list",
            (Occurs::Optional, _) => "optional",
            (Occurs::Required, _) => "required",
        };
        let kind = match f.kind {
            FieldKind::Attribute => " (attribute)",
            FieldKind::Text => " (text)",
            FieldKind::Element => "",
        };
        let name = if f.name.is_empty() { "value" } else { f.name };
        let _ = writeln!(
            out,
            "  {name:<width$}  {:<18} {:<8}{kind}{}{}",
            f.display_type(),
            occurs,
            if f.sensitive { " secret" } else { "" },
            if schema.field_doc(i).is_empty() {
                String::new()
            } else {
                format!("  {}", first_line(schema.field_doc(i)))
            },
        );
    }
}

fn note_types(
    ty: &TypeInfo,
    nested: &mut Vec<&'static StructSchema>,
    enums: &mut Vec<&'static EnumSchema>,
    seen: &mut BTreeSet<&'static str>,
) {
    match ty {
        TypeInfo::Struct(s) => {
            let schema = s();
            if seen.insert(schema.name) {
                nested.push(schema);
            }
        }
        TypeInfo::Enum(e) => {
            let schema = e();
            if seen.insert(schema.name) {
                enums.push(schema);
            }
        }
        TypeInfo::List(inner) => note_types(inner, nested, enums, seen),
        _ => {}
    }
}

fn first_line(doc: &str) -> &str {
    doc.lines().next().unwrap_or("")
}

/// A sample request for `op`, every field filled with an example value of its type.
pub fn sample_request(op: &OperationInfo) -> Value {
    sample_struct(op.request, 0)
}

fn sample_struct(schema: &StructSchema, depth: usize) -> Value {
    let mut map = Map::new();
    for f in schema.fields {
        if depth > 1 && !matches!(f.occurs, Occurs::Required) {
            continue;
        }
        let value = sample_value(&f.ty, f.name, depth);
        let value = match (f.occurs, f.ty) {
            (Occurs::Many | Occurs::ManyNillable, TypeInfo::List(_))
            | (Occurs::Many | Occurs::ManyNillable, _) => Value::Array(vec![value]),
            _ => value,
        };
        if !value.is_null() {
            let key = if f.kind == FieldKind::Text {
                "value"
            } else {
                f.name
            };
            map.insert(key.to_string(), value);
        }
    }
    Value::Object(map)
}

fn sample_value(ty: &TypeInfo, name: &str, depth: usize) -> Value {
    match ty {
        TypeInfo::String => json!(if name.contains("password") || name.contains("token") {
            "secret"
        } else {
            "text"
        }),
        TypeInfo::Boolean => json!(true),
        TypeInfo::Byte
        | TypeInfo::Short
        | TypeInfo::Int
        | TypeInfo::Long
        | TypeInfo::Integer
        | TypeInfo::UnsignedByte
        | TypeInfo::UnsignedShort
        | TypeInfo::UnsignedInt
        | TypeInfo::UnsignedLong
        | TypeInfo::NonNegativeInteger => match name {
            n if n.starts_with("i_") => json!(1000),
            "limit" => json!(100),
            "offset" => json!(0),
            _ => json!(1),
        },
        TypeInfo::Float | TypeInfo::Double | TypeInfo::Decimal => json!(12.5),
        TypeInfo::Date => json!("2026-11-27"),
        TypeInfo::DateTime => json!("2026-11-27 12:00:00"),
        TypeInfo::Time => json!("12:00:00"),
        TypeInfo::Base64Binary => json!("UG9ydGFCaWxsaW5n"),
        TypeInfo::HexBinary => json!("00FF"),
        TypeInfo::Flag => json!("Y"),
        TypeInfo::Any => Value::Null,
        TypeInfo::Enum(e) => e().values.first().map_or(Value::Null, |v| json!(v)),
        TypeInfo::Struct(s) if depth < 3 => sample_struct(s(), depth + 1),
        TypeInfo::Struct(_) => Value::Null,
        TypeInfo::List(inner) => {
            let item = sample_value(inner, name, depth + 1);
            if item.is_null() {
                Value::Null
            } else {
                Value::Array(vec![item])
            }
        }
    }
}

/// The SOAP envelope of a sample request (indented for reading).
fn sample_soap(op: &OperationInfo, sample: &Value) -> String {
    let mut request = op.new_request();
    if let Err(e) = request.set_json(sample) {
        return format!("(cannot build a sample: {e})");
    }
    let namespace = format!("https://billing.example.com/Porta/SOAP/{}", op.service);
    let header = [("session_id", "<session id>")];
    let element = op.header.as_ref().map_or("auth_info", |h| h.element);
    let entry = HeaderEntry {
        element,
        namespace: PORTAONE_NS,
        values: &header[..],
    };
    match encode(
        Some(entry),
        &BodyTarget::request(op, &namespace),
        request.as_ref(),
    ) {
        Ok(bytes) => indent_xml(&String::from_utf8_lossy(&bytes)),
        Err(e) => format!("(cannot encode a sample: {e})"),
    }
}

/// Indents XML that has no mixed content, one element per line.
pub fn indent_xml(xml: &str) -> String {
    let mut out = String::with_capacity(xml.len() * 2);
    let mut depth: usize = 0;
    let mut rest = xml;
    while let Some(start) = rest.find('<') {
        let text = &rest[..start];
        let Some(end) = rest[start..].find('>').map(|e| start + e) else {
            break;
        };
        let tag = &rest[start..=end];
        if tag.starts_with("</") {
            depth = depth.saturating_sub(1);
            if text.trim().is_empty() {
                out.push('\n');
                out.push_str(&"  ".repeat(depth));
            } else {
                out.push_str(text);
            }
            out.push_str(tag);
        } else {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&"  ".repeat(depth));
            out.push_str(tag);
            if !tag.ends_with("/>") && !tag.starts_with("<?") {
                depth += 1;
            }
        }
        rest = &rest[end + 1..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indents_xml() {
        assert_eq!(
            indent_xml("<a><b>1</b><c/></a>"),
            "<a>\n  <b>1</b>\n  <c/>\n</a>"
        );
    }
}
