//! The `portabilling` command, driven as a user drives it: the binary in a child process,
//! against the simulator and test servers over real sockets. One test binary, one shared
//! `support` module (the library's test support, by path).

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
