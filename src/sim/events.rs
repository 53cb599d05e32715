//! Posting the simulator's provisioning events to an ESPF endpoint, as PortaBilling does.
//!
//! After a change to an account or customer, the simulator records an event (see
//! [`Simulator::take_events`](super::Simulator::take_events)). Once
//! [`Simulator::send_events_to`](super::Simulator::send_events_to) is called, a background
//! thread takes those events in order and POSTs each one as `{"event_type": …, "variables":
//! {…}}` with `Date`, `Content-Type` and `Authorization` headers. Like ESPF, it re-sends an
//! event on a 5xx (or any other non-2xx, non-4xx status) or when no answer comes, with a
//! doubling back-off, and drops it on a 4xx.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use serde_json::{json, Value};
use ureq::tls::Certificate;

use super::{lock, Shared};
use crate::espf::{
    basic_authorization, custom_authorization, format_http_date, signature_authorization,
};
use crate::transport::{tls_config, TlsOptions};

/// How the simulator authenticates to the endpoint.
#[derive(Clone)]
pub enum EventAuth {
    /// `Authorization: Basic base64(user:password)`.
    Basic {
        /// The user.
        user: String,
        /// The password.
        password: String,
    },
    /// `Authorization: <auth_type> <value>`.
    Custom {
        /// The type (`Plain`).
        auth_type: String,
        /// The value.
        value: String,
    },
    /// `Authorization: Signature keyId="…",algorithm="hmac-sha1",signature="…"` over the
    /// `Date` header, as [`crate::espf::signature_authorization`] makes it.
    Signature {
        /// The key id.
        key_id: String,
        /// The signature key.
        secret: String,
    },
}

impl fmt::Debug for EventAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventAuth::Basic { user, .. } => write!(f, "Basic({user}:<redacted>)"),
            EventAuth::Custom { auth_type, .. } => write!(f, "Custom({auth_type} <redacted>)"),
            EventAuth::Signature { key_id, .. } => {
                write!(f, "Signature(keyId={key_id}, <redacted>)")
            }
        }
    }
}

impl EventAuth {
    fn header(&self, date: &str) -> String {
        match self {
            EventAuth::Basic { user, password } => basic_authorization(user, password),
            EventAuth::Custom { auth_type, value } => custom_authorization(auth_type, value),
            EventAuth::Signature { key_id, secret } => {
                signature_authorization(key_id, secret, date)
            }
        }
    }
}

/// Where and how the simulator sends its provisioning events.
#[derive(Clone, Debug)]
pub struct EventTarget {
    /// The endpoint (`http://127.0.0.1:8080/`).
    pub url: String,
    /// The credentials.
    pub auth: EventAuth,
    /// How long to wait for an answer before re-sending (ESPF waits 300 s; 10 s by default).
    pub timeout: Duration,
    /// The first pause before a re-send (100 ms by default); it doubles up to `max_backoff`.
    pub backoff: Duration,
    /// The longest pause between re-sends (5 s by default).
    pub max_backoff: Duration,
    /// Give an event up after this many attempts (`None`, the default: never, as ESPF keeps
    /// it queued).
    pub max_attempts: Option<u32>,
    /// A CA certificate (PEM) to trust for an `https` endpoint, besides the usual roots.
    pub ca_cert_pem: Option<String>,
}

impl EventTarget {
    /// Basic authentication with `user` and `password`, and the default timings.
    pub fn basic(
        url: impl Into<String>,
        user: impl Into<String>,
        password: impl Into<String>,
    ) -> EventTarget {
        EventTarget::with_auth(
            url,
            EventAuth::Basic {
                user: user.into(),
                password: password.into(),
            },
        )
    }

    /// Any authentication, and the default timings.
    pub fn with_auth(url: impl Into<String>, auth: EventAuth) -> EventTarget {
        EventTarget {
            url: url.into(),
            auth,
            timeout: Duration::from_secs(10),
            backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
            max_attempts: None,
            ca_cert_pem: None,
        }
    }
}

/// What the event sender did so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EventDeliveryStats {
    /// Events answered 2xx.
    pub delivered: u64,
    /// Events answered 4xx (dropped, as ESPF does).
    pub rejected: u64,
    /// Events given up after `max_attempts`.
    pub abandoned: u64,
    /// Attempts, re-sends included.
    pub attempts: u64,
    /// Attempts that failed and were retried (5xx or no answer).
    pub retries: u64,
}

