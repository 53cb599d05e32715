//! What the two wire formats share, below both of them: the [`WireFormat`] trait the client
//! drives, the call's credentials and label, HTTP requests and responses, the decoders'
//! [`Limits`], and the wire-level [`Fault`] with the one function that turns it into an error.
//!
//! SOAP ([`crate::soap`]) and REST ([`crate::rest`]) each implement [`WireFormat`]; the client
//! picks one by its protocol and otherwise does not know which it talks to. Nothing here
//! sends a byte: that is the transport's job.

use std::io::Read;

use crate::auth::Session;
use crate::error::{ApiFault, Error, HttpError, Result, TransportError, TransportErrorKind};
use crate::model::{AnyValue, OperationInfo, Structure};

/// Limits on what a decoder accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The deepest element nesting accepted.
    pub max_depth: usize,
    /// The largest body accepted, in bytes.
    pub max_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 64,
            max_bytes: 256 * 1024 * 1024,
        }
    }
}

/// A fault as a server sent it, over either wire: SOAP's `<Fault>`, or REST's
/// `{"faultcode", "faultstring"}`.
#[derive(Clone, Debug, PartialEq)]
pub struct Fault {
    /// The fault code without a namespace prefix (`Server.Session.check_auth.auth_failed`).
    pub code: String,
    /// The fault string.
    pub message: String,
    /// The fault actor, if any.
    pub actor: Option<String>,
    /// The fault detail, if any.
    pub detail: Option<AnyValue>,
}

/// The credentials a request carries.
#[derive(Debug, Clone, Copy)]
pub(crate) enum CallAuth<'a> {
    /// None (`Session/login`, `Session/refresh_access_token`).
    None,
    /// An established session.
    Session(&'a Session),
}

/// Which call a request belongs to, for error messages and the retry decision.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CallLabel<'a> {
    pub service: &'a str,
    pub method: &'a str,
    /// Whether the call only reads, so that resending it is harmless.
    pub read_only: bool,
}

impl<'a> CallLabel<'a> {
    /// The label of a generated operation.
    pub(crate) fn of(op: &'a OperationInfo) -> Self {
        CallLabel {
            service: op.service,
            method: op.method,
            read_only: op.read_only,
        }
    }
}

/// The parameters of a request: a generated structure, or an untyped JSON-style value.
#[derive(Clone, Copy)]
pub(crate) enum Params<'a> {
    /// A value of the operation's request type.
    Typed(&'a OperationInfo, &'a dyn Structure),
    /// Any value, for methods the generated set lacks.
    Untyped(&'a AnyValue),
}

/// An HTTP request ready to send.
#[derive(Debug)]
pub(crate) struct HttpRequest {
    /// The path and query, appended to the server's base URL.
    pub path: String,
    /// Header names and values.
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: Vec<u8>,
}

/// An HTTP response, read into memory.
#[derive(Debug)]
pub(crate) struct HttpResponse {
    pub status: u16,
    pub content_type: Option<String>,
    pub content_disposition: Option<String>,
    pub body: Vec<u8>,
}

/// An HTTP response whose body is still to be read.
pub(crate) struct StreamingResponse {
    pub status: u16,
    pub content_type: Option<String>,
    pub content_disposition: Option<String>,
    /// The length the `Content-Length` header declares, if any: a hint, never trusted.
    pub content_length: Option<u64>,
    pub body: Box<dyn Read + Send>,
}

impl StreamingResponse {
    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// A wire format: typed and untyped values to HTTP requests, HTTP responses to values or
/// errors. Implemented by SOAP and REST; the client holds one of each in a closed enum.
pub(crate) trait WireFormat {
    /// The request for a call.
    fn request(
        &self,
        label: CallLabel<'_>,
        auth: CallAuth<'_>,
        params: Params<'_>,
    ) -> Result<HttpRequest>;

    /// Reads a response into a value of the operation's response type, or the fault or error
    /// it stands for.
    fn read_typed(
        &self,
        label: CallLabel<'_>,
        response: &HttpResponse,
        out: &mut dyn Structure,
    ) -> Result<()>;

    /// Reads a response into an untyped value, or the fault or error it stands for.
    fn read_untyped(&self, label: CallLabel<'_>, response: &HttpResponse) -> Result<AnyValue>;
}

/// The error for a fault.
pub(crate) fn fault_error(label: CallLabel<'_>, fault: Fault, status: u16) -> Error {
    Error::from(ApiFault {
        service: label.service.to_string(),
        method: label.method.to_string(),
        code: fault.code,
        message: fault.message,
        detail: fault.detail,
        http_status: Some(status),
    })
}

/// The error for an HTTP status without a usable body.
pub(crate) fn http_error(label: CallLabel<'_>, response: &HttpResponse) -> Error {
    Error::Http(Box::new(HttpError {
        service: label.service.to_string(),
        method: label.method.to_string(),
        // The call path, which knows where the request went, fills it in.
        url: String::new(),
        status: response.status,
        content_type: response.content_type.clone(),
        body_start: crate::redact::body_start(&response.body),
    }))
}

/// Turns a body read error into a transport error: the request was sent by then.
pub(crate) fn body_read_error(service: &str, method: &str, e: std::io::Error) -> Error {
    // A body reader's error may already be ours, naming the call: take it as it is, so the
    // message does not say the call and the kind twice.
    let e = if e.get_ref().is_some_and(|inner| inner.is::<Error>()) {
        match e.into_inner().map(|inner| inner.downcast::<Error>()) {
            Some(Ok(named)) => return *named,
            _ => std::io::Error::other("the body could not be read"),
        }
    } else {
        e
    };
    let text = e.to_string();
    let kind = if text.contains("imeout") || e.kind() == std::io::ErrorKind::TimedOut {
        TransportErrorKind::Timeout
    } else if text.contains("larger than the limit")
        // ureq's own limit (`BodyExceedsLimit`), as it reaches us through an io::Error.
        || text.contains("larger than request limit")
        || text.contains("exceeds limit")
        || text.contains("BodyExceedsLimit")
    {
        TransportErrorKind::TooLarge
    } else {
        TransportErrorKind::ConnectionLost
    };
    let mut error = TransportError::new(kind, text, service, method, true);
    error.source = Some(Box::new(e));
    Error::Transport(error)
}

/// The most room a body's declared length reserves before its bytes arrive.
const DECLARED_ROOM: u64 = 1 << 20;

/// Reads a whole body into memory, refusing more than `max` bytes. Room for the declared
/// length is made at once, up to [`DECLARED_ROOM`], whatever the header claims.
pub(crate) fn read_all(
    label: CallLabel<'_>,
    body: &mut (dyn Read + Send),
    declared: Option<u64>,
    max: u64,
) -> Result<Vec<u8>> {
    // One byte more than declared, so that reading to the end finds it without growing.
    let room = declared.map_or(0, |n| n.min(max).min(DECLARED_ROOM).saturating_add(1));
    let mut out = Vec::with_capacity(usize::try_from(room).unwrap_or(0));
    body.take(max.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|e| body_read_error(label.service, label.method, e))?;
    if out.len() as u64 > max {
        return Err(Error::Transport(TransportError::new(
            TransportErrorKind::TooLarge,
            format!("the response is larger than the limit of {max} bytes"),
            label.service,
            label.method,
            true,
        )));
    }
    Ok(out)
}
