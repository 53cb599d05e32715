//! `portabilling call --all`: a whole list, page by page, printed item by item as it arrives,
//! in memory that does not grow with the list. Memory is the child's peak resident set
//! (`VmHWM` in /proc/<pid>/status), read while it still has output to write; nothing is timed.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

use portabilling::sim::{Failure, SimConfig, Simulator};
use serde_json::{json, Value};

fn sim(accounts: usize, max_page_size: Option<usize>) -> Simulator {
    Simulator::start(SimConfig {
        accounts,
        max_page_size,
        ..SimConfig::default()
    })
    .unwrap()
}

/// `portabilling call --url … --login … --password … ARGS` against `sim`.
fn call(sim: &Simulator, args: &[&str]) -> Command {
    let mut c = crate::portabilling();
    c.arg("call")
        .args(["--url", &sim.url(), "--login", sim.login()])
        .args(["--password", sim.password()])
        .args(args);
    c
}

/// The peak resident set of a running process, in kB.
fn peak_rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// Runs `command` with its stdout piped, reads `before` lines, takes the child's peak RSS (the
/// child cannot have ended: the lines still to come fill more than the pipe and its buffer),
/// then reads the rest. Returns every line, the peak in kB and the exit code.
fn run_measured(mut command: Command, before: usize) -> (Vec<String>, u64, i32) {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut peak = None;
    loop {
        if lines.len() == before && peak.is_none() {
            peak = Some(peak_rss_kb(child.id()));
        }
        line.clear();
        if out.read_line(&mut line).unwrap() == 0 {
            break;
        }
        lines.push(line.trim_end().to_string());
    }
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(
        peak.is_some(),
        "only {} lines came; stderr: {err}",
        lines.len()
    );
    (lines, peak.unwrap(), status.code().unwrap_or(-1))
}

/// Exports every account of a simulator holding `n` as JSON Lines; checks that each came once,
/// in order; returns the peak RSS in kB.
fn export_peak(n: usize) -> u64 {
    let sim = sim(n, None);
    // 2,000 lines of about 600 bytes are left to write when the peak is read: more than the
    // pipe (64 kB) and the command's buffer (64 kB) hold.
    let (lines, peak, code) = run_measured(
        call(&sim, &["--all", "Account", "get_account_list", "--jsonl"]),
        n - 2_000,
    );
    assert_eq!(code, 0);
    assert_eq!(lines.len(), n, "every account, once");
    for (k, line) in lines.iter().enumerate() {
        let item: Value = serde_json::from_str(line).unwrap();
        assert_eq!(
            item["i_account"],
            json!(k + 1),
            "in order, none skipped or repeated"
        );
    }
    let stats = sim.stats();
    assert_eq!(stats.logins, 1);
    assert_eq!(
        stats.calls.get("Account/get_account_list"),
        Some(&(n.div_ceil(500) as u64)),
        "one call per page of 500 (the last page ends the list by the total)"
    );
    peak
}

#[test]
fn an_export_holds_one_page_whatever_the_length_of_the_list() {
    let (small, large) = (4_000, 30_000);
    let peak_small = export_peak(small);
    let peak_large = export_peak(large);
    println!(
        "call --all: peak RSS {peak_large} kB for {large} accounts, {peak_small} kB for {small}"
    );
    assert!(
        peak_large <= peak_small + 4 * 1024,
        "the peak grew from {peak_small} kB ({small} accounts) to {peak_large} kB ({large}): the list is held"
    );

    // The control: the same measure sees a call that holds the whole list grow with it.
    let sim = sim(large, None);
    let whole = |n: usize| {
        let params = json!({ "limit": n }).to_string();
        let (lines, peak, code) =
            run_measured(call(&sim, &["Account", "get_account_list", &params]), 1);
        assert_eq!(code, 0);
        assert!(lines.len() > n * 20, "the pretty-printed list");
        peak
    };
    let (whole_small, whole_large) = (whole(small), whole(large));
    assert!(
        whole_large > whole_small + 16 * 1024,
        "the measure misses growth: {whole_small} kB vs {whole_large} kB"
    );
}

