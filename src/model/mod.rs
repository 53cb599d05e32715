//! The data model: what a generated type is, independent of the wire that carries it.
//!
//! A generated struct implements [`Structure`]: a static [`StructSchema`] (names, XSD types,
//! cardinality, docs, secrets), a lookup from wire name to field index, and two visitors that
//! hand each field to a decoder or an encoder. The SOAP codec (`crate::soap`) and the JSON
//! mapping (serde, used by REST and the command line) are written once against these traits,
//! so the same type reads the same from either wire. The inspector, the simulator and the
//! sample-request writer read the same schemas.

mod dynamic;
mod scalar;
mod serde_impl;
mod value;

pub use dynamic::{new_dyn, DynStructure};
pub(crate) use scalar::base64;
pub(crate) use scalar::civil_from_days;
pub use scalar::{Base64Binary, Date, DateTime, Decimal, Flag, HexBinary, ParseError, Time};
pub use serde_impl::{
    deserialize_enumeration, deserialize_structure, from_json_slice, serialize_enumeration,
    serialize_structure,
};
pub use value::Value;

use std::fmt;

/// Any value, for `xsd:anyType` fields, unknown elements and untyped calls.
pub type AnyValue = serde_json::Value;

/// Elements or keys a server sent that the schema does not describe, kept by name.
pub type Extra = serde_json::Map<String, AnyValue>;

/// A generated struct: a static schema, and visitors over its fields.
///
/// Implemented by generated code; the [`structure_impls!`](crate::structure_impls) macro then
/// derives `Debug` (with secrets redacted), `Serialize` and `Deserialize` from it.
pub trait Structure: Value {
    /// The schema: names, types, cardinality and documentation of the fields.
    const SCHEMA: &'static StructSchema;

    /// The index of the field whose wire name is `name`.
    fn field_index(name: &str) -> Option<usize>;

    /// Decodes field `index` with `d`.
    fn decode_field<D: FieldDecoder>(&mut self, index: usize, d: D) -> Result<(), D::Error>;

    /// Hands every field, then the extra elements, to `e`.
    fn encode_fields<E: FieldEncoder>(&self, e: &mut E) -> Result<(), E::Error>;

    /// Elements the schema does not describe.
    fn extra(&self) -> &Extra;

    /// Elements the schema does not describe.
    fn extra_mut(&mut self) -> &mut Extra;
}

/// Decodes one field's value from a wire format.
pub trait FieldDecoder {
    /// The decoder's error.
    type Error;

    /// Decodes into `slot` (which may already hold values, as for repeated elements).
    fn decode<V: Value>(self, slot: &mut V) -> Result<(), Self::Error>;

    /// Skips a value with no field.
    fn skip(self) -> Result<(), Self::Error>;
}

/// Receives the fields of a structure, in schema order.
pub trait FieldEncoder {
    /// The encoder's error.
    type Error;

    /// Receives field `index` of the structure's schema.
    fn field<V: Value>(&mut self, index: usize, value: &V) -> Result<(), Self::Error>;

    /// Receives the extra elements.
    fn extra(&mut self, extra: &Extra) -> Result<(), Self::Error>;
}

/// A generated enumeration of string values, which keeps values the schema does not list.
pub trait Enumeration:
    Default + Clone + PartialEq + Eq + fmt::Debug + Send + Sync + 'static
{
    /// The schema: the listed values.
    const SCHEMA: &'static EnumSchema;

    /// The wire value.
    fn as_str(&self) -> &str;

    /// The variant for a wire value (the catch-all variant for unlisted values).
    fn from_wire(value: &str) -> Self;
}

/// The static description of a generated struct.
#[derive(Debug)]
pub struct StructSchema {
    /// The XSD type name.
    pub name: &'static str,
    /// The XSD namespace.
    pub namespace: &'static str,
    /// Documentation from the schema.
    pub doc: &'static str,
    /// Where the type is declared (`file:line`).
    pub source: &'static str,
    /// Whether child elements are namespace-qualified (document/literal schemas).
    pub qualified: bool,
    /// The fields, in schema order.
    pub fields: &'static [FieldSchema],
}

