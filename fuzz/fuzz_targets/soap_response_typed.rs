//! The typed SOAP response decoder: `decode_response::<T>` for a list and an info response,
//! and the run-time typed path (`Protocol::Soap.decode_response`). Any input must give a value,
//! a fault or an error: never a panic, a hang or unbounded memory.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portabilling::account::{GetAccountInfoResponse, GetAccountListResponse};
use portabilling::runtime::codec::decode_response;
use portabilling::runtime::codec::Limits;
use portabilling::Protocol;

fuzz_target!(|data: &[u8]| {
    let _ = decode_response::<GetAccountListResponse>(data, Limits::default());
    let _ = decode_response::<GetAccountInfoResponse>(data, Limits::default());
    if let Some(op) = portabilling::registry::operation("Account", "get_account_info") {
        let _ = Protocol::Soap.decode_response(op, data);
    }
});
