//! The request handler: verify → parse → de-duplicate → fetch → hand off → record.

use std::fmt;
use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use serde_json::json;

use super::auth::RequestAuth;
use super::dedup::{Claim, Dedup, DedupStore};
use super::event::Event;
use super::fetch::{fetch_entity_with, FetchError, FetchOptions};
use super::handoff::{Delivery, HandOff, HandOffError, Stdout};
use super::request::EspfRequest;
use crate::Client;

/// What became of a request. [`status`](Disposition::status) is the HTTP status to answer with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Disposition {
    /// The event was handed off and recorded: 200.
    Handled,
    /// The event was handled before: 200, and nothing runs.
    Duplicate,
    /// Not a POST: 405.
    MethodNotAllowed,
    /// The body is larger than the limit: 413.
    TooLarge,
    /// Missing or wrong credentials: 401.
    Unauthorized,
    /// Missing, malformed or skewed `Date`: 403.
    BadDate,
    /// The body is not an event (not JSON, no `event_type`, `variables` or `i_event`): 400.
    Malformed,
    /// The entity does not exist, or the event does not name it: 422.
    EntityNotFound,
    /// The hand-off rejected the event: 422.
    Rejected,
    /// A passing failure (billing API down, hand-off asked for a retry, the same event still
    /// running, the store could not be written): 503.
    Retry,
    /// The hand-off failed unexpectedly: 500.
    Failed,
}

impl Disposition {
    /// The HTTP status. ESPF drops an event on 200 and 4xx and re-sends it on anything else.
    pub fn status(self) -> u16 {
        match self {
            Disposition::Handled | Disposition::Duplicate => 200,
            Disposition::Malformed => 400,
            Disposition::Unauthorized => 401,
            Disposition::BadDate => 403,
            Disposition::MethodNotAllowed => 405,
            Disposition::TooLarge => 413,
            Disposition::EntityNotFound | Disposition::Rejected => 422,
            Disposition::Failed => 500,
            Disposition::Retry => 503,
        }
    }

    /// A short name (`handled`, `duplicate`, `retry`, …), as in the answer's body.
    pub fn as_str(self) -> &'static str {
        match self {
            Disposition::Handled => "handled",
            Disposition::Duplicate => "duplicate",
            Disposition::MethodNotAllowed => "method_not_allowed",
            Disposition::TooLarge => "too_large",
            Disposition::Unauthorized => "unauthorized",
            Disposition::BadDate => "bad_date",
            Disposition::Malformed => "malformed",
            Disposition::EntityNotFound => "entity_not_found",
            Disposition::Rejected => "rejected",
            Disposition::Retry => "retry",
            Disposition::Failed => "failed",
        }
    }

    /// Whether ESPF will send the event again.
    pub fn is_retried(self) -> bool {
        self.status() >= 500
    }
}

/// The answer to send back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EspfResponse {
    /// What happened.
    pub outcome: Disposition,
    /// The HTTP status.
    pub status: u16,
    /// Extra headers (`WWW-Authenticate`, `Allow`, `Retry-After`).
    pub headers: Vec<(String, String)>,
    /// A JSON body: `{"status": "<outcome>", "i_event": …, "error": …}`. It holds no secret.
    pub body: String,
}

impl EspfResponse {
    fn new(outcome: Disposition, i_event: Option<&str>, error: Option<String>) -> Self {
        let mut body = json!({ "status": outcome.as_str() });
        if let Some(id) = i_event {
            body["i_event"] = id.into();
        }
        if let Some(e) = error {
            body["error"] = e.into();
        }
        EspfResponse {
            outcome,
            status: outcome.status(),
            headers: Vec::new(),
            body: body.to_string(),
        }
    }

    fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }
}

/// Counters of a pipeline's outcomes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PipelineStats {
    /// Events handed off and recorded.
    pub handled: u64,
    /// Deliveries of events handled before.
    pub duplicates: u64,
    /// Requests answered 4xx (dropped by ESPF).
    pub rejected: u64,
    /// Requests answered 5xx (re-sent by ESPF).
    pub retried: u64,
}

#[derive(Default)]
struct Counters {
    handled: AtomicU64,
    duplicates: AtomicU64,
    rejected: AtomicU64,
    retried: AtomicU64,
}

/// Handles ESPF requests: verify → parse → de-duplicate → fetch → hand off → record.
///
/// Use it from any HTTP server ([`handle`](Pipeline::handle) takes an [`EspfRequest`] and
/// gives the status and body), or through [`Listener`](crate::espf::Listener). It is `Send +
/// Sync`: share one between threads.
pub struct Pipeline {
    auth: RequestAuth,
    store: Arc<dyn Dedup>,
    client: Option<Client>,
    fetch: FetchOptions,
    hand_off: Box<dyn HandOff>,
    max_body: usize,
    require_event_id: bool,
    counters: Counters,
}

