//! The data model: what a generated type is, independent of any wire that carries it.
//!
//! A generated struct is plain data plus a constant description: a [`StructSchema`] (names,
//! types, cardinality, docs, secrets, and a lookup table from wire name to field), and two
//! small functions that hand out a field by index as a [`ValueRef`] or [`ValueMut`] (its
//! [`StructType`] impl). A [`DynamicStructure`] holds a value of the same shape made from
//! the schema alone, for operations chosen at run time. Every codec (the SOAP one, the JSON
//! mapping in [`json`], `Debug`, `Clone` and `PartialEq`, the unknown-field check) is written
//! once, against `dyn` [`Structure`], so nothing large is compiled per type, and what is
//! (those two functions, `Default`, the one-line `Clone`, `PartialEq` and `Debug`) is
//! `#[inline]`: compiled in the crate that uses the type, so a server's whole API (1,800
//! operations) costs the library little more to build than its structs. The inspector, the
//! simulator and the sample-request writer read the same schemas.

mod check;
mod deep;
mod dynamic;
mod field;
mod index;
mod interop;
pub mod json;
mod scalar;

use std::any::Any;
use std::fmt;

pub use check::{closest, UnknownField};
pub use deep::{cloned, copy_structure, structures_equal};
pub use dynamic::DynamicStructure;
pub use field::{
    EnumSlot, ListChange, ListSlot, ListValue, OptionalSlot, Scalar, ScalarKind, ScalarMut, Slot,
    ValueMut, ValueRef,
};
pub(crate) use scalar::base64;
#[cfg(feature = "espf")]
pub(crate) use scalar::civil_from_days;
pub use scalar::{Base64Binary, Date, DateTime, Decimal, Flag, HexBinary, ParseError, Time};

/// Any value, for `xsd:anyType` fields, unknown elements and untyped calls.
pub type AnyValue = serde_json::Value;

/// Elements or keys a server sent that the schema does not describe, kept by name.
pub type Extra = serde_json::Map<String, AnyValue>;

/// A value a field can hold: a scalar, an `Option`, a `Vec`, a `Box`, a generated struct or
/// enumeration, or an [`AnyValue`]. It hands itself to the codecs as a [`ValueRef`] to read
/// or a [`ValueMut`] to fill.
pub trait FieldValue: Send + Sync {
    /// The value, to read.
    fn value(&self) -> ValueRef<'_>;

    /// The value, to fill.
    fn value_mut(&mut self) -> ValueMut<'_>;
}

/// A struct seen through its schema: what every codec works on. Object-safe, so a codec is
/// compiled once for all structs. Generated structs have it from [`StructType`], the part of
/// a struct written out per type; [`DynamicStructure`] and hand-written types implement it
/// directly.
pub trait Structure: Any + Send + Sync {
    /// The schema of the struct.
    fn schema(&self) -> &'static StructSchema;

    /// Field `index` of the schema, to read; one past the last field, the elements the
    /// schema does not describe ([`ValueRef::Extra`]); [`ValueRef::Absent`] past that.
    fn field(&self, index: usize) -> ValueRef<'_>;

    /// Field `index` of the schema, to fill; one past the last field, the elements the
    /// schema does not describe ([`ValueMut::Extra`]); `None` past that.
    fn field_mut(&mut self, index: usize) -> Option<ValueMut<'_>>;
}

