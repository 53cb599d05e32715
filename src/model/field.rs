//! How a field's value shows itself to the codecs: [`ValueRef`] to read it, [`ValueMut`] to fill
//! it, for every type a field can have (the scalars, `Option`, `Vec`, `Box`, generated structs
//! and enumerations, [`AnyValue`]).
//!
//! A codec matches on these enums instead of being generic over the field's type, so it is
//! compiled once. Optional scalars and enumerations are filled in place (an
//! `Option<i64>` is one [`ScalarSlot`]), which keeps the common field one step away.

use std::fmt;

use super::scalar::{Base64Binary, Date, DateTime, Decimal, Flag, HexBinary, Time};
use super::{AnyValue, EnumSchema, Extra, FieldValue, StructType, Structure};

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
    /// A struct's elements that its schema does not describe: what
    /// [`Structure::field`] gives one past the last field.
    Extra(&'a Extra),
}

impl ValueRef<'_> {
    /// Whether the value is left out when written: no value, or an empty list.
    pub fn is_absent(&self) -> bool {
        match self {
            ValueRef::Absent => true,
            ValueRef::List(list) => list.is_empty(),
            ValueRef::Extra(extra) => extra.is_empty(),
            _ => false,
        }
    }
}

/// A field's value, to fill.
pub enum ValueMut<'a> {
    /// A scalar, required or optional.
    Scalar(ScalarMut<'a>),
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
    /// A struct's elements that its schema does not describe: what
    /// [`Structure::field_mut`] gives one past the last field.
    Extra(&'a mut Extra),
}

impl ValueMut<'_> {
    /// The same slot, borrowed for a shorter time (to try it again after an absent value,
    /// which leaves it as it was).
    pub fn reborrow(&mut self) -> ValueMut<'_> {
        match self {
            ValueMut::Scalar(s) => ValueMut::Scalar(s.reborrow()),
            ValueMut::Enum(e) => ValueMut::Enum(&mut **e),
            ValueMut::Struct(s) => ValueMut::Struct(&mut **s),
            ValueMut::Optional(o) => ValueMut::Optional(&mut **o),
            ValueMut::List(l) => ValueMut::List(&mut **l),
            ValueMut::Any(a) => ValueMut::Any(a),
            ValueMut::Extra(e) => ValueMut::Extra(e),
        }
    }
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

/// A scalar value, borrowed. Values of different kinds are unequal.
#[derive(Clone, Copy, PartialEq)]
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

/// Lists every scalar type once, for the macros that write a line per type: the variant for
/// the type, the variant for its `Option`, the type, and its kind.
macro_rules! for_each_scalar {
    ($m:ident) => {
        $m! {
            String, OptString, String, String;
            Bool, OptBool, bool, Bool;
            I8, OptI8, i8, I8;
            I16, OptI16, i16, I16;
            I32, OptI32, i32, I32;
            I64, OptI64, i64, I64;
            I128, OptI128, i128, I128;
            U8, OptU8, u8, U8;
            U16, OptU16, u16, U16;
            U32, OptU32, u32, U32;
            U64, OptU64, u64, U64;
            U128, OptU128, u128, U128;
            F32, OptF32, f32, F32;
            F64, OptF64, f64, F64;
            Decimal, OptDecimal, Decimal, Decimal;
            Date, OptDate, Date, Date;
            DateTime, OptDateTime, DateTime, DateTime;
            Time, OptTime, Time, Time;
            Base64, OptBase64, Base64Binary, Base64;
            Hex, OptHex, HexBinary, Hex;
            Flag, OptFlag, Flag, Flag;
        }
    };
}
pub(crate) use for_each_scalar;

macro_rules! scalar_mut {
    ($($v:ident, $o:ident, $t:ty, $k:ident;)*) => {
        /// A scalar field, to fill: a reference to the field itself, required (`i64`) or
        /// optional (`Option<i64>`), so a decoder stores into it directly.
        pub enum ScalarMut<'a> {
            $(
                #[doc = concat!("A `", stringify!($t), "`.")]
                $v(&'a mut $t),
                #[doc = concat!("An `Option<", stringify!($t), ">`.")]
                $o(&'a mut Option<$t>),
            )*
        }

        impl ScalarMut<'_> {
            /// The same slot, borrowed for a shorter time.
            pub fn reborrow(&mut self) -> ScalarMut<'_> {
                match self {
                    $(
                        ScalarMut::$v(slot) => ScalarMut::$v(slot),
                        ScalarMut::$o(slot) => ScalarMut::$o(slot),
                    )*
                }
            }

            /// What it holds.
            pub fn kind(&self) -> ScalarKind {
                match self {
                    $(ScalarMut::$v(_) | ScalarMut::$o(_) => ScalarKind::$k,)*
                }
            }

            /// Sets the value from its text (an element's text or an attribute); an error
            /// says why the text is not a value of the kind.
            pub fn set_text(self, text: &str) -> Result<(), String> {
                match self {
                    $(
                        ScalarMut::$v(slot) => *slot = <$t as FromText>::from_text(text)?,
                        ScalarMut::$o(slot) => *slot = Some(<$t as FromText>::from_text(text)?),
                    )*
                }
                Ok(())
            }

            /// Stores a copy of `value` and returns `true` when it is of the slot's kind;
            /// `false`, leaving the slot as it was, when it is not.
            pub fn set(self, value: Scalar<'_>) -> bool {
                match (self, value) {
                    $(
                        // A payload borrowed (`&str`, `&Decimal`) or copied (`i64`): either
                        // way `to_owned` gives the field's type.
                        (ScalarMut::$v(slot), Scalar::$v(v)) => *slot = v.to_owned(),
                        (ScalarMut::$o(slot), Scalar::$v(v)) => *slot = Some(v.to_owned()),
                    )*
                    _ => return false,
                }
                true
            }

            /// Empties an optional slot and returns `true`; a required one is left as it is
            /// (`false`).
            pub fn clear(self) -> bool {
                match self {
                    $(
                        ScalarMut::$v(_) => false,
                        ScalarMut::$o(slot) => {
                            *slot = None;
                            true
                        }
                    )*
                }
            }
        }

        $(
            impl FieldValue for $t {
                fn value(&self) -> ValueRef<'_> {
                    ValueRef::Scalar(Scalar::$v(scalar_ref!($v, self)))
                }

                fn value_mut(&mut self) -> ValueMut<'_> {
                    ValueMut::Scalar(ScalarMut::$v(self))
                }
            }

            impl Slot for $t {
                fn option_value_mut(this: &mut Option<Self>) -> ValueMut<'_> {
                    ValueMut::Scalar(ScalarMut::$o(this))
                }
            }
        )*
    };
}