#[test]
fn the_export_is_the_list_in_either_form_and_protocol_even_from_a_capped_server() {
    // The server caps pages at 100 while 500 are asked for: the total says there are more.
    let sim = sim(1_234, Some(100));
    let export = |args: &[&str]| {
        let out = call(&sim, args).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let soap = export(&["--all", "Account", "get_account_list", "--jsonl"]);
    let items: Vec<Value> = soap
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(items.len(), 1_234);
    assert_eq!(items[1_233]["i_account"], json!(1_234));
    let rest = export(&[
        "--all",
        "--protocol",
        "rest",
        "Account",
        "get_account_list",
        "--jsonl",
        "--page-size",
        "70",
    ]);
    assert_eq!(rest, soap, "REST with pages of 70 gives the same lines");
    let array: Vec<Value> =
        serde_json::from_str(&export(&["--all", "Account", "get_account_list"])).unwrap();
    assert_eq!(
        array, items,
        "without --jsonl: the same items as one JSON array"
    );

    // Each item is as a plain call shows it.
    let page: Value = serde_json::from_str(&export(&[
        "Account",
        "get_account_list",
        r#"{"offset": 100}"#,
    ]))
    .unwrap();
    assert_eq!(
        page["account_list"].as_array().unwrap()[..],
        items[100..200]
    );

    // `offset` is where the export starts; other parameters filter as in a plain call.
    let tail = export(&[
        "--all",
        "Account",
        "get_account_list",
        r#"{"offset": 1230}"#,
        "--jsonl",
    ]);
    assert_eq!(
        tail.lines().collect::<Vec<_>>(),
        soap.lines().skip(1_230).collect::<Vec<_>>()
    );
    let customer: Vec<Value> = serde_json::from_str(&export(&[
        "--all",
        "Account",
        "get_account_list",
        r#"{"i_customer": 2}"#,
    ]))
    .unwrap();
    assert_eq!(customer.len(), 234);
    assert!(customer.iter().all(|a| a["i_customer"] == json!(2)));
}

#[test]
fn all_refuses_a_method_that_is_not_a_list_and_sends_nothing() {
    let sim = sim(10, None);
    // Each refusal is a usage error (2) with nothing on stdout; its message is returned.
    let refused = |args: &[&str]| {
        let out = call(&sim, args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let err = refused(&[
        "--all",
        "Account",
        "get_account_info",
        r#"{"i_account": 1}"#,
    ]);
    assert!(
        err.contains("--all pages through a list method")
            && err.contains("get_account_list")
            && err.contains("get_account_info is not one")
            && err.contains("Nothing was sent"),
        "{err}"
    );
    let err = refused(&["--all", "Account", "get_account_list", r#"{"limit": 5}"#]);
    assert!(err.contains("--page-size"), "{err}");
    // An offset that is not a place in a list.
    let err = refused(&["--all", "Account", "get_account_list", r#"{"offset": -5}"#]);
    assert!(err.contains("`offset` must be a whole number"), "{err}");
    // --jsonl and --page-size are options of --all.
    refused(&["Account", "get_account_list", "--jsonl"]);
    assert_eq!(sim.stats().requests, 0, "nothing reached the server");
}

#[test]
fn a_failed_page_exits_with_its_code_and_says_where_to_continue() {
    let sim = sim(300, None);
    // Three 503s: the call and both of its retries.
    for _ in 0..3 {
        sim.fail_next(Some("get_account_list"), Failure::Unavailable);
    }
    let out = call(
        &sim,
        &[
            "--all",
            "Account",
            "get_account_list",
            r#"{"offset": 7}"#,
            "--jsonl",
        ],
    )
    .output()
    .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{err}");
    assert!(out.stdout.is_empty());
    assert!(
        err.contains("stopped after 0 items") && err.contains(r#""offset": 7"#),
        "{err}"
    );
}
