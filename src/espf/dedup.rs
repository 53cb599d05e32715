//! Remembering which events were handled, across restarts and replicas.
//!
//! [`Dedup`] is what the pipeline needs of a store: claim an event, commit it as handled or
//! release it. [`DedupStore`] is the store of one process, in memory or in a file; the
//! PostgreSQL store (`pg::PgDedup`, feature `postgres`) is shared by replicas on many hosts.
//!
//! The file is append-only: a header line, then one `<unix seconds> <i_event>` line
//! per handled event, each appended and `fsync`ed before the event is acknowledged. It is read
//! back at start (a last line cut short by a crash is dropped: that event was never
//! acknowledged), created with mode 0600, locked against a second process, and rewritten
//! (compacted) when it holds many more lines than live entries. Entries older than
//! [`DedupOptions::retention`], or beyond [`DedupOptions::max_entries`], are forgotten.
//!
//! While an event runs it is *claimed*: a concurrent delivery of the same `i_event` waits for
//! the first to finish (up to [`DedupOptions::wait_in_flight`]) and then answers "duplicate"
//! if it succeeded, runs it if it failed, or gives up with a retryable answer. An event that
//! succeeded therefore never runs twice, one that failed may run again.

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::event::EventId;
use super::httpdate::unix_now;

const HEADER: &str = "portabilling-espf-handled-events 1";

/// Settings of a [`DedupStore`].
#[derive(Clone, Debug)]
pub struct DedupOptions {
    /// How long a handled event is remembered (7 days by default). ESPF re-sends an
    /// unanswered event for much less than that.
    pub retention: Duration,
    /// The most events remembered (1,000,000 by default); the oldest are forgotten first.
    pub max_entries: usize,
    /// How long a second delivery of an event that is running waits for the first (10 s by
    /// default) before it is answered with a retryable status.
    pub wait_in_flight: Duration,
    /// Compact the file when it has more than this many lines and twice as many as live
    /// entries (10,000 by default).
    pub compact_after_lines: usize,
}

impl Default for DedupOptions {
    fn default() -> Self {
        DedupOptions {
            retention: Duration::from_secs(7 * 24 * 3600),
            max_entries: 1_000_000,
            wait_in_flight: Duration::from_secs(10),
            compact_after_lines: 10_000,
        }
    }
}

struct Inner {
    handled: HashMap<Arc<str>, i64>,
    order: VecDeque<(i64, Arc<str>)>,
    in_flight: HashSet<Arc<str>>,
    file: Option<File>,
    lines: usize,
}

/// The handled events of one process, in memory or in a file (see the [module
/// docs](crate::espf)).
pub struct DedupStore {
    inner: Mutex<Inner>,
    done: Condvar,
    path: Option<PathBuf>,
    options: DedupOptions,
}

impl std::fmt::Debug for DedupStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DedupStore")
            .field("path", &self.path)
            .field("entries", &self.len())
            .finish()
    }
}

/// What a store answers when asked to claim an event (see [`Dedup::try_claim`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TryClaim {
    /// The event is claimed for this caller: run it, then [`commit`](Dedup::commit) or
    /// [`release`](Dedup::release) it.
    Claimed,
    /// The event was handled already.
    Handled,
    /// Another delivery (here, or on another replica) holds a live claim on it.
    Held,
}

/// Where handled events are remembered, and running ones claimed: so that an event that
/// succeeded never runs twice, whichever delivery (or replica) it comes to.
///
/// [`DedupStore`] keeps them in a file for one process; `pg::PgDedup` (feature `postgres`)
/// in PostgreSQL for replicas on many hosts, where a claim is a lease that runs out when its
/// replica dies. [`claim`](#method.claim) (on `dyn Dedup`) is how the pipeline uses either.
pub trait Dedup: Send + Sync + fmt::Debug {
    /// Claims `id` unless it was handled or someone holds a live claim on it.
    fn try_claim(&self, id: &EventId) -> io::Result<TryClaim>;

    /// Records the claimed event as handled (durably) and ends the claim. On an error the
    /// event is not recorded and may run again.
    fn commit(&self, id: &EventId) -> io::Result<()>;

    /// Ends the claim without recording the event, so that it may run again.
    fn release(&self, id: &EventId);

    /// Whether the event was handled.
    fn is_handled(&self, id: &EventId) -> io::Result<bool>;

    /// How long a second delivery of a running event waits for the first (see
    /// [`DedupOptions::wait_in_flight`]).
    fn wait_in_flight(&self) -> Duration;

    /// Waits until the claim on `id` may have ended, no later than `until`. By default it
    /// sleeps a little: a store shared between processes cannot be told.
    fn wait_for_change(&self, id: &EventId, until: Instant) {
        let _ = id;
        let left = until.saturating_duration_since(Instant::now());
        std::thread::sleep(left.min(Duration::from_millis(50)));
    }

