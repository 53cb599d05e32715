//! Where sessions live between calls and between processes.
//!
//! [`FileStore`] is for batch jobs: every run (and every process of a run) finds the session
//! the last one made. The file is written atomically (a temporary file, then a rename) with
//! mode 0600, and a lock file serialises logins between processes.

use std::collections::BTreeMap;
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::Session;
use crate::error::{Error, Result};
use crate::ratelimit::{RateLimit, RateLimiter};

/// Keeps sessions by key (a server and login), and serialises logins.
pub trait SessionStore: Send + Sync + fmt::Debug {
    /// The session stored under `key`.
    fn load(&self, key: &str) -> Result<Option<Session>>;

    /// Stores `session` under `key`.
    fn save(&self, key: &str, session: &Session) -> Result<()>;

    /// Removes the session stored under `key`.
    fn clear(&self, key: &str) -> Result<()>;

    /// Runs `f` while holding the store's lock for `key`, so that one login serves everyone
    /// who shares the store. Waiting for the lock ends at `until` with a timeout error.
    fn with_lock(
        &self,
        key: &str,
        until: Option<Instant>,
        f: &mut dyn FnMut() -> Result<()>,
    ) -> Result<()>;

    /// A rate limiter for `key` whose schedule everyone who shares the store shares, if the
    /// store can keep one (the default cannot: a client then limits itself alone).
    fn rate_limiter(&self, key: &str, limit: RateLimit) -> Option<Arc<dyn RateLimiter>> {
        let _ = (key, limit);
        None
    }
}

/// A store in memory, shared by the clients of one process that hold it.
#[derive(Debug, Default)]
pub struct MemoryStore {
    sessions: Mutex<BTreeMap<String, Session>>,
    lock: Mutex<()>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl SessionStore for MemoryStore {
    fn load(&self, key: &str) -> Result<Option<Session>> {
        Ok(self
            .sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .cloned())
    }

    fn save(&self, key: &str, session: &Session) -> Result<()> {
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key.to_string(), session.clone());
        Ok(())
    }

    fn clear(&self, key: &str) -> Result<()> {
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
        Ok(())
    }

    fn with_lock(
        &self,
        _key: &str,
        until: Option<Instant>,
        f: &mut dyn FnMut() -> Result<()>,
    ) -> Result<()> {
        let _guard = super::lock_until(&self.lock, until)?;
        f()
    }
}

/// The contents of a session file.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct StoredSessions {
    /// The file format.
    pub format: String,
    /// Sessions by key.
    pub sessions: BTreeMap<String, Session>,
}

const FORMAT: &str = "portabilling-sessions/1";

/// A session file shared by the processes of a batch job.
///
/// ```no_run
/// # fn main() -> portabilling::Result<()> {
/// use portabilling::Client;
/// let client = Client::builder("https://billing.example.com")
///     .login("api", "secret")
///     .session_file("/var/lib/nightly-sync/session.json")
///     .build()?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct FileStore {
    path: PathBuf,
    lock_path: PathBuf,
}

impl FileStore {
    /// A store in the file at `path` (created when first needed; its directory must exist).
    /// The lock file is `path` with `.lock` appended.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let mut lock_path = path.clone().into_os_string();
        lock_path.push(".lock");
        FileStore {
            path,
            lock_path: PathBuf::from(lock_path),
        }
    }

    /// The session file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn read_all(&self) -> Result<StoredSessions> {
        match fs::read(&self.path) {
            Ok(bytes) => match serde_json::from_slice::<StoredSessions>(&bytes) {
                Ok(stored) if stored.format == FORMAT => Ok(stored),
                _ => {
                    // A damaged file must not stop the job: it costs one login.
                    tracing::warn!(path = %self.path.display(), "the session file is unreadable; it will be replaced");
                    Ok(StoredSessions::default())
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(StoredSessions::default()),
            Err(e) => Err(self.io_error("read", e)),
        }
    }

    fn write_all(&self, stored: &StoredSessions) -> Result<()> {
        let dir = self
            .path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let bytes = serde_json::to_vec_pretty(stored)
            .map_err(|e| self.io_error("encode", std::io::Error::other(e)))?;
        let result = (|| -> std::io::Result<()> {
            let mut file = private_file(&tmp, true)?;
            file.write_all(&bytes)?;
            file.sync_all()?;
            fs::rename(&tmp, &self.path)?;
            // The rename is durable once the directory is synced.
            if let Ok(d) = File::open(dir) {
                let _ = d.sync_all();
            }
            Ok(())
        })();
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result.map_err(|e| self.io_error("write", e))
    }

    fn io_error(&self, what: &str, e: std::io::Error) -> Error {
        Error::io(&format!("{what} the session file"), &self.path, e)
    }
}

/// Opens a file readable and writable by its owner only.
fn private_file(path: &Path, truncate: bool) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create(true);
    if truncate {
        options.truncate(true);
    } else {
        options.read(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // `mode` applies only when the file is created; an older file is tightened too.
        file.set_permissions(fs::Permissions::from_mode(0o600))?;
    }
    Ok(file)
}

impl SessionStore for FileStore {
    fn load(&self, key: &str) -> Result<Option<Session>> {
        Ok(self.read_all()?.sessions.remove(key))
    }

    fn save(&self, key: &str, session: &Session) -> Result<()> {
        let mut stored = self.read_all()?;
        stored.format = FORMAT.to_string();
        stored.sessions.insert(key.to_string(), session.clone());
        self.write_all(&stored)
    }

    fn clear(&self, key: &str) -> Result<()> {
        let mut stored = self.read_all()?;
        if stored.sessions.remove(key).is_some() {
            stored.format = FORMAT.to_string();
            self.write_all(&stored)?;
        }
        Ok(())
    }

    fn with_lock(
        &self,
        _key: &str,
        until: Option<Instant>,
        f: &mut dyn FnMut() -> Result<()>,
    ) -> Result<()> {
        let lock = private_file(&self.lock_path, false)
            .map_err(|e| self.io_error("open the lock of", e))?;
        match until {
            None => lock.lock().map_err(|e| self.io_error("lock", e))?,
            Some(until) => loop {
                match lock.try_lock() {
                    Ok(()) => break,
                    Err(fs::TryLockError::WouldBlock) if Instant::now() < until => {
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    Err(fs::TryLockError::WouldBlock) => return Err(super::lock_timeout()),
                    Err(fs::TryLockError::Error(e)) => return Err(self.io_error("lock", e)),
                }
            },
        }
        let result = f();
        let _ = lock.unlock();
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_store_round_trips_with_private_permissions() {
        let dir = std::env::temp_dir().join(format!("pb-store-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let store = FileStore::new(dir.join("s.json"));
        assert!(store.load("k").unwrap().is_none());
        let session = Session {
            session_id: Some("abc".into()),
            expires_at: Some(5),
            ..Session::default()
        };
        store
            .with_lock("k", None, &mut || store.save("k", &session))
            .unwrap();
        assert_eq!(store.load("k").unwrap(), Some(session));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(store.path()).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        store.clear("k").unwrap();
        assert!(store.load("k").unwrap().is_none());
        fs::write(store.path(), b"garbage").unwrap();
        assert!(store.load("k").unwrap().is_none());
        fs::remove_dir_all(&dir).unwrap();
    }
}
