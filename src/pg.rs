//! Shared state in PostgreSQL (feature `postgres`), for processes on many hosts: the session
//! store ([`PgSessionStore`]: one login for all of them), the ESPF de-dup store ([`PgDedup`]:
//! replicas behind one URL, claims that are leases) and the global rate limit (through the
//! session store). One [`Database`] holds a few connections and reconnects after a failure,
//! so a database restart costs the calls made while it is away, not a restart of ours.
//!
//! The schema is created and migrated when a [`Database`] connects: a
//! `portabilling_schema_version` table records the versions applied, each migration is
//! idempotent (`CREATE TABLE IF NOT EXISTS`) and runs under a transaction-level advisory
//! lock, so replicas starting together migrate once. The README ("Running the receiver as a
//! service") shows the tables.
//!
//! Sessions are stored sealed (AES-256-GCM), with a key derived from the API password or
//! token (PBKDF2-HMAC-SHA256), so a dump of the database hands out no live session to whoever
//! does not also know the password. Connections are made without TLS: keep the database on
//! the host or a private network (or reach it through a local TLS tunnel).

use std::collections::HashMap;
#[cfg(feature = "espf")]
use std::collections::HashSet;
use std::fmt;
use std::num::NonZeroU32;
use std::str::FromStr;
#[cfg(feature = "espf")]
use std::sync::Weak;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ring::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};

use crate::auth::{lock_timeout, Secret, Session, SessionStore};
use crate::error::{Error, Result};
#[cfg(feature = "espf")]
use crate::espf::{Dedup, DedupOptions, EventId, TryClaim};
use crate::ratelimit::{LocalRateLimiter, RateLimit, RateLimiter};

/// The schema's migrations, in order: version, statements. Each is idempotent, so one that was
/// applied but not recorded (a crash between the two) is applied again harmlessly.
const MIGRATIONS: &[(i32, &str)] = &[(
    1,
    "CREATE TABLE IF NOT EXISTS portabilling_sessions (
        key text PRIMARY KEY,
        nonce bytea NOT NULL,
        sealed bytea NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE IF NOT EXISTS portabilling_espf_events (
        scope text NOT NULL DEFAULT '',
        i_event text NOT NULL,
        handled_at timestamptz,
        lease_owner text,
        lease_until timestamptz,
        PRIMARY KEY (scope, i_event)
    );
    CREATE INDEX IF NOT EXISTS portabilling_espf_events_handled_at
        ON portabilling_espf_events (handled_at);
    CREATE TABLE IF NOT EXISTS portabilling_rate_limits (
        key text PRIMARY KEY,
        tat timestamptz NOT NULL
    );",
)];

/// The schema version this build migrates to.
pub const SCHEMA_VERSION: i32 = 1;

/// How many idle connections a [`Database`] keeps.
const MAX_IDLE: usize = 8;

/// A PostgreSQL database, and a few connections to it.
pub struct Database {
    config: postgres::Config,
    /// The URL without its password, for messages.
    shown: String,
    idle: Mutex<Vec<postgres::Client>>,
}

impl fmt::Debug for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Database")
            .field("url", &self.shown)
            .finish_non_exhaustive()
    }
}

