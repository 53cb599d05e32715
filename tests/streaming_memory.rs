//! The streaming decoders' memory stays flat: reading ten times more items from the socket
//! must not raise the peak heap, over SOAP and over REST, item by item (`stream_*`) or page by
//! page (`ListPages`, what `portabilling call --all` exports with). Counted with a counting
//! allocator, not timed.
//!
//! The file holds one test on purpose: the allocator counts every thread, so no other test may
//! run beside it.
// A test (bench, example) fails by panicking: unwrap and expect are its assertions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::io::{BufReader, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicU64, Ordering};

use portabilling::paging::ListPages;
use portabilling::{account, Client, Protocol};

use support::http_request;
use support::peak_alloc;

use http_request::read_request;
use peak_alloc::peak_of;

fn account_xml(i: u64, out: &mut String) {
    use std::fmt::Write as _;
    let _ = write!(
        out,
        "<item><i_account xsi:type=\"xsd:long\">{i}</i_account>\
         <id xsi:type=\"xsd:string\">3598{i:07}@msisdn</id>\
         <balance xsi:type=\"xsd:decimal\">{}.{:02}</balance>\
         <blocked xsi:type=\"xsd:string\">N</blocked>\
         <activation_date xsi:type=\"xsd:date\">2024-01-{:02}</activation_date>\
         <note xsi:type=\"xsd:string\">account &amp; note {i}</note></item>",
        i % 100,
        i % 97,
        1 + i % 28
    );
}

fn account_json(i: u64, out: &mut String) {
    use std::fmt::Write as _;
    let _ = write!(
        out,
        "{{\"i_account\":{i},\"id\":\"3598{i:07}@msisdn\",\"balance\":{}.{:02},\
         \"blocked\":\"N\",\"activation_date\":\"2024-01-{:02}\",\"note\":\"account & note {i}\"}}",
        i % 100,
        i % 97,
        1 + i % 28
    );
}

/// Answers `get_account_list` with `limit` accounts over SOAP (`/soap/…`) or REST
/// (`/rest/…`), written in chunks as they are made so the response never sits in memory whole.
fn streaming_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || serve(stream));
        }
    });
    url
}

/// How many items the server's list holds: each answer is the `limit` items after `offset`,
/// up to this many.
static LIST_LEN: AtomicU64 = AtomicU64::new(u64::MAX);

/// The number after `key` in a request body: `"key":N` in JSON, `<key …>N<` in XML.
fn number_after(body: &str, rest: bool, key: &str) -> Option<u64> {
    if rest {
        body.split(&format!("\"{key}\":")).nth(1)
    } else {
        body.split(&format!("<{key}"))
            .nth(1)
            .and_then(|r| r.split('>').nth(1))
    }
    .map(|v| {
        v.trim_start()
            .chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
    })
    .and_then(|v| v.parse().ok())
}

fn serve(stream: std::net::TcpStream) {
    let mut reader = BufReader::new(stream);
    while let Some((head, body)) = read_request(&mut reader) {
        let rest = head.starts_with("POST /rest/");
        let body = String::from_utf8_lossy(&body);
        let limit = number_after(&body, rest, "limit").unwrap_or(10);
        let offset = number_after(&body, rest, "offset").unwrap_or(0);
        let last = (offset + limit).min(LIST_LEN.load(Ordering::SeqCst));
        let out = reader.get_mut();
        let kind = if rest { "application/json" } else { "text/xml" };
        if write!(
            out,
            "HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        .is_err()
        {
            return;
        }
        let mut send = |s: &str| write!(out, "{:x}\r\n{s}\r\n", s.len());
        let head = if rest {
            "{\"account_list\":[".to_string()
        } else {
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soap:Envelope \
                 xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
                 xmlns:soapenc=\"http://schemas.xmlsoap.org/soap/encoding/\" \
                 xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" \
                 xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>\
                 <get_account_listResponse><GetAccountListResponse><account_list \
                 soapenc:arrayType=\"ns:AccountInfo[{}]\" xsi:type=\"soapenc:Array\">",
                last.saturating_sub(offset)
            )
        };
        if send(&head).is_err() {
            return;
        }
        let mut batch = String::new();
        for i in offset + 1..=last {
            if rest {
                if i > offset + 1 {
                    batch.push(',');
                }
                account_json(i, &mut batch);
            } else {
                account_xml(i, &mut batch);
            }
            if batch.len() > 16 * 1024 {
                if send(&batch).is_err() {
                    return;
                }
                batch.clear();
            }
        }
        batch.push_str(if rest {
            "],\"total\":null}"
        } else {
            "</account_list></GetAccountListResponse></get_account_listResponse></soap:Body></soap:Envelope>"
        });
        if send(&batch).is_err() || send("").is_err() {
            return;
        }
    }
}

