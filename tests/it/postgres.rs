//! The PostgreSQL stores through the library, over a real PostgreSQL
//! (`PORTABILLING_TEST_POSTGRES`, see tests/support/postgres.rs; without it each test says it
//! was skipped): sealed sessions and one login for clients that share the database, claims
//! that are leases (renewed while held, taken over when their holder is gone, final once
//! committed), and rate-limit waits that end at the call's deadline, told to the observer.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portabilling::auth::SessionStore;
use portabilling::espf::{Dedup, DedupOptions, EventId, TryClaim};
use portabilling::pg::{Database, PgDedup, PgSessionStore, SCHEMA_VERSION};
use portabilling::sim::Simulator;
use portabilling::{Client, ClientEvent, ClientObserver};

use crate::support::postgres as pg;

fn sim() -> Simulator {
    crate::sim_with(10)
}

fn info(client: &Client, i: i64) -> portabilling::Result<()> {
    client
        .account()
        .get_account_info(&portabilling::account::GetAccountInfoRequest {
            i_account: Some(i),
            ..Default::default()
        })
        .map(|_| ())
}

#[test]
fn clients_on_one_database_share_a_sealed_session_and_log_in_once() {
    let name = "clients_on_one_database_share_a_sealed_session_and_log_in_once";
    let Some(url) = pg::url(name) else {
        return;
    };
    let _serial = pg::serial();
    let sim = sim();
    // Two databases handles, as two processes would have; migrating twice is harmless.
    let (db1, db2) = (
        Database::connect(&url).unwrap(),
        Database::connect(&url).unwrap(),
    );
    assert_eq!(db1.schema_version().unwrap(), SCHEMA_VERSION);
    // Messages name the database without its password.
    assert_eq!(
        portabilling::pg::shown_url("postgres://app:pw-S3cret@db.internal:6432/billing").as_deref(),
        Some("postgres://app@db.internal:6432/billing")
    );
    assert!(!format!("{db1:?}").contains("pw-"));
    let client = |db: &Arc<Database>| {
        Client::builder(sim.url())
            .login(sim.login(), sim.password())
            .session_store(Arc::new(PgSessionStore::new(
                Arc::clone(db),
                sim.password(),
            )))
            .build()
            .unwrap()
    };
    let clients = [client(&db1), client(&db2), client(&db1), client(&db2)];
    std::thread::scope(|s| {
        for (i, c) in clients.iter().enumerate() {
            s.spawn(move || info(c, 1 + i as i64).unwrap());
        }
    });
    assert_eq!(sim.stats().logins, 1);

    // The row opens only with the password: another one sees no session (and would log in).
    let key = format!("{}|{}", sim.url(), sim.login());
    let right = PgSessionStore::new(Arc::clone(&db1), sim.password());
    let wrong = PgSessionStore::new(Arc::clone(&db1), "another-password");
    assert!(right.load(&key).unwrap().is_some());
    assert!(wrong.load(&key).unwrap().is_none());
    let mut raw = pg::connect(&url);
    let sealed: Vec<u8> = raw
        .query_one(
            "SELECT sealed FROM portabilling_sessions WHERE key = $1",
            &[&key],
        )
        .unwrap()
        .get(0);
    let text = String::from_utf8_lossy(&sealed);
    for secret in sim.issued_secrets() {
        assert!(!text.contains(&secret));
    }

    // A login lock held elsewhere makes a waiter give up at its deadline, not later.
    let held = Arc::new(std::sync::Barrier::new(2));
    std::thread::scope(|s| {
        let holder = Arc::clone(&held);
        let (right, key) = (&right, &key);
        s.spawn(move || {
            right
                .with_lock(key, None, &mut || {
                    holder.wait();
                    std::thread::sleep(Duration::from_millis(1500));
                    Ok(())
                })
                .unwrap()
        });
        held.wait();
        let started = Instant::now();
        let waited = wrong.with_lock(
            key,
            Some(Instant::now() + Duration::from_millis(200)),
            &mut || Ok(()),
        );
        assert!(waited.unwrap_err().is_timeout());
        assert!(started.elapsed() < Duration::from_millis(1200));
    });
}

fn id(s: &str) -> EventId {
    EventId::new(s).unwrap()
}

