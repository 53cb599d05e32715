//! The JSON mapping of the data model, through serde: PortaBilling's REST conventions.
//!
//! A structure is an object keyed by wire names; absent values (`None`, empty lists) are left
//! out; unknown keys are kept in `extra` and written back after the known ones. Dates are
//! `YYYY-MM-DD`, datetimes `YYYY-MM-DD HH:MM:SS`, flags `Y`/`N`, decimals numbers (strings
//! only when an `f64` would change them). Reading is lenient, as [`Value`] describes, and an
//! error names the field path.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use super::scalar::{Base64Binary, Date, DateTime, Decimal, Flag, HexBinary, Time};
use super::value::Seed;
use super::{
    AnyValue, Enumeration, Extra, FieldDecoder, FieldEncoder, FieldKind, Structure, Value,
};

/// Serializes a structure as a JSON-style map.
pub fn serialize_structure<T: Structure, S: Serializer>(
    value: &T,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let map = serializer.serialize_map(None)?;
    let mut fields = MapFields {
        map,
        schema: T::SCHEMA,
    };
    value.encode_fields(&mut fields)?;
    fields.map.end()
}

struct MapFields<M> {
    map: M,
    schema: &'static super::StructSchema,
}

impl<M: SerializeMap> FieldEncoder for MapFields<M> {
    type Error = M::Error;

    fn field<V: Value>(&mut self, index: usize, value: &V) -> Result<(), M::Error> {
        match self.schema.fields.get(index) {
            Some(field) if !value.is_absent() => {
                let key = if field.kind == FieldKind::Text {
                    "value"
                } else {
                    field.name
                };
                self.map.serialize_entry(key, value)
            }
            _ => Ok(()),
        }
    }

    fn extra(&mut self, extra: &Extra) -> Result<(), M::Error> {
        for (key, value) in extra {
            self.map.serialize_entry(key, value)?;
        }
        Ok(())
    }
}

/// Deserializes a structure from a map (or from `[]`, PHP's empty object, or `null`).
pub fn deserialize_structure<'de, T: Structure, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    deserializer.deserialize_any(StructVisitor::<T>(PhantomData))
}

struct StructVisitor<T>(PhantomData<T>);

impl<'de, T: Structure> Visitor<'de> for StructVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an object ({})", T::SCHEMA.name)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut value = T::default();
        while let Some(key) = map.next_key_seed(KeySeed::<T>(PhantomData))? {
            match key {
                Key::Field(index) => {
                    let name = T::SCHEMA.fields[index].name;
                    value
                        .decode_field(
                            index,
                            JsonField {
                                map: &mut map,
                                _de: PhantomData,
                            },
                        )
                        .map_err(|e| with_path(name, e))?;
                }
                Key::Unknown(name) => {
                    let item: AnyValue = map.next_value()?;
                    value.extra_mut().insert(name, item);
                }
            }
        }
        Ok(value)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<T, A::Error> {
        // PHP's json_encode writes an empty associative array as `[]`.
        if seq.next_element::<de::IgnoredAny>()?.is_some() {
            return Err(de::Error::invalid_type(de::Unexpected::Seq, &self));
        }
        Ok(T::default())
    }

    fn visit_unit<E: de::Error>(self) -> Result<T, E> {
        Ok(T::default())
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

struct KeySeed<T>(PhantomData<T>);

impl<'de, T: Structure> DeserializeSeed<'de> for KeySeed<T> {
    type Value = Key;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de, T: Structure> Visitor<'de> for KeySeed<T> {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
        if let Some(i) = T::field_index(v) {
            return Ok(Key::Field(i));
        }
        if v == "value" {
            if let Some(i) = T::SCHEMA
                .fields
                .iter()
                .position(|f| f.kind == FieldKind::Text)
            {
                return Ok(Key::Field(i));
            }
        }
        Ok(Key::Unknown(v.to_string()))
    }
}

struct JsonField<'m, 'de, A> {
    map: &'m mut A,
    _de: PhantomData<&'de ()>,
}

impl<'de, A: MapAccess<'de>> FieldDecoder for JsonField<'_, 'de, A> {
    type Error = A::Error;

    fn decode<V: Value>(self, slot: &mut V) -> Result<(), A::Error> {
        *slot = self.map.next_value_seed(Seed::<V>(PhantomData))?;
        Ok(())
    }

    fn skip(self) -> Result<(), A::Error> {
        self.map.next_value::<de::IgnoredAny>().map(|_| ())
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
    let text = String::from_json(deserializer)?;
    Ok(T::from_wire(&text))
}

/// `Serialize` and `Deserialize` for a runtime scalar, through its text form.
macro_rules! text_serde {
    ($t:ty) => {
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                <$t as Value>::from_json(deserializer)
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
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        <Decimal as Value>::from_json(deserializer)
    }
}

/// Decodes a whole JSON body into a [`Value`] type, leniently.
pub fn from_json_slice<T: Value>(body: &[u8]) -> serde_json::Result<T> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = T::from_json(&mut de)?;
    de.end()?;
    Ok(value)
}