impl StructSchema {
    /// The field with wire name `name`.
    pub fn field(&self, name: &str) -> Option<&'static FieldSchema> {
        self.fields.iter().find(|f| f.name == name)
    }
}

/// The static description of a field.
#[derive(Debug)]
pub struct FieldSchema {
    /// The element or attribute name on the wire (empty for simple content).
    pub name: &'static str,
    /// The Rust field name.
    pub rust_name: &'static str,
    /// The value type.
    pub ty: TypeInfo,
    /// The declared XSD type, for display (`xsd:long`, `AccountInfo[]`).
    pub xsd_type: &'static str,
    /// How many values it holds.
    pub occurs: Occurs,
    /// Element, attribute or text content.
    pub kind: FieldKind,
    /// Whether the value is a secret (passwords, tokens, session ids): redacted in `Debug`
    /// output and in recorded exchanges.
    pub sensitive: bool,
    /// Documentation from the schema.
    pub doc: &'static str,
}

/// How many values a field holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Occurs {
    /// Exactly one.
    Required,
    /// Zero or one.
    Optional,
    /// A repeated element (`maxOccurs > 1`).
    Many,
    /// A repeated element whose items may be nil.
    ManyNillable,
}

impl Occurs {
    /// Whether the field is a repeated element.
    pub fn is_repeated(self) -> bool {
        matches!(self, Occurs::Many | Occurs::ManyNillable)
    }
}

/// Where a field's value sits in XML.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    /// A child element.
    Element,
    /// An attribute.
    Attribute,
    /// The element's text (simple content).
    Text,
}

/// The type of a field's value.
#[derive(Clone, Copy)]
pub enum TypeInfo {
    /// `xsd:string`.
    String,
    /// `xsd:boolean`.
    Boolean,
    /// `xsd:byte`.
    Byte,
    /// `xsd:short`.
    Short,
    /// `xsd:int`.
    Int,
    /// `xsd:long`.
    Long,
    /// `xsd:integer`.
    Integer,
    /// `xsd:unsignedByte`.
    UnsignedByte,
    /// `xsd:unsignedShort`.
    UnsignedShort,
    /// `xsd:unsignedInt`.
    UnsignedInt,
    /// `xsd:unsignedLong`.
    UnsignedLong,
    /// `xsd:nonNegativeInteger`.
    NonNegativeInteger,
    /// `xsd:float`.
    Float,
    /// `xsd:double`.
    Double,
    /// `xsd:decimal`.
    Decimal,
    /// `xsd:date`.
    Date,
    /// `xsd:dateTime`.
    DateTime,
    /// `xsd:time`.
    Time,
    /// `xsd:base64Binary`.
    Base64Binary,
    /// `xsd:hexBinary`.
    HexBinary,
    /// A `Y`/`N` flag.
    Flag,
    /// `xsd:anyType`.
    Any,
    /// A generated struct.
    Struct(fn() -> &'static StructSchema),
    /// A generated enumeration.
    Enum(fn() -> &'static EnumSchema),
    /// An array of values of this type.
    List(&'static TypeInfo),
}

impl TypeInfo {
    /// A short name for display: `long`, `AccountInfo`, `AccountInfo[]`.
    pub fn display_name(&self) -> String {
        match self {
            TypeInfo::Struct(s) => s().name.to_string(),
            TypeInfo::Enum(e) => e().name.to_string(),
            TypeInfo::List(inner) => format!("{}[]", inner.display_name()),
            other => other.xsd_name().trim_start_matches("xsd:").to_string(),
        }
    }

    /// The `xsd:` type name of a built-in type (`xsd:anyType` for the others).
    pub fn xsd_name(&self) -> &'static str {
        match self {
            TypeInfo::String | TypeInfo::Flag | TypeInfo::Enum(_) => "xsd:string",
            TypeInfo::Boolean => "xsd:boolean",
            TypeInfo::Byte => "xsd:byte",
            TypeInfo::Short => "xsd:short",
            TypeInfo::Int => "xsd:int",
            TypeInfo::Long => "xsd:long",
            TypeInfo::Integer => "xsd:integer",
            TypeInfo::UnsignedByte => "xsd:unsignedByte",
            TypeInfo::UnsignedShort => "xsd:unsignedShort",
            TypeInfo::UnsignedInt => "xsd:unsignedInt",
            TypeInfo::UnsignedLong => "xsd:unsignedLong",
            TypeInfo::NonNegativeInteger => "xsd:nonNegativeInteger",
            TypeInfo::Float => "xsd:float",
            TypeInfo::Double => "xsd:double",
            TypeInfo::Decimal => "xsd:decimal",
            TypeInfo::Date => "xsd:date",
            TypeInfo::DateTime => "xsd:dateTime",
            TypeInfo::Time => "xsd:time",
            TypeInfo::Base64Binary => "xsd:base64Binary",
            TypeInfo::HexBinary => "xsd:hexBinary",
            TypeInfo::Any | TypeInfo::Struct(_) | TypeInfo::List(_) => "xsd:anyType",
        }
    }
}

impl fmt::Debug for TypeInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display_name())
    }
}

