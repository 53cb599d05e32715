//! HTTP over one `ureq` agent: TLS with rustls, time limits, body size limits, and what a
//! failure says about whether the request reached the server.
//!
//! One agent per client keeps connections alive between calls, so a TLS handshake happens per
//! connection, not per call. The transport makes one attempt per [`Http::send`]; whether to
//! try again is the client's call path's decision (`client::call`), taken from what the
//! transport reports: the kind of failure and whether the request may have been sent.
//!
//! Each attempt is bounded by the call's [`Deadline`]: ureq's whole-exchange timeout is set
//! per request to the time left, so connecting, TLS, sending and reading every byte of the
//! answer all stop when the call's time is up, however the server stalls or trickles.

use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ureq::tls::{Certificate, RootCerts, TlsConfig};
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

use crate::error::{Error, TransportError, TransportErrorKind};
use crate::wire::{body_read_error, CallLabel, HttpRequest, StreamingResponse};

/// Time limits of a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// Establishing a connection (DNS, TCP and TLS).
    pub connect: Option<Duration>,
    /// Waiting for each read from the server.
    pub read: Option<Duration>,
    /// The whole call: connecting, sending, logging in again, every retry and its backoff,
    /// and reading the whole answer. `None` for no limit.
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

/// When a call must be over.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Deadline {
    at: Option<Instant>,
}

impl Deadline {
    /// A deadline `limit` from now (none when `limit` is `None`).
    pub fn after(limit: Option<Duration>) -> Self {
        Deadline {
            at: limit.and_then(|l| Instant::now().checked_add(l)),
        }
    }

    /// The moment, `None` when there is no deadline.
    pub fn instant(&self) -> Option<Instant> {
        self.at
    }

    /// The time left, `None` when there is no deadline.
    pub fn remaining(&self) -> Option<Duration> {
        self.at
            .map(|at| at.saturating_duration_since(Instant::now()))
    }

    /// Whether `wait` from now still ends before the deadline.
    pub fn allows(&self, wait: Duration) -> bool {
        self.remaining().is_none_or(|r| r > wait)
    }

    /// The error of a call whose time ran out before `what`.
    pub fn error(&self, label: CallLabel<'_>, what: &str, request_sent: bool) -> Error {
        Error::Transport(TransportError::new(
            TransportErrorKind::Timeout,
            format!("the call's time limit ran out {what}"),
            label.service,
            label.method,
            request_sent,
        ))
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

/// How the body of an answer is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BodyUse {
    /// Read whole before the call returns: the deadline covers it.
    Buffered,
    /// Handed to the caller (a stream of list items, a file): the deadline covers the
    /// exchange up to the response head; each later read is bounded by the read timeout.
    Streamed,
}

/// The HTTP side of a client.
#[derive(Clone)]
pub(crate) struct Http {
    agent: ureq::Agent,
    base: String,
    connect_timeout: Option<Duration>,
    max_body: u64,
    insecure: bool,
}

impl std::fmt::Debug for Http {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Http")
            .field("base", &self.base)
            .field("max_body", &self.max_body)
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

/// The most idle connections a client keeps open to its server: as many as a batch runs calls
/// at once ([`crate::batch::MAX_CONCURRENCY`]).
pub(crate) const MAX_POOLED_CONNECTIONS: usize = 64;

impl Http {
    /// An agent for `base` (`https://host:port`, no trailing slash).
    pub fn new(
        base: String,
        timeouts: Timeouts,
        tls: &TlsOptions,
        max_body: u64,
        user_agent: &str,
    ) -> Result<Self, Error> {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(timeouts.connect)
            .timeout_per_read(timeouts.read)
            .max_redirects(0)
            .user_agent(user_agent)
            .tls_config(tls_config(tls))
            // Every connection a batch at its most concurrent uses stays open for the next
            // call: fewer would close some after each call and open (and TLS-handshake) new
            // ones. ureq's default caps the whole pool at 10.
            .max_idle_connections(MAX_POOLED_CONNECTIONS)
            .max_idle_connections_per_host(MAX_POOLED_CONNECTIONS)
            .max_idle_age(Duration::from_secs(50))
            .build();
        Ok(Http {
            agent: ureq::Agent::with_parts(
                config,
                DefaultConnector::new(),
                CachingResolver::default(),
            ),
            base,
            connect_timeout: timeouts.connect,
            max_body,
            insecure: tls.insecure,
        })
    }

