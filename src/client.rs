//! The client: its builder, the choice of protocol, and the one call path both protocols share.
//!
//! A call runs the same way over SOAP and REST: take the session (logging in once if there is
//! none, refreshing a token about to expire), let the wire format build the HTTP request, send
//! it, let the wire format read the answer; if the answer is a session fault, renew the session
//! and send again (a session this call just logged in for is not renewed twice). The wire formats ([`SoapWire`](crate::soap::wire::SoapWire),
//! [`RestWire`](crate::rest::wire::RestWire)) only translate between typed values and HTTP.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::auth::{Credentials, FileStore, Secret, Session, SessionManager, SessionStore};
use crate::error::{AuthError, AuthErrorKind, Error, Result};
use crate::history::{Exchange, HistoryHook};
use crate::model::{
    is_read_only_method, AnyValue, DynStructure, Operation, OperationInfo, PagedOperation,
    Structure,
};
use crate::paging::{ItemStream, Transport};
use crate::redact::{body_start, redact_body, scrub};
use crate::rest::wire::{Download, RestEncoding, RestWire};
use crate::soap::decode::Limits;
use crate::soap::wire::{SoapEndpoint, SoapWire};
use crate::transport::{
    parse_pem_certificates, CallLabel, Http, HttpRequest, HttpResponse, StreamingResponse,
    Timeouts, TlsOptions,
};

/// The API protocol: PortaBilling serves the same methods over both.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// XML over SOAP 1.1 (`/soap/<Service>/<method>`), rpc/encoded with the `auth_info` header.
    #[default]
    Soap,
    /// JSON over REST (`/rest/<Service>/<method>`).
    Rest,
}

impl std::str::FromStr for Protocol {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "soap" | "xml" => Ok(Protocol::Soap),
            "rest" | "json" => Ok(Protocol::Rest),
            other => Err(Error::Config(format!(
                "unknown protocol `{other}` (use soap or rest)"
            ))),
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Protocol::Soap => "soap",
            Protocol::Rest => "rest",
        })
    }
}

/// The credentials a call is sent with.
#[derive(Debug)]
pub(crate) enum Auth<'a> {
    /// None (`Session/login`).
    None,
    /// An established session.
    Session(&'a Session),
}

/// A wire format: typed values to HTTP requests, HTTP responses to typed values or errors.
pub(crate) trait WireFormat {
    /// The request for a typed call.
    fn request<T: Structure>(
        &self,
        op: &OperationInfo,
        auth: &Auth<'_>,
        request: &T,
    ) -> Result<HttpRequest>;
    /// The request for a call whose type is known at run time.
    fn request_dyn(
        &self,
        op: &OperationInfo,
        auth: &Auth<'_>,
        request: &dyn DynStructure,
    ) -> Result<HttpRequest>;
    /// The request for an untyped call.
    fn request_any(
        &self,
        label: CallLabel<'_>,
        auth: &Auth<'_>,
        params: &AnyValue,
    ) -> Result<HttpRequest>;
    /// A typed response.
    fn response<T: Structure>(&self, label: CallLabel<'_>, response: HttpResponse) -> Result<T>;
    /// A response into a value whose type is known at run time.
    fn response_dyn(
        &self,
        label: CallLabel<'_>,
        response: HttpResponse,
        out: &mut dyn DynStructure,
    ) -> Result<()>;
    /// An untyped response.
    fn response_any(&self, label: CallLabel<'_>, response: HttpResponse) -> Result<AnyValue>;
    /// The items of a list response, decoded as they arrive (the status is 2xx).
    fn stream<O: PagedOperation>(
        &self,
        label: CallLabel<'_>,
        response: StreamingResponse,
    ) -> Result<ItemStream<O::Item>>;
}

impl<'a> CallLabel<'a> {
    /// The label of a generated operation.
    pub(crate) fn of(op: &'a OperationInfo) -> Self {
        CallLabel {
            service: op.service,
            method: op.method,
            read_only: op.is_read_only(),
        }
    }
}

/// A PortaBilling API client. Cheap to clone (clones share the connection pool and the
/// session), `Send` and `Sync`.
///
/// ```no_run
/// # fn main() -> portabilling::Result<()> {
/// use portabilling::{account, Client};
///
/// let client = Client::builder("https://billing.example.com")
///     .login("api-user", "secret")
///     .build()?;
/// let reply = client.account().get_account_info(&account::GetAccountInfoRequest {
///     i_account: Some(1000889),
///     get_included_services: Some(1),
///     ..Default::default()
/// })?;
/// if let Some(account) = reply.account_info {
///     println!("{:?} has balance {:?}", account.id, account.balance);
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: Http,
    protocol: Protocol,
    soap: SoapWire,
    rest: RestWire,
    sessions: SessionManager,
    i_env: Option<i64>,
    history: Option<Arc<dyn HistoryHook>>,
    refresh_margin: i64,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.inner.http.base())
            .field("protocol", &self.inner.protocol)
            .field("sessions", &self.inner.sessions)
            .finish()
    }
}

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

