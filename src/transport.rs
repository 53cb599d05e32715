//! HTTP over one `ureq` agent: TLS with rustls, timeouts, limits, and the retry policy.
//!
//! One agent per client keeps connections alive between calls, so a TLS handshake happens per
//! connection, not per call. Failures are sorted by whether the request can have reached the
//! server, because that decides what may be retried: a read is retried after any transport
//! failure or a 502/503/504, a write only when the request provably never left (the
//! connection, DNS lookup or TLS handshake failed).

use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

use ureq::tls::{Certificate, RootCerts, TlsConfig};

use crate::error::{Error, HttpError, TransportError, TransportErrorKind};

/// Time limits of a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// Establishing the connection (DNS, TCP and TLS).
    pub connect: Option<Duration>,
    /// Waiting for each read from the server.
    pub read: Option<Duration>,
    /// The whole call, from the first byte sent to the last byte read.
    pub call: Option<Duration>,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Some(Duration::from_secs(10)),
            read: Some(Duration::from_secs(60)),
            call: Some(Duration::from_secs(300)),
        }
    }
}

/// How TLS certificates are checked.
#[derive(Clone, Debug, Default)]
pub(crate) struct TlsOptions {
    /// Extra trusted CA certificates (DER), on top of the bundled Mozilla roots.
    pub extra_roots: Vec<Vec<u8>>,
    /// No verification at all. Set only by the loudly named builder opt-out.
    pub insecure: bool,
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
    pub body: Box<dyn Read + Send>,
}

/// Which call a request belongs to, for error messages and the retry decision.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CallLabel<'a> {
    pub service: &'a str,
    pub method: &'a str,
    /// Whether the call only reads, so that resending it is harmless.
    pub read_only: bool,
}

/// The HTTP side of a client.
#[derive(Clone)]
pub(crate) struct Http {
    agent: ureq::Agent,
    call_timeout: Option<Duration>,
    base: String,
    max_body: u64,
    retries: u32,
    insecure: bool,
}

impl std::fmt::Debug for Http {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Http")
            .field("base", &self.base)
            .field("max_body", &self.max_body)
            .field("retries", &self.retries)
            .field("insecure", &self.insecure)
            .finish()
    }
}

/// The TLS settings of every HTTPS client in the crate: one root list, Mozilla's
/// (webpki-root-certs) plus the user's private CAs, and the ring provider named here rather
/// than left to ureq's feature flags, so ureq carries no second copy of the same roots (its
/// `rustls-webpki-roots` feature) and no client depends on a process-wide default provider.
pub(crate) fn tls_config(tls: &TlsOptions) -> TlsConfig {
    let certs: Vec<Certificate<'static>> = webpki_root_certs::TLS_SERVER_ROOT_CERTS
        .iter()
        .map(|c| Certificate::from_der(c.as_ref()))
        .chain(
            tls.extra_roots
                .iter()
                .map(|der| Certificate::from_der(der).to_owned()),
        )
        .collect();
    TlsConfig::builder()
        .root_certs(RootCerts::Specific(Arc::new(certs)))
        .unversioned_rustls_crypto_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .disable_verification(tls.insecure)
        .build()
}

impl Http {
    /// An agent for `base` (`https://host:port`, no trailing slash).
    pub fn new(
        base: String,
        timeouts: Timeouts,
        tls: &TlsOptions,
        max_body: u64,
        retries: u32,
        user_agent: &str,
    ) -> Result<Self, Error> {
        let tls_config = tls_config(tls);
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(timeouts.connect)
            .timeout_per_read(timeouts.read)
            // The whole-call limit is set per phase, plus a deadline the body reader checks.
            // ureq's global (and resolve) timeouts make it resolve the host name on a new
            // thread for every request, pooled connection or not: about 100 µs a call,
            // more than the rest of a small call together. DNS lookups keep the system
            // resolver's own time limits.
            .timeout_send_request(timeouts.call)
            .timeout_send_body(timeouts.call)
            .timeout_recv_response(timeouts.call)
            .max_redirects(0)
            .user_agent(user_agent)
            .tls_config(tls_config)
            .max_idle_connections_per_host(16)
            .max_idle_age(Duration::from_secs(50))
            .build();
        Ok(Http {
            agent: ureq::Agent::new_with_config(config),
            call_timeout: timeouts.call,
            base,
            max_body,
            retries,
            insecure: tls.insecure,
        })
    }