    /// Whether the store can be used now (for a readiness check).
    fn check(&self) -> io::Result<()> {
        Ok(())
    }
}

/// The outcome of [`claim`](#method.claim).
#[derive(Debug)]
pub enum Claim<'a> {
    /// Run the event, then [`commit`](ClaimGuard::commit) on success (dropping the guard
    /// releases the claim and lets the event run again).
    Run(ClaimGuard<'a>),
    /// The event was handled already.
    Duplicate,
    /// The event is still running in another delivery.
    Busy,
}

impl dyn Dedup + '_ {
    /// Claims an event to run it. A delivery of an event that another holds waits for it (up
    /// to [`wait_in_flight`](Dedup::wait_in_flight)): it is a duplicate if the other
    /// succeeded, runs if the other failed (or its lease ran out), and is busy otherwise.
    pub fn claim(&self, id: &EventId) -> io::Result<Claim<'_>> {
        let deadline = Instant::now() + self.wait_in_flight();
        loop {
            match self.try_claim(id)? {
                TryClaim::Claimed => {
                    return Ok(Claim::Run(ClaimGuard {
                        store: self,
                        id: id.clone(),
                        done: false,
                    }))
                }
                TryClaim::Handled => return Ok(Claim::Duplicate),
                TryClaim::Held if Instant::now() >= deadline => return Ok(Claim::Busy),
                TryClaim::Held => self.wait_for_change(id, deadline),
            }
        }
    }
}

/// A claimed event.
#[derive(Debug)]
pub struct ClaimGuard<'a> {
    store: &'a dyn Dedup,
    id: EventId,
    done: bool,
}

impl ClaimGuard<'_> {
    /// Records the event as handled (durably, for a file-backed or database store) and ends
    /// the claim. On an error the event is not recorded and may run again.
    pub fn commit(mut self) -> io::Result<()> {
        self.done = true;
        self.store.commit(&self.id)
    }
}

impl Drop for ClaimGuard<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.store.release(&self.id);
        }
    }
}

fn open_private(path: &Path, truncate: bool) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true);
    if truncate {
        options.truncate(true);
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
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(file)
}

fn lock_exclusive(file: &File, path: &Path) -> io::Result<()> {
    match file.try_lock() {
        Ok(()) => Ok(()),
        Err(std::fs::TryLockError::WouldBlock) => Err(io::Error::new(
            io::ErrorKind::WouldBlock,
            format!("{} is in use by another process", path.display()),
        )),
        Err(std::fs::TryLockError::Error(e)) => Err(e),
    }
}

