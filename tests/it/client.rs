//! The SOAP and REST client over real sockets: faults, sessions, concurrency, TLS, timeouts,
//! broken bodies, and secrets kept out of errors and logs.

use std::sync::{Arc, Barrier};
use std::time::Duration;

use crate::support::{http, soap, soap_login, Action, Canned};
use portabilling::auth::Credentials;
use portabilling::error::{AuthErrorKind, TransportErrorKind};
use portabilling::sim::{CertificateKind, Failure, Faults, SimConfig, Simulator};
use portabilling::{account, Client, Error, LastExchange, Protocol};

use crate::{client_of as client, sim_with as sim};

fn info(i: i64) -> account::GetAccountInfoRequest {
    account::GetAccountInfoRequest {
        i_account: Some(i),
        ..Default::default()
    }
}

const PROTOCOLS: [Protocol; 2] = [Protocol::Soap, Protocol::Rest];

#[test]
fn api_faults_keep_their_code() {
    let sim = sim(3);
    for p in PROTOCOLS {
        let c = client(&sim, p);
        let dup = account::AddAccountRequest {
            account_info: account::AccountInfo {
                id: Some("sim-000001".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        let err = c.account().add_account(&dup).unwrap_err();
        assert!(err.is_fault(), "{p}: {err}");
        assert_eq!(err.fault_code(), Some("Server.Account.duplicate_id"));
        let fault = err.fault().unwrap();
        assert_eq!(
            (fault.service.as_str(), fault.method.as_str()),
            ("Account", "add_account")
        );
        assert_eq!(fault.http_status, Some(500));
        let missing = c.account().get_account_info(&info(404)).unwrap_err();
        assert!(missing.fault().unwrap().is_not_found(), "{missing}");
    }
}

#[test]
fn bad_credentials_fail_once_and_are_never_retried() {
    let sim = sim(1);
    for p in PROTOCOLS {
        let before = sim.stats().calls.get("Session/login").copied().unwrap_or(0);
        let c = Client::builder(sim.url())
            .login(sim.login(), "Wr0ng-pa55")
            .protocol(p)
            .build()
            .unwrap();
        let err = c.account().get_account_info(&info(1)).unwrap_err();
        match &err {
            Error::Auth(a) => assert_eq!(a.kind, AuthErrorKind::BadCredentials, "{err}"),
            other => panic!("{p}: expected an auth error, got {other}"),
        }
        assert_eq!(
            sim.stats().calls.get("Session/login").copied().unwrap_or(0),
            before + 1
        );
        assert!(
            !err.to_string().contains("Wr0ng-pa55"),
            "the password shows in {err}"
        );
    }
}

#[test]
fn brute_force_lockout_is_an_auth_error() {
    let sim = sim(1);
    let c = Client::builder(sim.url())
        .login(sim.login(), "wrong")
        .build()
        .unwrap();
    for _ in 0..5 {
        let _ = c.login();
    }
    let err = c.login().unwrap_err();
    assert!(
        matches!(&err, Error::Auth(a) if a.kind == AuthErrorKind::Lockout),
        "{err}"
    );
}

#[test]
fn a_refused_session_id_without_login_is_an_auth_error() {
    let sim = sim(1);
    let c = Client::builder(sim.url())
        .session_id("not-a-session")
        .build()
        .unwrap();
    let err = c.account().get_account_info(&info(1)).unwrap_err();
    assert!(
        matches!(&err, Error::Auth(a) if a.kind == AuthErrorKind::SessionRejected),
        "{err}"
    );
    assert!(!format!("{err} {err:?}").contains("not-a-session"));
}

#[test]
fn an_expired_session_is_renewed_once_and_the_call_retried() {
    let sim = sim(2);
    for p in PROTOCOLS {
        let c = client(&sim, p);
        c.login().unwrap();
        sim.expire_sessions();
        let logins = sim.stats().logins;
        let r = c.account().get_account_info(&info(2)).unwrap();
        assert_eq!(r.account_info.unwrap().i_account, Some(2));
        assert_eq!(sim.stats().logins, logins + 1, "{p}");
        assert_eq!(c.logins(), 2);
    }
}

#[test]
fn a_session_refused_again_after_renewal_is_an_auth_error() {
    let sim = Simulator::start(SimConfig {
        accounts: 1,
        faults: Faults {
            expire_sessions_after: Some(0),
            ..Faults::default()
        },
        ..SimConfig::default()
    })
    .unwrap();
    let c = client(&sim, Protocol::Soap);
    let err = c.account().get_account_info(&info(1)).unwrap_err();
    assert!(
        matches!(&err, Error::Auth(a) if a.kind == AuthErrorKind::SessionRejected),
        "{err}"
    );
    assert_eq!(c.logins(), 2, "one login, one renewal, no loop");
}

#[test]
fn threads_hitting_an_expired_session_share_one_login() {
    let sim = sim(10);
    for p in PROTOCOLS {
        let c = client(&sim, p);
        c.login().unwrap();
        sim.expire_sessions();
        let logins = sim.stats().logins;
        let barrier = Arc::new(Barrier::new(8));
        let handles: Vec<_> = (0..8)
            .map(|t| {
                let (c, barrier) = (c.clone(), Arc::clone(&barrier));
                std::thread::spawn(move || {
                    barrier.wait();
                    c.account().get_account_info(&info(1 + t % 10)).map(|_| ())
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap().unwrap();
        }
        assert_eq!(
            sim.stats().logins,
            logins + 1,
            "{p}: one login serves every thread"
        );
    }
}

#[test]
fn gateway_errors_are_http_errors_and_reads_are_retried() {
    let sim = sim(1);
    let c = client(&sim, Protocol::Soap);
    c.login().unwrap();
    sim.fail_next(Some("get_account_info"), Failure::Unavailable);
    c.account()
        .get_account_info(&info(1))
        .expect("a read is retried after a 503");
    for _ in 0..3 {
        sim.fail_next(Some("get_account_info"), Failure::Unavailable);
    }
    let err = c.account().get_account_info(&info(1)).unwrap_err();
    assert!(err.is_http_status() && err.status() == Some(503), "{err}");
    // A write is never resent after a 503: the server may have acted on it.
    sim.fail_next(Some("update_account"), Failure::Unavailable);
    let update = account::UpdateAccountRequest {
        account_info: Some(account::AccountInfo {
            i_account: Some(1),
            note: Some("x".into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    assert_eq!(
        c.account().update_account(&update).unwrap_err().status(),
        Some(503)
    );
    assert_eq!(
        sim.stats().calls.get("Account/update_account").copied(),
        None
    );
}

#[test]
fn truncated_bodies_are_retried_for_reads_and_unknown_for_writes() {
    let sim = sim(1);
    for p in PROTOCOLS {
        let c = client(&sim, p);
        c.login().unwrap();
        sim.fail_next(Some("get_account_info"), Failure::Truncate);
        c.account()
            .get_account_info(&info(1))
            .expect("the read is retried");
        sim.fail_next(Some("update_account"), Failure::Truncate);
        let update = account::UpdateAccountRequest {
            account_info: Some(account::AccountInfo {
                i_account: Some(1),
                note: Some(format!("{p}")),
                ..Default::default()
            }),
            ..Default::default()
        };
        let before = sim
            .stats()
            .calls
            .get("Account/update_account")
            .copied()
            .unwrap_or(0);
        let err = c.account().update_account(&update).unwrap_err();
        assert!(err.is_transport() && err.outcome_unknown(), "{p}: {err}");
        assert_eq!(
            sim.stats()
                .calls
                .get("Account/update_account")
                .copied()
                .unwrap_or(0),
            before + 1,
            "not resent"
        );
    }
}

#[test]
fn timeouts_are_reported_as_such() {
    let sim = Simulator::start(SimConfig {
        accounts: 1,
        faults: Faults {
            delay: Duration::from_millis(1500),
            ..Faults::default()
        },
        ..SimConfig::default()
    })
    .unwrap();
    let c = Client::builder(sim.url())
        .login(sim.login(), sim.password())
        .read_timeout(Duration::from_millis(200))
        .retries(0)
        .build()
        .unwrap();
    let err = c.ping().unwrap_err();
    assert!(err.is_timeout(), "{err}");
    let c = Client::builder(sim.url())
        .login(sim.login(), sim.password())
        .timeout(Duration::from_millis(300))
        .retries(0)
        .build()
        .unwrap();
    assert!(c.ping().unwrap_err().is_timeout());
}

#[test]
fn connection_refused_is_a_transport_error_that_never_sent() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let c = Client::builder(format!("http://127.0.0.1:{port}"))
        .login("a", "b")
        .connect_timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let err = c.ping().unwrap_err();
    match &err {
        Error::Transport(t) => {
            assert_eq!(t.kind, TransportErrorKind::Connect, "{err}");
            assert!(!t.request_sent);
        }
        other => panic!("expected a transport error, got {other}"),
    }
    // The operating system's error is still there, down the source() chain.
    let mut cause: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(&err);
    let mut kinds = Vec::new();
    while let Some(e) = cause {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            kinds.push(io.kind());
        }
        cause = e.source();
    }
    assert!(
        kinds.contains(&std::io::ErrorKind::ConnectionRefused),
        "{err}: {kinds:?}"
    );
    assert!(
        err.to_string().contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );
}

#[test]
fn tls_with_a_private_ca_and_refusals_without_it() {
    let sim = Simulator::start(SimConfig {
        accounts: 1,
        tls: true,
        ..SimConfig::default()
    })
    .unwrap();
    let ca = sim.ca_cert_pem().unwrap().to_string();
    for p in PROTOCOLS {
        let trusted = Client::builder(sim.url())
            .login(sim.login(), sim.password())
            .protocol(p)
            .ca_cert_pem(ca.clone())
            .build()
            .unwrap();
        assert!(trusted.ping().unwrap());
        let refused = crate::client_of(&sim, p);
        let err = refused.ping().unwrap_err();
        assert!(err.is_tls(), "{p}: {err}");
        let insecure = Client::builder(sim.url())
            .login(sim.login(), sim.password())
            .protocol(p)
            .danger_disable_tls_verification()
            .build()
            .unwrap();
        assert!(insecure.ping().unwrap());
    }
    assert!(Client::builder(sim.url())
        .ca_cert_pem("not a pem")
        .build()
        .unwrap_err()
        .is_config());
}

#[test]
fn bad_certificates_are_refused_even_from_the_trusted_ca() {
    for kind in [
        CertificateKind::Expired,
        CertificateKind::WrongHost,
        CertificateKind::SelfSigned,
    ] {
        let sim = Simulator::start(SimConfig {
            tls: true,
            certificate: kind,
            ..SimConfig::default()
        })
        .unwrap();
        let c = Client::builder(sim.url())
            .login(sim.login(), sim.password())
            .ca_cert_pem(sim.ca_cert_pem().unwrap().to_string())
            .build()
            .unwrap();
        let err = c.ping().unwrap_err();
        assert!(err.is_tls(), "{kind:?}: {err}");
    }
}

#[test]
fn malformed_and_foreign_bodies_are_decode_or_http_errors() {
    let server = Canned::start(|n, _| {
        match n {
        0 | 2 | 4 | 6 | 8 => Action::Send(soap_login()),
        1 => Action::Send(http(200, "text/xml", &soap("<r><account_info><i_account>12x</i_account></account_info></r>"))),
        3 => Action::Send(http(200, "text/html", b"<html><body>Maintenance</body></html>")),
        5 => Action::Send(http(500, "text/plain", b"Internal error, password=hunter2")),
        7 => Action::Send(http(
            200,
            "text/xml",
            &soap("<soap:Fault><faultcode>soap:Server.Account.not_found</faultcode><faultstring>gone</faultstring></soap:Fault>"),
        )),
        _ => Action::Send(http(200, "text/xml", &soap("<r><account_info><id>x</id>"))),
    }
    });
    let fresh = || {
        Client::builder(&server.url)
            .login("a", "b")
            .retries(0)
            .build()
            .unwrap()
    };
    let err = fresh().account().get_account_info(&info(1)).unwrap_err();
    match &err {
        Error::Decode(d) => {
            assert_eq!(
                d.path.as_deref(),
                Some("Envelope/Body/r/account_info/i_account"),
                "{err}"
            );
            assert!(d.line.is_some() && d.column.is_some());
        }
        other => panic!("expected a decode error, got {other}"),
    }
    let err = fresh().account().get_account_info(&info(1)).unwrap_err();
    assert!(
        err.is_decode() && err.to_string().contains("envelope"),
        "{err}"
    );
    let err = fresh().account().get_account_info(&info(1)).unwrap_err();
    assert!(err.is_http_status() && err.status() == Some(500), "{err}");
    assert!(!err.to_string().contains("hunter2"), "{err}");
    let err = fresh().account().get_account_info(&info(1)).unwrap_err();
    assert_eq!(
        err.fault_code(),
        Some("Server.Account.not_found"),
        "a fault in HTTP 200 is a fault"
    );
    let err = fresh().account().get_account_info(&info(1)).unwrap_err();
    assert!(err.is_decode(), "a body cut short: {err}");
}

#[test]
fn secrets_stay_out_of_debug_errors_and_the_history() {
    let sim = sim(1);
    let last = Arc::new(LastExchange::default());
    let c = Client::builder(sim.url())
        .login(sim.login(), sim.password())
        .history(last.clone())
        .build()
        .unwrap();
    c.account().get_account_info(&info(1)).unwrap();
    let session = c.current_session().unwrap();
    let session_id = session.session_id.as_ref().unwrap().expose().to_string();
    let exchange = last.get().unwrap();
    assert!(
        exchange.request_body.contains("<redacted>"),
        "{}",
        exchange.request_body
    );
    let everything = format!("{c:?} {session:?} {exchange:?}");
    for secret in [sim.password(), session_id.as_str()] {
        assert!(!everything.contains(secret), "a secret shows: {everything}");
    }
    let login = portabilling::session::LoginRequest {
        login: Some("api".into()),
        password: Some("hunter2".into()),
        ..Default::default()
    };
    assert!(!format!("{login:?}").contains("hunter2"));
    // Elements the schema does not describe are shown, those with a secret's name redacted.
    let mut login = login;
    login.extra.insert("api_token".into(), "tok-7731".into());
    login.extra.insert("note".into(), "shown-4417".into());
    let shown = format!("{login:?}");
    assert!(
        !shown.contains("tok-7731") && shown.contains("api_token"),
        "{shown}"
    );
    assert!(shown.contains("shown-4417"), "{shown}");
    assert!(format!(
        "{:?}",
        Credentials::Password {
            login: "a".into(),
            password: "hunter2".into()
        }
    )
    .contains("redacted"));
}

#[test]
fn raw_untyped_calls_and_dynamic_calls() {
    let sim = sim(4);
    for p in PROTOCOLS {
        let c = client(&sim, p);
        let raw = c
            .call(
                "Account",
                "get_account_list",
                serde_json::json!({"limit": 2, "get_total": 1}),
            )
            .unwrap();
        assert_eq!(
            raw["account_list"].as_array().map(Vec::len),
            Some(2),
            "{p}: {raw}"
        );
        assert_eq!(raw["total"], 4, "{p}: {raw}");
        let op = portabilling::registry::operation("Account", "get_account_info").unwrap();
        let mut request = op.new_request();
        request
            .set_json(&serde_json::json!({"i_account": 3}))
            .unwrap();
        let reply = c.call_dyn(op, request.as_ref()).unwrap();
        let typed: account::GetAccountInfoResponse = reply.to_typed().unwrap();
        assert!(
            reply
                .to_typed::<account::GetAccountListResponse>()
                .is_none(),
            "a value converts only to the type of its schema"
        );
        assert_eq!(typed.account_info.as_ref().unwrap().i_account, Some(3));
        let body = c
            .call_raw(
                "Account",
                "get_account_info",
                serde_json::json!({"i_account": 3}),
            )
            .unwrap();
        assert_eq!(body.status, 200);
        assert!(body.decode().unwrap()["account_info"]["id"] == "sim-000003");
    }
}

#[test]
fn list_calls_page_and_stream_over_soap_and_rest() {
    for protocol in [Protocol::Soap, Protocol::Rest] {
        let sim = sim(2500);
        let c = client(&sim, protocol);
        let mut pages = c
            .account()
            .iter_account_list(account::GetAccountListRequest::default())
            .page_size(100)
            .with_total();
        assert_eq!(pages.total().unwrap(), Some(2500), "{protocol}");
        let ids: Vec<i64> = pages.map(|a| a.unwrap().i_account.unwrap()).collect();
        assert_eq!(
            ids,
            (1..=2500).collect::<Vec<_>>(),
            "{protocol}: no item skipped or repeated"
        );
        // 25 full pages; the total says the list ends there, so no empty page is asked for.
        let list_calls = sim.stats().calls.get("Account/get_account_list").copied();
        assert_eq!(list_calls, Some(25), "{protocol}: {:?}", sim.stats().calls);

        // One response of 2,500 accounts, read one account at a time.
        let streamed: Vec<i64> = c
            .account()
            .stream_account_list(&account::GetAccountListRequest::default())
            .unwrap()
            .map(|a| a.unwrap().i_account.unwrap())
            .collect();
        assert_eq!(streamed, (1..=2500).collect::<Vec<_>>(), "{protocol}");

        sim.fail_next(Some("get_account_list"), Failure::Truncate);
        let cut: Vec<_> = c
            .account()
            .stream_account_list(&account::GetAccountListRequest::default())
            .unwrap()
            .collect();
        assert!(
            cut.last().unwrap().is_err(),
            "{protocol}: a stream cut short ends with an error"
        );
        assert!(
            cut.len() < 2500,
            "{protocol}: the cut stream ended early: {}",
            cut.len()
        );
    }
}
