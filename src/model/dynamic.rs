//! Generated structures behind a trait object, for code that picks the operation at run time:
//! the command line's `call` and `decode`, the simulator, the inspector and batch jobs.

use std::any::Any;
use std::fmt;

use super::{AnyValue, StructSchema, Structure};
use crate::soap::decode::{DecodeError, SliceSource, Start, XmlDecoder};
use crate::soap::encode::{EncodeError, XmlEncoder};

/// A generated structure whose type is known only at run time.
pub trait DynStructure: fmt::Debug + Send + Sync {
    /// The schema of the underlying type.
    fn schema(&self) -> &'static StructSchema;

    /// The value in PortaBilling's JSON form.
    fn to_json(&self) -> AnyValue;

    /// The value as indented JSON text, with fields in schema order.
    fn to_json_pretty(&self) -> String;

    /// Replaces the value with one read from JSON (leniently, as over REST).
    fn set_json(&mut self, value: &AnyValue) -> Result<(), serde_json::Error>;

    /// Replaces the value with one read from a JSON body (without an intermediate tree).
    fn decode_json(&mut self, body: &[u8]) -> Result<(), serde_json::Error>;

    /// Decodes the content of an element whose start tag was just read.
    fn decode_xml(
        &mut self,
        decoder: &mut XmlDecoder<SliceSource<'_>>,
        start: &Start,
    ) -> Result<bool, DecodeError>;

    /// Writes the value as element `name`.
    fn encode_xml(&self, encoder: &mut XmlEncoder, name: &str) -> Result<(), EncodeError>;

    /// Whether `name` is one of the fields.
    fn has_field(&self, name: &str) -> bool;

    /// A boxed copy.
    fn clone_box(&self) -> Box<dyn DynStructure>;

    /// The value, for downcasting to its generated type.
    fn as_any(&self) -> &dyn Any;
}

impl<T: Structure> DynStructure for T {
    fn schema(&self) -> &'static StructSchema {
        T::SCHEMA
    }

    fn to_json(&self) -> AnyValue {
        serde_json::to_value(self).unwrap_or(AnyValue::Null)
    }

    fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    fn set_json(&mut self, value: &AnyValue) -> Result<(), serde_json::Error> {
        *self = super::deserialize_structure(value)?;
        Ok(())
    }

    fn decode_json(&mut self, body: &[u8]) -> Result<(), serde_json::Error> {
        *self = super::serde_impl::from_json_slice(body)?;
        Ok(())
    }

    fn decode_xml(
        &mut self,
        decoder: &mut XmlDecoder<SliceSource<'_>>,
        start: &Start,
    ) -> Result<bool, DecodeError> {
        decoder.decode_structure(self, start)
    }

    fn encode_xml(&self, encoder: &mut XmlEncoder, name: &str) -> Result<(), EncodeError> {
        encoder.structure(name, self)
    }

    fn has_field(&self, name: &str) -> bool {
        T::field_index(name).is_some()
    }

    fn clone_box(&self) -> Box<dyn DynStructure> {
        Box::new(self.clone())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A new, empty value of `T` behind a trait object.
pub fn new_dyn<T: Structure>() -> Box<dyn DynStructure> {
    Box::new(T::default())
}
