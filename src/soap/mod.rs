//! The SOAP wire format: XML encoding and decoding of generated types, envelopes, faults.
//!
//! [`decode`] reads SOAP::Lite-style XML straight into generated types; [`encode`] writes
//! rpc/encoded XML; [`envelope`] puts them in SOAP 1.1 envelopes with the `auth_info` header
//! and reads faults. The client and the simulator share all three.

pub mod decode;
pub mod encode;
pub mod envelope;
pub(crate) mod stream;
pub mod wire;

pub use decode::{DecodeError, Limits};
pub use envelope::{Fault, Outcome};
