//! The call path over real sockets: one deadline for the whole call, one renewal rule for
//! calls and streams, one retry policy (logins included), and paging that a capped server
//! cannot cut short.

use std::time::{Duration, Instant};

use crate::support::{http, Action, Canned};
use portabilling::account::{
    AccountInfo, GetAccountInfoRequest, GetAccountListRequest, UpdateAccountRequest,
};
use portabilling::error::AuthErrorKind;
use portabilling::paging::Caller;
use portabilling::sim::{Failure, SimConfig, Simulator};
use portabilling::{account, Client, Error, Protocol};

/// The head of an answer and the first part of its body; the rest never comes.
fn stalled_answer() -> Vec<u8> {
    let mut bytes =
        b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 100000\r\n\r\n".to_vec();
    bytes.extend_from_slice(&[b' '; 200]);
    bytes
}

fn read(client: &Client) -> Result<(), Error> {
    client
        .account()
        .get_account_info(&GetAccountInfoRequest {
            i_account: Some(1),
            ..Default::default()
        })
        .map(drop)
}

fn write(client: &Client) -> Result<(), Error> {
    client
        .account()
        .update_account(&UpdateAccountRequest {
            account_info: Some(AccountInfo {
                i_account: Some(1),
                ..Default::default()
            }),
            ..Default::default()
        })
        .map(drop)
}

#[test]
fn a_stalled_body_ends_the_call_at_its_deadline_over_both_protocols_for_reads_and_writes() {
    let server =
        Canned::start(|_, _| Action::SendThenStall(stalled_answer(), Duration::from_secs(30)));
    let mut cases = Vec::new();
    for protocol in [Protocol::Soap, Protocol::Rest] {
        for (kind, call) in [
            ("read", read as fn(&Client) -> Result<(), Error>),
            ("write", write),
        ] {
            let url = server.url.clone();
            cases.push(std::thread::spawn(move || {
                // The default read timeout (60 s) is far beyond the deadline: only the
                // deadline can end these calls in time.
                let client = Client::builder(url)
                    .session_id("a-session")
                    .protocol(protocol)
                    .timeout(Duration::from_secs(5))
                    .build()
                    .unwrap();
                let started = Instant::now();
                let result = call(&client);
                (protocol, kind, started.elapsed(), result)
            }));
        }
    }
    for case in cases {
        let (protocol, kind, elapsed, result) = case.join().unwrap();
        let error = result.expect_err("the body never completes");
        assert!(error.is_timeout(), "{protocol} {kind}: {error}");
        assert!(
            elapsed >= Duration::from_millis(4900) && elapsed < Duration::from_secs(7),
            "{protocol} {kind}: {elapsed:?}"
        );
        // A write whose answer never came may have been applied.
        if kind == "write" {
            assert!(error.outcome_unknown(), "{protocol} {kind}: {error}");
        }
    }
}

#[test]
fn a_read_is_retried_once_after_a_read_timeout_and_a_write_never() {
    for (kind, call, attempts) in [
        ("read", read as fn(&Client) -> Result<(), Error>, 2),
        ("write", write, 1),
    ] {
        let server =
            Canned::start(|_, _| Action::SendThenStall(stalled_answer(), Duration::from_secs(30)));
        let client = Client::builder(&server.url)
            .session_id("a-session")
            .read_timeout(Duration::from_millis(500))
            .retries(5)
            .timeout(Duration::from_secs(20))
            .build()
            .unwrap();
        let started = Instant::now();
        let error = call(&client).expect_err("the body never completes");
        assert!(error.is_timeout(), "{kind}: {error}");
        assert!(started.elapsed() < Duration::from_secs(5), "{kind}");
        assert_eq!(
            server.requests.load(std::sync::atomic::Ordering::SeqCst),
            attempts,
            "{kind}"
        );
    }
}

#[test]
fn no_retry_starts_past_the_deadline() {
    // Every answer is a 503: a read is retried, with backoff, until the next wait would end
    // past the deadline.
    let server = Canned::start(|_, _| Action::Send(http(503, "text/html", b"<h1>busy</h1>")));
    let client = Client::builder(&server.url)
        .session_id("a-session")
        .retries(100)
        .timeout(Duration::from_millis(1500))
        .build()
        .unwrap();
    let started = Instant::now();
    let error = read(&client).expect_err("always busy");
    assert_eq!(error.status(), Some(503), "{error}");
    assert!(started.elapsed() < Duration::from_millis(1500));
    // Waits of 100, 200, 400 and 800 ms (±20 %): three always fit in 1.5 s, four only with
    // short jitter, the fifth (1.6 s) never.
    let requests = server.requests.load(std::sync::atomic::Ordering::SeqCst);
    assert!((4..=5).contains(&requests), "{requests} requests");
}

