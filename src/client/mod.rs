//! The client: what a program calls. [`Client`] holds the connection pool, the session and the
//! chosen wire format; [`ClientBuilder`] makes one; every call, typed or untyped, list stream
//! or file download, goes through one call path (`call.rs`) that takes the session, sends,
//! renews the session when the server refuses it, and retries by one policy within one
//! deadline. `protocol.rs` picks the wire format.

mod builder;
mod call;
mod protocol;

use std::sync::Arc;

use crate::auth::{Secret, Session, SessionManager, SessionStatus};
use crate::error::{Error, Result};
use crate::history::{ClientObserver, HistoryHook};
use crate::model::{AnyValue, Operation, OperationInfo, PagedOperation, Structure};
use crate::paging::{Caller, DynCaller, ItemStream};
use crate::ratelimit::RateLimiter;
use crate::rest::Download;
use crate::transport::{BodyUse, Deadline, Http, Timeouts};
use crate::wire::{CallLabel, Params};

use crate::rest::binding::RestWire;
use crate::soap::binding::SoapWire;
pub use builder::ClientBuilder;
use call::{CallSpec, Reply, SessionUse};
use protocol::Wire;
pub use protocol::{Protocol, RawReply};

/// A PortaBilling API client. Cheap to clone (clones share the connection pool and the
/// session), `Send` and `Sync`. Calls block the calling thread.
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
    timeouts: Timeouts,
    retries: u32,
    i_env: Option<i64>,
    history: Option<Arc<dyn HistoryHook>>,
    observer: Option<Arc<dyn ClientObserver>>,
    rate_limiter: Option<Arc<dyn RateLimiter>>,
    refresh_margin: i64,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.inner.http.base())
            .field("protocol", &self.inner.protocol)
            .field("sessions", &self.inner.sessions)
            .finish()
    }
}

impl Client {
    /// Starts building a client for the server at `url` (`https://billing.example.com`, with
    /// a port if needed; a path is ignored).
    pub fn builder(url: impl Into<String>) -> ClientBuilder {
        ClientBuilder::new(url.into())
    }

    /// The protocol in use.
    pub fn protocol(&self) -> Protocol {
        self.inner.protocol
    }

