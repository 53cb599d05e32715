//! Authentication: credentials and sessions. Log in once, reuse the session everywhere, renew it once when it
//! expires.
//!
//! PortaBilling asks clients not to log in per call: every login loads the billing database.
//! The [`SessionManager`] holds the current session for all threads of a client. When a call
//! is refused for an expired session, the first thread to notice logs in again while the
//! others wait, then all of them use the new session. With a [`SessionStore`] the same
//! happens across processes: the store's lock serialises logins, and a process that finds a
//! newer session in the store adopts it instead of logging in.

mod store;

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, TryLockError};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

pub use store::{FileStore, MemoryStore, SessionStore, StoredSessions};

/// What [`Client::session_status`](crate::Client::session_status) found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionStatus {
    /// The server knows the session.
    Alive,
    /// There is a session, in memory or in the store, but the server no longer knows it.
    Expired,
    /// No session: never logged in, or logged out.
    Missing,
}

use crate::error::{AuthError, AuthErrorKind, Error, Result, TransportError, TransportErrorKind};

/// A secret string: a password, token or session id. Its `Debug` and `Display` output is
/// `<redacted>`; [`expose`](Secret::expose) gives the value where it is really needed.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret value.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret(s.to_string())
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret(s)
    }
}

/// How the client authenticates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credentials {
    /// A login and password.
    Password {
        /// The API user's login.
        login: String,
        /// The password.
        password: Secret,
    },
    /// A login and API token.
    Token {
        /// The API user's login.
        login: String,
        /// The API token.
        token: Secret,
    },
    /// An existing session id; no login is possible when it expires.
    SessionId(Secret),
    /// No credentials (only unauthenticated calls, such as `Session/login` itself).
    None,
}

impl Credentials {
    /// The login, if any.
    pub fn login(&self) -> Option<&str> {
        match self {
            Credentials::Password { login, .. } | Credentials::Token { login, .. } => Some(login),
            _ => None,
        }
    }

    /// Whether the client can log in by itself.
    pub fn can_login(&self) -> bool {
        matches!(
            self,
            Credentials::Password { .. } | Credentials::Token { .. }
        )
    }
}

/// An established session: the session id, and the tokens of MR100+ servers.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct Session {
    /// The session id (`auth_info.session_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<Secret>,
    /// The JWT access token (`Authorization: Bearer`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<Secret>,
    /// The refresh token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<Secret>,
    /// When the access token expires, in seconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
}

impl Session {
    /// Whether the session holds nothing usable.
    pub fn is_empty(&self) -> bool {
        self.session_id.is_none() && self.access_token.is_none()
    }

    /// Whether the access token expires within `margin` seconds of now.
    pub fn expires_within(&self, margin: i64) -> bool {
        self.expires_at.is_some_and(|at| at - margin <= now())
    }

    /// Reads a login or refresh response: `session_id`, `access_token`, `refresh_token`,
    /// `expires_at` (UTC `YYYY-MM-DD HH:MM:SS`) and `expires_in` (seconds), all optional, with
    /// the JWT's `exp` claim as a last resort for the expiry. The token is not verified.
    pub fn from_login_response(value: &serde_json::Value) -> Session {
        let text = |key: &str| {
            value
                .get(key)
                .and_then(|v| match v {
                    serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
                    serde_json::Value::Number(n) => Some(n.to_string()),
                    _ => None,
                })
                .map(Secret)
        };
        let access_token = text("access_token");
        let expires_in = value.get("expires_in").and_then(|v| {
            v.as_i64()
                .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
        });
        let expires_at = expires_in
            .map(|secs| now() + secs)
            .or_else(|| {
                value
                    .get("expires_at")
                    .and_then(|v| v.as_str())
                    .and_then(|s| s.parse::<crate::model::DateTime>().ok())
                    .map(|dt| dt.unix_timestamp())
            })
            .or_else(|| access_token.as_ref().and_then(|t| jwt_expiry(t.expose())));
        Session {
            session_id: text("session_id"),
            access_token,
            refresh_token: text("refresh_token"),
            expires_at,
        }
    }

    /// This session updated by a refresh response: fields the refresh did not send are kept.
    pub fn refreshed(&self, update: Session) -> Session {
        Session {
            session_id: update.session_id.or_else(|| self.session_id.clone()),
            access_token: update.access_token.or_else(|| self.access_token.clone()),
            refresh_token: update.refresh_token.or_else(|| self.refresh_token.clone()),
            expires_at: update.expires_at,
        }
    }
}

/// The `exp` claim of a JWT, read without verifying the signature (the client only needs to
/// know when to refresh; the server checks the token).
pub fn jwt_expiry(token: &str) -> Option<i64> {
    let payload = token.split('.').nth(1)?;
    let bytes = crate::model::base64::decode(payload)?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    claims.get("exp")?.as_i64()
}

pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Holds the current session of a client and renews it, once, for all threads.
pub struct SessionManager {
    credentials: Credentials,
    store: Option<Arc<dyn SessionStore>>,
    key: String,
    state: RwLock<Option<Arc<Session>>>,
    /// The last few sessions, so that their secrets can be kept out of errors and logs
    /// after they are replaced (a call may still be using one).
    recent: Mutex<std::collections::VecDeque<Arc<Session>>>,
    login_lock: Mutex<()>,
    logins: AtomicU64,
    refreshes: AtomicU64,
}

impl fmt::Debug for SessionManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionManager")
            .field("credentials", &self.credentials)
            .field("store", &self.store)
            .field("logins", &self.logins.load(Ordering::Relaxed))
            .finish()
    }
}

impl SessionManager {
    /// A manager for `credentials`. Sessions are stored under `key` (the server and login).
    pub fn new(
        credentials: Credentials,
        store: Option<Arc<dyn SessionStore>>,
        key: String,
    ) -> Self {
        let initial = match &credentials {
            Credentials::SessionId(id) => Some(Arc::new(Session {
                session_id: Some(id.clone()),
                ..Session::default()
            })),
            _ => None,
        };
        SessionManager {
            credentials,
            store,
            key,
            state: RwLock::new(initial),
            recent: Mutex::new(std::collections::VecDeque::new()),
            login_lock: Mutex::new(()),
            logins: AtomicU64::new(0),
            refreshes: AtomicU64::new(0),
        }
    }

    /// The credentials.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// How many logins this manager performed.
    pub fn logins(&self) -> u64 {
        self.logins.load(Ordering::Relaxed)
    }

    /// How many token refreshes this manager performed.
    pub fn refreshes(&self) -> u64 {
        self.refreshes.load(Ordering::Relaxed)
    }

    /// The session in use, if any, without logging in.
    pub fn peek(&self) -> Option<Arc<Session>> {
        self.state.read().ok().and_then(|s| s.clone())
    }

    fn set(&self, session: Option<Arc<Session>>) {
        if let Some(session) = &session {
            let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
            if recent.len() >= 4 {
                recent.pop_front();
            }
            recent.push_back(Arc::clone(session));
        }
        if let Ok(mut state) = self.state.write() {
            *state = session;
        }
    }

    /// The secret values this manager knows: the password or token, and the session ids and
    /// tokens of the current and last few sessions. Errors and logs are scrubbed of them.
    pub(crate) fn known_secrets(&self) -> Vec<String> {
        let mut out = Vec::new();
        match &self.credentials {
            Credentials::Password { password, .. } => out.push(password.expose().to_string()),
            Credentials::Token { token, .. } => out.push(token.expose().to_string()),
            Credentials::SessionId(id) => out.push(id.expose().to_string()),
            Credentials::None => {}
        }
        let recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        for session in recent.iter().chain(self.peek().as_ref()) {
            for secret in [
                &session.session_id,
                &session.access_token,
                &session.refresh_token,
            ]
            .into_iter()
            .flatten()
            {
                if !out.iter().any(|s| s == secret.expose()) {
                    out.push(secret.expose().to_string());
                }
            }
        }
        out
    }

    /// The session in use, or else the one in the store, without logging in.
    pub fn stored(&self) -> Result<Option<Arc<Session>>> {
        if let Some(session) = self.peek() {
            return Ok(Some(session));
        }
        let Some(store) = &self.store else {
            return Ok(None);
        };
        Ok(store
            .load(&self.key)?
            .filter(|s| !s.is_empty())
            .map(|stored| {
                let session = Arc::new(stored);
                self.set(Some(Arc::clone(&session)));
                session
            }))
    }

    /// The session to use: the current one, one from the store, or a new login. Waiting for
    /// another thread's or process's login ends at `until`.
    pub fn current(
        &self,
        login: &dyn Fn() -> Result<Session>,
        until: Option<Instant>,
    ) -> Result<Arc<Session>> {
        if let Some(session) = self.peek() {
            return Ok(session);
        }
        self.renew(None, login, until)
    }

    /// Replaces `failed`, the session a call was refused with (or `None` when there was no
    /// session yet). If another thread or process has already replaced it, that session is
    /// used and no login happens.
    pub fn renew(
        &self,
        failed: Option<&Session>,
        login: &dyn Fn() -> Result<Session>,
        until: Option<Instant>,
    ) -> Result<Arc<Session>> {
        self.renew_tracked(failed, login, until)
            .map(|(session, _)| session)
    }

