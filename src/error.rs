//! The one error type of the crate.
//!
//! Each failure a caller must tell apart is its own variant with a helper: the request never
//! left or the connection broke ([`Error::Transport`]), the server answered with an HTTP
//! status and no fault ([`Error::Http`]), the API refused the call ([`Error::Fault`]), the
//! credentials were refused ([`Error::Auth`]), the answer could not be read
//! ([`Error::Decode`]), the parameters do not fit the method ([`Error::Input`]), the request
//! could not be written ([`Error::Encode`]), a file could not be read or written
//! ([`Error::Io`]), or the client was set up wrongly ([`Error::Config`]). The underlying error
//! stays reachable through `source()`. No message holds a password, token or session id:
//! bodies kept for context are redacted first.

use std::fmt;

use crate::model::AnyValue;

/// A specialised `Result` for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong with a call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request could not be sent, or the connection failed before a full answer came:
    /// refused, unreachable, TLS, timeout, reset.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The server answered with an HTTP status that carries no API fault (404, 502, 503, an
    /// HTML page from a proxy, …).
    #[error(transparent)]
    Http(Box<HttpError>),
    /// The API answered with a fault (SOAP `Fault`, or REST HTTP 500 with `faultcode`).
    #[error(transparent)]
    Fault(Box<ApiFault>),
    /// Logging in failed, or a renewed session was refused again.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// The answer could not be decoded into the expected type.
    #[error(transparent)]
    Decode(Box<DecodeFailure>),
    /// The parameters of a call, or a line of a batch file, do not fit: not JSON, not an
    /// object, a value of the wrong type for its field.
    #[error(transparent)]
    Input(Box<InputError>),
    /// The request could not be written (a value XML cannot carry in a literal body, …).
    #[error(transparent)]
    Encode(Box<EncodeFailure>),
    /// A file could not be read or written (a batch file, a session file, a CA file, a
    /// fetched WSDL).
    #[error(transparent)]
    Io(Box<IoError>),
    /// The client is configured wrongly (bad URL, unreadable CA certificate, unknown
    /// protocol name, …).
    #[error("invalid configuration: {0}")]
    Config(String),
    /// A shared store (the PostgreSQL session store or rate limit) could not be used: the
    /// database is unreachable or failed. The message names the database without its password.
    #[error("the shared store failed: {0}")]
    Store(String),
}

impl Error {
    /// Whether the connection failed (including TLS and timeouts).
    pub fn is_transport(&self) -> bool {
        matches!(self, Error::Transport(_))
    }

