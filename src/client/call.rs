//! The call path: the one place where a call takes its session, is sent, renews the session
//! when the server refuses it, and is retried. Typed and untyped calls, list streams, file
//! downloads, logins, pings and logouts all go through [`Client::run`].
//!
//! The retry policy (the crate docs' "Retries and time limits" says the same to users):
//!
//! - A call has one deadline ([`Timeouts::call`](crate::Timeouts::call)), which covers
//!   connecting, TLS, sending, a login or token refresh it needs, every retry and its backoff,
//!   and reading the whole answer. When it passes, the call ends with a timeout.
//! - Retried, up to `retries` times (default 2), with a backoff of 100 ms doubling to at most
//!   2 s (±20 %): a failure before the request left (DNS, refused connection, connect
//!   timeout), for any call; and, for read-only calls only, a lost connection, an I/O error, or
//!   an HTTP 502, 503 or 504. A read-only call is retried at most once after a read timeout.
//! - Never retried: TLS failures, answers over the size limit, API faults, other HTTP
//!   statuses, undecodable answers, and any write that may have reached the server.
//! - No retry starts when its backoff would end past the deadline.
//! - Every attempt (a retry, a login, a token refresh too) first waits for the rate limit,
//!   when one is set; a wait that would end past the deadline ends the call at once.
//! - A session fault is not a retry: the session is renewed (a login, or another thread's or
//!   process's fresh session) and the call is sent again, at most three times, and never when
//!   the credentials cannot log in.

use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::protocol::Wire;
use super::Client;
use crate::auth::{Credentials, Session};
use crate::error::{AuthError, AuthErrorKind, Error, Result, TransportErrorKind};
use crate::history::{CallOutcome, ClientEvent, Exchange};
use crate::model::{AnyValue, OperationInfo};
use crate::redact::{body_start, redact_body, scrub};
use crate::transport::{BodyUse, Deadline};
use crate::wire::{
    read_all, CallAuth, CallLabel, HttpRequest, HttpResponse, Params, StreamingResponse,
};

/// Which session a call carries.
pub(super) enum SessionUse {
    /// None: the call makes sessions (`Session/login`).
    None,
    /// The client's session, logging in when there is none and renewing it when refused.
    Renewing,
    /// This one, never renewed (`Session/ping` and `Session/logout` ask about it).
    Exactly(Arc<Session>),
}

impl SessionUse {
    /// What a generated operation needs.
    pub fn from_operation(op: &OperationInfo) -> Self {
        if op.needs_session {
            SessionUse::Renewing
        } else {
            SessionUse::None
        }
    }
}

/// One call, as the call path needs it.
pub(super) struct CallSpec<'a> {
    pub wire: Wire<'a>,
    pub label: CallLabel<'a>,
    pub session: SessionUse,
    pub params: Params<'a>,
    pub body_use: BodyUse,
}

/// An answer as the call path hands it on.
pub(super) enum Reply {
    /// Read whole: every answer of a buffered call, and a streamed call's error answers.
    Buffered(HttpResponse),
    /// A streamed call's 2xx answer, its body unread.
    Streamed(StreamingResponse),
}

impl Reply {
    /// The answer read whole; a streamed answer is a bug of the caller.
    pub fn into_buffered(self, label: CallLabel<'_>) -> Result<HttpResponse> {
        match self {
            Reply::Buffered(response) => Ok(response),
            Reply::Streamed(_) => Err(Error::decode(
                label.service,
                label.method,
                "internal: a buffered answer was expected",
                None,
                b"",
            )),
        }
    }
}

/// How many times one call renews its session at most (see `Client::renew_refused`).
const MAX_RENEWALS: u32 = 3;

/// The session renewals of one call.
#[derive(Default)]
struct Renewals {
    /// How many renewals the call made.
    count: u32,
    /// The session of the last renewal, if the call logged in for it itself.
    own_login: Option<Arc<Session>>,
}

