//! Soak under faults: many calls from four threads, over SOAP and REST at once, against a
//! simulator that drops connections, stalls past the read timeout, answers 503, cuts bodies
//! short and expires sessions every few calls.
//!
//! It checks that every call ends in a success or an expected, typed error; that nothing
//! panics or hangs (a watchdog fails the test); that no write is applied twice, a write
//! reported `Ok` was applied exactly once and a write reported failed with a known outcome
//! was not applied at all; that the clients log in about once per session expiry, not once
//! per thread; and that the clients' memory is flat across the run.
//!
//! The default run (2,000 calls) is part of `cargo test`. The full run:
//!
//! ```text
//! PORTABILLING_SOAK_CALLS=20000 cargo test --release --test soak -- --nocapture
//! ```
// A test (bench, example) fails by panicking: unwrap and expect are its assertions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use portabilling::auth::MemoryStore;
use portabilling::error::{AuthErrorKind, TransportErrorKind};
use portabilling::sim::{Failure, Faults, SimConfig, Simulator};
use portabilling::{account, Client, Error, Protocol};

// ---------------------------------------------------------------------------------------
// Memory: a counting allocator that counts the live bytes allocated by the worker threads
// (the clients' memory: connections, sessions, requests, answers), not the simulator's
// threads, whose state rightly grows with every write it records.

struct Counting;

static LIVE: AtomicI64 = AtomicI64::new(0);
/// The live bytes of the whole process (simulator included), for the report.
static LIVE_ALL: AtomicI64 = AtomicI64::new(0);

thread_local! {
    static COUNTED: Cell<bool> = const { Cell::new(false) };
}

fn counted() -> bool {
    COUNTED.try_with(Cell::get).unwrap_or(false)
}

/// Runs `f` with this thread's allocations not counted (the test's own bookkeeping).
fn uncounted<R>(f: impl FnOnce() -> R) -> R {
    let was = counted();
    let _ = COUNTED.try_with(|c| c.set(false));
    let r = f();
    let _ = COUNTED.try_with(|c| c.set(was));
    r
}