/// The static description of a generated enumeration.
#[derive(Debug)]
pub struct EnumSchema {
    /// The XSD type name.
    pub name: &'static str,
    /// The XSD namespace.
    pub namespace: &'static str,
    /// Documentation from the schema.
    pub doc: &'static str,
    /// Where the type is declared.
    pub source: &'static str,
    /// The listed values.
    pub values: &'static [&'static str],
}

/// The SOAP binding style of an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// rpc: the body element is named after the operation.
    Rpc,
    /// document: the body holds the message's element.
    Document,
}

/// The SOAP header an operation expects (PortaBilling's `auth_info`).
#[derive(Debug)]
pub struct HeaderInfo {
    /// The header element name.
    pub element: &'static str,
    /// Its namespace.
    pub namespace: &'static str,
}

/// Everything the clients need to know about an operation.
pub struct OperationInfo {
    /// The service (`Account`), as in `/rest/Account/...`.
    pub service: &'static str,
    /// The method (`get_account_info`).
    pub method: &'static str,
    /// Documentation from the WSDL.
    pub doc: &'static str,
    /// Where the operation is declared.
    pub source: &'static str,
    /// rpc or document.
    pub style: Style,
    /// Whether the body is SOAP-encoded (`use="encoded"`, with `xsi:type` on values).
    pub encoded: bool,
    /// The body namespace from the WSDL.
    pub namespace: &'static str,
    /// The `soapAction` from the WSDL.
    pub soap_action: &'static str,
    /// The element that wraps the request in the body.
    pub request_element: &'static str,
    /// For rpc with one structure part: the accessor element that holds it.
    pub request_part: Option<&'static str>,
    /// The element that wraps the response in the body.
    pub response_element: &'static str,
    /// The header the operation takes.
    pub header: Option<HeaderInfo>,
    /// For list operations with paging: the response's list field.
    pub list_field: Option<&'static str>,
    /// Whether the operation only reads, so that resending it is harmless. The generator
    /// decides, from the method name or the WSDL's `pbrs:readOnly`; the client resends a call
    /// that is not read-only only when the request provably never reached the server.
    pub read_only: bool,
    /// Whether the operation must carry a session (all but `Session/login` and
    /// `Session/refresh_access_token`, unless the WSDL's `pbrs:session` says otherwise).
    pub needs_session: bool,
    /// The request type's schema.
    pub request: &'static StructSchema,
    /// The response type's schema.
    pub response: &'static StructSchema,
    /// A new, empty request value.
    pub new_request: fn() -> Box<dyn DynStructure>,
    /// A new, empty response value.
    pub new_response: fn() -> Box<dyn DynStructure>,
}