impl Client {
    /// Starts building a client for the server at `url` (`https://billing.example.com`, with
    /// a port if needed; a path is ignored).
    pub fn builder(url: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            url: url.into(),
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
            user_agent: concat!("portabilling-rs/", env!("CARGO_PKG_VERSION")).to_string(),
            refresh_margin: Duration::from_secs(60),
        }
    }

    /// The protocol in use.
    pub fn protocol(&self) -> Protocol {
        self.inner.protocol
    }

    /// The server's base URL.
    pub fn base_url(&self) -> &str {
        self.inner.http.base()
    }

    /// How many times this client (and its clones) logged in.
    pub fn logins(&self) -> u64 {
        self.inner.sessions.logins()
    }

    /// How many times this client refreshed its access token.
    pub fn token_refreshes(&self) -> u64 {
        self.inner.sessions.refreshes()
    }

    /// The session in use, if any (its `Debug` output hides the secrets).
    pub fn current_session(&self) -> Option<Session> {
        self.inner.sessions.peek().map(|s| (*s).clone())
    }

    /// Logs in now, unless a session is already established (or stored). Calls log in by
    /// themselves when needed; this makes a bad password show up early.
    pub fn login(&self) -> Result<Session> {
        let session = self.scrubbed(self.inner.sessions.current(&|| self.login_call()))?;
        Ok((*session).clone())
    }

    /// Ends the session on the server and forgets it (also in the session store).
    pub fn logout(&self) -> Result<()> {
        let result = self.logout_inner();
        self.scrubbed(result)
    }

    fn logout_inner(&self) -> Result<()> {
        let Some(session) = self.inner.sessions.peek() else {
            return Ok(());
        };
        let params = token_params(&session);
        let label = CallLabel {
            service: "Session",
            method: "logout",
            read_only: false,
        };
        let result = self.untyped(label, &Auth::Session(&session), &params);
        self.inner.sessions.forget()?;
        match result {
            Ok(_) => Ok(()),
            // A session that is already gone is logged out.
            Err(Error::Fault(f)) if f.is_session_fault() || f.code.contains("logout") => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Checks the session with `Session/ping`: `true` if the server still knows it. Logs in
    /// first if there is no session.
    pub fn ping(&self) -> Result<bool> {
        let result = self.ping_inner();
        self.scrubbed(result)
    }

    fn ping_inner(&self) -> Result<bool> {
        let session = self.inner.sessions.current(&|| self.login_call())?;
        let params = token_params(&session);
        let label = CallLabel {
            service: "Session",
            method: "ping",
            read_only: true,
        };
        match self.untyped(label, &Auth::Session(&session), &params) {
            Ok(reply) => Ok(reply
                .get("user_id")
                .and_then(|v| {
                    v.as_i64()
                        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                })
                .is_some_and(|id| id > 0)),
            Err(Error::Fault(f)) if f.is_session_fault() => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Calls `service`/`method` with parameters and an answer in JSON form. A method the
    /// generated services know goes through its types (so the answer has the same shape over
    /// SOAP and REST); any other method is sent untyped. Typed calls (`client.account().…`)
    /// are the usual way.
    ///
    /// ```no_run
    /// # fn main() -> portabilling::Result<()> {
    /// # let client = portabilling::Client::builder("https://billing.example.com").login("a", "b").build()?;
    /// let reply = client.call("Generic", "get_version", serde_json::json!({}))?;
    /// println!("{reply}");
    /// # Ok(())
    /// # }
    /// ```
    pub fn call(&self, service: &str, method: &str, params: AnyValue) -> Result<AnyValue> {
        // A method the registry knows is read through its generated types, so the answer is
        // the same whichever protocol carried it (SOAP's guessed types are not trusted).
        if let Some(op) = crate::registry::operation(service, method) {
            let mut request = (op.new_request)();
            request.set_json(&params).map_err(|e| {
                Error::Config(format!(
                    "the parameters do not fit {service}/{method} ({}): {e}",
                    op.request.name
                ))
            })?;
            return self
                .call_dyn(op, request.as_ref())
                .map(|reply| reply.to_json());
        }
        let label = CallLabel {
            service,
            method,
            read_only: is_read_only_method(method),
        };
        let wire = self.wire();
        self.execute(
            label,
            true,
            &|auth| wire.request_any(label, auth, &params),
            &mut |response| wire.response_any(label, response),
        )
    }

    /// Calls `service`/`method` like [`call`](Self::call), but returns the server's answer as
    /// it came (status, content type, body), whatever it holds. Session faults still renew the
    /// session once.
    pub fn call_raw(&self, service: &str, method: &str, params: AnyValue) -> Result<RawReply> {
        let label = CallLabel {
            service,
            method,
            read_only: is_read_only_method(method),
        };
        let wire = self.wire();
        let protocol = self.inner.protocol;
        let reply = self.execute(
            label,
            true,
            &|auth| wire.request_any(label, auth, &params),
            &mut |response| {
                let reply = RawReply {
                    protocol,
                    service: service.to_string(),
                    method: method.to_string(),
                    status: response.status,
                    content_type: response.content_type.clone(),
                    body: response.body.clone(),
                    secrets: Vec::new(),
                };
                // Only a session fault matters here: it makes the call path renew and resend.
                match wire.response_any(label, response) {
                    Err(Error::Fault(f)) if f.is_session_fault() => Err(Error::Fault(f)),
                    _ => Ok(reply),
                }
            },
        )?;
        Ok(RawReply {
            secrets: self
                .inner
                .sessions
                .known_secrets()
                .into_iter()
                .map(Secret::new)
                .collect(),
            ..reply
        })
    }

    /// Calls an operation chosen at run time (from the [registry](crate::registry)), with a
    /// request value of its request type, and returns a value of its response type.
    pub fn call_dyn(
        &self,
        op: &OperationInfo,
        request: &dyn DynStructure,
    ) -> Result<Box<dyn DynStructure>> {
        let label = CallLabel::of(op);
        let mut reply: Option<Box<dyn DynStructure>> = None;
        let wire = self.wire();
        self.execute(
            label,
            true,
            &|auth| wire.request_dyn(op, auth, request),
            &mut |response| {
                let mut out = (op.new_response)();
                wire.response_dyn(label, response, out.as_mut())?;
                reply = Some(out);
                Ok(())
            },
        )?;
        Ok(reply.unwrap_or_else(|| (op.new_response)()))
    }

    /// Calls a method that answers with a file (an invoice PDF, a CSV report, a call
    /// recording) over REST, and returns the file with a streaming reader.
    pub fn download(&self, service: &str, method: &str, params: AnyValue) -> Result<Download> {
        let result = self.download_inner(service, method, params);
        self.scrubbed(result)
    }

    fn download_inner(&self, service: &str, method: &str, params: AnyValue) -> Result<Download> {
        let label = CallLabel {
            service,
            method,
            read_only: is_read_only_method(method),
        };
        let inner = &self.inner;
        let mut session = self.session_for_call()?;
        let mut renewals = Renewals::default();
        loop {
            let request =
                WireFormat::request_any(&inner.rest, label, &Auth::Session(&session), &params)?;
            let response = inner.http.send_streaming(label, &request)?;
            match inner.rest.download(label, response) {
                Err(Error::Fault(f))
                    if f.is_session_fault() && inner.sessions.credentials().can_login() =>
                {
                    session = self.renew_refused(Some(&session), &mut renewals, &f.code)?;
                }
                other => return other,
            }
        }
    }

    /// The session to use, refreshing an access token about to expire.
    fn session_for_call(&self) -> Result<Arc<Session>> {
        let inner = &self.inner;
        let session = inner.sessions.current(&|| self.login_call())?;
        if inner.protocol == Protocol::Rest
            && session.access_token.is_some()
            && session.expires_within(inner.refresh_margin)
        {
            return inner
                .sessions
                .refresh(&session, &|s| self.refresh_call(s), &|| self.login_call());
        }
        Ok(session)
    }

    /// The call path of every call, whatever its wire format and value kind: take the
    /// session, build, send, read; on a session fault, renew the session and resend (see
    /// [`renew_refused`](Self::renew_refused) for when it stops).
    fn execute<R>(
        &self,
        label: CallLabel<'_>,
        needs_auth: bool,
        build: &dyn Fn(&Auth<'_>) -> Result<HttpRequest>,
        read: &mut dyn FnMut(HttpResponse) -> Result<R>,
    ) -> Result<R> {
        let result = self.execute_inner(label, needs_auth, build, read);
        self.scrubbed(result)
    }

    fn execute_inner<R>(
        &self,
        label: CallLabel<'_>,
        needs_auth: bool,
        build: &dyn Fn(&Auth<'_>) -> Result<HttpRequest>,
        read: &mut dyn FnMut(HttpResponse) -> Result<R>,
    ) -> Result<R> {
        let session = if needs_auth {
            Some(self.session_for_call()?)
        } else {
            None
        };
        let auth = session.as_deref().map_or(Auth::None, Auth::Session);
        let mut response = self.send(label, &build(&auth)?)?;
        let mut renewals = Renewals::default();
        let mut session = session;
        loop {
            match read(response) {
                Err(Error::Fault(fault)) if needs_auth && fault.is_session_fault() => {
                    tracing::info!(service = label.service, method = label.method, code = %fault.code, "session refused; renewing it");
                    let fresh =
                        self.renew_refused(session.as_deref(), &mut renewals, &fault.code)?;
                    response = self.send(label, &build(&Auth::Session(&fresh))?)?;
                    session = Some(fresh);
                }
                other => return other,
            }
        }
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
        let (fresh, logged_in) = sessions.renew_tracked(refused, &|| self.login_call())?;
        renewals.own_login = logged_in.then(|| Arc::clone(&fresh));
        Ok(fresh)
    }

    fn wire(&self) -> &dyn WireDispatch {
        match self.inner.protocol {
            Protocol::Soap => &self.inner.soap,
            Protocol::Rest => &self.inner.rest,
        }
    }

    /// Sends one request, logging it and recording it for the history hook.
    fn send(&self, label: CallLabel<'_>, request: &HttpRequest) -> Result<HttpResponse> {
        let started = Instant::now();
        let result = self.inner.http.send(label, request);
        let elapsed = started.elapsed();
        match &result {
            Ok(response) => {
                tracing::debug!(
                    service = label.service,
                    method = label.method,
                    protocol = %self.inner.protocol,
                    status = response.status,
                    bytes = response.body.len(),
                    elapsed_ms = elapsed.as_millis() as u64,
                    "call"
                );
                if tracing::enabled!(tracing::Level::TRACE) {
                    let secrets = self.inner.sessions.known_secrets();
                    let request = scrub(&redact_body(&request.body), &secrets);
                    let response = scrub(&body_start(&response.body), &secrets);
                    tracing::trace!(%request, %response, "exchange");
                }
            }
            Err(e) => {
                let error = scrub(&e.to_string(), &self.inner.sessions.known_secrets());
                tracing::debug!(service = label.service, method = label.method, %error, "call failed")
            }
        }
        if let Some(hook) = &self.inner.history {
            let mut exchange = Exchange::new(
                label,
                self.inner.http.base(),
                request,
                result.as_ref().ok(),
                elapsed,
            );
            exchange.scrub(&self.inner.sessions.known_secrets());
            hook.record(&exchange);
        }
        result
    }

    /// `result`, with the client's secrets scrubbed from its error (a body or fault that
    /// echoed the request back).
    fn scrubbed<T>(&self, result: Result<T>) -> Result<T> {
        result.map_err(|mut e| {
            e.scrub(&self.inner.sessions.known_secrets());
            e
        })
    }

    /// Logs in with the configured credentials: `Session/login`, never retried (a wrong
    /// password or a lockout must not be hammered).
    fn login_call(&self) -> Result<Session> {
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
        let label = CallLabel {
            service: "Session",
            method: "login",
            read_only: false,
        };
        match self.untyped(label, &Auth::None, &AnyValue::Object(params)) {
            Ok(reply) => Ok(Session::from_login_response(&reply)),
            Err(Error::Fault(f)) => Err(match AuthError::from_login_fault(&f.code, &f.message) {
                Some(auth) => Error::Auth(auth),
                None => Error::Fault(f),
            }),
            Err(e) => Err(e),
        }
    }

    /// Exchanges the refresh token for a new access token.
    fn refresh_call(&self, session: &Session) -> Result<Session> {
        let Some(refresh) = &session.refresh_token else {
            return Err(session_rejected(None));
        };
        let mut params = serde_json::Map::new();
        params.insert("refresh_token".into(), refresh.expose().into());
        let label = CallLabel {
            service: "Session",
            method: "refresh_access_token",
            read_only: false,
        };
        let reply = self.untyped(label, &Auth::None, &AnyValue::Object(params))?;
        Ok(Session::from_login_response(&reply))
    }

    /// One untyped call with the given credentials, without session renewal.
    fn untyped(
        &self,
        label: CallLabel<'_>,
        auth: &Auth<'_>,
        params: &AnyValue,
    ) -> Result<AnyValue> {
        let wire = self.wire();
        let request = wire.request_any(label, auth, params)?;
        let response = self.send(label, &request)?;
        wire.response_any(label, response)
    }
}

/// An answer as the server sent it (see [`Client::call_raw`]).
#[derive(Clone, Debug)]
pub struct RawReply {
    /// The protocol it came over.
    pub protocol: Protocol,
    /// The service called.
    pub service: String,
    /// The method called.
    pub method: String,
    /// The HTTP status.
    pub status: u16,
    /// The content type.
    pub content_type: Option<String>,
    /// The body, unchanged.
    pub body: Vec<u8>,
    /// The client's secrets when the answer came, scrubbed from the errors of
    /// [`decode`](Self::decode) (a body that echoes the request holds them).
    secrets: Vec<Secret>,
}

impl RawReply {
    /// Reads the answer as a value, or the fault or error it stands for. The error holds no
    /// password, token or session id of the client, even if the body does.
    pub fn decode(&self) -> Result<AnyValue> {
        self.protocol
            .decode_any(&self.service, &self.method, self.status, &self.body)
            .map_err(|mut e| {
                let secrets: Vec<String> = self
                    .secrets
                    .iter()
                    .map(|s| s.expose().to_string())
                    .collect();
                e.scrub(&secrets);
                e
            })
    }
}

impl Protocol {
    /// Decodes a captured response body of `op` into its generated response type. A fault
    /// becomes [`Error::Fault`]. This is what `portabilling decode` does, for debugging real
    /// traffic (and for timing the decoder on captured bytes).
    pub fn decode_response(self, op: &OperationInfo, body: &[u8]) -> Result<Box<dyn DynStructure>> {
        let label = CallLabel::of(op);
        let mut out = (op.new_response)();
        let response = HttpResponse {
            status: 200,
            content_type: None,
            content_disposition: None,
            body: body.to_vec(),
        };
        match self {
            Protocol::Soap => {
                WireFormat::response_dyn(&default_soap(), label, response, out.as_mut())?
            }
            Protocol::Rest => {
                WireFormat::response_dyn(&default_rest(), label, response, out.as_mut())?
            }
        }
        Ok(out)
    }

    /// Decodes a captured response body of a method the registry lacks into an untyped value.
    pub fn decode_untyped(self, service: &str, method: &str, body: &[u8]) -> Result<AnyValue> {
        self.decode_any(service, method, 200, body)
    }

    fn decode_any(self, service: &str, method: &str, status: u16, body: &[u8]) -> Result<AnyValue> {
        let label = CallLabel {
            service,
            method,
            read_only: true,
        };
        let response = HttpResponse {
            status,
            content_type: None,
            content_disposition: None,
            body: body.to_vec(),
        };
        match self {
            Protocol::Soap => WireFormat::response_any(&default_soap(), label, response),
            Protocol::Rest => WireFormat::response_any(&default_rest(), label, response),
        }
    }
}

fn default_soap() -> SoapWire {
    SoapWire {
        endpoint: SoapEndpoint::default(),
        namespace_base: String::new(),
        limits: Limits::default(),
    }
}

fn default_rest() -> RestWire {
    RestWire {
        encoding: RestEncoding::default(),
        limits: Limits::default(),
    }
}

/// The parameters that name the current session for `ping` and `logout`.
fn token_params(session: &Session) -> AnyValue {
    let mut params = serde_json::Map::new();
    if let Some(token) = &session.access_token {
        params.insert("access_token".into(), token.expose().into());
    } else if let Some(id) = &session.session_id {
        params.insert("session_id".into(), id.expose().into());
    }
    AnyValue::Object(params)
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

fn session_rejected(code: Option<&str>) -> Error {
    Error::Auth(AuthError {
        kind: AuthErrorKind::SessionRejected,
        code: code.map(str::to_string),
        message: "the server refused the session again right after it was renewed".into(),
    })
}

/// [`WireFormat`] without its generic methods, so the call path can pick one at run time.
pub(crate) trait WireDispatch {
    fn request_dyn(
        &self,
        op: &OperationInfo,
        auth: &Auth<'_>,
        request: &dyn DynStructure,
    ) -> Result<HttpRequest>;
    fn request_any(
        &self,
        label: CallLabel<'_>,
        auth: &Auth<'_>,
        params: &AnyValue,
    ) -> Result<HttpRequest>;
    fn response_dyn(
        &self,
        label: CallLabel<'_>,
        response: HttpResponse,
        out: &mut dyn DynStructure,
    ) -> Result<()>;
    fn response_any(&self, label: CallLabel<'_>, response: HttpResponse) -> Result<AnyValue>;
}

macro_rules! dispatch {
    ($t:ty) => {
        impl WireDispatch for $t {
            fn request_dyn(
                &self,
                op: &OperationInfo,
                auth: &Auth<'_>,
                request: &dyn DynStructure,
            ) -> Result<HttpRequest> {
                WireFormat::request_dyn(self, op, auth, request)
            }
            fn request_any(
                &self,
                label: CallLabel<'_>,
                auth: &Auth<'_>,
                params: &AnyValue,
            ) -> Result<HttpRequest> {
                WireFormat::request_any(self, label, auth, params)
            }
            fn response_dyn(
                &self,
                label: CallLabel<'_>,
                response: HttpResponse,
                out: &mut dyn DynStructure,
            ) -> Result<()> {
                WireFormat::response_dyn(self, label, response, out)
            }
            fn response_any(
                &self,
                label: CallLabel<'_>,
                response: HttpResponse,
            ) -> Result<AnyValue> {
                WireFormat::response_any(self, label, response)
            }
        }
    };
}

dispatch!(SoapWire);
dispatch!(RestWire);

impl Client {
    /// A typed call through the wire format `W`.
    fn typed<O: Operation, W: WireFormat>(
        &self,
        wire: &W,
        request: &O::Request,
    ) -> Result<O::Response> {
        let label = CallLabel::of(O::INFO);
        let needs_auth = !(O::INFO.service == "Session"
            && matches!(O::INFO.method, "login" | "refresh_access_token"));
        self.execute(
            label,
            needs_auth,
            &|auth| wire.request(O::INFO, auth, request),
            &mut |response| wire.response::<O::Response>(label, response),
        )
    }

    fn typed_stream<O: PagedOperation, W: WireFormat>(
        &self,
        wire: &W,
        request: &O::Request,
    ) -> Result<ItemStream<O::Item>> {
        let label = CallLabel::of(O::INFO);
        let mut session = self.session_for_call()?;
        let mut renewals = Renewals::default();
        loop {
            let http_request = wire.request(O::INFO, &Auth::Session(&session), request)?;
            let response = self.inner.http.send_streaming(label, &http_request)?;
            if (200..300).contains(&response.status) {
                return wire.stream::<O>(label, response);
            }
            // Not a list: read the whole answer for its fault or error.
            let mut body = Vec::new();
            let mut reader = response.body;
            std::io::Read::read_to_end(&mut reader, &mut body)
                .map_err(|e| crate::transport::io_to_error(label.service, label.method, e))?;
            let full = HttpResponse {
                status: response.status,
                content_type: response.content_type,
                content_disposition: response.content_disposition,
                body,
            };
            match wire.response::<O::Response>(label, full) {
                Err(Error::Fault(f))
                    if f.is_session_fault() && self.inner.sessions.credentials().can_login() =>
                {
                    session = self.renew_refused(Some(&session), &mut renewals, &f.code)?;
                }
                Err(e) => return Err(e),
                Ok(_) => {
                    return Err(Error::Config(
                        "the server answered a list call with an error status but a value".into(),
                    ))
                }
            }
        }
    }
}

impl Transport for Client {
    fn call<O: Operation>(&self, request: &O::Request) -> Result<O::Response> {
        match self.inner.protocol {
            Protocol::Soap => self.typed::<O, _>(&self.inner.soap, request),
            Protocol::Rest => self.typed::<O, _>(&self.inner.rest, request),
        }
    }

    fn stream<O: PagedOperation>(&self, request: &O::Request) -> Result<ItemStream<O::Item>> {
        let result = match self.inner.protocol {
            Protocol::Soap => self.typed_stream::<O, _>(&self.inner.soap, request),
            Protocol::Rest => self.typed_stream::<O, _>(&self.inner.rest, request),
        };
        self.scrubbed(result)
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

    /// The time limit for each read from the server (default 60 s).
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.read = Some(timeout);
        self
    }

    /// The time limit for a whole call (default 300 s).
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

    /// How many times a read is retried after a transport failure or a 502/503/504 (default
    /// 2). Writes are retried only when the request provably did not reach the server.
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
            let pem = std::fs::read(file).map_err(|e| {
                Error::Config(format!("cannot read the CA file {}: {e}", file.display()))
            })?;
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
            self.retries,
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
                i_env: self.i_env,
                history: self.history,
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

    #[test]
    fn the_client_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Client>();
    }
}
