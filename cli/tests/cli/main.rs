//! The `portabilling` command, driven as a user drives it: the binary in a child process,
//! against the simulator and test servers over real sockets. One test binary, one shared
//! `support` module (the library's test support, by path).
// A test (bench, example) fails by panicking: unwrap and expect are its assertions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../../tests/support/mod.rs"]
mod support;

mod batch;
mod commands;
mod export;
mod manners;
mod postgres;
mod rest;
mod secrets;
mod sessions;
mod tls;
mod wsdl_fetch;
mod wsdl_override;

/// The `portabilling` binary with no input and none of the environment that would configure
/// it from outside the test (a developer's `PORTABILLING_URL` or `RUST_LOG`, say).
pub fn portabilling() -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_portabilling"));
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("PORTABILLING_") || name == "RUST_LOG" || name == "NO_COLOR" {
            c.env_remove(&*name);
        }
    }
    c.stdin(std::process::Stdio::null());
    c
}
