//! Running many calls from a JSONL file, over one session, a few at a time, with resume.
//!
//! Input: one call per line, `{"id": "...", "service": "...", "method": "...", "params": {...}}`.
//! Output: one line per call, written and flushed as each call ends:
//! `{"id": "...", "status": "ok", "response": {...}}`, or `"status": "fault"` with the fault,
//! `"error"` with the error, or `"unknown"` for a write whose outcome cannot be known.
//!
//! Interrupt a run any way (Ctrl-C, kill, crash) and run it again with `resume`: calls with a
//! result are not sent again. Before a write (anything but `get_*` and other reads) is sent,
//! its id is recorded in a journal next to the output (`<output>.journal`, fsynced). A write
//! that was journaled but has no result was sent when the run stopped: on resume it is
//! reported as `unknown`, never resent, because PortaBilling may have applied it. Reads are
//! simply sent again.

use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::error::{Error, Result};
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
    /// The parameters.
    pub params: Value,
}

impl BatchCall {
    /// Whether the call only reads, so that sending it again is harmless: what the generated
    /// operation says. A method the generated set lacks counts as a write.
    pub fn is_read(&self) -> bool {
        crate::registry::operation(&self.service, &self.method).is_some_and(|op| op.read_only)
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
    /// The call failed before an answer (transport, decode, configuration).
    Error {
        /// The kind of failure: `transport`, `http`, `auth`, `decode` or `config`.
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

/// Options of a batch run.
#[derive(Clone, Debug)]
pub struct BatchOptions {
    /// How many calls run at once (default 4, kept low to protect the billing server).
    pub concurrency: usize,
    /// At most this many calls start per second.
    pub rate: Option<f64>,
    /// Continue an interrupted run instead of refusing an existing output file.
    pub resume: bool,
}

impl Default for BatchOptions {
    fn default() -> Self {
        BatchOptions {
            concurrency: 4,
            rate: None,
            resume: false,
        }
    }
}

/// Where a run stands.
#[derive(Clone, Debug, Default)]
pub struct Progress {
    /// Calls in the input.
    pub total: usize,
    /// Calls that ended (in this run or earlier).
    pub done: usize,
    /// Of those, calls that did not succeed.
    pub failed: usize,
    /// Calls ended in this run.
    pub done_now: usize,
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

/// The counts of a finished run (including calls finished by earlier runs).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
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
}

impl Summary {
    /// Whether every call succeeded.
    pub fn all_ok(&self) -> bool {
        self.ok == self.total
    }
}

/// Reads a batch input file.
pub fn read_calls(path: &Path) -> Result<Vec<BatchCall>> {
    let file = File::open(path)
        .map_err(|e| Error::Config(format!("cannot open {}: {e}", path.display())))?;
    let mut calls = Vec::new();
    let mut ids = HashSet::new();
    for (n, line) in BufReader::new(file).lines().enumerate() {
        let line =
            line.map_err(|e| Error::Config(format!("cannot read {}: {e}", path.display())))?;
        if line.trim().is_empty() {
            continue;
        }
        let at = |m: &str| Error::Config(format!("{}:{}: {m}", path.display(), n + 1));
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
        calls.push(BatchCall {
            service: text("service")?,
            method: text("method")?,
            id,
            params,
        });
    }
    Ok(calls)
}

/// The journal of a batch output file.
pub fn journal_path(output: &Path) -> PathBuf {
    let mut p = output.as_os_str().to_owned();
    p.push(".journal");
    PathBuf::from(p)
}

/// Reads the ids and statuses of the complete lines of an output file, cutting off a last line
/// left half-written by an interruption.
fn read_results(output: &Path) -> Result<HashMap<String, String>> {
    let mut results = HashMap::new();
    let mut file = match OpenOptions::new().read(true).write(true).open(output) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(results),
        Err(e) => {
            return Err(Error::Config(format!(
                "cannot open {}: {e}",
                output.display()
            )))
        }
    };
    let mut text = String::new();
    std::io::Read::read_to_string(&mut file, &mut text)
        .map_err(|e| Error::Config(format!("cannot read {}: {e}", output.display())))?;
    let complete = text.rfind('\n').map_or(0, |i| i + 1);
    if complete < text.len() {
        file.set_len(complete as u64)
            .map_err(|e| Error::Config(format!("cannot repair {}: {e}", output.display())))?;
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

fn read_journal(path: &Path) -> HashSet<String> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return HashSet::new();
    };
    text.lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|v| v.get("sent").and_then(Value::as_str).map(str::to_string))
        .collect()
}

fn result_line(call: &BatchCall, outcome: &CallOutcome) -> String {
    let mut line = json!({ "id": call.id, "service": call.service, "method": call.method });
    match outcome {
        CallOutcome::Ok(v) => {
            line["status"] = "ok".into();
            line["response"] = v.clone();
        }
        CallOutcome::Fault { code, message } => {
            line["status"] = "fault".into();
            line["fault"] = json!({ "code": code, "message": message });
        }
        CallOutcome::Error { kind, message } => {
            line["status"] = "error".into();
            line["error"] = json!({ "kind": kind, "message": message });
        }
        CallOutcome::Unknown { message } => {
            line["status"] = "unknown".into();
            line["error"] = json!({ "kind": "unknown_outcome", "message": message });
        }
    }
    let mut text = line.to_string();
    text.push('\n');
    text
}

/// Makes one call and sorts its result.
pub fn execute(client: &Client, call: &BatchCall) -> CallOutcome {
    let result = match crate::registry::operation(&call.service, &call.method) {
        Some(op) => {
            let mut request = (op.new_request)();
            match request.set_json(&call.params) {
                Ok(()) => client.call_dyn(op, request.as_ref()).map(|r| r.to_json()),
                Err(e) => Err(Error::Config(format!(
                    "the parameters do not fit {}: {e}",
                    op.request.name
                ))),
            }
        }
        None => client.call(&call.service, &call.method, call.params.clone()),
    };
    match result {
        Ok(v) => CallOutcome::Ok(v),
        Err(Error::Fault(f)) => CallOutcome::Fault {
            code: f.code.clone(),
            message: f.message.clone(),
        },
        Err(e) if !call.is_read() && e.outcome_unknown() => CallOutcome::Unknown {
            message: format!("the request was sent but no answer came ({e}); it may have been applied and is not resent"),
        },
        Err(e) => CallOutcome::Error {
            kind: match &e {
                Error::Transport(_) => "transport",
                Error::Http(_) => "http",
                Error::Auth(_) => "auth",
                Error::Decode(_) => "decode",
                _ => "config",
            }
            .into(),
            message: e.to_string(),
        },
    }
}

/// Runs `calls`, writing results to `output`, and reports progress after each call.
pub fn run(
    client: &Client,
    calls: &[BatchCall],
    output: &Path,
    options: &BatchOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Summary> {
    let journal = journal_path(output);
    if output.exists() && !options.resume {
        return Err(Error::Config(format!(
            "{} exists: continue the run with --resume, or remove it to start over",
            output.display()
        )));
    }
    let previous = if options.resume {
        read_results(output)?
    } else {
        HashMap::new()
    };
    let sent = if options.resume {
        read_journal(&journal)
    } else {
        HashSet::new()
    };
    if !options.resume {
        let _ = std::fs::remove_file(&journal);
    }
    let mut out = OpenOptions::new()
        .create(true)
        .append(true)
        .open(output)
        .map_err(|e| Error::Config(format!("cannot open {}: {e}", output.display())))?;
    let journal_file = Mutex::new(
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(&journal)
            .map_err(|e| Error::Config(format!("cannot open {}: {e}", journal.display())))?,
    );
    let mut summary = Summary {
        total: calls.len(),
        ..Summary::default()
    };
    let mut failed = 0;
    for status in previous.values() {
        match status.as_str() {
            "ok" => summary.ok += 1,
            "fault" => summary.faults += 1,
            "unknown" => summary.unknown += 1,
            _ => summary.errors += 1,
        }
        if status != "ok" {
            failed += 1;
        }
    }
    summary.already_done = previous.len();
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
            .map_err(|e| Error::Config(format!("cannot write {}: {e}", output.display())))
    };
    // Writes that were sent when an earlier run stopped: their outcome is unknown.
    let mut todo = Vec::new();
    for call in calls {
        if previous.contains_key(&call.id) {
            continue;
        }
        if sent.contains(&call.id) && !call.is_read() {
            let outcome = CallOutcome::Unknown {
                message: "the call was sent before the run was interrupted and its answer was not recorded; it may have been applied and is not resent".into(),
            };
            write(&mut out, call, &outcome)?;
            summary.unknown += 1;
            failed += 1;
            continue;
        }
        todo.push(call);
    }
    let started = Instant::now();
    let mut state = Progress {
        total: calls.len(),
        done: calls.len() - todo.len(),
        failed,
        done_now: 0,
        elapsed: Duration::ZERO,
    };
    progress(&state);
    let next = AtomicUsize::new(0);
    let pace = Mutex::new(Instant::now());
    let interval = options
        .rate
        .filter(|r| *r > 0.0)
        .map(|r| Duration::from_secs_f64(1.0 / r));
    let (tx, rx) = mpsc::channel::<(usize, CallOutcome)>();
    let workers = options.concurrency.clamp(1, 64).min(todo.len().max(1));
    let mut write_error = None;
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let tx = tx.clone();
            let (todo, next, pace, journal_file) = (&todo, &next, &pace, &journal_file);
            scope.spawn(move || loop {
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
                if !call.is_read() {
                    let mut j = journal_file.lock().unwrap_or_else(|e| e.into_inner());
                    let entry = format!("{}\n", json!({ "sent": call.id }));
                    if let Err(e) = j.write_all(entry.as_bytes()).and_then(|()| j.sync_data()) {
                        let _ = tx.send((
                            i,
                            CallOutcome::Error {
                                kind: "config".into(),
                                message: format!("cannot write the journal: {e}"),
                            },
                        ));
                        continue;
                    }
                }
                let outcome = execute(client, call);
                if tx.send((i, outcome)).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        for (i, outcome) in rx {
            let call = todo[i];
            match &outcome {
                CallOutcome::Ok(_) => summary.ok += 1,
                CallOutcome::Fault { .. } => summary.faults += 1,
                CallOutcome::Error { .. } => summary.errors += 1,
                CallOutcome::Unknown { .. } => summary.unknown += 1,
            }
            if !matches!(outcome, CallOutcome::Ok(_)) {
                state.failed += 1;
            }
            if let Err(e) = write(&mut out, call, &outcome) {
                write_error.get_or_insert(e);
            }
            state.done += 1;
            state.done_now += 1;
            state.elapsed = started.elapsed();
            progress(&state);
        }
    });
    if let Some(e) = write_error {
        return Err(e);
    }
    let _ = out.seek(SeekFrom::End(0));
    Ok(summary)
}
