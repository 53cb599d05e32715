//! The command line's manners: messages that say what to do, nothing sent that should not
//! be, the unknown-field check, a batch that drains on Ctrl-C and refuses a second run on
//! its output, help, completions and logging.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::canned::{Action, Canned};
use crate::support::scratch::Scratch;
use portabilling::sim::{Faults, SimConfig, Simulator};
use serde_json::{json, Value};

fn bin() -> Command {
    crate::portabilling()
}

/// `command` with the simulator's connection options, then `rest`.
fn against(sim: &Simulator, command: &[&str], rest: &[&str]) -> Output {
    bin()
        .args(command)
        .args(["--url", &sim.url(), "--login", sim.login()])
        .args(["--password", sim.password()])
        .args(rest)
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn sim(accounts: usize) -> Simulator {
    Simulator::start(SimConfig {
        accounts,
        ..SimConfig::default()
    })
    .unwrap()
}

fn scratch(name: &str) -> Scratch {
    Scratch::new(&format!("manners-{name}"))
}

fn calls_to(sim: &Simulator, method: &str) -> u64 {
    sim.stats()
        .calls
        .iter()
        .filter(|(name, _)| name.ends_with(&format!("/{method}")))
        .map(|(_, n)| n)
        .sum()
}

#[test]
fn a_refused_connection_names_the_host_and_port() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = bin()
        .args(["ping", "--url", &format!("http://127.0.0.1:{port}")])
        .args(["--login", "a", "--password", "b", "--timeout", "5"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(5), "{err}");
    assert!(err.contains(&format!("127.0.0.1:{port}")), "{err}");
    assert!(err.contains("refused"), "{err}");
    assert!(err.contains("never left"), "{err}");
}

#[test]
fn https_to_a_plain_http_port_says_so() {
    let sim = sim(1);
    let plain = sim.url().replace("http://", "https://");
    let out = bin()
        .args(["ping", "--url", &plain, "--login", sim.login()])
        .args(["--password", sim.password(), "--timeout", "10"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(5), "{err}");
    assert!(err.contains("plain HTTP"), "{err}");
    assert!(err.contains("never left"), "{err}");
    assert_eq!(sim.stats().logins, 0);
}

#[test]
fn a_404_on_login_names_the_url_and_suggests_the_legacy_endpoint() {
    let server = Canned::start(|_, _| {
        Action::Send(
            b"HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: 9\r\n\r\nnot found"
                .to_vec(),
        )
    });
    let out = bin()
        .args([
            "login",
            "--url",
            &server.url,
            "--login",
            "a",
            "--password",
            "b",
        ])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(5), "{err}");
    assert!(
        err.contains(&format!("{}/soap/Session/login", server.url)),
        "{err}"
    );
    assert!(err.contains("--legacy-soap-endpoint"), "{err}");
}

#[test]
fn a_refused_login_reads_as_a_sentence() {
    let sim = sim(1);
    let out = bin()
        .args(["ping", "--url", &sim.url(), "--login", sim.login()])
        .args(["--password", "Not-The-Password-42"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("The server refused the login: wrong login, password or token"),
        "{err}"
    );
    assert!(!err.contains("BadCredentials"), "{err}");
    assert!(!err.contains("Not-The-Password-42"), "{err}");
}

#[test]
fn a_misspelled_method_is_refused_before_sending_with_the_closest_name() {
    let sim = sim(3);
    let out = against(&sim, &["call"], &["Account", "get_acount_info", "{}"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("did you mean `get_account_info`"), "{err}");
    assert!(err.contains("--untyped"), "{err}");
    assert_eq!(sim.stats().requests, 0, "nothing was sent");
    // A misspelled service too.
    let out = against(&sim, &["call"], &["Acount", "get_account_info", "{}"]);
    assert!(
        stderr(&out).contains("did you mean `Account`"),
        "{}",
        stderr(&out)
    );
    assert_eq!(sim.stats().requests, 0, "nothing was sent");
    // --untyped sends it: the simulator answers with a fault for a method it lacks.
    let out = against(
        &sim,
        &["call", "--untyped"],
        &["Account", "get_acount_info", "{}"],
    );
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(sim.stats().requests > 0);
}

#[test]
fn bad_json_parameters_are_not_a_configuration_error() {
    let sim = sim(1);
    let out = against(
        &sim,
        &["call"],
        &["Account", "get_account_info", "{not json"],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("not valid JSON"), "{err}");
    assert!(!err.contains("configuration"), "{err}");
    // Valid JSON of the wrong type for a field.
    let out = against(
        &sim,
        &["call"],
        &["Account", "get_account_info", r#"{"i_account": "many"}"#],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(!err.contains("configuration"), "{err}");
    assert_eq!(sim.stats().requests, 0, "nothing was sent");
}

#[test]
fn ping_after_logout_says_there_is_no_session_and_does_not_log_in() {
    let sim = sim(1);
    let dir = scratch("ping");
    let file = dir.join("session.json");
    let with_file = |command: &str| {
        bin()
            .args([command, "--url", &sim.url(), "--login", sim.login()])
            .args(["--password", sim.password(), "--session-file"])
            .arg(&file)
            .output()
            .unwrap()
    };
    assert!(with_file("login").status.success());
    let alive = with_file("ping");
    assert!(alive.status.success(), "{}", stderr(&alive));
    assert!(String::from_utf8_lossy(&alive.stdout).contains("session alive"));
    assert!(with_file("logout").status.success());
    let after = with_file("ping");
    assert_eq!(after.status.code(), Some(3), "{}", stderr(&after));
    assert!(
        String::from_utf8_lossy(&after.stdout).contains("no stored session"),
        "{}",
        String::from_utf8_lossy(&after.stdout)
    );
    assert_eq!(sim.stats().logins, 1, "ping did not log in again");
    // A stored session the server no longer knows is reported as such.
    assert!(with_file("login").status.success());
    sim.expire_sessions();
    let expired = with_file("ping");
    assert_eq!(expired.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&expired.stdout).contains("no longer alive"));
    assert_eq!(sim.stats().logins, 2);
}

#[test]
fn demo_leaves_no_file_behind() {
    let tmp = scratch("demo-tmp");
    let out = bin().arg("demo").env("TMPDIR", &tmp).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let left: Vec<_> = std::fs::read_dir(&tmp).unwrap().flatten().collect();
    assert!(left.is_empty(), "the demo left {left:?}");
}

#[test]
fn an_unknown_field_is_warned_about_and_refused_with_strict() {
    let sim = sim(3);
    let params = r#"{"account_info": {"i_account": 2, "blokced": "Y"}}"#;
    let out = against(&sim, &["call"], &["Account", "update_account", params]);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("warning: Account/update_account: `account_info.blokced` is not a field of AccountInfo (did you mean `blocked`?)"),
        "{err}"
    );
    assert_eq!(calls_to(&sim, "update_account"), 1);
    let out = against(
        &sim,
        &["call", "--strict"],
        &["Account", "update_account", params],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("account_info.blokced"), "{err}");
    assert_eq!(calls_to(&sim, "update_account"), 1, "--strict sent nothing");
    // A correct call gets no warning.
    let out = against(
        &sim,
        &["call"],
        &[
            "Account",
            "update_account",
            r#"{"account_info": {"i_account": 2, "blocked": "Y"}}"#,
        ],
    );
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
}

fn write_calls(path: &Path, calls: &[Value]) {
    let text: String = calls.iter().map(|c| format!("{c}\n")).collect();
    std::fs::write(path, text).unwrap();
}

fn result_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn updates(n: usize, typo: bool) -> Vec<Value> {
    (1..=n)
        .map(|i| {
            let field = if typo { "blokced" } else { "blocked" };
            json!({"id": format!("u{i}"), "service": "Account", "method": "update_account",
                   "params": {"account_info": {"i_account": i, field: "Y"}}})
        })
        .collect()
}

#[test]
fn batch_checks_every_line_first_and_warns_once() {
    let sim = sim(10);
    let dir = scratch("batch-check");
    let input = dir.join("calls.jsonl");
    let mut calls = updates(3, true);
    calls.push(json!({"id": "m", "service": "Account", "method": "get_acount_info", "params": {}}));
    write_calls(&input, &calls);
    let output = dir.join("strict.jsonl");
    let run = |extra: &[&str], output: &Path| {
        bin()
            .arg("batch")
            .args(["--url", &sim.url(), "--login", sim.login()])
            .args(["--password", sim.password(), "--quiet", "--input"])
            .arg(&input)
            .arg("--output")
            .arg(output)
            .args(extra)
            .output()
            .unwrap()
    };
    let out = run(&["--strict"], &output);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(sim.stats().requests, 0, "--strict refused the file");
    assert!(!output.exists());
    let out = run(&[], &dir.join("lenient.jsonl"));
    let err = stderr(&out);
    assert_eq!(
        err.matches("account_info.blokced").count(),
        1,
        "one warning for three calls: {err}"
    );
    assert!(err.contains("and 2 more"), "{err}");
    assert!(err.contains("did you mean `get_account_info`"), "{err}");
    assert_eq!(calls_to(&sim, "update_account"), 3);
}

/// A batch of `n` writes against a simulator that answers each after `delay`.
struct SlowBatch {
    sim: Simulator,
    /// Kept for its drop, which removes the directory.
    _dir: Scratch,
    input: PathBuf,
    output: PathBuf,
}

impl SlowBatch {
    fn new(name: &str, n: usize, delay: Duration) -> SlowBatch {
        let sim = Simulator::start(SimConfig {
            accounts: n,
            faults: Faults {
                delay,
                ..Faults::default()
            },
            ..SimConfig::default()
        })
        .unwrap();
        let dir = scratch(name);
        let input = dir.join("calls.jsonl");
        write_calls(&input, &updates(n, false));
        let output = dir.join("results.jsonl");
        SlowBatch {
            sim,
            _dir: dir,
            input,
            output,
        }
    }

    fn command(&self, extra: &[&str]) -> Command {
        let mut c = bin();
        c.arg("batch")
            .args(["--url", &self.sim.url(), "--login", self.sim.login()])
            .args(["--password", self.sim.password(), "--quiet"])
            .args(["--concurrency", "2", "--input"])
            .arg(&self.input)
            .arg("--output")
            .arg(&self.output)
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        c
    }

    /// Waits until the output has at least `n` lines.
    fn wait_for_results(&self, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while result_lines(&self.output).len() < n {
            assert!(Instant::now() < deadline, "no {n} results in time");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn signal(child: &std::process::Child, name: &str) {
    let status = Command::new("kill")
        .args([name, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn the_first_ctrl_c_drains_the_batch_and_resume_finishes_it() {
    let batch = SlowBatch::new("drain", 40, Duration::from_millis(150));
    for (round, signal_name) in [(0, "-INT"), (1, "-TERM")] {
        let mut extra = vec![];
        if round > 0 {
            extra.push("--resume");
        }
        let child = batch.command(&extra).spawn().unwrap();
        batch.wait_for_results(result_lines(&batch.output).len() + 2);
        signal(&child, signal_name);
        let out = child.wait_with_output().unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(130), "{signal_name}: {err}");
        assert!(err.contains("stopping"), "{err}");
        assert!(err.contains("not started; continue with --resume"), "{err}");
        let lines = result_lines(&batch.output);
        assert!(lines.len() < 40, "stopped early: {} results", lines.len());
        // Every call that was sent finished and was recorded.
        assert_eq!(
            calls_to(&batch.sim, "update_account") as usize,
            lines.len(),
            "{signal_name}: sent calls = recorded results"
        );
        assert!(lines.iter().all(|l| l["status"] == "ok"), "{lines:?}");
    }
    let out = batch.command(&["--resume"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let lines = result_lines(&batch.output);
    assert_eq!(lines.len(), 40);
    assert_eq!(
        batch.sim.stats().max_write_count(),
        1,
        "no write went to the server twice"
    );
    assert_eq!(calls_to(&batch.sim, "update_account"), 40);
}

#[test]
fn a_second_run_on_the_same_output_is_refused() {
    let batch = SlowBatch::new("second-run", 30, Duration::from_millis(100));
    let first = batch.command(&[]).spawn().unwrap();
    batch.wait_for_results(1);
    for extra in [&[][..], &["--resume"][..]] {
        let second = batch.command(extra).output().unwrap();
        let err = stderr(&second);
        assert_eq!(second.status.code(), Some(1), "{extra:?}: {err}");
        assert!(err.contains("another batch run is writing to it"), "{err}");
    }
    let out = first.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(result_lines(&batch.output).len(), 30);
    assert_eq!(
        batch.sim.stats().max_write_count(),
        1,
        "no write sent twice"
    );
    assert_eq!(calls_to(&batch.sim, "update_account"), 30);
}

#[test]
fn help_puts_connection_options_apart_and_lists_exit_codes() {
    let help = |args: &[&str]| {
        let out = bin().args(args).output().unwrap();
        assert!(out.status.success());
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let top = help(&["--help"]);
    assert!(top.contains("Exit codes:"), "{top}");
    assert!(top.contains("130"), "{top}");
    let call = help(&["call", "--help"]);
    assert!(call.contains("Connection:"), "{call}");
    let heading = call.find("Connection:").unwrap();
    assert!(call[heading..].contains("--url"), "{call}");
    assert!(
        !call[..heading].contains("--url"),
        "--url is under its heading"
    );
    for offline in ["describe", "methods", "services", "decode"] {
        let text = help(&[offline, "--help"]);
        assert!(!text.contains("--url"), "{offline}: {text}");
        assert!(!text.contains("--password"), "{offline}: {text}");
    }
    let batch = help(&["batch", "--help"]);
    assert!(batch.contains("--retry-unknown"), "{batch}");
    assert!(batch.contains("Exit codes:"), "{batch}");
}

#[test]
fn completions_are_printed_for_a_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let out = bin().args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}");
        let script = String::from_utf8_lossy(&out.stdout);
        assert!(script.contains("portabilling"), "{shell}");
        assert!(
            script.contains("get-account-info") || script.contains("call"),
            "{shell}"
        );
    }
    let out = bin().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn rust_log_chooses_the_logging_and_a_pipe_gets_no_colour() {
    let sim = sim(1);
    let out = bin()
        .args(["ping", "--url", &sim.url(), "--login", sim.login()])
        .args(["--password", sim.password()])
        .env("RUST_LOG", "portabilling=debug")
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("DEBUG"), "RUST_LOG turned debug on: {err}");
    assert!(
        !err.contains('\u{1b}'),
        "no ANSI escapes on a pipe: {err:?}"
    );
    let quiet = bin()
        .args(["ping", "--url", &sim.url(), "--login", sim.login()])
        .args(["--password", sim.password()])
        .output()
        .unwrap();
    assert!(!stderr(&quiet).contains("DEBUG"), "{}", stderr(&quiet));
}

#[test]
fn url_port_means_a_server_on_this_machine() {
    let sim = sim(1);
    let port = sim.addr().port();
    let out = bin()
        .args(["ping", "--url", &format!(":{port}"), "--login", sim.login()])
        .args(["--password", sim.password()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}