impl OperationInfo {
    /// The first sentence of the documentation.
    pub fn summary(&self) -> &'static str {
        let first = self.doc.split("\n\n").next().unwrap_or("");
        match first.find(". ") {
            Some(i) => &first[..=i],
            None => first,
        }
    }
}

impl fmt::Debug for OperationInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OperationInfo({}/{})", self.service, self.method)
    }
}

/// A generated service.
#[derive(Debug)]
pub struct ServiceInfo {
    /// The short name (`Account`).
    pub name: &'static str,
    /// The WSDL service name (`AccountAdminService`).
    pub wsdl_name: &'static str,
    /// The generated module (`account`).
    pub module: &'static str,
    /// Documentation from the WSDL.
    pub doc: &'static str,
    /// The WSDL file.
    pub source: &'static str,
    /// The `soap:address` in the WSDL.
    pub address: Option<&'static str>,
    /// The operations, in WSDL order.
    pub operations: &'static [&'static OperationInfo],
}

impl ServiceInfo {
    /// The operation named `method`.
    pub fn operation(&self, method: &str) -> Option<&'static OperationInfo> {
        self.operations.iter().copied().find(|o| o.method == method)
    }
}

/// A typed operation: its request and response types and its descriptor. Generated as one
/// unit struct per operation, in each service's `op` module.
pub trait Operation: 'static {
    /// The request type.
    type Request: Structure;
    /// The response type.
    type Response: Structure;
    /// The descriptor.
    const INFO: &'static OperationInfo;
}

/// A list operation that pages with `limit` and `offset`.
pub trait PagedOperation: Operation {
    /// The list item type.
    type Item: Value;

    /// Whether the request can ask for the total (`get_total`) and the response reports it.
    const REPORTS_TOTAL: bool;

    /// Sets the page window on a request, and asks for the total when `get_total`.
    fn set_page(request: &mut Self::Request, offset: u64, limit: u64, get_total: bool);

    /// Takes the items out of a response.
    fn into_items(response: Self::Response) -> Vec<Self::Item>;

    /// The total the response reports, if it does.
    fn total(response: &Self::Response) -> Option<u64>;
}

/// The schema of `T`, as a function usable in statics.
pub const fn schema_of<T: Structure>() -> &'static StructSchema {
    T::SCHEMA
}

/// The schema of enumeration `T`, as a function usable in statics.
pub const fn enum_schema_of<T: Enumeration>() -> &'static EnumSchema {
    T::SCHEMA
}

/// Converts a page position to a request field's integer type, saturating.
pub fn page_number<N: PageNumber>(n: u64) -> N {
    N::from_u64(n)
}

/// Reads a response's total as a count, if it is not negative.
pub fn page_count<N: PageNumber>(n: N) -> Option<u64> {
    n.to_u64()
}

/// Integer types a paging field may have.
pub trait PageNumber: Copy {
    /// Converts, saturating at the type's maximum.
    fn from_u64(n: u64) -> Self;
    /// Converts, if not negative.
    fn to_u64(self) -> Option<u64>;
}

macro_rules! page_number {
    ($($t:ty),*) => {$(
        impl PageNumber for $t {
            fn from_u64(n: u64) -> Self {
                <$t>::try_from(n).unwrap_or(<$t>::MAX)
            }
            fn to_u64(self) -> Option<u64> {
                u64::try_from(self).ok()
            }
        }
    )*};
}
page_number!(i8, i16, i32, i64, i128, u8, u16, u32, u64, u128);

/// The paths of every value in `value` that the schema does not describe and that was kept in
/// an `extra` map (`account_info.new_field`, `account_list[3].other`). Empty when the
/// generated types cover everything the server sent.
pub fn unknown_fields<V: Value>(value: &V) -> Vec<String> {
    let mut out = Vec::new();
    value.collect_unknown("", &mut out);
    out
}