    /// The base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Sends a request and reads the whole response, retrying as the policy allows.
    pub fn send(&self, label: CallLabel<'_>, request: &HttpRequest) -> Result<HttpResponse, Error> {
        let mut attempt = 0;
        loop {
            let result = self
                .send_once(label, request, self.max_body)
                .and_then(|mut response| {
                    let body = read_limited(&mut response.body, self.max_body)
                        .map_err(|e| self.io_error(label, e))?;
                    Ok(HttpResponse {
                        status: response.status,
                        content_type: response.content_type,
                        content_disposition: response.content_disposition,
                        body,
                    })
                });
            match result {
                Ok(response)
                    if attempt < self.retries
                        && label.read_only
                        && matches!(response.status, 502..=504) =>
                {
                    tracing::debug!(
                        service = label.service,
                        method = label.method,
                        status = response.status,
                        "retrying a read after a gateway error"
                    );
                }
                Ok(response) => return Ok(response),
                Err(e) if attempt < self.retries && retryable(&e, label.read_only) => {
                    tracing::debug!(service = label.service, method = label.method, error = %e, "retrying");
                }
                Err(e) => return Err(e),
            }
            attempt += 1;
            std::thread::sleep(Duration::from_millis(50 * u64::from(attempt)));
        }
    }

    /// Sends a request and returns the response with its body unread (for streaming and
    /// file downloads), retrying as the policy allows. The body has no total size limit: a
    /// stream of items or a file may be longer than any buffer, and the readers bound what
    /// they hold at once.
    pub fn send_streaming(
        &self,
        label: CallLabel<'_>,
        request: &HttpRequest,
    ) -> Result<StreamingResponse, Error> {
        let mut attempt = 0;
        loop {
            match self.send_once(label, request, u64::MAX) {
                Ok(response) => return Ok(response),
                Err(e) if attempt < self.retries && retryable(&e, label.read_only) => {
                    attempt += 1;
                    std::thread::sleep(Duration::from_millis(50 * u64::from(attempt)));
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn send_once(
        &self,
        label: CallLabel<'_>,
        request: &HttpRequest,
        limit: u64,
    ) -> Result<StreamingResponse, Error> {
        let started = std::time::Instant::now();
        if self.insecure {
            tracing::warn!(
                service = label.service,
                method = label.method,
                "TLS certificate verification is DISABLED for this client (danger_disable_tls_verification)"
            );
        }
        let url = format!("{}{}", self.base, request.path);
        let mut builder = self.agent.post(&url);
        for (name, value) in &request.headers {
            builder = builder.header(*name, value.as_str());
        }
        let response = builder
            .send(&request.body[..])
            .map_err(|e| self.map_error(label, e))?;
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let content_type = header("content-type");
        let content_disposition = header("content-disposition");
        let reader = response
            .into_body()
            .into_with_config()
            .limit(limit)
            .reader();
        let label_service = label.service.to_string();
        let label_method = label.method.to_string();
        Ok(StreamingResponse {
            status,
            content_type,
            content_disposition,
            body: Box::new(MappedReader {
                inner: reader,
                service: label_service,
                method: label_method,
                // Streams and downloads may take as long as they need; reads stay bounded.
                deadline: (limit != u64::MAX)
                    .then_some(())
                    .and(self.call_timeout.map(|t| started + t)),
            }),
        })
    }

    fn io_error(&self, label: CallLabel<'_>, e: std::io::Error) -> Error {
        io_to_error(label.service, label.method, e)
    }

    fn map_error(&self, label: CallLabel<'_>, e: ureq::Error) -> Error {
        let (kind, sent) = classify(&e);
        Error::Transport(TransportError {
            kind,
            message: describe(&e),
            service: label.service.to_string(),
            method: label.method.to_string(),
            request_sent: sent,
        })
    }
}

/// A body reader whose errors name the call.
struct MappedReader<R> {
    inner: R,
    service: String,
    method: String,
    /// When the whole call must be over.
    deadline: Option<std::time::Instant>,
}

impl<R: Read> Read for MappedReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.deadline.is_some_and(|d| std::time::Instant::now() > d) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the call took longer than its time limit (timed out while reading the body)",
            ));
        }
        self.inner.read(buf).map_err(|e| {
            let kind = e.kind();
            std::io::Error::new(kind, io_to_error(&self.service, &self.method, e))
        })
    }
}

/// Reads a body up to `max` bytes.
fn read_limited(body: &mut (dyn Read + Send), max: u64) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    body.take(max.saturating_add(1)).read_to_end(&mut out)?;
    if out.len() as u64 > max {
        return Err(std::io::Error::other(format!(
            "the response is larger than the limit of {max} bytes"
        )));
    }
    Ok(out)
}

/// Turns a body read error into a transport error: the request was sent by then.
pub(crate) fn io_to_error(service: &str, method: &str, e: std::io::Error) -> Error {
    // A body reader's error already names the call (`MappedReader`): take it as it is, so the
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
    Error::Transport(TransportError {
        kind,
        message: text,
        service: service.to_string(),
        method: method.to_string(),
        request_sent: true,
    })
}

/// Whether an error allows another attempt: any transport failure for a read, only a
/// request that never left for a write.
fn retryable(e: &Error, read_only: bool) -> bool {
    match e {
        Error::Transport(t) if t.kind == TransportErrorKind::Tls => false,
        Error::Transport(t) if t.kind == TransportErrorKind::TooLarge => false,
        Error::Transport(t) => read_only || !t.request_sent,
        _ => false,
    }
}

