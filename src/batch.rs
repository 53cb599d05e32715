//! Running many calls from a JSONL file, over one session, a few at a time, with resume.
//!
//! Input: one call per line, `{"id": "...", "service": "...", "method": "...", "params": {...}}`
//! ([`read_calls`]), or calls a program builds from typed requests ([`BatchCall::new`]).
//! Output: one line per call, written and flushed as each call ends:
//! `{"id": "...", "status": "ok", "response": {...}}`, or `"status": "fault"` with the fault,
//! `"error"` with the error, or `"unknown"` for a write whose outcome cannot be known. A
//! program also gets each outcome as it comes, through [`BatchEvent::Finished`].
//!
//! Interrupt a run any way (Ctrl-C, kill, crash) and run it again with `resume`: calls with a
//! result are not sent again. Before a write (anything but `get_*` and other reads) is sent,
//! its id is recorded in a journal next to the output (`<output>.journal`, fsynced). A write
//! that was journaled but has no result was sent when the run stopped: on resume it is
//! reported as `unknown`, never resent, because PortaBilling may have applied it. Reads are
//! simply sent again. Once someone has checked on the server that an `unknown` write did not
//! take effect, `retry_unknown` sends such writes again.
//!
//! A [`StopSignal`] drains a run: no call starts after it, the calls in flight finish and are
//! recorded, and the summary counts what was not started. Only one run at a time may use an
//! output: the journal is locked for the whole run, and a second run on the same output is
//! refused rather than sending the same writes again.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::error::{Error, Result};
use crate::model::{Operation, OperationInfo, Structure, UnknownField};
use crate::Client;

/// One call of a batch.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchCall {
    /// The caller's id for the call, unique in the batch.
    pub id: String,
    /// The service.
    pub service: String,
    /// The method.
    pub method: String,
    /// The parameters, in PortaBilling's JSON form.
    pub params: Value,
}

impl BatchCall {
    /// A call of operation `O` with a typed request.
    ///
    /// ```
    /// use portabilling::account::{op::UpdateAccount, AccountInfo, UpdateAccountRequest};
    /// use portabilling::batch::BatchCall;
    ///
    /// let request = UpdateAccountRequest {
    ///     account_info: Some(AccountInfo { i_account: Some(42), ..Default::default() }),
    ///     ..Default::default()
    /// };
    /// let call = BatchCall::new::<UpdateAccount>("row-1", &request);
    /// assert_eq!((call.service.as_str(), call.method.as_str()), ("Account", "update_account"));
    /// assert_eq!(call.params["account_info"]["i_account"], 42);
    /// ```
    pub fn new<O: Operation>(id: impl Into<String>, request: &O::Request) -> Self {
        let request: &dyn Structure = request;
        BatchCall {
            id: id.into(),
            service: O::INFO.service.to_string(),
            method: O::INFO.method.to_string(),
            params: request.to_json(),
        }
    }

    /// A call by name, with parameters as JSON (typed through the generated operation when
    /// there is one, untyped otherwise).
    pub fn untyped(
        id: impl Into<String>,
        service: impl Into<String>,
        method: impl Into<String>,
        params: Value,
    ) -> Self {
        BatchCall {
            id: id.into(),
            service: service.into(),
            method: method.into(),
            params,
        }
    }

    /// The generated operation, if the build knows the method.
    pub fn operation(&self) -> Option<&'static OperationInfo> {
        crate::registry::operation(&self.service, &self.method)
    }

    /// Whether the call only reads, so that sending it again is harmless: what the generated
    /// operation says. A method the generated set lacks counts as a write.
    pub fn is_read(&self) -> bool {
        self.operation().is_some_and(|op| op.read_only)
    }
}

/// How a call ended.
#[derive(Clone, Debug, PartialEq)]
pub enum CallOutcome {
    /// The answer.
    Ok(Value),
    /// The API refused the call.
    Fault {
        /// The fault code.
        code: String,
        /// The fault string.
        message: String,
    },
    /// The call failed before an answer: transport, HTTP status, authentication, an
    /// undecodable answer, parameters that do not fit.
    Error {
        /// The kind of failure: `transport`, `http`, `auth`, `decode`, `input`, `encode`, `io`
        /// or `config`.
        kind: String,
        /// What happened.
        message: String,
    },
    /// A write that was sent, but whose answer never came: it may or may not have been applied.
    Unknown {
        /// What happened.
        message: String,
    },
}