// The elements a schema does not describe are reached through `field` and `field_mut`, one
// past the last field, rather than through methods of their own: every method of this
// trait is a function per generated struct, and a server's whole API has thousands.
impl dyn Structure + '_ {
    /// The elements the schema does not describe (none if the type keeps none).
    pub fn extra(&self) -> &Extra {
        static NONE: std::sync::OnceLock<Extra> = std::sync::OnceLock::new();
        match self.field(self.schema().fields.len()) {
            ValueRef::Extra(extra) => extra,
            _ => NONE.get_or_init(Extra::new),
        }
    }

    /// The elements the schema does not describe, to add to (`None` if the type keeps none).
    pub fn extra_mut(&mut self) -> Option<&mut Extra> {
        match self.field_mut(self.schema().fields.len()) {
            Some(ValueMut::Extra(extra)) => Some(extra),
            _ => None,
        }
    }

    /// Where a decoder keeps the unknown element or key `name`; an error naming it and the
    /// type when the type keeps none (a hand-written `Structure`), rather than dropping it.
    pub(crate) fn extra_for(&mut self, name: &str) -> Result<&mut Extra, String> {
        let type_name = self.schema().name;
        self.extra_mut().ok_or_else(|| {
            format!("`{name}`: {type_name} has no such field and keeps no unknown ones")
        })
    }
}

impl fmt::Debug for dyn Structure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_structure(self, f)
    }
}

impl dyn Structure {
    /// The value as its generated type, if it is one (a value the
    /// [registry](crate::registry) made is a [`DynamicStructure`]: `to_typed` converts it).
    pub fn downcast_ref<T: Structure>(&self) -> Option<&T> {
        (self as &dyn Any).downcast_ref()
    }

    /// A copy of the value as the generated type `T`, if the value is of `T`'s schema:
    /// a `T` itself, or a [`DynamicStructure`] of `T`'s schema (what the
    /// [registry](crate::registry) and [`call_dyn`](crate::Client::call_dyn) give).
    pub fn to_typed<T: StructType>(&self) -> Option<T> {
        // A `T` itself is copied as its `clone` would copy it.
        self.schema()
            .same_type(T::SCHEMA)
            .then(|| cloned::<T>(self))
    }

    /// The value in PortaBilling's JSON form.
    pub fn to_json(&self) -> AnyValue {
        json::to_value(self)
    }

    /// The value as indented JSON text, with fields in schema order.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Replaces the value with one read from JSON (leniently, as over REST).
    pub fn set_json(&mut self, value: &AnyValue) -> Result<(), serde_json::Error> {
        json::set_from_value(self, value)
    }
}

/// A generated struct as a type: its schema as a constant, and its fields by index. Every
/// generated struct is one, and [`Structure`] comes from this trait, as do [`FieldValue`] and
/// [`Slot`]; `Clone`, `PartialEq`, `Debug` (and with the `serde` feature, `Serialize` and
/// `Deserialize`) are one-line calls into code compiled once.
pub trait StructType: Default + Clone + PartialEq + fmt::Debug + Send + Sync + 'static {
    /// The schema.
    const SCHEMA: &'static StructSchema;

    /// What [`Structure::field`] gives.
    fn read_field(&self, index: usize) -> ValueRef<'_>;

    /// What [`Structure::field_mut`] gives.
    fn fill_field(&mut self, index: usize) -> Option<ValueMut<'_>>;
}

// One impl for all generated structs rather than one each: a server's whole API has 5,000,
// and each impl and function the compiler checks costs memory (`schema` is not written out).
impl<T: StructType> Structure for T {
    #[inline]
    fn schema(&self) -> &'static StructSchema {
        T::SCHEMA
    }

    #[inline]
    fn field(&self, index: usize) -> ValueRef<'_> {
        self.read_field(index)
    }

    #[inline]
    fn field_mut(&mut self, index: usize) -> Option<ValueMut<'_>> {
        self.fill_field(index)
    }
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
    /// The fields' documentation, in the same order (empty when none has any).
    pub docs: &'static [&'static str],
    /// The fields by wire name: an open-addressing table of field indices plus one (0: an
    /// empty slot), a power of two slots long, which the generator writes (the hash is
    /// `portabilling_codegen::FIELD_TABLE_SOURCE`'s).
    pub index: &'static [u16],
}

impl StructSchema {
    /// Whether `other` describes the same XSD type: the same name in the same namespace,
    /// declared at the same place (two anonymous types may share the name of the elements
    /// that hold them). Compared by value, not address: a schema constant may be copied
    /// where it is used.
    pub fn same_type(&self, other: &StructSchema) -> bool {
        self.name == other.name && self.namespace == other.namespace && self.source == other.source
    }

