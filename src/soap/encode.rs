//! Writing values as SOAP 1.1 XML: `xsi:type` on every value and `soapenc:Array` for lists
//! (rpc/encoded, as PortaBilling's WSDLs declare), or plain elements (literal use).
//!
//! Bytes go straight into a `Vec<u8>`, with namespace prefixes handed out as types need them;
//! the envelope declares them once the body is written. Strings that XML 1.0 cannot carry
//! (control characters) are sent as `xsd:base64Binary`, as SOAP::Lite does; the decoder reads
//! them back.

use std::fmt::Display;
use std::io::Write as _;

use crate::model::{AnyValue, Extra, FieldKind, Scalar, Structure, TypeInfo, ValueRef};

/// The XML Schema namespace, bound to `xsd`.
pub const XSD_NS: &str = "http://www.w3.org/2001/XMLSchema";
/// The XML Schema instance namespace, bound to `xsi`.
pub const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";
/// The SOAP 1.1 encoding namespace, bound to `soapenc`.
pub const SOAPENC_NS: &str = "http://schemas.xmlsoap.org/soap/encoding/";
/// The SOAP 1.1 envelope namespace, bound to `soap`.
pub const SOAP_ENV_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";

/// A value that cannot be written.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cannot encode `{field}`: {message}")]
pub struct EncodeError {
    /// The element.
    pub field: String,
    /// Why.
    pub message: String,
}

/// The type a value declares in `xsi:type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TypeName {
    /// A built-in type: `xsd:<name>`.
    Xsd(&'static str),
    /// A schema type: namespace and name.
    Named(&'static str, &'static str),
    /// `soapenc:Array`.
    Array,
    /// Untyped (`xsd:anyType`).
    Any,
}

/// Writes XML into a buffer.
#[derive(Debug)]
pub struct XmlEncoder {
    pub(crate) out: Vec<u8>,
    encoded: bool,
    /// Write the outermost structure's empty lists as empty arrays (for responses: Perl code
    /// dereferences a list field without checking it exists).
    pub(crate) empty_lists: bool,
    depth: usize,
    /// Namespaces used by type names, with their prefixes (`ns1`, `ns2`, …).
    namespaces: Vec<(&'static str, String)>,
}

impl XmlEncoder {
    /// An encoder; `encoded` writes `xsi:type` and SOAP-encoded arrays.
    pub fn new(encoded: bool) -> Self {
        XmlEncoder {
            out: Vec::with_capacity(1024),
            encoded,
            empty_lists: false,
            depth: 0,
            namespaces: Vec::new(),
        }
    }

    /// The namespaces type names used, with their prefixes, for the envelope to declare.
    pub fn namespaces(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.namespaces.iter().map(|(uri, p)| (*uri, p.as_str()))
    }

    /// The bytes written so far.
    pub fn into_bytes(self) -> Vec<u8> {
        self.out
    }

    fn prefix(&mut self, uri: &'static str) -> String {
        match uri {
            XSD_NS => return "xsd".into(),
            SOAPENC_NS => return "soapenc".into(),
            "" => return String::new(),
            _ => {}
        }
        if let Some((_, p)) = self.namespaces.iter().find(|(u, _)| *u == uri) {
            return p.clone();
        }
        let prefix = format!("ns{}", self.namespaces.len() + 1);
        self.namespaces.push((uri, prefix.clone()));
        prefix
    }

    fn qualified(&mut self, name: TypeName) -> String {
        match name {
            TypeName::Xsd(local) => ["xsd:", local].concat(),
            TypeName::Named(ns, local) => {
                let p = self.prefix(ns);
                if p.is_empty() {
                    local.to_string()
                } else {
                    [&p, ":", local].concat()
                }
            }
            TypeName::Array => "soapenc:Array".into(),
            TypeName::Any => "xsd:anyType".into(),
        }
    }

    fn open_typed(&mut self, name: &str, xsd_local: &str) {
        self.out.push(b'<');
        self.out.extend_from_slice(name.as_bytes());
        if self.encoded {
            self.out.extend_from_slice(b" xsi:type=\"xsd:");
            self.out.extend_from_slice(xsd_local.as_bytes());
            self.out.push(b'"');
        }
        self.out.push(b'>');
    }

    fn close(&mut self, name: &str) {
        self.out.extend_from_slice(b"</");
        self.out.extend_from_slice(name.as_bytes());
        self.out.push(b'>');
    }

    /// `<name xsi:nil="true"/>`.
    pub fn nil(&mut self, name: &str) {
        self.out.push(b'<');
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(b" xsi:nil=\"true\"/>");
    }

