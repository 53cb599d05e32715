//! What the integration tests share: a server that answers with canned bytes (`canned`),
//! reading one HTTP request (`http_request`), `cargo` run as a user runs it (`cargo`), a log
//! capture (`log_capture`), the PostgreSQL test server (`postgres`), a test's own directory
//! (`scratch`) and a peak-counting allocator (`peak_alloc`, for the binaries that install it). Each test binary includes this module once (`mod support;`, or by `#[path]`
//! from `cli/tests`).
#![allow(dead_code)]

pub mod canned;
pub mod cargo;
pub mod http_request;
pub mod log_capture;
pub mod peak_alloc;
pub mod postgres;
pub mod scratch;

#[allow(unused_imports)]
pub use canned::*;
