//! Where a handled event goes: a JSON line on stdout, a JSON Lines file, a command, or your
//! own code.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::event::Event;
use super::fetch::Entity;

/// An event and the entity it is about, handed to a [`HandOff`].
#[derive(Debug, Clone, Copy)]
pub struct Delivery<'a> {
    /// The event.
    pub event: &'a Event,
    /// The entity, when one was fetched (not for deletions, unknown kinds, or a pipeline
    /// without a client).
    pub entity: Option<&'a Entity>,
}

impl Delivery<'_> {
    /// The delivery as one JSON object:
    /// `{"i_event", "event_type", "variables", "entity_kind", "entity"}`, where `entity` is
    /// keyed as the API answers (`{"account_info": …}`) or `null`.
    pub fn to_json(&self) -> Value {
        json!({
            "i_event": self.event.id().map(|id| id.as_str()),
            "event_type": self.event.event_type().as_str(),
            "variables": self.event.variables(),
            "entity_kind": self.entity.map(|e| e.kind().as_str()).or(self.event.entity_kind().map(|k| k.as_str())),
            "entity": self.entity.map(Entity::to_json),
        })
    }

    /// [`to_json`](Self::to_json) on one line, without the newline.
    pub fn to_json_line(&self) -> String {
        self.to_json().to_string()
    }
}

/// Why a hand-off did not take the event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HandOffError {
    /// A passing failure: ESPF should re-send the event (answered 503).
    #[error("hand-off failed for now: {0}")]
    Retry(String),
    /// The event must not be provisioned: ESPF should drop it (answered 422).
    #[error("hand-off rejected the event: {0}")]
    Reject(String),
    /// The hand-off failed unexpectedly (answered 500, which ESPF also re-sends).
    #[error("hand-off failed: {0}")]
    Failed(String),
}