    /// A value whose text is its `Display` form and needs no escaping (numbers, dates).
    pub(crate) fn display(&mut self, name: &str, xsd_local: &str, value: &dyn Display) {
        self.open_typed(name, xsd_local);
        let _ = write!(self.out, "{value}");
        self.close(name);
    }

    /// A text value, escaped; base64 where XML cannot carry it.
    pub(crate) fn text(
        &mut self,
        name: &str,
        xsd_local: &str,
        value: &str,
    ) -> Result<(), EncodeError> {
        if !is_xml_text(value) {
            if !self.encoded {
                return Err(EncodeError {
                    field: name.to_string(),
                    message: "the text holds characters XML 1.0 cannot carry".into(),
                });
            }
            let encoded = crate::model::base64::encode(value.as_bytes());
            self.open_typed(name, "base64Binary");
            self.out.extend_from_slice(encoded.as_bytes());
            self.close(name);
            return Ok(());
        }
        self.open_typed(name, xsd_local);
        escape_into(&mut self.out, value, false);
        self.close(name);
        Ok(())
    }

    /// A structure: its fields as child elements, its attribute fields as attributes.
    pub fn structure(&mut self, name: &str, value: &dyn Structure) -> Result<(), EncodeError> {
        let schema = value.schema();
        self.out.push(b'<');
        self.out.extend_from_slice(name.as_bytes());
        if self.encoded {
            let ty = self.qualified(TypeName::Named(schema.namespace, schema.name));
            self.out.extend_from_slice(b" xsi:type=\"");
            self.out.extend_from_slice(ty.as_bytes());
            self.out.push(b'"');
        }
        write_attributes(&mut self.out, value);
        self.out.push(b'>');
        self.structure_content(value)?;
        self.close(name);
        Ok(())
    }

    /// The attribute fields of a structure, written as ` name="value"` pairs.
    pub fn attributes_of(value: &dyn Structure) -> Vec<u8> {
        let mut out = Vec::new();
        write_attributes(&mut out, value);
        out
    }

    /// The fields of a structure without an element around them (the spread form of a body).
    pub fn structure_content(&mut self, value: &dyn Structure) -> Result<(), EncodeError> {
        let schema = value.schema();
        let prefix = if schema.qualified {
            let p = self.prefix(schema.namespace);
            (!p.is_empty()).then_some(p)
        } else {
            None
        };
        self.depth += 1;
        let result = self.fields(value, prefix.as_deref());
        self.depth -= 1;
        result
    }

    fn fields(&mut self, value: &dyn Structure, prefix: Option<&str>) -> Result<(), EncodeError> {
        let schema = value.schema();
        for (i, field) in schema.fields.iter().enumerate() {
            let v = value.field(i);
            match field.kind {
                FieldKind::Attribute => {}
                FieldKind::Text => {
                    if let Some(text) = attribute_text(v) {
                        escape_into(&mut self.out, &text, false);
                    }
                }
                FieldKind::Element => {
                    let repeated = field.occurs.is_repeated();
                    // A response's empty lists show as empty arrays where Perl code expects
                    // them.
                    let show_empty = self.empty_lists
                        && self.depth == 1
                        && !repeated
                        && matches!(v, ValueRef::List(_));
                    if v.is_absent() && !show_empty {
                        continue;
                    }
                    match prefix {
                        Some(p) => {
                            let name = format!("{p}:{}", field.name);
                            self.value(&name, &field.ty, v, repeated)?;
                        }
                        None => self.value(field.name, &field.ty, v, repeated)?,
                    }
                }
            }
        }
        self.extra(value.extra())
    }

    /// Elements a schema does not describe, each as it was kept.
    fn extra(&mut self, extra: &Extra) -> Result<(), EncodeError> {
        for (key, v) in extra {
            check_name(key)?;
            self.any(key, v)?;
        }
        Ok(())
    }

    /// A value of type `ty` as element `name` (as several, for a repeated field). An absent
    /// item of a list keeps its place as a nil element.
    fn value(
        &mut self,
        name: &str,
        ty: &TypeInfo,
        value: ValueRef<'_>,
        repeated: bool,
    ) -> Result<(), EncodeError> {
        match value {
            ValueRef::Absent if repeated => {
                self.nil(name);
                Ok(())
            }
            ValueRef::Absent => Ok(()),
            ValueRef::Scalar(Scalar::String(text)) => self.text(name, "string", text),
            ValueRef::Scalar(scalar) => {
                self.open_typed(name, scalar_type(&scalar));
                write_scalar(&mut self.out, &scalar);
                self.close(name);
                Ok(())
            }
            ValueRef::Enum(text) => self.text(name, "string", text),
            ValueRef::Struct(s) => self.structure(name, s),
            ValueRef::List(list) if repeated => {
                for i in 0..list.len() {
                    self.value(name, ty.item(), list.item(i), true)?;
                }
                Ok(())
            }
            ValueRef::List(list) => self.array(name, ty.item(), list),
            ValueRef::Any(v) => self.any(name, v),
            ValueRef::Extra(extra) => self.extra(extra),
        }
    }

