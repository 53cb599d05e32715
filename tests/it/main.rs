//! The library's integration tests, over real sockets and real peers (SOAP::Lite, PHP
//! SoapClient, zeep), in one test binary with one shared `support` module. Three tests keep
//! binaries of their own because they measure the whole process: `streaming_memory` and
//! `soak` install a counting allocator, and `hostile` reads the process's peak memory.
// A test (bench, example) fails by panicking: unwrap and expect are its assertions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../support/mod.rs"]
mod support;

mod call_path;
mod client;
mod espf;
mod fixtures_shape;
mod fuzz_regressions;
mod module_graph;
mod outside_program;
mod postgres;
mod properties;
mod rest;
mod simulator;
mod smoke;
mod soap_codec;
mod soaplite;
mod wsdl_fetch;
mod wsdl_peers;
