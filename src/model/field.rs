//! How a field's value shows itself to the codecs: [`ValueRef`] to read it, [`ValueMut`] to fill
//! it, for every type a field can have (the scalars, `Option`, `Vec`, `Box`, generated structs
//! and enumerations, [`AnyValue`]).
//!
//! A codec matches on these enums instead of being generic over the field's type, so it is
//! compiled once. Optional scalars and enumerations are filled in place (an
//! `Option<i64>` is one [`ScalarSlot`]), which keeps the common field one step away.

use std::fmt;

use super::scalar::{Base64Binary, Date, DateTime, Decimal, Flag, HexBinary, Time};
use super::{AnyValue, EnumSchema, FieldValue, Structure};

/// A field's value, to read.
#[derive(Clone, Copy)]
pub enum ValueRef<'a> {
    /// No value (`None`).
    Absent,
    /// A scalar.
    Scalar(Scalar<'a>),
    /// An enumeration's wire value.
    Enum(&'a str),
    /// A generated struct.
    Struct(&'a dyn Structure),
    /// A list.
    List(&'a dyn ListValue),
    /// Any value.
    Any(&'a AnyValue),
}

impl ValueRef<'_> {
    /// Whether the value is left out when written: no value, or an empty list.
    pub fn is_absent(&self) -> bool {
        match self {
            ValueRef::Absent => true,
            ValueRef::List(list) => list.is_empty(),
            _ => false,
        }
    }
}

/// A field's value, to fill.
pub enum ValueMut<'a> {
    /// A scalar, required or optional.
    Scalar(&'a mut dyn ScalarSlot),
    /// An enumeration, required or optional.
    Enum(&'a mut dyn EnumSlot),
    /// A generated struct.
    Struct(&'a mut dyn Structure),
    /// An optional value of another kind.
    Optional(&'a mut dyn OptionalSlot),
    /// A list.
    List(&'a mut dyn ListSlot),
    /// Any value.
    Any(&'a mut AnyValue),
}

/// What a type needs to be a field's value inside an `Option` or a `Vec`. Scalars and
/// enumerations are filled in place when optional; other types through [`OptionalSlot`].
pub trait Slot: FieldValue + Default + 'static {
    /// `this`, an optional value of this type, to fill.
    fn option_value_mut(this: &mut Option<Self>) -> ValueMut<'_>;
}

/// The kinds of scalars.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarKind {
    /// `String`.
    String,
    /// `bool`.
    Bool,
    /// `i8`.
    I8,
    /// `i16`.
    I16,
    /// `i32`.
    I32,
    /// `i64`.
    I64,
    /// `i128`.
    I128,
    /// `u8`.
    U8,
    /// `u16`.
    U16,
    /// `u32`.
    U32,
    /// `u64`.
    U64,
    /// `u128`.
    U128,
    /// `f32`.
    F32,
    /// `f64`.
    F64,
    /// [`Decimal`].
    Decimal,
    /// [`Date`].
    Date,
    /// [`DateTime`].
    DateTime,
    /// [`Time`].
    Time,
    /// [`Base64Binary`].
    Base64,
    /// [`HexBinary`].
    Hex,
    /// [`Flag`].
    Flag,
}

/// A scalar value, borrowed.
#[derive(Clone, Copy)]
pub enum Scalar<'a> {
    /// Text.
    String(&'a str),
    /// A boolean.
    Bool(bool),
    /// `xsd:byte`.
    I8(i8),
    /// `xsd:short`.
    I16(i16),
    /// `xsd:int`.
    I32(i32),
    /// `xsd:long`.
    I64(i64),
    /// `xsd:integer`.
    I128(i128),
    /// `xsd:unsignedByte`.
    U8(u8),
    /// `xsd:unsignedShort`.
    U16(u16),
    /// `xsd:unsignedInt`.
    U32(u32),
    /// `xsd:unsignedLong`.
    U64(u64),
    /// `xsd:nonNegativeInteger`.
    U128(u128),
    /// `xsd:float`.
    F32(f32),
    /// `xsd:double`.
    F64(f64),
    /// `xsd:decimal`.
    Decimal(&'a Decimal),
    /// `xsd:date`.
    Date(&'a Date),
    /// `xsd:dateTime`.
    DateTime(&'a DateTime),
    /// `xsd:time`.
    Time(&'a Time),
    /// `xsd:base64Binary`.
    Base64(&'a Base64Binary),
    /// `xsd:hexBinary`.
    Hex(&'a HexBinary),
    /// A `Y`/`N` flag.
    Flag(Flag),
}

/// A scalar value, owned: what a decoder hands to a [`ScalarSlot`].
#[derive(Clone, Debug, PartialEq)]
pub enum OwnedScalar {
    /// Text.
    String(String),
    /// A boolean.
    Bool(bool),
    /// `xsd:byte`.
    I8(i8),
    /// `xsd:short`.
    I16(i16),
    /// `xsd:int`.
    I32(i32),
    /// `xsd:long`.
    I64(i64),
    /// `xsd:integer`.
    I128(i128),
    /// `xsd:unsignedByte`.
    U8(u8),
    /// `xsd:unsignedShort`.
    U16(u16),
    /// `xsd:unsignedInt`.
    U32(u32),
    /// `xsd:unsignedLong`.
    U64(u64),
    /// `xsd:nonNegativeInteger`.
    U128(u128),
    /// `xsd:float`.
    F32(f32),
    /// `xsd:double`.
    F64(f64),
    /// `xsd:decimal`.
    Decimal(Decimal),
    /// `xsd:date`.
    Date(Date),
    /// `xsd:dateTime`.
    DateTime(DateTime),
    /// `xsd:time`.
    Time(Time),
    /// `xsd:base64Binary`.
    Base64(Base64Binary),
    /// `xsd:hexBinary`.
    Hex(HexBinary),
    /// A `Y`/`N` flag.
    Flag(Flag),
}

/// A scalar field, required (`i64`) or optional (`Option<i64>`), to fill.
pub trait ScalarSlot: Send + Sync {
    /// What it holds.
    fn kind(&self) -> ScalarKind;

    /// Sets the value from its text (an element's text or an attribute); an error says why
    /// the text is not a value of the kind.
    fn set_text(&mut self, text: &str) -> Result<(), String>;

    /// Sets the value; `false` (and nothing changes) when `value` is of another kind.
    fn set(&mut self, value: OwnedScalar) -> bool;

    /// Empties an optional slot and returns `true`; a required one is left as it is
    /// (`false`).
    fn clear(&mut self) -> bool;
}

/// An enumeration field, required or optional, to fill.
pub trait EnumSlot: Send + Sync {
    /// The enumeration's schema.
    fn schema(&self) -> &'static EnumSchema;

    /// Sets the value from its wire form (an unlisted value is kept as it came).
    fn set_wire(&mut self, value: &str);

    /// Empties an optional slot and returns `true`; a required one is left as it is
    /// (`false`).
    fn clear(&mut self) -> bool;
}

impl<E: super::Enumeration> EnumSlot for E {
    fn schema(&self) -> &'static EnumSchema {
        E::SCHEMA
    }

    fn set_wire(&mut self, value: &str) {
        *self = E::from_wire(value);
    }

    fn clear(&mut self) -> bool {
        false
    }
}

impl<E: super::Enumeration> EnumSlot for Option<E> {
    fn schema(&self) -> &'static EnumSchema {
        E::SCHEMA
    }

    fn set_wire(&mut self, value: &str) {
        *self = Some(E::from_wire(value));
    }

    fn clear(&mut self) -> bool {
        *self = None;
        true
    }
}

/// An optional value of a non-scalar type, to fill.
pub trait OptionalSlot: Send + Sync {
    /// Makes it `None`.
    fn clear(&mut self);

    /// Makes it `Some` of a default value, and hands that value out to fill.
    fn insert_default(&mut self) -> ValueMut<'_>;
}

/// A list, to read.
pub trait ListValue: Send + Sync {
    /// The number of items.
    fn len(&self) -> usize;

    /// Whether there are no items.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Item `index` ([`ValueRef::Absent`] past the last).
    fn item(&self, index: usize) -> ValueRef<'_>;
}

/// A list, to fill.
pub trait ListSlot: Send + Sync {
    /// The number of items.
    fn len(&self) -> usize;

    /// Whether there are no items.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends a default item and hands it out to fill. The list grows by a quarter at a
    /// time, so a decoded list holds little spare room.
    fn push_default(&mut self) -> ValueMut<'_>;

    /// Removes the last item (one that turned out absent).
    fn pop(&mut self);

    /// Makes room for the `declared` items a SOAP array says it holds, up to 64 MiB: a
    /// hostile body may declare billions it does not contain.
    fn reserve_declared(&mut self, declared: usize);

    /// Gives back spare room once the list is complete.
    fn finish(&mut self);
}

/// The most memory a declared array length may reserve up front.
const MAX_RESERVE_BYTES: usize = 64 * 1024 * 1024;

impl<T: Slot> FieldValue for Option<T> {
    fn value(&self) -> ValueRef<'_> {
        match self {
            Some(v) => v.value(),
            None => ValueRef::Absent,
        }
    }

    fn value_mut(&mut self) -> ValueMut<'_> {
        T::option_value_mut(self)
    }
}

impl<T: Slot> Slot for Option<T> {
    fn option_value_mut(this: &mut Option<Self>) -> ValueMut<'_> {
        ValueMut::Optional(this)
    }
}

impl<T: Slot> OptionalSlot for Option<T> {
    fn clear(&mut self) {
        *self = None;
    }

    fn insert_default(&mut self) -> ValueMut<'_> {
        self.insert(T::default()).value_mut()
    }
}

impl<T: Slot> FieldValue for Vec<T> {
    fn value(&self) -> ValueRef<'_> {
        ValueRef::List(self)
    }

    fn value_mut(&mut self) -> ValueMut<'_> {
        ValueMut::List(self)
    }
}

impl<T: Slot> Slot for Vec<T> {
    fn option_value_mut(this: &mut Option<Self>) -> ValueMut<'_> {
        ValueMut::Optional(this)
    }
}

impl<T: Slot> ListValue for Vec<T> {
    fn len(&self) -> usize {
        self.len()
    }

    fn item(&self, index: usize) -> ValueRef<'_> {
        self.get(index).map_or(ValueRef::Absent, |v| v.value())
    }
}

impl<T: Slot> ListSlot for Vec<T> {
    fn len(&self) -> usize {
        self.len()
    }

    fn push_default(&mut self) -> ValueMut<'_> {
        push_growing(self, T::default());
        let last = self.len() - 1;
        self[last].value_mut()
    }

    fn pop(&mut self) {
        self.pop();
    }

    fn reserve_declared(&mut self, declared: usize) {
        let cap = (MAX_RESERVE_BYTES / std::mem::size_of::<T>().max(1)).min(declared);
        self.reserve_exact(cap.saturating_sub(self.len()));
    }

    fn finish(&mut self) {
        shrink(self);
    }
}

/// Appends to a list whose final length is unknown, growing it by a quarter at a time rather
/// than doubling, so the spare capacity (and the peak while decoding) stays small. Large
/// blocks grow in place through `realloc`.
pub(crate) fn push_growing<T>(list: &mut Vec<T>, item: T) {
    if list.len() == list.capacity() {
        list.reserve_exact((list.len() / 4).max(4));
    }
    list.push(item);
}

/// Gives back the spare capacity of a list, so a decoded result holds about what it needs.
pub(crate) fn shrink<T>(list: &mut Vec<T>) {
    if list.capacity() > list.len() + list.len() / 8 + 4 {
        list.shrink_to_fit();
    }
}

impl<T: Slot> FieldValue for Box<T> {
    fn value(&self) -> ValueRef<'_> {
        (**self).value()
    }

    fn value_mut(&mut self) -> ValueMut<'_> {
        (**self).value_mut()
    }
}