    /// Whether a time limit ran out.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Transport(t) if t.kind == TransportErrorKind::Timeout)
    }

    /// Whether TLS failed (certificate not trusted, wrong host, handshake).
    pub fn is_tls(&self) -> bool {
        matches!(self, Error::Transport(t) if t.kind == TransportErrorKind::Tls)
    }

    /// Whether the server answered with an HTTP error status and no fault.
    pub fn is_http_status(&self) -> bool {
        matches!(self, Error::Http(_))
    }

    /// The HTTP status, for HTTP errors and faults that came with one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Http(h) => Some(h.status),
            Error::Fault(f) => f.http_status,
            _ => None,
        }
    }

    /// Whether the API answered with a fault.
    pub fn is_fault(&self) -> bool {
        matches!(self, Error::Fault(_))
    }

    /// The fault, if the API answered with one.
    pub fn fault(&self) -> Option<&ApiFault> {
        match self {
            Error::Fault(f) => Some(f),
            _ => None,
        }
    }

    /// The fault code (`Server.Account.duplicate_id`), if the API answered with a fault or
    /// refused the credentials with one.
    pub fn fault_code(&self) -> Option<&str> {
        match self {
            Error::Fault(f) => Some(&f.code),
            Error::Auth(a) => a.code.as_deref(),
            _ => None,
        }
    }

    /// Whether authentication failed.
    pub fn is_auth(&self) -> bool {
        matches!(self, Error::Auth(_))
    }

    /// Whether the answer could not be decoded.
    pub fn is_decode(&self) -> bool {
        matches!(self, Error::Decode(_))
    }

    /// Whether a shared store (such as the PostgreSQL session store) failed.
    pub fn is_store(&self) -> bool {
        matches!(self, Error::Store(_))
    }

    /// Whether the configuration is wrong.
    pub fn is_config(&self) -> bool {
        matches!(self, Error::Config(_))
    }

    /// An [`Error::Input`]: `what` (the call, or `file:line`) with a message, for programs
    /// that check their own input the way the crate does.
    pub fn input(what: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Input(Box::new(InputError {
            what: what.into(),
            message: message.into(),
        }))
    }

    /// An [`Error::Encode`] for a call.
    pub(crate) fn encode(service: &str, method: &str, message: impl Into<String>) -> Self {
        Error::Encode(Box::new(EncodeFailure {
            service: service.to_string(),
            method: method.to_string(),
            message: message.into(),
        }))
    }

    /// An [`Error::Io`]: `action` (`read`, `write`, …) on `path` failed.
    pub fn io(action: &str, path: impl Into<std::path::PathBuf>, source: std::io::Error) -> Self {
        Error::Io(Box::new(IoError {
            action: action.to_string(),
            path: path.into(),
            source,
        }))
    }

    /// Whether the request may have reached the server although no answer came, so that a
    /// write may or may not have been applied. Such a write is never resent automatically.
    pub fn outcome_unknown(&self) -> bool {
        matches!(self, Error::Transport(t) if t.request_sent)
    }

    /// Keeps secrets out of every text the error carries from the server (a body excerpt, a
    /// fault message or detail that echoed the request back): secret fields are redacted
    /// wherever they can be recognised, and the known secret values (see
    /// [`redact::scrub`](crate::redact::scrub)) wherever they still show.
    pub(crate) fn scrub(&mut self, secrets: &[String]) {
        use crate::redact::{redact_body, redact_json, scrub};
        let fix = |text: &mut String, structured: bool| {
            let redacted = if structured {
                redact_body(text.as_bytes())
            } else {
                text.clone()
            };
            let clean = scrub(&redacted, secrets);
            if clean != *text {
                *text = clean;
            }
        };
        match self {
            Error::Transport(t) => fix(&mut t.message, false),
            Error::Http(h) => fix(&mut h.body_start, false),
            Error::Fault(f) => {
                fix(&mut f.message, true);
                fix(&mut f.code, false);
                if let Some(detail) = &mut f.detail {
                    redact_json(detail);
                    let text = detail.to_string();
                    let clean = scrub(&redact_body(text.as_bytes()), secrets);
                    if clean != text {
                        *detail = serde_json::from_str(&clean)
                            .unwrap_or(serde_json::Value::String(clean));
                    }
                }
            }
            Error::Auth(a) => fix(&mut a.message, true),
            Error::Decode(d) => {
                fix(&mut d.message, true);
                fix(&mut d.body_start, false);
            }
            Error::Input(i) => fix(&mut i.message, true),
            Error::Encode(e) => fix(&mut e.message, false),
            Error::Io(_) => {}
            Error::Config(c) | Error::Store(c) => fix(c, false),
        }
    }

    pub(crate) fn decode(
        service: &str,
        method: &str,
        message: impl Into<String>,
        at: Option<(&str, u64, u64)>,
        body: &[u8],
    ) -> Self {
        Error::Decode(Box::new(DecodeFailure {
            service: service.to_string(),
            method: method.to_string(),
            message: message.into(),
            path: at.map(|a| a.0.to_string()),
            line: at.map(|a| a.1),
            column: at.map(|a| a.2),
            body_start: crate::redact::body_start(body),
        }))
    }
}

/// The kinds of transport failures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The host name did not resolve.
    Dns,
    /// The TCP connection was refused or unreachable.
    Connect,
    /// TLS failed: untrusted, expired or wrong-host certificate, or a handshake error.
    Tls,
    /// A time limit ran out (connect, read, or the whole call).
    Timeout,
    /// The connection broke, or the body ended early.
    ConnectionLost,
    /// The response was larger than the limit.
    TooLarge,
    /// Another I/O failure.
    Io,
}

