//! A small blocking HTTP/1.1 server over TCP or TLS, for the simulator and the provisioning
//! event listener.
//!
//! It is written here rather than taken from a crate because the simulator must misbehave on
//! purpose: stall, drop a connection mid-response, send a truncated body. One thread serves
//! each connection (up to a limit), with keep-alive; requests have size and time limits.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A received request.
#[derive(Debug)]
pub struct Request {
    /// The method (`POST`).
    pub method: String,
    /// The path, with the query.
    pub path: String,
    /// Header names (lower case) and values.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// The client's address.
    #[allow(dead_code)] // For handlers that log or limit by client.
    pub peer: SocketAddr,
}

impl Request {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What to send back.
#[derive(Debug)]
pub enum Reply {
    /// A normal response.
    Full {
        /// The status.
        status: u16,
        /// Headers besides `Content-Length` and `Connection`.
        headers: Vec<(String, String)>,
        /// The body.
        body: Vec<u8>,
    },
    /// A response whose body is cut after `keep` bytes, then the connection is closed (the
    /// `Content-Length` announces the whole body).
    Truncated {
        /// The status.
        status: u16,
        /// Headers.
        headers: Vec<(String, String)>,
        /// The whole body.
        body: Vec<u8>,
        /// How many body bytes are sent.
        keep: usize,
    },
    /// Close the connection without answering.
    Drop,
}

impl Reply {
    /// A response with a content type.
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Reply::Full {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
        }
    }
}

/// Limits of the server.
#[derive(Clone, Copy, Debug)]
pub struct ServerLimits {
    /// The largest request body accepted.
    pub max_body: usize,
    /// How long a request may take to arrive, all of it: from when the connection starts
    /// waiting for it to its last byte. A limit per read alone would let a client that sends
    /// a byte now and then hold a connection for ever.
    pub read_timeout: Duration,
    /// How many connections are served at once.
    pub max_connections: usize,
}

impl Default for ServerLimits {
    fn default() -> Self {
        ServerLimits {
            max_body: 64 * 1024 * 1024,
            read_timeout: Duration::from_secs(30),
            max_connections: 128,
        }
    }
}

/// Handles one request.
pub type Handler = Arc<dyn Fn(Request) -> Reply + Send + Sync>;

/// A running server. Stops when [`shutdown`](Server::shutdown) is called or it is dropped.
pub struct Server {
    addr: SocketAddr,
    connections: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Listens on `addr` (port 0 picks a free port) and serves `handler`, over TLS when
    /// `tls` is given.
    pub fn start(
        addr: &str,
        tls: Option<Arc<rustls::ServerConfig>>,
        limits: ServerLimits,
        handler: Handler,
    ) -> io::Result<Server> {
        let listener = TcpListener::bind(addr)?;
        let addr = listener.local_addr()?;
        listener.set_nonblocking(true)?;
        let stop = Arc::new(AtomicBool::new(false));
        let stop_flag = Arc::clone(&stop);
        let active = Arc::new(AtomicUsize::new(0));
        let connections = Arc::new(AtomicUsize::new(0));
        let accepted = Arc::clone(&connections);
        let thread = std::thread::Builder::new()
            .name("portabilling-server".into())
            .spawn(move || {
                accept_loop(listener, tls, limits, handler, stop_flag, active, accepted)
            })?;
        Ok(Server {
            addr,
            connections,
            stop,
            thread: Some(thread),
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// How many connections were accepted (for TLS, how many handshakes).
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// Stops accepting connections and waits for the accept loop to end.
    pub fn shutdown(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn accept_loop(
    listener: TcpListener,
    tls: Option<Arc<rustls::ServerConfig>>,
    limits: ServerLimits,
    handler: Handler,
    stop: Arc<AtomicBool>,
    active: Arc<AtomicUsize>,
    accepted: Arc<AtomicUsize>,
) {
    while !stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, peer)) => {
                accepted.fetch_add(1, Ordering::SeqCst);
                if active.load(Ordering::SeqCst) >= limits.max_connections {
                    drop(stream);
                    continue;
                }
                let _ = stream.set_nonblocking(false);
                let _ = stream.set_nodelay(true);
                let _ = stream.set_read_timeout(Some(limits.read_timeout));
                let _ = stream.set_write_timeout(Some(limits.read_timeout));
                let handler = Arc::clone(&handler);
                let tls = tls.clone();
                let stop = Arc::clone(&stop);
                let in_thread = Arc::clone(&active);
                active.fetch_add(1, Ordering::SeqCst);
                let spawned = std::thread::Builder::new()
                    .name("portabilling-conn".into())
                    .spawn(move || {
                        let result = match tls {
                            Some(config) => match rustls::ServerConnection::new(config) {
                                Ok(conn) => {
                                    let tls_stream = rustls::StreamOwned::new(conn, stream);
                                    serve(tls_stream, peer, limits, &handler, &stop)
                                }
                                Err(e) => Err(io::Error::other(e)),
                            },
                            None => serve(stream, peer, limits, &handler, &stop),
                        };
                        if let Err(e) = result {
                            tracing::trace!(%peer, error = %e, "connection ended");
                        }
                        in_thread.fetch_sub(1, Ordering::SeqCst);
                    });
                if spawned.is_err() {
                    active.fetch_sub(1, Ordering::SeqCst);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(5))
            }
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

/// A stream the server can close.
trait Conn: Read + Write {
    fn socket(&self) -> &TcpStream;

    fn close(&mut self) {
        let _ = self.socket().shutdown(Shutdown::Both);
    }
}

impl Conn for TcpStream {
    fn socket(&self) -> &TcpStream {
        self
    }
}

impl Conn for rustls::StreamOwned<rustls::ServerConnection, TcpStream> {
    fn socket(&self) -> &TcpStream {
        &self.sock
    }
}

/// A connection whose reads share one deadline per request: each read may wait only for
/// what is left of the request's time limit.
struct Timed<S> {
    inner: S,
    limit: Duration,
    deadline: Instant,
}

impl<S: Conn> Timed<S> {
    fn new(inner: S, limit: Duration) -> Self {
        Timed {
            inner,
            limit,
            deadline: Instant::now() + limit,
        }
    }

    /// The next request gets the whole limit again.
    fn restart(&mut self) {
        self.deadline = Instant::now() + self.limit;
    }
}

impl<S: Conn> Read for Timed<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the request took longer than its time limit",
            ));
        }
        self.inner.socket().set_read_timeout(Some(left))?;
        self.inner.read(buf)
    }
}

