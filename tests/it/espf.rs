//! The ESPF receiver over real sockets: authentication, dates, duplicates, malformed and
//! oversized bodies, API outages, the fetched entity, hand-offs, HTTPS, the simulator's events
//! end to end, and the rate it sustains.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use crate::support::scratch::Scratch;
use portabilling::espf::{
    basic_authorization, custom_authorization, format_http_date, format_unix,
    signature_authorization, DedupStore, Delivery, ExecCommand, FetchOptions, HandOffError,
    JsonlFile, Listener, ListenerConfig, Pipeline, RequestAuth,
};
use portabilling::sim::{EventAuth, EventTarget, Failure, Faults, Simulator};
use portabilling::{Client, Protocol};
use serde_json::{json, Value};

const USER: &str = "espf-user";
const PASSWORD: &str = "espf-pass";

fn temp_dir(name: &str) -> Scratch {
    Scratch::new(&format!("espf-test-{name}"))
}

fn now_date() -> String {
    format_http_date(SystemTime::now())
}

/// An event body shaped like ESPF's (numbers, as in the psr14 fixture).
fn body(event_type: &str, i_event: u64, variables: Value) -> Vec<u8> {
    let mut variables = variables;
    variables["i_event"] = i_event.into();
    json!({ "event_type": event_type, "variables": variables })
        .to_string()
        .into_bytes()
}

/// The same with string values, as in PortaOne's documentation sample.
fn body_strings(event_type: &str, i_event: &str, i_account: &str) -> Vec<u8> {
    format!(r#"{{ "event_type": "{event_type}", "variables": {{ "i_event": "{i_event}", "i_account": "{i_account}" }} }}"#).into_bytes()
}

fn agent() -> ureq::Agent {
    ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build(),
    )
}

/// POSTs with a fresh connection that is closed afterwards.
fn post(url: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, Value) {
    post_with(&agent(), url, headers, body, true)
}

