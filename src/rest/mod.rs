//! The REST (JSON) wire format: request encodings, JSON responses and faults, files, and list
//! streaming. The JSON mapping of the generated types themselves is serde's (see
//! [`model`](crate::model)); [`binding`] is the client's side of REST over HTTP.

pub mod binding;
pub mod multipart;
pub(crate) mod stream;

pub use binding::{Download, RestEncoding};
