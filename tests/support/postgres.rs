//! The PostgreSQL server the tests use, found through one environment variable:
//! `PORTABILLING_TEST_POSTGRES=postgres://user@host:port/dbname` (a superuser, as `.ci/run`'s
//! throw-away cluster has). Without it, each PostgreSQL test prints that it was skipped and
//! passes. The tests that stop and start the server find how from the server itself: its data
//! directory (`SHOW data_directory`), its `pg_ctl` (`pg_config`'s BINDIR) and the options it
//! was started with (`postmaster.opts`); they run `pg_ctl` as the data directory's owner, so
//! they need the server on this host and to run as that owner or as root, and say they were
//! skipped otherwise.
//!
//! The PostgreSQL tests of one binary run one at a time ([`serial`]): one of them stops the
//! server.

use std::path::PathBuf;
use std::process::Command;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The variable that names the test database.
pub const VAR: &str = "PORTABILLING_TEST_POSTGRES";

/// Writes a line on the test process's stderr, past the test harness's capture, so that a
/// skip or a measurement shows in the output of a passing test too.
pub fn say(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// The test database's URL, or `None` after saying the test `name` is skipped.
pub fn url(name: &str) -> Option<String> {
    match std::env::var(VAR) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            say(&format!(
                "SKIPPED {name}: {VAR} is not set (`.ci/run` sets it; see the README)"
            ));
            None
        }
    }
}

/// Holds the PostgreSQL tests of this binary to one at a time.
pub fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// A connection for the test's own queries.
pub fn connect(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls).expect("the test database answers")
}

/// A name no earlier run used, for keys and event ids.
pub fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{prefix}{}{}", std::process::id(), nanos % 1_000_000_000)
}

/// The server's data directory and `pg_ctl`, to stop and start it.
pub struct Server {
    url: String,
    data_dir: PathBuf,
    pg_ctl: PathBuf,
    /// The options it was started with, for `pg_ctl start -o`.
    options: String,
    /// Who runs `pg_ctl`: `None` for this process's user.
    owner: Option<String>,
}

impl Server {
    /// The server behind `url`, or why the test cannot stop and start it.
    pub fn find(url: &str) -> Result<Server, String> {
        let mut db = connect(url);
        let data_dir: String = db
            .query_one("SHOW data_directory", &[])
            .map_err(|e| format!("cannot ask for the data directory: {e}"))?
            .get(0);
        let bindir: String = db
            .query_one("SELECT setting FROM pg_config WHERE name = 'BINDIR'", &[])
            .map_err(|e| format!("cannot ask for pg_config's BINDIR: {e}"))?
            .get(0);
        let data_dir = PathBuf::from(data_dir);
        let pg_ctl = PathBuf::from(bindir).join("pg_ctl");
        let opts = std::fs::read_to_string(data_dir.join("postmaster.opts")).map_err(|e| {
            format!("the server's data directory is not readable here (another host?): {e}")
        })?;
        // `/usr/lib/postgresql/15/bin/postgres "-D" "/dir" "-p" "5432" …`: keep what follows
        // the program, without the data directory, which pg_ctl gives itself.
        let line = opts.trim();
        let after_program = line.split_once(' ').map_or("", |(_, rest)| rest);
        let without_dir = after_program.replace(&format!("\"-D\" \"{}\"", data_dir.display()), "");
        let owner = owner_of(&data_dir)?;
        if !pg_ctl.exists() {
            return Err(format!("{} does not exist", pg_ctl.display()));
        }
        Ok(Server {
            url: url.to_string(),
            data_dir,
            pg_ctl,
            options: without_dir.trim().to_string(),
            owner,
        })
    }

    fn pg_ctl(&self, args: &[&str]) {
        let mut command = match &self.owner {
            None => Command::new(&self.pg_ctl),
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(&self.pg_ctl);
                c
            }
        };
        let out = command
            .args(args)
            .arg("-D")
            .arg(&self.data_dir)
            .output()
            .expect("pg_ctl runs");
        assert!(
            out.status.success(),
            "pg_ctl {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Stops the server (fast: connections are cut) and waits until it is down.
    pub fn stop(&self) {
        self.pg_ctl(&["stop", "-m", "fast", "-w"]);
    }

    /// Starts the server with the options it had, and waits until it answers.
    pub fn start(&self) {
        let log = self.data_dir.join("portabilling-tests.log");
        let log = log.to_string_lossy().into_owned();
        self.pg_ctl(&["start", "-w", "-l", &log, "-o", &self.options]);
        let deadline = Instant::now() + Duration::from_secs(30);
        while postgres::Client::connect(&self.url, postgres::NoTls).is_err() {
            assert!(Instant::now() < deadline, "the server did not come back");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// Starts the server again if a test stops it and then fails.
pub struct Restart<'a>(pub &'a Server);

impl Drop for Restart<'_> {
    fn drop(&mut self) {
        if postgres::Client::connect(&self.0.url, postgres::NoTls).is_err() {
            self.0.start();
        }
    }
}

/// The user to run `pg_ctl` as: `None` when it is this process's, the owner's name when this
/// process is root, an error otherwise.
fn owner_of(dir: &std::path::Path) -> Result<Option<String>, String> {
    use std::os::unix::fs::MetadataExt;
    let uid = std::fs::metadata(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .uid();
    let me = command_text(Command::new("id").arg("-u"))?;
    if me == uid.to_string() {
        return Ok(None);
    }
    if me != "0" {
        return Err(format!(
            "the data directory belongs to uid {uid}; run as that user or as root"
        ));
    }
    command_text(Command::new("id").args(["-nu", &uid.to_string()])).map(Some)
}

fn command_text(command: &mut Command) -> Result<String, String> {
    let out = command.output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}