impl<T: Slot> Slot for Box<T> {
    fn option_value_mut(this: &mut Option<Self>) -> ValueMut<'_> {
        ValueMut::Optional(this)
    }
}

impl FieldValue for AnyValue {
    fn value(&self) -> ValueRef<'_> {
        if self.is_null() {
            ValueRef::Absent
        } else {
            ValueRef::Any(self)
        }
    }

    fn value_mut(&mut self) -> ValueMut<'_> {
        ValueMut::Any(self)
    }
}

impl Slot for AnyValue {
    fn option_value_mut(this: &mut Option<Self>) -> ValueMut<'_> {
        ValueMut::Optional(this)
    }
}

/// Text without surrounding ASCII whitespace: numbers and dates may come padded.
fn trimmed(text: &str) -> &str {
    text.trim_ascii()
}

fn clip(s: &str) -> String {
    s.chars().take(64).collect()
}

/// Reads a boolean the ways servers write one.
pub(crate) fn parse_bool(v: &str) -> Option<bool> {
    match v.trim() {
        "true" | "1" | "Y" | "y" | "TRUE" | "True" => Some(true),
        "false" | "0" | "N" | "n" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

/// Parsing a scalar from text, as each kind reads it.
trait FromText: Sized {
    fn from_text(text: &str) -> Result<Self, String>;
}

impl FromText for String {
    fn from_text(text: &str) -> Result<Self, String> {
        Ok(text.to_string())
    }
}

impl FromText for bool {
    fn from_text(text: &str) -> Result<Self, String> {
        parse_bool(text).ok_or_else(|| format!("`{}` is not a valid boolean", clip(text)))
    }
}

macro_rules! from_str_text {
    ($($t:ty => $what:literal),* $(,)?) => {$(
        impl FromText for $t {
            fn from_text(text: &str) -> Result<Self, String> {
                trimmed(text)
                    .parse::<$t>()
                    .map_err(|e| format!("`{}` is not a valid {}: {e}", clip(text), $what))
            }
        }
    )*};
}

from_str_text!(
    i8 => "byte", i16 => "short", i32 => "int", i64 => "long", i128 => "integer",
    u8 => "unsignedByte", u16 => "unsignedShort", u32 => "unsignedInt", u64 => "unsignedLong",
    u128 => "nonNegativeInteger", f32 => "float", f64 => "double", Decimal => "decimal",
    Date => "date", DateTime => "dateTime", Time => "time", Base64Binary => "base64Binary",
    HexBinary => "hexBinary",
);

impl FromText for Flag {
    fn from_text(text: &str) -> Result<Self, String> {
        text.parse().map_err(|e: super::ParseError| e.to_string())
    }
}

/// Implements the slot traits for a scalar type: `$borrow` makes a [`Scalar`] from `&self`.
macro_rules! scalar {
    ($t:ty, $kind:ident, |$v:ident| $borrow:expr) => {
        impl FieldValue for $t {
            fn value(&self) -> ValueRef<'_> {
                let $v = self;
                ValueRef::Scalar($borrow)
            }

            fn value_mut(&mut self) -> ValueMut<'_> {
                ValueMut::Scalar(self)
            }
        }

        impl Slot for $t {
            fn option_value_mut(this: &mut Option<Self>) -> ValueMut<'_> {
                ValueMut::Scalar(this)
            }
        }

        impl ScalarSlot for $t {
            fn kind(&self) -> ScalarKind {
                ScalarKind::$kind
            }

            fn set_text(&mut self, text: &str) -> Result<(), String> {
                *self = <$t as FromText>::from_text(text)?;
                Ok(())
            }

            fn set(&mut self, value: OwnedScalar) -> bool {
                match value {
                    OwnedScalar::$kind(v) => {
                        *self = v;
                        true
                    }
                    _ => false,
                }
            }

            fn clear(&mut self) -> bool {
                false
            }
        }

        impl ScalarSlot for Option<$t> {
            fn kind(&self) -> ScalarKind {
                ScalarKind::$kind
            }

            fn set_text(&mut self, text: &str) -> Result<(), String> {
                *self = Some(<$t as FromText>::from_text(text)?);
                Ok(())
            }

            fn set(&mut self, value: OwnedScalar) -> bool {
                match value {
                    OwnedScalar::$kind(v) => {
                        *self = Some(v);
                        true
                    }
                    _ => false,
                }
            }

            fn clear(&mut self) -> bool {
                *self = None;
                true
            }
        }
    };
}

