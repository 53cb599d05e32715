//! [`Value`]: what every field type (scalars, options, lists, boxes, generated structs and
//! enums, raw values) knows about reading and writing itself in XML and JSON.
//!
//! Reading is lenient in the ways PortaBilling's servers need: numbers may come as strings,
//! flags as `Y`/`N`, `1`/`0` or booleans, an empty object as `[]` (PHP), nil or empty as
//! absent, and SOAP::Lite's base64 strings are decoded. A value of the wrong type is an error
//! that says which type was expected.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Serialize;

use super::scalar::{Base64Binary, Date, DateTime, Decimal, Flag, HexBinary, Time};
use super::AnyValue;
use crate::soap::decode::{base64_text, DecodeError, Source, Start, XmlDecoder, XsiType};
use crate::soap::encode::{EncodeError, TypeName, XmlEncoder};

/// A field value: a scalar, an `Option`, a `Vec`, a `Box`, a generated type, or a raw value.
///
/// The methods are the wire formats' view of the type; user code does not call them.
pub trait Value:
    fmt::Debug + Clone + PartialEq + Default + Serialize + Send + Sync + 'static
{
    /// Whether the value is absent (`None`, an empty list), and so is left out when written.
    fn is_absent(&self) -> bool {
        false
    }

    /// Reads the value from JSON, leniently.
    #[doc(hidden)]
    fn from_json<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error>;

    /// Reads the value from attribute or simple-content text.
    #[doc(hidden)]
    fn parse_text(text: &str) -> Result<Self, String> {
        let _ = text;
        Err("this type cannot be read from text".to_string())
    }

    /// The value as attribute text.
    #[doc(hidden)]
    fn to_text(&self) -> Option<String> {
        None
    }

    /// Reads one XML element (whose start tag was just read) into `slot`. Returns whether a
    /// value was present. `repeated` says the element is one occurrence of a repeated field.
    #[doc(hidden)]
    fn decode_xml<S: Source>(
        slot: &mut Self,
        decoder: &mut XmlDecoder<S>,
        start: Start,
        repeated: bool,
    ) -> Result<bool, DecodeError>;

    /// Writes the value as an element named `name` (as several, for a repeated field).
    #[doc(hidden)]
    fn encode_xml(
        &self,
        encoder: &mut XmlEncoder,
        name: &str,
        repeated: bool,
    ) -> Result<(), EncodeError>;

    /// The type written in `xsi:type` and in array types.
    #[doc(hidden)]
    fn type_name() -> TypeName;

    /// Adds to `out` the path of every value kept in an `extra` map, below `path`.
    #[doc(hidden)]
    fn collect_unknown(&self, path: &str, out: &mut Vec<String>) {
        let _ = (path, out);
    }

    /// Whether the value is an empty list (written as an empty array where lists must show).
    #[doc(hidden)]
    fn is_empty_list(&self) -> bool {
        false
    }

    /// For structures: whether `name` is a field (tells an array wrapper from one item).
    #[doc(hidden)]
    fn has_field(name: &str) -> bool {
        let _ = name;
        false
    }
}

/// Reads a scalar's text; `None` for an empty element. Base64 text is decoded when the
/// `xsi:type` says so.
fn scalar_text<'d, S: Source>(
    decoder: &'d mut XmlDecoder<S>,
    start: &Start,
) -> Result<Option<std::borrow::Cow<'d, str>>, DecodeError> {
    if start.nil {
        decoder.skip(start)?;
        return Ok(None);
    }
    if start.xsi == XsiType::Base64 {
        let decoded = match decoder.read_text(start)? {
            None => return Ok(None),
            Some(t) => base64_text(t),
        };
        return match decoded {
            Ok(s) => Ok(Some(std::borrow::Cow::Owned(s))),
            Err(m) => Err(decoder.error(m)),
        };
    }
    Ok(decoder.read_text(start)?.map(std::borrow::Cow::Borrowed))
}