impl CallOutcome {
    /// The status written to the results file: `ok`, `fault`, `error` or `unknown`.
    pub fn status(&self) -> &'static str {
        match self {
            CallOutcome::Ok(_) => "ok",
            CallOutcome::Fault { .. } => "fault",
            CallOutcome::Error { .. } => "error",
            CallOutcome::Unknown { .. } => "unknown",
        }
    }
}

/// Stops a run gracefully: clone it into [`BatchOptions::stop`], and call
/// [`stop`](Self::stop) from anywhere (a signal handler, another thread). No call starts
/// after that; calls in flight finish and are recorded.
#[derive(Clone, Debug, Default)]
pub struct StopSignal(Arc<AtomicBool>);

impl StopSignal {
    /// A signal not yet given.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the run to stop starting calls.
    pub fn stop(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether [`stop`](Self::stop) was called.
    pub fn is_stopped(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// The most calls a batch runs at once, whatever [`BatchOptions::concurrency`] asks: the
/// client keeps as many connections open for them.
pub const MAX_CONCURRENCY: usize = crate::transport::MAX_POOLED_CONNECTIONS;

/// Options of a batch run. Build them with `..Default::default()`: fields may be added.
#[derive(Clone, Debug)]
pub struct BatchOptions {
    /// How many calls run at once (default 4, kept low to protect the billing server; at
    /// most [`MAX_CONCURRENCY`]).
    pub concurrency: usize,
    /// At most this many calls start per second.
    pub rate: Option<f64>,
    /// Continue an interrupted run instead of refusing an existing output file.
    pub resume: bool,
    /// With `resume`: send again the writes whose outcome is `unknown` (recorded so, or sent
    /// by an interrupted run without an answer). Set it only after checking on the server
    /// that they did not take effect: otherwise they are applied twice.
    pub retry_unknown: bool,
    /// Drains the run when given.
    pub stop: Option<StopSignal>,
}

impl Default for BatchOptions {
    fn default() -> Self {
        BatchOptions {
            concurrency: 4,
            rate: None,
            resume: false,
            retry_unknown: false,
            stop: None,
        }
    }
}

/// Where a run stands.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct Progress {
    /// Calls in the input.
    pub total: usize,
    /// Calls that ended (in this run or earlier).
    pub done: usize,
    /// Of those, calls that did not succeed.
    pub failed: usize,
    /// Calls ended in this run.
    pub done_now: usize,
    /// Calls sent and not yet answered.
    pub in_flight: usize,
    /// Time since this run started.
    pub elapsed: Duration,
}

impl Progress {
    /// Calls ended per second in this run.
    pub fn rate(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.done_now as f64 / secs
        } else {
            0.0
        }
    }

    /// The estimated time left.
    pub fn eta(&self) -> Option<Duration> {
        let rate = self.rate();
        (rate > 0.0).then(|| Duration::from_secs_f64((self.total - self.done) as f64 / rate))
    }
}

/// What a run reports as it goes.
#[derive(Debug)]
#[non_exhaustive]
pub enum BatchEvent<'a> {
    /// The counts changed (a call ended, or the run started).
    Progress(&'a Progress),
    /// A call ended in this run, and its result is in the output file.
    Finished {
        /// The call.
        call: &'a BatchCall,
        /// How it ended.
        outcome: &'a CallOutcome,
    },
}

/// The counts of a finished run (including calls finished by earlier runs).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Summary {
    /// Calls in the input.
    pub total: usize,
    /// Calls that succeeded.
    pub ok: usize,
    /// Calls the API refused.
    pub faults: usize,
    /// Calls that failed otherwise.
    pub errors: usize,
    /// Writes with an unknown outcome.
    pub unknown: usize,
    /// Calls that already had a result when this run started.
    pub already_done: usize,
    /// Calls not started because the run was stopped.
    pub not_started: usize,
}

impl Summary {
    /// Whether every call succeeded.
    pub fn all_ok(&self) -> bool {
        self.ok == self.total
    }

    /// Whether the run was stopped before every call had a result.
    pub fn stopped(&self) -> bool {
        self.not_started > 0
    }

    fn count(&mut self, status: &str) {
        match status {
            "ok" => self.ok += 1,
            "fault" => self.faults += 1,
            "unknown" => self.unknown += 1,
            _ => self.errors += 1,
        }
    }
}