fn post_with(
    agent: &ureq::Agent,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    close: bool,
) -> (u16, Value) {
    let mut request = agent.post(url).content_type("application/json");
    if close {
        request = request.header("Connection", "close");
    }
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let mut response = request.send(body).unwrap();
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn basic_post(url: &str, body: &[u8]) -> (u16, Value) {
    let date = now_date();
    let auth = basic_authorization(USER, PASSWORD);
    post(url, &[("Date", &date), ("Authorization", &auth)], body)
}

/// A hand-off that keeps what it is given.
#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Vec<Value>>>);

impl Sink {
    fn handoff(
        &self,
    ) -> impl Fn(&Delivery<'_>) -> Result<(), HandOffError> + Send + Sync + 'static {
        let inner = Arc::clone(&self.0);
        move |d: &Delivery<'_>| {
            inner.lock().unwrap().push(d.to_json());
            Ok(())
        }
    }

    fn all(&self) -> Vec<Value> {
        self.0.lock().unwrap().clone()
    }
}

fn listen(pipeline: Pipeline) -> Listener {
    Listener::start(ListenerConfig::new("127.0.0.1:0", pipeline)).unwrap()
}

fn sim_client(sim: &Simulator, protocol: Protocol) -> Client {
    Client::builder(sim.url())
        .login(sim.login(), sim.password())
        .protocol(protocol)
        .retries(0)
        .build()
        .unwrap()
}

#[test]
fn each_scheme_accepts_good_credentials_and_refuses_bad_ones() {
    let date = now_date();
    let cases: Vec<(RequestAuth, String, Vec<String>)> = vec![
        (
            RequestAuth::basic(USER, PASSWORD),
            basic_authorization(USER, PASSWORD),
            vec![
                basic_authorization(USER, "espf-pasS"),
                basic_authorization("other", PASSWORD),
                basic_authorization(USER, ""),
                "Basic".into(),
                "Plain espf-pass".into(),
            ],
        ),
        (
            RequestAuth::parse_custom("Plain:passexample").unwrap(),
            custom_authorization("Plain", "passexample"),
            vec![
                custom_authorization("Plain", "passexamplf"),
                custom_authorization("Token", "passexample"),
                basic_authorization("Plain", "passexample"),
            ],
        ),
        (
            RequestAuth::signature("signature").with_key_id("test"),
            signature_authorization("test", "signature", &date),
            vec![
                signature_authorization("test", "signaturf", &date),
                signature_authorization("other", "signature", &date),
                signature_authorization("test", "signature", &format_unix(portabilling_now() - 10)),
                "Signature keyId=\"test\",algorithm=\"hmac-sha1\"".into(),
                basic_authorization("test", "signature"),
            ],
        ),
    ];
    for (n, (auth, good, bads)) in cases.into_iter().enumerate() {
        let sink = Sink::default();
        let listener = listen(Pipeline::builder(auth).hand_off(sink.handoff()).build());
        let url = listener.url();
        let (status, reply) = post(
            &url,
            &[("Date", &date), ("Authorization", &good)],
            &body("Subscriber/Created", 1, json!({"i_account": 1000889})),
        );
        assert_eq!(status, 200, "case {n}: {reply}");
        assert_eq!(reply["status"], "handled");
        for (i, bad) in bads.iter().enumerate() {
            let (status, reply) = post(
                &url,
                &[("Date", &date), ("Authorization", bad)],
                &body(
                    "Subscriber/Created",
                    100 + i as u64,
                    json!({"i_account": 1}),
                ),
            );
            assert_eq!(status, 401, "case {n}, bad {i}: {reply}");
            let text = reply.to_string();
            assert!(
                !text.contains("espf-pass")
                    && !text.contains("passexample")
                    && !text.contains("signature\""),
                "{text}"
            );
        }
        let (status, _) = post(
            &url,
            &[("Date", &date)],
            &body("Subscriber/Created", 200, json!({"i_account": 1})),
        );
        assert_eq!(status, 401, "case {n}: no Authorization");
        assert_eq!(
            sink.all().len(),
            1,
            "case {n}: only the good request was handed off"
        );
        let stats = listener.pipeline().stats();
        assert_eq!((stats.handled, stats.rejected), (1, bads.len() as u64 + 1));
    }
}

fn portabilling_now() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[test]
fn the_date_header_is_required_and_must_be_recent() {
    let sink = Sink::default();
    let listener = listen(
        Pipeline::builder(RequestAuth::basic(USER, PASSWORD).max_skew(Duration::from_secs(300)))
            .hand_off(sink.handoff())
            .build(),
    );
    let url = listener.url();
    let auth = basic_authorization(USER, PASSWORD);
    let now = portabilling_now();
    let cases = [
        (None, 403),
        (Some("not a date".to_string()), 403),
        (Some("2018-04-12 15:24:00".to_string()), 403),
        (Some(format_unix(now - 400)), 403),
        (Some(format_unix(now + 400)), 403),
        (Some(format_unix(now - 200)), 200),
        (Some(format_unix(now + 200)), 200),
    ];
    for (i, (date, want)) in cases.iter().enumerate() {
        let mut headers = vec![("Authorization", auth.as_str())];
        if let Some(d) = date {
            headers.push(("Date", d.as_str()));
        }
        let (status, reply) = post(
            &url,
            &headers,
            &body("Customer/Updated", i as u64 + 1, json!({"i_customer": 3})),
        );
        assert_eq!(status, *want, "{date:?}: {reply}");
    }
    assert_eq!(sink.all().len(), 2);
    // Signature over an old date: the signature is right, the date is not.
    let old = format_unix(now - 3600);
    let listener = listen(
        Pipeline::builder(RequestAuth::signature("k"))
            .hand_off(sink.handoff())
            .build(),
    );
    let sig = signature_authorization("id", "k", &old);
    let (status, _) = post(
        &listener.url(),
        &[("Date", &old), ("Authorization", &sig)],
        &body("Customer/Updated", 1, json!({"i_customer": 3})),
    );
    assert_eq!(status, 403);
}

#[test]
fn duplicates_are_acknowledged_and_run_once_even_when_concurrent() {
    let runs = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&runs);
    let handoff = move |_: &Delivery<'_>| {
        counter.fetch_add(1, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(200));
        Ok(())
    };
    let listener = listen(
        Pipeline::builder(RequestAuth::basic(USER, PASSWORD))
            .hand_off(handoff)
            .build(),
    );
    let url = listener.url();
    // The documentation's string form and the number form are the same event.
    assert_eq!(
        basic_post(&url, &body_strings("Subscriber/Updated", "5", "1000889")).0,
        200
    );
    let (status, reply) = basic_post(
        &url,
        &body("Subscriber/Updated", 5, json!({"i_account": 1000889})),
    );
    assert_eq!((status, reply["status"].as_str()), (200, Some("duplicate")));
    assert_eq!(runs.load(Ordering::SeqCst), 1);

    let threads: Vec<_> = (0..8)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || {
                basic_post(
                    &url,
                    &body("Subscriber/Updated", 77, json!({"i_account": 3})),
                )
            })
        })
        .collect();
    let answers: Vec<(u16, Value)> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert!(answers.iter().all(|(s, _)| *s == 200), "{answers:?}");
    assert_eq!(
        answers
            .iter()
            .filter(|(_, r)| r["status"] == "handled")
            .count(),
        1,
        "{answers:?}"
    );
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

