//! The command over a real PostgreSQL (`PORTABILLING_TEST_POSTGRES`, see
//! tests/support/postgres.rs; without it each test says it was skipped): ESPF listener
//! replicas sharing one de-dup store, a replica killed while it handles an event, the database
//! restarted under a listener, processes sharing one login and one rate limit. The simulator
//! is the billing server; the listeners and callers are the binary, in processes of their own.
//! Each test prints what it measured (`--nocapture` shows it).

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use portabilling::espf::{basic_authorization, format_http_date};
use portabilling::sim::{SimConfig, Simulator};
use serde_json::{json, Value};

use crate::support::postgres::{self as pg, Restart, Server};
use crate::support::scratch::Scratch;

const BIN: &str = env!("CARGO_BIN_EXE_portabilling");
const ESPF_USER: &str = "espf";
const ESPF_PASSWORD: &str = "espf-pg-S3cret-9d2e";

fn sim() -> Simulator {
    Simulator::start(SimConfig {
        accounts: 50,
        ..SimConfig::default()
    })
    .expect("the simulator starts")
}

fn scratch(name: &str) -> Scratch {
    Scratch::new(&format!("pg-{name}"))
}

/// The binary with the simulator's connection settings (in the environment, as a service
/// would have them).
fn command(sim: &Simulator) -> Command {
    let mut c = Command::new(BIN);
    c.env("PORTABILLING_URL", sim.url())
        .env("PORTABILLING_LOGIN", sim.login())
        .env("PORTABILLING_PASSWORD", sim.password())
        .env_remove("PORTABILLING_SESSION_STORE")
        .env_remove("PORTABILLING_SESSION_FILE")
        .env_remove("PORTABILLING_RATE_LIMIT")
        .env_remove("PORTABILLING_ESPF_STORE");
    c
}

/// A listener replica: `espf listen` in a process group of its own, so that killing it kills
/// the commands it runs too.
struct Replica {
    child: Child,
    url: String,
    logs: Arc<Mutex<Vec<String>>>,
}

impl Replica {
    fn start(sim: &Simulator, args: &[&str]) -> Replica {
        let mut c = command(sim);
        c.args([
            "espf",
            "listen",
            "--bind",
            "127.0.0.1:0",
            "--auth-basic",
            &format!("{ESPF_USER}:{ESPF_PASSWORD}"),
        ])
        .args(args)
        .process_group(0)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let mut child = c.spawn().expect("the listener starts");
        let logs = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel();
        for stream in [
            Box::new(child.stdout.take().expect("stdout")) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().expect("stderr")),
        ] {
            let (tx, logs) = (tx.clone(), Arc::clone(&logs));
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if let Some(at) = line.find("listening for ESPF events on ") {
                        let url = line[at..]
                            .split_whitespace()
                            .last()
                            .unwrap_or("")
                            .to_string();
                        let _ = tx.send(url);
                    }
                    logs.lock().unwrap().push(line);
                }
            });
        }
        let url = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(url) => url,
            Err(_) => panic!(
                "the listener did not start:\n{}",
                logs.lock().unwrap().join("\n")
            ),
        };
        Replica { child, url, logs }
    }

    /// SIGKILL to the replica and everything it started.
    fn kill(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.wait();
    }

    fn get(&self, path: &str) -> (u16, String) {
        let agent = agent();
        let mut response = agent
            .get(format!("{}{}", self.url.trim_end_matches('/'), path))
            .call()
            .expect("the listener answers");
        let status = response.status().as_u16();
        (
            status,
            response.body_mut().read_to_string().unwrap_or_default(),
        )
    }

    fn logs(&self) -> String {
        self.logs.lock().unwrap().join("\n")
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        self.kill();
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build(),
    )
}

/// POSTs an account event; the answer's status and its `status` field.
fn post(url: &str, i_event: &str, i_account: i64) -> (u16, String) {
    let body = json!({
        "event_type": "Subscriber/Updated",
        "variables": {"i_event": i_event, "i_account": i_account},
    })
    .to_string();
    let response = agent()
        .post(url)
        .header("Date", format_http_date(SystemTime::now()))
        .header(
            "Authorization",
            basic_authorization(ESPF_USER, ESPF_PASSWORD),
        )
        .content_type("application/json")
        .send(body.as_bytes());
    match response {
        Ok(mut r) => {
            let status = r.status().as_u16();
            let text = r.body_mut().read_to_string().unwrap_or_default();
            let outcome = serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|v| v["status"].as_str().map(str::to_string))
                .unwrap_or(text);
            (status, outcome)
        }
        Err(e) => (0, e.to_string()),
    }
}

