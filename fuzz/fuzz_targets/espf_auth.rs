//! The `Authorization` header parser and verifier (Basic, Custom, Signature) and the `Date`
//! parser. The input is lines: `Authorization`, `Date`, method, target, one more header
//! (`Name: value`, for signatures over other headers), then the body. The check runs at the
//! request's own date (when it parses), so the credentials are what decides.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portabilling::espf::{format_unix, parse_http_date, RequestAuth, EspfRequest};
use std::sync::OnceLock;

fn auths() -> &'static [RequestAuth] {
    static AUTHS: OnceLock<Vec<RequestAuth>> = OnceLock::new();
    AUTHS.get_or_init(|| {
        vec![
            RequestAuth::basic("espf", "secret"),
            RequestAuth::custom("Plain", "passexample"),
            RequestAuth::signature("signature"),
            RequestAuth::signature("signature")
                .with_key_id("test")
                .accept_bare_date(false),
        ]
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.splitn(6, '\n');
    let authorization = lines.next().unwrap_or("");
    let date = lines.next().unwrap_or("");
    let method = lines.next().unwrap_or("POST");
    let target = lines.next().unwrap_or("/");
    let extra = lines.next().unwrap_or("");
    let body = lines.next().unwrap_or("").as_bytes();
    let (extra_name, extra_value) = extra.split_once(':').unwrap_or(("x-extra", extra));
    let request = EspfRequest::new(method, target, body)
        .header("Authorization", authorization)
        .header("Date", date)
        .header(extra_name, extra_value);
    let parsed = parse_http_date(date);
    if let Some(unix) = parsed {
        // A date that parses formats back to one that parses to the same instant.
        assert_eq!(parse_http_date(&format_unix(unix)), Some(unix), "{date:?}");
    }
    let now = parsed.unwrap_or(1_700_000_000);
    for auth in auths() {
        if let Err(failure) = auth.verify_at(&request, now) {
            let _ = (failure.status(), failure.to_string());
        }
        let _ = auth.verify_at(&request, i64::MAX);
        let _ = auth.verify_at(&request, i64::MIN);
    }
});