    /// The base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The largest body read into memory.
    pub fn max_body(&self) -> u64 {
        self.max_body
    }

    /// Sends a request once and returns the response with its body unread. A buffered body's
    /// reads stop at the deadline; a streamed body's reads only at the read timeout.
    pub fn send(
        &self,
        label: CallLabel<'_>,
        request: &HttpRequest,
        deadline: Deadline,
        body_use: BodyUse,
    ) -> Result<StreamingResponse, Error> {
        if self.insecure {
            tracing::warn!(
                service = label.service,
                method = label.method,
                "TLS certificate verification is DISABLED for this client (danger_disable_tls_verification)"
            );
        }
        let remaining = deadline.remaining();
        if remaining.is_some_and(|r| r.is_zero()) {
            return Err(deadline.error(label, "before the request was sent", false));
        }
        let url = [self.base.as_str(), &request.path].concat();
        let mut builder = self.agent.post(&url);
        for (name, value) in &request.headers {
            builder = builder.header(*name, value.as_str());
        }
        if let Some(remaining) = remaining {
            let connect = self.connect_timeout.map_or(remaining, |c| c.min(remaining));
            builder = match body_use {
                // ureq's whole-exchange limit covers the body read too.
                BodyUse::Buffered => builder.config().timeout_global(Some(remaining)).build(),
                // Each phase up to the response head gets what is left; the body is the
                // caller's to read at its own pace.
                BodyUse::Streamed => builder
                    .config()
                    .timeout_connect(Some(connect))
                    .timeout_send_request(Some(remaining))
                    .timeout_send_body(Some(remaining))
                    .timeout_recv_response(Some(remaining))
                    .build(),
            };
        }
        let response = builder
            .send(&request.body[..])
            .map_err(|e| self.transport_error(label, e))?;
        Ok(self.streaming(label, response, body_use))
    }

    /// Fetches `path` with `GET` once (a WSDL file, a directory listing), the whole exchange
    /// within `deadline`, and returns the response with its body unread.
    pub fn get(
        &self,
        label: CallLabel<'_>,
        path: &str,
        deadline: Deadline,
    ) -> Result<StreamingResponse, Error> {
        let remaining = deadline.remaining();
        if remaining.is_some_and(|r| r.is_zero()) {
            return Err(deadline.error(label, "before the request was sent", false));
        }
        let url = format!("{}{path}", self.base);
        let mut builder = self.agent.get(&url);
        if let Some(remaining) = remaining {
            builder = builder.config().timeout_global(Some(remaining)).build();
        }
        let response = builder.call().map_err(|e| self.transport_error(label, e))?;
        Ok(self.streaming(label, response, BodyUse::Buffered))
    }

    /// The `host:port` the client connects to, for messages.
    fn server(&self) -> String {
        let (scheme, rest) = self.base.split_once("://").unwrap_or(("https", &self.base));
        let authority = rest.split('/').next().unwrap_or(rest);
        let has_port = authority
            .rsplit_once(':')
            .is_some_and(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()) && !port.is_empty());
        if has_port {
            authority.to_string()
        } else if scheme == "http" {
            format!("{authority}:80")
        } else {
            format!("{authority}:443")
        }
    }

