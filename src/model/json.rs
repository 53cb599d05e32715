//! The JSON mapping of the data model, through serde: PortaBilling's REST conventions, written
//! once against `dyn` [`Structure`].
//!
//! A structure is an object keyed by wire names; absent values (`None`, empty lists) are left
//! out; unknown keys are kept in `extra` and written back after the known ones. Dates are
//! `YYYY-MM-DD`, datetimes `YYYY-MM-DD HH:MM:SS`, flags `Y`/`N`, decimals numbers (strings only
//! when an `f64` would change them). Reading is lenient in the ways PortaBilling's servers
//! need: numbers may come as strings, flags as `Y`/`N`, `1`/`0` or booleans, an empty object
//! as `[]` (PHP), `null` as absent. A value of the wrong type is an error that names the field
//! path and the type expected.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};

use super::field::{for_each_scalar, parse_bool};
use super::scalar::{Base64Binary, Date, DateTime, Decimal, Flag, HexBinary, Time};
use super::{
    AnyValue, Enumeration, Extra, FieldKind, Scalar, ScalarMut, StructType, Structure, ValueMut,
    ValueRef,
};

/// A structure as a JSON value.
pub fn to_value(value: &dyn Structure) -> AnyValue {
    serde_json::to_value(value).unwrap_or(AnyValue::Null)
}

/// Fills `target` from a JSON value (fields the value lacks are left as they are).
pub fn set_from_value(target: &mut dyn Structure, value: &AnyValue) -> serde_json::Result<()> {
    deserialize_into(target, value)
}

/// Fills `target` from a whole JSON body, without an intermediate tree.
pub fn decode_slice(target: &mut dyn Structure, body: &[u8]) -> serde_json::Result<()> {
    let mut de = serde_json::Deserializer::from_slice(body);
    deserialize_into(target, &mut de)?;
    de.end()
}

/// Fills `slot` from a whole JSON text (one item of a list, say).
pub fn decode_value_slice(slot: ValueMut<'_>, body: &[u8]) -> serde_json::Result<()> {
    let mut de = serde_json::Deserializer::from_slice(body);
    Seed(slot).deserialize(&mut de)?;
    de.end()
}

impl Serialize for dyn Structure {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_structure(self, serializer)
    }
}

/// Serializes a structure as a map of its present fields, then its extra keys.
pub fn serialize_structure<S: Serializer>(
    value: &dyn Structure,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let schema = value.schema();
    let mut map = serializer.serialize_map(None)?;
    for (i, field) in schema.fields.iter().enumerate() {
        let v = value.field(i);
        if v.is_absent() {
            continue;
        }
        let key = if field.kind == FieldKind::Text {
            "value"
        } else {
            field.name
        };
        map.serialize_entry(key, &ValueSer(v))?;
    }
    for (key, v) in value.extra() {
        map.serialize_entry(key, v)?;
    }
    map.end()
}

/// Serializes a field's value (a structure, a list, a scalar) as the JSON mapping writes it.
pub fn serialize_value<S: Serializer>(
    value: ValueRef<'_>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    ValueSer(value).serialize(serializer)
}

/// A field value, as serde writes it.
struct ValueSer<'a>(ValueRef<'a>);

impl Serialize for ValueSer<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            ValueRef::Absent => serializer.serialize_none(),
            ValueRef::Scalar(s) => serialize_scalar(s, serializer),
            ValueRef::Enum(text) => serializer.serialize_str(text),
            ValueRef::Struct(s) => serialize_structure(s, serializer),
            ValueRef::List(list) => {
                let mut seq = serializer.serialize_seq(Some(list.len()))?;
                for i in 0..list.len() {
                    seq.serialize_element(&ValueSer(list.item(i)))?;
                }
                seq.end()
            }
            ValueRef::Any(v) => v.serialize(serializer),
            ValueRef::Extra(extra) => extra.serialize(serializer),
        }
    }
}

