//! What generated code refers to at run time.
//!
//! Generated modules import this as `rt`. It gathers the data-model traits and schemas, the
//! scalar types fields use, and the seams to the clients. Code outside generated modules
//! rarely needs it, except for the scalar types ([`Decimal`], [`Date`], [`DateTime`],
//! [`Flag`], …), which are also re-exported at the crate root.

pub use crate::error::Result;
pub use crate::model::{
    collect_unknown_structure, debug_structure, deserialize_enumeration, deserialize_structure,
    enum_schema_of, new_dyn, page_count, page_number, schema_of, serialize_enumeration,
    serialize_structure, AnyValue, Base64Binary, Date, DateTime, Decimal, DynStructure, EnumSchema,
    Enumeration, Extra, FieldDecoder, FieldEncoder, FieldKind, FieldSchema, Flag, HeaderInfo,
    HexBinary, Occurs, Operation, OperationInfo, PagedOperation, ServiceInfo, StructSchema,
    Structure, Style, Time, TypeInfo, Value,
};
pub use crate::paging::{Caller, ItemStream, Pages};
pub use crate::soap::decode::{DecodeError, Source, Start, XmlDecoder};
pub use crate::soap::encode::{EncodeError, TypeName, XmlEncoder};
#[doc(hidden)]
pub use crate::{enumeration_impls, structure_impls};
#[doc(hidden)]
pub use serde;
