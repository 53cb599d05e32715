//! A PortaBilling simulator, for tests: yours and this crate's.
//!
//! It listens on 127.0.0.1 over HTTP or HTTPS (with a CA and certificate made at start) and
//! answers SOAP (`/soap/<Service>/<method>` and `/Porta/SOAP/<Service>`) and REST
//! (`/rest/<Service>/<method>`, in all three encodings) the way PortaBilling does, through the
//! same generated types and codecs the client uses. Session, Account and Customer keep real
//! state (login, tokens, CRUD, lists with `limit`/`offset`/`get_total`, faults for duplicates
//! and missing entities); every other bundled operation answers with a valid empty response.
//! Knobs inject faults: expiring sessions, delays, dropped connections, truncated bodies, 503s.
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use portabilling::sim::{SimConfig, Simulator};
//! use portabilling::Client;
//!
//! let sim = Simulator::start(SimConfig { accounts: 10, ..SimConfig::default() })?;
//! let client = Client::builder(sim.url()).login(sim.login(), sim.password()).build()?;
//! assert!(client.ping()?);
//! # Ok(())
//! # }
//! ```

mod accounts;
mod events;
mod schema_data;
mod state;

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::model::{base64, OperationInfo};
use crate::rest::multipart;
pub use crate::server::CertificateKind;
use crate::server::{Handler, Reply, Request, Server, ServerLimits, TestPki};
use crate::soap::envelope::{self, BodyTarget};
use crate::urlencoded as form;
use crate::wire::Limits;
pub use events::{EventAuth, EventDeliveryStats, EventTarget};
pub use state::SimFault;
use state::{Answer, Credentials, State};

/// How to start a simulator.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// The address to listen on (`127.0.0.1:0` picks a free port).
    pub bind: String,
    /// Serve HTTPS with a generated certificate.
    pub tls: bool,
    /// Which certificate to present over HTTPS.
    pub certificate: CertificateKind,
    /// The API login.
    pub login: String,
    /// The password.
    pub password: String,
    /// The API token (login with `token` instead of `password`).
    pub token: String,
    /// How many accounts to create at start (1,000 to a customer).
    pub accounts: usize,
    /// How long access tokens live.
    pub token_lifetime: Duration,
    /// The most items a list answers with, whatever `limit` asks, as servers that cap their
    /// page size do. `None` for no cap.
    pub max_page_size: Option<usize>,
    /// Faults to inject.
    pub faults: Faults,
}

impl SimConfig {
    /// The same configuration with a response time of `latency` (as [`Faults::latency`]): a
    /// server some milliseconds away, for measuring what concurrency gains. Calls on
    /// different connections wait in parallel, not one after another.
    pub fn with_latency(mut self, latency: Duration) -> Self {
        self.faults.latency = latency;
        self
    }
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            bind: "127.0.0.1:0".into(),
            tls: false,
            certificate: CertificateKind::Valid,
            login: "sim-admin".into(),
            password: "sim-password".into(),
            token: "sim-api-token".into(),
            accounts: 0,
            token_lifetime: Duration::from_secs(3600),
            max_page_size: None,
            faults: Faults::default(),
        }
    }
}

/// Faults injected at random (with a fixed seed, so a run can be repeated).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Faults {
    /// Sessions stop working after this many calls each.
    pub expire_sessions_after: Option<u64>,
    /// A wait before each call is handled, on top of the handling (a slow server, or a call
    /// that times out before it is applied). Each connection is served by a thread of its own
    /// and the wait is slept there, outside any lock, so calls on different connections wait
    /// at the same time. For a server's response time, see `latency`.
    pub delay: Duration,
    /// The server's response time: each answer leaves no sooner than `latency` after its
    /// request was read, the simulator's own work counted in it (a real server 5 ms away
    /// answers in 5 ms however long it spent on the call, as long as that is less). Unlike
    /// `delay`, the call is handled first and the wait is what remains, so a benchmark's
    /// ideal rate (concurrency ÷ latency) does not pay for the simulator's CPU. Nor for its
    /// timers: the wait's last stretch is yielded rather than slept, so that an answer does
    /// not leave a timer tick late ([`SimStats::latency_late`] says how late they left).
    pub latency: Duration,
    /// The probability of an extra delay of `slow_delay` before an answer.
    pub slow_probability: f64,
    /// See `slow_probability`.
    pub slow_delay: Duration,
    /// The probability of dropping the connection after handling a call, without answering.
    pub drop_probability: f64,
    /// The probability of cutting an answer's body short.
    pub truncate_probability: f64,
    /// The probability of answering 503 instead of handling a call.
    pub unavailable_probability: f64,
    /// The random seed.
    pub seed: u64,
}