/// The first backoff; each further one doubles, up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// Whether, and how often, an error lets a call be sent again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Retryable {
    No,
    Yes,
    /// Once per call: a read that timed out once may be slow, not stuck.
    OnceAfterReadTimeout,
}

fn retryable(e: &Error, read_only: bool) -> Retryable {
    match e {
        Error::Transport(t) => match t.kind {
            TransportErrorKind::Tls | TransportErrorKind::TooLarge => Retryable::No,
            _ if !t.request_sent => Retryable::Yes,
            TransportErrorKind::Timeout if read_only => Retryable::OnceAfterReadTimeout,
            _ if read_only => Retryable::Yes,
            _ => Retryable::No,
        },
        Error::Http(h) if read_only && matches!(h.status, 502..=504) => Retryable::Yes,
        _ => Retryable::No,
    }
}

/// The retries of one call.
struct Retries {
    left: u32,
    made: u32,
    after_read_timeout: bool,
    /// Whether an earlier attempt may have reached the server.
    maybe_sent: bool,
}

impl Retries {
    fn new(retries: u32) -> Self {
        Retries {
            left: retries,
            made: 0,
            after_read_timeout: false,
            maybe_sent: false,
        }
    }

    /// How long to wait before sending again after `e`, or `None` to give up.
    fn wait_after(&mut self, e: &Error, read_only: bool, deadline: Deadline) -> Option<Duration> {
        self.maybe_sent |= e.outcome_unknown();
        if self.left == 0 {
            return None;
        }
        match retryable(e, read_only) {
            Retryable::No => return None,
            Retryable::OnceAfterReadTimeout if self.after_read_timeout => return None,
            Retryable::OnceAfterReadTimeout => self.after_read_timeout = true,
            Retryable::Yes => {}
        }
        let wait = backoff(self.made);
        if !deadline.allows(wait) {
            return None;
        }
        self.left -= 1;
        self.made += 1;
        Some(wait)
    }

    /// The error that ends the call: it says the request may have reached the server if any
    /// attempt may have.
    fn final_error(&self, mut e: Error) -> Error {
        if let Error::Transport(t) = &mut e {
            t.request_sent |= self.maybe_sent;
        }
        e
    }
}

/// The wait before retry number `made + 1`: 100 ms doubling up to 2 s, ±20 % so that
/// clients failing together do not come back together.
fn backoff(made: u32) -> Duration {
    let base = FIRST_BACKOFF
        .saturating_mul(1u32 << made.min(16))
        .min(MAX_BACKOFF);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(made);
    let spread = hasher.finish() % 401; // 0..=400 per mille, around 200
    base.mul_f64(0.8 + spread as f64 / 1000.0)
}

impl Client {
    /// The call path of every call (see the module docs): take the session, send, read; on a
    /// session fault renew the session and send again; on a retryable failure wait and send
    /// again; all before `deadline`.
    pub(super) fn run<R>(
        &self,
        spec: &CallSpec<'_>,
        deadline: Deadline,
        read: &mut dyn FnMut(Reply) -> Result<R>,
    ) -> Result<R> {
        let started = Instant::now();
        let result = self.run_unscrubbed(spec, deadline, read);
        self.notify(ClientEvent::Call {
            service: spec.label.service,
            method: spec.label.method,
            outcome: CallOutcome::of(&result),
            elapsed: started.elapsed(),
        });
        self.scrubbed(result)
    }

    /// Tells the observer, if there is one.
    fn notify(&self, event: ClientEvent<'_>) {
        if let Some(observer) = &self.inner.observer {
            observer.observe(&event);
        }
    }

    /// Waits for the rate limit before an attempt (a login's, a retry's too), no later than
    /// the deadline: an attempt that could not start before it fails now, without waiting.
    fn wait_for_rate_limit(&self, label: CallLabel<'_>, deadline: Deadline) -> Result<()> {
        let Some(limiter) = &self.inner.rate_limiter else {
            return Ok(());
        };
        match limiter.reserve(deadline.remaining())? {
            Some(wait) if wait.is_zero() => Ok(()),
            Some(wait) => {
                self.notify(ClientEvent::RateLimitWait(wait));
                std::thread::sleep(wait);
                Ok(())
            }
            None => Err(deadline.error(label, "waiting for the rate limit", false)),
        }
    }