/// Implements [`Value`] for a scalar that reads with `FromStr` and writes with `Display`.
macro_rules! text_scalar {
    ($t:ty, $xsd:literal, $visitor:ident) => {
        text_scalar!($t, $xsd, $visitor, $xsd);
    };
    ($t:ty, $xsd:literal, $visitor:ident, $wire:literal) => {
        impl Value for $t {
            fn from_json<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.deserialize_any($visitor)
            }

            fn parse_text(text: &str) -> Result<Self, String> {
                trim_ascii(text)
                    .parse::<$t>()
                    .map_err(|e| format!("`{}` is not a valid {}: {e}", clip(text), $xsd))
            }

            fn to_text(&self) -> Option<String> {
                Some(self.to_string())
            }

            fn decode_xml<S: Source>(
                slot: &mut Self,
                decoder: &mut XmlDecoder<S>,
                start: Start,
                _repeated: bool,
            ) -> Result<bool, DecodeError> {
                decode_text(slot, decoder, &start)
            }

            fn encode_xml(
                &self,
                encoder: &mut XmlEncoder,
                name: &str,
                _repeated: bool,
            ) -> Result<(), EncodeError> {
                encoder.display(name, $wire, self);
                Ok(())
            }

            fn type_name() -> TypeName {
                TypeName::Xsd($wire)
            }
        }
    };
}

/// Whether text holds only whitespace (numbers and dates around it are absent values).
fn is_blank(text: &str) -> bool {
    text.bytes().all(|b| b.is_ascii_whitespace())
}

/// Text without surrounding ASCII whitespace: cheaper than `str::trim` for the values here.
fn trim_ascii(text: &str) -> &str {
    text.trim_ascii()
}

fn clip(s: &str) -> String {
    s.chars().take(64).collect()
}