#[test]
fn handled_events_survive_a_restart_and_failed_ones_run_again() {
    let dir = temp_dir("restart");
    let state = dir.join("handled");
    let sink = Sink::default();
    let fail = Arc::new(AtomicUsize::new(1));
    let make = |sink: &Sink, fail: &Arc<AtomicUsize>| {
        let inner = sink.handoff();
        let fail = Arc::clone(fail);
        let handoff = move |d: &Delivery<'_>| {
            if fail.load(Ordering::SeqCst) > 0 && d.event.id().map(|i| i.as_str()) == Some("2") {
                fail.fetch_sub(1, Ordering::SeqCst);
                return Err(HandOffError::Retry("downstream busy".into()));
            }
            inner(d)
        };
        // The store is locked while a pipeline holds it; wait for the old one to be dropped.
        let deadline = Instant::now() + Duration::from_secs(10);
        let store = loop {
            match DedupStore::open(&state) {
                Ok(s) => break s,
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    std::thread::sleep(Duration::from_millis(20))
                }
                Err(e) => panic!("{e}"),
            }
        };
        listen(
            Pipeline::builder(RequestAuth::basic(USER, PASSWORD))
                .dedup(store)
                .hand_off(handoff)
                .build(),
        )
    };
    let listener = make(&sink, &fail);
    assert_eq!(
        basic_post(
            &listener.url(),
            &body("Subscriber/Created", 1, json!({"i_account": 1}))
        )
        .0,
        200
    );
    let (status, reply) = basic_post(
        &listener.url(),
        &body("Subscriber/Created", 2, json!({"i_account": 2})),
    );
    assert_eq!(status, 503, "{reply}");
    assert_eq!(reply["i_event"], "2");
    listener.shutdown();

    let listener = make(&sink, &fail);
    let (status, reply) = basic_post(
        &listener.url(),
        &body("Subscriber/Created", 1, json!({"i_account": 1})),
    );
    assert_eq!((status, reply["status"].as_str()), (200, Some("duplicate")));
    let (status, reply) = basic_post(
        &listener.url(),
        &body("Subscriber/Created", 2, json!({"i_account": 2})),
    );
    assert_eq!((status, reply["status"].as_str()), (200, Some("handled")));
    let ids: Vec<Value> = sink.all().iter().map(|d| d["i_event"].clone()).collect();
    assert_eq!(ids, vec![json!("1"), json!("2")]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&state).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}

#[test]
fn malformed_bodies_and_other_methods_are_refused() {
    let sink = Sink::default();
    let listener = listen(
        Pipeline::builder(RequestAuth::basic(USER, PASSWORD))
            .hand_off(sink.handoff())
            .build(),
    );
    let url = listener.url();
    let docs_sample = br#"{ "event_type": "Subscriber/Updated", "variables": { "i_event": "5" "i_account": "1000889" } }"#;
    for bad in [
        &b"not json"[..],
        &docs_sample[..],
        b"[]",
        b"",
        br#"{"variables":{"i_event":1}}"#,
        br#"{"event_type":"Subscriber/Updated"}"#,
        br#"{"event_type":"Subscriber/Updated","variables":{"i_account":1}}"#,
        br#"{"event_type":"Subscriber/Updated","variables":{"i_event":"1 2"}}"#,
    ] {
        let (status, reply) = basic_post(&url, bad);
        assert_eq!(status, 400, "{}: {reply}", String::from_utf8_lossy(bad));
        assert_eq!(reply["status"], "malformed");
    }
    let mut response = agent()
        .get(&url)
        .header("Connection", "close")
        .call()
        .unwrap();
    assert_eq!(response.status().as_u16(), 405);
    assert_eq!(
        response
            .headers()
            .get("allow")
            .and_then(|v| v.to_str().ok()),
        Some("POST")
    );
    let _ = response.body_mut().read_to_string();
    assert!(sink.all().is_empty());
}