/// Takes handled events. It must return only once the event is durably taken: the event is
/// acknowledged (and never run again) as soon as it returns `Ok`.
///
/// Closures `Fn(&Delivery) -> Result<(), HandOffError>` are hand-offs.
pub trait HandOff: Send + Sync {
    /// Takes one event.
    fn hand_off(&self, delivery: &Delivery<'_>) -> Result<(), HandOffError>;
}

impl<F> HandOff for F
where
    F: Fn(&Delivery<'_>) -> Result<(), HandOffError> + Send + Sync,
{
    fn hand_off(&self, delivery: &Delivery<'_>) -> Result<(), HandOffError> {
        self(delivery)
    }
}

/// Writes each delivery as a JSON line to standard output.
#[derive(Debug, Default, Clone, Copy)]
pub struct Stdout;

impl HandOff for Stdout {
    fn hand_off(&self, delivery: &Delivery<'_>) -> Result<(), HandOffError> {
        let line = delivery.to_json_line();
        let mut out = io::stdout().lock();
        writeln!(out, "{line}")
            .and_then(|_| out.flush())
            .map_err(|e| HandOffError::Retry(format!("cannot write to stdout: {e}")))
    }
}

/// Appends each delivery as a JSON line to a file, flushed and `fsync`ed before the event is
/// acknowledged. The file is created with mode 0600 (entities can hold passwords).
#[derive(Debug)]
pub struct JsonlFile {
    path: PathBuf,
    file: Mutex<File>,
}

impl JsonlFile {
    /// Opens (or creates) the file for appending.
    pub fn open(path: impl AsRef<Path>) -> io::Result<JsonlFile> {
        let path = path.as_ref().to_path_buf();
        let mut options = OpenOptions::new();
        options.append(true).create(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options.open(&path)?;
        Ok(JsonlFile {
            path,
            file: Mutex::new(file),
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl HandOff for JsonlFile {
    fn hand_off(&self, delivery: &Delivery<'_>) -> Result<(), HandOffError> {
        let mut line = delivery.to_json_line();
        line.push('\n');
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        file.write_all(line.as_bytes())
            .and_then(|_| file.flush())
            .and_then(|_| file.sync_data())
            .map_err(|e| {
                HandOffError::Retry(format!("cannot append to {}: {e}", self.path.display()))
            })
    }
}

/// The exit status that asks for a retry: `EX_TEMPFAIL` (75) from `sysexits.h`.
pub const EXIT_RETRY: i32 = 75;
/// The exit status that rejects the event for good: `EX_DATAERR` (65) from `sysexits.h`.
pub const EXIT_REJECT: i32 = 65;

/// Runs a command for each delivery, with the delivery's JSON (one line) on its standard
/// input. Its standard output goes to this process's standard error (so that it cannot mix
/// with JSON lines on standard output); its standard error is inherited. The variables
/// `ESPF_EVENT_TYPE` and `ESPF_I_EVENT` are set.
///
/// The exit status decides the answer to ESPF:
///
/// | exit status | answer | ESPF |
/// |---|---|---|
/// | 0 | 200 | done; the event is recorded and never runs again |
/// | 75 (`EX_TEMPFAIL`) | 503 | re-sends the event later |
/// | 65 (`EX_DATAERR`) | 422 | drops the event |
/// | any other, a signal, or the time limit | 500 | re-sends the event later |
#[derive(Debug, Clone)]
pub struct ExecCommand {
    program: String,
    args: Vec<String>,
    timeout: Duration,
}

impl ExecCommand {
    /// Runs `command` with `sh -c`.
    pub fn shell(command: &str) -> ExecCommand {
        ExecCommand {
            program: "sh".into(),
            args: vec!["-c".into(), command.into()],
            timeout: Duration::from_secs(60),
        }
    }

    /// Runs `program` directly.
    pub fn new(program: &str) -> ExecCommand {
        ExecCommand {
            program: program.into(),
            args: Vec::new(),
            timeout: Duration::from_secs(60),
        }
    }

    /// Adds an argument.
    pub fn arg(mut self, arg: &str) -> ExecCommand {
        self.args.push(arg.into());
        self
    }

    /// How long the command may run (60 s by default); it is killed after that.
    pub fn timeout(mut self, timeout: Duration) -> ExecCommand {
        self.timeout = timeout;
        self
    }

    fn describe(status: ExitStatus) -> Result<(), HandOffError> {
        match status.code() {
            Some(0) => Ok(()),
            Some(EXIT_RETRY) => Err(HandOffError::Retry(format!(
                "the command exited with {EXIT_RETRY} (EX_TEMPFAIL)"
            ))),
            Some(EXIT_REJECT) => Err(HandOffError::Reject(format!(
                "the command exited with {EXIT_REJECT} (EX_DATAERR)"
            ))),
            Some(code) => Err(HandOffError::Failed(format!(
                "the command exited with {code}"
            ))),
            None => Err(HandOffError::Failed(
                "the command was killed by a signal".into(),
            )),
        }
    }
}

impl HandOff for ExecCommand {
    fn hand_off(&self, delivery: &Delivery<'_>) -> Result<(), HandOffError> {
        let mut input = delivery.to_json_line();
        input.push('\n');
        let mut child = Command::new(&self.program)
            .args(&self.args)
            .env("ESPF_EVENT_TYPE", delivery.event.event_type().as_str())
            .env(
                "ESPF_I_EVENT",
                delivery.event.id().map(|i| i.as_str()).unwrap_or(""),
            )
            .stdin(Stdio::piped())
            .stdout(Stdio::from(io::stderr()))
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| HandOffError::Failed(format!("cannot run {}: {e}", self.program)))?;
        // Written from another thread, so that a command that does not read its input cannot
        // block us; a command that exits without reading it is fine.
        if let Some(mut stdin) = child.stdin.take() {
            std::thread::spawn(move || {
                let _ = stdin.write_all(input.as_bytes());
            });
        }
        let deadline = Instant::now() + self.timeout;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if Instant::now() >= deadline => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(HandOffError::Retry(format!(
                        "the command ran longer than {:?} and was killed",
                        self.timeout
                    )));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(2)),
                Err(e) => {
                    return Err(HandOffError::Failed(format!(
                        "cannot wait for the command: {e}"
                    )))
                }
            }
        };
        ExecCommand::describe(status)
    }
}