/// A failure scripted for upcoming calls.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// Handle the call, then close the connection without answering.
    Drop,
    /// Close the connection without handling the call.
    DropBeforeHandling,
    /// Handle the call, then send half of the answer and close.
    Truncate,
    /// Answer 503 without handling the call.
    Unavailable,
    /// Wait this long before handling the call.
    Delay(Duration),
}

/// Counters of what the simulator did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SimStats {
    /// Successful logins.
    pub logins: u64,
    /// Token refreshes.
    pub refreshes: u64,
    /// Requests received.
    pub requests: u64,
    /// Calls handled, by `Service/method`.
    pub calls: BTreeMap<String, u64>,
    /// Writes applied, by method and parameters. A write applied twice counts 2.
    pub writes: BTreeMap<String, u64>,
    /// Faults injected.
    pub injected: u64,
    /// Accounts (seeded ones are made when asked for, so they may be many more than are held).
    pub accounts: usize,
    /// Connections accepted (over HTTPS, TLS handshakes).
    pub connections: usize,
    /// The most requests handled at the same time (delays included).
    pub max_in_flight: usize,
    /// Answers held back for [`Faults::latency`].
    pub latency_held: u64,
    /// How long past their latency those answers left, on average: what the operating
    /// system's timers added to it.
    pub latency_late: Duration,
}

impl SimStats {
    /// The largest number of times one write was applied (1 when none was applied twice).
    pub fn max_write_count(&self) -> u64 {
        self.writes.values().copied().max().unwrap_or(0)
    }
}

struct Shared {
    state: Mutex<State>,
    faults: Mutex<Faults>,
    rng: Mutex<u64>,
    script: Mutex<VecDeque<(Option<String>, Failure)>>,
    requests: Mutex<(u64, u64)>,
    /// Requests being handled now, and the most at once.
    in_flight: Mutex<(usize, usize)>,
    /// When each API request (each POST) arrived, to measure rates at the server.
    arrivals: Mutex<Vec<Instant>>,
    limits: Limits,
    /// How the answers held for `Faults::latency` kept their time.
    latency: LatencyClock,
}

/// Holds answers until their time. A sleep overshoots by the timer's slack and the wake-up
/// (0.1–0.2 ms on a VM, measured), which a 5 ms latency would feel as a server 3 % slower
/// than asked; so the simulator sleeps until a little before the time, by the overshoot it
/// has seen so far, and yields the processor for what is left.
#[derive(Debug)]
struct LatencyClock {
    /// The sleeps' overshoot, a running average, in nanoseconds.
    overshoot_ns: AtomicU64,
    /// Answers held, and their time past the latency in all, in nanoseconds.
    held: AtomicU64,
    late_ns: AtomicU64,
}

impl LatencyClock {
    /// The longest stretch yielded instead of slept, however much the sleeps overshoot.
    const MAX_YIELDED: Duration = Duration::from_millis(1);

    fn new() -> Self {
        LatencyClock {
            overshoot_ns: AtomicU64::new(100_000),
            held: AtomicU64::new(0),
            late_ns: AtomicU64::new(0),
        }
    }