impl Database {
    /// Connects to the database at `url` (`postgres://user:password@host:port/dbname`, or
    /// the `key=value` form), and creates or migrates the schema. Without a
    /// `connect_timeout` in the URL, connecting gives up after 5 s.
    pub fn connect(url: &str) -> Result<Arc<Database>> {
        let mut config = postgres::Config::from_str(url).map_err(|e| {
            // The parser's message quotes no part of the URL, so it holds no password.
            Error::Config(format!("not a PostgreSQL URL: {e}"))
        })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(5));
        }
        if config.get_application_name().is_none() {
            config.application_name("portabilling");
        }
        // A database that vanishes mid-query (a cable, a failover) is noticed within seconds,
        // not when the kernel gives up on the connection.
        config.keepalives_idle(Duration::from_secs(10));
        config.tcp_user_timeout(Duration::from_secs(15));
        let shown = show(&config);
        let db = Database {
            config,
            shown,
            idle: Mutex::new(Vec::new()),
        };
        db.migrate()?;
        Ok(Arc::new(db))
    }

    /// The URL without its password (`postgres://user@host:port/dbname`).
    pub fn url(&self) -> &str {
        &self.shown
    }

    /// Checks that the database answers.
    pub fn check(&self) -> Result<()> {
        self.run(|c| c.batch_execute("SELECT 1"))
    }

    /// The schema version the database is at.
    pub fn schema_version(&self) -> Result<i32> {
        self.run(|c| {
            c.query_one(
                "SELECT coalesce(max(version), 0) FROM portabilling_schema_version",
                &[],
            )
            .map(|row| row.get(0))
        })
    }

    fn migrate(&self) -> Result<()> {
        self.run(|c| {
            let mut tx = c.transaction()?;
            // One migrator at a time; the lock ends with the transaction.
            tx.batch_execute(
                "SELECT pg_advisory_xact_lock(7364018723);
                 CREATE TABLE IF NOT EXISTS portabilling_schema_version (
                     version integer PRIMARY KEY,
                     applied_at timestamptz NOT NULL DEFAULT now()
                 );",
            )?;
            let at: i32 = tx
                .query_one(
                    "SELECT coalesce(max(version), 0) FROM portabilling_schema_version",
                    &[],
                )?
                .get(0);
            for (version, statements) in MIGRATIONS.iter().filter(|(v, _)| *v > at) {
                tx.batch_execute(statements)?;
                tx.execute(
                    "INSERT INTO portabilling_schema_version (version) VALUES ($1)
                     ON CONFLICT DO NOTHING",
                    &[version],
                )?;
            }
            if at > SCHEMA_VERSION {
                tracing::info!(
                    at,
                    known = SCHEMA_VERSION,
                    "the database schema is newer than this build; using it as it is"
                );
            }
            tx.commit()
        })
    }

    fn connect_one(&self) -> Result<postgres::Client> {
        self.config
            .connect(postgres::NoTls)
            .map_err(|e| self.error("cannot connect to", &e))
    }

    fn take(&self) -> Result<(postgres::Client, bool)> {
        loop {
            let pooled = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
            match pooled {
                Some(client) if client.is_closed() => continue,
                Some(client) => return Ok((client, true)),
                None => return Ok((self.connect_one()?, false)),
            }
        }
    }

    fn put(&self, client: postgres::Client) {
        if client.is_closed() {
            return;
        }
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < MAX_IDLE {
            idle.push(client);
        }
    }

    /// Runs `f` on a connection. A pooled connection the database has closed (it restarted)
    /// is replaced by a new one and `f` is run again, once: a closed connection fails before
    /// the statement reaches the database.
    fn run<T>(
        &self,
        mut f: impl FnMut(&mut postgres::Client) -> std::result::Result<T, postgres::Error>,
    ) -> Result<T> {
        let (mut client, pooled) = self.take()?;
        match f(&mut client) {
            Ok(value) => {
                self.put(client);
                Ok(value)
            }
            Err(e) if pooled && (e.is_closed() || client.is_closed()) => {
                drop(client);
                let mut client = self.connect_one()?;
                let result = f(&mut client).map_err(|e| self.error("a query failed on", &e));
                self.put(client);
                result
            }
            Err(e) => {
                self.put(client);
                Err(self.error("a query failed on", &e))
            }
        }
    }

    fn error(&self, what: &str, e: &postgres::Error) -> Error {
        Error::Store(format!(
            "{what} the database {}: {}",
            self.shown,
            describe(e)
        ))
    }
}

/// A database error's text, with the server's message when there is one.
fn describe(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => match std::error::Error::source(e) {
            Some(source) => format!("{e}: {source}"),
            None => e.to_string(),
        },
    }
}

/// `url` as messages may show it: `postgres://user@host:port/dbname`, without the password
/// (`None` when it is not a PostgreSQL URL).
pub fn shown_url(url: &str) -> Option<String> {
    postgres::Config::from_str(url).ok().map(|c| show(&c))
}

