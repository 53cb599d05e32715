//! Unstable: what generated code refers to at run time, and the codec entry points the fuzz
//! targets, benches, tests and the simulator drive directly ([`codec`]). Nothing here is
//! covered by semver; programs use the crate root, [`model`](crate::model) and the generated
//! service modules.
//!
//! Generated modules import this as `rt`. It gathers the data-model traits and schemas, the
//! scalar types fields use, the seam to the clients, and the macros that give each generated
//! type its `Clone`, `PartialEq`, `Debug`, serde and field-value impls (`structure_impls!`,
//! `enumeration_impls!`, `boxed_structure_impls!`, `serde_impls!`), every one a call into
//! code compiled once.
//! Code outside generated modules rarely needs it, except for the scalar types ([`Decimal`],
//! [`Date`], [`DateTime`], [`Flag`], …), which are also re-exported at the crate root.

pub use crate::error::Result;
pub use crate::model::json::{
    deserialize_enumeration, deserialize_structure, serialize_enumeration, serialize_structure,
};
pub use crate::model::{
    cloned, copy_structure, debug_structure, enum_schema_of, page_count, page_number, schema_of,
    structures_equal, AnyValue, Base64Binary, Date, DateTime, Decimal, EnumSchema, EnumSlot,
    Enumeration, Extra, FieldKind, FieldSchema, FieldValue, Flag, HeaderInfo, HexBinary, Occurs,
    Operation, OperationInfo, PagedOperation, ServiceInfo, Slot, StructSchema, StructType,
    Structure, Style, Time, TypeInfo, ValueMut, ValueRef,
};
pub use crate::paging::{Caller, ItemStream, Pages};
#[doc(hidden)]
pub use crate::{boxed_structure_impls, enumeration_impls, serde_impls, structure_impls};
#[doc(hidden)]
pub use serde;

/// The SOAP codec's entry points, below the client: encode a body, decode one, and the
/// server side the simulator and the fuzz targets use.
pub mod codec {
    pub use crate::soap::envelope::ValueOrFault;
    pub use crate::soap::envelope::{
        decode_request, decode_response, decode_response_any, decode_response_into, encode,
        encode_any, encode_fault, BodyTarget, HeaderEntry, PORTAONE_NS,
    };
    pub use crate::soap::DecodeError;
    pub use crate::wire::Fault;
    pub use crate::wire::Limits;
}

/// Implements `Clone`, `PartialEq`, `Debug` (secrets redacted) and, with the `serde`
/// feature, `Serialize` and `Deserialize` for a generated [`StructType`], each through code
/// compiled once for all structs.
#[macro_export]
#[doc(hidden)]
macro_rules! structure_impls {
    // `#[inline]` here as on the generated functions: each is compiled in the crate that
    // uses the type, not in this library, which reaches types through their schemas.
    ($t:ty) => {
        impl ::core::clone::Clone for $t {
            #[inline]
            fn clone(&self) -> Self {
                $crate::runtime::cloned(self)
            }
        }

        impl ::core::cmp::PartialEq for $t {
            #[inline]
            fn eq(&self, other: &Self) -> bool {
                $crate::runtime::structures_equal(self, other)
            }
        }

        impl ::core::fmt::Debug for $t {
            #[inline]
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                $crate::runtime::debug_structure(self, f)
            }
        }

        $crate::serde_impls!(structure $t);
    };
}

/// `Serialize` and `Deserialize` for a generated [`StructType`] (`structure`) or
/// [`Enumeration`] (`enumeration`), through its schema.
#[cfg(feature = "serde")]
#[macro_export]
#[doc(hidden)]
macro_rules! serde_impls {
    (structure $t:ty) => {
        $crate::serde_impls!(
            $t,
            $crate::runtime::serialize_structure,
            $crate::runtime::deserialize_structure
        );
    };
    (enumeration $t:ty) => {
        $crate::serde_impls!(
            $t,
            $crate::runtime::serialize_enumeration,
            $crate::runtime::deserialize_enumeration
        );
    };
    ($t:ty, $serialize:expr, $deserialize:expr) => {
        impl $crate::runtime::serde::Serialize for $t {
            fn serialize<S: $crate::runtime::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::core::result::Result<S::Ok, S::Error> {
                $serialize(self, serializer)
            }
        }

        impl<'de> $crate::runtime::serde::Deserialize<'de> for $t {
            fn deserialize<D: $crate::runtime::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::core::result::Result<Self, D::Error> {
                $deserialize(deserializer)
            }
        }
    };
}

/// Without the `serde` feature, generated types have no serde impls: a server's whole API
/// builds without them.
#[cfg(not(feature = "serde"))]
#[macro_export]
#[doc(hidden)]
macro_rules! serde_impls {
    ($kind:ident $t:ty) => {};
}

/// Implements [`FieldValue`] and [`Slot`] for `Box<$t>`, a generated [`StructType`] that a
/// field holds boxed because the struct could contain itself.
#[macro_export]
#[doc(hidden)]
macro_rules! boxed_structure_impls {
    ($t:ty) => {
        impl $crate::runtime::FieldValue for ::std::boxed::Box<$t> {
            #[inline]
            fn value(&self) -> $crate::runtime::ValueRef<'_> {
                $crate::runtime::ValueRef::Struct(&**self)
            }

            #[inline]
            fn value_mut(&mut self) -> $crate::runtime::ValueMut<'_> {
                $crate::runtime::ValueMut::Struct(&mut **self)
            }
        }

        impl $crate::runtime::Slot for ::std::boxed::Box<$t> {
            #[inline]
            fn option_value_mut(this: &mut Option<Self>) -> $crate::runtime::ValueMut<'_> {
                $crate::runtime::ValueMut::Optional(this)
            }
        }
    };
}

/// Implements `Display`, `FromStr`, [`FieldValue`], [`Slot`] and, with the `serde` feature,
/// `Serialize` and `Deserialize` for a generated [`Enumeration`] ([`EnumSlot`] comes with
/// [`Enumeration`]).
#[macro_export]
#[doc(hidden)]
macro_rules! enumeration_impls {
    ($t:ty) => {
        impl ::core::fmt::Display for $t {
            #[inline]
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str($crate::runtime::Enumeration::as_str(self))
            }
        }

        impl ::core::str::FromStr for $t {
            type Err = ::core::convert::Infallible;
            #[inline]
            fn from_str(s: &str) -> ::core::result::Result<Self, Self::Err> {
                Ok(<$t as $crate::runtime::Enumeration>::from_wire(s))
            }
        }

        $crate::serde_impls!(enumeration $t);

        impl $crate::runtime::FieldValue for $t {
            #[inline]
            fn value(&self) -> $crate::runtime::ValueRef<'_> {
                $crate::runtime::ValueRef::Enum($crate::runtime::Enumeration::as_str(self))
            }

            #[inline]
            fn value_mut(&mut self) -> $crate::runtime::ValueMut<'_> {
                $crate::runtime::ValueMut::Enum(self)
            }
        }

        impl $crate::runtime::Slot for $t {
            #[inline]
            fn option_value_mut(this: &mut Option<Self>) -> $crate::runtime::ValueMut<'_> {
                $crate::runtime::ValueMut::Enum(this)
            }
        }
    };
}
