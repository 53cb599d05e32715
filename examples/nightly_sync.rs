//! A nightly sync: export every account to CSV, page by page, with one login shared by every
//! run of the job.
//!
//! ```text
//! cargo run --example nightly_sync                      # against a simulator it starts
//! PORTABILLING_URL=https://billing.example.com PORTABILLING_LOGIN=sync \
//! PORTABILLING_PASSWORD=… cargo run --example nightly_sync > accounts.csv
//! ```
//!
//! The session lives in a file (mode 0600; `PORTABILLING_SESSION_FILE`, by default in the temp
//! directory), so tonight's run reuses yesterday's session while the server still accepts it,
//! and logs in again only when it does not.

use std::error::Error;
use std::io::Write;

use portabilling::account::GetAccountListRequest;
use portabilling::sim::{SimConfig, Simulator};
use portabilling::Client;

fn main() -> Result<(), Box<dyn Error>> {
    // Without a server, start a simulator with 1,234 accounts to sync.
    let simulator = match std::env::var("PORTABILLING_URL") {
        Ok(_) => None,
        Err(_) => Some(Simulator::start(SimConfig {
            accounts: 1234,
            ..SimConfig::default()
        })?),
    };
    let (url, login, password) = match &simulator {
        Some(sim) => (
            sim.url(),
            sim.login().to_string(),
            sim.password().to_string(),
        ),
        None => (
            std::env::var("PORTABILLING_URL")?,
            std::env::var("PORTABILLING_LOGIN")?,
            std::env::var("PORTABILLING_PASSWORD")?,
        ),
    };
    let session_file = std::env::var_os("PORTABILLING_SESSION_FILE")
        .map(Into::into)
        .unwrap_or_else(|| std::env::temp_dir().join("portabilling-nightly-sync.session"));

    let client = Client::builder(url)
        .login(login, password)
        .session_file(session_file)
        .build()?;

    // 500 accounts a request: large pages are fewer round trips, and each page is decoded
    // as it is read, so memory stays flat however many accounts there are.
    let mut accounts = client
        .account()
        .iter_account_list(GetAccountListRequest::default())
        .page_size(500)
        .with_total();
    let expected = accounts.total()?;

    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    writeln!(out, "i_account,id,i_customer,balance,blocked")?;
    let mut count = 0u64;
    for account in accounts.by_ref() {
        let account = account?;
        writeln!(
            out,
            "{},{},{},{},{}",
            account.i_account.unwrap_or_default(),
            csv_field(account.id.as_deref().unwrap_or_default()),
            account.i_customer.unwrap_or_default(),
            account.balance.map(|b| b.to_string()).unwrap_or_default(),
            account.blocked.map(|b| b.to_string()).unwrap_or_default(),
        )?;
        count += 1;
    }
    out.flush()?;
    eprintln!(
        "synced {count} accounts (the server counts {}) in {} pages with {} login(s)",
        expected.map_or("?".to_string(), |t| t.to_string()),
        accounts.pages_fetched(),
        client.logins()
    );
    Ok(())
}

/// Quotes a CSV field when it needs it.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}