/// Asserts that `peak(large)` is within 10 % of `peak(small)`, both peak heaps in bytes of
/// reading that many items; returns the large one.
fn assert_flat(what: &str, small: u64, large: u64, peak: impl Fn(u64) -> usize) -> usize {
    // A first run warms up what is made once (the connection, buffers, caches). A
    // connection's buffers are counted or not depending on whether the pool hands out the warm
    // one, so the smaller size gets the larger of two runs.
    peak(small);
    let peak_small = peak(small).max(peak(small));
    let peak_large = peak(large);
    println!("{what}: peak heap {peak_large} B for {large} items, {peak_small} B for {small}");
    assert!(
        peak_large as f64 <= peak_small as f64 * 1.1,
        "{what}: the peak heap grew from {peak_small} B ({small} items) to {peak_large} B \
         ({large} items)"
    );
    peak_large
}

#[test]
fn streaming_memory_does_not_grow_with_the_list() {
    let url = streaming_server();
    let (small, large) = (5_000u64, 50_000u64);
    for protocol in [Protocol::Soap, Protocol::Rest] {
        let client = Client::builder(&url)
            .session_id("memory-test-session")
            .protocol(protocol)
            .build()
            .expect("client");
        let stream = |n: u64| {
            let request = account::GetAccountListRequest {
                limit: Some(n as i32),
                ..Default::default()
            };
            let (last, peak) = peak_of(|| {
                let mut last = None;
                let mut count = 0u64;
                for item in client
                    .account()
                    .stream_account_list(&request)
                    .expect("the stream opens")
                {
                    last = item.expect("an account").i_account;
                    count += 1;
                }
                assert_eq!(count, n, "{protocol}: every item read");
                last
            });
            assert_eq!(
                last,
                Some(n as i64),
                "{protocol}: the last item is the last one sent"
            );
            peak
        };
        let peak_large = assert_flat(&format!("{protocol} stream_*"), small, large, stream);
        // And it is small: a buffered decoder, not the whole response (which is megabytes).
        assert!(peak_large < 512 * 1024, "{protocol}: peak {peak_large} B");

        // The control: the same counting sees a whole-response call grow with the list.
        let whole = |n: u64| {
            let request = account::GetAccountListRequest {
                limit: Some(n as i32),
                ..Default::default()
            };
            let (list, peak) = peak_of(|| client.account().get_account_list(&request));
            assert_eq!(list.expect("the list").account_list.len() as u64, n);
            peak
        };
        let (whole_small, whole_large) = (whole(small), whole(large));
        assert!(
            whole_large > whole_small * 5,
            "{protocol}: the counter misses growth: {whole_small} B vs {whole_large} B"
        );

        // `call --all`'s export: pages of 500 through ListPages, each item written as a JSON
        // line as it comes, over a list that ends at `n` (a short page ends it).
        let op = portabilling::registry::operation("Account", "get_account_list").expect("op");
        let export = |n: u64| {
            LIST_LEN.store(n, Ordering::SeqCst);
            let (written, peak) = peak_of(|| {
                let mut pages = ListPages::new(&client, op, serde_json::json!({}))
                    .expect("a list")
                    .page_size(500);
                let mut out = std::io::sink();
                let (mut count, mut last) = (0u64, None);
                while let Some(item) = pages.next_item().expect("an item") {
                    last = item.to_json()["i_account"].as_u64();
                    serde_json::to_writer(&mut out, &item).expect("written");
                    out.write_all(b"\n").expect("written");
                    count += 1;
                }
                (count, last)
            });
            LIST_LEN.store(u64::MAX, Ordering::SeqCst);
            assert_eq!(
                written,
                (n, Some(n)),
                "{protocol}: every item, the last one last"
            );
            peak
        };
        assert_flat(
            &format!("{protocol} ListPages export"),
            small,
            large,
            export,
        );
    }
}
