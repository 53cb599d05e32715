//! [`ClientBuilder`]: every setting of a client, checked once when it is built.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::{Client, Inner, Protocol};
use crate::auth::{Credentials, FileStore, Secret, SessionManager, SessionStore};
use crate::error::{Error, Result};
use crate::history::{ClientObserver, HistoryHook};
use crate::ratelimit::{LocalRateLimiter, RateLimit, RateLimiter};
use crate::rest::binding::RestWire;
use crate::rest::RestEncoding;
use crate::soap::binding::{SoapEndpoint, SoapWire};
use crate::transport::{parse_pem_certificates, Http, Timeouts, TlsOptions};
use crate::wire::Limits;

/// Builds a [`Client`].
pub struct ClientBuilder {
    url: String,
    credentials: Credentials,
    i_env: Option<i64>,
    protocol: Protocol,
    rest_encoding: RestEncoding,
    soap_endpoint: SoapEndpoint,
    soap_namespace_base: Option<String>,
    timeouts: Timeouts,
    ca_pem: Vec<Vec<u8>>,
    ca_files: Vec<PathBuf>,
    insecure: bool,
    limits: Limits,
    retries: u32,
    store: Option<Arc<dyn SessionStore>>,
    history: Option<Arc<dyn HistoryHook>>,
    observer: Option<Arc<dyn ClientObserver>>,
    rate_limit: Option<(f64, Option<u32>)>,
    user_agent: String,
    refresh_margin: Duration,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("url", &self.url)
            .field("credentials", &self.credentials)
            .field("protocol", &self.protocol)
            .field("rest_encoding", &self.rest_encoding)
            .field("timeouts", &self.timeouts)
            .field("insecure", &self.insecure)
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    pub(super) fn new(url: String) -> Self {
        ClientBuilder {
            url,
            credentials: Credentials::None,
            i_env: None,
            protocol: Protocol::Soap,
            rest_encoding: RestEncoding::default(),
            soap_endpoint: SoapEndpoint::default(),
            soap_namespace_base: None,
            timeouts: Timeouts::default(),
            ca_pem: Vec::new(),
            ca_files: Vec::new(),
            insecure: false,
            limits: Limits::default(),
            retries: 2,
            store: None,
            history: None,
            observer: None,
            rate_limit: None,
            user_agent: concat!("portabilling-rs/", env!("CARGO_PKG_VERSION")).to_string(),
            refresh_margin: Duration::from_secs(60),
        }
    }
}

impl ClientBuilder {
    /// Logs in with a login and password.
    pub fn login(mut self, login: impl Into<String>, password: impl Into<String>) -> Self {
        self.credentials = Credentials::Password {
            login: login.into(),
            password: Secret::new(password),
        };
        self
    }

    /// Logs in with a login and API token.
    pub fn login_with_token(mut self, login: impl Into<String>, token: impl Into<String>) -> Self {
        self.credentials = Credentials::Token {
            login: login.into(),
            token: Secret::new(token),
        };
        self
    }

    /// Uses an existing session id instead of logging in. When the server refuses it, calls
    /// fail with [`Error::Auth`].
    pub fn session_id(mut self, session_id: impl Into<String>) -> Self {
        self.credentials = Credentials::SessionId(Secret::new(session_id));
        self
    }