/// Lines of `path` that hold the event `i_event` (JSON lines carry it as `"i_event":"…"`).
fn lines_with(path: &Path, i_event: &str) -> usize {
    let needle = format!("\"i_event\":\"{i_event}\"");
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains(&needle))
        .count()
}

/// Event ids no earlier run used.
fn event_ids(n: usize) -> Vec<String> {
    let base = pg::unique("");
    (0..n).map(|i| format!("{base}-{i}")).collect()
}

#[test]
fn two_replicas_on_one_database_run_each_event_once() {
    let Some(db) = pg::url("two_replicas_on_one_database_run_each_event_once") else {
        return;
    };
    let _serial = pg::serial();
    let sim = sim();
    let dir = scratch("replicas");
    let (a_out, b_out) = (dir.join("a.jsonl"), dir.join("b.jsonl"));
    let start = |out: &Path| {
        Replica::start(
            &sim,
            &[
                "--store",
                &db,
                "--session-store",
                &db,
                "--jsonl",
                out.to_str().unwrap(),
            ],
        )
    };
    let (a, b) = (start(&a_out), start(&b_out));

    // The same event posted to both at once, then again to both: handled once.
    let ids = event_ids(201);
    let first = &ids[0];
    let answers: Vec<(u16, String)> = std::thread::scope(|s| {
        let both: Vec<_> = [&a, &b]
            .into_iter()
            .map(|r| s.spawn(|| post(&r.url, first, 7)))
            .collect();
        both.into_iter().map(|t| t.join().unwrap()).collect()
    });
    let again = [post(&a.url, first, 7), post(&b.url, first, 7)];
    let outcomes: Vec<&str> = answers
        .iter()
        .chain(again.iter())
        .map(|(status, outcome)| {
            assert_eq!(*status, 200, "{answers:?} {again:?}");
            outcome.as_str()
        })
        .collect();
    assert_eq!(
        outcomes.iter().filter(|o| **o == "handled").count(),
        1,
        "{outcomes:?}"
    );
    assert_eq!(lines_with(&a_out, first) + lines_with(&b_out, first), 1);

    // Throughput: 200 events over 8 connections, alternating between the replicas.
    let rest = &ids[1..];
    let started = Instant::now();
    std::thread::scope(|s| {
        for chunk in rest.chunks(rest.len().div_ceil(8)) {
            let (a, b) = (&a.url, &b.url);
            s.spawn(move || {
                for (k, id) in chunk.iter().enumerate() {
                    let url = if k % 2 == 0 { a } else { b };
                    let (status, outcome) = post(url, id, 1 + (k as i64 % 50));
                    assert_eq!((status, outcome.as_str()), (200, "handled"));
                }
            });
        }
    });
    let elapsed = started.elapsed();
    pg::say(&format!(
        "MEASURED two replicas on one database: {} events in {:.2} s = {:.0} events/s (fetched over SOAP, hand-off to fsynced JSONL, debug build)",
        rest.len(),
        elapsed.as_secs_f64(),
        rest.len() as f64 / elapsed.as_secs_f64()
    ));
    for id in rest {
        assert_eq!(lines_with(&a_out, id) + lines_with(&b_out, id), 1, "{id}");
    }
    // Both replicas share one login through the session store.
    assert_eq!(sim.stats().logins, 1, "one login for both replicas");

    let (status, metrics) = a.get("/metrics");
    assert_eq!(status, 200);
    for expected in [
        "portabilling_espf_events_received_total ",
        "portabilling_espf_events_total{result=\"handled\",reason=\"handled\"} ",
        "portabilling_api_calls_total{service=\"Account\",method=\"get_account_info\",outcome=\"ok\"} ",
        "portabilling_api_call_duration_seconds_bucket{service=\"Account\",method=\"get_account_info\",le=\"+Inf\"} ",
        "portabilling_logins_total ",
    ] {
        assert!(metrics.contains(expected), "{expected} in\n{metrics}");
    }
    assert_eq!(a.get("/healthz").0, 200);
    assert_eq!(b.get("/readyz"), (200, "ready\n".to_string()));
    // One structured line per event.
    assert!(a.logs().contains("ESPF event"), "{}", a.logs());
}