impl fmt::Display for TransportErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransportErrorKind::Dns => "cannot resolve the host",
            TransportErrorKind::Connect => "cannot connect",
            TransportErrorKind::Tls => "TLS failed",
            TransportErrorKind::Timeout => "timed out",
            TransportErrorKind::ConnectionLost => "the connection was lost",
            TransportErrorKind::TooLarge => "the response is too large",
            TransportErrorKind::Io => "I/O error",
        })
    }
}

/// The request could not be completed at the connection level.
#[derive(Debug, thiserror::Error)]
#[error("{service}/{method}: {kind}: {message}{}", if *request_sent { " (the request may have reached the server)" } else { " (the request never left)" })]
#[non_exhaustive]
pub struct TransportError {
    /// What failed.
    pub kind: TransportErrorKind,
    /// The underlying error's description.
    pub message: String,
    /// The service called.
    pub service: String,
    /// The method called.
    pub method: String,
    /// Whether the request may have reached the server.
    pub request_sent: bool,
    /// The error underneath (the I/O error of a refused connection, say).
    #[source]
    pub source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl TransportError {
    /// A transport error without an underlying error.
    pub(crate) fn new(
        kind: TransportErrorKind,
        message: impl Into<String>,
        service: &str,
        method: &str,
        request_sent: bool,
    ) -> Self {
        TransportError {
            kind,
            message: message.into(),
            service: service.to_string(),
            method: method.to_string(),
            request_sent,
            source: None,
        }
    }
}

/// An HTTP status without an API fault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
#[error("{service}/{method}: {} answered HTTP {status}{}: {body_start}", if url.is_empty() { "the server" } else { url.as_str() }, content_type.as_deref().map(|c| format!(" ({c})")).unwrap_or_default())]
pub struct HttpError {
    /// The service called.
    pub service: String,
    /// The method called.
    pub method: String,
    /// The URL the request went to.
    pub url: String,
    /// The HTTP status.
    pub status: u16,
    /// The response's content type.
    pub content_type: Option<String>,
    /// The start of the body (secrets redacted), for context.
    pub body_start: String,
}

impl From<HttpError> for Error {
    fn from(e: HttpError) -> Self {
        Error::Http(Box::new(e))
    }
}

/// A fault returned by the API.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ApiFault {
    /// The service called.
    pub service: String,
    /// The method called.
    pub method: String,
    /// The fault code without a namespace prefix: `Server.Account.duplicate_id`.
    pub code: String,
    /// The fault string.
    pub message: String,
    /// The fault detail, if any.
    pub detail: Option<AnyValue>,
    /// The HTTP status it came with.
    pub http_status: Option<u16>,
}

impl ApiFault {
    /// Whether the fault says the session is no longer valid, so that logging in again and
    /// retrying is the right response.
    pub fn is_session_fault(&self) -> bool {
        is_session_fault(&self.code)
    }

    /// Whether the fault says the entity does not exist (`…not_found…`).
    pub fn is_not_found(&self) -> bool {
        self.code.contains("not_found") || self.code.ends_with(".not_exists")
    }
}

impl fmt::Display for ApiFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}: fault {}: {}",
            self.service, self.method, self.code, self.message
        )
    }
}

impl std::error::Error for ApiFault {}

impl From<ApiFault> for Error {
    fn from(f: ApiFault) -> Self {
        Error::Fault(Box::new(f))
    }
}

/// Fault codes that mean "the session or token is no longer valid: log in again and retry".
pub const SESSION_FAULTS: &[&str] = &[
    "Server.Session.check_auth.auth_failed",
    "Client.Session.check_auth.failed_to_process_access_token",
    "Client.Session.check_auth.failed_to_process_jwt",
    "Client.check_auth.envelope_missed",
];

/// Whether `code` means the session must be renewed.
pub fn is_session_fault(code: &str) -> bool {
    SESSION_FAULTS.contains(&code) || code.ends_with(".check_auth.auth_failed")
}

/// Why authentication failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthErrorKind {
    /// The login, password or token is wrong (`Server.Session.auth_failed`).
    BadCredentials,
    /// Logins are throttled (`Server.Session.cannot_login_brute_force_activity`).
    Lockout,
    /// The password must be changed first (`Server.Session.alert_You_must_change_password`).
    PasswordChangeRequired,
    /// A renewed session was refused again, or no credentials are configured to renew it.
    SessionRejected,
}