/// `postgres://user@host:port/dbname` for a configuration: no password.
fn show(config: &postgres::Config) -> String {
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(i, host)| {
            let name = match host {
                postgres::config::Host::Tcp(name) => name.clone(),
                #[cfg(unix)]
                postgres::config::Host::Unix(path) => path.display().to_string(),
            };
            match config.get_ports().get(i).or(config.get_ports().first()) {
                Some(port) => format!("{name}:{port}"),
                None => name,
            }
        })
        .collect();
    let user = config
        .get_user()
        .map(|u| format!("{u}@"))
        .unwrap_or_default();
    format!(
        "postgres://{user}{}/{}",
        hosts.join(","),
        config.get_dbname().unwrap_or("")
    )
}

/// How often a wait for a database lock looks again.
const LOCK_POLL: Duration = Duration::from_millis(10);

/// The PBKDF2 rounds of the sealing key. The key is derived once per store and session key.
const SEAL_ROUNDS: u32 = 20_000;

/// Sessions in PostgreSQL, shared by every process on every host that uses the database:
/// one login serves them all, and a login is serialised across them by an advisory lock.
///
/// ```no_run
/// # fn main() -> portabilling::Result<()> {
/// use std::sync::Arc;
/// use portabilling::pg::{Database, PgSessionStore};
/// use portabilling::Client;
///
/// let password = std::env::var("PORTABILLING_PASSWORD").unwrap_or_default();
/// let db = Database::connect("postgres://portabilling@db.internal/portabilling")?;
/// let client = Client::builder("https://billing.example.com")
///     .login("api-user", password.as_str())
///     .session_store(Arc::new(PgSessionStore::new(db, &password)))
///     .rate_limit(50.0) // shared by every process through the same database
///     .build()?;
/// # Ok(())
/// # }
/// ```
///
/// A session is sealed with AES-256-GCM under a key derived from `seal_with` (the API password
/// or token the clients log in with) and the row's key, so the table alone holds no usable
/// session. A row that does not open (another password) counts as no session: it costs one
/// login, which replaces it.
pub struct PgSessionStore {
    db: Arc<Database>,
    seal_with: Secret,
    keys: Mutex<HashMap<String, Arc<LessSafeKey>>>,
    random: SystemRandom,
}

impl fmt::Debug for PgSessionStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgSessionStore")
            .field("db", &self.db)
            .finish_non_exhaustive()
    }
}

impl PgSessionStore {
    /// A store in `db`, sealing sessions with a key derived from `seal_with`: the API password
    /// or token the clients log in with (the same for every process that shares the store).
    pub fn new(db: Arc<Database>, seal_with: &str) -> PgSessionStore {
        PgSessionStore {
            db,
            seal_with: Secret::new(seal_with),
            keys: Mutex::new(HashMap::new()),
            random: SystemRandom::new(),
        }
    }

    /// The database.
    pub fn database(&self) -> &Arc<Database> {
        &self.db
    }

    fn key_for(&self, key: &str) -> Result<Arc<LessSafeKey>> {
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(k) = keys.get(key) {
            return Ok(Arc::clone(k));
        }
        let mut bytes = [0u8; 32];
        let salt = format!("portabilling-session-store/1|{key}");
        ring::pbkdf2::derive(
            ring::pbkdf2::PBKDF2_HMAC_SHA256,
            NonZeroU32::new(SEAL_ROUNDS).unwrap_or(NonZeroU32::MIN),
            salt.as_bytes(),
            self.seal_with.expose().as_bytes(),
            &mut bytes,
        );
        let unbound = UnboundKey::new(&aead::AES_256_GCM, &bytes)
            .map_err(|_| Error::Store("cannot make the session sealing key".into()))?;
        let sealing = Arc::new(LessSafeKey::new(unbound));
        keys.insert(key.to_string(), Arc::clone(&sealing));
        Ok(sealing)
    }
}