    /// Sets the credentials.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = credentials;
        self
    }

    /// Logs in to this environment (`i_env`).
    pub fn environment(mut self, i_env: i64) -> Self {
        self.i_env = Some(i_env);
        self
    }

    /// The protocol: SOAP (the default) or REST.
    pub fn protocol(mut self, protocol: Protocol) -> Self {
        self.protocol = protocol;
        self
    }

    /// How REST requests are encoded (the default is a JSON body with a bearer token).
    pub fn rest_encoding(mut self, encoding: RestEncoding) -> Self {
        self.rest_encoding = encoding;
        self
    }

    /// Where SOAP requests go (the default is `/soap/<Service>/<method>`).
    pub fn soap_endpoint(mut self, endpoint: SoapEndpoint) -> Self {
        self.soap_endpoint = endpoint;
        self
    }

    /// The start of the SOAP body namespace, to which `/Porta/SOAP/<Service>` is appended.
    /// The default is the server's own `scheme://host`, as PortaBilling's WSDLs declare it.
    pub fn soap_namespace_base(mut self, base: impl Into<String>) -> Self {
        self.soap_namespace_base = Some(base.into().trim_end_matches('/').to_string());
        self
    }

    /// The time limit for establishing a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.connect = Some(timeout);
        self
    }

    /// The time limit for each read from the server (default 60 s). A read-only call that
    /// times out reading is retried once, within [`timeout`](Self::timeout).
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.read = Some(timeout);
        self
    }

    /// The time limit for a whole call (default 300 s): connecting, TLS, sending, a login or
    /// token refresh the call needs, every retry and its backoff, and reading the whole answer.
    /// When it runs out the call ends with a timeout ([`Error::is_timeout`]). A list stream or
    /// a download is covered up to its answer's head; its body is read at the caller's pace,
    /// each read bounded by [`read_timeout`](Self::read_timeout).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.call = Some(timeout);
        self
    }

    /// Trusts the CA certificates in this PEM text, besides the bundled Mozilla roots.
    pub fn ca_cert_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.ca_pem.push(pem.into());
        self
    }

    /// Trusts the CA certificates in this PEM file, besides the bundled Mozilla roots.
    pub fn ca_cert_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_files.push(path.into());
        self
    }

    /// Turns TLS certificate verification **off**: any certificate is accepted, so anyone on
    /// the network path can read and change the traffic, credentials included. For a test
    /// server only; prefer [`ca_cert_file`](Self::ca_cert_file). A warning is printed when the
    /// client is built and logged on every call.
    pub fn danger_disable_tls_verification(mut self) -> Self {
        self.insecure = true;
        self
    }

    /// The largest response accepted, in bytes (default 256 MiB).
    pub fn max_response_size(mut self, bytes: u64) -> Self {
        self.limits.max_bytes = bytes;
        self
    }

    /// The deepest XML nesting accepted (default 64).
    pub fn max_depth(mut self, depth: usize) -> Self {
        self.limits.max_depth = depth;
        self
    }

    /// How many times a call may be sent again (default 2): a read after a transport failure
    /// or a 502/503/504, any call whose request provably did not reach the server. See the
    /// crate docs, "Retries and time limits".
    pub fn retries(mut self, retries: u32) -> Self {
        self.retries = retries;
        self
    }

    /// Keeps the session in `store`, shared with every client (and process) that uses it.
    pub fn session_store(mut self, store: Arc<dyn SessionStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// Keeps the session in a file (mode 0600), so that the runs and processes of a batch job
    /// share one login.
    pub fn session_file(self, path: impl Into<PathBuf>) -> Self {
        self.session_store(Arc::new(FileStore::new(path)))
    }

    /// Records every exchange (secrets redacted) with `hook`, like zeep's `HistoryPlugin`.
    pub fn history(mut self, hook: Arc<dyn HistoryHook>) -> Self {
        self.history = Some(hook);
        self
    }

    /// Tells `observer` what the client does: each call's outcome and time, logins, renewed
    /// sessions, waits for the rate limit (for metrics; no content, no secret).
    pub fn observer(mut self, observer: Arc<dyn ClientObserver>) -> Self {
        self.observer = Some(observer);
        self
    }

    /// Starts at most `calls_per_second` calls a second, with bursts of at most a tenth of a
    /// second's calls (at least 1; see [`rate_limit_burst`](Self::rate_limit_burst)). Every
    /// attempt counts: retries, logins and token refreshes too. When the
    /// [session store](Self::session_store) can share the limit (the PostgreSQL store can),
    /// every process that uses the same server and login through it shares one limit;
    /// otherwise the limit is this client's and its clones'. Waiting ends at the call's
    /// deadline. A number that is not positive is refused when the client is built.
    pub fn rate_limit(mut self, calls_per_second: f64) -> Self {
        let burst = self.rate_limit.and_then(|(_, burst)| burst);
        self.rate_limit = Some((calls_per_second, burst));
        self
    }

    /// The most calls that start at once after a quiet time, under
    /// [`rate_limit`](Self::rate_limit).
    pub fn rate_limit_burst(mut self, burst: u32) -> Self {
        if let Some((_, b)) = &mut self.rate_limit {
            *b = Some(burst);
        }
        self
    }

    /// Refreshes an access token this long before it expires (default 60 s).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    /// The `User-Agent` header.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Builds the client. Nothing is sent until the first call.
    pub fn build(self) -> Result<Client> {
        let (scheme, authority) = split_url(&self.url)?;
        let base = format!("{scheme}://{authority}");
        let mut extra_roots = Vec::new();
        for pem in &self.ca_pem {
            extra_roots.extend(parse_pem_certificates(pem)?);
        }
        for file in &self.ca_files {
            let pem = std::fs::read(file).map_err(|e| Error::io("read the CA file", file, e))?;
            extra_roots.extend(parse_pem_certificates(&pem)?);
        }
        if self.insecure {
            eprintln!(
                "WARNING: portabilling: TLS certificate verification is DISABLED for {base}; credentials and data can be intercepted"
            );
            tracing::warn!(%base, "TLS certificate verification is disabled");
        }
        let tls = TlsOptions {
            extra_roots,
            insecure: self.insecure,
        };
        let http = Http::new(
            base.clone(),
            self.timeouts,
            &tls,
            self.limits.max_bytes,
            &self.user_agent,
        )?;
        let host = authority
            .rsplit_once(':')
            .map_or(authority.as_str(), |(h, _)| h)
            .to_string();
        let namespace_base = self
            .soap_namespace_base
            .unwrap_or_else(|| format!("{scheme}://{host}"));
        let key = format!(
            "{base}|{}",
            match &self.credentials {
                Credentials::Password { login, .. } | Credentials::Token { login, .. } =>
                    login.clone(),
                _ => String::new(),
            }
        );
        let rate_limiter = match self.rate_limit {
            None => None,
            Some((calls_per_second, burst)) => {
                let mut limit = RateLimit::new(calls_per_second)?;
                if let Some(burst) = burst {
                    limit = limit.with_burst(burst);
                }
                let shared = self
                    .store
                    .as_ref()
                    .and_then(|store| store.rate_limiter(&key, limit));
                Some(shared.unwrap_or_else(|| {
                    Arc::new(LocalRateLimiter::new(limit)) as Arc<dyn RateLimiter>
                }))
            }
        };
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                protocol: self.protocol,
                soap: SoapWire {
                    endpoint: self.soap_endpoint,
                    namespace_base,
                    limits: self.limits,
                },
                rest: RestWire {
                    encoding: self.rest_encoding,
                    limits: self.limits,
                },
                sessions: SessionManager::new(self.credentials, self.store, key),
                timeouts: self.timeouts,
                retries: self.retries,
                i_env: self.i_env,
                history: self.history,
                observer: self.observer,
                rate_limiter,
                refresh_margin: self.refresh_margin.as_secs() as i64,
            }),
        })
    }
}

/// Splits `scheme://authority/…` into the scheme and authority.
fn split_url(url: &str) -> Result<(String, String)> {
    let (scheme, rest) = url.split_once("://").ok_or_else(|| {
        Error::Config(format!(
            "`{url}` is not a URL (expected https://host[:port])"
        ))
    })?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "https" && scheme != "http" {
        return Err(Error::Config(format!(
            "unsupported URL scheme `{scheme}` (use https or http)"
        )));
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.is_empty() || authority.contains('@') || authority.contains(char::is_whitespace) {
        return Err(Error::Config(format!("`{url}` has no usable host")));
    }
    Ok((scheme, authority.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked() {
        assert_eq!(
            split_url("https://h:8443/x").unwrap(),
            ("https".into(), "h:8443".into())
        );
        assert!(split_url("h:8443").is_err());
        assert!(split_url("ftp://h").is_err());
        assert!(split_url("https://user:pw@h").is_err());
    }
}