/// Reads a batch input file.
pub fn read_calls(path: &Path) -> Result<Vec<BatchCall>> {
    let file = File::open(path).map_err(|e| Error::io("open", path, e))?;
    let mut calls = Vec::new();
    let mut ids = HashSet::new();
    for (n, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| Error::io("read", path, e))?;
        if line.trim().is_empty() {
            continue;
        }
        let at = |m: &str| Error::input(format!("{}:{}", path.display(), n + 1), m);
        let value: Value =
            serde_json::from_str(&line).map_err(|e| at(&format!("not JSON: {e}")))?;
        let id = match value.get("id") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => return Err(at("`id` (a string or number) is missing")),
        };
        let text = |key: &str| {
            value
                .get(key)
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| at(&format!("`{key}` is missing")))
        };
        let params = value.get("params").cloned().unwrap_or_else(|| json!({}));
        if !params.is_object() {
            return Err(at("`params` must be an object"));
        }
        if !ids.insert(id.clone()) {
            return Err(at(&format!("the id `{id}` appears twice")));
        }
        calls.push(BatchCall::untyped(
            id,
            text("service")?,
            text("method")?,
            params,
        ));
    }
    Ok(calls)
}

/// Something in a batch that will not do what it says, found before anything is sent.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct BatchWarning {
    /// The service.
    pub service: String,
    /// The method.
    pub method: String,
    /// The key the request type does not describe (its path without list positions), or
    /// `None` when the method itself is not in the generated set and goes out untyped.
    pub field: Option<UnknownField>,
    /// For an unknown method, the closest known one.
    pub method_suggestion: Option<&'static str>,
    /// How many calls have this problem.
    pub calls: usize,
    /// The id of the first of them.
    pub first_id: String,
}

impl std::fmt::Display for BatchWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}: ", self.service, self.method)?;
        match &self.field {
            Some(field) => write!(f, "{field}; the server ignores it")?,
            None => {
                write!(f, "not a method this build knows")?;
                if let Some(s) = self.method_suggestion {
                    write!(f, " (did you mean `{s}`?)")?;
                }
                write!(f, "; it is sent untyped")?;
            }
        }
        write!(f, " (call `{}`", self.first_id)?;
        if self.calls > 1 {
            write!(f, " and {} more", self.calls - 1)?;
        }
        f.write_str(")")
    }
}

/// Checks every call before any is sent: keys the request type does not describe (each
/// reported once, with how many calls have it), and methods the build does not know.
pub fn check(calls: &[BatchCall]) -> Vec<BatchWarning> {
    let mut found: BTreeMap<(String, String, String), BatchWarning> = BTreeMap::new();
    let mut note = |call: &BatchCall, key: String, warning: BatchWarning| {
        found
            .entry((call.service.clone(), call.method.clone(), key))
            .and_modify(|w| w.calls += 1)
            .or_insert(warning);
    };
    for call in calls {
        let warning = |field, method_suggestion| BatchWarning {
            service: call.service.clone(),
            method: call.method.clone(),
            field,
            method_suggestion,
            calls: 1,
            first_id: call.id.clone(),
        };
        let Some(op) = call.operation() else {
            let suggestion = crate::registry::closest_method(&call.service, &call.method);
            note(call, String::new(), warning(None, suggestion));
            continue;
        };
        for mut field in op.request.unknown_fields(&call.params) {
            field.path = without_positions(&field.path);
            note(call, field.path.clone(), warning(Some(field), None));
        }
    }
    found.into_values().collect()
}

/// `accounts[3].i_acount` as `accounts[].i_acount`, so one typo in many items is one warning.
fn without_positions(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_brackets = false;
    for c in path.chars() {
        match c {
            '[' => {
                in_brackets = true;
                out.push(c);
            }
            ']' => {
                in_brackets = false;
                out.push(c);
            }
            _ if in_brackets => {}
            _ => out.push(c),
        }
    }
    out
}

/// The journal of a batch output file.
pub fn journal_path(output: &Path) -> PathBuf {
    let mut p = output.as_os_str().to_owned();
    p.push(".journal");
    PathBuf::from(p)
}

/// Reads the ids and statuses of the complete lines of an output file (the last line for an
/// id wins), cutting off a last line left half-written by an interruption.
fn read_results(output: &Path) -> Result<HashMap<String, String>> {
    let mut results = HashMap::new();
    let mut file = match OpenOptions::new().read(true).write(true).open(output) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(results),
        Err(e) => return Err(Error::io("open", output, e)),
    };
    let mut text = String::new();
    std::io::Read::read_to_string(&mut file, &mut text)
        .map_err(|e| Error::io("read", output, e))?;
    let complete = text.rfind('\n').map_or(0, |i| i + 1);
    if complete < text.len() {
        file.set_len(complete as u64)
            .map_err(|e| Error::io("repair", output, e))?;
    }
    for line in text[..complete].lines() {
        if let Ok(v) = serde_json::from_str::<Value>(line) {
            if let (Some(id), Some(status)) = (
                v.get("id").and_then(Value::as_str),
                v.get("status").and_then(Value::as_str),
            ) {
                results.insert(id.to_string(), status.to_string());
            }
        }
    }
    Ok(results)
}

