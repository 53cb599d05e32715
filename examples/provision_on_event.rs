//! Provisioning on an event: PortaBilling's ESPF tells us an account changed; we fetch the
//! account and bring our own system (here, a SIP switch, printed) in line with it.
//!
//! ```text
//! cargo run --example provision_on_event                # a simulator sends three events
//! PORTABILLING_URL=… PORTABILLING_LOGIN=… PORTABILLING_PASSWORD=… ESPF_BIND=0.0.0.0:8080 \
//! ESPF_USER=espf ESPF_PASSWORD=… cargo run --example provision_on_event
//! ```
//!
//! The listener checks ESPF's Basic credentials and `Date`, drops duplicate deliveries of the
//! same `i_event` (remembered in a state file across restarts), fetches the account and hands
//! it to `provision`. What `provision` returns is what ESPF hears: `Ok` acknowledges the event,
//! `Retry` asks ESPF to send it again later, `Reject` drops it.

use std::error::Error;
use std::sync::mpsc;
use std::time::Duration;

use portabilling::account::{AccountInfo, UpdateAccountRequest};
use portabilling::espf::{
    Delivery, Entity, HandOffError, Listener, ListenerConfig, Pipeline, RequestAuth,
};
use portabilling::sim::{EventTarget, SimConfig, Simulator};
use portabilling::{Client, Flag, Protocol};

/// Our side of the integration: bring the switch in line with the account.
fn provision(delivery: &Delivery<'_>) -> Result<(), HandOffError> {
    let event = delivery.event.event_type().as_str();
    match delivery.entity {
        Some(Entity::Account { account, .. }) => {
            let sip_user = account
                .id
                .as_deref()
                .ok_or_else(|| HandOffError::Reject("the account has no id".into()))?;
            let enabled = !account.blocked.is_some_and(|b| b.is_set());
            // A real integration calls the switch here, and returns Retry when it is down.
            println!("{event}: SIP user {sip_user} enabled={enabled}");
            Ok(())
        }
        // Deletions come without an entity; other kinds are not ours to provision.
        _ => {
            println!("{event}: nothing to provision");
            Ok(())
        }
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let simulated = std::env::var("PORTABILLING_URL").is_err();
    let simulator = if simulated {
        Some(Simulator::start(SimConfig {
            accounts: 10,
            ..SimConfig::default()
        })?)
    } else {
        None
    };
    let client = match &simulator {
        Some(sim) => Client::builder(sim.url()).login(sim.login(), sim.password()),
        None => Client::builder(std::env::var("PORTABILLING_URL")?).login(
            std::env::var("PORTABILLING_LOGIN")?,
            std::env::var("PORTABILLING_PASSWORD")?,
        ),
    }
    .protocol(Protocol::Rest)
    .build()?;

    let user = std::env::var("ESPF_USER").unwrap_or_else(|_| "espf".into());
    let password = std::env::var("ESPF_PASSWORD").unwrap_or_else(|_| "example-secret".into());
    let bind = std::env::var("ESPF_BIND").unwrap_or_else(|_| "127.0.0.1:0".into());
    let state = std::env::temp_dir().join(format!("espf-example-{}.state", std::process::id()));

    // The simulated run stops after three events; a real one runs until stopped.
    let (done_tx, done_rx) = mpsc::sync_channel(16);
    let pipeline = Pipeline::builder(RequestAuth::basic(&user, &password))
        .dedup_file(&state)?
        .client(client)
        .hand_off(move |delivery: &Delivery<'_>| {
            provision(delivery)?;
            let _ = done_tx.try_send(());
            Ok(())
        })
        .build();
    let listener = Listener::start(ListenerConfig::new(bind, pipeline))?;
    eprintln!("listening for ESPF events on {}", listener.url());

    let Some(sim) = simulator else {
        loop {
            std::thread::park();
        }
    };
    sim.send_events_to(EventTarget::basic(listener.url(), &user, &password))?;
    // Someone in the billing back office changes three accounts.
    let back_office = Client::builder(sim.url())
        .login(sim.login(), sim.password())
        .build()?;
    for (i_account, blocked) in [(5, Flag::Yes), (6, Flag::No), (7, Flag::Yes)] {
        back_office
            .account()
            .update_account(&UpdateAccountRequest {
                account_info: Some(AccountInfo {
                    i_account: Some(i_account),
                    blocked: Some(blocked),
                    ..Default::default()
                }),
                ..Default::default()
            })?;
    }
    for _ in 0..3 {
        done_rx.recv_timeout(Duration::from_secs(10))?;
    }
    let _ = std::fs::remove_file(&state);
    Ok(())
}