/// The kind of a `ureq` error, and whether the request may have reached the server.
fn classify(e: &ureq::Error) -> (TransportErrorKind, bool) {
    use ureq::Timeout as T;
    match e {
        ureq::Error::HostNotFound => (TransportErrorKind::Dns, false),
        ureq::Error::ConnectionFailed => (TransportErrorKind::Connect, false),
        ureq::Error::Timeout(T::Resolve | T::Connect) => (TransportErrorKind::Timeout, false),
        // A send that timed out left the body incomplete: the server cannot act on it.
        ureq::Error::Timeout(T::SendRequest | T::SendBody) => (TransportErrorKind::Timeout, false),
        ureq::Error::Timeout(_) => (TransportErrorKind::Timeout, true),
        ureq::Error::Tls(_) | ureq::Error::Pem(_) | ureq::Error::TlsRequired => {
            (TransportErrorKind::Tls, false)
        }
        ureq::Error::Rustls(r) => rustls_kind(r),
        ureq::Error::BodyExceedsLimit(_) => (TransportErrorKind::TooLarge, true),
        ureq::Error::Io(io) => io_kind(io),
        ureq::Error::BadUri(_) | ureq::Error::Http(_) | ureq::Error::RequireHttpsOnly(_) => {
            (TransportErrorKind::Connect, false)
        }
        ureq::Error::InvalidProxyUrl | ureq::Error::ConnectProxyFailed(_) => {
            (TransportErrorKind::Connect, false)
        }
        _ => (TransportErrorKind::Io, true),
    }
}

/// A TLS failure: during the handshake (certificate, version, alert) nothing was sent.
fn rustls_kind(r: &rustls::Error) -> (TransportErrorKind, bool) {
    let handshake = matches!(
        r,
        rustls::Error::InvalidCertificate(_)
            | rustls::Error::NoCertificatesPresented
            | rustls::Error::UnsupportedNameType
            | rustls::Error::PeerIncompatible(_)
            | rustls::Error::AlertReceived(_)
            | rustls::Error::InappropriateHandshakeMessage { .. }
    );
    (TransportErrorKind::Tls, !handshake)
}

fn io_kind(io: &std::io::Error) -> (TransportErrorKind, bool) {
    use std::io::ErrorKind as K;
    // rustls reports handshake failures (a fatal alert such as `protocol_version` from a
    // server that speaks only TLS 1.0 or 1.1, a bad certificate) through io errors wrapping
    // its own error.
    if let Some(r) = io.get_ref().and_then(|e| e.downcast_ref::<rustls::Error>()) {
        return rustls_kind(r);
    }
    match io.kind() {
        K::ConnectionRefused | K::AddrNotAvailable | K::HostUnreachable | K::NetworkUnreachable => {
            (TransportErrorKind::Connect, false)
        }
        K::TimedOut | K::WouldBlock => (TransportErrorKind::Timeout, true),
        K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe | K::UnexpectedEof => {
            (TransportErrorKind::ConnectionLost, true)
        }
        _ => {
            // rustls reports certificate problems through io errors wrapping its own error.
            let text = io.to_string();
            if text.contains("certificate") || text.contains("TLS") || text.contains("tls") {
                (TransportErrorKind::Tls, false)
            } else {
                (TransportErrorKind::Io, true)
            }
        }
    }
}

fn describe(e: &ureq::Error) -> String {
    match e {
        ureq::Error::HostNotFound => "the host name did not resolve".into(),
        ureq::Error::ConnectionFailed => {
            "the connection was refused or the host is unreachable".into()
        }
        ureq::Error::Timeout(t) => format!("timed out ({t})"),
        other => other.to_string(),
    }
}

/// Parses PEM text into DER certificates.
pub(crate) fn parse_pem_certificates(pem: &[u8]) -> Result<Vec<Vec<u8>>, Error> {
    let mut out = Vec::new();
    for item in ureq::tls::parse_pem(pem) {
        match item {
            Ok(ureq::tls::PemItem::Certificate(c)) => out.push(c.der().to_vec()),
            Ok(_) => {}
            Err(e) => {
                return Err(Error::Config(format!(
                    "cannot read the CA certificate PEM: {e}"
                )))
            }
        }
    }
    if out.is_empty() {
        return Err(Error::Config("the CA file holds no PEM certificate".into()));
    }
    Ok(out)
}

/// An HTTP error for a status without a usable body.
pub(crate) fn http_error(label: CallLabel<'_>, response: &HttpResponse) -> Error {
    Error::Http(HttpError {
        service: label.service.to_string(),
        method: label.method.to_string(),
        status: response.status,
        content_type: response.content_type.clone(),
        body_start: crate::redact::body_start(&response.body),
    })
}