scalar!(String, String, |v| Scalar::String(v));
scalar!(bool, Bool, |v| Scalar::Bool(*v));
scalar!(i8, I8, |v| Scalar::I8(*v));
scalar!(i16, I16, |v| Scalar::I16(*v));
scalar!(i32, I32, |v| Scalar::I32(*v));
scalar!(i64, I64, |v| Scalar::I64(*v));
scalar!(i128, I128, |v| Scalar::I128(*v));
scalar!(u8, U8, |v| Scalar::U8(*v));
scalar!(u16, U16, |v| Scalar::U16(*v));
scalar!(u32, U32, |v| Scalar::U32(*v));
scalar!(u64, U64, |v| Scalar::U64(*v));
scalar!(u128, U128, |v| Scalar::U128(*v));
scalar!(f32, F32, |v| Scalar::F32(*v));
scalar!(f64, F64, |v| Scalar::F64(*v));
scalar!(Decimal, Decimal, |v| Scalar::Decimal(v));
scalar!(Date, Date, |v| Scalar::Date(v));
scalar!(DateTime, DateTime, |v| Scalar::DateTime(v));
scalar!(Time, Time, |v| Scalar::Time(v));
scalar!(Base64Binary, Base64, |v| Scalar::Base64(v));
scalar!(HexBinary, Hex, |v| Scalar::Hex(v));
scalar!(Flag, Flag, |v| Scalar::Flag(*v));

