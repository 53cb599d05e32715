//! Hooks on a client: one that sees every exchange with the server, secrets redacted, like
//! zeep's `HistoryPlugin` or PHP's `__getLastRequest`, for debugging real traffic without a
//! proxy ([`HistoryHook`]); and one that is told what the client did, without the content,
//! for metrics ([`ClientObserver`]: each call's outcome and time, logins, renewed sessions,
//! waits for the rate limit).

use std::sync::Mutex;
use std::time::Duration;

use crate::error::Error;
use crate::redact::{is_secret_name, redact_body};
use crate::wire::{CallLabel, HttpRequest, HttpResponse};

/// One request and its response, with passwords, tokens and session ids replaced by
/// `<redacted>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exchange {
    /// The service called.
    pub service: String,
    /// The method called.
    pub method: String,
    /// The URL.
    pub url: String,
    /// The request headers.
    pub request_headers: Vec<(String, String)>,
    /// The request body.
    pub request_body: String,
    /// The response status, if a response came.
    pub status: Option<u16>,
    /// The response body (up to 1 MiB of it).
    pub response_body: String,
    /// How long the call took.
    pub elapsed: Duration,
}

impl Exchange {
    pub(crate) fn new(
        label: CallLabel<'_>,
        base: &str,
        request: &HttpRequest,
        response: Option<&HttpResponse>,
        elapsed: Duration,
    ) -> Self {
        const MAX: usize = 1024 * 1024;
        Exchange {
            service: label.service.to_string(),
            method: label.method.to_string(),
            url: format!("{base}{}", request.path),
            request_headers: request
                .headers
                .iter()
                .map(|(name, value)| {
                    let shown = if is_secret_name(name) {
                        "<redacted>".to_string()
                    } else {
                        value.clone()
                    };
                    (name.to_string(), shown)
                })
                .collect(),
            request_body: redact_body(&request.body),
            status: response.map(|r| r.status),
            response_body: response
                .map(|r| redact_body(&r.body[..r.body.len().min(MAX)]))
                .unwrap_or_default(),
            elapsed,
        }
    }
}

impl Exchange {
    /// Replaces the known secret values wherever they still show (an echoed request).
    pub(crate) fn scrub(&mut self, secrets: &[String]) {
        use crate::redact::scrub;
        for (_, value) in &mut self.request_headers {
            *value = scrub(value, secrets);
        }
        self.url = scrub(&self.url, secrets);
        self.request_body = scrub(&self.request_body, secrets);
        self.response_body = scrub(&self.response_body, secrets);
    }
}

/// Receives every exchange of a client.
pub trait HistoryHook: Send + Sync {
    /// Called after each HTTP exchange (also failed ones, with no status).
    fn record(&self, exchange: &Exchange);
}

/// Keeps the last exchange.
///
/// ```no_run
/// # fn main() -> portabilling::Result<()> {
/// use std::sync::Arc;
/// use portabilling::{Client, LastExchange};
/// let last = Arc::new(LastExchange::default());
/// let client = Client::builder("https://billing.example.com")
///     .login("api", "secret")
///     .history(last.clone())
///     .build()?;
/// let _ = client.ping();
/// if let Some(exchange) = last.get() {
///     println!("{}\n{}", exchange.request_body, exchange.response_body);
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Default)]
pub struct LastExchange {
    last: Mutex<Option<Exchange>>,
}

impl LastExchange {
    /// The last exchange, if any.
    pub fn get(&self) -> Option<Exchange> {
        self.last.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl HistoryHook for LastExchange {
    fn record(&self, exchange: &Exchange) {
        *self.last.lock().unwrap_or_else(|e| e.into_inner()) = Some(exchange.clone());
    }
}

/// How a call ended, as metrics count it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CallOutcome {
    /// It succeeded.
    Ok,
    /// The API answered with a fault.
    Fault,
    /// The server answered with an HTTP error status and no fault.
    Http,
    /// A time limit ran out.
    Timeout,
    /// The connection failed (refused, lost, TLS).
    Transport,
    /// Logging in failed, or the session was refused.
    Auth,
    /// The answer could not be decoded.
    Decode,
    /// Anything else (configuration, the session store).
    Other,
}

impl CallOutcome {
    /// The outcome of a call that ended with `result`.
    pub fn of<T>(result: &Result<T, Error>) -> CallOutcome {
        match result {
            Ok(_) => CallOutcome::Ok,
            Err(e) if e.is_timeout() => CallOutcome::Timeout,
            Err(Error::Fault(_)) => CallOutcome::Fault,
            Err(Error::Http(_)) => CallOutcome::Http,
            Err(Error::Transport(_)) => CallOutcome::Transport,
            Err(Error::Auth(_)) => CallOutcome::Auth,
            Err(Error::Decode(_)) => CallOutcome::Decode,
            Err(_) => CallOutcome::Other,
        }
    }

    /// A short name: `ok`, `fault`, `http`, `timeout`, `transport`, `auth`, `decode`, `other`.
    pub fn as_str(self) -> &'static str {
        match self {
            CallOutcome::Ok => "ok",
            CallOutcome::Fault => "fault",
            CallOutcome::Http => "http",
            CallOutcome::Timeout => "timeout",
            CallOutcome::Transport => "transport",
            CallOutcome::Auth => "auth",
            CallOutcome::Decode => "decode",
            CallOutcome::Other => "other",
        }
    }
}

/// What a client tells its [`ClientObserver`]. It carries no content: no parameter, answer or
/// secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientEvent<'a> {
    /// A call ended (a `Session/login` too), after all its attempts, renewals and waits.
    Call {
        /// The service.
        service: &'a str,
        /// The method.
        method: &'a str,
        /// How it ended.
        outcome: CallOutcome,
        /// How long it took, waits included.
        elapsed: Duration,
    },
    /// The client logged in.
    Login,
    /// A session the server refused was replaced (by a login or another process's session),
    /// or an access token was refreshed.
    SessionRenewed,
    /// An attempt waited this long for the rate limit.
    RateLimitWait(Duration),
}

/// Is told what a client does, for metrics (see [`ClientEvent`]). Called on the calling
/// thread: keep it quick.
pub trait ClientObserver: Send + Sync {
    /// Called for each event.
    fn observe(&self, event: &ClientEvent<'_>);
}
