//! The client from async code: a tokio service answers lookups for many accounts at once.
//!
//! The client is blocking and `Send + Sync`, so an async program clones it (an `Arc` inside)
//! into `tokio::task::spawn_blocking`: the call runs on tokio's blocking pool and the async
//! workers stay free. All the calls share the client's one session and its kept-alive
//! connections.
//!
//! ```text
//! cargo run --example tokio_service      # against a simulator it starts
//! ```

use std::error::Error;

use portabilling::account::GetAccountInfoRequest;
use portabilling::sim::{SimConfig, Simulator};
use portabilling::Client;

/// What the service answers for one account: its id and balance, or why not.
async fn lookup(client: &Client, i_account: i64) -> Result<String, Box<dyn Error + Send + Sync>> {
    let client = client.clone();
    let reply = tokio::task::spawn_blocking(move || {
        client.account().get_account_info(&GetAccountInfoRequest {
            i_account: Some(i_account),
            ..Default::default()
        })
    })
    .await??;
    Ok(match reply.account_info {
        Some(account) => format!(
            "{i_account}: {} owes {}",
            account.id.unwrap_or_default(),
            account.balance.map(|b| b.to_string()).unwrap_or_default()
        ),
        None => format!("{i_account}: no such account"),
    })
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn Error + Send + Sync>> {
    let sim = Simulator::start(SimConfig {
        accounts: 50,
        ..SimConfig::default()
    })?;
    let client = Client::builder(sim.url())
        .login(sim.login(), sim.password())
        .build()?;

    // Twenty lookups at once, as twenty requests to the service would make them.
    let lookups: Vec<_> = (1..=20)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move { lookup(&client, i).await })
        })
        .collect();
    for handle in lookups {
        println!("{}", handle.await??);
    }
    println!("{} login for 20 calls", client.logins());
    Ok(())
}
