//! Receiving PortaBilling provisioning events (ESPF, the External System Provisioning
//! Framework).
//!
//! ESPF POSTs a JSON event (`{"event_type": "Subscriber/Updated", "variables": {"i_event":
//! 5, "i_account": 1000889}}`) with `Date`, `Content-Type` and `Authorization` headers, about
//! ten a second, and re-sends it until the application answers 200 or a 4xx. The application
//! then reads the changed entity through the API. This module does all of it:
//!
//! 1. [`RequestAuth`] checks `Authorization` (Basic, Custom or Signature, compared in constant time)
//!    and the `Date` header (required; at most 300 s from now by default).
//! 2. [`Event`] parses the body (ids as numbers or strings; typed [`EventType`]s of both
//!    generations, unknown ones kept).
//! 3. A [`Dedup`] store remembers handled `i_event`s, so an event that succeeded never runs
//!    twice, across restarts and concurrent deliveries: [`DedupStore`] in an fsynced,
//!    append-only file, or `pg::PgDedup` (feature `postgres`) in PostgreSQL, shared by
//!    replicas, with claims that are leases.
//! 4. [`fetch_entity`] reads the account, customer, DID number or invoice over SOAP or REST.
//! 5. A [`HandOff`] takes the event and entity: a JSON line on [`Stdout`], appended to a
//!    [`JsonlFile`], piped to an [`ExecCommand`], or your closure.
//! 6. Only then is the event recorded and 200 sent.
//!
//! [`Pipeline`] strings these together behind one call that takes a request and gives the
//! status and body, for use in your own HTTP server; [`Listener`] serves it over HTTP or
//! HTTPS by itself.
//!
//! # Answers
//!
//! ESPF removes an event from its queue on 200 and on any 4xx, and re-sends it on anything
//! else (or when no answer comes within 300 s). So:
//!
//! | status | when | ESPF |
//! |---|---|---|
//! | 200 | handled now, or handled before (duplicate `i_event`) | done |
//! | 400 | the body is not an event: not JSON (the docs' sample lacking a comma included), no `event_type`/`variables`, no or a malformed `i_event` | dropped |
//! | 401 | `Authorization` missing, another scheme, wrong credentials or signature | dropped |
//! | 403 | `Date` missing, not an HTTP date, or more than the allowed skew from now | dropped |
//! | 405 | not a POST | dropped |
//! | 413 | body over the limit (64 KiB by default) | dropped |
//! | 422 | the entity does not exist (API fault `…not_found…`) or the event does not name it; or the hand-off rejected the event (command exit 65) | dropped |
//! | 500 | the hand-off failed unexpectedly (command exit other than 0, 65, 75) | re-sent |
//! | 503 | billing API unreachable or failing, hand-off asked for a retry (exit 75, file not writable), the same event still running elsewhere, the store not writable | re-sent |
//!
//! Deletion events (`*/Deleted`) and events about other kinds of entity are handed off
//! without an entity. A 4xx for bad credentials means ESPF drops the event, as its contract
//! says; a misconfigured password therefore loses events, so check the logs after setting up.
//!
//! Delivery is exactly-once for the hand-off except in one window: if the process dies after
//! the hand-off took an event but before the event was recorded, ESPF re-sends it and it is
//! handed off again. The JSON carries `i_event`, so a consumer can drop such a repeat.
//!
//! # The listener, as the command line uses it
//!
//! `portabilling espf listen --bind ADDR [--auth-basic USER:PASSWORD | --auth-custom
//! TYPE:VALUE | --auth-signature SECRET] --state-file FILE [--jsonl FILE | --exec CMD]`
//! maps onto:
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use portabilling::espf::{RequestAuth, DedupStore, ExecCommand, JsonlFile, Listener, ListenerConfig, Pipeline, Stdout};
//! use portabilling::Client;
//!
//! let auth = RequestAuth::parse_basic("espf:secret")?;            // --auth-basic USER:PASSWORD
//! // let auth = RequestAuth::parse_custom("Plain:passexample")?;   // --auth-custom TYPE:VALUE
//! // let auth = RequestAuth::signature("signature-key");           // --auth-signature SECRET
//! let client = Client::builder("https://billing.example.com").login("api", "secret").build()?;
//! let builder = Pipeline::builder(auth)
//!     .dedup(DedupStore::open("/var/lib/espf/handled")?)   // --state-file FILE
//!     .client(client);
//! let pipeline = builder.hand_off(JsonlFile::open("/var/lib/espf/events.jsonl")?).build(); // --jsonl FILE
//! // .hand_off(ExecCommand::shell("/usr/local/bin/provision"))                         // --exec CMD
//! // .hand_off(Stdout)                                                                   // neither
//! let listener = Listener::start(ListenerConfig::new("127.0.0.1:8080", pipeline))?;   // --bind ADDR
//! println!("listening on {}", listener.url());
//! loop {
//!     std::thread::sleep(std::time::Duration::from_secs(3600));
//! }
//! # }
//! ```
//!
//! For HTTPS set [`ListenerConfig::tls`] from [`tls_config_from_pem`].
//!
//! # In your own server
//!
//! ```
//! use portabilling::espf::{basic_authorization, format_http_date, RequestAuth, EspfRequest, Pipeline};
//! use std::sync::{Arc, Mutex};
//!
//! let seen = Arc::new(Mutex::new(Vec::new()));
//! let sink = Arc::clone(&seen);
//! let pipeline = Pipeline::builder(RequestAuth::basic("espf", "secret"))
//!     .hand_off(move |d: &portabilling::espf::Delivery<'_>| {
//!         sink.lock().unwrap().push(d.to_json_line());
//!         Ok(())
//!     })
//!     .build();
//! let date = format_http_date(std::time::SystemTime::now());
//! let authorization = basic_authorization("espf", "secret");
//! let body = br#"{"event_type":"Customer/Created","variables":{"i_event":1,"i_customer":7}}"#;
//! let request = EspfRequest::new("POST", "/", body).header("Date", &date).header("Authorization", &authorization);
//! let response = pipeline.handle(&request);
//! assert_eq!(response.status, 200);
//! assert_eq!(pipeline.handle(&request).status, 200); // a duplicate: not handed off again
//! assert_eq!(seen.lock().unwrap().len(), 1);
//! ```

mod auth;
mod dedup;
mod event;
mod fetch;
mod handoff;
mod httpdate;
#[cfg(any(feature = "sim", feature = "espf-listener"))]
mod listener;
mod metrics;
mod pipeline;
mod request;

pub use auth::{
    basic_authorization, custom_authorization, signature_authorization, AuthFailure, RequestAuth,
};
pub use dedup::{Claim, ClaimGuard, Dedup, DedupOptions, DedupStore, TryClaim};
pub use event::{EntityKind, Event, EventError, EventId, EventType};
pub use fetch::{fetch_entity, fetch_entity_with, Entity, FetchError, FetchOptions};
pub use handoff::{
    Delivery, ExecCommand, HandOff, HandOffError, JsonlFile, Stdout, EXIT_REJECT, EXIT_RETRY,
};
pub use httpdate::{format_http_date, format_unix, parse_http_date};
#[cfg(any(feature = "sim", feature = "espf-listener"))]
pub use listener::{tls_config_from_pem, Listener, ListenerConfig};
pub use metrics::Metrics;
pub use pipeline::{
    Disposition, EspfResponse, Pipeline, PipelineBuilder, PipelineStats, DEFAULT_MAX_BODY,
};
pub use request::EspfRequest;