    /// Returns at `due`, or at once when it has passed.
    fn hold_until(&self, due: Instant) {
        let Some(rest) = due.checked_duration_since(Instant::now()) else {
            return;
        };
        let overshoot = Duration::from_nanos(self.overshoot_ns.load(Ordering::Relaxed));
        // A quarter more than the average, so that most sleeps end before `due`.
        let early = (overshoot + overshoot / 4).min(Self::MAX_YIELDED);
        if let Some(asked) = rest.checked_sub(early) {
            let slept = Instant::now();
            std::thread::sleep(asked);
            let over = slept.elapsed().saturating_sub(asked);
            let over = u64::try_from(over.as_nanos()).unwrap_or(u64::MAX);
            let average = self.overshoot_ns.load(Ordering::Relaxed);
            self.overshoot_ns.store(
                average - average / 8 + over.min(10_000_000) / 8,
                Ordering::Relaxed,
            );
        }
        while Instant::now() < due {
            std::thread::yield_now();
        }
        let late = Instant::now().saturating_duration_since(due);
        self.held.fetch_add(1, Ordering::Relaxed);
        self.late_ns.fetch_add(
            u64::try_from(late.as_nanos()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }

    /// How many answers were held, and on average how long past their time they left.
    fn lateness(&self) -> (u64, Duration) {
        let held = self.held.load(Ordering::Relaxed);
        let late = self.late_ns.load(Ordering::Relaxed);
        (
            held,
            Duration::from_nanos(late.checked_div(held).unwrap_or(0)),
        )
    }
}

/// A running simulator. It stops when dropped.
pub struct Simulator {
    server: Server,
    shared: Arc<Shared>,
    ca_pem: Option<String>,
    tls: bool,
    login: String,
    password: String,
    token: String,
    emitter: Mutex<Option<events::Emitter>>,
}

impl Simulator {
    /// Starts a simulator.
    pub fn start(config: SimConfig) -> std::io::Result<Simulator> {
        let mut state = State::new(
            &config.login,
            &config.password,
            &config.token,
            config.token_lifetime.as_secs() as i64,
        );
        state.expire_after_calls = config.faults.expire_sessions_after;
        state.max_page_size = config.max_page_size;
        state.seed(config.accounts);
        let shared = Arc::new(Shared {
            state: Mutex::new(state),
            rng: Mutex::new(config.faults.seed.max(1)),
            faults: Mutex::new(config.faults.clone()),
            script: Mutex::new(VecDeque::new()),
            requests: Mutex::new((0, 0)),
            in_flight: Mutex::new((0, 0)),
            arrivals: Mutex::new(Vec::new()),
            limits: Limits::default(),
            latency: LatencyClock::new(),
        });
        let (tls, ca_pem) = if config.tls {
            let pki = TestPki::generate(config.certificate)?;
            (Some(pki.server), Some(pki.ca_pem))
        } else {
            (None, None)
        };
        let handler_shared = Arc::clone(&shared);
        let handler: Handler = Arc::new(move |request| handle(&handler_shared, request));
        let server = Server::start(&config.bind, tls, ServerLimits::default(), handler)?;
        Ok(Simulator {
            server,
            shared,
            ca_pem,
            tls: config.tls,
            login: config.login,
            password: config.password,
            token: config.token,
            emitter: Mutex::new(None),
        })
    }

    /// Starts posting the provisioning events of changes (those [`take_events`] would return)
    /// to an ESPF endpoint, in the background, re-sending as ESPF does (see [`EventTarget`]).
    /// Replaces an earlier target. From then on [`take_events`] returns what the sender has
    /// not taken yet, which is usually nothing.
    ///
    /// [`take_events`]: Simulator::take_events
    pub fn send_events_to(&self, target: EventTarget) -> std::io::Result<()> {
        let emitter = events::Emitter::start(target, Arc::clone(&self.shared))?;
        *lock(&self.emitter) = Some(emitter);
        Ok(())
    }

    /// What the event sender did so far, if [`send_events_to`](Simulator::send_events_to)
    /// started one.
    pub fn event_delivery(&self) -> Option<EventDeliveryStats> {
        lock(&self.emitter).as_ref().map(|e| e.stats())
    }

    /// The base URL (`http://127.0.0.1:PORT` or `https://localhost:PORT`).
    pub fn url(&self) -> String {
        let addr = self.server.addr();
        if self.tls {
            format!("https://localhost:{}", addr.port())
        } else {
            format!("http://{addr}")
        }
    }

    /// The address it listens on.
    pub fn addr(&self) -> std::net::SocketAddr {
        self.server.addr()
    }

    /// The CA certificate (PEM) that signed the HTTPS certificate, for clients to trust.
    pub fn ca_cert_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// The API login.
    pub fn login(&self) -> &str {
        &self.login
    }

    /// The password.
    pub fn password(&self) -> &str {
        &self.password
    }

    /// The API token.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// What the simulator did so far.
    pub fn stats(&self) -> SimStats {
        let state = lock(&self.shared.state);
        let (requests, injected) = *lock(&self.shared.requests);
        let (latency_held, latency_late) = self.shared.latency.lateness();
        SimStats {
            logins: state.logins,
            refreshes: state.refreshes,
            requests,
            calls: state.calls.clone(),
            writes: state.writes.iter().map(|(k, v)| (k.clone(), *v)).collect(),
            injected,
            accounts: state.accounts.len(),
            connections: self.server.connections(),
            max_in_flight: lock(&self.shared.in_flight).1,
            latency_held,
            latency_late,
        }
    }

    /// When each API request (each POST: calls, logins, retries) arrived, in order of arrival:
    /// what a rate limit is measured by.
    pub fn arrivals(&self) -> Vec<Instant> {
        lock(&self.shared.arrivals).clone()
    }

    /// Every session id, access token and refresh token issued so far, for tests that check
    /// these secrets never show in logs, errors or files.
    pub fn issued_secrets(&self) -> Vec<String> {
        lock(&self.shared.state).issued.clone()
    }

    /// Replaces the random faults.
    pub fn set_faults(&self, faults: Faults) {
        lock(&self.shared.state).expire_after_calls = faults.expire_sessions_after;
        *lock(&self.shared.rng) = faults.seed.max(1);
        *lock(&self.shared.faults) = faults;
    }

    /// Scripts `failure` for the next call (of `method` only, if given).
    pub fn fail_next(&self, method: Option<&str>, failure: Failure) {
        lock(&self.shared.script).push_back((method.map(str::to_string), failure));
    }

    /// Makes every current session and token invalid, as if they had expired.
    pub fn expire_sessions(&self) {
        lock(&self.shared.state).expire_all();
    }

    /// The account `i_account`, as the simulator holds it.
    pub fn account(&self, i_account: i64) -> Option<Value> {
        lock(&self.shared.state)
            .accounts
            .get(&i_account)
            .map(|a| Value::Object(a.into_owned()))
    }

    /// The files received by upload calls so far: file name and content.
    pub fn uploads(&self) -> Vec<(String, Vec<u8>)> {
        lock(&self.shared.state).uploads.clone()
    }

    /// Takes the provisioning events of the changes made so far.
    pub fn take_events(&self) -> Vec<(String, Value)> {
        std::mem::take(&mut lock(&self.shared.state).events)
    }

    /// Stops the simulator.
    pub fn shutdown(mut self) {
        self.server.shutdown();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    fn chance(&self, p: f64) -> bool {
        if p <= 0.0 {
            return false;
        }
        let mut x = lock(&self.rng);
        *x ^= *x << 13;
        *x ^= *x >> 7;
        *x ^= *x << 17;
        ((*x >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    /// The failure for this call: a scripted one, or a random one.
    fn failure(&self, method: &str) -> Option<Failure> {
        {
            let mut script = lock(&self.script);
            if let Some(pos) = script
                .iter()
                .position(|(m, _)| m.as_deref().is_none_or(|m| m == method))
            {
                return script.remove(pos).map(|(_, f)| f);
            }
        }
        let faults = lock(&self.faults).clone();
        if self.chance(faults.unavailable_probability) {
            return Some(Failure::Unavailable);
        }
        if self.chance(faults.drop_probability) {
            return Some(Failure::Drop);
        }
        if self.chance(faults.truncate_probability) {
            return Some(Failure::Truncate);
        }
        if self.chance(faults.slow_probability) {
            return Some(Failure::Delay(faults.slow_delay));
        }
        None
    }
}

/// Where a request goes: protocol, service and (when the URL says) method.
enum Route {
    Soap {
        service: Option<String>,
        method: Option<String>,
    },
    Rest {
        service: String,
        method: String,
    },
}

fn route(path: &str) -> Option<Route> {
    let path = path.split('?').next().unwrap_or(path);
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    match parts.as_slice() {
        ["soap", service, method] => Some(Route::Soap {
            service: Some(service.to_string()),
            method: Some(method.to_string()),
        }),
        ["soap", service] | ["Porta", "SOAP", service] => Some(Route::Soap {
            service: Some(service.to_string()),
            method: None,
        }),
        ["soap"] => Some(Route::Soap {
            service: None,
            method: None,
        }),
        ["rest", service, method] => Some(Route::Rest {
            service: service.to_string(),
            method: method.to_string(),
        }),
        _ => None,
    }
}

fn handle(shared: &Shared, request: Request) -> Reply {
    let arrived = Instant::now();
    {
        let mut r = lock(&shared.requests);
        r.0 += 1;
    }
    {
        let mut n = lock(&shared.in_flight);
        n.0 += 1;
        n.1 = n.1.max(n.0);
    }
    let reply = handle_request(shared, request);
    let latency = lock(&shared.faults).latency;
    if !latency.is_zero() {
        shared.latency.hold_until(arrived + latency);
    }
    lock(&shared.in_flight).0 -= 1;
    reply
}

fn handle_request(shared: &Shared, request: Request) -> Reply {
    let delay = lock(&shared.faults).delay;
    if !delay.is_zero() {
        std::thread::sleep(delay);
    }
    if request.method == "GET" {
        return wsdl_file(&request.path);
    }
    if request.method != "POST" {
        return Reply::new(405, "text/plain", "POST only");
    }
    lock(&shared.arrivals).push(Instant::now());
    let Some(route) = route(&request.path) else {
        return Reply::new(404, "text/plain", "not found");
    };
    let method_hint = match &route {
        Route::Soap { method, .. } => method.clone().unwrap_or_default(),
        Route::Rest { method, .. } => method.clone(),
    };
    let failure = shared.failure(&method_hint);
    if failure.is_some() {
        lock(&shared.requests).1 += 1;
    }
    match failure {
        Some(Failure::Unavailable) => {
            return Reply::new(
                503,
                "text/html",
                "<html><body>503 Service Unavailable</body></html>",
            )
        }
        Some(Failure::DropBeforeHandling) => return Reply::Drop,
        Some(Failure::Delay(d)) => std::thread::sleep(d),
        _ => {}
    }
    let reply = match route {
        Route::Soap { service, method } => soap(shared, &request, service, method),
        Route::Rest { service, method } => rest(shared, &request, &service, &method),
    };
    match (failure, reply) {
        (Some(Failure::Drop), _) => Reply::Drop,
        (
            Some(Failure::Truncate),
            Reply::Full {
                status,
                headers,
                body,
            },
        ) => {
            let keep = body.len() / 2;
            Reply::Truncated {
                status,
                headers,
                body,
                keep,
            }
        }
        (_, reply) => reply,
    }
}

include!(concat!(env!("OUT_DIR"), "/wsdl_files.rs"));

/// `GET /wsdl/` (a listing, as a web server's directory index writes it) and
/// `GET /wsdl/<file>`: the WSDL set the simulator's services were generated from, as a real
/// server publishes its own.
fn wsdl_file(path: &str) -> Reply {
    let path = path.split('?').next().unwrap_or(path);
    let Some(name) = path.strip_prefix("/wsdl/") else {
        return Reply::new(
            404,
            "text/html",
            "<html><body><h1>404 Not Found</h1></body></html>",
        );
    };
    if name.is_empty() {
        let mut page = String::from("<html><head><title>Index of /wsdl/</title></head><body>\n");
        page.push_str("<h1>Index of /wsdl/</h1><pre><a href=\"../\">../</a>\n");
        for (file, _) in WSDL_FILES {
            page.push_str(&format!("<a href=\"{file}\">{file}</a>\n"));
        }
        page.push_str("</pre></body></html>\n");
        return Reply::new(200, "text/html", page);
    }
    match WSDL_FILES.iter().find(|(file, _)| *file == name) {
        Some((_, text)) => Reply::new(200, "text/xml; charset=utf-8", *text),
        None => Reply::new(
            404,
            "text/html",
            "<html><body><h1>404 Not Found</h1></body></html>",
        ),
    }
}

fn xml(status: u16, body: Vec<u8>) -> Reply {
    Reply::new(status, "text/xml; charset=utf-8", body)
}

fn soap_fault(code: &str, message: &str) -> Reply {
    xml(500, envelope::encode_fault(code, message))
}

fn soap(
    shared: &Shared,
    request: &Request,
    service: Option<String>,
    method: Option<String>,
) -> Reply {
    let mut chosen: Option<&'static OperationInfo> = None;
    let decoded = envelope::decode_request(&request.body, shared.limits, |incoming| {
        // SOAP::Lite dispatches on the path of the body namespace: …/Porta/SOAP/<Service>.
        let from_namespace = incoming.namespace.as_deref().and_then(|ns| {
            ns.rsplit_once("/Porta/SOAP/")
                .map(|(_, s)| s.trim_end_matches('/').to_string())
        });
        let service = from_namespace
            .clone()
            .or_else(|| service.clone())
            .unwrap_or_default();
        if from_namespace.is_none() {
            return Err(SimFault::new(
                "Client",
                format!("Denied access to method ({}) in class (main): the namespace must end in /Porta/SOAP/<Service>", incoming.method),
            ));
        }
        if method.as_deref().is_some_and(|m| m != incoming.method) {
            return Err(SimFault::new(
                "Client",
                "the method in the URL and in the body differ",
            ));
        }
        let op = crate::registry::operation(&service, &incoming.method).ok_or_else(|| {
            SimFault::new(
                "Client",
                format!(
                    "Failed to locate method ({}) in class (Porta::SOAP::{service})",
                    incoming.method
                ),
            )
        })?;
        chosen = Some(op);
        Ok(op.new_request())
    });
    let (incoming, value) = match decoded {
        Ok(Ok(pair)) => pair,
        Ok(Err(fault)) => return soap_fault(&fault.code, &fault.message),
        Err(e) => {
            return soap_fault(
                "Client",
                &format!("Application failed during request deserialization: {e}"),
            )
        }
    };
    let Some(op) = chosen else {
        return soap_fault("Server", "no operation");
    };
    let creds = match incoming.header.get("auth_info") {
        Some(Value::Object(info)) => Credentials {
            session_id: info
                .get("session_id")
                .and_then(|v| v.as_str())
                .map(str::to_string),
            access_token: info
                .get("access_token")
                .and_then(|v| v.as_str())
                .map(str::to_string),
            login: info
                .get("login")
                .and_then(|v| v.as_str())
                .map(str::to_string),
            password: info
                .get("password")
                .and_then(|v| v.as_str())
                .map(str::to_string),
        },
        _ => Credentials::default(),
    };
    // A real server refuses a request that lacks a field its WSDL requires; the typed value
    // cannot tell (a required field always has a value), the raw request can.
    let may_lack = schema_data::requires_any(op.request);
    if let Some(Ok(envelope::ValueOrFault::Value(raw))) =
        may_lack.then(|| envelope::decode_response_any(&request.body, shared.limits))
    {
        if let Some(missing) = schema_data::missing_required(op.request, &raw) {
            let (code, message) = required_fault(op, &missing);
            return soap_fault(&code, &message);
        }
    }
    let params = value.to_json();
    let answer = lock(&shared.state).call(op.service, op.method, &creds, &params);
    let namespace = incoming.namespace.unwrap_or_default();
    match answer {
        Ok(answer) => {
            let json = match answer {
                Answer::Json(v) => v,
                Answer::File { name, bytes, .. } => {
                    json!({ "file": base64::encode(&bytes), "file_name": name })
                }
            };
            let mut response = op.new_response();
            if let Err(e) = response.set_json(&json) {
                return soap_fault(
                    "Server",
                    &format!("simulator response does not fit {}: {e}", op.response.name),
                );
            }
            match envelope::encode(
                None,
                &BodyTarget::response(op, &namespace),
                response.as_ref(),
            ) {
                Ok(body) => xml(200, body),
                Err(e) => soap_fault("Server", &e.to_string()),
            }
        }
        Err(fault) => soap_fault(&fault.code, &fault.message),
    }
}

/// The fault for a request without a field its WSDL requires.
fn required_fault(op: &OperationInfo, missing: &str) -> (String, String) {
    (
        format!("Client.{}.{}.required_field_missing", op.service, op.method),
        format!("The required parameter `{missing}` is missing"),
    )
}

fn json_reply(status: u16, value: &Value) -> Reply {
    Reply::new(status, "application/json; charset=UTF-8", value.to_string())
}

fn rest_fault(status: u16, code: &str, message: &str) -> Reply {
    json_reply(
        status,
        &json!({ "faultcode": code, "faultstring": message }),
    )
}

/// The `auth_info` and `params` of a REST request, in any of the three encodings.
fn rest_body(request: &Request) -> Result<(Option<Value>, Value), String> {
    let content_type = request
        .header("content-type")
        .unwrap_or("")
        .to_ascii_lowercase();
    let parse = |text: &str| -> Result<Value, String> {
        if text.trim().is_empty() {
            Ok(json!({}))
        } else {
            serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))
        }
    };
    if content_type.starts_with("application/json") || content_type.is_empty() {
        let body = parse(&String::from_utf8_lossy(&request.body))?;
        let auth = body.get("auth_info").cloned();
        let params = body.get("params").cloned().unwrap_or_else(|| json!({}));
        Ok((auth, params))
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        let fields = form::parse(&String::from_utf8_lossy(&request.body));
        let field = |name: &str| {
            fields
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let auth = field("auth_info").map(parse).transpose()?;
        let params = field("params")
            .map(parse)
            .transpose()?
            .unwrap_or_else(|| json!({}));
        Ok((auth, params))
    } else if content_type.starts_with("multipart/form-data") {
        let ct = request.header("content-type").unwrap_or("");
        let parts = multipart::parse(ct, &request.body).ok_or("malformed multipart body")?;
        let mut auth = None;
        let mut params = json!({});
        let mut files = Vec::new();
        for part in parts {
            match part.name.as_str() {
                "auth_info" => auth = Some(parse(&String::from_utf8_lossy(&part.data))?),
                "params" => params = parse(&String::from_utf8_lossy(&part.data))?,
                _ => files.push(part),
            }
        }
        for file in files {
            if let Value::Object(map) = &mut params {
                map.insert(file.name.clone(), base64::encode(&file.data).into());
                if let Some(name) = file.file_name {
                    map.entry("file_name").or_insert(name.into());
                }
            }
        }
        Ok((auth, params))
    } else {
        Err(format!("unsupported content type `{content_type}`"))
    }
}

fn rest(shared: &Shared, request: &Request, service: &str, method: &str) -> Reply {
    let (auth, params) = match rest_body(request) {
        Ok(parts) => parts,
        Err(e) => return rest_fault(500, "Client.invalid_request", &e),
    };
    let params = match params {
        Value::Array(a) if a.is_empty() => json!({}),
        Value::Object(_) => params,
        _ => return rest_fault(500, "Client.invalid_request", "params must be an object"),
    };
    let Some(op) = crate::registry::operation(service, method) else {
        return rest_fault(
            500,
            "Server.method_not_found",
            &format!("Method {service}/{method} not found"),
        );
    };
    if let Some(missing) = schema_data::missing_required(op.request, &params) {
        let (code, message) = required_fault(op, &missing);
        return rest_fault(500, &code, &message);
    }
    // Read the parameters through the request's schema, as a typed server would.
    let mut typed = op.new_request();
    if let Err(e) = typed.set_json(&params) {
        return rest_fault(
            500,
            "Client.invalid_params",
            &format!("Invalid parameters: {e}"),
        );
    }
    let params = typed.to_json();
    let bearer = request
        .header("authorization")
        .and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
        })
        .map(|t| t.trim().to_string());
    let text = |v: &Option<Value>, k: &str| {
        v.as_ref()
            .and_then(|a| a.get(k))
            .and_then(|x| x.as_str())
            .map(str::to_string)
    };
    let creds = Credentials {
        session_id: text(&auth, "session_id"),
        access_token: bearer.or_else(|| text(&auth, "access_token")),
        login: text(&auth, "login"),
        password: text(&auth, "password"),
    };
    let answer = lock(&shared.state).call(op.service, op.method, &creds, &params);
    match answer {
        Ok(Answer::Json(value)) => {
            let mut response = op.new_response();
            match response.set_json(&value) {
                Ok(()) => json_reply(200, &response.to_json()),
                Err(e) => rest_fault(
                    500,
                    "Server",
                    &format!("simulator response does not fit {}: {e}", op.response.name),
                ),
            }
        }
        Ok(Answer::File {
            name,
            content_type,
            bytes,
        }) => Reply::Full {
            status: 200,
            headers: vec![
                ("Content-Type".into(), content_type),
                (
                    "Content-Disposition".into(),
                    format!("attachment; filename=\"{name}\""),
                ),
            ],
            body: bytes,
        },
        Err(fault) => rest_fault(500, &fault.code, &fault.message),
    }
}
