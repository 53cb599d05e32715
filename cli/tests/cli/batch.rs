//! `portabilling batch` against the simulator: kill and resume, unknown outcomes, exit codes.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::scratch::Scratch;
use portabilling::sim::{Failure, Faults, SimConfig, Simulator};
use serde_json::{json, Value};

/// `portabilling batch` against `sim`, quiet, reading `input` and writing `output`.
fn batch(sim: &Simulator, input: &Path, output: &Path) -> Command {
    let mut c = crate::portabilling();
    c.args(["batch", "--url", &sim.url(), "--login", sim.login()])
        .args(["--password", sim.password(), "--quiet"])
        .arg("--input")
        .arg(input)
        .arg("--output")
        .arg(output);
    c
}

fn results(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn write_input(path: &Path, calls: &[Value]) {
    let mut f = std::fs::File::create(path).unwrap();
    for c in calls {
        writeln!(f, "{c}").unwrap();
    }
}

#[test]
fn a_batch_killed_halfway_resumes_without_sending_any_call_twice() {
    let sim = Simulator::start(SimConfig {
        accounts: 20,
        faults: Faults {
            delay: Duration::from_millis(8),
            ..Faults::default()
        },
        ..SimConfig::default()
    })
    .unwrap();
    let dir = Scratch::new("batch-kill");
    let input = dir.join("calls.jsonl");
    let output = dir.join("results.jsonl");
    let calls: Vec<Value> = (0..500)
        .map(|n| {
            if n % 5 == 4 {
                json!({"id": format!("r{n}"), "service": "Account", "method": "get_account_info", "params": {"i_account": 1 + n % 20}})
            } else {
                json!({"id": format!("w{n}"), "service": "Account", "method": "add_account", "params": {"account_info": {"id": format!("batch-{n}"), "i_customer": 1}}})
            }
        })
        .collect();
    write_input(&input, &calls);
    let args = |resume: bool| {
        let mut c = batch(&sim, &input, &output);
        c.stdout(Stdio::null()).stderr(Stdio::null());
        if resume {
            c.arg("--resume");
        }
        c
    };
    let mut child = args(false).spawn().unwrap();
    let started = Instant::now();
    while results(&output).len() < 200 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the batch made no progress"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the batch ended before it was killed"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let before = results(&output).len();
    assert!(before < 500, "killed too late to test anything");

    // Running again without --resume is refused: it would send everything again.
    let refused = args(false).status().unwrap();
    assert_eq!(refused.code(), Some(2));

    let status = args(true).status().unwrap();
    let lines = results(&output);
    let mut seen = HashMap::new();
    for line in &lines {
        *seen
            .entry(line["id"].as_str().unwrap().to_string())
            .or_insert(0) += 1;
    }
    assert_eq!(lines.len(), 500, "one result per call");
    assert_eq!(seen.len(), 500);
    assert!(seen.values().all(|&n| n == 1), "a call has two results");
    let stats = sim.stats();
    assert_eq!(stats.max_write_count(), 1, "a write was applied twice");
    let applied = stats.calls.get("Account/add_account").copied().unwrap_or(0);
    let ok_writes = lines
        .iter()
        .filter(|l| l["method"] == "add_account" && l["status"] == "ok")
        .count() as u64;
    let unknown = lines.iter().filter(|l| l["status"] == "unknown").count() as u64;
    assert!(
        applied >= ok_writes && applied <= ok_writes + unknown,
        "applied {applied}, ok {ok_writes}, unknown {unknown}"
    );
    assert_eq!(status.code(), if unknown == 0 { Some(0) } else { Some(5) });
    let reads_sent = stats
        .calls
        .get("Account/get_account_info")
        .copied()
        .unwrap_or(0);
    assert!(reads_sent >= 100, "every read has a result");
}

#[test]
fn a_dropped_write_is_reported_as_unknown_and_not_resent() {
    let sim = Simulator::start(SimConfig {
        accounts: 5,
        ..SimConfig::default()
    })
    .unwrap();
    let dir = Scratch::new("batch-unknown");
    let input = dir.join("calls.jsonl");
    let output = dir.join("results.jsonl");
    write_input(
        &input,
        &[
            json!({"id": "a", "service": "Account", "method": "add_account", "params": {"account_info": {"id": "u-1"}}}),
            json!({"id": "b", "service": "Account", "method": "get_account_info", "params": {"i_account": 1}}),
            json!({"id": "c", "service": "Account", "method": "add_account", "params": {"account_info": {"id": "sim-000001"}}}),
        ],
    );
    sim.fail_next(Some("add_account"), Failure::Drop);
    // A dropped read is retried by the client, so it still succeeds.
    sim.fail_next(Some("get_account_info"), Failure::Drop);
    let status = batch(&sim, &input, &output)
        .args(["--concurrency", "1"])
        .status()
        .unwrap();
    let lines = results(&output);
    let by_id: HashMap<&str, &Value> = lines
        .iter()
        .map(|l| (l["id"].as_str().unwrap(), l))
        .collect();
    assert_eq!(by_id["a"]["status"], "unknown", "{lines:?}");
    assert_eq!(by_id["b"]["status"], "ok");
    assert_eq!(by_id["c"]["status"], "fault");
    assert_eq!(by_id["c"]["fault"]["code"], "Server.Account.duplicate_id");
    assert_eq!(status.code(), Some(5));
    let stats = sim.stats();
    assert_eq!(
        stats.calls.get("Account/add_account").copied(),
        Some(2),
        "the dropped write was resent"
    );
    assert!(
        sim.stats().accounts == 6,
        "the dropped write was applied once"
    );
}

#[test]
fn faults_only_exit_with_4() {
    let sim = Simulator::start(SimConfig {
        accounts: 1,
        ..SimConfig::default()
    })
    .unwrap();
    let dir = Scratch::new("batch-faults");
    let input = dir.join("calls.jsonl");
    let output = dir.join("results.jsonl");
    write_input(
        &input,
        &[
            json!({"id": 1, "service": "Account", "method": "get_account_info", "params": {"i_account": 99}}),
        ],
    );
    let status = batch(&sim, &input, &output).status().unwrap();
    assert_eq!(status.code(), Some(4));
    assert_eq!(
        results(&output)[0]["fault"]["code"],
        "Server.Account.not_found"
    );
}
