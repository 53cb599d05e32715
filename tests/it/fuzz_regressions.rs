//! Inputs the fuzzers (`fuzz/`, see its README) found to crash, hang or exhaust memory, each
//! run through the same entry point as its fuzz target. The inputs are in
//! `tests/fixtures/fuzz/`. Each must now end in a value or an error, quickly.

use std::path::Path;
use std::time::{Duration, Instant};

use portabilling::espf::{parse_http_date, AuthFailure, EspfRequest, RequestAuth};

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/fuzz")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Runs `f` and checks it took less than `limit` (a hang shows as a slow test, not a stuck one,
/// only if it ends: the limits here are generous for a debug build).
fn quickly<T>(limit: Duration, f: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let out = f();
    assert!(started.elapsed() < limit, "took {:?}", started.elapsed());
    out
}

/// espf_auth: `RequestAuth::verify_at` subtracted the request's date from `now` without checking,
/// so a `now` far from the date (i64::MIN here) overflowed: a panic in debug builds, a wrong
/// skew in release builds. Found by the espf_auth target with every scheme.
#[test]
fn espf_auth_date_skew_does_not_overflow() {
    let input = fixture("espf_auth_skew_overflow.txt");
    let text = String::from_utf8(input).unwrap();
    let mut lines = text.splitn(6, '\n');
    let authorization = lines.next().unwrap();
    let date = lines.next().unwrap();
    let request = EspfRequest::new("POST", "/espf", b"{}")
        .header("Authorization", authorization)
        .header("Date", date);
    let auth = RequestAuth::basic("espf", "secret");
    let at = parse_http_date(date).unwrap();
    assert_eq!(auth.verify_at(&request, at), Ok(()));
    for now in [i64::MIN, i64::MAX] {
        match quickly(Duration::from_secs(5), || auth.verify_at(&request, now)) {
            Err(AuthFailure::DateSkew { seconds, allowed }) => {
                assert_eq!(seconds, now.abs_diff(at));
                assert_eq!(allowed, 300);
            }
            other => panic!("now = {now}: {other:?}"),
        }
    }
}

/// wsdl: a `schemaLocation` naming a device (`/dev/zero`) made the generator read it to the end
/// (there is none) before checking the size limit: out of memory. Reproduced with the wsdl
/// fuzz target's binary; only regular files are read now, and no further than the limit.
#[cfg(unix)]
#[test]
fn wsdl_import_of_a_device_is_an_error() {
    let dir = crate::support::scratch::Scratch::new("fuzz-regression");
    let file = dir.join("service.wsdl");
    std::fs::write(&file, fixture("wsdl_import_dev_zero.wsdl")).unwrap();
    let result = quickly(Duration::from_secs(10), || {
        portabilling_codegen::Config::new().wsdl(&file).generate()
    });
    let Err(err) = result else {
        panic!("an import of /dev/zero must fail");
    };
    assert!(err.to_string().contains("not a regular file"), "{err}");
}
