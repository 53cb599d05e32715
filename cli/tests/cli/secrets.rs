//! No password, API token, session id, access token or refresh token shows anywhere the crate
//! shows or writes things, except the session file.
//!
//! Each test runs a set of operations with logging at `trace` into an in-memory buffer, and
//! collects everything a person could see: every log line, every error (`Display` and
//! `Debug`), the `Debug` of clients, builders, sessions, requests and responses, every
//! exchange the history hook sees, the batch output and journal, the ESPF listener's state
//! and JSONL files, and the command line's stdout and stderr. The real secrets come from the
//! simulator (everything it issued) and the credentials; any of them in any of those texts
//! fails the test. Failure paths are covered: a bad password, expired sessions, a session id
//! that is refused, undecodable answers, and HTTP errors and faults whose body echoes the
//! request (with its `auth_info`) back.

use std::collections::BTreeSet;
use std::io::{BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use portabilling::auth::{Credentials, Session};
use portabilling::batch::{BatchCall, BatchOptions};
use portabilling::espf::{
    basic_authorization, format_http_date, DedupStore, JsonlFile, Listener, ListenerConfig,
    Pipeline, RequestAuth,
};
use portabilling::sim::{SimConfig, Simulator};
use portabilling::{account, Client, ClientBuilder, Exchange, HistoryHook, LastExchange, Protocol};
use serde_json::{json, Value};

const PASSWORD: &str = "pw-S3cret-4f9a2c71";
const TOKEN: &str = "tok-S3cret-77c1e0d5";
const ESPF_PASSWORD: &str = "espf-S3cret-0b6d93aa";
/// What the echoing server hands out at login.
const ECHO_SESSION: &str = "echo-session-S3cret-5a1f";
const ECHO_ACCESS: &str = "echo-access-S3cret-c0ffee";
const ECHO_REFRESH: &str = "echo-refresh-S3cret-d00d";
/// A secret in a call's parameters (an account's SIP password), which the client does not
/// know as one of its own: only the redaction of secret fields keeps it out.
const SIP_PASSWORD: &str = "sip-S3cret-71ab9c04";
const PROTOCOLS: [Protocol; 2] = [Protocol::Soap, Protocol::Rest];

// ---------------------------------------------------------------------------------------
// The log capture: one `trace` subscriber for the whole test binary, writing into a buffer.

use crate::support::http_request;
use crate::support::log_capture;
use crate::support::scratch::Scratch;

use http_request::read_request;

use log_capture::Capture;

/// The log buffer, with the subscriber installed on first use.
fn logs() -> &'static Capture {
    static LOGS: OnceLock<Capture> = OnceLock::new();
    LOGS.get_or_init(|| {
        let capture = Capture::default();
        tracing_subscriber::fmt()
            .with_max_level(tracing_subscriber::filter::LevelFilter::TRACE)
            .with_ansi(false)
            .with_writer(capture.clone())
            .init();
        capture
    })
}

fn log_text() -> String {
    logs().text()
}

// ---------------------------------------------------------------------------------------
// What was seen, and the secrets that must not be in it.

#[derive(Default)]
struct Seen {
    texts: Vec<(String, String)>,
    secrets: BTreeSet<String>,
}

impl Seen {
    fn text(&mut self, what: impl Into<String>, text: impl Into<String>) {
        self.texts.push((what.into(), text.into()));
    }

    fn debug(&mut self, what: &str, value: &impl std::fmt::Debug) {
        self.text(what, format!("{value:?}"));
        self.text(format!("{what} (pretty)"), format!("{value:#?}"));
    }

    fn error(&mut self, what: &str, e: &portabilling::Error) {
        self.text(format!("{what}: error Display"), e.to_string());
        self.debug(&format!("{what}: error"), e);
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            self.text(format!("{what}: error source"), s.to_string());
            source = s.source();
        }
    }

    fn result<T: std::fmt::Debug>(&mut self, what: &str, r: &portabilling::Result<T>) {
        match r {
            Ok(v) => self.debug(&format!("{what}: reply"), v),
            Err(e) => self.error(what, e),
        }
    }

    fn secret(&mut self, s: &str) {
        // Secrets here are long and random; a short value would match by chance.
        if s.len() >= 8 {
            self.secrets.insert(s.to_string());
        }
    }

    fn session(&mut self, session: Option<&Session>) {
        let Some(s) = session else { return };
        for secret in [&s.session_id, &s.access_token, &s.refresh_token]
            .into_iter()
            .flatten()
        {
            self.secret(secret.expose());
        }
    }

    fn client(&mut self, what: &str, c: &Client) {
        let session = c.current_session();
        self.session(session.as_ref());
        self.debug(&format!("{what}: client"), c);
        self.debug(&format!("{what}: session"), &session);
    }

    fn sim(&mut self, sim: &Simulator) {
        for s in sim.issued_secrets() {
            // An access token's parts show separately too (the last one is its signature).
            if let Some(signature) = s.rsplit('.').next().filter(|p| p.len() < s.len()) {
                self.secret(signature);
            }
            self.secret(&s);
        }
        self.secret(sim.password());
        self.secret(sim.token());
    }

    fn file(&mut self, what: &str, path: &Path) {
        match std::fs::read(path) {
            Ok(bytes) => self.text(
                format!("{what} ({})", path.display()),
                String::from_utf8_lossy(&bytes),
            ),
            Err(e) => panic!("{what}: cannot read {}: {e}", path.display()),
        }
    }

    fn output(&mut self, what: &str, out: &Output) {
        self.text(
            format!("{what}: stdout"),
            String::from_utf8_lossy(&out.stdout),
        );
        self.text(
            format!("{what}: stderr"),
            String::from_utf8_lossy(&out.stderr),
        );
    }

    /// Fails if any secret shows in anything seen or logged.
    fn check(mut self, at_least: usize) {
        self.text("the trace log", log_text());
        assert!(
            self.secrets.len() >= at_least,
            "only {} secrets collected: the test would prove little",
            self.secrets.len()
        );
        let mut leaks = Vec::new();
        for (what, text) in &self.texts {
            for secret in &self.secrets {
                if let Some(at) = text.find(secret.as_str()) {
                    let from = text[..at]
                        .char_indices()
                        .rev()
                        .nth(120)
                        .map_or(0, |(i, _)| i);
                    let to = (at + secret.len() + 80).min(text.len());
                    let to = (to..=text.len())
                        .find(|&i| text.is_char_boundary(i))
                        .unwrap_or(text.len());
                    leaks.push(format!(
                        "{what} shows the secret {secret}:\n    …{}…",
                        &text[from..to]
                    ));
                }
            }
        }
        assert!(
            leaks.is_empty(),
            "{} leaks:\n{}",
            leaks.len(),
            leaks.join("\n")
        );
    }
}

