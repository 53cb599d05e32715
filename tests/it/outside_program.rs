//! A program outside the workspace uses the crate as a user's would: a path dependency with
//! only the features it names, a typed batch of `UpdateAccountRequest`s whose outcomes it
//! reads as they finish, and the conversions to `rust_decimal` and `chrono`. It runs against
//! the simulator this test starts.

use crate::support::cargo::user_cargo;
use std::path::{Path, PathBuf};

const MAIN: &str = r#"
use std::collections::BTreeMap;

use portabilling::account::op::UpdateAccount;
use portabilling::account::{AccountInfo, GetAccountInfoRequest, UpdateAccountRequest};
use portabilling::batch::{self, BatchCall, BatchEvent, BatchOptions, CallOutcome};
use portabilling::{Client, Flag};

// What the user's CSV says: account, note, block it?
const CSV: &str = "i_account,note,block\n1,first,Y\n2,second,N\n3,third,Y\n999999,missing,N\n";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (url, login, password, output) = (
        args.next().ok_or("url")?,
        args.next().ok_or("login")?,
        args.next().ok_or("password")?,
        args.next().ok_or("output")?,
    );
    let client = Client::builder(url).login(login, password).build()?;
    let mut calls = Vec::new();
    for line in CSV.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        let i_account: i64 = fields[0].parse()?;
        let request = UpdateAccountRequest {
            account_info: Some(AccountInfo {
                i_account: Some(i_account),
                note: Some(fields[1].to_string()),
                blocked: Some(if fields[2] == "Y" { Flag::Yes } else { Flag::No }),
                ..Default::default()
            }),
            ..Default::default()
        };
        calls.push(BatchCall::new::<UpdateAccount>(format!("row-{i_account}"), &request));
    }
    let mut outcomes = BTreeMap::new();
    let summary = batch::run(&client, &calls, output.as_ref(), &BatchOptions::default(), &mut |event| {
        if let BatchEvent::Finished { call, outcome } = event {
            let text = match outcome {
                CallOutcome::Ok(_) => "ok".to_string(),
                CallOutcome::Fault { code, .. } => format!("fault {code}"),
                other => format!("{other:?}"),
            };
            outcomes.insert(call.id.clone(), text);
        }
    })?;
    for (id, text) in &outcomes {
        println!("outcome {id} {text}");
    }
    println!("summary ok={} faults={}", summary.ok, summary.faults);

    let account = client
        .account()
        .get_account_info(&GetAccountInfoRequest { i_account: Some(3), ..Default::default() })?
        .account_info
        .ok_or("no account 3")?;
    let balance = account.balance.ok_or("no balance")?;
    let exact = rust_decimal::Decimal::try_from(balance)?;
    let last_usage = account.last_usage.ok_or("no last_usage")?;
    let when = chrono::NaiveDateTime::try_from(last_usage)?;
    println!("balance {exact} {}", exact * rust_decimal::Decimal::from(2));
    println!("last_usage {}", when.format("%Y-%m-%dT%H:%M:%S"));
    println!("note {} blocked {}", account.note.unwrap_or_default(), account.blocked.map(|b| b.to_string()).unwrap_or_default());
    Ok(())
}
"#;

fn manifest(crate_dir: &Path) -> String {
    format!(
        r#"[package]
name = "bulk-from-csv"
version = "0.1.0"
edition = "2021"
publish = false

[workspace]

[dependencies]
portabilling = {{ path = "{}", default-features = false, features = ["account", "rust_decimal", "chrono"] }}
rust_decimal = {{ version = "1", default-features = false }}
chrono = {{ version = "0.4", default-features = false, features = ["std"] }}
"#,
        crate_dir.display()
    )
}

#[test]
fn a_program_outside_the_workspace_runs_a_typed_batch_and_converts_values() {
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let target = crate_dir.join("target");
    let project = target.join("outside-program");
    let _ = std::fs::remove_dir_all(&project);
    std::fs::create_dir_all(project.join("src")).unwrap();
    std::fs::write(project.join("Cargo.toml"), manifest(&crate_dir)).unwrap();
    std::fs::write(project.join("src/main.rs"), MAIN).unwrap();
    // The workspace's lock file: the same versions, nothing to resolve.
    std::fs::copy(crate_dir.join("Cargo.lock"), project.join("Cargo.lock")).unwrap();

    let sim = crate::sim_with(10);
    let output = project.join("results.jsonl");
    let run = user_cargo()
        .current_dir(&project)
        .args(["run", "--quiet", "--"])
        .args([&sim.url(), sim.login(), sim.password()])
        .arg(&output)
        // Shared with the other builds of user projects, so dependencies compile once.
        .env("CARGO_TARGET_DIR", target.join("user-builds"))
        .output()
        .expect("cargo runs");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    for expected in [
        "outcome row-1 ok",
        "outcome row-2 ok",
        "outcome row-3 ok",
        "outcome row-999999 fault Server.Account.",
        "summary ok=3 faults=1",
        "note third blocked Y",
    ] {
        assert!(stdout.contains(expected), "no {expected:?} in:\n{stdout}");
    }
    // The values the simulator holds, converted exactly.
    let held = sim.account(3).unwrap();
    let balance = held["balance"].as_f64().unwrap();
    let line = stdout.lines().find(|l| l.starts_with("balance ")).unwrap();
    let parts: Vec<&str> = line.split(' ').collect();
    assert_eq!(parts[1].parse::<f64>().unwrap(), balance, "{line}");
    assert_eq!(parts[2].parse::<f64>().unwrap(), balance * 2.0, "{line}");
    let last_usage = held["last_usage"].as_str().unwrap().replace(' ', "T");
    assert!(
        stdout.contains(&format!("last_usage {last_usage}")),
        "{stdout}"
    );
    assert_eq!(std::fs::read_to_string(&output).unwrap().lines().count(), 4);
    let _ = std::fs::remove_dir_all(&project);
}