impl<S: Conn> Write for Timed<S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<S: Conn> Conn for Timed<S> {
    fn socket(&self) -> &TcpStream {
        self.inner.socket()
    }
}

fn serve<S: Conn>(
    stream: S,
    peer: SocketAddr,
    limits: ServerLimits,
    handler: &Handler,
    stop: &AtomicBool,
) -> io::Result<()> {
    let mut reader = BufReader::with_capacity(16 * 1024, Timed::new(stream, limits.read_timeout));
    loop {
        if stop.load(Ordering::SeqCst) {
            return Ok(());
        }
        reader.get_mut().restart();
        let request = match read_request(&mut reader, peer, limits.max_body) {
            Ok(Some(r)) => r,
            Ok(None) => return Ok(()),
            Err(e) => {
                let status = if e.kind() == io::ErrorKind::InvalidData {
                    400
                } else {
                    413
                };
                if e.kind() != io::ErrorKind::UnexpectedEof
                    && e.kind() != io::ErrorKind::TimedOut
                    && e.kind() != io::ErrorKind::WouldBlock
                {
                    let body = format!("{{\"error\":\"{}\"}}", e.to_string().replace('"', "'"));
                    let _ = write_response(
                        reader.get_mut(),
                        status,
                        &[("Content-Type".into(), "application/json".into())],
                        body.as_bytes(),
                        body.len(),
                        true,
                    );
                }
                reader.get_mut().close();
                return Err(e);
            }
        };
        let close = request
            .header("connection")
            .is_some_and(|c| c.eq_ignore_ascii_case("close"));
        match handler(request) {
            Reply::Full {
                status,
                headers,
                body,
            } => {
                write_response(reader.get_mut(), status, &headers, &body, body.len(), close)?;
                if close {
                    reader.get_mut().close();
                    return Ok(());
                }
            }
            Reply::Truncated {
                status,
                headers,
                body,
                keep,
            } => {
                let keep = keep.min(body.len());
                write_response(
                    reader.get_mut(),
                    status,
                    &headers,
                    &body[..keep],
                    body.len(),
                    true,
                )?;
                reader.get_mut().close();
                return Ok(());
            }
            Reply::Drop => {
                reader.get_mut().close();
                return Ok(());
            }
        }
    }
}