    /// The transport error for a failed exchange, naming the server where that is what the
    /// reader needs (a refused connection, a name that does not resolve, TLS).
    fn transport_error(&self, label: CallLabel<'_>, e: ureq::Error) -> Error {
        let (kind, mut sent) = classify(&e);
        let server = self.server();
        let message = match kind {
            TransportErrorKind::Dns => format!("the host of {server} did not resolve"),
            TransportErrorKind::Connect => {
                format!("{server} refused the connection or cannot be reached")
            }
            TransportErrorKind::Tls if speaks_plain_http(&e) => {
                // The handshake failed on the server's first bytes: no request was sent.
                sent = false;
                format!(
                    "{server} answered the TLS handshake in plain HTTP: the URL says https:// \
                 but the server speaks http:// on that port"
                )
            }
            TransportErrorKind::Tls => format!("{server}: {}", describe(&e)),
            _ => describe(&e),
        };
        let mut error = TransportError::new(kind, message, label.service, label.method, sent);
        // ureq's error does not chain to the I/O error it wraps: keep that one itself.
        error.source = Some(match e {
            ureq::Error::Io(io) => Box::new(io),
            other => Box::new(other),
        });
        Error::Transport(error)
    }

    /// A response with its body to read, limited for a buffered body.
    fn streaming(
        &self,
        label: CallLabel<'_>,
        response: ureq::http::Response<ureq::Body>,
        body_use: BodyUse,
    ) -> StreamingResponse {
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
        let content_length = header("content-length").and_then(|n| n.trim().parse().ok());
        let limit = match body_use {
            BodyUse::Buffered => self.max_body,
            // A stream of items or a file may be longer than any buffer; the readers bound
            // what they hold at once.
            BodyUse::Streamed => u64::MAX,
        };
        let reader = response
            .into_body()
            .into_with_config()
            .limit(limit)
            .reader();
        StreamingResponse {
            status,
            content_type,
            content_disposition,
            content_length,
            body: Box::new(NamedReader {
                inner: reader,
                service: label.service.to_string(),
                method: label.method.to_string(),
            }),
        }
    }
}

/// A body reader whose errors name the call.
struct NamedReader<R> {
    inner: R,
    service: String,
    method: String,
}

impl<R: Read> Read for NamedReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read(buf).map_err(|e| {
            let kind = e.kind();
            std::io::Error::new(kind, body_read_error(&self.service, &self.method, e))
        })
    }
}

/// Resolves host names once a minute at most, so that ureq's whole-exchange timeout, which
/// makes its own resolver look the name up on a new thread for every request (pooled
/// connection or not), costs a lookup per minute instead of a thread per call. An IP address
/// needs no lookup and is read without a thread.
#[derive(Debug, Default)]
struct CachingResolver {
    inner: DefaultResolver,
    cache: Mutex<Option<(String, Instant, ResolvedSocketAddrs)>>,
}

/// How long a resolved address is reused.
const RESOLVE_TTL: Duration = Duration::from_secs(60);

impl Resolver for CachingResolver {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let authority = uri.authority().map(|a| a.as_str()).unwrap_or("");
        let scheme = uri.scheme_str().unwrap_or("");
        // Compared in parts, so that a hit (every call but the first) allocates nothing.
        let same_server = |cached: &str| {
            cached
                .strip_prefix(scheme)
                .and_then(|rest| rest.strip_prefix("://"))
                == Some(authority)
        };
        {
            let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((cached, at, addrs)) = cache.as_ref() {
                if same_server(cached) && at.elapsed() < RESOLVE_TTL {
                    return Ok(addrs.clone());
                }
            }
        }
        let host = uri.host().unwrap_or("");
        let literal = host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok();
        let timeout = if literal {
            NextTimeout::default()
        } else {
            timeout
        };
        let addrs = self.inner.resolve(uri, config, timeout)?;
        *self.cache.lock().unwrap_or_else(|e| e.into_inner()) = Some((
            [scheme, "://", authority].concat(),
            Instant::now(),
            addrs.clone(),
        ));
        Ok(addrs)
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

/// Whether a TLS failure came from a server answering in plain HTTP: its first bytes
/// (`HTTP/1.1 400`) are no TLS record.
fn speaks_plain_http(e: &ureq::Error) -> bool {
    let corrupt = |r: &rustls::Error| {
        matches!(
            r,
            rustls::Error::InvalidMessage(
                rustls::InvalidMessage::InvalidContentType
                    | rustls::InvalidMessage::UnknownProtocolVersion
            )
        )
    };
    match e {
        ureq::Error::Rustls(r) => corrupt(r),
        ureq::Error::Io(io) => io
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
            .is_some_and(corrupt),
        _ => false,
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
