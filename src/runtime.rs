//! Unstable: what generated code refers to at run time, and the codec entry points the fuzz
//! targets, benches, tests and the simulator drive directly ([`codec`]). Nothing here is
//! covered by semver; programs use the crate root, [`model`](crate::model) and the generated
//! service modules.
//!
//! Generated modules import this as `rt`. It gathers the data-model traits and schemas, the
//! scalar types fields use, the seam to the clients, and two macros that give each generated
//! type its `Debug`, serde and field-value impls, every one a call into code compiled once.
//! Code outside generated modules rarely needs it, except for the scalar types ([`Decimal`],
//! [`Date`], [`DateTime`], [`Flag`], …), which are also re-exported at the crate root.

pub use crate::error::Result;
pub use crate::model::json::{
    deserialize_enumeration, deserialize_into, serialize_enumeration, serialize_structure,
};
pub use crate::model::{
    copy_structure, debug_structure, enum_schema_of, field_index, new_boxed, page_count,
    page_number, schema_of, structures_equal, AnyValue, Base64Binary, Date, DateTime, Decimal,
    EnumSchema, EnumSlot, Enumeration, Extra, FieldAccess, FieldKind, FieldSchema, FieldValue,
    Flag, HeaderInfo, HexBinary, Occurs, Operation, OperationInfo, PagedOperation, ServiceInfo,
    Slot, StructSchema, StructType, Structure, Style, Time, TypeInfo, ValueMut, ValueRef,
};
pub use crate::paging::{Caller, ItemStream, Pages};
#[doc(hidden)]
pub use crate::{enumeration_impls, structure_impls};
#[doc(hidden)]
pub use serde;

/// The SOAP codec's entry points, below the client: encode a body, decode one, and the
/// server side the simulator and the fuzz targets use.
pub mod codec {
    pub use crate::soap::envelope::ValueOrFault;
    pub use crate::soap::envelope::{
        decode_request, decode_response, decode_response_any, encode, encode_any, encode_fault,
        BodyTarget, HeaderEntry, PORTAONE_NS,
    };
    pub use crate::soap::DecodeError;
    pub use crate::wire::Fault;
    pub use crate::wire::Limits;
}

/// Implements [`Structure`], `Clone`, `PartialEq`, `Debug` (secrets redacted), `Serialize`, `Deserialize`,
/// [`FieldValue`] and [`Slot`] for a generated [`StructType`] whose unknown elements are kept
/// in field `$extra`, each through code compiled once for all structs.
#[macro_export]
#[doc(hidden)]
macro_rules! structure_impls {
    ($t:ty, $extra:ident) => {
        impl $crate::runtime::Structure for $t {
            fn schema(&self) -> &'static $crate::runtime::StructSchema {
                <$t as $crate::runtime::StructType>::SCHEMA
            }

            fn extra(&self) -> &$crate::runtime::Extra {
                &self.$extra
            }

            fn extra_mut(&mut self) -> &mut $crate::runtime::Extra {
                &mut self.$extra
            }
        }

        impl ::core::clone::Clone for $t {
            fn clone(&self) -> Self {
                let mut copy = <$t as ::core::default::Default>::default();
                $crate::runtime::copy_structure(self, &mut copy);
                copy
            }
        }

        impl ::core::cmp::PartialEq for $t {
            fn eq(&self, other: &Self) -> bool {
                $crate::runtime::structures_equal(self, other)
            }
        }

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
                let mut value = <$t as ::core::default::Default>::default();
                $crate::runtime::deserialize_into(&mut value, deserializer)?;
                Ok(value)
            }
        }

        impl $crate::runtime::FieldValue for $t {
            fn value(&self) -> $crate::runtime::ValueRef<'_> {
                $crate::runtime::ValueRef::Struct(self)
            }

            fn value_mut(&mut self) -> $crate::runtime::ValueMut<'_> {
                $crate::runtime::ValueMut::Struct(self)
            }
        }

        impl $crate::runtime::Slot for $t {
            fn option_value_mut(this: &mut Option<Self>) -> $crate::runtime::ValueMut<'_> {
                $crate::runtime::ValueMut::Optional(this)
            }
        }
    };
}

/// Implements `Display`, `FromStr`, `Serialize`, `Deserialize`, [`FieldValue`] and [`Slot`]
/// for a generated [`Enumeration`] ([`EnumSlot`] comes with [`Enumeration`]).
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

        impl $crate::runtime::FieldValue for $t {
            fn value(&self) -> $crate::runtime::ValueRef<'_> {
                $crate::runtime::ValueRef::Enum($crate::runtime::Enumeration::as_str(self))
            }

            fn value_mut(&mut self) -> $crate::runtime::ValueMut<'_> {
                $crate::runtime::ValueMut::Enum(self)
            }
        }

        impl $crate::runtime::Slot for $t {
            fn option_value_mut(this: &mut Option<Self>) -> $crate::runtime::ValueMut<'_> {
                $crate::runtime::ValueMut::Enum(this)
            }
        }
    };
}
