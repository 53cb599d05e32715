//! A client for the PortaBilling (PortaOne) administrator API, over SOAP and REST.
//!
//! Build one [`Client`] with [`Client::builder`], and call any method of the API on it as a
//! typed call: one module per service ([`account`], [`customer`], …) holds its request,
//! response and structure types, generated from the bundled WSDLs (or your server's own, see
//! `PORTABILLING_WSDL_DIR` in the README), and the same types travel over either protocol. The
//! client logs in once, reuses the session (across threads, and across runs with a session
//! file), renews it when the server expires it, keeps its connections alive, and never resends
//! a write that may have arrived.
//!
//! The client is blocking and `Send + Sync`: clone it (it is an `Arc` inside) or share it
//! across threads. From async code, run calls on the runtime's blocking pool
//! (`tokio::task::spawn_blocking`, see `examples/tokio_service.rs`).
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
//! # Retries and time limits
//!
//! Every call (typed or untyped, a list stream, a download, the login it needs) goes through
//! one call path, with one deadline and one retry policy:
//!
//! - **One deadline.** [`ClientBuilder::timeout`] (default 300 s) bounds the whole call:
//!   connecting, TLS, sending, a login or token refresh the call needs, every retry and its
//!   backoff, and reading the whole answer. When it passes, the call ends with a timeout
//!   ([`Error::is_timeout`]) at once. A list stream or a download is covered up to its
//!   answer's head; its body is read at the caller's pace, each read bounded by
//!   [`ClientBuilder::read_timeout`].
//! - **What is retried**, up to [`ClientBuilder::retries`] times (default 2): any call whose
//!   request provably never reached the server (DNS failure, refused connection, connect
//!   timeout); and calls that only read (the generated descriptor's
//!   [`read_only`](model::OperationInfo::read_only); `Session/login` is one) after a lost
//!   connection, an I/O error, or an HTTP 502, 503 or 504. A read is retried at most once
//!   after a read timeout.
//! - **Never retried:** TLS failures, answers over the size limit, API faults, other HTTP
//!   statuses, undecodable answers, a wrong password or a lockout, and any write that may have
//!   reached the server ([`Error::outcome_unknown`] says so). A method the generated set lacks
//!   counts as a write.
//! - **Backoff:** 100 ms before the first retry, doubling to at most 2 s, ±20 %. No retry
//!   starts when its wait would end past the deadline.
//! - **Rate limit:** with [`ClientBuilder::rate_limit`], every attempt (a retry, a login, a
//!   token refresh too) first waits for its slot; a slot that would come after the deadline
//!   ends the call at once with a timeout. Through a PostgreSQL session store (feature
//!   `postgres`, `pg`) the limit is shared by every process on the same server and login.
//! - **Sessions:** a session fault is not a retry: the session is renewed (one login for all
//!   threads, or the fresh session another thread or process made) and the call sent again, up
//!   to three times, and never when the credentials cannot log in (a refused
//!   [`session_id`](ClientBuilder::session_id) ends the call with [`Error::Auth`]).
//!
//! Lists come a page at a time ([`paging::Pages`]) or item by item straight from the socket
//! (`stream_*`), so memory stays flat whatever the size of the list. Method names, fields and
//! sample requests are available at run time through [`registry`] and [`inspect`], which is
//! how the `portabilling` command calls any method by name.
//!
//! Beside the client: [`model`] (the data model every generated type implements, and the
//! unknown-field check), [`auth`] (credentials, sessions and their stores), [`paging`],
//! [`batch`] (many calls from typed requests or a JSONL file), `espf` (provisioning
//! events), [`wsdl`] (fetching a server's WSDL set), [`registry`] and [`inspect`] (the API by
//! name at run time) and, with the `sim` feature, `sim` (a PortaBilling simulator for your
//! own tests). The SOAP and REST wire formats are internal; [`RestEncoding`] and
//! [`SoapEndpoint`] choose among their variants.
//!
//! # Features
//!
//! `all-services` (default) builds every bundled service; name single services (`account`,
//! `customer`, …) for a faster build. `espf` adds the provisioning-event pipeline,
//! `espf-listener` its HTTP(S) listener, `sim` the simulator. `rust_decimal`, `chrono` and
//! `time` add conversions for [`Decimal`], [`Date`], [`Time`] and [`DateTime`]. Features only
//! add: no feature changes what another one builds.
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

pub mod auth;
pub mod batch;
mod client;
pub mod error;
#[cfg(feature = "espf")]
pub mod espf;
pub mod history;
pub mod inspect;
pub mod model;
pub mod paging;
#[cfg(feature = "postgres")]
pub mod pg;
pub mod ratelimit;
mod redact;
pub mod registry;
pub(crate) mod rest;
#[doc(hidden)]
pub mod runtime;
#[cfg(any(feature = "sim", feature = "espf-listener"))]
#[cfg_attr(not(feature = "sim"), allow(dead_code))]
mod server;
#[cfg(feature = "sim")]
pub mod sim;
pub(crate) mod soap;
mod transport;
mod urlencoded;
mod wire;
pub mod wsdl;

pub use client::{Client, ClientBuilder, Protocol, RawReply};
pub use error::{Error, Result};
pub use history::{CallOutcome, ClientEvent, ClientObserver, Exchange, HistoryHook, LastExchange};
pub use model::{Base64Binary, Date, DateTime, Decimal, Flag, HexBinary, Time};
pub use rest::{Download, RestEncoding};
pub use soap::SoapEndpoint;
pub use transport::Timeouts;

include!(concat!(env!("OUT_DIR"), "/portabilling_generated.rs"));