    fn run_unscrubbed<R>(
        &self,
        spec: &CallSpec<'_>,
        deadline: Deadline,
        read: &mut dyn FnMut(Reply) -> Result<R>,
    ) -> Result<R> {
        let label = spec.label;
        let mut session = match &spec.session {
            SessionUse::None => None,
            SessionUse::Renewing => Some(self.session_for_call(deadline)?),
            SessionUse::Exactly(session) => Some(Arc::clone(session)),
        };
        let mut renewals = Renewals::default();
        let mut retries = Retries::new(self.inner.retries);
        loop {
            if let Err(e) = self.wait_for_rate_limit(label, deadline) {
                return Err(retries.final_error(e));
            }
            let auth = session.as_deref().map_or(CallAuth::None, CallAuth::Session);
            let request = spec.wire.request(label, auth, spec.params)?;
            let result = self
                .exchange(spec, &request, deadline)
                .and_then(&mut *read)
                .map_err(|mut e| {
                    if let Error::Http(h) = &mut e {
                        h.url = format!("{}{}", self.inner.http.base(), request.path);
                    }
                    e
                });
            match result {
                Ok(value) => return Ok(value),
                Err(Error::Fault(fault))
                    if fault.is_session_fault() && matches!(spec.session, SessionUse::Renewing) =>
                {
                    tracing::info!(service = label.service, method = label.method, code = %fault.code, "session refused; renewing it");
                    session = Some(self.renew_refused(
                        session.as_deref(),
                        &mut renewals,
                        &fault.code,
                        deadline,
                    )?);
                }
                Err(e) => match retries.wait_after(&e, label.read_only, deadline) {
                    Some(wait) => {
                        if tracing::enabled!(tracing::Level::DEBUG) {
                            let error = scrub(&e.to_string(), &self.inner.sessions.known_secrets());
                            tracing::debug!(service = label.service, method = label.method, %error, wait_ms = wait.as_millis() as u64, "retrying");
                        }
                        std::thread::sleep(wait);
                    }
                    None => return Err(retries.final_error(e)),
                },
            }
        }
    }

    /// One attempt: sends the request and reads the answer as the call uses it.
    fn exchange(
        &self,
        spec: &CallSpec<'_>,
        request: &HttpRequest,
        deadline: Deadline,
    ) -> Result<Reply> {
        let started = Instant::now();
        let http = &self.inner.http;
        let result = http
            .send(spec.label, request, deadline, spec.body_use)
            .and_then(|response| match spec.body_use {
                BodyUse::Streamed if response.is_success() => Ok(Reply::Streamed(response)),
                _ => {
                    let mut body = response.body;
                    Ok(Reply::Buffered(HttpResponse {
                        status: response.status,
                        content_type: response.content_type,
                        content_disposition: response.content_disposition,
                        body: read_all(
                            spec.label,
                            &mut body,
                            response.content_length,
                            http.max_body(),
                        )?,
                    }))
                }
            });
        self.observe(spec.label, request, &result, started.elapsed());
        result
    }