fn sync_dir(path: &Path) {
    if let Some(dir) = path.parent() {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
}

impl DedupStore {
    /// A store that lives only in memory (events are forgotten at exit).
    pub fn in_memory() -> DedupStore {
        DedupStore::build(None, None, DedupOptions::default(), Vec::new())
    }

    /// Opens (or creates) the file-backed store at `path` with default options.
    pub fn open(path: impl AsRef<Path>) -> io::Result<DedupStore> {
        DedupStore::open_with(path, DedupOptions::default())
    }

    /// Opens (or creates) the file-backed store at `path`.
    ///
    /// Fails if the file is not a store (so that a wrong path is never overwritten) or if
    /// another process has it open.
    pub fn open_with(path: impl AsRef<Path>, options: DedupOptions) -> io::Result<DedupStore> {
        let path = path.as_ref().to_path_buf();
        let mut file = open_private(&path, false)?;
        lock_exclusive(&file, &path)?;
        let mut entries = Vec::new();
        let mut good_len: u64 = 0;
        let total = file.metadata()?.len();
        {
            let mut reader = BufReader::new(&file);
            let mut line = String::new();
            let mut first = true;
            loop {
                line.clear();
                let n = reader.read_line(&mut line)?;
                if n == 0 || !line.ends_with('\n') {
                    break;
                }
                let text = line.trim_end_matches('\n');
                if first {
                    if text != HEADER {
                        return Err(io::Error::new(
                            io::ErrorKind::InvalidData,
                            format!("{} is not an ESPF handled-events file", path.display()),
                        ));
                    }
                    first = false;
                } else {
                    let parsed = text
                        .split_once(' ')
                        .and_then(|(t, id)| Some((t.parse::<i64>().ok()?, EventId::new(id)?)));
                    let Some((at, id)) = parsed else {
                        return Err(io::Error::new(
                            io::ErrorKind::InvalidData,
                            format!("{}: malformed line after byte {good_len}", path.display()),
                        ));
                    };
                    entries.push((at, id));
                }
                good_len += n as u64;
            }
        }
        if good_len == 0 {
            file.set_len(0)?;
            file.seek(SeekFrom::Start(0))?;
            file.write_all(format!("{HEADER}\n").as_bytes())?;
            file.sync_all()?;
            sync_dir(&path);
        } else if good_len < total {
            // A line cut short by a crash: its event was never acknowledged.
            file.set_len(good_len)?;
            file.sync_all()?;
        }
        file.seek(SeekFrom::End(0))?;
        let lines = entries.len() + 1;
        let store = DedupStore::build(Some(file), Some(path), options, entries);
        store.lock().lines = lines;
        store.maybe_compact(&mut store.lock())?;
        Ok(store)
    }

    fn build(
        file: Option<File>,
        path: Option<PathBuf>,
        options: DedupOptions,
        entries: Vec<(i64, EventId)>,
    ) -> DedupStore {
        let mut inner = Inner {
            handled: HashMap::new(),
            order: VecDeque::new(),
            in_flight: HashSet::new(),
            file,
            lines: 1,
        };
        for (at, id) in entries {
            let id: Arc<str> = Arc::from(id.as_str());
            inner.handled.insert(Arc::clone(&id), at);
            inner.order.push_back((at, id));
        }
        let store = DedupStore {
            inner: Mutex::new(inner),
            done: Condvar::new(),
            path,
            options,
        };
        store.expire(&mut store.lock(), unix_now());
        store
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The file, if the store has one.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// How many handled events are remembered.
    pub fn len(&self) -> usize {
        self.lock().handled.len()
    }

    /// Whether no handled event is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Claims an event to run it (see [`claim`](#method.claim) on `dyn Dedup`).
    pub fn claim(&self, id: &EventId) -> io::Result<Claim<'_>> {
        (self as &dyn Dedup).claim(id)
    }

    fn record(&self, id: &Arc<str>) -> io::Result<()> {
        let now = unix_now();
        let mut inner = self.lock();
        if inner.handled.contains_key(id) {
            return Ok(());
        }
        if let Some(file) = inner.file.as_mut() {
            file.write_all(format!("{now} {id}\n").as_bytes())?;
            file.sync_data()?;
            inner.lines += 1;
        }
        inner.handled.insert(Arc::clone(id), now);
        inner.order.push_back((now, Arc::clone(id)));
        self.expire(&mut inner, now);
        if let Err(e) = self.maybe_compact(&mut inner) {
            // The entry is durable in the old file; compaction is retried on a later commit.
            tracing::warn!(error = %e, "cannot compact the ESPF handled-events file");
        }
        Ok(())
    }

    fn expire(&self, inner: &mut Inner, now: i64) {
        let oldest = now.saturating_sub(self.options.retention.as_secs() as i64);
        while let Some((at, id)) = inner.order.front() {
            if *at >= oldest && inner.order.len() <= self.options.max_entries {
                break;
            }
            let id = Arc::clone(id);
            // Only forget the entry if it is this one's (a re-recorded id has a newer one).
            if inner.handled.get(&id) == Some(at) {
                inner.handled.remove(&id);
            }
            inner.order.pop_front();
        }
    }

    fn maybe_compact(&self, inner: &mut Inner) -> io::Result<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let live = inner.order.len() + 1;
        if inner.lines <= self.options.compact_after_lines || inner.lines <= 2 * live {
            return Ok(());
        }
        let tmp = path.with_extension("compact-tmp");
        let mut file = open_private(&tmp, true)?;
        lock_exclusive(&file, &tmp)?;
        let mut text = String::with_capacity(live * 24);
        text.push_str(HEADER);
        text.push('\n');
        for (at, id) in &inner.order {
            text.push_str(&format!("{at} {id}\n"));
        }
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)?;
        sync_dir(path);
        file.seek(SeekFrom::End(0))?;
        inner.file = Some(file);
        inner.lines = live;
        Ok(())
    }

    /// Lines in the file (the header included), for tests of compaction.
    #[doc(hidden)]
    pub fn file_lines(&self) -> usize {
        self.lock().lines
    }
}

impl Dedup for DedupStore {
    fn try_claim(&self, id: &EventId) -> io::Result<TryClaim> {
        let mut inner = self.lock();
        if inner.handled.contains_key(id.as_str()) {
            return Ok(TryClaim::Handled);
        }
        if inner.in_flight.contains(id.as_str()) {
            return Ok(TryClaim::Held);
        }
        inner.in_flight.insert(Arc::from(id.as_str()));
        Ok(TryClaim::Claimed)
    }

    fn commit(&self, id: &EventId) -> io::Result<()> {
        let result = self.record(&Arc::from(id.as_str()));
        self.release(id);
        result
    }

    fn release(&self, id: &EventId) {
        self.lock().in_flight.remove(id.as_str());
        self.done.notify_all();
    }

    fn is_handled(&self, id: &EventId) -> io::Result<bool> {
        Ok(self.lock().handled.contains_key(id.as_str()))
    }

