//! A bulk update with `batch`: block a list of accounts over one session, a few calls at a
//! time, with results written as they come and a run that can be resumed after a crash.
//!
//! ```text
//! cargo run --example bulk_update                       # against a simulator it starts
//! PORTABILLING_URL=… PORTABILLING_LOGIN=… PORTABILLING_PASSWORD=… \
//!     cargo run --example bulk_update -- results.jsonl 1001 1002 1003
//! ```
//!
//! `update_account` is a write. The client never sends a write twice unless the request
//! provably never reached the server, so a connection dropped after sending is reported as
//! "unknown" (check it before retrying), never silently repeated. Run the same command again
//! after an interruption and it resumes: calls already answered are not sent again.

use std::error::Error;
use std::path::PathBuf;

use portabilling::account::op::UpdateAccount;
use portabilling::account::{AccountInfo, UpdateAccountRequest};
use portabilling::batch::{self, BatchCall, BatchEvent, BatchOptions, CallOutcome};
use portabilling::sim::{SimConfig, Simulator};
use portabilling::{Client, Flag};

fn main() -> Result<(), Box<dyn Error>> {
    let simulator = match std::env::var("PORTABILLING_URL") {
        Ok(_) => None,
        Err(_) => Some(Simulator::start(SimConfig {
            accounts: 100,
            ..SimConfig::default()
        })?),
    };
    let (client, output, accounts) = match &simulator {
        Some(sim) => {
            eprintln!("simulated run: accounts 1 to 40, and 999999, which does not exist");
            let output = std::env::temp_dir().join(format!(
                "portabilling-bulk-update-{}.jsonl",
                std::process::id()
            ));
            let client = Client::builder(sim.url())
                .login(sim.login(), sim.password())
                .build()?;
            (client, output, (1..=40).chain([999_999]).collect())
        }
        None => {
            let mut args = std::env::args().skip(1);
            let output = PathBuf::from(args.next().ok_or("usage: bulk_update OUTPUT I_ACCOUNT…")?);
            let accounts: Vec<i64> = args.map(|a| a.parse()).collect::<Result<_, _>>()?;
            let client = Client::builder(std::env::var("PORTABILLING_URL")?)
                .login(
                    std::env::var("PORTABILLING_LOGIN")?,
                    std::env::var("PORTABILLING_PASSWORD")?,
                )
                .build()?;
            (client, output, accounts)
        }
    };

    // One typed call per account; the id is how results (and a resumed run) find their call.
    let calls: Vec<BatchCall> = accounts
        .iter()
        .map(|&i_account| {
            let request = UpdateAccountRequest {
                account_info: Some(AccountInfo {
                    i_account: Some(i_account),
                    blocked: Some(Flag::Yes),
                    ..Default::default()
                }),
                ..Default::default()
            };
            BatchCall::new::<UpdateAccount>(format!("block-{i_account}"), &request)
        })
        .collect();
    let options = BatchOptions {
        concurrency: 4,   // enough to hide latency, few enough to spare the billing server
        rate: Some(50.0), // calls started per second, at most
        resume: output.exists(),
        ..BatchOptions::default()
    };
    // Each outcome arrives here as its call ends, and is in the results file too.
    let mut refused = Vec::new();
    let summary = batch::run(&client, &calls, &output, &options, &mut |event| {
        if let BatchEvent::Finished { call, outcome } = event {
            match outcome {
                CallOutcome::Ok(_) => {}
                CallOutcome::Fault { code, .. } => {
                    refused.push(format!("{}: refused by the server ({code})", call.id))
                }
                CallOutcome::Unknown { .. } => refused.push(format!(
                    "{}: outcome unknown (sent, no answer): check it before retrying",
                    call.id
                )),
                CallOutcome::Error { message, .. } => {
                    refused.push(format!("{}: {message}", call.id))
                }
            }
        }
    })?;

    println!(
        "blocked {} of {} accounts with {} login(s); results in {}",
        summary.ok,
        summary.total,
        client.logins(),
        output.display()
    );
    for line in &refused {
        println!("  {line}");
    }
    if simulator.is_some() {
        let _ = std::fs::remove_file(&output);
        let _ = std::fs::remove_file(batch::journal_path(&output));
    }
    if summary.all_ok() {
        Ok(())
    } else {
        Err(format!("{} account(s) not updated", summary.total - summary.ok).into())
    }
}