    /// Logs an attempt and hands it to the history hook, secrets redacted.
    fn observe(
        &self,
        label: CallLabel<'_>,
        request: &HttpRequest,
        result: &Result<Reply>,
        elapsed: Duration,
    ) {
        let response = match result {
            Ok(Reply::Buffered(response)) => Some(response),
            _ => None,
        };
        match result {
            Ok(reply) => {
                let (status, bytes) = match reply {
                    Reply::Buffered(r) => (r.status, Some(r.body.len())),
                    Reply::Streamed(r) => (r.status, None),
                };
                tracing::debug!(
                    service = label.service,
                    method = label.method,
                    protocol = %self.inner.protocol,
                    status,
                    bytes,
                    elapsed_ms = elapsed.as_millis() as u64,
                    "call"
                );
                if tracing::enabled!(tracing::Level::TRACE) {
                    let secrets = self.inner.sessions.known_secrets();
                    let request = scrub(&redact_body(&request.body), &secrets);
                    let response = response
                        .map(|r| scrub(&body_start(&r.body), &secrets))
                        .unwrap_or_default();
                    tracing::trace!(%request, %response, "exchange");
                }
            }
            Err(e) => {
                let error = scrub(&e.to_string(), &self.inner.sessions.known_secrets());
                tracing::debug!(service = label.service, method = label.method, %error, "call failed")
            }
        }
        if let Some(hook) = &self.inner.history {
            let mut exchange =
                Exchange::new(label, self.inner.http.base(), request, response, elapsed);
            exchange.scrub(&self.inner.sessions.known_secrets());
            hook.record(&exchange);
        }
    }

    /// The session to use, logging in when there is none and refreshing an access token
    /// about to expire.
    pub(super) fn session_for_call(&self, deadline: Deadline) -> Result<Arc<Session>> {
        let inner = &self.inner;
        let login = || self.login_call(deadline);
        let session = inner.sessions.current(&login, deadline.instant())?;
        if inner.protocol == super::Protocol::Rest
            && session.access_token.is_some()
            && session.expires_within(inner.refresh_margin)
        {
            return inner.sessions.refresh(
                &session,
                &|s| self.refresh_call(s, deadline),
                &login,
                deadline.instant(),
            );
        }
        Ok(session)
    }

    /// The session to try after `refused` was refused, or the error that ends the call.
    ///
    /// A session this call logged in for itself, refused again while still the current one,
    /// ends the call: the server refuses new sessions, and logging in again would loop. A
    /// session the call adopted from another thread (or process), or one that has been
    /// replaced since, may have expired in the meantime through the others' calls: the call
    /// renews again, a few times at most.
    fn renew_refused(
        &self,
        refused: Option<&Session>,
        renewals: &mut Renewals,
        code: &str,
        deadline: Deadline,
    ) -> Result<Arc<Session>> {
        let sessions = &self.inner.sessions;
        if let Some(own) = &renewals.own_login {
            if sessions.peek().is_some_and(|current| *current == **own) {
                return Err(session_rejected(Some(code)));
            }
        }
        if renewals.count >= MAX_RENEWALS {
            return Err(session_rejected(Some(code)));
        }
        renewals.count += 1;
        let (fresh, logged_in) = sessions
            .renew_tracked(refused, &|| self.login_call(deadline), deadline.instant())
            .map_err(|e| match e {
                // No credentials to log in with: the refusal stands, with the server's code.
                Error::Auth(mut auth) if auth.kind == AuthErrorKind::SessionRejected => {
                    auth.code.get_or_insert_with(|| code.to_string());
                    Error::Auth(auth)
                }
                other => other,
            })?;
        renewals.own_login = logged_in.then(|| Arc::clone(&fresh));
        self.notify(ClientEvent::SessionRenewed);
        Ok(fresh)
    }

    /// Logs in with the configured credentials (`Session/login`). A wrong password or a
    /// lockout is never retried; a 503, a refused connection or a timeout is, as for any
    /// read-only call.
    fn login_call(&self, deadline: Deadline) -> Result<Session> {
        let inner = &self.inner;
        let mut params = serde_json::Map::new();
        match inner.sessions.credentials() {
            Credentials::Password { login, password } => {
                params.insert("login".into(), login.clone().into());
                params.insert("password".into(), password.expose().into());
            }
            Credentials::Token { login, token } => {
                params.insert("login".into(), login.clone().into());
                params.insert("token".into(), token.expose().into());
            }
            _ => return Err(session_rejected(None)),
        }
        if let Some(i_env) = inner.i_env {
            params.insert("i_env".into(), i_env.into());
        }
        let label = self.session_label("login");
        match self.untyped(label, SessionUse::None, &AnyValue::Object(params), deadline) {
            Ok(reply) => {
                self.notify(ClientEvent::Login);
                Ok(Session::from_login_response(&reply))
            }
            Err(Error::Fault(f)) => Err(match AuthError::from_login_fault(&f.code, &f.message) {
                Some(auth) => Error::Auth(auth),
                None => Error::Fault(f),
            }),
            Err(e) => Err(e),
        }
    }