fn serialize_scalar<S: Serializer>(value: Scalar<'_>, serializer: S) -> Result<S::Ok, S::Error> {
    match value {
        Scalar::String(v) => serializer.serialize_str(v),
        Scalar::Bool(v) => serializer.serialize_bool(v),
        Scalar::I8(v) => serializer.serialize_i8(v),
        Scalar::I16(v) => serializer.serialize_i16(v),
        Scalar::I32(v) => serializer.serialize_i32(v),
        Scalar::I64(v) => serializer.serialize_i64(v),
        Scalar::I128(v) => serializer.serialize_i128(v),
        Scalar::U8(v) => serializer.serialize_u8(v),
        Scalar::U16(v) => serializer.serialize_u16(v),
        Scalar::U32(v) => serializer.serialize_u32(v),
        Scalar::U64(v) => serializer.serialize_u64(v),
        Scalar::U128(v) => serializer.serialize_u128(v),
        Scalar::F32(v) => serializer.serialize_f32(v),
        Scalar::F64(v) => serializer.serialize_f64(v),
        Scalar::Decimal(v) => v.serialize(serializer),
        Scalar::Flag(v) => serializer.serialize_str(v.as_str()),
        other => serializer.collect_str(&other),
    }
}

/// Fills `target` from any serde deserializer (a JSON body, a JSON value).
pub fn deserialize_into<'de, D: Deserializer<'de>>(
    target: &mut dyn Structure,
    deserializer: D,
) -> Result<(), D::Error> {
    deserializer.deserialize_any(StructVisitor(target))
}

/// Reads a generated struct from any serde format, as its `Deserialize` impl does.
pub fn deserialize_structure<'de, T: StructType, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    let mut value = T::default();
    deserialize_into(&mut value, deserializer)?;
    Ok(value)
}

struct StructVisitor<'a>(&'a mut dyn Structure);

impl<'de> Visitor<'de> for StructVisitor<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an object ({})", self.0.schema().name)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let target = self.0;
        let schema = target.schema();
        while let Some(key) = map.next_key_seed(KeySeed(schema))? {
            match key {
                Key::Field(index) => {
                    let name = schema.fields[index].name;
                    match target.field_mut(index) {
                        Some(slot) => map
                            .next_value_seed(Seed(slot))
                            .map_err(|e| with_path(name, e))?,
                        None => {
                            map.next_value::<de::IgnoredAny>()?;
                        }
                    }
                }
                Key::Unknown(name) => {
                    let item: AnyValue = map.next_value()?;
                    target
                        .extra_for(&name)
                        .map_err(de::Error::custom)?
                        .insert(name, item);
                }
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        // PHP's json_encode writes an empty associative array as `[]`.
        if seq.next_element::<de::IgnoredAny>()?.is_some() {
            return Err(de::Error::invalid_type(de::Unexpected::Seq, &self));
        }
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

/// Prefixes an error message with the field it happened in, so nested errors read
/// `` `account_info.balance`: invalid type … ``.
fn with_path<E: de::Error>(field: &str, inner: E) -> E {
    let message = inner.to_string();
    let message = match message.rfind(" at line ") {
        Some(i) if message[i..].contains(" column ") => &message[..i],
        _ => &message,
    };
    match message.strip_prefix('`') {
        Some(rest) => E::custom(format_args!("`{field}.{rest}")),
        None => E::custom(format_args!("`{field}`: {message}")),
    }
}

enum Key {
    Field(usize),
    Unknown(String),
}

struct KeySeed(&'static super::StructSchema);

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
        if let Some(i) = self.0.lookup(v) {
            return Ok(Key::Field(i));
        }
        if v == "value" {
            if let Some(i) = self.0.text_field() {
                return Ok(Key::Field(i));
            }
        }
        Ok(Key::Unknown(v.to_string()))
    }
}

/// Fills one value from serde.
struct Seed<'a>(ValueMut<'a>);

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        match self.0 {
            ValueMut::Scalar(slot) => read_scalar(slot, d),
            ValueMut::Enum(slot) => {
                match String::read(d)? {
                    Some(text) => slot.set_wire(&text),
                    None if slot.clear() => {}
                    None => return Err(null_for(String::EXPECTING)),
                }
                Ok(())
            }
            ValueMut::Struct(target) => deserialize_into(target, d),
            ValueMut::Optional(slot) => d.deserialize_option(OptionVisitor(slot)),
            ValueMut::List(list) => d.deserialize_any(ListVisitor(list)),
            ValueMut::Any(slot) => {
                *slot = AnyValue::deserialize(d)?;
                Ok(())
            }
            ValueMut::Extra(extra) => {
                *extra = Extra::deserialize(d)?;
                Ok(())
            }
        }
    }
}

struct OptionVisitor<'a>(&'a mut dyn super::OptionalSlot);

impl<'de> Visitor<'de> for OptionVisitor<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value or null")
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.0.clear();
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.0.clear();
        Ok(())
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        Seed(self.0.insert_default()).deserialize(d)
    }
}

struct ListVisitor<'a>(&'a mut dyn super::ListSlot);

