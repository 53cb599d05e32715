//! The `portabilling` command, driven as a user drives it: the binary in a child process,
//! against the simulator and test servers over real sockets. One test binary, one shared
//! `support` module (the library's test support, by path).
// A test (bench, example) fails by panicking: unwrap and expect are its assertions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../../tests/support/mod.rs"]
mod support;

mod batch;
mod commands;
mod manners;
mod postgres;
mod rest;
mod secrets;
mod sessions;
mod tls;
mod wsdl_fetch;
mod wsdl_override;