/// [`Value::collect_unknown`] for a structure.
pub fn collect_unknown_structure<T: Structure>(value: &T, path: &str, out: &mut Vec<String>) {
    struct Collect<'a> {
        path: &'a str,
        out: &'a mut Vec<String>,
        schema: &'static StructSchema,
    }
    impl FieldEncoder for Collect<'_> {
        type Error = std::convert::Infallible;
        fn field<V: Value>(&mut self, index: usize, value: &V) -> Result<(), Self::Error> {
            if let Some(field) = self.schema.fields.get(index) {
                value.collect_unknown(&join(self.path, field.name), self.out);
            }
            Ok(())
        }
        fn extra(&mut self, extra: &Extra) -> Result<(), Self::Error> {
            self.out.extend(extra.keys().map(|k| join(self.path, k)));
            Ok(())
        }
    }
    fn join(path: &str, name: &str) -> String {
        if path.is_empty() {
            name.to_string()
        } else {
            format!("{path}.{name}")
        }
    }
    let Ok(()) = value.encode_fields(&mut Collect {
        path,
        out,
        schema: T::SCHEMA,
    });
}

/// Writes a structure's fields for `Debug`, with secrets redacted.
pub fn debug_structure<T: Structure>(value: &T, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    struct DebugFields<'a, 'b> {
        out: fmt::DebugStruct<'a, 'b>,
        schema: &'static StructSchema,
    }
    impl FieldEncoder for DebugFields<'_, '_> {
        type Error = std::convert::Infallible;
        fn field<V: Value>(&mut self, index: usize, value: &V) -> Result<(), Self::Error> {
            if let Some(field) = self.schema.fields.get(index) {
                if field.sensitive && !value.is_absent() {
                    self.out.field(field.rust_name, &Redacted);
                } else {
                    self.out.field(field.rust_name, value);
                }
            }
            Ok(())
        }
        fn extra(&mut self, extra: &Extra) -> Result<(), Self::Error> {
            if !extra.is_empty() {
                let redacted: Vec<(&String, &dyn fmt::Debug)> = extra
                    .iter()
                    .map(|(k, v)| {
                        let shown: &dyn fmt::Debug = if crate::redact::is_secret_name(k) {
                            &Redacted
                        } else {
                            v
                        };
                        (k, shown)
                    })
                    .collect();
                self.out.field("extra", &DebugMap(&redacted));
            }
            Ok(())
        }
    }
    let mut fields = DebugFields {
        out: f.debug_struct(T::SCHEMA.name),
        schema: T::SCHEMA,
    };
    let Ok(()) = value.encode_fields(&mut fields);
    fields.out.finish()
}

struct DebugMap<'a>(&'a [(&'a String, &'a dyn fmt::Debug)]);

impl fmt::Debug for DebugMap<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.iter().map(|(k, v)| (k, v)))
            .finish()
    }
}