fn write_response<W: Write>(
    out: &mut W,
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
    announced: usize,
    close: bool,
) -> io::Result<()> {
    let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (name, value) in headers {
        head.push_str(name);
        head.push_str(": ");
        head.push_str(value);
        head.push_str("\r\n");
    }
    head.push_str(&format!("Content-Length: {announced}\r\n"));
    if close {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    out.write_all(&bytes)?;
    out.flush()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Payload Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

/// Reads one request; `None` when the client closed the connection between requests.
fn read_request<R: BufRead>(
    reader: &mut R,
    peer: SocketAddr,
    max_body: usize,
) -> io::Result<Option<Request>> {
    const MAX_HEAD: usize = 64 * 1024;
    let invalid = |m: &str| io::Error::new(io::ErrorKind::InvalidData, m.to_string());
    let mut line = String::new();
    let mut head_size = 0;
    // Skip blank lines between requests.
    loop {
        line.clear();
        let n = reader.by_ref().take(8192).read_line(&mut line)?;
        if n == 0 {
            return Ok(None);
        }
        head_size += n;
        if !line.trim().is_empty() {
            break;
        }
        if head_size > MAX_HEAD {
            return Err(invalid("request head too large"));
        }
    }
    let mut parts = line.split_whitespace();
    let method = parts
        .next()
        .ok_or_else(|| invalid("empty request line"))?
        .to_string();
    let path = parts
        .next()
        .ok_or_else(|| invalid("no request path"))?
        .to_string();
    let mut headers = Vec::new();
    loop {
        line.clear();
        let n = reader.by_ref().take(8192).read_line(&mut line)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the request head ends early",
            ));
        }
        head_size += n;
        if head_size > MAX_HEAD {
            return Err(invalid("request head too large"));
        }
        let trimmed = line.trim_end_matches(['\r', '\n']);
        if trimmed.is_empty() {
            break;
        }
        let (name, value) = trimmed
            .split_once(':')
            .ok_or_else(|| invalid("malformed header"))?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let chunked =
        header("transfer-encoding").is_some_and(|t| t.to_ascii_lowercase().contains("chunked"));
    let body = if chunked {
        read_chunked(reader, max_body)?
    } else {
        let length: usize = match header("content-length") {
            Some(v) => v
                .trim()
                .parse()
                .map_err(|_| invalid("bad Content-Length"))?,
            None => 0,
        };
        if length > max_body {
            return Err(io::Error::other(format!(
                "request body of {length} bytes exceeds the limit of {max_body}"
            )));
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        body
    };
    Ok(Some(Request {
        method,
        path,
        headers,
        body,
        peer,
    }))
}

fn read_chunked<R: BufRead>(reader: &mut R, max_body: usize) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        reader.by_ref().take(1024).read_line(&mut line)?;
        let size_text = line.trim().split(';').next().unwrap_or("");
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad chunk size"))?;
        if size == 0 {
            // Trailers, then the blank line.
            loop {
                line.clear();
                if reader.by_ref().take(8192).read_line(&mut line)? == 0 || line.trim().is_empty() {
                    return Ok(body);
                }
            }
        }
        if body.len() + size > max_body {
            return Err(io::Error::other("request body exceeds the limit"));
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..])?;
        line.clear();
        reader.by_ref().take(4).read_line(&mut line)?;
    }
}

/// A CA certificate and a server certificate signed by it, for `localhost` and `127.0.0.1`.
pub struct TestPki {
    /// The CA certificate, PEM: what a client trusts.
    pub ca_pem: String,
    /// The server configuration.
    pub server: Arc<rustls::ServerConfig>,
}

/// Which server certificate to present (to test that clients refuse the bad ones).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CertificateKind {
    /// Valid for `localhost` and `127.0.0.1`, signed by the generated CA.
    #[default]
    Valid,
    /// Valid names, but expired.
    Expired,
    /// Signed by the CA, but for another host name.
    WrongHost,
    /// Self-signed (not signed by the CA).
    SelfSigned,
}

impl TestPki {
    /// Generates a CA and a server certificate of the given kind.
    pub fn generate(kind: CertificateKind) -> io::Result<TestPki> {
        let err = |e: rcgen::Error| io::Error::other(e.to_string());
        let ca_key = rcgen::KeyPair::generate().map_err(err)?;
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).map_err(err)?;
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "portabilling simulator CA");
        ca_params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::CrlSign,
        ];
        let ca_cert = ca_params.self_signed(&ca_key).map_err(err)?;
        let issuer = rcgen::Issuer::new(ca_params, ca_key);

        let names = match kind {
            CertificateKind::WrongHost => vec!["billing.invalid".to_string()],
            _ => vec!["localhost".to_string(), "127.0.0.1".to_string()],
        };
        let server_key = rcgen::KeyPair::generate().map_err(err)?;
        let mut params = rcgen::CertificateParams::new(names).map_err(err)?;
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "portabilling simulator");
        if kind == CertificateKind::Expired {
            params.not_before = rcgen::date_time_ymd(2020, 1, 1);
            params.not_after = rcgen::date_time_ymd(2021, 1, 1);
        }
        let server_cert = match kind {
            CertificateKind::SelfSigned => params.self_signed(&server_key).map_err(err)?,
            _ => params.signed_by(&server_key, &issuer).map_err(err)?,
        };
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let server = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(io::Error::other)?
            .with_no_client_auth()
            .with_single_cert(
                vec![server_cert.der().clone()],
                rustls::pki_types::PrivateKeyDer::Pkcs8(server_key.serialize_der().into()),
            )
            .map_err(io::Error::other)?;
        Ok(TestPki {
            ca_pem: ca_cert.pem(),
            server: Arc::new(server),
        })
    }
}