#[test]
fn a_replica_killed_while_running_an_event_is_taken_over_after_its_lease() {
    let name = "a_replica_killed_while_running_an_event_is_taken_over_after_its_lease";
    let Some(db) = pg::url(name) else {
        return;
    };
    let _serial = pg::serial();
    let sim = sim();
    let dir = scratch("takeover");
    let (started, handled) = (dir.join("started"), dir.join("handled"));
    let lease = Duration::from_secs(3);
    let lease_arg = lease.as_secs().to_string();
    let slow = format!(
        "echo \"$ESPF_I_EVENT\" >> {}; sleep 60; cat >> {}",
        started.display(),
        handled.display()
    );
    let quick = format!("cat >> {}", handled.display());
    let common = ["--store", &db, "--lease", &lease_arg, "--no-fetch"];
    let mut a = Replica::start(&sim, &[&common[..], &["--exec", &slow]].concat());
    let b = Replica::start(&sim, &[&common[..], &["--exec", &quick]].concat());
    let id = event_ids(1).remove(0);

    // A claims the event and runs the slow command; it is killed in the middle.
    let first = {
        let (url, id) = (a.url.clone(), id.clone());
        std::thread::spawn(move || post(&url, &id, 3))
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while !std::fs::read_to_string(&started)
        .unwrap_or_default()
        .contains(id.as_str())
    {
        assert!(Instant::now() < deadline, "A never ran the event");
        std::thread::sleep(Duration::from_millis(20));
    }
    a.kill();
    let killed = Instant::now();
    assert_eq!(first.join().unwrap().0, 0, "A died without answering");

    // ESPF re-sends the event; B takes it over once A's lease has run out.
    let mut tries = 0;
    let takeover = loop {
        tries += 1;
        let (status, outcome) = post(&b.url, &id, 3);
        if status == 200 {
            assert_eq!(outcome, "handled");
            break killed.elapsed();
        }
        assert_eq!(status, 503, "{outcome}");
        assert!(
            killed.elapsed() < Duration::from_secs(60),
            "B never took the event over:\n{}",
            b.logs()
        );
    };
    pg::say(&format!(
        "MEASURED lease takeover: B handled the event {:.2} s after A was killed (lease {} s, {} deliveries to B)",
        takeover.as_secs_f64(),
        lease.as_secs(),
        tries
    ));
    // Not before A's lease could have run out (it was renewed at most a third of it ago).
    assert!(takeover >= lease / 2, "{takeover:?}");
    assert_eq!(lines_with(&handled, &id), 1);
    // Delivered again, to B and to a new replica: a duplicate, never run again.
    assert_eq!(post(&b.url, &id, 3), (200, "duplicate".to_string()));
    let c = Replica::start(&sim, &[&common[..], &["--exec", &quick]].concat());
    assert_eq!(post(&c.url, &id, 3), (200, "duplicate".to_string()));
    assert_eq!(lines_with(&handled, &id), 1);
}

#[test]
fn a_listener_answers_retryably_while_the_database_restarts_and_recovers_by_itself() {
    let name = "a_listener_answers_retryably_while_the_database_restarts_and_recovers_by_itself";
    let Some(db) = pg::url(name) else {
        return;
    };
    let server = match Server::find(&db) {
        Ok(server) => server,
        Err(why) => {
            pg::say(&format!(
                "SKIPPED {name}: cannot stop and start the test server: {why}"
            ));
            return;
        }
    };
    let _serial = pg::serial();
    let sim = sim();
    let dir = scratch("restart");
    let out = dir.join("events.jsonl");
    let replica = Replica::start(
        &sim,
        &[
            "--store",
            &db,
            "--session-store",
            &db,
            "--jsonl",
            out.to_str().unwrap(),
        ],
    );
    let ids = event_ids(3);
    assert_eq!(post(&replica.url, &ids[0], 5), (200, "handled".into()));
    assert_eq!(replica.get("/readyz").0, 200);

    let _restart_on_failure = Restart(&server);
    server.stop();
    for _ in 0..3 {
        let (status, outcome) = post(&replica.url, &ids[1], 6);
        assert_eq!((status, outcome.as_str()), (503, "retry"));
    }
    let (status, why) = replica.get("/readyz");
    assert_eq!(status, 503, "{why}");
    assert!(why.contains("de-duplication store"), "{why}");
    assert!(!why.contains(sim.password()), "{why}");
    assert_eq!(replica.get("/healthz").0, 200);
    server.start();

    // Without a restart of the listener: the next deliveries are handled.
    assert_eq!(post(&replica.url, &ids[1], 6), (200, "handled".into()));
    assert_eq!(post(&replica.url, &ids[2], 7), (200, "handled".into()));
    assert_eq!(post(&replica.url, &ids[0], 5), (200, "duplicate".into()));
    assert_eq!(replica.get("/readyz").0, 200);
    for id in &ids {
        assert_eq!(lines_with(&out, id), 1, "{id}");
    }
    let metrics = replica.get("/metrics").1;
    assert!(
        metrics.contains("portabilling_espf_events_total{result=\"failed\",reason=\"retry\"} 3"),
        "{metrics}"
    );
}

/// Runs `n` processes of the binary at once, each with `args`, and checks they succeed.
fn together(sim: &Simulator, n: usize, args: &[&str]) {
    let children: Vec<Child> = (0..n)
        .map(|_| {
            command(sim)
                .args(args)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("the binary starts")
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().expect("the binary ends");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn processes_on_one_database_share_one_login_and_one_more_after_an_expiry() {
    let name = "processes_on_one_database_share_one_login_and_one_more_after_an_expiry";
    let Some(db) = pg::url(name) else {
        return;
    };
    let _serial = pg::serial();
    let sim = sim();
    let key = format!("{}|{}", sim.url(), sim.login());
    let mut check = pg::connect(&db);
    let _ = check.execute("DELETE FROM portabilling_sessions WHERE key = $1", &[&key]);
    let call = [
        "call",
        "--session-store",
        &db,
        "Account",
        "get_account_info",
        r#"{"i_account": 3}"#,
    ];
    // 3 by default; PORTABILLING_TEST_PROCESSES measures more.
    let n = std::env::var("PORTABILLING_TEST_PROCESSES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    together(&sim, n, &call);
    let first = sim.stats().logins;
    sim.expire_sessions();
    together(&sim, n, &call);
    let second = sim.stats().logins;
    pg::say(&format!(
        "MEASURED logins for {n} processes on one session store: {first}; after an expiry, {} more",
        second - first
    ));
    assert_eq!((first, second), (1, 2));

    // The stored session is sealed: no session id or token in the table.
    let row = check
        .query_one(
            "SELECT sealed, nonce FROM portabilling_sessions WHERE key = $1",
            &[&key],
        )
        .expect("a stored session");
    let (sealed, nonce): (Vec<u8>, Vec<u8>) = (row.get(0), row.get(1));
    let stored = format!(
        "{}{}",
        String::from_utf8_lossy(&sealed),
        String::from_utf8_lossy(&nonce)
    );
    for secret in sim.issued_secrets() {
        assert!(!stored.contains(&secret), "a session in plain text");
    }
    assert!(!stored.contains("session_id"));
}

#[test]
fn processes_on_one_database_share_one_rate_limit() {
    let Some(db) = pg::url("processes_on_one_database_share_one_rate_limit") else {
        return;
    };
    let _serial = pg::serial();
    let sim = sim();
    let key = format!("{}|{}", sim.url(), sim.login());
    let _ = pg::connect(&db).execute(
        "DELETE FROM portabilling_rate_limits WHERE key = $1",
        &[&key],
    );
    const RATE: f64 = 50.0;
    let seconds: f64 = std::env::var("PORTABILLING_TEST_RATE_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20.0);
    let per_process = (RATE * seconds / 3.0).ceil() as usize;
    let dir = scratch("rate");
    let input = dir.join("calls.jsonl");
    let calls: String = (0..per_process)
        .map(|i| {
            format!(
                "{}\n",
                json!({"id": format!("c{i}"), "service": "Account", "method": "get_account_info",
                       "params": {"i_account": 1 + i % 50}})
            )
        })
        .collect();
    std::fs::write(&input, calls).unwrap();
    let rate = RATE.to_string();
    let children: Vec<Child> = (0..3)
        .map(|i| {
            let output = dir.join(format!("out{i}.jsonl"));
            command(&sim)
                .args([
                    "batch",
                    "--session-store",
                    &db,
                    "--rate-limit",
                    &rate,
                    "--quiet",
                ])
                .args(["--concurrency", "4", "--input"])
                .arg(&input)
                .arg("--output")
                .arg(&output)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("the binary starts")
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let arrivals = sim.arrivals();
    assert!(arrivals.len() >= 3 * per_process, "{}", arrivals.len());
    // The rate over the run, after the first second (whose burst the limit allows).
    let (first, last) = (arrivals[0], arrivals[arrivals.len() - 1]);
    let from = first + Duration::from_secs(1);
    let counted = arrivals.iter().filter(|t| **t >= from).count();
    let span = last.duration_since(from).as_secs_f64();
    let measured = (counted.saturating_sub(1)) as f64 / span;
    // The busiest second anywhere in the run, the first included.
    let busiest = arrivals
        .iter()
        .enumerate()
        .map(|(i, t)| {
            arrivals[i..]
                .iter()
                .take_while(|u| u.duration_since(*t) < Duration::from_secs(1))
                .count()
        })
        .max()
        .unwrap_or(0);
    pg::say(&format!(
        "MEASURED rate limit of {RATE}/s shared by 3 processes: {measured:.2} calls/s at the simulator over {span:.1} s ({} requests), busiest second {busiest}",
        arrivals.len()
    ));
    assert!(
        (RATE * 0.9..=RATE * 1.1).contains(&measured),
        "{measured:.2} calls/s"
    );
    assert!(
        busiest as f64 <= RATE * 1.1 + 5.0,
        "{busiest} in one second"
    );
}
