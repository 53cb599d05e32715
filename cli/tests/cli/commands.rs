//! The `portabilling` command, run as a user runs it: the binary, its exit codes and its
//! output, against the simulator started by the binary itself.

use crate::support::cargo::user_cargo;
use crate::support::scratch::Scratch;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_portabilling");

/// A child process killed when the test ends, however it ends.
struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Running {
    /// Starts the binary and forwards every line it prints (stdout and stderr) to `lines`.
    fn start(args: &[&str]) -> Running {
        let mut child = Command::new(BIN)
            .args(args)
            .env_remove("PORTABILLING_URL")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let (tx, lines) = mpsc::channel();
        for stream in [
            Box::new(child.stdout.take().expect("stdout")) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().expect("stderr")),
        ] {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        Running { child, lines }
    }

    /// Waits for a line containing `marker` and returns it.
    fn wait_for(&self, marker: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut seen = Vec::new();
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(marker) => return line,
                Ok(line) => seen.push(line),
                Err(_) => break,
            }
        }
        panic!(
            "no line with {marker:?}; the process printed:\n{}",
            seen.join("\n")
        );
    }
}

fn run(args: &[&str]) -> Output {
    crate::portabilling()
        .args(args)
        .output()
        .expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The last word of a line, such as the URL in "… listening on http://127.0.0.1:1234/".
fn last_word(line: &str) -> String {
    line.split_whitespace()
        .last()
        .unwrap_or_default()
        .trim_end_matches('/')
        .to_string()
}

fn scratch(name: &str) -> Scratch {
    Scratch::new(&format!("cli-{name}"))
}

/// A simulator run by the binary, on a free port, over plain HTTP.
fn simulator(extra: &[&str]) -> (Running, String) {
    let mut args = vec!["sim", "--port", "0", "--accounts", "50"];
    args.extend_from_slice(extra);
    let sim = Running::start(&args);
    let url = last_word(&sim.wait_for("listening on"));
    (sim, url)
}

fn connection(url: &str) -> Vec<String> {
    [
        "--url",
        url,
        "--login",
        "sim-admin",
        "--password",
        "sim-password",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// Runs `args` (a command and its options) with the connection options to `url` after the
/// command's name.
fn run_against(url: &str, args: &[&str]) -> Output {
    let mut all = vec![args[0].to_string()];
    all.extend(connection(url));
    all.extend(args[1..].iter().map(|s| s.to_string()));
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    run(&all)
}

#[test]
fn demo_runs_every_step_against_the_simulator() {
    let out = run(&["demo"]);
    let stdout = text(&out.stdout);
    assert!(
        out.status.success(),
        "demo failed:\n{stdout}\n{}",
        text(&out.stderr)
    );
    for expected in [
        "1 login; the session",
        "for i_account 42",
        "SOAP and REST agree: true",
        "blocked is now Y",
        "250 accounts (the server reports 250)",
        "6 calls: 5 ok, 1 fault",
        "logged out; 1 login for",
    ] {
        assert!(stdout.contains(expected), "no {expected:?} in:\n{stdout}");
    }
}

#[test]
fn call_prints_the_typed_response_as_json_over_both_protocols() {
    let (_sim, url) = simulator(&[]);
    let mut answers = Vec::new();
    for protocol in ["soap", "rest"] {
        let out = run_against(
            &url,
            &[
                "call",
                "--protocol",
                protocol,
                "Account",
                "get_account_info",
                r#"{"i_account": 7}"#,
            ],
        );
        assert!(out.status.success(), "{protocol}: {}", text(&out.stderr));
        let json: serde_json::Value =
            serde_json::from_slice(&out.stdout).expect("call prints JSON");
        assert_eq!(json["account_info"]["i_account"], 7, "{json}");
        assert_eq!(json["account_info"]["id"], "sim-000007", "{json}");
        answers.push(json);
    }
    assert_eq!(answers[0], answers[1], "SOAP and REST print the same JSON");
}

#[test]
fn exit_codes_tell_the_kind_of_failure() {
    let (_sim, url) = simulator(&[]);
    // 4: an API fault, with its code on stderr.
    let out = run_against(
        &url,
        &[
            "call",
            "Account",
            "get_account_info",
            r#"{"i_account": 999999}"#,
        ],
    );
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("Server."),
        "{}",
        text(&out.stderr)
    );
    // 3: the login is refused; the password never shows.
    let out = run(&[
        "ping",
        "--url",
        &url,
        "--login",
        "sim-admin",
        "--password",
        "wrong-secret-123",
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(!text(&out.stderr).contains("wrong-secret-123"));
    // 2: parameters that are not JSON.
    let out = run_against(&url, &["call", "Account", "get_account_info", "{not json"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    // 5: nobody listens.
    let out = run(&[
        "ping",
        "--url",
        "http://127.0.0.1:9",
        "--login",
        "a",
        "--password",
        "b",
        "--timeout",
        "5",
    ]);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
}

#[test]
fn methods_and_describe_show_the_bundled_api() {
    let out = run(&["methods", "Account"]);
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    assert!(stdout.contains("get_account_info"), "{stdout}");
    assert!(stdout.contains("update_account"), "{stdout}");

    let out = run(&["describe", "Account", "get_account_info"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    for expected in [
        "i_account",
        "GetAccountInfoRequest",
        "<soap:Envelope",
        "\"i_account\"",
    ] {
        assert!(stdout.contains(expected), "no {expected:?} in:\n{stdout}");
    }

    let out = run(&["describe", "Account", "no_such_method"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_session_file_keeps_one_login_across_runs_and_is_private() {
    let dir = scratch("session");
    let file = dir.join("session.json");
    let (_sim, url) = simulator(&[]);
    let file_arg = file.to_str().expect("utf-8 path");
    let mut stored = Vec::new();
    for command in ["login", "ping", "ping"] {
        let out = run_against(&url, &[command, "--session-file", file_arg]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        stored.push(std::fs::read_to_string(&file).expect("the session file is written"));
    }
    // The same session in the file after every run: the later runs did not log in again.
    assert_eq!(stored[0], stored[1]);
    assert_eq!(stored[1], stored[2]);
    assert!(
        !stored[0].contains("sim-password"),
        "the password is not stored"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file)
            .expect("session file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn espf_listen_fetches_the_changed_account_and_writes_it_as_a_json_line() {
    let dir = scratch("espf");
    let jsonl = dir.join("events.jsonl");
    let state = dir.join("state");
    // The simulator needs the listener's address when it starts, and the listener needs the
    // simulator's: reserve a free port for the listener first.
    let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let bind = probe.local_addr().expect("an address").to_string();
    drop(probe);
    let events = format!("http://{bind}/");
    let (_sim, sim_url) =
        simulator(&["--events-url", &events, "--events-auth", "espf:espf-secret"]);
    let mut args = vec!["espf".to_string(), "listen".to_string()];
    args.extend(connection(&sim_url));
    args.extend(
        [
            "--bind",
            &bind,
            "--auth-basic",
            "espf:espf-secret",
            "--state-file",
            state.to_str().expect("utf-8"),
            "--jsonl",
            jsonl.to_str().expect("utf-8"),
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let listener = Running::start(&args);
    listener.wait_for("listening for ESPF events");

    let out = run_against(
        &sim_url,
        &[
            "call",
            "Account",
            "update_account",
            r#"{"account_info": {"i_account": 17, "note": "from the cli test"}}"#,
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));

    let line = wait_for_line(&jsonl);
    let record: serde_json::Value = serde_json::from_str(&line).expect("a JSON line");
    assert_eq!(record["variables"]["i_account"], 17, "{record}");
    assert_eq!(record["entity_kind"], "account", "{record}");
    let entity = &record["entity"]["account_info"];
    assert_eq!(entity["i_account"], 17, "{record}");
    assert_eq!(
        entity["note"], "from the cli test",
        "the entity is fetched after the change"
    );
    drop(listener);
}

fn wait_for_line(path: &Path) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(text) = std::fs::read_to_string(path) {
            if let Some(line) = text.lines().next() {
                return line.to_string();
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("no event written to {}", path.display());
}

/// Runs an example the way its doc says (`cargo run --example NAME`), against the simulator
/// it starts itself.
fn run_example(name: &str) -> Output {
    user_cargo()
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .args(["run", "--quiet", "-p", "portabilling", "--example", name])
        .env_remove("PORTABILLING_URL")
        .output()
        .expect("cargo runs")
}

#[test]
fn the_examples_run_against_their_simulator() {
    let out = run_example("nightly_sync");
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        stdout.lines().count(),
        1 + 1234,
        "a header and every account"
    );
    assert!(stdout.contains("\n1234,sim-001234,"), "{stdout}");
    assert!(
        stderr.contains("synced 1234 accounts (the server counts 1234) in 3 pages"),
        "{stderr}"
    );

    let out = run_example("bulk_update");
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(
        out.status.code(),
        Some(1),
        "one account does not exist: {stderr}"
    );
    assert!(
        stdout.contains("blocked 40 of 41 accounts with 1 login(s)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("block-999999: refused by the server (Server.Account.not_found)"),
        "{stdout}"
    );

    let out = run_example("tokio_service");
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("7: sim-000007 owes"), "{stdout}");
    assert!(stdout.contains("1 login for 20 calls"), "{stdout}");

    let out = run_example("provision_on_event");
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    for expected in [
        "SIP user sim-000005 enabled=false",
        "SIP user sim-000006 enabled=true",
        "SIP user sim-000007 enabled=false",
    ] {
        assert!(stdout.contains(expected), "no {expected:?} in:\n{stdout}");
    }
}

#[test]
fn sim_accepts_the_credentials_it_is_given() {
    let sim = Running::start(&[
        "sim",
        "--login",
        "ops",
        "--token",
        "tok-123456",
        "--port",
        "0",
        "--accounts",
        "3",
    ]);
    let url = last_word(&sim.wait_for("listening on"));
    let ok = run(&[
        "ping",
        "--url",
        &url,
        "--login",
        "ops",
        "--token",
        "tok-123456",
    ]);
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    // The defaults no longer work.
    let refused = run(&[
        "ping",
        "--url",
        &url,
        "--login",
        "sim-admin",
        "--password",
        "sim-password",
    ]);
    assert_eq!(refused.status.code(), Some(3), "{}", text(&refused.stderr));
}