impl fmt::Display for Scalar<'_> {
    /// The value's text, as both wires write it (PortaBilling's forms for dates and flags).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scalar::String(v) => f.write_str(v),
            Scalar::Bool(v) => f.write_str(if *v { "true" } else { "false" }),
            Scalar::I8(v) => v.fmt(f),
            Scalar::I16(v) => v.fmt(f),
            Scalar::I32(v) => v.fmt(f),
            Scalar::I64(v) => v.fmt(f),
            Scalar::I128(v) => v.fmt(f),
            Scalar::U8(v) => v.fmt(f),
            Scalar::U16(v) => v.fmt(f),
            Scalar::U32(v) => v.fmt(f),
            Scalar::U64(v) => v.fmt(f),
            Scalar::U128(v) => v.fmt(f),
            Scalar::F32(v) => v.fmt(f),
            Scalar::F64(v) => v.fmt(f),
            Scalar::Decimal(v) => v.fmt(f),
            Scalar::Date(v) => v.fmt(f),
            Scalar::DateTime(v) => v.fmt(f),
            Scalar::Time(v) => v.fmt(f),
            Scalar::Base64(v) => v.fmt(f),
            Scalar::Hex(v) => v.fmt(f),
            Scalar::Flag(v) => f.write_str(v.as_str()),
        }
    }
}