fn raw_exchange(addr: std::net::SocketAddr, head: &str, body: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    let _ = stream.write_all(body);
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(n) = stream.read(&mut buf) {
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn oversized_bodies_get_413_without_being_read() {
    let sink = Sink::default();
    let pipeline = Pipeline::builder(RequestAuth::basic(USER, PASSWORD))
        .hand_off(sink.handoff())
        .max_body(1024)
        .build();
    let listener = listen(pipeline);
    let date = now_date();
    let auth = basic_authorization(USER, PASSWORD);
    // The head announces 10 MB; the answer comes before any of it is sent.
    let head = format!("POST / HTTP/1.1\r\nHost: x\r\nDate: {date}\r\nAuthorization: {auth}\r\nContent-Type: application/json\r\nContent-Length: 10000000\r\n\r\n");
    let answer = raw_exchange(listener.addr(), &head, b"");
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    // A body just over the limit, sent whole.
    let mut big = body(
        "Subscriber/Created",
        1,
        json!({"i_account": 1, "padding": "x".repeat(1100)}),
    );
    let head = format!("POST / HTTP/1.1\r\nHost: x\r\nDate: {date}\r\nAuthorization: {auth}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n", big.len());
    let answer = raw_exchange(listener.addr(), &head, &big);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    // At the limit it passes.
    big.truncate(0);
    let ok = body(
        "Subscriber/Created",
        2,
        json!({"i_account": 1, "padding": "x".repeat(900)}),
    );
    assert!(ok.len() <= 1024);
    assert_eq!(basic_post(&listener.url(), &ok).0, 200);
    assert_eq!(sink.all().len(), 1);
}

#[test]
fn a_request_trickled_past_the_time_limit_is_cut_off() {
    let sink = Sink::default();
    let pipeline = Pipeline::builder(RequestAuth::basic(USER, PASSWORD))
        .hand_off(sink.handoff())
        .build();
    let mut config = ListenerConfig::new("127.0.0.1:0", pipeline);
    config.request_timeout = Duration::from_millis(800);
    let listener = Listener::start(config).unwrap();
    let event = body("Subscriber/Created", 1, json!({"i_account": 1}));
    let request = [
        format!(
            "POST / HTTP/1.1\r\nHost: x\r\nDate: {}\r\nAuthorization: {}\r\nContent-Length: {}\r\n\r\n",
            now_date(),
            basic_authorization(USER, PASSWORD),
            event.len()
        )
        .into_bytes(),
        event,
    ]
    .concat();
    let mut stream = TcpStream::connect(listener.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut writer = stream.try_clone().unwrap();
    // A byte every 50 ms: each read is well within the limit, the whole request (about 15 s
    // at this pace) is not.
    let trickle = std::thread::spawn(move || {
        for byte in request {
            if writer.write_all(&[byte]).is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    });
    let started = Instant::now();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let closed_after = started.elapsed();
    assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
    assert!(
        closed_after < Duration::from_secs(5),
        "the trickling request held the connection for {closed_after:?}"
    );
    let _ = trickle.join();
    assert!(sink.all().is_empty());
}

#[test]
fn the_entity_comes_from_the_api_over_soap_and_rest() {
    let sim = crate::sim_with(20);
    for protocol in [Protocol::Soap, Protocol::Rest] {
        let sink = Sink::default();
        let options = FetchOptions {
            with_customer_info: true,
            ..FetchOptions::default()
        };
        let pipeline = Pipeline::builder(RequestAuth::basic(USER, PASSWORD))
            .client(sim_client(&sim, protocol))
            .fetch_options(options)
            .hand_off(sink.handoff())
            .build();
        let listener = listen(pipeline);
        let url = listener.url();

        let (status, reply) = basic_post(&url, &body_strings("Subscriber/Updated", "1", "7"));
        assert_eq!(status, 200, "{protocol}: {reply}");
        let delivered = sink.all().pop().unwrap();
        assert_eq!(delivered["event_type"], "Subscriber/Updated");
        assert_eq!(delivered["entity_kind"], "account");
        let account = &delivered["entity"]["account_info"];
        let held = sim.account(7).unwrap();
        for key in [
            "i_account",
            "id",
            "i_customer",
            "firstname",
            "lastname",
            "email",
            "iso_4217",
            "blocked",
            "i_product",
        ] {
            assert_eq!(account[key], held[key], "{protocol}: {key}: {account}");
        }
        // A decimal is a string in the crate's JSON, whatever the simulator holds.
        let number = |v: &serde_json::Value| {
            v.as_f64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        };
        assert!(account["balance"].is_string(), "{protocol}: {account}");
        assert_eq!(
            number(&account["balance"]),
            number(&held["balance"]),
            "{protocol}"
        );
        assert_eq!(
            delivered["entity"]["customer_info"]["name"], "Sim Customer 1",
            "{protocol}"
        );

        assert_eq!(
            basic_post(
                &url,
                &body("Customer/Updated", 2, json!({"i_customer": "1"}))
            )
            .0,
            200
        );
        assert_eq!(
            sink.all().pop().unwrap()["entity"]["customer_info"]["name"],
            "Sim Customer 1"
        );
        assert_eq!(
            basic_post(&url, &body("Invoice/Created", 3, json!({"i_invoice": 12}))).0,
            200
        );
        assert_eq!(
            sink.all().pop().unwrap()["entity"]["invoice_info"]["invoice_number"],
            "INV-000012"
        );

        // A missing entity must not be retried.
        let (status, reply) = basic_post(
            &url,
            &body("Subscriber/Updated", 4, json!({"i_account": 999_999})),
        );
        assert_eq!(
            (status, reply["status"].as_str()),
            (422, Some("entity_not_found")),
            "{protocol}: {reply}"
        );
        let (status, _) = basic_post(
            &url,
            &body("DID/Status/Assigned", 5, json!({"number": "15550001111"})),
        );
        assert_eq!(status, 422, "{protocol}: the simulator has no DID numbers");
        let (status, _) = basic_post(
            &url,
            &body("Subscriber/Updated", 6, json!({"i_customer": 1})),
        );
        assert_eq!(status, 422, "{protocol}: no i_account");
        // A deletion is handed off without fetching; an unknown kind too.
        let before = sim.stats().calls.values().sum::<u64>();
        assert_eq!(
            basic_post(
                &url,
                &body("Subscriber/Deleted", 7, json!({"i_account": 999_998}))
            )
            .0,
            200
        );
        assert_eq!(sink.all().pop().unwrap()["entity"], Value::Null);
        assert_eq!(
            basic_post(
                &url,
                &body(
                    "PaymentTransaction/Status/Changed",
                    8,
                    json!({"i_payment_transaction": 4})
                )
            )
            .0,
            200
        );
        assert_eq!(sink.all().pop().unwrap()["entity"], Value::Null);
        assert_eq!(
            sim.stats().calls.values().sum::<u64>(),
            before,
            "{protocol}: nothing was fetched"
        );
    }
}

#[test]
fn an_api_outage_asks_for_a_retry_and_the_retry_succeeds() {
    let sim = crate::sim_with(5);
    let sink = Sink::default();
    let pipeline = Pipeline::builder(RequestAuth::basic(USER, PASSWORD))
        .client(sim_client(&sim, Protocol::Rest))
        .hand_off(sink.handoff())
        .build();
    let listener = listen(pipeline);
    let url = listener.url();
    let event = body("Subscriber/Updated", 11, json!({"i_account": 2}));
    assert_eq!(
        basic_post(
            &url,
            &body("Subscriber/Updated", 10, json!({"i_account": 1}))
        )
        .0,
        200
    );

    sim.fail_next(Some("get_account_info"), Failure::Unavailable);
    let (status, reply) = basic_post(&url, &event);
    assert_eq!(
        (status, reply["status"].as_str()),
        (503, Some("retry")),
        "{reply}"
    );
    sim.fail_next(Some("get_account_info"), Failure::DropBeforeHandling);
    assert_eq!(basic_post(&url, &event).0, 503);
    assert_eq!(
        sink.all().len(),
        1,
        "nothing was handed off while the API failed"
    );
    let (status, reply) = basic_post(&url, &event);
    assert_eq!(
        (status, reply["status"].as_str()),
        (200, Some("handled")),
        "{reply}"
    );
    assert_eq!(
        sink.all().pop().unwrap()["entity"]["account_info"]["id"],
        "sim-000002"
    );

    // A longer outage: every call fails until the API is back.
    sim.set_faults(Faults {
        unavailable_probability: 1.0,
        ..Faults::default()
    });
    let event = body("Subscriber/Updated", 12, json!({"i_account": 3}));
    for _ in 0..3 {
        assert_eq!(basic_post(&url, &event).0, 503);
    }
    sim.set_faults(Faults::default());
    let (status, reply) = basic_post(&url, &event);
    assert_eq!(status, 200, "{reply}");
    assert_eq!(
        sink.all().pop().unwrap()["entity"]["account_info"]["id"],
        "sim-000003"
    );
    assert_eq!(sink.all().len(), 3);

    // No billing server at all.
    let down = Client::builder("http://127.0.0.1:9")
        .login("a", "b")
        .retries(0)
        .build()
        .unwrap();
    let listener = listen(
        Pipeline::builder(RequestAuth::basic(USER, PASSWORD))
            .client(down)
            .hand_off(sink.handoff())
            .build(),
    );
    let (status, reply) = basic_post(&listener.url(), &event);
    assert_eq!(
        (status, reply["status"].as_str()),
        (503, Some("retry")),
        "{reply}"
    );
    assert_eq!(sink.all().len(), 3);
}

#[test]
fn the_command_hand_off_decides_the_answer_by_exit_status() {
    let dir = temp_dir("exec");
    let out = dir.join("out.jsonl");
    let mode = dir.join("mode");
    let script = format!(
        "IFS= read -r line; code=$(cat '{}'); if [ \"$code\" = 0 ]; then printf '%s\\n' \"$line\" >> '{}'; fi; exit $code",
        mode.display(),
        out.display()
    );
    let listener = listen(
        Pipeline::builder(RequestAuth::basic(USER, PASSWORD))
            .hand_off(ExecCommand::shell(&script))
            .build(),
    );
    let url = listener.url();
    let event = body("Customer/Created", 21, json!({"i_customer": 9}));
    for (code, want) in [("75", 503), ("3", 500), ("0", 200)] {
        std::fs::write(&mode, code).unwrap();
        let (status, reply) = basic_post(&url, &event);
        assert_eq!(status, want, "exit {code}: {reply}");
    }
    std::fs::write(&mode, "65").unwrap();
    let (status, reply) = basic_post(
        &url,
        &body("Customer/Created", 22, json!({"i_customer": 9})),
    );
    assert_eq!((status, reply["status"].as_str()), (422, Some("rejected")));
    // Already handled: the command does not run again.
    std::fs::write(&mode, "0").unwrap();
    assert_eq!(basic_post(&url, &event).1["status"], "duplicate");
    let lines: Vec<Value> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["i_event"], "21");
    assert_eq!(lines[0]["variables"]["i_customer"], 9);

    let slow = listen(
        Pipeline::builder(RequestAuth::basic(USER, PASSWORD))
            .hand_off(ExecCommand::shell("sleep 5").timeout(Duration::from_millis(200)))
            .build(),
    );
    let started = Instant::now();
    assert_eq!(basic_post(&slow.url(), &event).0, 503);
    assert!(started.elapsed() < Duration::from_secs(4));
}

fn tls_pki() -> (String, Arc<rustls::ServerConfig>) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "espf test CA");
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let key = rcgen::KeyPair::generate().unwrap();
    let params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    let cert = params.signed_by(&key, &issuer).unwrap();
    let config = portabilling::espf::tls_config_from_pem(
        cert.pem().as_bytes(),
        key.serialize_pem().as_bytes(),
    )
    .unwrap();
    (ca_cert.pem(), config)
}

#[test]
fn https_listener_and_the_simulator_sending_over_tls() {
    let (ca_pem, tls) = tls_pki();
    let sink = Sink::default();
    let mut config = ListenerConfig::new(
        "127.0.0.1:0",
        Pipeline::builder(RequestAuth::signature("sig-key").with_key_id("espf"))
            .hand_off(sink.handoff())
            .build(),
    );
    config.tls = Some(tls);
    let listener = Listener::start(config).unwrap();
    assert!(listener.url().starts_with("https://localhost:"));

    let sim = crate::sim_with(2);
    let mut target = EventTarget::with_auth(
        listener.url(),
        EventAuth::Signature {
            key_id: "espf".into(),
            secret: "sig-key".into(),
        },
    );
    target.ca_cert_pem = Some(ca_pem);
    sim.send_events_to(target).unwrap();
    let client = sim_client(&sim, Protocol::Soap);
    client
        .call(
            "Customer",
            "update_customer",
            json!({"customer_info": {"i_customer": 1, "city": "Kyiv"}}),
        )
        .unwrap();
    wait_for(
        || sim.event_delivery().map(|s| s.delivered) == Some(1),
        "the event over HTTPS",
    );
    let got = sink.all();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["event_type"], "Customer/Updated");
    assert_eq!(got[0]["variables"]["i_customer"], 1);
}

