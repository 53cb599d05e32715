//! The library's integration tests, over real sockets and real peers (SOAP::Lite, PHP
//! SoapClient, zeep), in one test binary with one shared `support` module. Three tests keep
//! binaries of their own because they measure the whole process: `streaming_memory` and
//! `soak` install a counting allocator, and `hostile` reads the process's peak memory.
// A test (bench, example) fails by panicking: unwrap and expect are its assertions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../support/mod.rs"]
mod support;

use portabilling::sim::{SimConfig, Simulator};
use portabilling::{Client, Protocol};

/// A simulator holding `accounts` seeded accounts.
fn sim_with(accounts: usize) -> Simulator {
    Simulator::start(SimConfig {
        accounts,
        ..SimConfig::default()
    })
    .unwrap()
}

/// A client of `sim` over `protocol`, with the simulator's credentials.
fn client_of(sim: &Simulator, protocol: Protocol) -> Client {
    Client::builder(sim.url())
        .login(sim.login(), sim.password())
        .protocol(protocol)
        .build()
        .unwrap()
}

mod call_path;
mod client;
mod dynamic;
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