    /// Exchanges the refresh token for a new access token.
    fn refresh_call(&self, session: &Session, deadline: Deadline) -> Result<Session> {
        let Some(refresh) = &session.refresh_token else {
            return Err(session_rejected(None));
        };
        let mut params = serde_json::Map::new();
        params.insert("refresh_token".into(), refresh.expose().into());
        let label = self.session_label("refresh_access_token");
        let reply = self.untyped(label, SessionUse::None, &AnyValue::Object(params), deadline)?;
        self.notify(ClientEvent::SessionRenewed);
        Ok(Session::from_login_response(&reply))
    }
}

fn session_rejected(code: Option<&str>) -> Error {
    Error::Auth(AuthError::new(
        AuthErrorKind::SessionRejected,
        code,
        "the server refused the session again right after it was renewed",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{HttpError, TransportError};

    fn transport(kind: TransportErrorKind, sent: bool) -> Error {
        Error::Transport(TransportError::new(kind, "", "S", "m", sent))
    }

    #[test]
    fn writes_are_retried_only_when_the_request_never_left() {
        use TransportErrorKind as K;
        assert_eq!(
            retryable(&transport(K::Connect, false), false),
            Retryable::Yes
        );
        assert_eq!(
            retryable(&transport(K::ConnectionLost, true), false),
            Retryable::No
        );
        assert_eq!(
            retryable(&transport(K::Timeout, true), false),
            Retryable::No
        );
        assert_eq!(
            retryable(&transport(K::ConnectionLost, true), true),
            Retryable::Yes
        );
        assert_eq!(
            retryable(&transport(K::Timeout, true), true),
            Retryable::OnceAfterReadTimeout
        );
        assert_eq!(retryable(&transport(K::Tls, false), true), Retryable::No);
        let unavailable = Error::from(HttpError {
            service: "S".into(),
            method: "m".into(),
            url: String::new(),
            status: 503,
            content_type: None,
            body_start: String::new(),
        });
        assert_eq!(retryable(&unavailable, true), Retryable::Yes);
        assert_eq!(retryable(&unavailable, false), Retryable::No);
    }

    #[test]
    fn a_read_is_retried_once_after_a_read_timeout_and_never_past_the_deadline() {
        let timeout = transport(TransportErrorKind::Timeout, true);
        let mut retries = Retries::new(5);
        let far = Deadline::after(Some(Duration::from_secs(60)));
        assert!(retries.wait_after(&timeout, true, far).is_some());
        assert!(retries.wait_after(&timeout, true, far).is_none());
        let lost = transport(TransportErrorKind::ConnectionLost, true);
        let near = Deadline::after(Some(Duration::from_millis(10)));
        assert!(Retries::new(5).wait_after(&lost, true, near).is_none());
        // The final error of a read whose first attempt may have arrived says so.
        let refused = transport(TransportErrorKind::Connect, false);
        assert!(retries.final_error(refused).outcome_unknown());
    }

    #[test]
    fn backoff_doubles_up_to_two_seconds_with_jitter() {
        for (made, base) in [(0, 100), (1, 200), (2, 400), (5, 2000), (30, 2000)] {
            let wait = backoff(made).as_millis() as u64;
            assert!(
                (base * 8 / 10..=base * 12 / 10).contains(&wait),
                "{made}: {wait}"
            );
        }
    }
}