impl<'de> Visitor<'de> for ListVisitor<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let list = self.0;
        loop {
            let present = seq.next_element_seed(Seed(list.push_default()))?;
            if present.is_none() {
                list.pop();
                break;
            }
        }
        list.finish();
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        // PHP encodes an empty list as `{}` when it started as an associative array.
        if map.next_key::<de::IgnoredAny>()?.is_some() {
            return Err(de::Error::invalid_type(de::Unexpected::Map, &self));
        }
        Ok(())
    }
}

/// A scalar read leniently from whatever JSON type a server used for it; `None` for null.
trait JsonScalar: Sized {
    /// What the type is called in errors.
    const EXPECTING: &'static str;

    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Self>, D::Error>;
}

/// The visitor of a [`JsonScalar`].
struct Lenient<T>(PhantomData<T>);

/// The visitor methods every scalar shares: null is absent.
macro_rules! null_is_absent {
    () => {
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
    };
}

/// The [`JsonScalar`] impl around a visitor.
macro_rules! json_scalar {
    ($t:ty, $what:literal) => {
        impl JsonScalar for $t {
            const EXPECTING: &'static str = $what;

            fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Self>, D::Error> {
                d.deserialize_any(Lenient::<$t>(PhantomData))
            }
        }
    };
}

/// Integers: numbers (integral floats too), booleans, numeric strings.
macro_rules! integer {
    ($t:ty, $what:literal) => {
        json_scalar!($t, $what);

        impl<'de> Visitor<'de> for Lenient<$t> {
            type Value = Option<$t>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str($what)
            }

            null_is_absent!();

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                <$t>::try_from(v)
                    .map(Some)
                    .map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                <$t>::try_from(v)
                    .map(Some)
                    .map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
            }

            fn visit_i128<E: de::Error>(self, v: i128) -> Result<Self::Value, E> {
                <$t>::try_from(v)
                    .map(Some)
                    .map_err(|_| E::custom(format!("{v} is out of range for {}", $what)))
            }

            fn visit_u128<E: de::Error>(self, v: u128) -> Result<Self::Value, E> {
                <$t>::try_from(v)
                    .map(Some)
                    .map_err(|_| E::custom(format!("{v} is out of range for {}", $what)))
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                if v.fract() == 0.0 && v.is_finite() {
                    format!("{v:.0}")
                        .parse()
                        .map(Some)
                        .map_err(|_| E::invalid_value(de::Unexpected::Float(v), &self))
                } else {
                    Err(E::invalid_value(de::Unexpected::Float(v), &self))
                }
            }

            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(Some(<$t>::from(v)))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                v.trim()
                    .parse()
                    .map(Some)
                    .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
            }
        }
    };
}

integer!(i8, "an integer (xsd:byte)");
integer!(i16, "an integer (xsd:short)");
integer!(i32, "an integer (xsd:int)");
integer!(i64, "an integer (xsd:long)");
integer!(i128, "an integer (xsd:integer)");
integer!(u8, "a non-negative integer (xsd:unsignedByte)");
integer!(u16, "a non-negative integer (xsd:unsignedShort)");
integer!(u32, "a non-negative integer (xsd:unsignedInt)");
integer!(u64, "a non-negative integer (xsd:unsignedLong)");
integer!(u128, "a non-negative integer (xsd:nonNegativeInteger)");

/// Floats: numbers and numeric strings.
macro_rules! float {
    ($t:ty, $what:literal) => {
        json_scalar!($t, $what);

        impl<'de> Visitor<'de> for Lenient<$t> {
            type Value = Option<$t>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str($what)
            }

            null_is_absent!();

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Some(v as $t))
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Some(v as $t))
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Some(v as $t))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                v.trim()
                    .parse()
                    .map(Some)
                    .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
            }
        }
    };
}

float!(f32, "a number (xsd:float)");
float!(f64, "a number (xsd:double)");

