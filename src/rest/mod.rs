//! The REST (JSON) wire format: request encodings, JSON responses and faults, files, and list
//! streaming. The JSON mapping of the generated types themselves is serde's (see
//! [`model`](crate::model)).

pub mod form;
pub mod multipart;
pub(crate) mod stream;
pub mod wire;

pub use wire::{Download, RestEncoding};