    /// The index of the field whose wire name is `name` (not the text content field).
    #[inline]
    pub fn lookup(&self, name: &str) -> Option<usize> {
        index::lookup(self.fields, self.index, name)
    }

    /// The field with wire name `name`.
    pub fn field(&self, name: &str) -> Option<&'static FieldSchema> {
        self.lookup(name).map(|i| &self.fields[i])
    }

    /// The index of the simple-content (text) field, if the struct has one.
    pub fn text_field(&self) -> Option<usize> {
        self.fields.iter().position(|f| f.kind == FieldKind::Text)
    }

    /// The documentation of field `index` (empty when it has none).
    pub fn field_doc(&self, index: usize) -> &'static str {
        self.docs.get(index).copied().unwrap_or("")
    }

    /// Whether any field is an attribute.
    pub fn has_attributes(&self) -> bool {
        self.fields.iter().any(|f| f.kind == FieldKind::Attribute)
    }
}

/// The static description of a field.
#[derive(Debug)]
pub struct FieldSchema {
    /// The element or attribute name on the wire (empty for simple content).
    pub name: &'static str,
    /// The value type.
    pub ty: TypeInfo,
    /// How many values it holds.
    pub occurs: Occurs,
    /// Element, attribute or text content.
    pub kind: FieldKind,
    /// Whether the value is a secret (passwords, tokens, session ids): redacted in `Debug`
    /// output and in recorded exchanges.
    pub sensitive: bool,
}

impl FieldSchema {
    /// A field of any kind.
    pub const fn new(
        name: &'static str,
        ty: TypeInfo,
        occurs: Occurs,
        kind: FieldKind,
        sensitive: bool,
    ) -> Self {
        FieldSchema {
            name,
            ty,
            occurs,
            kind,
            sensitive,
        }
    }

    /// An optional element, the usual field.
    pub const fn element(name: &'static str, ty: TypeInfo) -> Self {
        FieldSchema::new(name, ty, Occurs::Optional, FieldKind::Element, false)
    }

    /// An element that is always there.
    pub const fn required(name: &'static str, ty: TypeInfo) -> Self {
        FieldSchema::new(name, ty, Occurs::Required, FieldKind::Element, false)
    }

    /// A repeated element.
    pub const fn many(name: &'static str, ty: TypeInfo) -> Self {
        FieldSchema::new(name, ty, Occurs::Many, FieldKind::Element, false)
    }