fn read_journal(journal: &mut File) -> HashSet<String> {
    let mut text = String::new();
    if std::io::Read::read_to_string(journal, &mut text).is_err() {
        return HashSet::new();
    }
    text.lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|v| v.get("sent").and_then(Value::as_str).map(str::to_string))
        .collect()
}

/// A result line, borrowing the outcome (the response is not copied). Its keys are in
/// alphabetical order, as the lines have always been written.
#[derive(serde::Serialize)]
struct ResultLine<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<Part<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fault: Option<Part<'a>>,
    id: &'a str,
    method: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    response: Option<&'a Value>,
    service: &'a str,
    status: &'a str,
}

/// An error (`kind`) or a fault (`code`), with its message.
#[derive(serde::Serialize)]
struct Part<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'a str>,
    message: &'a str,
}

impl<'a> Part<'a> {
    fn error(kind: &'a str, message: &'a str) -> Self {
        Part {
            code: None,
            kind: Some(kind),
            message,
        }
    }

    fn fault(code: &'a str, message: &'a str) -> Self {
        Part {
            code: Some(code),
            kind: None,
            message,
        }
    }
}

fn result_line(call: &BatchCall, outcome: &CallOutcome) -> String {
    let mut line = ResultLine {
        error: None,
        fault: None,
        id: &call.id,
        method: &call.method,
        response: None,
        service: &call.service,
        status: outcome.status(),
    };
    match outcome {
        CallOutcome::Ok(v) => line.response = Some(v),
        CallOutcome::Fault { code, message } => line.fault = Some(Part::fault(code, message)),
        CallOutcome::Error { kind, message } => line.error = Some(Part::error(kind, message)),
        CallOutcome::Unknown { message } => {
            line.error = Some(Part::error("unknown_outcome", message));
        }
    }
    let mut text = serde_json::to_string(&line).unwrap_or_default();
    text.push('\n');
    text
}

/// Makes one call and sorts its result.
pub fn execute(client: &Client, call: &BatchCall) -> CallOutcome {
    send(client, call).into_outcome()
}

/// What a worker hands the writer: a typed answer still to turn into JSON (the writer does
/// it, so that the worker's next call does not wait for it), or the outcome.
enum Sent {
    Typed(Box<dyn Structure>),
    Done(CallOutcome),
}

impl Sent {
    fn into_outcome(self) -> CallOutcome {
        match self {
            Sent::Typed(reply) => CallOutcome::Ok(reply.to_json()),
            Sent::Done(outcome) => outcome,
        }
    }
}

/// Makes one call: the part of [`execute`] a worker does.
fn send(client: &Client, call: &BatchCall) -> Sent {
    let result = match call.operation() {
        Some(op) => crate::registry::request_from_json(op, &call.params)
            .and_then(|request| client.call_dyn(op, request.as_ref()))
            .map(Sent::Typed),
        None => client
            .call(&call.service, &call.method, call.params.clone())
            .map(|v| Sent::Done(CallOutcome::Ok(v))),
    };
    let e = match result {
        Ok(sent) => return sent,
        Err(e) => e,
    };
    Sent::Done(match e {
        Error::Fault(f) => CallOutcome::Fault {
            code: f.code.clone(),
            message: f.message.clone(),
        },
        e if !call.is_read() && e.outcome_unknown() => CallOutcome::Unknown {
            message: format!("the request was sent but no answer came ({e}); it may have been applied and is not resent"),
        },
        e => CallOutcome::Error {
            kind: match &e {
                Error::Transport(_) => "transport",
                Error::Http(_) => "http",
                Error::Auth(_) => "auth",
                Error::Decode(_) => "decode",
                Error::Input(_) => "input",
                Error::Encode(_) => "encode",
                Error::Io(_) => "io",
                _ => "config",
            }
            .into(),
            message: e.to_string(),
        },
    })
}