    /// A list as a SOAP-encoded array of `item` elements (a plain wrapper in literal use).
    fn array(
        &mut self,
        name: &str,
        item_ty: &TypeInfo,
        items: &dyn crate::model::ListValue,
    ) -> Result<(), EncodeError> {
        self.out.push(b'<');
        self.out.extend_from_slice(name.as_bytes());
        if self.encoded {
            let item_type = match item_type_name(item_ty) {
                // An array of arrays declares its items as arrays of any type.
                TypeName::Array => "xsd:anyType[]".to_string(),
                other => self.qualified(other),
            };
            let _ = write!(
                self.out,
                " xsi:type=\"soapenc:Array\" soapenc:arrayType=\"{item_type}[{}]\"",
                items.len()
            );
        }
        if items.is_empty() {
            self.out.extend_from_slice(b"/>");
            return Ok(());
        }
        self.out.push(b'>');
        for i in 0..items.len() {
            let item = items.item(i);
            if item.is_absent() && !matches!(item, ValueRef::List(_)) {
                // A missing item keeps its place.
                self.nil("item");
            } else {
                // An item is one element even when it is itself a list (arrays of arrays).
                self.value("item", item_ty, item, false)?;
            }
        }
        self.close(name);
        Ok(())
    }

    /// An untyped value, with `xsi:type` inferred from its JSON type.
    pub fn any(&mut self, name: &str, value: &AnyValue) -> Result<(), EncodeError> {
        match value {
            AnyValue::Null => {
                self.nil(name);
                Ok(())
            }
            AnyValue::Bool(b) => self.text(name, "boolean", if *b { "true" } else { "false" }),
            AnyValue::Number(n) => {
                let ty = if n.as_i64().is_some_and(|v| i32::try_from(v).is_ok()) {
                    "int"
                } else if n.is_i64() || n.is_u64() {
                    "long"
                } else {
                    "double"
                };
                self.display(name, ty, n);
                Ok(())
            }
            AnyValue::String(s) => self.text(name, "string", s),
            AnyValue::Array(items) => {
                self.out.push(b'<');
                self.out.extend_from_slice(name.as_bytes());
                if self.encoded {
                    let _ = write!(
                        self.out,
                        " xsi:type=\"soapenc:Array\" soapenc:arrayType=\"xsd:anyType[{}]\"",
                        items.len()
                    );
                }
                self.out.push(b'>');
                for item in items {
                    self.any("item", item)?;
                }
                self.close(name);
                Ok(())
            }
            AnyValue::Object(map) => {
                self.out.push(b'<');
                self.out.extend_from_slice(name.as_bytes());
                self.out.push(b'>');
                for (key, item) in map {
                    check_name(key)?;
                    self.any(key, item)?;
                }
                self.close(name);
                Ok(())
            }
        }
    }
}

/// Writes the attribute fields of a structure into an open start tag.
fn write_attributes(out: &mut Vec<u8>, value: &dyn Structure) {
    let schema = value.schema();
    if !schema.has_attributes() {
        return;
    }
    for (i, field) in schema.fields.iter().enumerate() {
        if field.kind != FieldKind::Attribute {
            continue;
        }
        if let Some(text) = attribute_text(value.field(i)) {
            out.push(b' ');
            out.extend_from_slice(field.name.as_bytes());
            out.extend_from_slice(b"=\"");
            escape_into(out, &text, true);
            out.push(b'"');
        }
    }
}

/// A value written as text (an attribute or simple content).
fn attribute_text(value: ValueRef<'_>) -> Option<String> {
    match value {
        ValueRef::Scalar(s) => Some(s.to_string()),
        ValueRef::Enum(e) => Some(e.to_string()),
        ValueRef::Any(AnyValue::String(s)) => Some(s.clone()),
        ValueRef::Any(v) => Some(v.to_string()),
        _ => None,
    }
}

/// The `xsi:type` local name of a value of type `ty`, as [`scalar_type`] gives it for scalars
/// (enumerations travel as strings too).
fn xsd_local(ty: &TypeInfo) -> &'static str {
    match ty {
        TypeInfo::DateTime | TypeInfo::Flag | TypeInfo::Enum(_) => "string",
        other => other.xsd_local(),
    }
}

/// The type an array declares for its items.
fn item_type_name(ty: &TypeInfo) -> TypeName {
    match ty {
        TypeInfo::Struct(schema) => {
            let schema = schema();
            TypeName::Named(schema.namespace, schema.name)
        }
        TypeInfo::List(_) => TypeName::Array,
        TypeInfo::Any => TypeName::Any,
        other => TypeName::Xsd(xsd_local(other)),
    }
}

