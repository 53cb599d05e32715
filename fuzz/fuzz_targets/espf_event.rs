//! The provisioning-event parser: `Event::parse`, then every accessor of the parsed event.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portabilling::espf::Event;

fuzz_target!(|data: &[u8]| {
    if let Ok(event) = Event::parse(data) {
        let kind = event.event_type();
        let _ = (
            kind.as_str(),
            kind.category(),
            kind.action(),
            kind.is_deletion(),
        );
        let _ = kind.entity_kind();
        let _ = event.id().map(|id| (id.as_str().len(), id.as_i64()));
        let _ = (event.i_account(), event.i_customer(), event.i_invoice());
        for name in event.variables().keys() {
            let _ = (event.variable_i64(name), event.variable_str(name));
        }
    }
});