impl SessionStore for PgSessionStore {
    fn load(&self, key: &str) -> Result<Option<Session>> {
        let row = self.db.run(|c| {
            c.query_opt(
                "SELECT nonce, sealed FROM portabilling_sessions WHERE key = $1",
                &[&key],
            )
        })?;
        let Some(row) = row else {
            return Ok(None);
        };
        let nonce: Vec<u8> = row.get(0);
        let mut sealed: Vec<u8> = row.get(1);
        let sealing = self.key_for(key)?;
        let opened = Nonce::try_assume_unique_for_key(&nonce)
            .ok()
            .and_then(|nonce| {
                sealing
                    .open_in_place(nonce, Aad::from(key.as_bytes()), &mut sealed)
                    .ok()
            })
            .and_then(|plain| serde_json::from_slice::<Session>(plain).ok());
        if opened.is_none() {
            // Sealed under another password, or damaged: it costs one login.
            tracing::warn!(
                "a stored session does not open with this password; it will be replaced"
            );
        }
        Ok(opened)
    }

    fn save(&self, key: &str, session: &Session) -> Result<()> {
        let mut plain = serde_json::to_vec(session)
            .map_err(|e| Error::Store(format!("cannot encode the session: {e}")))?;
        let mut nonce = [0u8; aead::NONCE_LEN];
        self.random
            .fill(&mut nonce)
            .map_err(|_| Error::Store("no random numbers for the session nonce".into()))?;
        self.key_for(key)?
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(key.as_bytes()),
                &mut plain,
            )
            .map_err(|_| Error::Store("cannot seal the session".into()))?;
        let nonce = nonce.to_vec();
        self.db.run(|c| {
            c.execute(
                "INSERT INTO portabilling_sessions (key, nonce, sealed, updated_at)
                 VALUES ($1, $2, $3, now())
                 ON CONFLICT (key) DO UPDATE
                 SET nonce = EXCLUDED.nonce, sealed = EXCLUDED.sealed, updated_at = now()",
                &[&key, &nonce, &plain],
            )
        })?;
        Ok(())
    }

    fn clear(&self, key: &str) -> Result<()> {
        self.db
            .run(|c| c.execute("DELETE FROM portabilling_sessions WHERE key = $1", &[&key]))?;
        Ok(())
    }

    fn with_lock(
        &self,
        key: &str,
        until: Option<Instant>,
        f: &mut dyn FnMut() -> Result<()>,
    ) -> Result<()> {
        // A session-level advisory lock on a connection of its own: it is released when the
        // connection ends, so a process killed in the middle of a login blocks no one.
        let lock_key = format!("portabilling-session|{key}");
        let mut client = self.db.connect_one()?;
        loop {
            let locked: bool = client
                .query_one(
                    "SELECT pg_try_advisory_lock(hashtextextended($1, 0))",
                    &[&lock_key],
                )
                .map_err(|e| self.db.error("cannot lock a session on", &e))?
                .get(0);
            if locked {
                break;
            }
            if until.is_some_and(|u| Instant::now() >= u) {
                return Err(lock_timeout());
            }
            std::thread::sleep(LOCK_POLL);
        }
        let result = f();
        // Closing the connection releases the lock too; unlocking first lets the connection
        // be closed without waiting.
        let _ = client.execute(
            "SELECT pg_advisory_unlock(hashtextextended($1, 0))",
            &[&lock_key],
        );
        result
    }

    fn rate_limiter(&self, key: &str, limit: RateLimit) -> Option<Arc<dyn RateLimiter>> {
        Some(Arc::new(PgRateLimiter {
            db: Arc::clone(&self.db),
            key: key.to_string(),
            limit,
            fallback: LocalRateLimiter::new(limit),
            failed_at: Mutex::new(None),
        }))
    }
}

/// A rate limit whose schedule is one row of `portabilling_rate_limits`, shared by every
/// process that uses the same server and login through the database. The database's clock
/// keeps the schedule, so the hosts' clocks need not agree. While the database cannot be
/// reached, each process limits itself alone, at the same rate (and says so once in its log),
/// and tries the database again every [`RETRY_DATABASE`], so that calls do not each wait for
/// a connection that cannot be made.
struct PgRateLimiter {
    db: Arc<Database>,
    key: String,
    limit: RateLimit,
    fallback: LocalRateLimiter,
    /// When the database last failed, while it has not answered since.
    failed_at: Mutex<Option<Instant>>,
}