/// Whether XML 1.0 can carry every character of `text` (escaped or not). A `str` holds no
/// surrogates, so what XML refuses is the C0 controls but tab, newline and carriage return, and
/// U+FFFE and U+FFFF (`EF BF BE`, `EF BF BF` in UTF-8): a byte scan finds them.
fn is_xml_text(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\t' | b'\n' | b'\r' => {}
            0..=0x1F => return false,
            0xEF if bytes.get(i + 1) == Some(&0xBF)
                && matches!(bytes.get(i + 2), Some(0xBE | 0xBF)) =>
            {
                return false
            }
            _ => {}
        }
        i += 1;
    }
    true
}

/// The `xsi:type` local name of a scalar (PortaBilling's datetimes and flags travel as
/// strings: `2026-11-27 12:00:00` is not xsd:dateTime's lexical form).
fn scalar_type(value: &Scalar<'_>) -> &'static str {
    match value {
        Scalar::String(_) | Scalar::DateTime(_) | Scalar::Flag(_) => "string",
        Scalar::Bool(_) => "boolean",
        Scalar::I8(_) => "byte",
        Scalar::I16(_) => "short",
        Scalar::I32(_) => "int",
        Scalar::I64(_) => "long",
        Scalar::I128(_) => "integer",
        Scalar::U8(_) => "unsignedByte",
        Scalar::U16(_) => "unsignedShort",
        Scalar::U32(_) => "unsignedInt",
        Scalar::U64(_) => "unsignedLong",
        Scalar::U128(_) => "nonNegativeInteger",
        Scalar::F32(_) => "float",
        Scalar::F64(_) => "double",
        Scalar::Decimal(_) => "decimal",
        Scalar::Date(_) => "date",
        Scalar::Time(_) => "time",
        Scalar::Base64(_) => "base64Binary",
        Scalar::Hex(_) => "hexBinary",
    }
}

/// Writes a scalar's text (which needs no escaping); integers without the formatting
/// machinery, as most values of a response are.
fn write_scalar(out: &mut Vec<u8>, value: &Scalar<'_>) {
    match *value {
        Scalar::I8(v) => write_int(out, v < 0, i64::from(v).unsigned_abs()),
        Scalar::I16(v) => write_int(out, v < 0, i64::from(v).unsigned_abs()),
        Scalar::I32(v) => write_int(out, v < 0, i64::from(v).unsigned_abs()),
        Scalar::I64(v) => write_int(out, v < 0, v.unsigned_abs()),
        Scalar::U8(v) => write_int(out, false, u64::from(v)),
        Scalar::U16(v) => write_int(out, false, u64::from(v)),
        Scalar::U32(v) => write_int(out, false, u64::from(v)),
        Scalar::U64(v) => write_int(out, false, v),
        Scalar::Bool(v) => out.extend_from_slice(if v { b"true" } else { b"false" }),
        Scalar::Flag(v) => out.extend_from_slice(v.as_str().as_bytes()),
        ref other => {
            let _ = write!(out, "{other}");
        }
    }
}

/// Writes an integer of up to 64 bits in decimal, from its sign and magnitude.
fn write_int(out: &mut Vec<u8>, negative: bool, magnitude: u64) {
    let mut digits = [0u8; 21];
    let mut at = digits.len();
    let mut n = magnitude;
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if negative {
        at -= 1;
        digits[at] = b'-';
    }
    out.extend_from_slice(&digits[at..]);
}

/// Element names that come from data (untyped maps) must be valid XML names.
fn check_name(name: &str) -> Result<(), EncodeError> {
    let mut chars = name.chars();
    let valid_start = chars.next().is_some_and(|c| c.is_alphabetic() || c == '_');
    let valid_rest = chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if valid_start && valid_rest {
        Ok(())
    } else {
        Err(EncodeError {
            field: name.chars().take(64).collect(),
            message: "not a valid XML element name".into(),
        })
    }
}

/// Escapes text for element content (or attribute values). `\r` is written as a character
/// reference so that it survives XML line-end normalisation.
pub(crate) fn escape_into(out: &mut Vec<u8>, s: &str, attribute: bool) {
    let bytes = s.as_bytes();
    let mut last = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let replacement: &[u8] = match b {
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            b'>' => b"&gt;",
            b'\r' => b"&#13;",
            b'"' if attribute => b"&quot;",
            b'\n' if attribute => b"&#10;",
            b'\t' if attribute => b"&#9;",
            _ => continue,
        };
        out.extend_from_slice(&bytes[last..i]);
        out.extend_from_slice(replacement);
        last = i + 1;
    }
    out.extend_from_slice(&bytes[last..]);
}
