//! A client for the PortaBilling (PortaOne) administrator API, over SOAP and REST.
//!
//! Every service and method of the bundled WSDLs (or of your server's own, see
//! `PORTABILLING_WSDL_DIR` in the README) is a typed call: one module per service
//! ([`account`], [`customer`], …) with its request, response and structure types, and one
//! [`Client`] that carries them over either protocol. The client logs in once, reuses the
//! session (across threads, and across runs with a session file), renews it when the server
//! expires it, keeps its connections alive, and never resends a write that may have arrived.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let sim = portabilling::sim::Simulator::start(portabilling::sim::SimConfig {
//! #     accounts: 100,
//! #     ..Default::default()
//! # })?;
//! # let (url, login, password) = (sim.url(), sim.login(), sim.password());
//! use portabilling::account::GetAccountInfoRequest;
//! use portabilling::{Client, Protocol};
//!
//! let client = Client::builder(url) // https://billing.example.com
//!     .login(login, password)
//!     .protocol(Protocol::Soap) // or Protocol::Rest: the same types either way
//!     .build()?;
//!
//! let reply = client.account().get_account_info(&GetAccountInfoRequest {
//!     i_account: Some(42),
//!     ..Default::default()
//! })?;
//! let account = reply.account_info.unwrap_or_default();
//! println!("{:?} owes {:?}", account.id, account.balance);
//! # assert_eq!(account.i_account, Some(42));
//! # Ok(())
//! # }
//! ```
//!
//! Errors say what happened and keep what a program needs to decide: the API's fault code
//! ([`Error::fault_code`]), whether a write may have been applied ([`Error::outcome_unknown`]),
//! timeouts, TLS and HTTP status apart:
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let sim = portabilling::sim::Simulator::start(Default::default())?;
//! # let client = portabilling::Client::builder(sim.url()).login(sim.login(), sim.password()).build()?;
//! use portabilling::account::GetAccountInfoRequest;
//!
//! let missing = GetAccountInfoRequest { i_account: Some(999_999), ..Default::default() };
//! match client.account().get_account_info(&missing) {
//!     Ok(reply) => println!("found {:?}", reply.account_info),
//!     Err(e) if e.fault().is_some_and(|f| f.is_not_found()) => println!("no such account"),
//!     Err(e) => return Err(e.into()),
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Lists come a page at a time ([`paging::Pages`]) or item by item straight from the socket
//! (`stream_*`), so memory stays flat whatever the size of the list. Method names, fields and
//! sample requests are available at run time through [`registry`] and [`inspect`], which is
//! how the `portabilling` command calls any method by name.
//!
//! The modules follow the data path: [`model`] (the data model every generated type
//! implements), [`soap`] and [`rest`] (the two wire formats), [`auth`] (credentials,
//! sessions and their stores), the transport behind [`Client`], and around them [`paging`],
//! [`batch`], [`espf`] (provisioning events) and, with the `sim` feature, `sim` (a PortaBilling
//! simulator for your own tests).
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
mod urlencoded;
mod wire;
pub mod wsdl;

pub use client::{Client, ClientBuilder, Protocol, RawReply};
pub use error::{Error, Result};
pub use history::{Exchange, HistoryHook, LastExchange};
pub use model::{Base64Binary, Date, DateTime, Decimal, Flag, HexBinary, Time};
pub use rest::{Download, RestEncoding};
pub use soap::SoapEndpoint;
pub use transport::Timeouts;

include!(concat!(env!("OUT_DIR"), "/portabilling_generated.rs"));