impl fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pipeline")
            .field("auth", &self.auth)
            .field("store", &self.store)
            .field("client", &self.client)
            .field("fetch", &self.fetch)
            .field("max_body", &self.max_body)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Pipeline`].
pub struct PipelineBuilder {
    auth: RequestAuth,
    store: Option<Arc<dyn Dedup>>,
    client: Option<Client>,
    fetch: FetchOptions,
    hand_off: Option<Box<dyn HandOff>>,
    max_body: usize,
    require_event_id: bool,
}

impl fmt::Debug for PipelineBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PipelineBuilder")
            .field("auth", &self.auth)
            .finish_non_exhaustive()
    }
}

/// The default body limit: 64 KiB (ESPF bodies are a few hundred bytes).
pub const DEFAULT_MAX_BODY: usize = 64 * 1024;

impl PipelineBuilder {
    /// Remembers handled events in this store (by default, in memory only): a
    /// [`DedupStore`], or a store shared by replicas (`pg::PgDedup`).
    pub fn dedup(mut self, store: impl Dedup + 'static) -> Self {
        self.store = Some(Arc::new(store));
        self
    }

    /// Shares a store with other code (or pipelines).
    pub fn shared_dedup(mut self, store: Arc<dyn Dedup>) -> Self {
        self.store = Some(store);
        self
    }

    /// Remembers handled events in the file at `path` ([`DedupStore::open`]).
    pub fn dedup_file(self, path: impl AsRef<Path>) -> io::Result<Self> {
        Ok(self.dedup(DedupStore::open(path)?))
    }

    /// Fetches entities through this client. Without one, events are handed off without
    /// their entity.
    pub fn client(mut self, client: Client) -> Self {
        self.client = Some(client);
        self
    }

    /// What to ask for when fetching.
    pub fn fetch_options(mut self, options: FetchOptions) -> Self {
        self.fetch = options;
        self
    }

    /// Where handled events go (by default, [`Stdout`]).
    pub fn hand_off(mut self, hand_off: impl HandOff + 'static) -> Self {
        self.hand_off = Some(Box::new(hand_off));
        self
    }

    /// The largest body accepted ([`DEFAULT_MAX_BODY`] by default); larger ones get 413.
    pub fn max_body(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// Whether an event without `i_event` is refused with 400 (the default). When not, such
    /// events run every time they are delivered.
    pub fn require_event_id(mut self, require: bool) -> Self {
        self.require_event_id = require;
        self
    }

    /// The pipeline.
    pub fn build(self) -> Pipeline {
        Pipeline {
            auth: self.auth,
            store: self
                .store
                .unwrap_or_else(|| Arc::new(DedupStore::in_memory()) as Arc<dyn Dedup>),
            client: self.client,
            fetch: self.fetch,
            hand_off: self.hand_off.unwrap_or_else(|| Box::new(Stdout)),
            max_body: self.max_body,
            require_event_id: self.require_event_id,
            counters: Counters::default(),
        }
    }
}

impl Pipeline {
    /// Starts building a pipeline that authenticates requests with `auth`.
    pub fn builder(auth: RequestAuth) -> PipelineBuilder {
        PipelineBuilder {
            auth,
            store: None,
            client: None,
            fetch: FetchOptions::default(),
            hand_off: None,
            max_body: DEFAULT_MAX_BODY,
            require_event_id: true,
        }
    }

    /// The store of handled events.
    pub fn store(&self) -> &Arc<dyn Dedup> {
        &self.store
    }

    /// The client that fetches entities, if there is one.
    pub fn client(&self) -> Option<&Client> {
        self.client.as_ref()
    }

    /// The largest body accepted.
    pub fn max_body(&self) -> usize {
        self.max_body
    }

    /// What the pipeline did so far.
    pub fn stats(&self) -> PipelineStats {
        PipelineStats {
            handled: self.counters.handled.load(Ordering::Relaxed),
            duplicates: self.counters.duplicates.load(Ordering::Relaxed),
            rejected: self.counters.rejected.load(Ordering::Relaxed),
            retried: self.counters.retried.load(Ordering::Relaxed),
        }
    }

    /// Handles one request and says what to answer.
    pub fn handle(&self, request: &EspfRequest<'_>) -> EspfResponse {
        let started = Instant::now();
        let (response, event) = self.run(request);
        let counter = match response.outcome {
            Disposition::Handled => &self.counters.handled,
            Disposition::Duplicate => &self.counters.duplicates,
            o if o.is_retried() => &self.counters.retried,
            _ => &self.counters.rejected,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        let i_event = event.as_ref().and_then(|e| e.id()).map(|i| i.to_string());
        let event_type = event.as_ref().map(|e| e.event_type().to_string());
        let ms = started.elapsed().as_millis() as u64;
        match response.outcome {
            Disposition::Handled | Disposition::Duplicate => {
                tracing::info!(
                    status = response.status,
                    outcome = response.outcome.as_str(),
                    i_event = i_event.as_deref().unwrap_or(""),
                    event_type = event_type.as_deref().unwrap_or(""),
                    ms,
                    "ESPF event"
                )
            }
            _ => {
                tracing::warn!(status = response.status, outcome = response.outcome.as_str(), i_event = i_event.as_deref().unwrap_or(""), event_type = event_type.as_deref().unwrap_or(""), ms, body = %response.body, "ESPF event not handled")
            }
        }
        response
    }

    fn run(&self, request: &EspfRequest<'_>) -> (EspfResponse, Option<Event>) {
        if !request.method().eq_ignore_ascii_case("POST") {
            let r = EspfResponse::new(
                Disposition::MethodNotAllowed,
                None,
                Some("ESPF posts events: use POST".into()),
            );
            return (r.with_header("Allow", "POST"), None);
        }
        if request.body().len() > self.max_body {
            let message = format!(
                "the body of {} bytes exceeds the limit of {}",
                request.body().len(),
                self.max_body
            );
            return (
                EspfResponse::new(Disposition::TooLarge, None, Some(message)),
                None,
            );
        }
        if let Err(failure) = self.auth.verify(request) {
            let outcome = if failure.status() == 401 {
                Disposition::Unauthorized
            } else {
                Disposition::BadDate
            };
            let mut r = EspfResponse::new(outcome, None, Some(failure.to_string()));
            if outcome == Disposition::Unauthorized {
                r = r.with_header("WWW-Authenticate", self.auth.challenge());
            }
            return (r, None);
        }
        let event = match Event::parse(request.body()) {
            Ok(e) => e,
            Err(e) => {
                return (
                    EspfResponse::new(Disposition::Malformed, None, Some(e.to_string())),
                    None,
                )
            }
        };
        let Some(id) = event.id().cloned() else {
            if self.require_event_id {
                let r = EspfResponse::new(
                    Disposition::Malformed,
                    None,
                    Some("the event carries no i_event".into()),
                );
                return (r, Some(event));
            }
            let r = match self.process(&event) {
                Ok(()) => EspfResponse::new(Disposition::Handled, None, None),
                Err(r) => r,
            };
            return (r, Some(event));
        };
        let claim = match self.store.claim(&id) {
            Ok(claim) => claim,
            Err(e) => {
                let r = EspfResponse::new(
                    Disposition::Retry,
                    Some(id.as_str()),
                    Some(format!("the de-duplication store is unavailable: {e}")),
                );
                return (r.with_header("Retry-After", "5"), Some(event));
            }
        };
        let guard = match claim {
            Claim::Duplicate => {
                return (
                    EspfResponse::new(Disposition::Duplicate, Some(id.as_str()), None),
                    Some(event),
                )
            }
            Claim::Busy => {
                let r = EspfResponse::new(
                    Disposition::Retry,
                    Some(id.as_str()),
                    Some("the same event is still being handled".into()),
                );
                return (r.with_header("Retry-After", "5"), Some(event));
            }
            Claim::Run(guard) => guard,
        };
        let response = match self.process(&event) {
            Ok(()) => match guard.commit() {
                Ok(()) => EspfResponse::new(Disposition::Handled, Some(id.as_str()), None),
                Err(e) => EspfResponse::new(
                    Disposition::Retry,
                    Some(id.as_str()),
                    Some(format!("cannot record the event as handled: {e}")),
                ),
            },
            Err(r) => {
                drop(guard);
                r
            }
        };
        (response, Some(event))
    }

    /// Fetches the entity (when there is one to fetch) and hands the event off.
    fn process(&self, event: &Event) -> Result<(), EspfResponse> {
        let id = event.id().map(|i| i.as_str());
        let entity = match &self.client {
            Some(client) if !event.event_type().is_deletion() && event.entity_kind().is_some() => {
                match fetch_entity_with(client, event, &self.fetch) {
                    Ok(entity) => Some(entity),
                    Err(FetchError::UnknownKind(_)) => None,
                    Err(e @ (FetchError::NotFound { .. } | FetchError::MissingId { .. })) => {
                        return Err(EspfResponse::new(
                            Disposition::EntityNotFound,
                            id,
                            Some(e.to_string()),
                        ))
                    }
                    Err(e) => {
                        let r = EspfResponse::new(Disposition::Retry, id, Some(e.to_string()));
                        return Err(r.with_header("Retry-After", "30"));
                    }
                }
            }
            _ => None,
        };
        let delivery = Delivery {
            event,
            entity: entity.as_ref(),
        };
        self.hand_off.hand_off(&delivery).map_err(|e| match e {
            HandOffError::Retry(m) => {
                EspfResponse::new(Disposition::Retry, id, Some(m)).with_header("Retry-After", "30")
            }
            HandOffError::Reject(m) => EspfResponse::new(Disposition::Rejected, id, Some(m)),
            HandOffError::Failed(m) => EspfResponse::new(Disposition::Failed, id, Some(m)),
        })
    }
}
