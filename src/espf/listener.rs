//! A ready-made HTTP(S) endpoint for ESPF, on the crate's small blocking server.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

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
        }
    }
}

/// A running ESPF endpoint. Every request, whatever its path, goes to the pipeline. It stops
/// when dropped or [shut down](Listener::shutdown).
pub struct Listener {
    server: Server,
    pipeline: Arc<Pipeline>,
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

fn reply(pipeline: &Pipeline, request: &Request) -> Reply {
    let mut espf = EspfRequest::new(&request.method, &request.path, &request.body);
    for (name, value) in &request.headers {
        espf = espf.header(name, value);
    }
    let response = pipeline.handle(&espf);
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
        let for_handler = Arc::clone(&pipeline);
        let handler: Handler = Arc::new(move |request: Request| reply(&for_handler, &request));
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