pub(super) struct Emitter {
    stop: Arc<AtomicBool>,
    stats: Arc<Mutex<EventDeliveryStats>>,
    _thread: Option<JoinHandle<()>>,
}

impl Emitter {
    pub(super) fn start(target: EventTarget, shared: Arc<Shared>) -> std::io::Result<Emitter> {
        let mut tls = TlsOptions::default();
        if let Some(pem) = &target.ca_cert_pem {
            let extra = Certificate::from_pem(pem.as_bytes())
                .map_err(|e| std::io::Error::other(format!("bad CA certificate: {e}")))?;
            tls.extra_roots.push(extra.der().to_vec());
        }
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(target.timeout))
            .max_redirects(0)
            .tls_config(tls_config(&tls))
            .build();
        let agent = ureq::Agent::new_with_config(config);
        let stop = Arc::new(AtomicBool::new(false));
        let stats = Arc::new(Mutex::new(EventDeliveryStats::default()));
        let (thread_stop, thread_stats) = (Arc::clone(&stop), Arc::clone(&stats));
        let thread = std::thread::Builder::new()
            .name("portabilling-sim-events".into())
            .spawn(move || run(&agent, &target, &shared, &thread_stop, &thread_stats))?;
        Ok(Emitter {
            stop,
            stats,
            _thread: Some(thread),
        })
    }

    pub(super) fn stats(&self) -> EventDeliveryStats {
        *lock(&self.stats)
    }
}

impl Drop for Emitter {
    fn drop(&mut self) {
        // The thread sees the flag between attempts and within back-off pauses; it is not
        // joined, so that a request in flight cannot hold up the simulator's shutdown.
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// Sleeps up to `d`, waking early when asked to stop; false if asked to stop.
fn pause(d: Duration, stop: &AtomicBool) -> bool {
    let end = Instant::now() + d;
    while Instant::now() < end {
        if stop.load(Ordering::SeqCst) {
            return false;
        }
        std::thread::sleep((end - Instant::now()).min(Duration::from_millis(10)));
    }
    !stop.load(Ordering::SeqCst)
}

fn run(
    agent: &ureq::Agent,
    target: &EventTarget,
    shared: &Shared,
    stop: &AtomicBool,
    stats: &Mutex<EventDeliveryStats>,
) {
    while !stop.load(Ordering::SeqCst) {
        let batch = std::mem::take(&mut lock(&shared.state).events);
        if batch.is_empty() {
            if !pause(Duration::from_millis(10), stop) {
                return;
            }
            continue;
        }
        for (event_type, variables) in batch {
            if !deliver(agent, target, &event_type, variables, stop, stats) {
                return;
            }
        }
    }
}

/// Sends one event until it is answered 2xx or 4xx (or given up); false if asked to stop.
fn deliver(
    agent: &ureq::Agent,
    target: &EventTarget,
    event_type: &str,
    variables: Value,
    stop: &AtomicBool,
    stats: &Mutex<EventDeliveryStats>,
) -> bool {
    let body = json!({ "event_type": event_type, "variables": variables }).to_string();
    let mut backoff = target.backoff;
    let mut attempt = 0u32;
    loop {
        if stop.load(Ordering::SeqCst) {
            return false;
        }
        attempt += 1;
        let date = format_http_date(SystemTime::now());
        let result = agent
            .post(&target.url)
            .header("Date", &date)
            .header("Authorization", &target.auth.header(&date))
            .content_type("application/json")
            .send(body.as_bytes());
        let status = match result {
            Ok(mut response) => {
                let _ = response.body_mut().read_to_vec();
                Some(response.status().as_u16())
            }
            Err(_) => None,
        };
        {
            let mut s = lock(stats);
            s.attempts += 1;
            match status {
                Some(200..=299) => {
                    s.delivered += 1;
                    return true;
                }
                Some(400..=499) => {
                    tracing::warn!(
                        event_type,
                        status,
                        "the ESPF endpoint rejected an event; dropped"
                    );
                    s.rejected += 1;
                    return true;
                }
                _ if target.max_attempts.is_some_and(|m| attempt >= m) => {
                    s.abandoned += 1;
                    return true;
                }
                _ => s.retries += 1,
            }
        }
        tracing::debug!(event_type, ?status, attempt, "re-sending an event");
        if !pause(backoff, stop) {
            return false;
        }
        backoff = (backoff * 2).min(target.max_backoff);
    }
}
