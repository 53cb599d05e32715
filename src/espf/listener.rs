//! A ready-made HTTP(S) endpoint for ESPF, on the crate's small blocking server, with what a
//! service behind a load balancer needs: `GET /healthz` (the process answers), `GET /readyz`
//! (the de-dup store and the billing API can be reached) and `GET /metrics` (Prometheus).

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use super::metrics::Metrics;
use super::pipeline::Pipeline;
use super::request::EspfRequest;
use crate::server::{Handler, Reply, Request, Server, ServerLimits};

/// How to start a [`Listener`].
#[derive(Debug)]
pub struct ListenerConfig {
    /// The address to listen on (`127.0.0.1:8443`; port 0 picks a free one).
    pub bind: String,
    /// Serve HTTPS with this configuration (see [`tls_config_from_pem`]); plain HTTP when
    /// `None`.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// The largest request body accepted (the pipeline's limit by default); larger ones are
    /// answered 413 before they are read.
    pub max_body: usize,
    /// How long a request may take to arrive, all of it (30 s by default); a client that
    /// stalls or trickles its request past it is disconnected without an answer.
    pub request_timeout: Duration,
    /// How many connections are served at once (64 by default).
    pub max_connections: usize,
    /// What handles the requests.
    pub pipeline: Pipeline,
    /// Where requests and their outcomes are counted, for `GET /metrics`. Give the same
    /// metrics to the pipeline's client ([`ClientBuilder::observer`](crate::ClientBuilder::observer))
    /// to count its API calls too.
    pub metrics: Arc<Metrics>,
}

impl ListenerConfig {
    /// A configuration with the defaults.
    pub fn new(bind: impl Into<String>, pipeline: Pipeline) -> ListenerConfig {
        ListenerConfig {
            bind: bind.into(),
            tls: None,
            max_body: pipeline.max_body(),
            request_timeout: Duration::from_secs(30),
            max_connections: 64,
            pipeline,
            metrics: Arc::new(Metrics::new()),
        }
    }
}

/// A running ESPF endpoint. A `POST` to any path goes to the pipeline; `GET /healthz`,
/// `GET /readyz` and `GET /metrics` are answered by the listener (any other request goes to the
/// pipeline too, which refuses it). It stops when dropped or [shut down](Listener::shutdown).
pub struct Listener {
    server: Server,
    pipeline: Arc<Pipeline>,
    metrics: Arc<Metrics>,
    tls: bool,
}

impl std::fmt::Debug for Listener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listener")
            .field("addr", &self.server.addr())
            .field("tls", &self.tls)
            .finish()
    }
}

/// How long a readiness check waits for the billing API, and how long its answer is reused.
const API_CHECK_WAIT: Duration = Duration::from_secs(3);
const API_CHECK_REUSE: Duration = Duration::from_secs(2);

/// The last check of the billing API, so that probes do not each make a call.
#[derive(Default)]
struct Readiness {
    last: Mutex<Option<(Instant, Result<(), String>)>>,
    checking: AtomicBool,
}

impl Readiness {
    /// Whether the de-dup store and the billing API (when events are fetched) can be reached.
    fn check(self: &Arc<Self>, pipeline: &Arc<Pipeline>) -> Result<(), String> {
        pipeline
            .store()
            .check()
            .map_err(|e| format!("the de-duplication store is unavailable: {e}"))?;
        if pipeline.client().is_none() {
            return Ok(());
        }
        if let Some((at, result)) = &*self.last.lock().unwrap_or_else(|e| e.into_inner()) {
            if at.elapsed() < API_CHECK_REUSE {
                return result.clone();
            }
        }
        // One `Session/ping` at a time, on a thread of its own, so that a stalled API makes
        // the probe fail in seconds instead of holding it for the call's time limit.
        if !self.checking.swap(true, Ordering::SeqCst) {
            let (done, wait) = std::sync::mpsc::channel();
            let readiness = Arc::clone(self);
            let pipeline = Arc::clone(pipeline);
            std::thread::spawn(move || {
                let result = match pipeline.client().map(|c| c.ping()) {
                    Some(Err(e)) => Err(format!("the billing API cannot be reached: {e}")),
                    _ => Ok(()),
                };
                *readiness.last.lock().unwrap_or_else(|e| e.into_inner()) =
                    Some((Instant::now(), result.clone()));
                readiness.checking.store(false, Ordering::SeqCst);
                let _ = done.send(result);
            });
            return wait.recv_timeout(API_CHECK_WAIT).unwrap_or_else(|_| {
                Err("the billing API did not answer a ping in time".to_string())
            });
        }
        // A check is running: its predecessor's answer, or not ready yet.
        match &*self.last.lock().unwrap_or_else(|e| e.into_inner()) {
            Some((_, result)) => result.clone(),
            None => Err("the billing API is being checked".into()),
        }
    }
}