    /// [`renew`](Self::renew), also telling whether this call logged in (`true`) or adopted a
    /// session another thread or process had already made (`false`).
    pub(crate) fn renew_tracked(
        &self,
        failed: Option<&Session>,
        login: &dyn Fn() -> Result<Session>,
        until: Option<Instant>,
    ) -> Result<(Arc<Session>, bool)> {
        let _guard = lock_until(&self.login_lock, until)?;
        if let Some(current) = self.peek() {
            if failed.is_none_or(|f| *f != *current) {
                return Ok((current, false));
            }
        }
        if !self.credentials.can_login() {
            return Err(Error::Auth(AuthError::new(
                AuthErrorKind::SessionRejected,
                None,
                match self.credentials {
                    Credentials::SessionId(_) => {
                        "the server refused the session id, and no login and password or token are configured to log in again"
                    }
                    _ => "no credentials are configured",
                },
            )));
        }
        let mut fresh: Option<Session> = None;
        let mut logged_in = false;
        match &self.store {
            Some(store) => store.with_lock(&self.key, until, &mut || {
                if let Some(stored) = store.load(&self.key)? {
                    let usable = !stored.is_empty() && failed.is_none_or(|f| *f != stored);
                    if usable {
                        tracing::debug!("adopting the session another process stored");
                        fresh = Some(stored);
                        return Ok(());
                    }
                }
                let session = self.login_once(login)?;
                logged_in = true;
                store.save(&self.key, &session)?;
                fresh = Some(session);
                Ok(())
            })?,
            None => {
                fresh = Some(self.login_once(login)?);
                logged_in = true;
            }
        }
        let session = Arc::new(fresh.unwrap_or_default());
        self.set(Some(Arc::clone(&session)));
        Ok((session, logged_in))
    }

    fn login_once(&self, login: &dyn Fn() -> Result<Session>) -> Result<Session> {
        let session = login()?;
        self.logins.fetch_add(1, Ordering::Relaxed);
        tracing::info!(login = self.credentials.login().unwrap_or(""), "logged in");
        if session.is_empty() {
            return Err(Error::Auth(AuthError::new(
                AuthErrorKind::SessionRejected,
                None,
                "the login response holds neither a session id nor an access token",
            )));
        }
        Ok(session)
    }

    /// Replaces the session by a refreshed one, unless another thread already did. `refresh`
    /// gets the current session; when it fails, a new login is made instead.
    pub fn refresh(
        &self,
        stale: &Session,
        refresh: &dyn Fn(&Session) -> Result<Session>,
        login: &dyn Fn() -> Result<Session>,
        until: Option<Instant>,
    ) -> Result<Arc<Session>> {
        {
            let _guard = lock_until(&self.login_lock, until)?;
            if let Some(current) = self.peek() {
                if *current != *stale {
                    return Ok(current);
                }
            }
            if stale.refresh_token.is_some() {
                match refresh(stale) {
                    Ok(update) if !update.is_empty() => {
                        let session = stale.refreshed(update);
                        self.refreshes.fetch_add(1, Ordering::Relaxed);
                        if let Some(store) = &self.store {
                            store.with_lock(&self.key, until, &mut || {
                                store.save(&self.key, &session)
                            })?;
                        }
                        let session = Arc::new(session);
                        self.set(Some(Arc::clone(&session)));
                        tracing::debug!("access token refreshed");
                        return Ok(session);
                    }
                    Ok(_) => tracing::debug!("the refresh returned no token; logging in again"),
                    Err(e) => {
                        tracing::debug!(error = %e, "the token refresh failed; logging in again")
                    }
                }
            }
        }
        self.renew(Some(stale), login, until)
    }

    /// Forgets the session (after a logout), here and in the store.
    pub fn forget(&self, until: Option<Instant>) -> Result<()> {
        let _guard = lock_until(&self.login_lock, until)?;
        self.set(None);
        if let Some(store) = &self.store {
            store.with_lock(&self.key, until, &mut || store.clear(&self.key))?;
        }
        Ok(())
    }
}

/// How often a wait for a lock looks again.
const LOCK_POLL: Duration = Duration::from_millis(2);

/// Locks `mutex`, waiting no later than `until`: a call's time limit also bounds its wait
/// for another thread's login.
fn lock_until<T>(mutex: &Mutex<T>, until: Option<Instant>) -> Result<MutexGuard<'_, T>> {
    let Some(until) = until else {
        return Ok(mutex.lock().unwrap_or_else(|e| e.into_inner()));
    };
    loop {
        match mutex.try_lock() {
            Ok(guard) => return Ok(guard),
            Err(TryLockError::Poisoned(p)) => return Ok(p.into_inner()),
            Err(TryLockError::WouldBlock) => {}
        }
        if Instant::now() >= until {
            return Err(lock_timeout());
        }
        std::thread::sleep(LOCK_POLL);
    }
}

/// The error of a wait for a login that outlasted the call's time limit.
pub(crate) fn lock_timeout() -> Error {
    Error::Transport(TransportError::new(
        TransportErrorKind::Timeout,
        "the call's time limit ran out while another login was in progress",
        "Session",
        "login",
        false,
    ))
}