/// How long a rate limiter whose database failed limits its process alone before it tries the
/// database again.
const RETRY_DATABASE: Duration = Duration::from_secs(5);

impl fmt::Debug for PgRateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgRateLimiter")
            .field("db", &self.db)
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

impl PgRateLimiter {
    /// GCRA in one statement: the slot is `greatest(tat, now)`; a call may start
    /// `tolerance` before it; the schedule advances by `interval`. A reservation that would
    /// wait longer than `within` changes nothing and returns no row.
    fn reserve_shared(&self, within: Option<Duration>) -> Result<Option<Duration>> {
        let interval = self.limit.interval().as_secs_f64();
        let tolerance = self.limit.tolerance().as_secs_f64();
        let within = within.map_or(1e9, |w| w.as_secs_f64());
        let reserve = |c: &mut postgres::Client| {
            c.query_opt(
                "UPDATE portabilling_rate_limits
                 SET tat = greatest(tat, clock_timestamp()) + $2 * interval '1 second'
                 WHERE key = $1
                   AND greatest(tat, clock_timestamp()) - $3 * interval '1 second'
                       <= clock_timestamp() + $4 * interval '1 second'
                 RETURNING extract(epoch FROM
                     tat - ($2 + $3) * interval '1 second' - clock_timestamp())::float8",
                &[&self.key, &interval, &tolerance, &within],
            )
        };
        let row = self.db.run(|c| {
            if let Some(row) = reserve(c)? {
                return Ok(Some(row));
            }
            // No row: the wait is too long, or this key has no row yet.
            let created = c.execute(
                "INSERT INTO portabilling_rate_limits (key, tat) VALUES ($1, clock_timestamp())
                 ON CONFLICT (key) DO NOTHING",
                &[&self.key],
            )?;
            if created == 1 {
                reserve(c)
            } else {
                Ok(None)
            }
        })?;
        Ok(row.map(|row| {
            let wait: f64 = row.get(0);
            Duration::from_secs_f64(wait.clamp(0.0, 1e9))
        }))
    }
}

impl RateLimiter for PgRateLimiter {
    fn reserve(&self, within: Option<Duration>) -> Result<Option<Duration>> {
        let failed_at = *self.failed_at.lock().unwrap_or_else(|e| e.into_inner());
        if failed_at.is_some_and(|at| at.elapsed() < RETRY_DATABASE) {
            return self.fallback.reserve(within);
        }
        match self.reserve_shared(within) {
            Ok(wait) => {
                if failed_at.is_some() {
                    *self.failed_at.lock().unwrap_or_else(|e| e.into_inner()) = None;
                    tracing::warn!("the shared rate limit is back in the database");
                }
                Ok(wait)
            }
            Err(e) => {
                if failed_at.is_none() {
                    tracing::warn!(error = %e, "the shared rate limit is unreachable; limiting this process alone until it is back");
                }
                *self.failed_at.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
                self.fallback.reserve(within)
            }
        }
    }
}

#[cfg(feature = "espf")]
/// Handled ESPF events in PostgreSQL, shared by the listener's replicas: a delivery claims an
/// `i_event` with a lease, which this replica renews while the event runs. A second delivery
/// of a claimed event, on any replica, waits or gets a retryable answer; when a replica dies
/// holding a claim, its lease runs out and another replica may run the event; a handled event
/// never runs again, on any replica.
///
/// One window remains, as with the file store: a replica that dies (or loses the database)
/// after the hand-off but before the commit leaves the event unrecorded, and it runs again.
/// A replica that cannot reach the database for a whole lease while an event runs may also
/// lose its claim to another replica; its own commit then finds the event handled and says
/// so in the log.
pub struct PgDedup {
    shared: Arc<DedupShared>,
}

#[cfg(feature = "espf")]
struct DedupShared {
    db: Arc<Database>,
    scope: String,
    owner: String,
    lease: Duration,
    options: DedupOptions,
    /// The events this replica holds, whose leases it renews.
    held: Mutex<HashSet<String>>,
}