/// A lenient JSON visitor for an integer type: numbers, integral floats, and numeric strings.
macro_rules! integer_visitor {
    ($name:ident, $t:ty, $what:literal) => {
        struct $name;

        impl<'de> Visitor<'de> for $name {
            type Value = $t;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str($what)
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<$t, E> {
                <$t>::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<$t, E> {
                <$t>::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
            }

            fn visit_i128<E: de::Error>(self, v: i128) -> Result<$t, E> {
                <$t>::try_from(v)
                    .map_err(|_| E::custom(format!("{v} is out of range for {}", $what)))
            }

            fn visit_u128<E: de::Error>(self, v: u128) -> Result<$t, E> {
                <$t>::try_from(v)
                    .map_err(|_| E::custom(format!("{v} is out of range for {}", $what)))
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<$t, E> {
                if v.fract() == 0.0 && v.is_finite() {
                    format!("{v:.0}")
                        .parse()
                        .map_err(|_| E::invalid_value(de::Unexpected::Float(v), &self))
                } else {
                    Err(E::invalid_value(de::Unexpected::Float(v), &self))
                }
            }

            fn visit_bool<E: de::Error>(self, v: bool) -> Result<$t, E> {
                Ok(<$t>::from(v))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<$t, E> {
                v.trim()
                    .parse()
                    .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
            }
        }
    };
}

integer_visitor!(I8Visitor, i8, "an integer (xsd:byte)");
integer_visitor!(I16Visitor, i16, "an integer (xsd:short)");
integer_visitor!(I32Visitor, i32, "an integer (xsd:int)");
integer_visitor!(I64Visitor, i64, "an integer (xsd:long)");
integer_visitor!(I128Visitor, i128, "an integer (xsd:integer)");
integer_visitor!(U8Visitor, u8, "a non-negative integer (xsd:unsignedByte)");
integer_visitor!(
    U16Visitor,
    u16,
    "a non-negative integer (xsd:unsignedShort)"
);
integer_visitor!(U32Visitor, u32, "a non-negative integer (xsd:unsignedInt)");
integer_visitor!(U64Visitor, u64, "a non-negative integer (xsd:unsignedLong)");
integer_visitor!(
    U128Visitor,
    u128,
    "a non-negative integer (xsd:nonNegativeInteger)"
);

text_scalar!(i8, "byte", I8Visitor);
text_scalar!(i16, "short", I16Visitor);
text_scalar!(i32, "int", I32Visitor);
text_scalar!(i64, "long", I64Visitor);
text_scalar!(i128, "integer", I128Visitor);
text_scalar!(u8, "unsignedByte", U8Visitor);
text_scalar!(u16, "unsignedShort", U16Visitor);
text_scalar!(u32, "unsignedInt", U32Visitor);
text_scalar!(u64, "unsignedLong", U64Visitor);
text_scalar!(u128, "nonNegativeInteger", U128Visitor);

/// A lenient JSON visitor for a float type.
macro_rules! float_visitor {
    ($name:ident, $t:ty, $what:literal) => {
        struct $name;

        impl<'de> Visitor<'de> for $name {
            type Value = $t;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str($what)
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<$t, E> {
                Ok(v as $t)
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<$t, E> {
                Ok(v as $t)
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<$t, E> {
                Ok(v as $t)
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<$t, E> {
                v.trim()
                    .parse()
                    .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
            }
        }
    };
}

float_visitor!(F32Visitor, f32, "a number (xsd:float)");
float_visitor!(F64Visitor, f64, "a number (xsd:double)");
text_scalar!(f32, "float", F32Visitor);
text_scalar!(f64, "double", F64Visitor);

/// A lenient JSON visitor for types read from text: strings, and numbers for the numeric ones.
macro_rules! parsed_visitor {
    ($name:ident, $t:ty, $what:literal, numbers: $numbers:expr) => {
        struct $name;

        impl<'de> Visitor<'de> for $name {
            type Value = $t;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str($what)
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<$t, E> {
                v.parse()
                    .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<$t, E> {
                if $numbers {
                    self.visit_str(&v.to_string())
                } else {
                    Err(E::invalid_type(de::Unexpected::Signed(v), &self))
                }
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<$t, E> {
                if $numbers {
                    self.visit_str(&v.to_string())
                } else {
                    Err(E::invalid_type(de::Unexpected::Unsigned(v), &self))
                }
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<$t, E> {
                if $numbers {
                    match Decimal::from_f64(v) {
                        Some(d) => self.visit_str(&d.to_string()),
                        None => Err(E::invalid_value(de::Unexpected::Float(v), &self)),
                    }
                } else {
                    Err(E::invalid_type(de::Unexpected::Float(v), &self))
                }
            }

            fn visit_bool<E: de::Error>(self, v: bool) -> Result<$t, E> {
                if $numbers {
                    self.visit_str(if v { "1" } else { "0" })
                } else {
                    Err(E::invalid_type(de::Unexpected::Bool(v), &self))
                }
            }
        }
    };
}

parsed_visitor!(DecimalVisitor, Decimal, "a decimal number", numbers: true);
parsed_visitor!(FlagVisitor, Flag, "a Y/N flag", numbers: true);
parsed_visitor!(DateVisitor, Date, "a date (YYYY-MM-DD)", numbers: false);
parsed_visitor!(DateTimeVisitor, DateTime, "a datetime (YYYY-MM-DD HH:MM:SS)", numbers: false);
parsed_visitor!(TimeVisitor, Time, "a time (HH:MM:SS)", numbers: false);
parsed_visitor!(Base64Visitor, Base64Binary, "base64 text", numbers: false);
parsed_visitor!(HexVisitor, HexBinary, "hexadecimal text", numbers: false);

text_scalar!(Decimal, "decimal", DecimalVisitor);
text_scalar!(Date, "date", DateVisitor);
// PortaBilling's datetimes (`2026-11-27 12:00:00`) are not xsd:dateTime's lexical form; a
// SOAP::Lite server sends them as strings, and so does this client.
text_scalar!(DateTime, "dateTime", DateTimeVisitor, "string");
text_scalar!(Time, "time", TimeVisitor);
text_scalar!(Base64Binary, "base64Binary", Base64Visitor);
text_scalar!(HexBinary, "hexBinary", HexVisitor);

impl Value for Flag {
    fn from_json<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(FlagVisitor)
    }

    fn parse_text(text: &str) -> Result<Self, String> {
        text.parse().map_err(|e: super::ParseError| e.to_string())
    }

    fn to_text(&self) -> Option<String> {
        Some(self.as_str().to_string())
    }

    fn decode_xml<S: Source>(
        slot: &mut Self,
        decoder: &mut XmlDecoder<S>,
        start: Start,
        _repeated: bool,
    ) -> Result<bool, DecodeError> {
        decode_text(slot, decoder, &start)
    }

    fn encode_xml(&self, encoder: &mut XmlEncoder, name: &str, _: bool) -> Result<(), EncodeError> {
        encoder.text(name, "string", self.as_str())
    }

    fn type_name() -> TypeName {
        TypeName::Xsd("string")
    }
}

struct BoolVisitor;

impl<'de> Visitor<'de> for BoolVisitor {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a boolean (true/false, 1/0 or Y/N)")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<bool, E> {
        Ok(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<bool, E> {
        match v {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(E::invalid_value(de::Unexpected::Signed(v), &self)),
        }
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<bool, E> {
        self.visit_i64(i64::try_from(v).unwrap_or(i64::MAX))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
        parse_bool(v).ok_or_else(|| E::invalid_value(de::Unexpected::Str(v), &self))
    }
}

fn parse_bool(v: &str) -> Option<bool> {
    match v.trim() {
        "true" | "1" | "Y" | "y" | "TRUE" | "True" => Some(true),
        "false" | "0" | "N" | "n" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

impl Value for bool {
    fn from_json<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(BoolVisitor)
    }

    fn parse_text(text: &str) -> Result<Self, String> {
        parse_bool(text).ok_or_else(|| format!("`{}` is not a valid boolean", clip(text)))
    }

    fn to_text(&self) -> Option<String> {
        Some(self.to_string())
    }

    fn decode_xml<S: Source>(
        slot: &mut Self,
        decoder: &mut XmlDecoder<S>,
        start: Start,
        _repeated: bool,
    ) -> Result<bool, DecodeError> {
        decode_text(slot, decoder, &start)
    }

    fn encode_xml(&self, encoder: &mut XmlEncoder, name: &str, _: bool) -> Result<(), EncodeError> {
        encoder.text(name, "boolean", if *self { "true" } else { "false" })
    }

    fn type_name() -> TypeName {
        TypeName::Xsd("boolean")
    }
}

struct StringVisitor;

impl<'de> Visitor<'de> for StringVisitor {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<String, E> {
        Ok(v.to_string())
    }
}

impl Value for String {
    fn from_json<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StringVisitor)
    }

    fn parse_text(text: &str) -> Result<Self, String> {
        Ok(text.to_string())
    }

    fn to_text(&self) -> Option<String> {
        Some(self.clone())
    }

    fn decode_xml<S: Source>(
        slot: &mut Self,
        decoder: &mut XmlDecoder<S>,
        start: Start,
        _repeated: bool,
    ) -> Result<bool, DecodeError> {
        let typed = matches!(start.xsi, XsiType::String | XsiType::Base64);
        match scalar_text(decoder, &start)? {
            Some(t) => {
                *slot = t.into_owned();
                Ok(true)
            }
            // An empty element is an empty string only when typed as one: SOAP::Lite writes
            // undef as xsi:nil, and '' as an empty element typed xsd:string.
            None if typed && !start.nil => {
                slot.clear();
                Ok(true)
            }
            None => Ok(false),
        }
    }

    fn encode_xml(&self, encoder: &mut XmlEncoder, name: &str, _: bool) -> Result<(), EncodeError> {
        encoder.text(name, "string", self)
    }

    fn type_name() -> TypeName {
        TypeName::Xsd("string")
    }
}

impl<T: Value> Value for Option<T> {
    fn is_absent(&self) -> bool {
        self.is_none()
    }

    fn from_json<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct OptionVisitor<T>(PhantomData<T>);
        impl<'de, T: Value> Visitor<'de> for OptionVisitor<T> {
            type Value = Option<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a value or null")
            }
            fn visit_none<E: de::Error>(self) -> Result<Option<T>, E> {
                Ok(None)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Option<T>, E> {
                Ok(None)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
                T::from_json(d).map(Some)
            }
        }
        d.deserialize_option(OptionVisitor(PhantomData))
    }

    fn parse_text(text: &str) -> Result<Self, String> {
        T::parse_text(text).map(Some)
    }

    fn to_text(&self) -> Option<String> {
        self.as_ref().and_then(T::to_text)
    }

    fn decode_xml<S: Source>(
        slot: &mut Self,
        decoder: &mut XmlDecoder<S>,
        start: Start,
        repeated: bool,
    ) -> Result<bool, DecodeError> {
        if start.nil {
            decoder.skip(&start)?;
            *slot = None;
            return Ok(true);
        }
        let mut value = T::default();
        if T::decode_xml(&mut value, decoder, start, repeated)? {
            *slot = Some(value);
            Ok(true)
        } else {
            Ok(false)
        }
    }

    fn encode_xml(
        &self,
        encoder: &mut XmlEncoder,
        name: &str,
        repeated: bool,
    ) -> Result<(), EncodeError> {
        match self {
            Some(v) => v.encode_xml(encoder, name, repeated),
            // Inside a list a missing item must keep its place; elsewhere absent is omitted.
            None if repeated => {
                encoder.nil(name);
                Ok(())
            }
            None => Ok(()),
        }
    }

    fn type_name() -> TypeName {
        T::type_name()
    }

    fn has_field(name: &str) -> bool {
        T::has_field(name)
    }

    fn collect_unknown(&self, path: &str, out: &mut Vec<String>) {
        if let Some(v) = self {
            v.collect_unknown(path, out);
        }
    }
}

impl<T: Value> Value for Vec<T> {
    fn is_absent(&self) -> bool {
        self.is_empty()
    }

    fn is_empty_list(&self) -> bool {
        self.is_empty()
    }

    fn from_json<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct VecVisitor<T>(PhantomData<T>);
        impl<'de, T: Value> Visitor<'de> for VecVisitor<T> {
            type Value = Vec<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
                while let Some(item) = seq.next_element_seed(Seed::<T>(PhantomData))? {
                    crate::soap::decode::push_growing(&mut out, item);
                }
                crate::soap::decode::shrink(&mut out);
                Ok(out)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Vec<T>, E> {
                Ok(Vec::new())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<T>, A::Error> {
                // PHP encodes an empty list as `{}` when it started as an associative array.
                if map.next_key::<de::IgnoredAny>()?.is_some() {
                    return Err(de::Error::invalid_type(de::Unexpected::Map, &self));
                }
                Ok(Vec::new())
            }
        }
        d.deserialize_any(VecVisitor(PhantomData))
    }

    fn decode_xml<S: Source>(
        slot: &mut Self,
        decoder: &mut XmlDecoder<S>,
        start: Start,
        repeated: bool,
    ) -> Result<bool, DecodeError> {
        decoder.decode_list(slot, start, repeated)
    }

    fn encode_xml(
        &self,
        encoder: &mut XmlEncoder,
        name: &str,
        repeated: bool,
    ) -> Result<(), EncodeError> {
        if repeated {
            for item in self {
                item.encode_xml(encoder, name, true)?;
            }
            Ok(())
        } else {
            encoder.array(name, self)
        }
    }

    fn type_name() -> TypeName {
        TypeName::Array
    }

    fn collect_unknown(&self, path: &str, out: &mut Vec<String>) {
        for (i, item) in self.iter().enumerate() {
            item.collect_unknown(&format!("{path}[{i}]"), out);
        }
    }
}

impl<T: Value> Value for Box<T> {
    fn is_absent(&self) -> bool {
        T::is_absent(self)
    }

    fn from_json<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::from_json(d).map(Box::new)
    }

    fn parse_text(text: &str) -> Result<Self, String> {
        T::parse_text(text).map(Box::new)
    }

    fn to_text(&self) -> Option<String> {
        T::to_text(self)
    }

    fn decode_xml<S: Source>(
        slot: &mut Self,
        decoder: &mut XmlDecoder<S>,
        start: Start,
        repeated: bool,
    ) -> Result<bool, DecodeError> {
        T::decode_xml(slot, decoder, start, repeated)
    }

    fn encode_xml(
        &self,
        encoder: &mut XmlEncoder,
        name: &str,
        repeated: bool,
    ) -> Result<(), EncodeError> {
        T::encode_xml(self, encoder, name, repeated)
    }

    fn type_name() -> TypeName {
        T::type_name()
    }

    fn has_field(name: &str) -> bool {
        T::has_field(name)
    }

    fn collect_unknown(&self, path: &str, out: &mut Vec<String>) {
        T::collect_unknown(self, path, out);
    }
}

impl Value for AnyValue {
    fn is_absent(&self) -> bool {
        self.is_null()
    }

    fn from_json<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde::Deserialize::deserialize(d)
    }

    fn parse_text(text: &str) -> Result<Self, String> {
        Ok(AnyValue::String(text.to_string()))
    }

    fn decode_xml<S: Source>(
        slot: &mut Self,
        decoder: &mut XmlDecoder<S>,
        start: Start,
        _repeated: bool,
    ) -> Result<bool, DecodeError> {
        *slot = decoder.decode_any(&start)?;
        Ok(!slot.is_null())
    }

    fn encode_xml(&self, encoder: &mut XmlEncoder, name: &str, _: bool) -> Result<(), EncodeError> {
        encoder.any(name, self)
    }

    fn type_name() -> TypeName {
        TypeName::Any
    }
}

/// Deserializes a `T` through [`Value::from_json`].
pub(crate) struct Seed<T>(pub(crate) PhantomData<T>);

impl<'de, T: Value> de::DeserializeSeed<'de> for Seed<T> {
    type Value = T;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        T::from_json(d)
    }
}

/// Reads a value written as element text ([`Value::parse_text`]): an empty or blank element is
/// absent, and text that does not parse is an error at the element.
fn decode_text<T: Value, S: Source>(
    slot: &mut T,
    decoder: &mut XmlDecoder<S>,
    start: &Start,
) -> Result<bool, DecodeError> {
    match scalar_text(decoder, start)? {
        Some(text) if !is_blank(&text) => match T::parse_text(&text) {
            Ok(value) => {
                *slot = value;
                Ok(true)
            }
            Err(message) => Err(decoder.error(message)),
        },
        _ => Ok(false),
    }
}
