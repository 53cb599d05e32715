//! The untyped REST response decoder: `Protocol::Rest.decode_untyped`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portabilling::Protocol;

fuzz_target!(|data: &[u8]| {
    let _ = Protocol::Rest.decode_untyped("Account", "get_account_info", data);
});