#[test]
fn a_stream_with_a_refused_session_and_no_credentials_ends_in_an_auth_error() {
    let sim = crate::sim_with(10);
    for protocol in [Protocol::Soap, Protocol::Rest] {
        let client = Client::builder(sim.url())
            .session_id("bogus")
            .protocol(protocol)
            .build()
            .unwrap();
        let call = client
            .account()
            .get_account_list(&GetAccountListRequest::default())
            .expect_err("the session is bogus");
        let stream = client
            .account()
            .stream_account_list(&GetAccountListRequest::default())
            .expect_err("the session is bogus");
        for error in [call, stream] {
            match &error {
                Error::Auth(auth) => {
                    assert_eq!(auth.kind, AuthErrorKind::SessionRejected, "{error}");
                    assert_eq!(
                        auth.code.as_deref(),
                        Some("Server.Session.check_auth.auth_failed"),
                        "{error}"
                    );
                }
                other => panic!("{protocol}: expected an auth error, got {other:?}"),
            }
        }
    }
}

#[test]
fn a_stream_renews_an_expired_session_when_it_can_log_in() {
    let sim = crate::sim_with(30);
    for protocol in [Protocol::Soap, Protocol::Rest] {
        let client = crate::client_of(&sim, protocol);
        client.login().unwrap();
        sim.expire_sessions();
        let items: Vec<_> = client
            .account()
            .stream_account_list(&GetAccountListRequest::default())
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(items.len(), 30, "{protocol}");
        assert_eq!(client.logins(), 2, "{protocol}");
    }
}

#[test]
fn a_server_that_caps_the_page_size_still_yields_every_item() {
    let sim = Simulator::start(SimConfig {
        accounts: 230,
        max_page_size: Some(50),
        ..SimConfig::default()
    })
    .unwrap();
    for protocol in [Protocol::Soap, Protocol::Rest] {
        let client = crate::client_of(&sim, protocol);
        let mut pages = client
            .account()
            .iter_account_list(GetAccountListRequest::default())
            .page_size(100);
        let ids: Vec<i64> = pages
            .by_ref()
            .map(|a| a.unwrap().i_account.unwrap())
            .collect();
        assert_eq!(ids.len(), 230, "{protocol}");
        let mut unique = ids.clone();
        unique.dedup();
        assert_eq!(unique.len(), 230, "{protocol}: no item twice");
        // 50 at a time, whatever was asked: 5 pages, the last one short.
        assert_eq!(pages.pages_fetched(), 5, "{protocol}");
    }
}

/// A caller that answers like a server without totals that caps pages at 50.
struct CappedWithoutTotal {
    accounts: u64,
}

impl Caller for CappedWithoutTotal {
    fn call<O: portabilling::model::Operation>(
        &self,
        request: &O::Request,
    ) -> portabilling::Result<O::Response> {
        let request = portabilling::model::json::to_value(request);
        let offset = request["offset"].as_u64().unwrap_or(0);
        let items: Vec<serde_json::Value> = (offset..self.accounts.min(offset + 50))
            .map(|i| serde_json::json!({ "i_account": i }))
            .collect();
        let mut response = O::Response::default();
        portabilling::model::json::set_from_value(
            &mut response,
            &serde_json::json!({ "account_list": items }),
        )
        .unwrap();
        Ok(response)
    }

    fn stream<O: portabilling::model::PagedOperation>(
        &self,
        _: &O::Request,
    ) -> portabilling::Result<portabilling::paging::ItemStream<O::Item>> {
        unreachable!("not streamed")
    }
}

#[test]
fn without_a_total_a_short_page_ends_the_list_as_documented() {
    let caller = CappedWithoutTotal { accounts: 230 };
    let api = account::Api::new(&caller);
    let got = api
        .iter_account_list(GetAccountListRequest::default())
        .page_size(100)
        .count();
    // The first page (50 of the 100 asked) looks like the last: that is the documented limit.
    assert_eq!(got, 50);
}