/// A history hook that keeps the `Debug` of every exchange.
#[derive(Default)]
struct AllExchanges(Mutex<Vec<String>>);

impl HistoryHook for AllExchanges {
    fn record(&self, exchange: &Exchange) {
        self.0.lock().unwrap().push(format!("{exchange:?}"));
    }
}

impl AllExchanges {
    fn add_to(&self, seen: &mut Seen, what: &str) {
        for (n, e) in self.0.lock().unwrap().iter().enumerate() {
            seen.text(format!("{what}: exchange {n}"), e.clone());
        }
    }
}

fn simulator(token_lifetime: Duration) -> Simulator {
    Simulator::start(SimConfig {
        accounts: 5,
        password: PASSWORD.into(),
        token: TOKEN.into(),
        token_lifetime,
        ..SimConfig::default()
    })
    .unwrap()
}

fn temp_dir(name: &str) -> Scratch {
    Scratch::new(&format!("secrets-{name}"))
}

fn info(i: i64) -> account::GetAccountInfoRequest {
    account::GetAccountInfoRequest {
        i_account: Some(i),
        ..Default::default()
    }
}

fn update(i: i64, note: &str) -> account::UpdateAccountRequest {
    account::UpdateAccountRequest {
        account_info: Some(account::AccountInfo {
            i_account: Some(i),
            note: Some(note.into()),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// Builds a client, keeping the builder's `Debug` first.
fn build(seen: &mut Seen, what: &str, builder: ClientBuilder) -> Client {
    seen.debug(&format!("{what}: builder"), &builder);
    builder.build().unwrap()
}

/// The typed, untyped, raw, dynamic and list calls of one client.
fn exercise(seen: &mut Seen, what: &str, c: &Client, protocol: Protocol) {
    let r = c.login();
    seen.result(&format!("{what}: login"), &r);
    seen.result(&format!("{what}: ping"), &c.ping());
    seen.result(
        &format!("{what}: get_account_info"),
        &c.account().get_account_info(&info(1)),
    );
    seen.result(
        &format!("{what}: update_account"),
        &c.account().update_account(&update(2, what)),
    );
    let dup = account::AddAccountRequest {
        account_info: account::AccountInfo {
            id: Some("sim-000001".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    seen.result(
        &format!("{what}: add_account (a fault)"),
        &c.account().add_account(&dup),
    );
    seen.result(
        &format!("{what}: get_account_info of a missing account"),
        &c.account().get_account_info(&info(404)),
    );
    seen.result(
        &format!("{what}: call"),
        &c.call("Account", "get_account_info", json!({"i_account": 3})),
    );
    seen.result(
        &format!("{what}: call of an unknown method"),
        &c.call("Account", "no_such_method", json!({"password": "x"})),
    );
    let raw = c.call_raw("Account", "get_account_info", json!({"i_account": 3}));
    if let Ok(raw) = &raw {
        seen.text(
            format!("{what}: raw body"),
            String::from_utf8_lossy(&raw.body),
        );
    }
    seen.result(&format!("{what}: call_raw"), &raw);
    let op = portabilling::registry::operation("Account", "get_account_info").unwrap();
    let mut request = op.new_request();
    request.set_json(&json!({"i_account": 4})).unwrap();
    seen.debug(&format!("{what}: dynamic request"), &request);
    seen.result(
        &format!("{what}: call_dyn"),
        &c.call_dyn(op, request.as_ref()),
    );
    match c
        .account()
        .stream_account_list(&account::GetAccountListRequest::default())
    {
        Ok(stream) => {
            for item in stream {
                seen.result(&format!("{what}: streamed item"), &item);
            }
        }
        Err(e) => seen.error(&format!("{what}: stream"), &e),
    }
    let pages: Vec<_> = c
        .account()
        .iter_account_list(account::GetAccountListRequest::default())
        .page_size(2)
        .collect();
    seen.debug(&format!("{what}: pages"), &pages);
    if protocol == Protocol::Rest {
        match c.download(
            "Invoice",
            "get_invoice_info",
            json!({"i_invoice": 1, "get_pdf": 1}),
        ) {
            Ok(d) => seen.debug(&format!("{what}: download"), &d.file_name),
            Err(e) => seen.error(&format!("{what}: download"), &e),
        }
    }
    seen.client(what, c);
}

#[test]
fn library_calls_over_both_protocols_show_no_secret() {
    logs();
    let mut seen = Seen::default();
    let sim = simulator(Duration::from_secs(3600));
    seen.secret(ESPF_PASSWORD);
    for p in PROTOCOLS {
        let history = Arc::new(AllExchanges::default());
        let last = Arc::new(LastExchange::default());
        // Password login, with the history hook.
        let what = format!("{p} password");
        let c = build(
            &mut seen,
            &what,
            Client::builder(sim.url())
                .login(sim.login(), sim.password())
                .protocol(p)
                .history(history.clone()),
        );
        exercise(&mut seen, &what, &c, p);
        // An expired session is renewed.
        sim.expire_sessions();
        seen.result(
            &format!("{what}: after expiry"),
            &c.account().get_account_info(&info(1)),
        );
        seen.client(&what, &c);
        // A session id, used by another client; refused once it expires.
        let session_id = c
            .current_session()
            .and_then(|s| s.session_id)
            .map(|s| s.expose().to_string())
            .unwrap();
        let what_sid = format!("{p} session id");
        let by_id = build(
            &mut seen,
            &what_sid,
            Client::builder(sim.url())
                .session_id(session_id.clone())
                .protocol(p)
                .history(last.clone()),
        );
        seen.result(
            &format!("{what_sid}: get_account_info"),
            &by_id.account().get_account_info(&info(1)),
        );
        seen.debug(&format!("{what_sid}: last exchange"), &last.get());
        seen.result(&format!("{what_sid}: ping"), &by_id.ping());
        seen.client(&what_sid, &by_id);
        sim.expire_sessions();
        seen.result(
            &format!("{what_sid}: after expiry"),
            &by_id.account().get_account_info(&info(1)),
        );
        seen.result(&format!("{what_sid}: ping after expiry"), &by_id.ping());
        seen.debug(&format!("{what_sid}: last exchange"), &last.get());
        seen.result(&format!("{what}: logout"), &c.logout());
        seen.result(&format!("{what}: call after logout"), &c.ping());
        seen.result(&format!("{what}: logout"), &c.logout());
        history.add_to(&mut seen, &what);

        // API token login.
        let what = format!("{p} token");
        let history = Arc::new(AllExchanges::default());
        let c = build(
            &mut seen,
            &what,
            Client::builder(sim.url())
                .login_with_token(sim.login(), sim.token())
                .protocol(p)
                .history(history.clone()),
        );
        exercise(&mut seen, &what, &c, p);
        seen.result(&format!("{what}: logout"), &c.logout());
        history.add_to(&mut seen, &what);

        // A bad password, then a lockout (on a simulator of its own: it stays locked).
        let what = format!("{p} bad password");
        let history = Arc::new(AllExchanges::default());
        let locked = simulator(Duration::from_secs(3600));
        let bad = build(
            &mut seen,
            &what,
            Client::builder(locked.url())
                .login(sim.login(), "wrong-S3cret-pw-9e2b")
                .protocol(p)
                .history(history.clone()),
        );
        seen.secret("wrong-S3cret-pw-9e2b");
        for _ in 0..6 {
            seen.result(&what, &bad.account().get_account_info(&info(1)));
        }
        seen.client(&what, &bad);
        history.add_to(&mut seen, &what);
        seen.sim(&locked);
    }
    // Requests and credentials.
    let login = portabilling::session::LoginRequest {
        login: Some(sim.login().into()),
        password: Some(PASSWORD.into()),
        token: Some(TOKEN.into()),
        ..Default::default()
    };
    seen.debug("LoginRequest", &login);
    seen.debug(
        "Credentials",
        &Credentials::Password {
            login: sim.login().into(),
            password: PASSWORD.into(),
        },
    );
    seen.debug(
        "Credentials",
        &Credentials::Token {
            login: sim.login().into(),
            token: TOKEN.into(),
        },
    );
    seen.sim(&sim);
    seen.check(30);
}

#[test]
fn token_refresh_over_rest_shows_no_secret() {
    logs();
    let mut seen = Seen::default();
    // Tokens that live 30 s, refreshed 60 s before they expire: every call refreshes.
    let sim = simulator(Duration::from_secs(30));
    let history = Arc::new(AllExchanges::default());
    let c = build(
        &mut seen,
        "refresh",
        Client::builder(sim.url())
            .login(sim.login(), sim.password())
            .protocol(Protocol::Rest)
            .refresh_margin(Duration::from_secs(60))
            .history(history.clone()),
    );
    for i in 1..=4 {
        seen.result(
            "refresh: get_account_info",
            &c.account().get_account_info(&info(i)),
        );
        seen.client("refresh", &c);
    }
    assert!(
        c.token_refreshes() >= 3,
        "{} refreshes",
        c.token_refreshes()
    );
    history.add_to(&mut seen, "refresh");
    seen.sim(&sim);
    seen.check(10);
}

// ---------------------------------------------------------------------------------------
// A server that logs in, then answers every call with a body that echoes the request.

#[derive(Clone, Copy, Debug)]
enum Echo {
    /// HTTP 500, text/plain: a message, then the request body.
    PlainError,
    /// HTTP 502, an HTML page with the request (escaped) in a `<pre>`.
    HtmlPage,
    /// HTTP 200 with a body that does not decode, holding the request body.
    Undecodable,
    /// A fault (SOAP fault or REST faultcode) whose message holds the request body.
    Fault,
    /// HTTP 400, text/plain, echoing the request headers.
    Headers,
    /// HTTP 500 with JSON that echoes the request body as a string.
    JsonString,
}

const ECHOES: [Echo; 6] = [
    Echo::PlainError,
    Echo::HtmlPage,
    Echo::Undecodable,
    Echo::Fault,
    Echo::Headers,
    Echo::JsonString,
];

struct EchoServer {
    url: String,
    mode: Arc<Mutex<Echo>>,
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn http(status: u16, content_type: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn soap_envelope(body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Body>{body}</soap:Body></soap:Envelope>"#
    )
}

fn echo_reply(mode: Echo, path: &str, head: &str, body: &str) -> Vec<u8> {
    let rest = path.starts_with("/rest");
    if path.ends_with("/login") {
        return if rest {
            http(
                200,
                "application/json",
                &json!({"session_id": ECHO_SESSION, "access_token": ECHO_ACCESS, "refresh_token": ECHO_REFRESH, "expires_in": 3600}).to_string(),
            )
        } else {
            http(
                200,
                "text/xml",
                &soap_envelope(&format!("<loginResponse><LoginResponse><session_id xsi:type=\"xsd:string\">{ECHO_SESSION}</session_id><access_token xsi:type=\"xsd:string\">{ECHO_ACCESS}</access_token><refresh_token xsi:type=\"xsd:string\">{ECHO_REFRESH}</refresh_token></LoginResponse></loginResponse>")),
            )
        };
    }
    match mode {
        Echo::PlainError => http(
            500,
            "text/plain",
            &format!("Internal error while handling the request: {body}"),
        ),
        Echo::HtmlPage => http(
            502,
            "text/html",
            &format!(
                "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1><p>The upstream failed on:</p><pre>{}</pre></body></html>",
                html_escape(body)
            ),
        ),
        Echo::Undecodable if rest => http(
            200,
            "application/json",
            &format!("{{\"account_info\": {{\"echo\": {body}, \"i_account\": \"12x"),
        ),
        Echo::Undecodable => http(
            200,
            "text/xml",
            &format!(
                "<?xml version=\"1.0\"?><soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body><r><account_info><i_account>12x</i_account><echo>{body}</echo>"
            ),
        ),
        Echo::Fault if rest => http(
            500,
            "application/json",
            &json!({"faultcode": "Server.Echo", "faultstring": format!("cannot handle {body}")}).to_string(),
        ),
        Echo::Fault => http(
            500,
            "text/xml",
            &soap_envelope(&format!(
                "<soap:Fault><faultcode>soap:Client</faultcode><faultstring>Application failed during request deserialization: {}</faultstring><detail><request>{}</request></detail></soap:Fault>",
                html_escape(body),
                html_escape(body)
            )),
        ),
        Echo::Headers => http(400, "text/plain", &format!("Bad request. You sent:\n{head}")),
        Echo::JsonString => http(
            500,
            "application/json",
            &json!({"error": "internal", "request": body}).to_string(),
        ),
    }
}

impl EchoServer {
    fn start() -> EchoServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let mode = Arc::new(Mutex::new(Echo::PlainError));
        let shared = Arc::clone(&mode);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let mode = Arc::clone(&shared);
                std::thread::spawn(move || serve_echo(stream, &mode));
            }
        });
        EchoServer { url, mode }
    }

    fn set(&self, mode: Echo) {
        *self.mode.lock().unwrap() = mode;
    }
}

fn serve_echo(stream: TcpStream, mode: &Mutex<Echo>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(stream);
    while let Some((head, body)) = read_request(&mut reader) {
        let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
        let mode = *mode.lock().unwrap();
        let reply = echo_reply(mode, &path, &head, &String::from_utf8_lossy(&body));
        if reader.get_mut().write_all(&reply).is_err() {
            return;
        }
    }
}

#[test]
fn answers_that_echo_the_request_show_no_secret() {
    logs();
    let mut seen = Seen::default();
    for s in [
        PASSWORD,
        TOKEN,
        ECHO_SESSION,
        ECHO_ACCESS,
        ECHO_REFRESH,
        SIP_PASSWORD,
    ] {
        seen.secret(s);
    }
    let server = EchoServer::start();
    for p in PROTOCOLS {
        for mode in ECHOES {
            server.set(mode);
            let clients = [
                (
                    "password",
                    Client::builder(&server.url).login("api", PASSWORD),
                ),
                (
                    "token",
                    Client::builder(&server.url).login_with_token("api", TOKEN),
                ),
                (
                    "session id",
                    Client::builder(&server.url).session_id(ECHO_SESSION),
                ),
            ];
            for (how, builder) in clients {
                let what = format!("{p} {how} {mode:?}");
                let history = Arc::new(AllExchanges::default());
                let c = build(
                    &mut seen,
                    &what,
                    builder.protocol(p).retries(0).history(history.clone()),
                );
                seen.result(
                    &format!("{what}: get_account_info"),
                    &c.account().get_account_info(&info(1)),
                );
                seen.result(
                    &format!("{what}: update_account"),
                    &c.account().update_account(&update(1, "x")),
                );
                seen.result(
                    &format!("{what}: call"),
                    &c.call("Account", "get_account_info", json!({"i_account": 1})),
                );
                let sip = account::UpdateAccountRequest {
                    account_info: Some(account::AccountInfo {
                        i_account: Some(1),
                        h323_password: Some(SIP_PASSWORD.into()),
                        ..Default::default()
                    }),
                    ..Default::default()
                };
                seen.debug(&format!("{what}: update request"), &sip);
                seen.result(
                    &format!("{what}: update_account with a SIP password"),
                    &c.account().update_account(&sip),
                );
                seen.result(
                    &format!("{what}: untyped call with a password"),
                    &c.call(
                        "Account",
                        "update_account_password",
                        json!({"i_account": 1, "password": SIP_PASSWORD}),
                    ),
                );
                seen.result(
                    &format!("{what}: untyped call"),
                    &c.call("Account", "no_such_method", json!({})),
                );
                match c.call_raw("Account", "get_account_info", json!({"i_account": 1})) {
                    // The raw body is the server's, unchanged by design: only its decoding
                    // is checked.
                    Ok(raw) => seen.result(&format!("{what}: raw decode"), &raw.decode()),
                    Err(e) => seen.error(&format!("{what}: call_raw"), &e),
                }
                match c
                    .account()
                    .stream_account_list(&account::GetAccountListRequest::default())
                {
                    Ok(stream) => {
                        for item in stream {
                            seen.result(&format!("{what}: streamed item"), &item);
                        }
                    }
                    Err(e) => seen.error(&format!("{what}: stream"), &e),
                }
                if p == Protocol::Rest {
                    if let Err(e) =
                        c.download("Invoice", "get_invoice_info", json!({"i_invoice": 1}))
                    {
                        seen.error(&format!("{what}: download"), &e);
                    }
                }
                seen.result(&format!("{what}: ping"), &c.ping());
                seen.result(&format!("{what}: logout"), &c.logout());
                seen.client(&what, &c);
                history.add_to(&mut seen, &what);
            }
        }
    }
    seen.check(5);
}

// ---------------------------------------------------------------------------------------
// Batch files and the ESPF listener's files.

#[test]
fn batch_files_and_the_espf_listener_show_no_secret() {
    logs();
    let mut seen = Seen::default();
    let sim = simulator(Duration::from_secs(3600));
    seen.secret(ESPF_PASSWORD);
    let dir = temp_dir("files");
    for p in PROTOCOLS {
        let c = build(
            &mut seen,
            &format!("{p} batch"),
            Client::builder(sim.url())
                .login(sim.login(), sim.password())
                .protocol(p),
        );
        let calls = vec![
            BatchCall {
                id: "r1".into(),
                service: "Account".into(),
                method: "get_account_info".into(),
                params: json!({"i_account": 1}),
            },
            BatchCall {
                id: "w1".into(),
                service: "Account".into(),
                method: "update_account".into(),
                params: json!({"account_info": {"i_account": 2, "note": "batch"}}),
            },
            BatchCall {
                id: "f1".into(),
                service: "Account".into(),
                method: "get_account_info".into(),
                params: json!({"i_account": 404}),
            },
            BatchCall {
                id: "s1".into(),
                service: "Session".into(),
                method: "ping".into(),
                params: json!({}),
            },
        ];
        let output = dir.join(format!("{p}-results.jsonl"));
        let summary = portabilling::batch::run(
            &c,
            &calls,
            &output,
            &BatchOptions::default(),
            &mut |progress| seen.debug("batch progress", &progress),
        );
        seen.result(&format!("{p} batch: summary"), &summary);
        seen.file(&format!("{p} batch output"), &output);
        seen.file(
            &format!("{p} batch journal"),
            &portabilling::batch::journal_path(&output),
        );
        seen.client(&format!("{p} batch"), &c);

        // The ESPF listener, fetching entities with a client of its own.
        let state = dir.join(format!("{p}-espf-state"));
        let jsonl = dir.join(format!("{p}-espf.jsonl"));
        let fetcher = build(
            &mut seen,
            &format!("{p} espf"),
            Client::builder(sim.url())
                .login(sim.login(), sim.password())
                .protocol(p),
        );
        let pipeline = Pipeline::builder(RequestAuth::basic("espf", ESPF_PASSWORD))
            .dedup(DedupStore::open(&state).unwrap())
            .client(fetcher.clone())
            .hand_off(JsonlFile::open(&jsonl).unwrap())
            .build();
        seen.debug("espf pipeline", &pipeline);
        let listener = Listener::start(ListenerConfig::new("127.0.0.1:0", pipeline)).unwrap();
        seen.debug("espf listener", &listener);
        let _ = sim.take_events();
        c.account().update_account(&update(3, "espf")).unwrap();
        let events = sim.take_events();
        assert!(!events.is_empty());
        let agent = ureq::Agent::new_with_config(
            ureq::Agent::config_builder()
                .http_status_as_error(false)
                .build(),
        );
        for (n, (event_type, variables)) in events.iter().enumerate() {
            let body = json!({"event_type": event_type, "variables": variables}).to_string();
            for authorization in [
                basic_authorization("espf", ESPF_PASSWORD),
                basic_authorization("espf", "wrong-espf-S3cret-1"),
            ] {
                let mut response = agent
                    .post(listener.url())
                    .header("Date", format_http_date(SystemTime::now()))
                    .header("Authorization", &authorization)
                    .content_type("application/json")
                    .send(body.as_bytes())
                    .unwrap();
                let text = response.body_mut().read_to_string().unwrap_or_default();
                seen.text(format!("{p} espf answer {n}"), text);
            }
        }
        seen.secret("wrong-espf-S3cret-1");
        seen.debug("espf stats", &listener.pipeline().stats());
        listener.shutdown();
        seen.file(&format!("{p} espf state file"), &state);
        seen.file(&format!("{p} espf JSONL"), &jsonl);
        let handed = std::fs::read_to_string(&jsonl).unwrap();
        assert!(handed.contains("Subscriber/Updated"), "{handed}");
        seen.client(&format!("{p} espf"), &fetcher);
    }
    seen.sim(&sim);
    seen.check(10);
}

// ---------------------------------------------------------------------------------------
// The command line.

fn bin() -> Command {
    crate::portabilling()
}

fn run(seen: &mut Seen, what: &str, mut command: Command) -> Output {
    let out = command.output().unwrap();
    seen.output(what, &out);
    out
}

#[test]
fn the_command_line_shows_no_secret() {
    let mut seen = Seen::default();
    let sim = simulator(Duration::from_secs(3600));
    let echo = EchoServer::start();
    let dir = temp_dir("cli");
    for s in [ECHO_SESSION, ECHO_ACCESS, ECHO_REFRESH, ESPF_PASSWORD] {
        seen.secret(s);
    }
    let input = dir.join("calls.jsonl");
    std::fs::write(
        &input,
        [
            json!({"id": "r1", "service": "Account", "method": "get_account_info", "params": {"i_account": 1}}),
            json!({"id": "w1", "service": "Account", "method": "update_account", "params": {"account_info": {"i_account": 2, "note": "cli"}}}),
            json!({"id": "f1", "service": "Account", "method": "get_account_info", "params": {"i_account": 404}}),
        ]
        .iter()
        .map(|v| format!("{v}\n"))
        .collect::<String>(),
    )
    .unwrap();
    for p in ["soap", "rest"] {
        let session_file = dir.join(format!("{p}-session.json"));
        let base = |args: &[&str]| {
            let mut c = bin();
            c.args(&args[..1])
                .args([
                    "-vv",
                    "--url",
                    &sim.url(),
                    "--protocol",
                    p,
                    "--login",
                    sim.login(),
                ])
                .arg("--session-file")
                .arg(&session_file)
                .args(&args[1..])
                .env("PORTABILLING_PASSWORD", sim.password());
            c
        };
        for (what, args) in [
            ("login", vec!["login"]),
            (
                "call",
                vec!["call", "Account", "get_account_info", r#"{"i_account": 1}"#],
            ),
            (
                "raw call",
                vec![
                    "call",
                    "--raw",
                    "Account",
                    "get_account_info",
                    r#"{"i_account": 1}"#,
                ],
            ),
            (
                "untyped call",
                vec![
                    "call",
                    "--untyped",
                    "Account",
                    "no_such_method",
                    r#"{"password": "x"}"#,
                ],
            ),
            (
                "fault",
                vec![
                    "call",
                    "Account",
                    "get_account_info",
                    r#"{"i_account": 404}"#,
                ],
            ),
            ("ping", vec!["ping"]),
        ] {
            let out = run(&mut seen, &format!("{p} {what}"), base(&args));
            assert!(
                out.status.code().is_some(),
                "{p} {what}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        // An expired session: the stored one is refused and renewed.
        sim.expire_sessions();
        run(
            &mut seen,
            &format!("{p} call after expiry"),
            base(&["call", "Account", "get_account_info", r#"{"i_account": 2}"#]),
        );
        let output = dir.join(format!("{p}-cli-results.jsonl"));
        let mut batch = base(&["batch", "--input"]);
        batch.arg(&input).arg("--output").arg(&output);
        run(&mut seen, &format!("{p} batch"), batch);
        seen.file(&format!("{p} CLI batch output"), &output);
        seen.file(
            &format!("{p} CLI batch journal"),
            &portabilling::batch::journal_path(&output),
        );
        // The session file may hold the secrets; it is read only to learn them.
        if let Ok(text) = std::fs::read_to_string(&session_file) {
            for value in serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|v| v.get("sessions").cloned())
                .and_then(|v| v.as_object().cloned())
                .unwrap_or_default()
                .values()
            {
                for key in ["session_id", "access_token", "refresh_token"] {
                    if let Some(s) = value.get(key).and_then(Value::as_str) {
                        seen.secret(s);
                    }
                }
            }
        }
        run(&mut seen, &format!("{p} logout"), base(&["logout"]));

        // The password on the command line, the token in the environment, a wrong password.
        let without_session = |command: &str| {
            let mut c = bin();
            c.args([command, "-vv", "--url", &sim.url(), "--protocol", p])
                .args(["--login", sim.login()]);
            c
        };
        let mut c = without_session("ping");
        c.args(["--password", sim.password()]);
        run(&mut seen, &format!("{p} --password"), c);
        let mut c = without_session("call");
        c.args(["Account", "get_account_info", r#"{"i_account": 1}"#])
            .env("PORTABILLING_TOKEN", sim.token());
        run(&mut seen, &format!("{p} token"), c);
        let mut c = without_session("ping");
        c.args(["--password", sim.password(), "--token", sim.token()]);
        run(&mut seen, &format!("{p} password and token"), c);
        let mut c = without_session("call");
        c.args(["Account", "get_account_info", r#"{"i_account": 1}"#])
            .env("PORTABILLING_PASSWORD", "cli-wrong-S3cret-pw");
        seen.secret("cli-wrong-S3cret-pw");
        let out = run(&mut seen, &format!("{p} bad password"), c);
        assert_eq!(out.status.code(), Some(3), "{p}: a bad password exits 3");

        // Answers that echo the request.
        for mode in ECHOES {
            echo.set(mode);
            let mut c = bin();
            c.args([
                "call",
                "-vv",
                "--url",
                &echo.url,
                "--protocol",
                p,
                "--login",
                "api",
            ])
            .args(["Account", "get_account_info", r#"{"i_account": 1}"#])
            .env("PORTABILLING_PASSWORD", PASSWORD);
            run(&mut seen, &format!("{p} echo {mode:?}"), c);
        }
    }
    seen.secret(PASSWORD);

    // The ESPF listener on the command line, fetching over the API, for one event.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let state = dir.join("cli-espf-state");
    let jsonl = dir.join("cli-espf.jsonl");
    let mut c = bin();
    c.args([
        "espf",
        "listen",
        "-vv",
        "--url",
        &sim.url(),
        "--login",
        sim.login(),
    ])
    .args(["--bind", &format!("127.0.0.1:{port}")])
    .arg("--state-file")
    .arg(&state)
    .arg("--jsonl")
    .arg(&jsonl)
    .env("PORTABILLING_PASSWORD", sim.password())
    .env("PORTABILLING_ESPF_BASIC", format!("espf:{ESPF_PASSWORD}"))
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let body =
        json!({"event_type": "Subscriber/Updated", "variables": {"i_event": 1, "i_account": 1}})
            .to_string();
    let agent = ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(10)))
            .build(),
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut answered = None;
    while Instant::now() < deadline {
        let sent = agent
            .post(&format!("http://127.0.0.1:{port}/"))
            .header("Date", format_http_date(SystemTime::now()))
            .header("Authorization", basic_authorization("espf", ESPF_PASSWORD))
            .content_type("application/json")
            .send(body.as_bytes());
        if let Ok(mut response) = sent {
            answered = Some(response.status().as_u16());
            seen.text(
                "CLI espf answer",
                response.body_mut().read_to_string().unwrap_or_default(),
            );
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    seen.output("CLI espf listen", &out);
    assert_eq!(answered, Some(200), "the CLI listener handled the event");
    seen.file("CLI espf state file", &state);
    seen.file("CLI espf JSONL", &jsonl);

    seen.sim(&sim);
    seen.check(20);
}

// ---------------------------------------------------------------------------------------
// The PostgreSQL stores: the database's password, the sessions sealed in it, the listener's
// metrics and readiness answers.

/// A password for the test database's URL. `.ci/run`'s cluster trusts local connections, so
/// the server ignores it; the client still holds it, and must show it nowhere.
const DB_PASSWORD: &str = "db-S3cret-3e8c51fa";

/// The test database's URL with [`DB_PASSWORD`] in it (or its own password, if it has one).
fn url_with_password(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.split_once('@') {
            Some((user, host)) if !user.contains(':') => {
                format!("{scheme}://{user}:{DB_PASSWORD}@{host}")
            }
            Some(_) => url.to_string(),
            None => format!("{scheme}://postgres:{DB_PASSWORD}@{rest}"),
        },
        None => url.to_string(),
    }
}

#[test]
fn the_postgresql_stores_show_no_secret() {
    use crate::support::postgres as pg;
    use portabilling::pg::{Database, PgDedup, PgSessionStore};
    use std::io::BufRead;

    let Some(url) = pg::url("the_postgresql_stores_show_no_secret") else {
        return;
    };
    let _serial = pg::serial();
    let mut seen = Seen::default();
    let sim = simulator(Duration::from_secs(3600));
    let db_url = url_with_password(&url);
    if let Some(password) = db_url
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('@'))
        .and_then(|(user, _)| user.split_once(':'))
        .map(|(_, password)| password.to_string())
    {
        seen.secret(&password);
    }
    seen.secret(DB_PASSWORD);
    seen.secret(ESPF_PASSWORD);
    // An unreachable database and a malformed URL, each with the password in it.
    let unreachable = format!("postgres://postgres:{DB_PASSWORD}@127.0.0.1:1/postgres");
    let malformed = format!("postgres://postgres:{DB_PASSWORD}@127.0.0.1:notaport/postgres");

    // The library.
    let db = Database::connect(&db_url).unwrap();
    seen.debug("database", &db);
    seen.text("database url", db.url());
    for bad in [&unreachable, &malformed] {
        seen.result("connect", &Database::connect(bad).map(|_| ()));
    }
    let store = Arc::new(PgSessionStore::new(Arc::clone(&db), sim.password()));
    seen.debug("pg session store", &store);
    let client = Client::builder(sim.url())
        .login(sim.login(), sim.password())
        .session_store(store)
        .rate_limit(20.0)
        .build()
        .unwrap();
    seen.result("pg call", &client.account().get_account_info(&info(1)));
    sim.expire_sessions();
    seen.result(
        "pg call after expiry",
        &client.account().get_account_info(&info(2)),
    );
    seen.client("pg client", &client);
    let dedup = PgDedup::new(Arc::clone(&db), Duration::from_secs(5), Default::default()).unwrap();
    seen.debug("pg dedup", &dedup);

    // The command: calls through the PostgreSQL session store, and failures to reach it.
    let base = |store: &str, args: &[&str]| {
        let mut c = bin();
        c.arg("-vv")
            .args(&args[..1])
            .args(["--url", &sim.url(), "--login", sim.login()])
            .args(["--session-store", store, "--rate-limit", "50"])
            .args(&args[1..])
            .env("PORTABILLING_PASSWORD", sim.password());
        c
    };
    let call = ["call", "Account", "get_account_info", r#"{"i_account": 1}"#];
    run(&mut seen, "pg login", base(&db_url, &["login"]));
    run(&mut seen, "pg cli call", base(&db_url, &call));
    sim.expire_sessions();
    run(&mut seen, "pg cli call after expiry", base(&db_url, &call));
    for (what, bad) in [("unreachable", &unreachable), ("malformed", &malformed)] {
        let out = run(&mut seen, &format!("pg cli {what}"), base(bad, &call));
        assert!(!out.status.success(), "{what}");
    }

    // The listener on the database: its logs, answers, metrics and readiness.
    let mut listener = bin()
        .args(["-vv", "--log-format", "json", "espf", "listen"])
        .args(["--url", &sim.url(), "--login", sim.login()])
        .args(["--session-store", &db_url])
        .args(["--bind", "127.0.0.1:0", "--no-fetch"])
        .args(["--store", &db_url, "--exec", "cat >/dev/null"])
        .env("PORTABILLING_PASSWORD", sim.password())
        .env("PORTABILLING_ESPF_BASIC", format!("espf:{ESPF_PASSWORD}"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = Arc::new(Mutex::new(Vec::new()));
    let (tx, rx) = std::sync::mpsc::channel();
    {
        let stderr = listener.stderr.take().unwrap();
        let lines = Arc::clone(&lines);
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
            {
                if let Some(at) = line.find("listening for ESPF events on ") {
                    let _ = tx.send(
                        line[at..]
                            .split_whitespace()
                            .last()
                            .unwrap_or("")
                            .to_string(),
                    );
                }
                lines.lock().unwrap().push(line);
            }
        });
    }
    let events = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the listener starts");
    let agent = ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build(),
    );
    for (n, authorization) in [
        basic_authorization("espf", ESPF_PASSWORD),
        basic_authorization("espf", "wrong-password-1234"),
    ]
    .iter()
    .enumerate()
    {
        let mut response = agent
            .post(&events)
            .header("Date", format_http_date(SystemTime::now()))
            .header("Authorization", authorization)
            .send(
                json!({"event_type": "Customer/Created", "variables": {"i_event": pg::unique("s"), "i_customer": 1}})
                    .to_string(),
            )
            .unwrap();
        let body = response.body_mut().read_to_string().unwrap_or_default();
        seen.text(format!("listener answer {n}"), body);
    }
    for path in ["metrics", "readyz", "healthz"] {
        let mut response = agent.get(format!("{events}{path}")).call().unwrap();
        let body = response.body_mut().read_to_string().unwrap_or_default();
        if path == "metrics" {
            assert!(body.contains("portabilling_espf_events_total"), "{body}");
        }
        seen.text(format!("listener /{path}"), body);
    }
    let _ = listener.kill();
    let _ = listener.wait();
    std::thread::sleep(Duration::from_millis(200));
    let logs = lines.lock().unwrap().join("\n");
    assert!(
        logs.contains("\"i_event\""),
        "JSON logs with the event:\n{logs}"
    );
    seen.text("listener logs", logs);
    seen.sim(&sim);
    seen.check(6);
}
