//! The untyped SOAP response decoder: `decode_response_any`, and the client's untyped path
//! (`Protocol::Soap.decode_untyped`, which also maps faults to errors).
#![no_main]

use libfuzzer_sys::fuzz_target;
use portabilling::runtime::codec::decode_response_any;
use portabilling::runtime::codec::Limits;
use portabilling::Protocol;

fuzz_target!(|data: &[u8]| {
    let _ = decode_response_any(data, Limits::default());
    let _ = Protocol::Soap.decode_untyped("Account", "get_account_info", data);
});