#[cfg(feature = "espf")]
impl fmt::Debug for PgDedup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgDedup")
            .field("db", &self.shared.db)
            .field("scope", &self.shared.scope)
            .field("owner", &self.shared.owner)
            .field("lease", &self.shared.lease)
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "espf")]
impl PgDedup {
    /// A store in `db` whose claims last `lease` unless renewed (this replica renews its own
    /// every third of it), with `options`' retention and wait for a running event.
    /// `max_entries` and `compact_after_lines` do not apply: rows past the retention are
    /// deleted.
    pub fn new(db: Arc<Database>, lease: Duration, options: DedupOptions) -> Result<PgDedup> {
        PgDedup::with_scope(db, "", lease, options)
    }

    /// [`new`](Self::new), with this store's events kept apart from other listeners' in the
    /// same database under `scope` (for listeners of different billing servers, whose
    /// `i_event`s may collide). [`new`](Self::new) uses the empty scope.
    pub fn with_scope(
        db: Arc<Database>,
        scope: &str,
        lease: Duration,
        options: DedupOptions,
    ) -> Result<PgDedup> {
        let lease = lease.max(Duration::from_secs(1));
        let mut tag = [0u8; 8];
        SystemRandom::new()
            .fill(&mut tag)
            .map_err(|_| Error::Store("no random numbers for the replica's name".into()))?;
        let owner = format!(
            "{}-{}",
            std::process::id(),
            tag.iter().map(|b| format!("{b:02x}")).collect::<String>()
        );
        let shared = Arc::new(DedupShared {
            db,
            scope: scope.to_string(),
            owner,
            lease,
            options,
            held: Mutex::new(HashSet::new()),
        });
        let weak = Arc::downgrade(&shared);
        std::thread::Builder::new()
            .name("portabilling-leases".into())
            .spawn(move || renew_leases(weak))
            .map_err(|e| Error::Store(format!("cannot start the lease renewer: {e}")))?;
        Ok(PgDedup { shared })
    }

    /// This replica's name in `lease_owner`: its process id and a random tag.
    pub fn owner(&self) -> &str {
        &self.shared.owner
    }

    /// How long a claim lasts unless renewed.
    pub fn lease(&self) -> Duration {
        self.shared.lease
    }

    fn held(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.shared.held.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(feature = "espf")]
/// Renews this replica's leases every third of the lease, and deletes rows past the
/// retention every ten minutes, until the store is dropped.
fn renew_leases(shared: Weak<DedupShared>) {
    let mut last_purge: Option<Instant> = None;
    loop {
        let Some(lease) = shared.upgrade().map(|s| s.lease) else {
            return;
        };
        // Sleep in short steps, so that a dropped store ends the thread soon.
        let until = Instant::now() + lease / 3;
        while Instant::now() < until {
            std::thread::sleep(Duration::from_millis(100).min(lease / 3));
            if shared.strong_count() == 0 {
                return;
            }
        }
        let Some(s) = shared.upgrade() else {
            return;
        };
        let held: Vec<String> = s
            .held
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .cloned()
            .collect();
        if !held.is_empty() {
            let secs = s.lease.as_secs_f64();
            if let Err(e) = s.db.run(|c| {
                c.execute(
                    "UPDATE portabilling_espf_events
                     SET lease_until = clock_timestamp() + $4 * interval '1 second'
                     WHERE scope = $1 AND lease_owner = $2 AND handled_at IS NULL
                       AND i_event = ANY($3)",
                    &[&s.scope, &s.owner, &held, &secs],
                )
            }) {
                tracing::warn!(error = %e, "cannot renew the ESPF event leases");
            }
        }
        if last_purge.is_none_or(|at| at.elapsed() > Duration::from_secs(600)) {
            last_purge = Some(Instant::now());
            let keep = s.options.retention.as_secs_f64();
            if let Err(e) = s.db.run(|c| {
                c.execute(
                    "DELETE FROM portabilling_espf_events
                     WHERE scope = $1
                       AND coalesce(handled_at, lease_until) < clock_timestamp() - $2 * interval '1 second'",
                    &[&s.scope, &keep],
                )
            }) {
                tracing::debug!(error = %e, "cannot delete old ESPF events");
            }
        }
    }
}

#[cfg(feature = "espf")]
/// A database failure as the dedup interface reports it.
fn io_error(e: Error) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

#[cfg(feature = "espf")]
impl Dedup for PgDedup {
    fn try_claim(&self, id: &EventId) -> std::io::Result<TryClaim> {
        let s = &self.shared;
        if self.held().contains(id.as_str()) {
            return Ok(TryClaim::Held);
        }
        let secs = s.lease.as_secs_f64();
        let claimed = s
            .db
            .run(|c| {
                c.query_opt(
                    "INSERT INTO portabilling_espf_events AS e (scope, i_event, lease_owner, lease_until)
                     VALUES ($1, $2, $3, clock_timestamp() + $4 * interval '1 second')
                     ON CONFLICT (scope, i_event) DO UPDATE
                     SET lease_owner = EXCLUDED.lease_owner, lease_until = EXCLUDED.lease_until
                     WHERE e.handled_at IS NULL
                       AND (e.lease_until IS NULL OR e.lease_until < clock_timestamp())
                     RETURNING 1",
                    &[&s.scope, &id.as_str(), &s.owner, &secs],
                )
            })
            .map_err(io_error)?;
        if claimed.is_some() {
            self.held().insert(id.as_str().to_string());
            return Ok(TryClaim::Claimed);
        }
        let handled =
            s.db.run(|c| {
                c.query_opt(
                    "SELECT handled_at IS NOT NULL FROM portabilling_espf_events
                     WHERE scope = $1 AND i_event = $2",
                    &[&s.scope, &id.as_str()],
                )
            })
            .map_err(io_error)?;
        Ok(match handled.map(|row| row.get::<_, bool>(0)) {
            Some(true) => TryClaim::Handled,
            // Held, or deleted between the two statements: look again.
            _ => TryClaim::Held,
        })
    }

