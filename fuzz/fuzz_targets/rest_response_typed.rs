//! The typed REST response decoder, through the public entry point
//! `Protocol::Rest.decode_response` (JSON body, faults in 200 answers, lenient scalars).
#![no_main]

use libfuzzer_sys::fuzz_target;
use portabilling::Protocol;

fuzz_target!(|data: &[u8]| {
    for method in ["get_account_info", "get_account_list"] {
        if let Some(op) = portabilling::registry::operation("Account", method) {
            let _ = Protocol::Rest.decode_response(op, data);
        }
    }
});
