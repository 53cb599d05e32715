//! The SOAP request decoder (the simulator's side): `decode_request`, selecting the request
//! type by the body element's name as a server does, then writing the decoded value back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portabilling::runtime::codec::{decode_request, encode, BodyTarget};
use portabilling::runtime::codec::Limits;

fuzz_target!(|data: &[u8]| {
    let decoded = decode_request(data, Limits::default(), |incoming| {
        portabilling::registry::operations()
            .find(|op| op.request_element == incoming.method)
            .map(|op| op.new_request())
            .ok_or(())
    });
    if let Ok(Ok((incoming, value))) = decoded {
        if let Some(op) =
            portabilling::registry::operations().find(|op| op.request_element == incoming.method)
        {
            let target = BodyTarget::request(op, op.namespace);
            let _ = encode(None, &target, value.as_ref());
        }
    }
});