    /// The declared type, for display: `xsd:long`, `AccountInfo`, `AccountInfo[]` (repeated
    /// elements show as arrays too).
    pub fn display_type(&self) -> String {
        fn xsd(ty: &TypeInfo) -> String {
            match ty {
                TypeInfo::Struct(_) | TypeInfo::Enum(_) | TypeInfo::Flag => ty.display_name(),
                TypeInfo::List(inner) => format!("{}[]", xsd(inner)),
                other => other.xsd_name().to_string(),
            }
        }
        let name = xsd(&self.ty);
        if self.occurs.is_repeated() {
            format!("{name}[]")
        } else {
            name
        }
    }
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
            TypeInfo::Flag => "Flag".to_string(),
            other => other.xsd_name().trim_start_matches("xsd:").to_string(),
        }
    }

    /// Whether a value of this type is text alone: a built-in type, a flag or an
    /// enumeration, not a struct, a list or any value.
    pub fn is_simple(&self) -> bool {
        !matches!(
            self,
            TypeInfo::Struct(_) | TypeInfo::List(_) | TypeInfo::Any
        )
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

    /// The local part of [`xsd_name`](Self::xsd_name): `long`, `anyType`.
    pub fn xsd_local(&self) -> &'static str {
        let name = self.xsd_name();
        name.get(4..).unwrap_or(name)
    }

    /// The type of one item: the inner type of an array, or the type itself (the items of a
    /// repeated element).
    pub fn item(&self) -> &TypeInfo {
        match self {
            TypeInfo::List(inner) => inner,
            other => other,
        }
    }

    /// Whether a struct of this type has a field named `name`.
    pub fn has_field(&self, name: &str) -> bool {
        match self {
            TypeInfo::Struct(schema) => schema().lookup(name).is_some(),
            _ => false,
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
}

impl OperationInfo {
    /// A new, empty request value, made from the request's schema (a
    /// [`DynamicStructure`]; `to_typed` (on `dyn Structure`) turns it into the
    /// generated type).
    pub fn new_request(&self) -> Box<dyn Structure> {
        Box::new(DynamicStructure::new(self.request))
    }

    /// A new, empty response value, made from the response's schema (a
    /// [`DynamicStructure`]).
    pub fn new_response(&self) -> Box<dyn Structure> {
        Box::new(DynamicStructure::new(self.response))
    }

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
    type Request: StructType;
    /// The response type.
    type Response: StructType;
    /// The descriptor.
    const INFO: &'static OperationInfo;
}

/// A list operation that pages with `limit` and `offset`.
pub trait PagedOperation: Operation {
    /// The list item type.
    type Item: Slot;

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
pub const fn schema_of<T: StructType>() -> &'static StructSchema {
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
pub fn unknown_fields(value: &dyn FieldValue) -> Vec<String> {
    let mut out = Vec::new();
    collect_unknown(value.value(), "", &mut out);
    out
}

fn collect_unknown(value: ValueRef<'_>, path: &str, out: &mut Vec<String>) {
    fn join(path: &str, name: &str) -> String {
        if path.is_empty() {
            name.to_string()
        } else {
            format!("{path}.{name}")
        }
    }
    match value {
        ValueRef::Struct(s) => {
            let schema = s.schema();
            for (i, field) in schema.fields.iter().enumerate() {
                collect_unknown(s.field(i), &join(path, field.name), out);
            }
            out.extend(s.extra().keys().map(|k| join(path, k)));
        }
        ValueRef::List(list) => {
            for i in 0..list.len() {
                collect_unknown(list.item(i), &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// Writes a structure's fields for `Debug`, with secrets redacted.
pub fn debug_structure(value: &dyn Structure, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let schema = value.schema();
    let mut out = f.debug_struct(schema.name);
    for (i, field) in schema.fields.iter().enumerate() {
        let shown = value.field(i);
        let name = if field.kind == FieldKind::Text {
            "value"
        } else {
            field.name
        };
        if field.sensitive && !shown.is_absent() {
            out.field(name, &Redacted);
        } else {
            out.field(name, &DebugValue(shown));
        }
    }
    let extra = value.extra();
    if !extra.is_empty() {
        out.field("extra", &DebugExtra(extra));
    }
    out.finish()
}

/// A field value in `Debug` output, as its Rust value would print.
struct DebugValue<'a>(ValueRef<'a>);

impl fmt::Debug for DebugValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            ValueRef::Absent => f.write_str("None"),
            ValueRef::Scalar(s) => fmt::Debug::fmt(s, f),
            ValueRef::Enum(e) => fmt::Debug::fmt(e, f),
            ValueRef::Struct(s) => debug_structure(*s, f),
            ValueRef::List(list) => f
                .debug_list()
                .entries((0..list.len()).map(|i| DebugValue(list.item(i))))
                .finish(),
            ValueRef::Any(v) => fmt::Debug::fmt(v, f),
            ValueRef::Extra(extra) => fmt::Debug::fmt(&DebugExtra(extra), f),
        }
    }
}

/// Elements a schema does not describe, in `Debug` output, secrets redacted by name.
struct DebugExtra<'a>(&'a Extra);

impl fmt::Debug for DebugExtra<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.iter().map(|(k, v)| {
                let shown: &dyn fmt::Debug = if crate::redact::is_secret_name(k) {
                    &Redacted
                } else {
                    v
                };
                (k, shown)
            }))
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
