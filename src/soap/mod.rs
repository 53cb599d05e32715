//! The SOAP wire format: XML encoding and decoding of generated types, envelopes, faults.
//!
//! [`decode`] reads SOAP::Lite-style XML straight into generated types, from the events
//! [`source`] reads; [`encode`] writes
//! rpc/encoded XML; [`envelope`] puts them in SOAP 1.1 envelopes with the `auth_info` header
//! and reads faults; [`binding`] is the client's side of SOAP over HTTP. The client and the
//! simulator share all of them.

pub mod binding;
pub mod decode;
pub mod encode;
pub mod envelope;
pub(crate) mod source;
pub(crate) mod stream;

pub use binding::SoapEndpoint;
pub use decode::DecodeError;