/// Shown in place of a secret.
pub(crate) struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Implements `Debug` (secrets redacted), `Serialize`, `Deserialize` and [`Value`] for a
/// generated [`Structure`].
#[macro_export]
#[doc(hidden)]
macro_rules! structure_impls {
    ($t:ty) => {
        impl ::core::fmt::Debug for $t {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                $crate::runtime::debug_structure(self, f)
            }
        }

        impl $crate::runtime::serde::Serialize for $t {
            fn serialize<S: $crate::runtime::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::core::result::Result<S::Ok, S::Error> {
                $crate::runtime::serialize_structure(self, serializer)
            }
        }

        impl<'de> $crate::runtime::serde::Deserialize<'de> for $t {
            fn deserialize<D: $crate::runtime::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::core::result::Result<Self, D::Error> {
                $crate::runtime::deserialize_structure(deserializer)
            }
        }

        impl $crate::runtime::Value for $t {
            fn from_json<'de, D: $crate::runtime::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::core::result::Result<Self, D::Error> {
                $crate::runtime::deserialize_structure(deserializer)
            }

            fn decode_xml<S: $crate::runtime::Source>(
                slot: &mut Self,
                decoder: &mut $crate::runtime::XmlDecoder<S>,
                start: $crate::runtime::Start,
                _repeated: bool,
            ) -> ::core::result::Result<bool, $crate::runtime::DecodeError> {
                decoder.decode_structure(slot, &start)
            }

            fn encode_xml(
                &self,
                encoder: &mut $crate::runtime::XmlEncoder,
                name: &str,
                _repeated: bool,
            ) -> ::core::result::Result<(), $crate::runtime::EncodeError> {
                encoder.structure(name, self)
            }

            fn type_name() -> $crate::runtime::TypeName {
                let schema = <Self as $crate::runtime::Structure>::SCHEMA;
                $crate::runtime::TypeName::Named(schema.namespace, schema.name)
            }

            fn has_field(name: &str) -> bool {
                <Self as $crate::runtime::Structure>::field_index(name).is_some()
            }

            fn collect_unknown(&self, path: &str, out: &mut Vec<String>) {
                $crate::runtime::collect_unknown_structure(self, path, out)
            }
        }
    };
}

/// Implements `Display`, `FromStr`, `Serialize`, `Deserialize` and [`Value`] for a generated
/// [`Enumeration`].
#[macro_export]
#[doc(hidden)]
macro_rules! enumeration_impls {
    ($t:ty) => {
        impl ::core::fmt::Display for $t {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str($crate::runtime::Enumeration::as_str(self))
            }
        }

        impl ::core::str::FromStr for $t {
            type Err = ::core::convert::Infallible;
            fn from_str(s: &str) -> ::core::result::Result<Self, Self::Err> {
                Ok(<$t as $crate::runtime::Enumeration>::from_wire(s))
            }
        }

        impl $crate::runtime::serde::Serialize for $t {
            fn serialize<S: $crate::runtime::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::core::result::Result<S::Ok, S::Error> {
                $crate::runtime::serialize_enumeration(self, serializer)
            }
        }

        impl<'de> $crate::runtime::serde::Deserialize<'de> for $t {
            fn deserialize<D: $crate::runtime::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::core::result::Result<Self, D::Error> {
                $crate::runtime::deserialize_enumeration(deserializer)
            }
        }

        impl $crate::runtime::Value for $t {
            fn from_json<'de, D: $crate::runtime::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::core::result::Result<Self, D::Error> {
                $crate::runtime::deserialize_enumeration(deserializer)
            }

            fn parse_text(text: &str) -> ::core::result::Result<Self, String> {
                Ok(<Self as $crate::runtime::Enumeration>::from_wire(text))
            }

            fn to_text(&self) -> Option<String> {
                Some($crate::runtime::Enumeration::as_str(self).to_string())
            }

            fn decode_xml<S: $crate::runtime::Source>(
                slot: &mut Self,
                decoder: &mut $crate::runtime::XmlDecoder<S>,
                start: $crate::runtime::Start,
                repeated: bool,
            ) -> ::core::result::Result<bool, $crate::runtime::DecodeError> {
                let mut text = String::new();
                let present = <String as $crate::runtime::Value>::decode_xml(
                    &mut text, decoder, start, repeated,
                )?;
                if present {
                    *slot = <Self as $crate::runtime::Enumeration>::from_wire(&text);
                }
                Ok(present)
            }

            fn encode_xml(
                &self,
                encoder: &mut $crate::runtime::XmlEncoder,
                name: &str,
                repeated: bool,
            ) -> ::core::result::Result<(), $crate::runtime::EncodeError> {
                $crate::runtime::Enumeration::as_str(self)
                    .to_string()
                    .encode_xml(encoder, name, repeated)
            }

            fn type_name() -> $crate::runtime::TypeName {
                $crate::runtime::TypeName::Xsd("string")
            }
        }
    };
}