#[test]
fn a_login_behind_a_503_or_a_slow_answer_is_retried_and_a_bad_password_never() {
    let sim = crate::sim_with(5);
    for protocol in [Protocol::Soap, Protocol::Rest] {
        let client = Client::builder(sim.url())
            .login(sim.login(), sim.password())
            .protocol(protocol)
            .read_timeout(Duration::from_millis(700))
            .build()
            .unwrap();
        sim.fail_next(Some("login"), Failure::Unavailable);
        sim.fail_next(Some("login"), Failure::Delay(Duration::from_secs(2)));
        let before = sim.stats().requests;
        read(&client).unwrap();
        assert_eq!(client.logins(), 1, "{protocol}");
        // Three login requests (a 503, one answered too late, one in time) and the read.
        assert_eq!(sim.stats().requests - before, 4, "{protocol}");
    }
    let requests_before = sim.stats().requests;
    let client = Client::builder(sim.url())
        .login(sim.login(), "wrong")
        .retries(5)
        .build()
        .unwrap();
    let error = read(&client).expect_err("a wrong password");
    assert!(
        matches!(&error, Error::Auth(a) if a.kind == AuthErrorKind::BadCredentials),
        "{error}"
    );
    assert_eq!(
        sim.stats().requests - requests_before,
        1,
        "one login, not retried"
    );
}

#[test]
fn what_may_be_retried_comes_from_the_generated_descriptors() {
    let login = portabilling::registry::operation("Session", "login").unwrap();
    assert!(login.read_only && !login.needs_session);
    let refresh = portabilling::registry::operation("Session", "refresh_access_token").unwrap();
    assert!(refresh.read_only && !refresh.needs_session);
    let logout = portabilling::registry::operation("Session", "logout").unwrap();
    assert!(!logout.read_only && logout.needs_session);
    let read = portabilling::registry::operation("Account", "get_account_info").unwrap();
    assert!(read.read_only && read.needs_session);
    let write = portabilling::registry::operation("Account", "update_account").unwrap();
    assert!(!write.read_only && write.needs_session);
}

/// A server that answers every page with the same three accounts, whatever the offset, with
/// or without a total.
fn ignores_offset(total: Option<u64>) -> Canned {
    Canned::start(move |_, _| {
        let items: String = (1..=3)
            .map(|i| format!("<item><i_account xsi:type=\"xsd:long\">{i}</i_account></item>"))
            .collect();
        let total = total.map_or(String::new(), |t| format!("<total>{t}</total>"));
        Action::Send(http(
            200,
            "text/xml",
            &crate::support::soap(&format!(
                "<get_account_listResponse><GetAccountListResponse>{total}<account_list>{items}</account_list></GetAccountListResponse></get_account_listResponse>"
            )),
        ))
    })
}

#[test]
fn a_server_that_ignores_offset_ends_the_walk_with_an_error_not_repeats() {
    for total in [None, Some(100)] {
        let server = ignores_offset(total);
        let client = Client::builder(&server.url)
            .session_id("s")
            .build()
            .unwrap();
        let got: Vec<_> = client
            .account()
            .iter_account_list(GetAccountListRequest::default())
            .page_size(3)
            .collect();
        // The first page, then the error the second (the same page again) raises; nothing more.
        assert_eq!(got.len(), 4, "{total:?}");
        assert!(got[..3].iter().all(Result::is_ok), "{total:?}");
        let err = got[3].as_ref().unwrap_err().to_string();
        assert!(err.contains("does not honour `offset`"), "{total:?}: {err}");
        assert_eq!(server.requests.load(std::sync::atomic::Ordering::SeqCst), 2);

        // The same for a list walked by name (`call --all`).
        let op = portabilling::registry::operation("Account", "get_account_list").unwrap();
        let mut pages = portabilling::paging::ListPages::new(&client, op, serde_json::json!({}))
            .unwrap()
            .page_size(3);
        let mut items = 0;
        let err = loop {
            match pages.next_item() {
                Ok(Some(_)) => items += 1,
                Ok(None) => panic!("{total:?}: the walk ended as if the list were whole"),
                Err(e) => break e.to_string(),
            }
        };
        assert_eq!(items, 3, "{total:?}");
        assert!(err.contains("does not honour `offset`"), "{total:?}: {err}");
        assert_eq!(
            pages.offset(),
            3,
            "{total:?}: where a resumed walk would start"
        );
    }
}