fn text(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
    Reply::new(status, content_type, body)
}

fn reply(
    pipeline: &Arc<Pipeline>,
    metrics: &Metrics,
    readiness: &Arc<Readiness>,
    request: &Request,
) -> Reply {
    if request.method == "GET" {
        let path = request.path.split('?').next().unwrap_or("");
        match path {
            "/healthz" => return text(200, "text/plain", "ok\n"),
            "/readyz" => {
                return match readiness.check(pipeline) {
                    Ok(()) => text(200, "text/plain", "ready\n"),
                    Err(why) => text(503, "text/plain", format!("not ready: {why}\n")),
                }
            }
            "/metrics" => {
                return text(200, "text/plain; version=0.0.4", metrics.render());
            }
            _ => {}
        }
    }
    let mut espf = EspfRequest::new(&request.method, &request.path, &request.body);
    for (name, value) in &request.headers {
        espf = espf.header(name, value);
    }
    let response = pipeline.handle(&espf);
    metrics.event(response.outcome);
    let mut headers = vec![("Content-Type".to_string(), "application/json".to_string())];
    headers.extend(response.headers);
    Reply::Full {
        status: response.status,
        headers,
        body: response.body.into_bytes(),
    }
}

impl Listener {
    /// Binds and starts serving.
    pub fn start(config: ListenerConfig) -> io::Result<Listener> {
        let pipeline = Arc::new(config.pipeline);
        let metrics = config.metrics;
        let readiness = Arc::new(Readiness::default());
        let (for_handler, metrics_for_handler) = (Arc::clone(&pipeline), Arc::clone(&metrics));
        let handler: Handler = Arc::new(move |request: Request| {
            reply(&for_handler, &metrics_for_handler, &readiness, &request)
        });
        let limits = ServerLimits {
            max_body: config.max_body,
            read_timeout: config.request_timeout,
            max_connections: config.max_connections,
        };
        let tls = config.tls.is_some();
        let server = Server::start(&config.bind, config.tls, limits, handler)?;
        tracing::info!(addr = %server.addr(), tls, "ESPF listener started");
        Ok(Listener {
            server,
            pipeline,
            metrics,
            tls,
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// The URL to give ESPF (`http://127.0.0.1:PORT/`, or `https://localhost:PORT/`).
    pub fn url(&self) -> String {
        let addr = self.server.addr();
        if self.tls {
            format!("https://localhost:{}/", addr.port())
        } else {
            format!("http://{addr}/")
        }
    }

    /// The pipeline (for its [stats](Pipeline::stats) and store).
    pub fn pipeline(&self) -> &Arc<Pipeline> {
        &self.pipeline
    }

    /// The metrics `GET /metrics` shows.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// Stops accepting connections.
    pub fn shutdown(mut self) {
        self.server.shutdown();
    }
}

/// A TLS server configuration from a PEM certificate chain (the server's certificate first)
/// and a PEM private key (PKCS#8, PKCS#1 or SEC1).
pub fn tls_config_from_pem(
    cert_chain_pem: &[u8],
    key_pem: &[u8],
) -> io::Result<Arc<rustls::ServerConfig>> {
    let invalid = |what: &str, e: &dyn std::fmt::Display| {
        io::Error::new(io::ErrorKind::InvalidData, format!("{what}: {e}"))
    };
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_chain_pem)
        .collect::<Result<_, _>>()
        .map_err(|e| invalid("cannot read the certificate chain", &e))?;
    if certs.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "no certificate in the PEM",
        ));
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem)
        .map_err(|e| invalid("cannot read the private key", &e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(io::Error::other)?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| invalid("the certificate and key do not fit", &e))?;
    Ok(Arc::new(config))
}