#[test]
fn claims_are_leases_renewed_while_held_taken_over_when_their_holder_is_gone() {
    let name = "claims_are_leases_renewed_while_held_taken_over_when_their_holder_is_gone";
    let Some(url) = pg::url(name) else {
        return;
    };
    let _serial = pg::serial();
    let db = Database::connect(&url).unwrap();
    let scope = pg::unique("test-scope-");
    let lease = Duration::from_secs(1);
    let options = DedupOptions {
        wait_in_flight: Duration::from_millis(300),
        ..DedupOptions::default()
    };
    let store = || PgDedup::with_scope(Arc::clone(&db), &scope, lease, options.clone()).unwrap();
    let (a, b) = (store(), store());
    assert_ne!(a.owner(), b.owner());

    // Held across several leases while its holder lives (the holder renews it).
    assert_eq!(a.try_claim(&id("1")).unwrap(), TryClaim::Claimed);
    let until = Instant::now() + Duration::from_millis(2500);
    while Instant::now() < until {
        assert_eq!(b.try_claim(&id("1")).unwrap(), TryClaim::Held);
        std::thread::sleep(Duration::from_millis(100));
    }
    // A second delivery through `claim` waits, then is told to retry.
    let b_dyn: &dyn Dedup = &b;
    assert!(matches!(
        b_dyn.claim(&id("1")).unwrap(),
        portabilling::espf::Claim::Busy
    ));
    // Its holder is gone without a word: the lease runs out and B takes over.
    drop(a);
    let gone = Instant::now();
    loop {
        match b.try_claim(&id("1")).unwrap() {
            TryClaim::Claimed => break,
            TryClaim::Held => {
                assert!(gone.elapsed() < Duration::from_secs(10), "never taken over");
                std::thread::sleep(Duration::from_millis(50));
            }
            TryClaim::Handled => panic!("not handled yet"),
        }
    }
    b.commit(&id("1")).unwrap();
    // Final: no replica runs it again, and a released claim may run again.
    let c = store();
    assert_eq!(c.try_claim(&id("1")).unwrap(), TryClaim::Handled);
    assert!(c.is_handled(&id("1")).unwrap());
    assert_eq!(c.try_claim(&id("2")).unwrap(), TryClaim::Claimed);
    c.release(&id("2"));
    assert_eq!(b.try_claim(&id("2")).unwrap(), TryClaim::Claimed);
    assert!(c.check().is_ok());
}

#[derive(Default)]
struct Events(Mutex<Vec<String>>);

impl ClientObserver for Events {
    fn observe(&self, event: &ClientEvent<'_>) {
        let text = match event {
            ClientEvent::Call {
                service,
                method,
                outcome,
                ..
            } => format!("call {service}/{method} {}", outcome.as_str()),
            ClientEvent::Login => "login".into(),
            ClientEvent::SessionRenewed => "renewed".into(),
            ClientEvent::RateLimitWait(_) => "wait".into(),
            _ => "other".into(),
        };
        self.0.lock().unwrap().push(text);
    }
}

#[test]
fn a_shared_rate_limit_waits_and_gives_up_at_the_deadline() {
    let name = "a_shared_rate_limit_waits_and_gives_up_at_the_deadline";
    let Some(url) = pg::url(name) else {
        return;
    };
    let _serial = pg::serial();
    let sim = sim();
    let db = Database::connect(&url).unwrap();
    let events = Arc::new(Events::default());
    let build = |timeout: Duration| {
        Client::builder(sim.url())
            .login(sim.login(), sim.password())
            .session_store(Arc::new(PgSessionStore::new(
                Arc::clone(&db),
                sim.password(),
            )))
            .rate_limit(2.0)
            .rate_limit_burst(1)
            .timeout(timeout)
            .observer(events.clone())
            .build()
            .unwrap()
    };
    // A login and a call: the call waits half a second for its slot.
    let patient = build(Duration::from_secs(10));
    let started = Instant::now();
    info(&patient, 1).unwrap();
    assert!(started.elapsed() >= Duration::from_millis(400));
    // Another client of the same server and login shares the schedule: with 100 ms left,
    // it cannot get a slot, and says so at once instead of waiting past its deadline.
    let hasty = build(Duration::from_millis(100));
    let _ = hasty.login();
    let started = Instant::now();
    let err = info(&hasty, 2).unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert!(err.to_string().contains("rate limit"), "{err}");
    assert!(started.elapsed() < Duration::from_millis(100));
    let seen = events.0.lock().unwrap().clone();
    assert!(seen.contains(&"login".to_string()), "{seen:?}");
    assert!(seen.contains(&"wait".to_string()), "{seen:?}");
    assert!(
        seen.contains(&"call Account/get_account_info ok".to_string()),
        "{seen:?}"
    );
    assert!(
        seen.contains(&"call Account/get_account_info timeout".to_string()),
        "{seen:?}"
    );
}
