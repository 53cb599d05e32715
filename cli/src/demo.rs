//! `portabilling demo`: the integration this crate exists for, start to finish.
//!
//! With no `--url`, it starts the simulator in-process over HTTPS and runs the whole flow: log
//! in once, receive a provisioning event for an account, fetch the account over SOAP and over
//! REST, update it, page through the customer's accounts, run a small batch, log out. Pointed
//! at a real server with `--url` and credentials, the same flow runs read-only: no event is
//! waited for and nothing is changed.

use std::process::ExitCode;
use std::sync::{mpsc, Arc};
use std::time::Duration;

use portabilling::account::op::GetAccountInfo;
use portabilling::account::{
    AccountInfo, GetAccountInfoRequest, GetAccountListRequest, UpdateAccountRequest,
};
use portabilling::auth::MemoryStore;
use portabilling::batch::{self, BatchCall, BatchEvent, BatchOptions};
use portabilling::espf::{Delivery, Listener, ListenerConfig, Pipeline, RequestAuth};
use portabilling::sim::{EventTarget, SimConfig, Simulator};
use portabilling::{Client, Error, Protocol};

/// A directory for the demo's files, removed when the demo ends, however it ends.
struct Scratch(std::path::PathBuf);

impl Scratch {
    fn new() -> Result<Self, Error> {
        let dir = std::env::temp_dir().join(format!("portabilling-demo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| Error::io("create", &dir, e))?;
        Ok(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Prints a step heading.
fn step(n: u32, text: &str) {
    println!("\n{n}. {text}");
}

/// Prints a detail line under a step.
fn say(text: impl AsRef<str>) {
    println!("   {}", text.as_ref());
}

pub fn run(conn: &super::Connection) -> Result<ExitCode, Error> {
    match conn.url {
        Some(_) => real_server(conn),
        None => simulated(),
    }
}

fn simulated() -> Result<ExitCode, Error> {
    println!("portabilling demo: a provisioning integration against a simulated PortaBilling");
    step(
        1,
        "Start a PortaBilling simulator over HTTPS (its own CA, trusted below)",
    );
    let sim = Simulator::start(SimConfig {
        accounts: 250,
        tls: true,
        ..SimConfig::default()
    })
    .map_err(|e| Error::io("start the simulator on", "127.0.0.1", e))?;
    let ca = sim.ca_cert_pem().unwrap_or_default().to_string();
    say(format!("{} with 250 accounts of customer 1", sim.url()));

    step(
        2,
        "Log in once; the SOAP and the REST client share that one session",
    );
    let store = Arc::new(MemoryStore::new());
    let client_for = |protocol: Protocol| {
        Client::builder(sim.url())
            .login(sim.login(), sim.password())
            .protocol(protocol)
            .ca_cert_pem(ca.clone())
            .session_store(store.clone())
            .build()
    };
    let soap = client_for(Protocol::Soap)?;
    let rest = client_for(Protocol::Rest)?;
    soap.login()?;
    say(format!(
        "Session/login over SOAP: {} login; the session (id and JWT) is in the shared store",
        sim.stats().logins
    ));

    step(3, "Receive a provisioning event (ESPF) for an account");
    let (tx, rx) = mpsc::channel::<String>();
    let tx = std::sync::Mutex::new(tx);
    let pipeline = Pipeline::builder(RequestAuth::basic("espf", "demo-secret"))
        .client(rest.clone())
        .hand_off(move |delivery: &Delivery<'_>| {
            let _ = tx.lock().map(|tx| tx.send(delivery.to_json_line()));
            Ok(())
        })
        .build();
    let listener = Listener::start(ListenerConfig::new("127.0.0.1:0", pipeline))
        .map_err(|e| Error::io("start the event listener on", "127.0.0.1:0", e))?;
    sim.send_events_to(EventTarget::basic(listener.url(), "espf", "demo-secret"))
        .map_err(|e| Error::Config(format!("cannot send events: {e}")))?;
    say(format!(
        "listening on {} (Basic auth, Date checked, i_event de-duplicated)",
        listener.url()
    ));
    // Somebody changes account 42 in PortaBilling: the simulator sends the matching event.
    let back_office = client_for(Protocol::Soap)?;
    back_office
        .account()
        .update_account(&UpdateAccountRequest {
            account_info: Some(AccountInfo {
                i_account: Some(42),
                note: Some("moved to the premium plan".into()),
                ..Default::default()
            }),
            ..Default::default()
        })?;
    let line = rx
        .recv_timeout(Duration::from_secs(10))
        .map_err(|_| Error::Config("no event arrived within 10 s".into()))?;
    let event: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
    say(format!(
        "received {} (i_event {}) for i_account {}; the listener verified it, fetched the account and answered 200",
        event["event_type"].as_str().unwrap_or("?"),
        event["i_event"],
        event["variables"]["i_account"]
    ));
    let i_account = event["variables"]["i_account"].as_i64().unwrap_or(42);

    step(
        4,
        "Fetch the account over SOAP and over REST: the same typed value",
    );
    let request = GetAccountInfoRequest {
        i_account: Some(i_account),
        ..Default::default()
    };
    let over_soap = soap.account().get_account_info(&request)?;
    let over_rest = rest.account().get_account_info(&request)?;
    let account = over_soap.account_info.clone().unwrap_or_default();
    say(format!(
        "{} (balance {}, note {:?}) — SOAP and REST agree: {}",
        account.id.as_deref().unwrap_or("?"),
        account.balance.map(|b| b.to_string()).unwrap_or_default(),
        account.note.as_deref().unwrap_or(""),
        over_soap == over_rest
    ));

    step(
        5,
        "Update it (a write: never resent unless it provably did not reach the server)",
    );
    soap.account().update_account(&UpdateAccountRequest {
        account_info: Some(AccountInfo {
            i_account: Some(i_account),
            blocked: Some(portabilling::runtime::Flag::Yes),
            ..Default::default()
        }),
        ..Default::default()
    })?;
    let blocked = rest
        .account()
        .get_account_info(&request)?
        .account_info
        .and_then(|a| a.blocked);
    say(format!(
        "blocked is now {}",
        blocked.map(|b| b.to_string()).unwrap_or_default()
    ));

    step(
        6,
        "Page through the customer's accounts, 100 at a time, one item in memory at a time",
    );
    let mut pages = rest
        .account()
        .iter_account_list(GetAccountListRequest {
            i_customer: account.i_customer,
            ..Default::default()
        })
        .page_size(100)
        .with_total();
    let total = pages.total()?;
    let mut blocked_count = 0;
    let mut count = 0;
    for item in pages.by_ref() {
        let item = item?;
        count += 1;
        blocked_count += usize::from(item.blocked.is_some_and(|b| b.is_set()));
    }
    say(format!(
        "{count} accounts (the server reports {}), {blocked_count} blocked, in {} pages",
        total
            .map(|t| t.to_string())
            .unwrap_or_else(|| "no total".into()),
        pages.pages_fetched()
    ));

    step(
        7,
        "Run a small batch over the same session (results flushed as they come)",
    );
    let calls: Vec<BatchCall> = [10, 20, 30, 40, 50, 100_000]
        .iter()
        .map(|&i| {
            let request = GetAccountInfoRequest {
                i_account: Some(i),
                ..Default::default()
            };
            BatchCall::new::<GetAccountInfo>(format!("account-{i}"), &request)
        })
        .collect();
    let scratch = Scratch::new()?;
    let output = scratch.0.join("results.jsonl");
    let mut outcomes = Vec::new();
    let summary = batch::run(
        &soap,
        &calls,
        &output,
        &BatchOptions::default(),
        &mut |event| {
            if let BatchEvent::Finished { call, outcome } = event {
                outcomes.push(format!("{} {}", call.id, outcome.status()));
            }
        },
    )?;
    outcomes.sort();
    say(format!(
        "{} calls: {} ok, {} fault (an account that does not exist): {}",
        summary.total,
        summary.ok,
        summary.faults,
        outcomes.join(", ")
    ));
    drop(scratch);

    step(8, "Log out");
    soap.logout()?;
    let stats = sim.stats();
    say(format!(
        "logged out; {} login for {} calls over SOAP and REST, {} TLS connection(s) opened",
        stats.logins,
        stats.calls.values().sum::<u64>(),
        stats.connections
    ));
    drop(listener);
    println!("\nDone. `portabilling --help` lists the commands; README.md shows the library API.");
    Ok(ExitCode::SUCCESS)
}

/// The same flow against a real server, reading only.
fn real_server(conn: &super::Connection) -> Result<ExitCode, Error> {
    println!(
        "portabilling demo: read-only run against {}",
        conn.url.as_deref().unwrap_or("")
    );
    // Both protocols share one session: a session file if one was given,
    // otherwise a store in memory.
    let store: Arc<dyn portabilling::auth::SessionStore> = Arc::new(MemoryStore::new());
    let build = |protocol: Protocol| -> Result<portabilling::Client, Error> {
        let mut builder = conn.builder()?.protocol(protocol);
        if conn.session_store_location().is_none() {
            builder = builder.session_store(store.clone());
        }
        builder.build()
    };
    let client = build(conn.protocol.parse::<Protocol>()?)?;
    let other = match client.protocol() {
        Protocol::Soap => Protocol::Rest,
        Protocol::Rest => Protocol::Soap,
    };
    step(1, "Log in once");
    client.login()?;
    say(format!("logged in ({} login)", client.logins()));

    step(2, "Provisioning events are not waited for in a read-only run (see `portabilling espf listen`)");

    step(3, "Find an account, and fetch it over both protocols");
    let first = client
        .account()
        .get_account_list(&GetAccountListRequest {
            limit: Some(1),
            ..Default::default()
        })?
        .account_list
        .into_iter()
        .next()
        .ok_or_else(|| Error::Config("the server lists no accounts".into()))?;
    let request = GetAccountInfoRequest {
        i_account: first.i_account,
        ..Default::default()
    };
    let mine = client.account().get_account_info(&request)?;
    let second = build(other)?;
    let theirs = second.account().get_account_info(&request)?;
    say(format!(
        "{}: {} and {} agree: {}",
        first.id.as_deref().unwrap_or("?"),
        client.protocol(),
        other,
        mine == theirs
    ));

    step(4, "Updating is skipped in a read-only run");

    step(5, "Page through the customer's accounts");
    let mut pages = client
        .account()
        .iter_account_list(GetAccountListRequest {
            i_customer: first.i_customer,
            ..Default::default()
        })
        .page_size(100)
        .with_total();
    let total = pages.total()?;
    let count = pages.by_ref().take(1000).filter(|a| a.is_ok()).count();
    say(format!(
        "{count} accounts read (at most 1,000 in the demo); the server reports {total:?}"
    ));

    step(6, "Log out");
    client.logout()?;
    say(format!(
        "logged out; {} login(s) for both protocols",
        client.logins() + second.logins()
    ));
    Ok(ExitCode::SUCCESS)
}
