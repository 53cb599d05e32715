//! A bulk update: block a list of accounts, a few at a time, and say exactly which ones
//! failed and why.
//!
//! ```text
//! cargo run --example bulk_update                       # against a simulator it starts
//! PORTABILLING_URL=… PORTABILLING_LOGIN=… PORTABILLING_PASSWORD=… \
//!     cargo run --example bulk_update -- 1001 1002 1003
//! ```
//!
//! `update_account` is a write. The client never sends a write twice unless the request
//! provably never reached the server (the connection was refused, say), so a dropped
//! connection after sending shows up here as "outcome unknown", to be checked by a person or
//! a later read, never as a silent double update.

use std::error::Error;
use std::sync::Mutex;

use portabilling::account::{AccountInfo, UpdateAccountRequest};
use portabilling::sim::{SimConfig, Simulator};
use portabilling::{Client, Flag};

/// Calls in flight at once: enough to hide latency, few enough to spare the billing server.
const CONCURRENCY: usize = 4;

fn main() -> Result<(), Box<dyn Error>> {
    let simulator = match std::env::var("PORTABILLING_URL") {
        Ok(_) => None,
        Err(_) => Some(Simulator::start(SimConfig {
            accounts: 100,
            ..SimConfig::default()
        })?),
    };
    let (client, accounts): (Client, Vec<i64>) = match &simulator {
        // The simulator's accounts 1..=40, and one that does not exist.
        Some(sim) => {
            eprintln!("simulated run: accounts 1 to 40, and 999999, which does not exist");
            (
                Client::builder(sim.url())
                    .login(sim.login(), sim.password())
                    .build()?,
                (1..=40).chain([999_999]).collect(),
            )
        }
        None => (
            Client::builder(std::env::var("PORTABILLING_URL")?)
                .login(
                    std::env::var("PORTABILLING_LOGIN")?,
                    std::env::var("PORTABILLING_PASSWORD")?,
                )
                .build()?,
            std::env::args()
                .skip(1)
                .map(|a| a.parse::<i64>())
                .collect::<Result<_, _>>()?,
        ),
    };

    // One client for all threads: it is Send + Sync, keeps its connections alive and logs in
    // once for all of them.
    let queue = Mutex::new(accounts.iter().copied());
    // A function, so the queue's lock is released before the call, not held through it.
    let next = || queue.lock().ok()?.next();
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..CONCURRENCY {
            scope.spawn(|| {
                while let Some(i_account) = next() {
                    let request = UpdateAccountRequest {
                        account_info: Some(AccountInfo {
                            i_account: Some(i_account),
                            blocked: Some(Flag::Yes),
                            ..Default::default()
                        }),
                        ..Default::default()
                    };
                    if let Err(e) = client.account().update_account(&request) {
                        if let Ok(mut failures) = failures.lock() {
                            failures.push((i_account, e));
                        }
                    }
                }
            });
        }
    });

    let failures = failures.into_inner().unwrap_or_default();
    println!(
        "blocked {} of {} accounts with {} login(s)",
        accounts.len() - failures.len(),
        accounts.len(),
        client.logins()
    );
    for (i_account, error) in &failures {
        let why = if error.outcome_unknown() {
            "outcome unknown (sent, no answer): check it before retrying".to_string()
        } else if let Some(code) = error.fault_code() {
            format!("refused by the server ({code})")
        } else {
            error.to_string()
        };
        println!("  account {i_account}: {why}");
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!("{} account(s) not updated", failures.len()).into())
    }
}