fn wait_for(mut done: impl FnMut() -> bool, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn simulator_events_flow_end_to_end_into_a_jsonl_file() {
    let dir = temp_dir("e2e");
    let jsonl = dir.join("events.jsonl");
    let sim = crate::sim_with(10);
    let pipeline = Pipeline::builder(RequestAuth::basic(USER, PASSWORD))
        .dedup(DedupStore::open(dir.join("handled")).unwrap())
        .client(sim_client(&sim, Protocol::Rest))
        .fetch_options(FetchOptions {
            with_customer_info: true,
            ..FetchOptions::default()
        })
        .hand_off(JsonlFile::open(&jsonl).unwrap())
        .build();
    let listener = listen(pipeline);
    sim.send_events_to(EventTarget::basic(listener.url(), USER, PASSWORD))
        .unwrap();

    let client = sim_client(&sim, Protocol::Soap);
    client
        .call(
            "Account",
            "update_account",
            json!({"account_info": {"i_account": 3, "firstname": "Changed"}}),
        )
        .unwrap();
    let added = client
        .call(
            "Account",
            "add_account",
            json!({"account_info": {"id": "espf-new", "i_customer": 1}}),
        )
        .unwrap();
    let new_account = added["i_account"].as_i64().unwrap();
    client
        .call(
            "Customer",
            "update_customer",
            json!({"customer_info": {"i_customer": 1, "city": "Lviv"}}),
        )
        .unwrap();

    let read = || -> Vec<Value> {
        std::fs::read_to_string(&jsonl)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    wait_for(
        || read().len() == 3 && sim.event_delivery().map(|d| d.delivered) == Some(3),
        "three JSON lines",
    );
    let lines = read();
    assert_eq!(lines[0]["event_type"], "Subscriber/Updated");
    assert_eq!(lines[0]["entity"]["account_info"]["firstname"], "Changed");
    assert_eq!(
        lines[0]["entity"]["account_info"]["firstname"],
        sim.account(3).unwrap()["firstname"]
    );
    assert_eq!(lines[1]["event_type"], "Subscriber/Created");
    assert_eq!(lines[1]["entity"]["account_info"]["id"], "espf-new");
    assert_eq!(lines[1]["variables"]["i_account"], new_account);
    assert_eq!(lines[2]["event_type"], "Customer/Updated");
    assert_eq!(lines[2]["entity"]["customer_info"]["city"], "Lviv");
    let ids: std::collections::HashSet<String> = lines
        .iter()
        .map(|l| l["i_event"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 3);
    let delivery = sim.event_delivery().unwrap();
    assert_eq!(
        (delivery.delivered, delivery.rejected, delivery.retries),
        (3, 0, 0)
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&jsonl).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}

#[test]
fn the_simulator_resends_on_5xx_and_drops_on_4xx_as_espf_does() {
    let sink = Sink::default();
    let failures = Arc::new(AtomicUsize::new(3));
    let inner = sink.handoff();
    let left = Arc::clone(&failures);
    let handoff = move |d: &Delivery<'_>| {
        if left.load(Ordering::SeqCst) > 0 {
            left.fetch_sub(1, Ordering::SeqCst);
            return Err(HandOffError::Retry("not yet".into()));
        }
        inner(d)
    };
    let listener = listen(
        Pipeline::builder(RequestAuth::basic(USER, PASSWORD))
            .hand_off(handoff)
            .build(),
    );
    let sim = crate::sim_with(2);
    let mut target = EventTarget::basic(listener.url(), USER, PASSWORD);
    target.backoff = Duration::from_millis(20);
    sim.send_events_to(target).unwrap();
    let client = sim_client(&sim, Protocol::Rest);
    client
        .call(
            "Account",
            "update_account",
            json!({"account_info": {"i_account": 1, "email": "a@example.invalid"}}),
        )
        .unwrap();
    wait_for(
        || sim.event_delivery().map(|s| s.delivered) == Some(1),
        "delivery after retries",
    );
    let stats = sim.event_delivery().unwrap();
    assert_eq!((stats.retries, stats.attempts), (3, 4));
    assert_eq!(sink.all().len(), 1);

    // Wrong credentials: 401, which ESPF (and the simulator) drops at once.
    let sim = crate::sim_with(2);
    sim.send_events_to(EventTarget::basic(listener.url(), USER, "wrong"))
        .unwrap();
    sim_client(&sim, Protocol::Rest)
        .call(
            "Account",
            "update_account",
            json!({"account_info": {"i_account": 2, "email": "b@example.invalid"}}),
        )
        .unwrap();
    wait_for(
        || sim.event_delivery().map(|s| s.rejected) == Some(1),
        "a rejected event",
    );
    assert_eq!(sim.event_delivery().unwrap().attempts, 1);
    assert_eq!(sink.all().len(), 1);

    // No endpoint at all: re-sent until it appears (here, until we stop looking).
    let sim = crate::sim_with(1);
    let mut target = EventTarget::basic("http://127.0.0.1:9/", USER, PASSWORD);
    target.backoff = Duration::from_millis(10);
    target.max_attempts = Some(3);
    sim.send_events_to(target).unwrap();
    sim_client(&sim, Protocol::Rest)
        .call(
            "Account",
            "update_account",
            json!({"account_info": {"i_account": 1, "email": "c@example.invalid"}}),
        )
        .unwrap();
    wait_for(
        || sim.event_delivery().map(|s| s.abandoned) == Some(1),
        "an abandoned event",
    );
    assert_eq!(sim.event_delivery().unwrap().attempts, 3);
}

#[test]
fn sustains_well_above_the_espf_rate() {
    const EVENTS: usize = 500;
    const THREADS: usize = 8;
    let dir = temp_dir("rate");
    let jsonl = dir.join("events.jsonl");
    let sim = crate::sim_with(50);
    let pipeline = Pipeline::builder(RequestAuth::basic(USER, PASSWORD))
        .dedup(DedupStore::open(dir.join("handled")).unwrap())
        .client(sim_client(&sim, Protocol::Rest))
        .hand_off(JsonlFile::open(&jsonl).unwrap())
        .build();
    let listener = listen(pipeline);
    let url = listener.url();
    let started = Instant::now();
    let threads: Vec<_> = (0..THREADS)
        .map(|t| {
            let url = url.clone();
            std::thread::spawn(move || {
                let agent = agent();
                let auth = basic_authorization(USER, PASSWORD);
                let mut statuses = Vec::new();
                for n in (t..EVENTS).step_by(THREADS) {
                    let date = now_date();
                    let event = body(
                        "Subscriber/Updated",
                        10_000 + n as u64,
                        json!({"i_account": n % 50 + 1}),
                    );
                    statuses.push(
                        post_with(
                            &agent,
                            &url,
                            &[("Date", &date), ("Authorization", &auth)],
                            &event,
                            false,
                        )
                        .0,
                    );
                }
                statuses
            })
        })
        .collect();
    let statuses: Vec<u16> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    let elapsed = started.elapsed();
    assert_eq!(statuses.len(), EVENTS);
    assert!(
        statuses.iter().all(|s| *s == 200),
        "{:?}",
        statuses.iter().filter(|s| **s != 200).collect::<Vec<_>>()
    );
    let lines = std::fs::read_to_string(&jsonl).unwrap().lines().count();
    assert_eq!(lines, EVENTS);
    assert_eq!(listener.pipeline().stats().handled, EVENTS as u64);
    assert_eq!(listener.pipeline().stats().handled, EVENTS as u64);
    let rate = EVENTS as f64 / elapsed.as_secs_f64();
    println!("ESPF listener: {EVENTS} events (fetch over REST, fsynced store and JSONL) in {elapsed:?}: {rate:.0} events/s");
}