/// How a [`Scalar`] borrows a value: small ones by copy, the rest by reference.
macro_rules! scalar_ref {
    (String, $e:expr) => {
        $e.as_str()
    };
    (Decimal, $e:expr) => {
        $e
    };
    (Date, $e:expr) => {
        $e
    };
    (DateTime, $e:expr) => {
        $e
    };
    (Time, $e:expr) => {
        $e
    };
    (Base64, $e:expr) => {
        $e
    };
    (Hex, $e:expr) => {
        $e
    };
    ($other:ident, $e:expr) => {
        *$e
    };
}

for_each_scalar!(scalar_mut);

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
#[allow(
    clippy::len_without_is_empty,
    reason = "`is_empty` is on `dyn ListValue`, written once"
)]
pub trait ListValue: Send + Sync {
    /// The number of items.
    fn len(&self) -> usize;

    /// Item `index` ([`ValueRef::Absent`] past the last).
    fn item(&self, index: usize) -> ValueRef<'_>;
}

// `is_empty` is written once here, not as a provided method each list type's table repeats.
impl dyn ListValue + '_ {
    /// Whether there are no items.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A list, to fill. Its length is [`ListValue::len`].
pub trait ListSlot: ListValue {
    /// Appends a default item and hands it out to fill. The list grows by a quarter at a
    /// time, so a decoded list holds little spare room.
    fn push_default(&mut self) -> ValueMut<'_>;

    /// Changes the list's length or its room as `change` says (`pop`, `reserve_declared`
    /// and `finish` on `dyn ListSlot` call it).
    fn change(&mut self, change: ListChange);
}

/// A change to a list other than a new item: what [`ListSlot::change`] does.
///
/// One method takes the three changes rather than one method each because every list type
/// of a server's whole API instantiates every method of [`ListSlot`].
#[derive(Clone, Copy, Debug)]
pub enum ListChange {
    /// Removes the last item (one that turned out absent).
    PopLast,
    /// Makes room for the items a SOAP array declares it holds, up to 64 MiB: a hostile body
    /// may declare billions it does not contain.
    ReserveDeclared(usize),
    /// Gives back spare room once the list is complete.
    Finish,
}

impl dyn ListSlot + '_ {
    /// Whether there are no items.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Removes the last item (one that turned out absent).
    pub fn pop(&mut self) {
        self.change(ListChange::PopLast);
    }

    /// Makes room for the `declared` items a SOAP array says it holds (see
    /// [`ListChange::ReserveDeclared`]).
    pub fn reserve_declared(&mut self, declared: usize) {
        self.change(ListChange::ReserveDeclared(declared));
    }

    /// Gives back spare room once the list is complete.
    pub fn finish(&mut self) {
        self.change(ListChange::Finish);
    }
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
        if index < self.len() {
            self[index].value()
        } else {
            ValueRef::Absent
        }
    }
}

impl<T: Slot> ListSlot for Vec<T> {
    fn push_default(&mut self) -> ValueMut<'_> {
        push_growing(self, T::default()).value_mut()
    }

    fn change(&mut self, change: ListChange) {
        change_list(self, change);
    }
}

/// Appends `item` and returns it. The list grows by a quarter at a time, not doubled: a
/// decoded list holds little spare room.
pub(super) fn push_growing<T>(list: &mut Vec<T>, item: T) -> &mut T {
    if list.len() == list.capacity() {
        list.reserve_exact((list.len() / 4).max(4));
    }
    list.push(item);
    let last = list.len() - 1;
    &mut list[last]
}

/// What [`ListSlot::change`] does to a list held as a `Vec`.
pub(super) fn change_list<T>(list: &mut Vec<T>, change: ListChange) {
    match change {
        ListChange::PopLast => {
            list.pop();
        }
        ListChange::ReserveDeclared(declared) => {
            let room = MAX_RESERVE_BYTES / const { std::mem::size_of::<T>() }.max(1);
            list.reserve_exact(room.min(declared).saturating_sub(list.len()));
        }
        ListChange::Finish => {
            if list.capacity() > list.len() + list.len() / 8 + 4 {
                list.shrink_to_fit();
            }
        }
    }
}

impl<T: StructType> FieldValue for T {
    fn value(&self) -> ValueRef<'_> {
        ValueRef::Struct(self)
    }

    fn value_mut(&mut self) -> ValueMut<'_> {
        ValueMut::Struct(self)
    }
}

impl<T: StructType> Slot for T {
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
pub(crate) trait FromText: Sized {
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
