//! A client for the PortaBilling (PortaOne) administrator API, over SOAP and REST.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod auth;
pub mod batch;
mod client;
pub mod error;
pub mod espf;
pub mod history;
pub mod inspect;
pub mod model;
pub mod paging;
mod redact;
pub mod registry;
pub mod rest;
pub mod runtime;
#[cfg(any(feature = "sim", feature = "espf-listener"))]
#[cfg_attr(not(feature = "sim"), allow(dead_code))]
mod server;
#[cfg(feature = "sim")]
pub mod sim;
pub mod soap;
mod transport;

pub use client::{Client, ClientBuilder, Protocol, RawReply};
pub use error::{Error, Result};
pub use history::{Exchange, HistoryHook, LastExchange};
pub use rest::{Download, RestEncoding};
pub use soap::wire::SoapEndpoint;
pub use transport::Timeouts;

include!(concat!(env!("OUT_DIR"), "/portabilling_generated.rs"));
