//! A client for the PortaBilling (PortaOne) administrator API, over SOAP and REST.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod error;
pub mod model;
pub mod paging;
mod redact;
pub mod rest;
pub mod runtime;
pub mod soap;

pub use error::{Error, Result};

include!(concat!(env!("OUT_DIR"), "/portabilling_generated.rs"));
