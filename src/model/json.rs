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

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};

use super::field::{parse_bool, OwnedScalar};
use super::scalar::{Base64Binary, Date, DateTime, Decimal, Flag, HexBinary, Time};
use super::{AnyValue, Enumeration, FieldKind, Scalar, ScalarKind, Structure, ValueMut, ValueRef};

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
                    target.extra_mut().insert(name, item);
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
            ValueMut::Scalar(slot) => {
                let kind = slot.kind();
                match d.deserialize_any(ScalarVisitor(kind))? {
                    Some(value) => {
                        if !slot.set(value) {
                            return Err(de::Error::custom(format_args!(
                                "the value does not fit {}",
                                expecting(kind)
                            )));
                        }
                    }
                    None if slot.clear() => {}
                    None => {
                        return Err(de::Error::invalid_type(
                            de::Unexpected::Unit,
                            &expecting(kind),
                        ))
                    }
                }
                Ok(())
            }
            ValueMut::Enum(slot) => {
                match d.deserialize_any(ScalarVisitor(ScalarKind::String))? {
                    Some(OwnedScalar::String(text)) => slot.set_wire(&text),
                    _ if slot.clear() => {}
                    _ => return Err(de::Error::invalid_type(de::Unexpected::Unit, &"a string")),
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

/// What a scalar of `kind` is called in errors.
fn expecting(kind: ScalarKind) -> &'static str {
    match kind {
        ScalarKind::String => "a string",
        ScalarKind::Bool => "a boolean (true/false, 1/0 or Y/N)",
        ScalarKind::I8 => "an integer (xsd:byte)",
        ScalarKind::I16 => "an integer (xsd:short)",
        ScalarKind::I32 => "an integer (xsd:int)",
        ScalarKind::I64 => "an integer (xsd:long)",
        ScalarKind::I128 => "an integer (xsd:integer)",
        ScalarKind::U8 => "a non-negative integer (xsd:unsignedByte)",
        ScalarKind::U16 => "a non-negative integer (xsd:unsignedShort)",
        ScalarKind::U32 => "a non-negative integer (xsd:unsignedInt)",
        ScalarKind::U64 => "a non-negative integer (xsd:unsignedLong)",
        ScalarKind::U128 => "a non-negative integer (xsd:nonNegativeInteger)",
        ScalarKind::F32 => "a number (xsd:float)",
        ScalarKind::F64 => "a number (xsd:double)",
        ScalarKind::Decimal => "a decimal number",
        ScalarKind::Date => "a date (YYYY-MM-DD)",
        ScalarKind::DateTime => "a datetime (YYYY-MM-DD HH:MM:SS)",
        ScalarKind::Time => "a time (HH:MM:SS)",
        ScalarKind::Base64 => "base64 text",
        ScalarKind::Hex => "hexadecimal text",
        ScalarKind::Flag => "a Y/N flag",
    }
}

fn is_integer(kind: ScalarKind) -> bool {
    use ScalarKind as K;
    matches!(
        kind,
        K::I8 | K::I16 | K::I32 | K::I64 | K::I128 | K::U8 | K::U16 | K::U32 | K::U64 | K::U128
    )
}

/// Reads a scalar of `kind` from text, as a JSON string holds it (numbers may be padded).
fn parse_scalar(kind: ScalarKind, text: &str) -> Option<OwnedScalar> {
    use OwnedScalar as O;
    let t = text.trim();
    Some(match kind {
        ScalarKind::String => O::String(text.to_string()),
        ScalarKind::Bool => O::Bool(parse_bool(text)?),
        ScalarKind::I8 => O::I8(t.parse().ok()?),
        ScalarKind::I16 => O::I16(t.parse().ok()?),
        ScalarKind::I32 => O::I32(t.parse().ok()?),
        ScalarKind::I64 => O::I64(t.parse().ok()?),
        ScalarKind::I128 => O::I128(t.parse().ok()?),
        ScalarKind::U8 => O::U8(t.parse().ok()?),
        ScalarKind::U16 => O::U16(t.parse().ok()?),
        ScalarKind::U32 => O::U32(t.parse().ok()?),
        ScalarKind::U64 => O::U64(t.parse().ok()?),
        ScalarKind::U128 => O::U128(t.parse().ok()?),
        ScalarKind::F32 => O::F32(t.parse().ok()?),
        ScalarKind::F64 => O::F64(t.parse().ok()?),
        ScalarKind::Decimal => O::Decimal(text.parse().ok()?),
        ScalarKind::Date => O::Date(text.parse().ok()?),
        ScalarKind::DateTime => O::DateTime(text.parse().ok()?),
        ScalarKind::Time => O::Time(text.parse().ok()?),
        ScalarKind::Base64 => O::Base64(text.parse().ok()?),
        ScalarKind::Hex => O::Hex(text.parse().ok()?),
        ScalarKind::Flag => O::Flag(text.parse().ok()?),
    })
}

/// Reads a scalar of any kind from whatever JSON type the server used for it.
struct ScalarVisitor(ScalarKind);

impl ScalarVisitor {
    fn text<E: de::Error>(
        &self,
        text: &str,
        unexpected: de::Unexpected<'_>,
    ) -> Result<Option<OwnedScalar>, E> {
        parse_scalar(self.0, text)
            .map(Some)
            .ok_or_else(|| E::invalid_value(unexpected, self))
    }

    /// A JSON number, for the kinds that take numbers.
    fn number<E: de::Error>(
        &self,
        text: &str,
        unexpected: de::Unexpected<'_>,
    ) -> Result<Option<OwnedScalar>, E> {
        use ScalarKind as K;
        match self.0 {
            K::String | K::Decimal | K::Flag | K::F32 | K::F64 | K::Bool => {
                self.text(text, unexpected)
            }
            k if is_integer(k) => self.text(text, unexpected),
            _ => Err(E::invalid_type(unexpected, self)),
        }
    }
}

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Option<OwnedScalar>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(expecting(self.0))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        use ScalarKind as K;
        let unexpected = de::Unexpected::Bool(v);
        match self.0 {
            K::Bool => Ok(Some(OwnedScalar::Bool(v))),
            K::String => Ok(Some(OwnedScalar::String(v.to_string()))),
            K::Decimal | K::Flag => self.text(if v { "1" } else { "0" }, unexpected),
            k if is_integer(k) => self.text(if v { "1" } else { "0" }, unexpected),
            _ => Err(E::invalid_type(unexpected, &self)),
        }
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        if self.0 == ScalarKind::F64 {
            return Ok(Some(OwnedScalar::F64(v as f64)));
        }
        if self.0 == ScalarKind::F32 {
            return Ok(Some(OwnedScalar::F32(v as f32)));
        }
        if self.0 == ScalarKind::Bool {
            return match v {
                0 => Ok(Some(OwnedScalar::Bool(false))),
                1 => Ok(Some(OwnedScalar::Bool(true))),
                _ => Err(E::invalid_value(de::Unexpected::Signed(v), &self)),
            };
        }
        self.number(&v.to_string(), de::Unexpected::Signed(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        if self.0 == ScalarKind::F64 {
            return Ok(Some(OwnedScalar::F64(v as f64)));
        }
        if self.0 == ScalarKind::F32 {
            return Ok(Some(OwnedScalar::F32(v as f32)));
        }
        if self.0 == ScalarKind::Bool {
            return self.visit_i64(i64::try_from(v).unwrap_or(i64::MAX));
        }
        self.number(&v.to_string(), de::Unexpected::Unsigned(v))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Self::Value, E> {
        self.number(&v.to_string(), de::Unexpected::Other("a 128-bit integer"))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Self::Value, E> {
        self.number(&v.to_string(), de::Unexpected::Other("a 128-bit integer"))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        use ScalarKind as K;
        let unexpected = de::Unexpected::Float(v);
        match self.0 {
            K::F64 => Ok(Some(OwnedScalar::F64(v))),
            K::F32 => Ok(Some(OwnedScalar::F32(v as f32))),
            K::String => Ok(Some(OwnedScalar::String(v.to_string()))),
            K::Decimal | K::Flag => match Decimal::from_f64(v) {
                Some(d) => self.text(&d.to_string(), unexpected),
                None => Err(E::invalid_value(unexpected, &self)),
            },
            // An integral float (`5.0`) is an integer.
            k if is_integer(k) && v.fract() == 0.0 && v.is_finite() => {
                self.text(&format!("{v:.0}"), unexpected)
            }
            k if is_integer(k) => Err(E::invalid_value(unexpected, &self)),
            _ => Err(E::invalid_type(unexpected, &self)),
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        self.text(v, de::Unexpected::Str(v))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        if self.0 == ScalarKind::String {
            return Ok(Some(OwnedScalar::String(v)));
        }
        self.visit_str(&v)
    }
}

/// Deserializes a scalar type through the lenient scalar reader.
fn deserialize_scalar<'de, D: Deserializer<'de>, T>(
    d: D,
    kind: ScalarKind,
    take: fn(OwnedScalar) -> Option<T>,
) -> Result<T, D::Error> {
    match d.deserialize_any(ScalarVisitor(kind))? {
        Some(value) => take(value)
            .ok_or_else(|| de::Error::custom(format_args!("expected {}", expecting(kind)))),
        None => Err(de::Error::invalid_type(
            de::Unexpected::Unit,
            &expecting(kind),
        )),
    }
}

/// `Serialize` (as text) and `Deserialize` (leniently) for a runtime scalar.
macro_rules! text_serde {
    ($t:ty, $kind:ident) => {
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                deserialize_scalar(d, ScalarKind::$kind, |v| match v {
                    OwnedScalar::$kind(v) => Some(v),
                    _ => None,
                })
            }
        }
    };
}

text_serde!(Date, Date);
text_serde!(DateTime, DateTime);
text_serde!(Time, Time);
text_serde!(Base64Binary, Base64);
text_serde!(HexBinary, Hex);
text_serde!(Flag, Flag);

impl Serialize for Decimal {
    /// A JSON number when an `f64` carries it exactly (PortaBilling sends amounts as numbers),
    /// a string otherwise, so no digit is lost.
    ///
    /// "Exactly" includes the way back: a fraction is written as a number only while it has at
    /// most 15 significant digits and 22 fraction digits, where every JSON reader parses it to
    /// the same `f64` (serde_json's default parser, for one, is a unit in the last place off
    /// for some numbers beyond that, e.g. `1e-30`, which then reads back as another decimal).
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.scale() == 0 {
            if let Ok(n) = i64::try_from(self.mantissa()) {
                return serializer.serialize_i64(n);
            }
        }
        if self.mantissa().unsigned_abs() < 1_000_000_000_000_000
            && self.scale() <= 22
            && self.is_exact_f64()
        {
            serializer.serialize_f64(self.to_f64())
        } else {
            serializer.collect_str(self)
        }
    }
}

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize_scalar(d, ScalarKind::Decimal, |v| match v {
            OwnedScalar::Decimal(v) => Some(v),
            _ => None,
        })
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
    let text = deserialize_scalar(deserializer, ScalarKind::String, |v| match v {
        OwnedScalar::String(s) => Some(s),
        _ => None,
    })?;
    Ok(T::from_wire(&text))
}