impl fmt::Debug for Scalar<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scalar::String(v) => fmt::Debug::fmt(v, f),
            Scalar::Bool(v) => fmt::Debug::fmt(v, f),
            Scalar::I8(v) => fmt::Debug::fmt(v, f),
            Scalar::I16(v) => fmt::Debug::fmt(v, f),
            Scalar::I32(v) => fmt::Debug::fmt(v, f),
            Scalar::I64(v) => fmt::Debug::fmt(v, f),
            Scalar::I128(v) => fmt::Debug::fmt(v, f),
            Scalar::U8(v) => fmt::Debug::fmt(v, f),
            Scalar::U16(v) => fmt::Debug::fmt(v, f),
            Scalar::U32(v) => fmt::Debug::fmt(v, f),
            Scalar::U64(v) => fmt::Debug::fmt(v, f),
            Scalar::U128(v) => fmt::Debug::fmt(v, f),
            Scalar::F32(v) => fmt::Debug::fmt(v, f),
            Scalar::F64(v) => fmt::Debug::fmt(v, f),
            Scalar::Decimal(v) => fmt::Debug::fmt(v, f),
            Scalar::Date(v) => fmt::Debug::fmt(v, f),
            Scalar::DateTime(v) => fmt::Debug::fmt(v, f),
            Scalar::Time(v) => fmt::Debug::fmt(v, f),
            Scalar::Base64(v) => fmt::Debug::fmt(v, f),
            Scalar::Hex(v) => fmt::Debug::fmt(v, f),
            Scalar::Flag(v) => fmt::Debug::fmt(v, f),
        }
    }
}