    fn commit(&self, id: &EventId) -> std::io::Result<()> {
        let s = &self.shared;
        let result = s.db.run(|c| {
            c.query_opt(
                "UPDATE portabilling_espf_events
                 SET handled_at = clock_timestamp(), lease_owner = NULL, lease_until = NULL
                 WHERE scope = $1 AND i_event = $2 AND handled_at IS NULL
                 RETURNING 1",
                &[&s.scope, &id.as_str()],
            )
        });
        self.held().remove(id.as_str());
        match result {
            Ok(Some(_)) => Ok(()),
            Ok(None) => {
                tracing::warn!(i_event = id.as_str(), "the event was recorded as handled by another replica while this one ran it (its lease had run out)");
                Ok(())
            }
            Err(e) => Err(io_error(e)),
        }
    }

    fn release(&self, id: &EventId) {
        let s = &self.shared;
        self.held().remove(id.as_str());
        // When this fails, the lease runs out by itself.
        if let Err(e) = s.db.run(|c| {
            c.execute(
                "DELETE FROM portabilling_espf_events
                 WHERE scope = $1 AND i_event = $2 AND lease_owner = $3 AND handled_at IS NULL",
                &[&s.scope, &id.as_str(), &s.owner],
            )
        }) {
            tracing::debug!(error = %e, "cannot release an ESPF event's claim; its lease will run out");
        }
    }

    fn is_handled(&self, id: &EventId) -> std::io::Result<bool> {
        let s = &self.shared;
        let row =
            s.db.run(|c| {
                c.query_opt(
                    "SELECT 1 FROM portabilling_espf_events
                     WHERE scope = $1 AND i_event = $2 AND handled_at IS NOT NULL",
                    &[&s.scope, &id.as_str()],
                )
            })
            .map_err(io_error)?;
        Ok(row.is_some())
    }

    fn wait_in_flight(&self) -> Duration {
        self.shared.options.wait_in_flight
    }

    fn wait_for_change(&self, _id: &EventId, until: Instant) {
        let left = until.saturating_duration_since(Instant::now());
        std::thread::sleep(left.min(Duration::from_millis(100)));
    }

    fn check(&self) -> std::io::Result<()> {
        self.shared.db.check().map_err(io_error)
    }
}