// SAFETY: every method forwards to the system allocator unchanged; the counter is a side
// effect only.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            LIVE_ALL.fetch_add(layout.size() as i64, Ordering::Relaxed);
            if counted() {
                LIVE.fetch_add(layout.size() as i64, Ordering::Relaxed);
            }
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            LIVE_ALL.fetch_add(layout.size() as i64, Ordering::Relaxed);
            if counted() {
                LIVE.fetch_add(layout.size() as i64, Ordering::Relaxed);
            }
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE_ALL.fetch_sub(layout.size() as i64, Ordering::Relaxed);
        if counted() {
            LIVE.fetch_sub(layout.size() as i64, Ordering::Relaxed);
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            let change = new_size as i64 - layout.size() as i64;
            LIVE_ALL.fetch_add(change, Ordering::Relaxed);
            if counted() {
                LIVE.fetch_add(change, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// `VmRSS` and `VmHWM` from `/proc/self/status`, in KiB (0 where there is no procfs).
fn rss_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

// ---------------------------------------------------------------------------------------
// The calls and their outcomes.

const THREADS: usize = 4;
const ACCOUNTS: i64 = 50;
/// The run is sampled this many times.
const SEGMENTS: usize = 16;
/// Sessions expire after this many calls each.
const EXPIRE_AFTER: u64 = 10;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    /// `get_account_info`.
    Info(i64),
    /// `get_account_list` with a limit.
    List(i32),
    /// `stream_account_list`, read to the end.
    Stream(i32),
    /// `update_account` with a unique note.
    Update(i64),
    /// `add_account` with a unique id.
    Add,
}

impl Op {
    fn is_write(self) -> bool {
        matches!(self, Op::Update(_) | Op::Add)
    }
}

/// How a failed call ended, in the terms a caller sees.
#[derive(Clone, Debug)]
struct Failed {
    /// `transport/timeout`, `http/503`, … (see [`kind_of`]).
    kind: String,
    /// Whether the error says the request may have reached the server.
    outcome_unknown: bool,
    /// Whether the error came from logging in (`Session/login`) rather than the call itself.
    from_login: bool,
    /// Whether the kind is one the faults injected here can cause.
    expected: bool,
    /// The error's text, for unexpected kinds.
    message: String,
}

#[derive(Clone, Debug)]
struct Record {
    thread: usize,
    seq: usize,
    op: Op,
    protocol: Protocol,
    result: Result<(), Failed>,
}

/// The unique marker of a write: the note of an update, the id of a new account.
fn marker(thread: usize, seq: usize) -> String {
    format!("soak-{thread}-{seq}")
}

fn kind_of(e: &Error) -> (String, bool) {
    match e {
        Error::Transport(t) => {
            let kind = match t.kind {
                TransportErrorKind::Timeout => "timeout",
                TransportErrorKind::ConnectionLost => "connection_lost",
                TransportErrorKind::Io => "io",
                TransportErrorKind::Connect => "connect",
                other => return (format!("transport/{other:?}"), false),
            };
            (format!("transport/{kind}"), true)
        }
        Error::Http(h) => (format!("http/{}", h.status), h.status == 503),
        Error::Auth(a) => (
            format!("auth/{:?}", a.kind),
            a.kind == AuthErrorKind::SessionRejected,
        ),
        Error::Fault(f) => (format!("fault/{}", f.code), false),
        Error::Decode(_) => ("decode".into(), false),
        _ => ("other".into(), false),
    }
}

/// The method an error names: `login` when logging in failed.
fn error_method(e: &Error) -> Option<&str> {
    match e {
        Error::Transport(t) => Some(&t.method),
        Error::Http(h) => Some(&h.method),
        Error::Fault(f) => Some(&f.method),
        Error::Decode(d) => Some(&d.method),
        _ => None,
    }
}

fn failed(e: &Error) -> Failed {
    let (kind, expected) = kind_of(e);
    Failed {
        kind,
        outcome_unknown: e.outcome_unknown(),
        from_login: error_method(e) == Some("login"),
        expected,
        message: if expected {
            String::new()
        } else {
            e.to_string()
        },
    }
}

/// Runs one call and checks what a success returned.
fn run_op(client: &Client, op: Op, thread: usize, seq: usize) -> Result<(), Error> {
    match op {
        Op::Info(i) => {
            let reply = client
                .account()
                .get_account_info(&account::GetAccountInfoRequest {
                    i_account: Some(i),
                    ..Default::default()
                })?;
            let got = reply.account_info.and_then(|a| a.i_account);
            assert_eq!(
                got,
                Some(i),
                "get_account_info({i}) answered another account"
            );
        }
        Op::List(offset) => {
            let reply = client
                .account()
                .get_account_list(&account::GetAccountListRequest {
                    limit: Some(5),
                    offset: Some(offset),
                    ..Default::default()
                })?;
            assert_eq!(reply.account_list.len(), 5, "a page of 5 from {offset}");
            assert_eq!(
                reply.account_list[0].i_account,
                Some(i64::from(offset) + 1),
                "the page starts at {offset}"
            );
        }
        Op::Stream(offset) => {
            let stream = client
                .account()
                .stream_account_list(&account::GetAccountListRequest {
                    limit: Some(5),
                    offset: Some(offset),
                    ..Default::default()
                })?;
            let mut n = 0;
            for item in stream {
                let item = item?;
                assert_eq!(item.i_account, Some(i64::from(offset) + 1 + n));
                n += 1;
            }
            assert_eq!(n, 5, "a streamed page of 5 from {offset}");
        }
        Op::Update(i) => {
            let reply = client
                .account()
                .update_account(&account::UpdateAccountRequest {
                    account_info: Some(account::AccountInfo {
                        i_account: Some(i),
                        note: Some(marker(thread, seq)),
                        ..Default::default()
                    }),
                    ..Default::default()
                })?;
            assert_eq!(reply.i_account, Some(i));
        }
        Op::Add => {
            let reply = client.account().add_account(&account::AddAccountRequest {
                account_info: account::AccountInfo {
                    id: Some(marker(thread, seq)),
                    i_customer: Some(1),
                    ..Default::default()
                },
                ..Default::default()
            })?;
            assert!(reply.i_account.is_some_and(|i| i > ACCOUNTS));
        }
    }
    Ok(())
}

/// A small deterministic generator, so a failing run can be repeated.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn pick_op(rng: &mut Rng) -> Op {
    match rng.below(100) {
        0..=39 => Op::Info(1 + rng.below(ACCOUNTS as u64) as i64),
        40..=44 => Op::List(rng.below(ACCOUNTS as u64 - 5) as i32),
        45..=49 => Op::Stream(rng.below(ACCOUNTS as u64 - 5) as i32),
        50..=84 => Op::Update(1 + rng.below(ACCOUNTS as u64) as i64),
        _ => Op::Add,
    }
}

/// The marker of each write the simulator applied, with how many times it was applied.
fn applied_writes(writes: &BTreeMap<String, u64>) -> HashMap<String, u64> {
    let mut out = HashMap::new();
    for (key, count) in writes {
        let Some(start) = key.find("\"soak-") else {
            continue;
        };
        let rest = &key[start + 1..];
        let end = rest.find('"').unwrap_or(rest.len());
        *out.entry(rest[..end].to_string()).or_insert(0) += count;
    }
    out
}

#[derive(Clone, Copy, Debug, Default)]
struct Sample {
    calls: usize,
    live_bytes: i64,
    process_live_bytes: i64,
    rss_kib: u64,
    hwm_kib: u64,
}

fn soak_calls() -> usize {
    std::env::var("PORTABILLING_SOAK_CALLS")
        .ok()
        .and_then(|v| v.trim().replace('_', "").parse().ok())
        .unwrap_or(2_000)
}

#[test]
fn soak_under_faults() {
    let requested = soak_calls().max(THREADS * SEGMENTS * 4);
    // The run is cut in SEGMENTS parts (four a quarter); each thread makes the same number
    // of calls in each, and memory is sampled at the end of each.
    let per_segment = requested.div_ceil(THREADS * SEGMENTS);
    let total = per_segment * THREADS * SEGMENTS;
    let read_timeout = Duration::from_millis(250);
    let faults = Faults {
        expire_sessions_after: Some(EXPIRE_AFTER),
        delay: Duration::ZERO,
        latency: Duration::ZERO,
        slow_probability: 0.01,
        // Beyond the read timeout: the client gives up on these.
        slow_delay: Duration::from_millis(400),
        drop_probability: 0.02,
        truncate_probability: 0.02,
        unavailable_probability: 0.03,
        seed: 0x5eed_50a4,
    };
    let sim = Simulator::start(SimConfig {
        accounts: ACCOUNTS as usize,
        faults: faults.clone(),
        ..SimConfig::default()
    })
    .unwrap();
    let build = |protocol| {
        Client::builder(sim.url())
            .login(sim.login(), sim.password())
            .protocol(protocol)
            .read_timeout(read_timeout)
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(5))
            .retries(2)
            .build()
            .unwrap()
    };
    let clients = [build(Protocol::Soap), build(Protocol::Rest)];

    // The watchdog: the run must end well within this, whatever the faults do. A call takes
    // at most a few seconds (three attempts of at most the whole-call limit), and most take
    // a millisecond or so.
    let watchdog = Duration::from_secs(120) + Duration::from_millis(30) * total as u32;
    let started = Instant::now();
    let barrier = Arc::new(Barrier::new(THREADS));
    let samples = Arc::new(Mutex::new(Vec::<Sample>::new()));
    let done_calls = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = mpsc::channel::<(usize, Vec<Record>)>();
    for thread in 0..THREADS {
        let clients = clients.clone();
        let (barrier, samples, done_calls, tx) = (
            Arc::clone(&barrier),
            Arc::clone(&samples),
            Arc::clone(&done_calls),
            tx.clone(),
        );
        std::thread::Builder::new()
            .name(format!("soak-{thread}"))
            .spawn(move || {
                let mut records = Vec::with_capacity(per_segment * SEGMENTS);
                let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ ((thread as u64 + 1) * 0x1234_5678));
                COUNTED.with(|c| c.set(true));
                for segment in 0..SEGMENTS {
                    for k in 0..per_segment {
                        let seq = segment * per_segment + k;
                        let op = pick_op(&mut rng);
                        let protocol = if rng.below(2) == 0 {
                            Protocol::Soap
                        } else {
                            Protocol::Rest
                        };
                        let client = &clients[usize::from(protocol == Protocol::Rest)];
                        let result = run_op(client, op, thread, seq);
                        uncounted(|| {
                            records.push(Record {
                                thread,
                                seq,
                                op,
                                protocol,
                                result: result.as_ref().map(|_| ()).map_err(failed),
                            })
                        });
                        drop(result);
                        done_calls.fetch_add(1, Ordering::Relaxed);
                    }
                    // Every thread stops between segments, so the sample sees no call in
                    // flight: only what the clients keep.
                    if barrier.wait().is_leader() {
                        let live = LIVE.load(Ordering::SeqCst);
                        let live_all = LIVE_ALL.load(Ordering::SeqCst);
                        uncounted(|| {
                            let (rss, hwm) = rss_kib();
                            samples.lock().unwrap().push(Sample {
                                calls: done_calls.load(Ordering::SeqCst),
                                live_bytes: live,
                                process_live_bytes: live_all,
                                rss_kib: rss,
                                hwm_kib: hwm,
                            });
                        });
                    }
                    barrier.wait();
                }
                COUNTED.with(|c| c.set(false));
                let _ = tx.send((thread, records));
            })
            .unwrap();
    }
    drop(tx);
    let mut records = Vec::with_capacity(total);
    for _ in 0..THREADS {
        let left = watchdog.saturating_sub(started.elapsed());
        match rx.recv_timeout(left) {
            Ok((_, mut r)) => records.append(&mut r),
            Err(mpsc::RecvTimeoutError::Timeout) => panic!(
                "the soak hangs: {} of {total} calls done after {:?}",
                done_calls.load(Ordering::SeqCst),
                started.elapsed()
            ),
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                panic!("a worker thread panicked (see above)")
            }
        }
    }
    let elapsed = started.elapsed();
    // A write stalled past the read timeout is applied when the stall ends: let the last
    // ones land before counting.
    std::thread::sleep(faults.slow_delay * 2);
    let stats = sim.stats();
    assert_eq!(records.len(), total, "every call has a record");

    // Outcomes.
    let mut ok = 0u64;
    let mut by_kind: BTreeMap<String, u64> = BTreeMap::new();
    let mut unexpected = Vec::new();
    let mut login_failures = 0u64;
    let mut by_protocol: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for r in &records {
        let entry = by_protocol.entry(r.protocol.to_string()).or_default();
        match &r.result {
            Ok(()) => {
                ok += 1;
                entry.0 += 1;
            }
            Err(f) => {
                entry.1 += 1;
                let key = if f.from_login {
                    login_failures += 1;
                    format!("{} (while logging in)", f.kind)
                } else {
                    f.kind.clone()
                };
                *by_kind.entry(key).or_insert(0) += 1;
                if !f.expected {
                    unexpected.push(format!("{:?} {}: {}", r.op, r.protocol, f.message));
                }
            }
        }
    }

    // Writes: none applied twice; an Ok one applied exactly once; one that failed with a
    // known outcome not applied at all.
    let applied = applied_writes(&stats.writes);
    let mut write_problems = Vec::new();
    let (mut writes, mut writes_ok, mut writes_unknown) = (0u64, 0u64, 0u64);
    for r in records.iter().filter(|r| r.op.is_write()) {
        writes += 1;
        let m = marker(r.thread, r.seq);
        let count = applied.get(&m).copied().unwrap_or(0);
        match &r.result {
            Ok(()) => {
                writes_ok += 1;
                if count != 1 {
                    write_problems
                        .push(format!("{m} ({:?}) was Ok but applied {count} times", r.op));
                }
            }
            Err(f) if f.outcome_unknown => {
                writes_unknown += 1;
                if count > 1 {
                    write_problems.push(format!("{m} ({:?}) was applied {count} times", r.op));
                }
            }
            Err(f) => {
                if count != 0 {
                    write_problems.push(format!(
                        "{m} ({:?}) failed with {} (outcome known) but was applied {count} times",
                        r.op, f.kind
                    ));
                }
            }
        }
    }

    // Logins: each session serves EXPIRE_AFTER calls and is then refused, so the calls the
    // simulator handled bound the number of expiries. Each expiry needs one login per
    // client; one session per client is still alive at the end; a login whose answer was
    // lost (dropped, cut short) made a session nobody uses, and shows as a failed call.
    let handled: u64 = stats
        .calls
        .iter()
        .filter(|(k, _)| !k.starts_with("Session/"))
        .map(|(_, v)| v)
        .sum();
    let expiries = handled / EXPIRE_AFTER;
    let client_logins: u64 = clients.iter().map(Client::logins).sum();
    let login_bound = expiries + clients.len() as u64 + login_failures;

    let samples = samples.lock().unwrap().clone();
    let (_, hwm_now) = rss_kib();
    // The connection pool keeps between one and several idle connections, with about 260 KB
    // of buffers each, a number that goes up and down between samples. So each quarter is
    // judged by its lowest sample (a leak raises all of them), and the last quarter's may
    // not exceed the first's by more than a few connections' worth. A leak of 1 KB a call
    // is above that in the default run, of 100 bytes a call in the full one.
    let floor = |quarter: usize| {
        samples[quarter * SEGMENTS / 4..(quarter + 1) * SEGMENTS / 4]
            .iter()
            .min_by_key(|s| s.live_bytes)
            .copied()
            .unwrap()
    };
    let (first, last) = (floor(0), floor(3));
    let margin = 1024 * 1024 + first.live_bytes / 10;

    println!("soak: {total} calls in {elapsed:.1?} from {THREADS} threads over SOAP and REST");
    println!(
        "soak: {ok} ok, {} failed with a typed error",
        total as u64 - ok
    );
    for (p, (good, bad)) in &by_protocol {
        println!("soak:   {p}: {good} ok, {bad} failed");
    }
    for (kind, n) in &by_kind {
        println!("soak:   {kind}: {n}");
    }
    println!(
        "soak: writes: {writes} ({writes_ok} ok, each applied once; {writes_unknown} with an unknown outcome; max applied {} time(s))",
        stats.max_write_count()
    );
    println!(
        "soak: simulator: {} requests, {} calls handled, {} faults injected, {} connections",
        stats.requests,
        stats.calls.values().sum::<u64>(),
        stats.injected,
        stats.connections
    );
    println!(
        "soak: logins: {} at the simulator ({} completed by the clients, {login_failures} lost), {expiries} session expiries at most (one every {EXPIRE_AFTER} calls); bound {login_bound}",
        stats.logins, client_logins
    );
    for s in samples.iter().skip(SEGMENTS / 4 - 1).step_by(SEGMENTS / 4) {
        println!(
            "soak: memory after {:>6} calls: clients {:>9} bytes live (process {:>10}, the simulator's state included); RSS {} KiB, peak {} KiB",
            s.calls, s.live_bytes, s.process_live_bytes, s.rss_kib, s.hwm_kib
        );
    }
    println!(
        "soak: clients' live memory, lowest sample of each quarter: {} bytes (margin {margin})",
        (0..4)
            .map(|q| floor(q).live_bytes.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!("soak: peak RSS of the process (simulator included): {hwm_now} KiB");

    assert!(
        unexpected.is_empty(),
        "{} calls ended in an error the faults do not explain:\n{}",
        unexpected.len(),
        unexpected.join("\n")
    );
    assert!(
        stats.max_write_count() <= 1,
        "a write was applied {} times",
        stats.max_write_count()
    );
    assert!(write_problems.is_empty(), "{}", write_problems.join("\n"));
    // The run must have exercised the faults, or it proves nothing.
    assert!(
        stats.injected as usize >= total / 50,
        "{} faults",
        stats.injected
    );
    assert!(expiries as usize >= total / 20, "{expiries} expiries");
    assert!(ok as usize >= total / 2, "{ok} of {total} ok");
    assert!(
        stats.logins <= login_bound,
        "{} logins for at most {expiries} expiries ({login_failures} lost logins): more than one login per expiry",
        stats.logins
    );
    assert!(client_logins <= expiries + clients.len() as u64);
    assert!(
        last.live_bytes <= first.live_bytes + margin,
        "the clients' memory grew from {} bytes (the first quarter's lowest, after {} calls) to {} bytes (the last quarter's lowest, after {} calls)",
        first.live_bytes,
        first.calls,
        last.live_bytes,
        last.calls
    );
}

// ---------------------------------------------------------------------------------------
// Regressions the soak found, made deterministic.

/// A call refused with a session that another client (or thread) had just made, and that has
/// expired as well, renews again instead of failing with "refused again right after it was
/// renewed": the call never renewed anything itself.
#[test]
fn a_call_refused_with_an_adopted_session_renews_again() {
    let sim = Simulator::start(SimConfig {
        accounts: 2,
        ..SimConfig::default()
    })
    .unwrap();
    for protocol in [Protocol::Soap, Protocol::Rest] {
        let store = Arc::new(MemoryStore::new());
        let build = || {
            Client::builder(sim.url())
                .login(sim.login(), sim.password())
                .protocol(protocol)
                .session_store(store.clone())
                .build()
                .unwrap()
        };
        let (x, y) = (build(), build());
        let info = account::GetAccountInfoRequest {
            i_account: Some(2),
            ..Default::default()
        };
        x.login().unwrap();
        y.account().get_account_info(&info).unwrap();
        // The session both use expires; y renews it, and that one expires too.
        sim.expire_sessions();
        y.account().get_account_info(&info).unwrap();
        sim.expire_sessions();
        let logins = sim.stats().logins;
        // x is refused with the first session, adopts y's from the store, is refused again:
        // it must log in itself rather than give up.
        let reply = x.account().get_account_info(&info);
        assert!(reply.is_ok(), "{protocol}: {:?}", reply.err());
        assert_eq!(sim.stats().logins, logins + 1, "{protocol}: one login");
    }
}

/// A session this call logged in for, refused again, still ends the call at once (no loop).
#[test]
fn a_fresh_session_refused_again_ends_the_call() {
    let sim = Simulator::start(SimConfig {
        accounts: 1,
        faults: Faults {
            expire_sessions_after: Some(0),
            ..Faults::default()
        },
        ..SimConfig::default()
    })
    .unwrap();
    for protocol in [Protocol::Soap, Protocol::Rest] {
        let c = Client::builder(sim.url())
            .login(sim.login(), sim.password())
            .protocol(protocol)
            .build()
            .unwrap();
        let err = c
            .account()
            .stream_account_list(&account::GetAccountListRequest::default())
            .map(|_| ())
            .unwrap_err();
        assert!(
            matches!(&err, Error::Auth(a) if a.kind == AuthErrorKind::SessionRejected),
            "{protocol}: {err}"
        );
        assert_eq!(c.logins(), 2, "{protocol}: one login, one renewal");
    }
}

/// A connection lost in the middle of a streamed list is a transport error (the request
/// reached the server), over SOAP as over REST, not an XML decoding error.
#[test]
fn a_list_cut_short_while_streaming_is_a_transport_error() {
    let sim = Simulator::start(SimConfig {
        accounts: 40,
        ..SimConfig::default()
    })
    .unwrap();
    for protocol in [Protocol::Soap, Protocol::Rest] {
        let c = Client::builder(sim.url())
            .login(sim.login(), sim.password())
            .protocol(protocol)
            .retries(0)
            .build()
            .unwrap();
        c.login().unwrap();
        sim.fail_next(Some("get_account_list"), Failure::Truncate);
        let stream = c
            .account()
            .stream_account_list(&account::GetAccountListRequest::default())
            .unwrap();
        let mut items = 0;
        let mut failure = None;
        for item in stream {
            match item {
                Ok(_) => items += 1,
                Err(e) => failure = Some(e),
            }
        }
        let err = failure.unwrap_or_else(|| panic!("{protocol}: {items} items and no error"));
        assert!(items < 40, "{protocol}: {items} items");
        assert!(
            err.is_transport() && err.outcome_unknown(),
            "{protocol}: {err:?}"
        );
    }
}