/// Types read from text: strings, and numbers (as their text) for the numeric ones.
macro_rules! parsed {
    ($t:ty, $what:literal, numbers: $numbers:expr) => {
        json_scalar!($t, $what);

        impl<'de> Visitor<'de> for Lenient<$t> {
            type Value = Option<$t>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str($what)
            }

            null_is_absent!();

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                v.parse()
                    .map(Some)
                    .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                if $numbers {
                    self.visit_str(&v.to_string())
                } else {
                    Err(E::invalid_type(de::Unexpected::Signed(v), &self))
                }
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                if $numbers {
                    self.visit_str(&v.to_string())
                } else {
                    Err(E::invalid_type(de::Unexpected::Unsigned(v), &self))
                }
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                if $numbers {
                    match Decimal::from_f64(v) {
                        Some(d) => self.visit_str(&d.to_string()),
                        None => Err(E::invalid_value(de::Unexpected::Float(v), &self)),
                    }
                } else {
                    Err(E::invalid_type(de::Unexpected::Float(v), &self))
                }
            }

            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                if $numbers {
                    self.visit_str(if v { "1" } else { "0" })
                } else {
                    Err(E::invalid_type(de::Unexpected::Bool(v), &self))
                }
            }
        }
    };
}

parsed!(Flag, "a Y/N flag", numbers: true);
parsed!(Date, "a date (YYYY-MM-DD)", numbers: false);
parsed!(DateTime, "a datetime (YYYY-MM-DD HH:MM:SS)", numbers: false);
parsed!(Time, "a time (HH:MM:SS)", numbers: false);
parsed!(Base64Binary, "base64 text", numbers: false);
parsed!(HexBinary, "hexadecimal text", numbers: false);

json_scalar!(Decimal, "a decimal number");

impl<'de> Visitor<'de> for Lenient<Decimal> {
    type Value = Option<Decimal>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(Decimal::EXPECTING)
    }

    null_is_absent!();

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        v.parse()
            .map(Some)
            .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(Decimal::from(v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(Decimal::new(i128::from(v), 0)))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Decimal::from_f64(v)
            .map(Some)
            .ok_or_else(|| E::invalid_value(de::Unexpected::Float(v), &self))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Some(Decimal::from(i64::from(v))))
    }
}

json_scalar!(bool, "a boolean (true/false, 1/0 or Y/N)");

impl<'de> Visitor<'de> for Lenient<bool> {
    type Value = Option<bool>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(bool::EXPECTING)
    }

    null_is_absent!();

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Some(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        match v {
            0 => Ok(Some(false)),
            1 => Ok(Some(true)),
            _ => Err(E::invalid_value(de::Unexpected::Signed(v), &self)),
        }
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        self.visit_i64(i64::try_from(v).unwrap_or(i64::MAX))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        parse_bool(v)
            .map(Some)
            .ok_or_else(|| E::invalid_value(de::Unexpected::Str(v), &self))
    }
}

json_scalar!(String, "a string");

impl<'de> Visitor<'de> for Lenient<String> {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(String::EXPECTING)
    }

    null_is_absent!();

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
}

/// A value a required field cannot take: `null`.
fn null_for<E: de::Error>(expecting: &'static str) -> E {
    E::invalid_type(de::Unexpected::Unit, &expecting)
}

/// Reads a required scalar.
fn read_required<'de, T: JsonScalar, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    T::read(d)?.ok_or_else(|| null_for(T::EXPECTING))
}

macro_rules! read_scalar {
    ($($v:ident, $o:ident, $t:ty, $k:ident;)*) => {
        /// Fills a scalar slot from serde, leniently.
        fn read_scalar<'de, D: Deserializer<'de>>(
            slot: ScalarMut<'_>,
            d: D,
        ) -> Result<(), D::Error> {
            match slot {
                $(
                    ScalarMut::$v(s) => *s = read_required::<$t, D>(d)?,
                    ScalarMut::$o(s) => *s = <$t as JsonScalar>::read(d)?,
                )*
            }
            Ok(())
        }
    };
}

for_each_scalar!(read_scalar);

/// `Serialize` (as text) and `Deserialize` (leniently) for a runtime scalar.
macro_rules! text_serde {
    ($t:ty) => {
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                read_required(d)
            }
        }
    };
}

text_serde!(Date);
text_serde!(DateTime);
text_serde!(Time);
text_serde!(Base64Binary);
text_serde!(HexBinary);
text_serde!(Flag);

impl Serialize for Decimal {
    /// Always a JSON string, `"20.98506"`: one JSON type whatever the value, and no digit lost
    /// through a reader's float (PortaBilling reads a number given as a string).
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        read_required(d)
    }
}

/// Serializes an enumeration as its wire string.
pub fn serialize_enumeration<T: Enumeration, S: Serializer>(
    value: &T,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(value.as_str())
}

/// Deserializes an enumeration from a string (or a number, as its text).
pub fn deserialize_enumeration<'de, T: Enumeration, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    let text: String = read_required(deserializer)?;
    Ok(T::from_wire(&text))
}