/// Authentication failed.
#[derive(Debug, thiserror::Error, Clone)]
#[error("{}{}: {message}", kind.sentence(), code.as_deref().map(|c| format!(" ({c})")).unwrap_or_default())]
#[non_exhaustive]
pub struct AuthError {
    /// Why.
    pub kind: AuthErrorKind,
    /// The fault code, if the server sent one.
    pub code: Option<String>,
    /// The server's message, or ours.
    pub message: String,
}

impl AuthErrorKind {
    /// What went wrong, as the start of a sentence.
    fn sentence(self) -> &'static str {
        match self {
            AuthErrorKind::BadCredentials => {
                "The server refused the login: wrong login, password or token"
            }
            AuthErrorKind::Lockout => {
                "The server refuses logins for now after too many failed attempts"
            }
            AuthErrorKind::PasswordChangeRequired => {
                "The server wants the password changed before the next login"
            }
            AuthErrorKind::SessionRejected => "The server refused the session",
        }
    }
}

impl AuthError {
    /// An authentication error of `kind` with `message`.
    pub(crate) fn new(kind: AuthErrorKind, code: Option<&str>, message: impl Into<String>) -> Self {
        AuthError {
            kind,
            code: code.map(str::to_string),
            message: message.into(),
        }
    }

    /// The authentication error for a login fault, or `None` if the fault is not about
    /// credentials.
    pub fn from_login_fault(code: &str, message: &str) -> Option<Self> {
        let kind = match code {
            "Server.Session.auth_failed" => AuthErrorKind::BadCredentials,
            "Server.Session.cannot_login_brute_force_activity" => AuthErrorKind::Lockout,
            "Server.Session.alert_You_must_change_password" => {
                AuthErrorKind::PasswordChangeRequired
            }
            c if c.starts_with("Server.Session.") || c.starts_with("Client.Session.") => {
                AuthErrorKind::BadCredentials
            }
            _ => return None,
        };
        Some(AuthError {
            kind,
            code: Some(code.to_string()),
            message: message.to_string(),
        })
    }
}

/// An answer that could not be decoded.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DecodeFailure {
    /// The service called.
    pub service: String,
    /// The method called.
    pub method: String,
    /// What went wrong.
    pub message: String,
    /// The element path (SOAP) or field path (JSON), if known.
    pub path: Option<String>,
    /// The line, if known.
    pub line: Option<u64>,
    /// The column, if known.
    pub column: Option<u64>,
    /// The start of the body (secrets redacted), for context.
    pub body_start: String,
}

impl fmt::Display for DecodeFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}: cannot decode the response: {}",
            self.service, self.method, self.message
        )?;
        if let Some(path) = &self.path {
            write!(f, " at {path}")?;
        }
        if let (Some(line), Some(column)) = (self.line, self.column) {
            write!(f, " (line {line}, column {column})")?;
        }
        if !self.body_start.is_empty() {
            write!(f, "; the body starts: {}", self.body_start)?;
        }
        Ok(())
    }
}

impl std::error::Error for DecodeFailure {}

/// The parameters of a call, or a line of a batch file, do not fit.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{what}: {message}")]
#[non_exhaustive]
pub struct InputError {
    /// The call (`Account/update_account`) or the place (`calls.jsonl:3`).
    pub what: String,
    /// What is wrong.
    pub message: String,
}

/// A request that could not be written.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{service}/{method}: cannot write the request: {message}")]
#[non_exhaustive]
pub struct EncodeFailure {
    /// The service called.
    pub service: String,
    /// The method called.
    pub method: String,
    /// Why.
    pub message: String,
}

/// A file that could not be read or written.
#[derive(Debug, thiserror::Error)]
#[error("cannot {action} {}: {source}", path.display())]
#[non_exhaustive]
pub struct IoError {
    /// What was done: `read`, `write`, `open`, `lock`, …
    pub action: String,
    /// The file.
    pub path: std::path::PathBuf,
    /// The I/O error.
    #[source]
    pub source: std::io::Error,
}