/// Opens and locks the journal of `output` for the run, so that a second run on the same
/// output fails here instead of sending the same writes again.
fn lock_journal(output: &Path) -> Result<File> {
    let journal = journal_path(output);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .append(true)
        .open(&journal)
        .map_err(|e| Error::io("open", &journal, e))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::io(
            "use",
            output,
            std::io::Error::new(
                std::io::ErrorKind::WouldBlock,
                "another batch run is writing to it; wait for that run to end (two runs on one output would send the same writes twice)",
            ),
        )),
        Err(std::fs::TryLockError::Error(e)) => Err(Error::io("lock", &journal, e)),
    }
}

/// Runs `calls`, writing results to `output`, and reports each result and the progress to
/// `on_event` as they come.
///
/// Fails before sending anything when another run holds `output`, or when `output` exists
/// and `options.resume` is not set.
pub fn run(
    client: &Client,
    calls: &[BatchCall],
    output: &Path,
    options: &BatchOptions,
    on_event: &mut dyn FnMut(BatchEvent<'_>),
) -> Result<Summary> {
    let mut journal = lock_journal(output)?;
    let journal_name = journal_path(output);
    if !options.resume {
        if output.exists() {
            return Err(Error::Config(format!(
                "{} exists: continue the run with --resume, or remove it to start over",
                output.display()
            )));
        }
        journal
            .set_len(0)
            .map_err(|e| Error::io("truncate", &journal_name, e))?;
    }
    let mut previous = if options.resume {
        read_results(output)?
    } else {
        HashMap::new()
    };
    let sent = if options.resume {
        read_journal(&mut journal)
    } else {
        HashSet::new()
    };
    if options.retry_unknown {
        previous.retain(|_, status| status != "unknown");
    }
    let mut out = OpenOptions::new()
        .create(true)
        .append(true)
        .open(output)
        .map_err(|e| Error::io("open", output, e))?;
    let journal = Mutex::new(journal);
    let mut summary = Summary {
        total: calls.len(),
        already_done: previous.len(),
        ..Summary::default()
    };
    for status in previous.values() {
        summary.count(status);
    }
    let write = |out: &mut File, call: &BatchCall, outcome: &CallOutcome| -> Result<()> {
        out.write_all(result_line(call, outcome).as_bytes())
            .and_then(|()| out.flush())
            .and_then(|()| {
                if call.is_read() {
                    Ok(())
                } else {
                    out.sync_data()
                }
            })
            .map_err(|e| Error::io("write", output, e))
    };
    let mut todo = Vec::new();
    for call in calls {
        if previous.contains_key(&call.id) {
            continue;
        }
        // A write that was sent when an earlier run stopped: its outcome is unknown.
        if sent.contains(&call.id) && !call.is_read() && !options.retry_unknown {
            let outcome = CallOutcome::Unknown {
                message: "the call was sent before the run was interrupted and its answer was not recorded; it may have been applied and is not resent".into(),
            };
            write(&mut out, call, &outcome)?;
            summary.count(outcome.status());
            on_event(BatchEvent::Finished {
                call,
                outcome: &outcome,
            });
            continue;
        }
        todo.push(call);
    }
    let started = Instant::now();
    let mut state = Progress {
        total: calls.len(),
        done: calls.len() - todo.len(),
        failed: summary.faults + summary.errors + summary.unknown,
        ..Progress::default()
    };
    on_event(BatchEvent::Progress(&state));
    let next = AtomicUsize::new(0);
    let started_calls = AtomicUsize::new(0);
    let pace = Mutex::new(Instant::now());
    let interval = options
        .rate
        .filter(|r| *r > 0.0)
        .map(|r| Duration::from_secs_f64(1.0 / r));
    let stopped = || options.stop.as_ref().is_some_and(StopSignal::is_stopped);
    // Only ends are sent: the calls in flight are counted from `started_calls`, so a call
    // wakes this thread once, not twice.
    let (tx, rx) = mpsc::channel::<(usize, Sent)>();
    let workers = options
        .concurrency
        .clamp(1, MAX_CONCURRENCY)
        .min(todo.len().max(1));
    let mut write_error = None;
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let tx = tx.clone();
            let (todo, next, pace, journal, started_calls) =
                (&todo, &next, &pace, &journal, &started_calls);
            scope.spawn(move || loop {
                if stopped() {
                    break;
                }
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(call) = todo.get(i) else { break };
                if let Some(interval) = interval {
                    let wait = {
                        let mut slot = pace.lock().unwrap_or_else(|e| e.into_inner());
                        let now = Instant::now();
                        let at = (*slot).max(now);
                        *slot = at + interval;
                        at - now
                    };
                    std::thread::sleep(wait);
                }
                // The pause may have outlasted a stop: the call has not started yet.
                if stopped() {
                    break;
                }
                started_calls.fetch_add(1, Ordering::SeqCst);
                if !call.is_read() {
                    let mut j = journal.lock().unwrap_or_else(|e| e.into_inner());
                    let entry = format!("{}\n", json!({ "sent": call.id }));
                    if let Err(e) = j.write_all(entry.as_bytes()).and_then(|()| j.sync_data()) {
                        let outcome = CallOutcome::Error {
                            kind: "io".into(),
                            message: format!("cannot write the journal: {e}"),
                        };
                        if tx.send((i, Sent::Done(outcome))).is_err() {
                            break;
                        }
                        continue;
                    }
                }
                if tx.send((i, send(client, call))).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        for (i, sent) in rx {
            let call = todo[i];
            let outcome = sent.into_outcome();
            summary.count(outcome.status());
            if !matches!(outcome, CallOutcome::Ok(_)) {
                state.failed += 1;
            }
            if let Err(e) = write(&mut out, call, &outcome) {
                write_error.get_or_insert(e);
            }
            on_event(BatchEvent::Finished {
                call,
                outcome: &outcome,
            });
            state.done += 1;
            state.done_now += 1;
            state.in_flight = started_calls
                .load(Ordering::SeqCst)
                .saturating_sub(state.done_now);
            state.elapsed = started.elapsed();
            on_event(BatchEvent::Progress(&state));
        }
    });
    if let Some(e) = write_error {
        return Err(e);
    }
    summary.not_started = todo.len() - started_calls.load(Ordering::SeqCst);
    let _ = out.seek(SeekFrom::End(0));
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_lines_have_their_keys_in_order_and_every_part() {
        let call = BatchCall::untyped("r1", "Account", "get_account_info", json!({}));
        let outcomes = [
            (
                CallOutcome::Ok(json!({"account_info": {"i_account": 1, "id": "a\"b"}})),
                json!({"id": "r1", "method": "get_account_info", "response": {"account_info": {"i_account": 1, "id": "a\"b"}}, "service": "Account", "status": "ok"}),
            ),
            (
                CallOutcome::Fault {
                    code: "Server.Account.not_found".into(),
                    message: "no".into(),
                },
                json!({"fault": {"code": "Server.Account.not_found", "message": "no"}, "id": "r1", "method": "get_account_info", "service": "Account", "status": "fault"}),
            ),
            (
                CallOutcome::Error {
                    kind: "transport".into(),
                    message: "refused".into(),
                },
                json!({"error": {"kind": "transport", "message": "refused"}, "id": "r1", "method": "get_account_info", "service": "Account", "status": "error"}),
            ),
            (
                CallOutcome::Unknown {
                    message: "lost".into(),
                },
                json!({"error": {"kind": "unknown_outcome", "message": "lost"}, "id": "r1", "method": "get_account_info", "service": "Account", "status": "unknown"}),
            ),
        ];
        for (outcome, expected) in outcomes {
            // serde_json's maps are ordered by key: the line as it was always written.
            assert_eq!(result_line(&call, &outcome), format!("{expected}\n"));
        }
    }

    #[test]
    fn positions_are_dropped_from_warning_paths() {
        assert_eq!(without_positions("a[3].b[12].c"), "a[].b[].c");
        assert_eq!(without_positions("plain.path"), "plain.path");
    }

    #[test]
    fn one_typo_in_many_calls_is_one_warning() {
        let calls: Vec<BatchCall> = (0..5)
            .map(|i| {
                BatchCall::untyped(
                    i.to_string(),
                    "Account",
                    "update_account",
                    json!({"account_info": {"i_account": i, "blokced": "Y"}}),
                )
            })
            .chain([BatchCall::untyped(
                "x",
                "Account",
                "get_acount_info",
                json!({}),
            )])
            .collect();
        let warnings = check(&calls);
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        let typo = warnings.iter().find(|w| w.field.is_some()).unwrap();
        assert_eq!(typo.calls, 5);
        assert_eq!(typo.first_id, "0");
        let field = typo.field.as_ref().unwrap();
        assert_eq!(field.path, "account_info.blokced");
        assert_eq!(field.suggestion, Some("blocked"));
        let method = warnings.iter().find(|w| w.field.is_none()).unwrap();
        assert_eq!(method.method_suggestion, Some("get_account_info"));
        assert!(method
            .to_string()
            .contains("did you mean `get_account_info`"));
    }
}