    /// The wire format of the client's protocol.
    fn wire(&self) -> Wire<'_> {
        match self.inner.protocol {
            Protocol::Soap => Wire::Soap(&self.inner.soap),
            Protocol::Rest => Wire::Rest(&self.inner.rest),
        }
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
        let deadline = self.deadline();
        let session = self.scrubbed(self.session_for_call(deadline))?;
        Ok((*session).clone())
    }

    /// Ends the session on the server and forgets it (also in the session store). Without a
    /// session (in memory or in the store) there is nothing to end, and nothing is sent.
    pub fn logout(&self) -> Result<()> {
        let deadline = self.deadline();
        let Some(session) = self.inner.sessions.stored()? else {
            return Ok(());
        };
        let params = token_params(&session);
        let result = self.untyped(
            self.session_label("logout"),
            SessionUse::Exactly(Arc::clone(&session)),
            &params,
            deadline,
        );
        self.inner.sessions.forget(deadline.instant())?;
        match result {
            Ok(_) => Ok(()),
            // A session that is already gone is logged out.
            Err(Error::Fault(f)) if f.is_session_fault() || f.code.contains("logout") => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Checks the session with `Session/ping`: `true` if the server still knows it. Logs in
    /// first if there is no session; [`session_status`](Self::session_status) never does.
    pub fn ping(&self) -> Result<bool> {
        let deadline = self.deadline();
        let session = self.scrubbed(self.session_for_call(deadline))?;
        Ok(self.ping_session(session, deadline)? == SessionStatus::Alive)
    }

    /// Checks the session in use, or the one in the session store, with `Session/ping`,
    /// without ever logging in: with no session the answer is [`SessionStatus::Missing`] and
    /// nothing is sent.
    pub fn session_status(&self) -> Result<SessionStatus> {
        let deadline = self.deadline();
        match self.inner.sessions.stored()? {
            Some(session) => self.ping_session(session, deadline),
            None => Ok(SessionStatus::Missing),
        }
    }

    fn ping_session(&self, session: Arc<Session>, deadline: Deadline) -> Result<SessionStatus> {
        let params = token_params(&session);
        match self.untyped(
            self.session_label("ping"),
            SessionUse::Exactly(session),
            &params,
            deadline,
        ) {
            Ok(reply) => {
                let known = reply
                    .get("user_id")
                    .and_then(|v| {
                        v.as_i64()
                            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                    })
                    .is_some_and(|id| id > 0);
                Ok(if known {
                    SessionStatus::Alive
                } else {
                    SessionStatus::Expired
                })
            }
            Err(Error::Fault(f)) if f.is_session_fault() => Ok(SessionStatus::Expired),
            Err(e) => Err(e),
        }
    }

    /// Calls `service`/`method` with parameters and an answer in JSON form. A method the
    /// generated services know goes through its types (so the answer has the same shape over
    /// SOAP and REST); any other method is sent untyped, and is treated as a write (never
    /// resent once it may have reached the server). Typed calls (`client.account().…`) are
    /// the usual way.
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
        // A method the registry knows is read through its schemas, so the answer is the same
        // whichever protocol carried it (SOAP's guessed types are not trusted).
        if let Some(op) = crate::registry::operation(service, method) {
            let request = crate::registry::request_from_json(op, &params)?;
            return self
                .call_dyn(op, request.as_ref())
                .map(|reply| reply.to_json());
        }
        self.untyped(
            untyped_label(service, method),
            SessionUse::Renewing,
            &params,
            self.deadline(),
        )
    }

    /// Calls `service`/`method` like [`call`](Self::call), but returns the server's answer as
    /// it came (status, content type, body), whatever it holds. Session faults still renew the
    /// session.
    pub fn call_raw(&self, service: &str, method: &str, params: AnyValue) -> Result<RawReply> {
        let label = match crate::registry::operation(service, method) {
            Some(op) => CallLabel::of(op),
            None => untyped_label(service, method),
        };
        let wire = self.wire();
        let protocol = self.inner.protocol;
        let spec = CallSpec {
            wire,
            label,
            session: SessionUse::Renewing,
            params: Params::Untyped(&params),
            body_use: BodyUse::Buffered,
        };
        let reply = self.run(&spec, self.deadline(), &mut |reply| {
            let response = reply.into_buffered(label)?;
            // Only a session fault matters here: it makes the call path renew and resend.
            if let Err(Error::Fault(f)) = wire.read_untyped(label, &response) {
                if f.is_session_fault() {
                    return Err(Error::Fault(f));
                }
            }
            Ok(RawReply {
                protocol,
                service: service.to_string(),
                method: method.to_string(),
                status: response.status,
                content_type: response.content_type,
                body: response.body,
                secrets: Vec::new(),
            })
        })?;
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
    /// request value of its request type, and returns a value of its response type: a
    /// [`DynamicStructure`](crate::model::DynamicStructure), which
    /// `to_typed` (on `dyn Structure`) turns into the generated type.
    pub fn call_dyn(
        &self,
        op: &'static OperationInfo,
        request: &dyn Structure,
    ) -> Result<Box<dyn Structure>> {
        let mut out = op.new_response();
        self.call_into(op, request, out.as_mut())?;
        Ok(out)
    }

    /// A typed call: `request` of `op`'s request type, the answer decoded into `out`.
    fn call_into(
        &self,
        op: &OperationInfo,
        request: &dyn Structure,
        out: &mut dyn Structure,
    ) -> Result<()> {
        let label = CallLabel::of(op);
        let wire = self.wire();
        let spec = CallSpec {
            wire,
            label,
            session: SessionUse::from_operation(op),
            params: Params::Typed(op, request),
            body_use: BodyUse::Buffered,
        };
        self.run(&spec, self.deadline(), &mut |reply| {
            wire.read_typed(label, &reply.into_buffered(label)?, &mut *out)
        })
    }

    /// Calls a method that answers with a file (an invoice PDF, a CSV report, a call
    /// recording) over REST, and returns the file with a streaming reader.
    pub fn download(&self, service: &str, method: &str, params: AnyValue) -> Result<Download> {
        let label = match crate::registry::operation(service, method) {
            Some(op) => CallLabel::of(op),
            None => untyped_label(service, method),
        };
        let rest = &self.inner.rest;
        let spec = CallSpec {
            wire: Wire::Rest(rest),
            label,
            session: SessionUse::Renewing,
            params: Params::Untyped(&params),
            body_use: BodyUse::Streamed,
        };
        self.run(&spec, self.deadline(), &mut |reply| match reply {
            Reply::Streamed(response) => rest.download(label, response),
            Reply::Buffered(response) => Err(crate::wire::http_error(label, &response)),
        })
    }

    /// An untyped call with the given session use.
    fn untyped(
        &self,
        label: CallLabel<'_>,
        session: SessionUse,
        params: &AnyValue,
        deadline: Deadline,
    ) -> Result<AnyValue> {
        let wire = self.wire();
        let spec = CallSpec {
            wire,
            label,
            session,
            params: Params::Untyped(params),
            body_use: BodyUse::Buffered,
        };
        self.run(&spec, deadline, &mut |reply| {
            wire.read_untyped(label, &reply.into_buffered(label)?)
        })
    }

    /// The label of a `Session` method, from the generated descriptor.
    fn session_label(&self, method: &'static str) -> CallLabel<'static> {
        match crate::registry::operation("Session", method) {
            Some(op) => CallLabel::of(op),
            None => CallLabel {
                service: "Session",
                method,
                read_only: false,
            },
        }
    }

    /// The HTTP side of the client, for requests outside the API (the WSDL set).
    pub(crate) fn http(&self) -> &Http {
        &self.inner.http
    }

    /// The time limit of a call.
    pub(crate) fn call_timeout(&self) -> Option<std::time::Duration> {
        self.inner.timeouts.call
    }

    /// A new deadline for a call, from the configured time limit.
    fn deadline(&self) -> Deadline {
        Deadline::after(self.inner.timeouts.call)
    }

    /// `result`, with the client's secrets scrubbed from its error (a body or fault that
    /// echoed the request back).
    fn scrubbed<T>(&self, result: Result<T>) -> Result<T> {
        result.map_err(|mut e| {
            e.scrub(&self.inner.sessions.known_secrets());
            e
        })
    }
}

impl DynCaller for Client {
    fn call_dyn(
        &self,
        op: &'static OperationInfo,
        request: &dyn Structure,
    ) -> Result<Box<dyn Structure>> {
        Client::call_dyn(self, op, request)
    }
}

impl Caller for Client {
    fn call<O: Operation>(&self, request: &O::Request) -> Result<O::Response> {
        let mut out = O::Response::default();
        self.call_into(O::INFO, request, &mut out)?;
        Ok(out)
    }

    fn stream<O: PagedOperation>(&self, request: &O::Request) -> Result<ItemStream<O::Item>> {
        let label = CallLabel::of(O::INFO);
        let wire = self.wire();
        let spec = CallSpec {
            wire,
            label,
            session: SessionUse::from_operation(O::INFO),
            params: Params::Typed(O::INFO, request),
            body_use: BodyUse::Streamed,
        };
        self.run(&spec, self.deadline(), &mut |reply| match reply {
            Reply::Streamed(response) => wire.stream(O::INFO, label, response),
            // Not a list: the fault or error the answer stands for.
            Reply::Buffered(response) => {
                let mut ignored = O::Response::default();
                wire.read_typed(label, &response, &mut ignored)?;
                Err(crate::wire::http_error(label, &response))
            }
        })
    }
}

/// The label of a method the generated set lacks: treated as a write.
fn untyped_label<'a>(service: &'a str, method: &'a str) -> CallLabel<'a> {
    CallLabel {
        service,
        method,
        read_only: false,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Client>();
    }
}