    fn wait_in_flight(&self) -> Duration {
        self.options.wait_in_flight
    }

    fn wait_for_change(&self, id: &EventId, until: Instant) {
        let inner = self.lock();
        // Looked at under the lock that `release` takes, so that no wake-up is missed.
        if !inner.in_flight.contains(id.as_str()) {
            return;
        }
        let left = until.saturating_duration_since(Instant::now());
        let _ = self.done.wait_timeout(inner, left);
    }
}

// The integration tests' scratch directory, so that these tests clean up after themselves too.
#[cfg(test)]
#[path = "../../tests/support/scratch.rs"]
#[allow(dead_code, reason = "these tests use part of it")]
mod scratch;

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> EventId {
        EventId::new(s).unwrap()
    }

    use super::scratch::Scratch;

    /// A store file in a scratch directory of its own, removed when the test passes.
    fn temp(name: &str) -> (Scratch, PathBuf) {
        let dir = Scratch::new(&format!("dedup-{name}"));
        let file = dir.join("handled");
        (dir, file)
    }

    fn run(store: &DedupStore, s: &str) -> bool {
        match store.claim(&id(s)).unwrap() {
            Claim::Run(g) => {
                g.commit().unwrap();
                true
            }
            _ => false,
        }
    }

    #[test]
    fn survives_a_restart_and_a_torn_line() {
        let (_dir, path) = temp("restart");
        {
            let store = DedupStore::open(&path).unwrap();
            assert!(run(&store, "1"));
            assert!(run(&store, "2"));
            assert!(!run(&store, "1"));
            // A failed run is not recorded.
            let claimed = matches!(store.claim(&id("3")).unwrap(), Claim::Run(_));
            assert!(claimed);
        }
        // A crash mid-append leaves half a line.
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"1700000000 4").unwrap();
        drop(f);
        let store = DedupStore::open(&path).unwrap();
        assert!(store.is_handled(&id("1")).unwrap() && store.is_handled(&id("2")).unwrap());
        assert!(!store.is_handled(&id("3")).unwrap() && !store.is_handled(&id("4")).unwrap());
        assert!(run(&store, "4"));
        drop(store);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 4, "{text}");
        assert!(text.ends_with(" 4\n"), "{text}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
    }

    #[test]
    fn refuses_a_foreign_file_and_a_second_process() {
        let (_dir, path) = temp("foreign");
        std::fs::write(&path, "precious data\n").unwrap();
        assert!(DedupStore::open(&path).is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "precious data\n");
        let (_locked_dir, path) = temp("locked");
        let _first = DedupStore::open(&path).unwrap();
        let second = DedupStore::open(&path).unwrap_err();
        assert_eq!(second.kind(), io::ErrorKind::WouldBlock);
    }

    #[test]
    fn compacts_and_forgets_the_oldest() {
        let (_dir, path) = temp("compact");
        let options = DedupOptions {
            max_entries: 10,
            compact_after_lines: 20,
            ..DedupOptions::default()
        };
        let store = DedupStore::open_with(&path, options.clone()).unwrap();
        for i in 0..100 {
            assert!(run(&store, &i.to_string()));
        }
        assert_eq!(store.len(), 10);
        assert!(store.file_lines() <= 22, "{}", store.file_lines());
        assert!(store.is_handled(&id("99")).unwrap() && !store.is_handled(&id("0")).unwrap());
        drop(store);
        let store = DedupStore::open_with(&path, options).unwrap();
        assert_eq!(store.len(), 10);
        assert!(store.is_handled(&id("95")).unwrap());
        assert!(run(&store, "0"));
    }

    #[test]
    fn concurrent_deliveries_run_once() {
        let store = Arc::new(DedupStore::in_memory());
        let runs = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let store = Arc::clone(&store);
                let runs = Arc::clone(&runs);
                std::thread::spawn(move || match store.claim(&id("7")).unwrap() {
                    Claim::Run(g) => {
                        runs.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(50));
                        g.commit().unwrap();
                    }
                    Claim::Duplicate => {}
                    Claim::Busy => panic!("busy"),
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(runs.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[test]
    fn a_waiting_delivery_takes_over_after_a_failure_or_gives_up() {
        let store = DedupStore {
            options: DedupOptions {
                wait_in_flight: Duration::from_millis(100),
                ..DedupOptions::default()
            },
            ..DedupStore::in_memory()
        };
        let g = match store.claim(&id("9")).unwrap() {
            Claim::Run(g) => g,
            other => panic!("{other:?}"),
        };
        assert!(matches!(store.claim(&id("9")).unwrap(), Claim::Busy));
        drop(g);
        assert!(matches!(store.claim(&id("9")).unwrap(), Claim::Run(_)));
    }
}
