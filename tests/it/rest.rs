//! The REST client over real sockets: the three encodings, tokens (expiry, refresh, re-login),
//! files both ways, faults and bad JSON, the command line, and SOAP/REST parity.

use std::time::Duration;

use crate::support::{http, Action, Canned};
use portabilling::sim::{SimConfig, Simulator};
use portabilling::{account, customer, invoice, Client, LastExchange, Protocol, RestEncoding};

use crate::sim_with as sim;

fn rest(sim: &Simulator, encoding: RestEncoding) -> Client {
    Client::builder(sim.url())
        .login(sim.login(), sim.password())
        .protocol(Protocol::Rest)
        .rest_encoding(encoding)
        .build()
        .unwrap()
}

fn info(i: i64) -> account::GetAccountInfoRequest {
    account::GetAccountInfoRequest {
        i_account: Some(i),
        ..Default::default()
    }
}

#[test]
fn every_encoding_carries_typed_calls() {
    let sim = sim(5);
    for encoding in [
        RestEncoding::Json,
        RestEncoding::Form,
        RestEncoding::Multipart,
    ] {
        let last = std::sync::Arc::new(LastExchange::default());
        let c = Client::builder(sim.url())
            .login(sim.login(), sim.password())
            .protocol(Protocol::Rest)
            .rest_encoding(encoding)
            .history(last.clone())
            .build()
            .unwrap();
        let a = c
            .account()
            .get_account_info(&info(4))
            .unwrap()
            .account_info
            .unwrap();
        assert_eq!(a.id.as_deref(), Some("sim-000004"), "{encoding:?}");
        let exchange = last.get().unwrap();
        let content_type = exchange
            .request_headers
            .iter()
            .find(|(k, _)| k == "Content-Type")
            .unwrap()
            .1
            .clone();
        let expected = match encoding {
            RestEncoding::Json => "application/json",
            RestEncoding::Form => "application/x-www-form-urlencoded",
            RestEncoding::Multipart => "multipart/form-data",
        };
        assert!(
            content_type.starts_with(expected),
            "{encoding:?}: {content_type}"
        );
        assert!(exchange.url.ends_with("/rest/Account/get_account_info"));
        // The JSON encoding authenticates with a bearer token, the form ones with auth_info.
        let bearer = exchange
            .request_headers
            .iter()
            .any(|(k, _)| k == "Authorization");
        assert_eq!(bearer, encoding == RestEncoding::Json, "{encoding:?}");
        assert_eq!(
            exchange.request_body.contains("auth_info"),
            encoding != RestEncoding::Json
        );
        // Empty params are `{}`, never `[]`.
        c.generic().get_version(&Default::default()).unwrap();
        let body = last.get().unwrap().request_body;
        assert!(
            body.contains("{}") && !body.contains("[]"),
            "{encoding:?}: {body}"
        );
    }
}

#[test]
fn tokens_are_refreshed_before_they_expire_and_renewed_when_refused() {
    let sim = Simulator::start(SimConfig {
        accounts: 2,
        token_lifetime: Duration::from_secs(30),
        ..SimConfig::default()
    })
    .unwrap();
    // With a margin longer than the lifetime, every call sees a token about to expire.
    let c = Client::builder(sim.url())
        .login(sim.login(), sim.password())
        .protocol(Protocol::Rest)
        .refresh_margin(Duration::from_secs(60))
        .build()
        .unwrap();
    let first = c.login().unwrap();
    assert!(
        first.access_token.is_some() && first.refresh_token.is_some() && first.expires_at.is_some()
    );
    c.account().get_account_info(&info(1)).unwrap();
    c.account().get_account_info(&info(2)).unwrap();
    assert_eq!(sim.stats().logins, 1, "refreshing replaces logging in");
    assert!(sim.stats().refreshes >= 2, "{:?}", sim.stats());
    assert_ne!(
        c.current_session().unwrap().access_token,
        first.access_token
    );
    // When the refresh token is refused too, the client logs in again.
    sim.expire_sessions();
    c.account().get_account_info(&info(1)).unwrap();
    assert_eq!(sim.stats().logins, 2);
}

#[test]
fn an_expired_access_token_is_renewed_once() {
    let sim = sim(1);
    let c = rest(&sim, RestEncoding::Json);
    c.login().unwrap();
    sim.expire_sessions();
    c.account().get_account_info(&info(1)).unwrap();
    assert_eq!(sim.stats().logins, 2);
}

#[test]
fn token_login_and_environment() {
    let sim = sim(1);
    let c = Client::builder(sim.url())
        .login_with_token(sim.login(), sim.token())
        .protocol(Protocol::Rest)
        .environment(1)
        .build()
        .unwrap();
    assert!(c.ping().unwrap());
    let bad = Client::builder(sim.url())
        .login_with_token(sim.login(), "nope")
        .protocol(Protocol::Rest)
        .build()
        .unwrap();
    assert!(bad.ping().unwrap_err().is_auth());
}

#[test]
fn files_come_back_as_attachments_and_go_up_as_parts() {
    let sim = sim(1);
    let c = rest(&sim, RestEncoding::Json);
    let mut pdf = c
        .download(
            "Invoice",
            "get_invoice_info",
            serde_json::json!({"i_invoice": 7, "get_pdf": 1}),
        )
        .unwrap();
    assert_eq!(pdf.file_name.as_deref(), Some("invoice_7.pdf"));
    assert_eq!(pdf.content_type.as_deref(), Some("application/pdf"));
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(pdf.reader(), &mut bytes).unwrap();
    assert!(bytes.starts_with(b"%PDF"));
    // The same call without get_pdf is JSON, and a typed call that gets a file says so.
    let json = c
        .invoice()
        .get_invoice_info(&invoice::GetInvoiceInfoRequest {
            i_invoice: Some(7),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(json.invoice_info.unwrap().i_invoice, Some(7));
    let err = c
        .invoice()
        .get_invoice_info(&invoice::GetInvoiceInfoRequest {
            i_invoice: Some(7),
            get_pdf: Some(1),
            ..Default::default()
        })
        .unwrap_err();
    assert!(
        err.is_decode() && err.to_string().contains("download"),
        "{err}"
    );
    assert!(c
        .download(
            "Account",
            "get_account_info",
            serde_json::json!({"i_account": 1})
        )
        .unwrap_err()
        .is_decode());

    let upload = customer::UploadCustomerDocumentRequest {
        i_customer: Some(1),
        file_name: Some("contract.pdf".into()),
        file: Some(portabilling::runtime::Base64Binary(
            b"%PDF-1.4 binary \x00\xff".to_vec(),
        )),
        ..Default::default()
    };
    let last = std::sync::Arc::new(LastExchange::default());
    let c = Client::builder(sim.url())
        .login(sim.login(), sim.password())
        .protocol(Protocol::Rest)
        .history(last.clone())
        .build()
        .unwrap();
    assert_eq!(
        c.customer()
            .upload_customer_document(&upload)
            .unwrap()
            .success,
        Some(1)
    );
    let sent = last.get().unwrap();
    assert!(sent
        .request_headers
        .iter()
        .any(|(k, v)| k == "Content-Type" && v.starts_with("multipart/form-data")));
    assert!(
        sent.request_body.contains("filename=\"contract.pdf\""),
        "{}",
        sent.request_body
    );
    assert_eq!(
        sim.uploads(),
        vec![(
            "contract.pdf".to_string(),
            b"%PDF-1.4 binary \x00\xff".to_vec()
        )]
    );
}

#[test]
fn faults_and_bad_answers_over_rest() {
    let server = Canned::start(|n, _| {
        let login = http(
            200,
            "application/json",
            br#"{"session_id":"s","access_token":"t","expires_in":900}"#,
        );
        match n {
            0 | 2 | 4 | 6 | 8 => Action::Send(login),
            1 => Action::Send(http(
                500,
                "application/json",
                br#"{"faultcode":"Server.Account.not_found","faultstring":"No such account"}"#,
            )),
            3 => Action::Send(http(
                200,
                "application/json",
                br#"{"account_info": {"i_account": "x12"}}"#,
            )),
            5 => Action::Send(http(
                200,
                "application/json",
                br#"{"account_info": {"i_account": 1"#,
            )),
            7 => Action::Send(http(
                502,
                "text/html",
                b"<html>Bad gateway from the proxy</html>",
            )),
            _ => Action::Send(http(200, "text/html", b"<html>not json</html>")),
        }
    });
    let fresh = || {
        Client::builder(&server.url)
            .login("a", "b")
            .protocol(Protocol::Rest)
            .retries(0)
            .build()
            .unwrap()
    };
    let err = fresh().account().get_account_info(&info(1)).unwrap_err();
    assert_eq!(err.fault_code(), Some("Server.Account.not_found"));
    let err = fresh().account().get_account_info(&info(1)).unwrap_err();
    assert!(
        err.is_decode() && err.to_string().contains("account_info.i_account"),
        "{err}"
    );
    let err = fresh().account().get_account_info(&info(1)).unwrap_err();
    assert!(err.is_decode(), "{err}");
    let err = fresh().account().get_account_info(&info(1)).unwrap_err();
    assert_eq!(err.status(), Some(502));
    assert!(
        err.to_string().contains("Bad gateway"),
        "the start of the body is kept: {err}"
    );
    let err = fresh().account().get_account_info(&info(1)).unwrap_err();
    assert!(
        err.is_decode() && err.to_string().contains("not json"),
        "{err}"
    );
}

#[test]
fn numbers_as_strings_flags_and_nulls_decode_leniently() {
    let body = br#"{"account_info": {"i_account": "42", "balance": "1.50", "blocked": 1, "credit_limit": null,
        "is_active": "1", "activation_date": "2026-01-02", "assigned_addons": [], "brand_new": {"x": 1}}}"#;
    let op = portabilling::registry::operation("Account", "get_account_info").unwrap();
    let value = Protocol::Rest.decode_response(op, body).unwrap();
    let r: account::GetAccountInfoResponse = value.to_typed().unwrap();
    let a = r.account_info.as_ref().unwrap();
    assert_eq!(a.i_account, Some(42));
    // The digits as the server wrote them (the string "1.50").
    assert_eq!(a.balance.map(|b| b.to_string()), Some("1.50".into()));
    assert_eq!(a.blocked, Some(portabilling::runtime::Flag::Yes));
    assert_eq!(a.credit_limit, None);
    assert_eq!(a.is_active, Some(1));
    assert_eq!(
        a.extra.get("brand_new"),
        Some(&serde_json::json!({"x": 1})),
        "unknown fields are kept"
    );
    assert_eq!(
        portabilling::model::unknown_fields(&r),
        vec!["account_info.brand_new".to_string()]
    );
}

#[test]
fn soap_and_rest_give_equal_values_for_every_read_the_simulator_serves() {
    let sim = sim(12);
    let soap = Client::builder(sim.url())
        .login(sim.login(), sim.password())
        .build()
        .unwrap();
    let rest = rest(&sim, RestEncoding::Json);
    let mut compared = 0;
    for op in portabilling::registry::operations() {
        if !op.read_only || op.service == "Session" {
            continue;
        }
        let mut request = op.new_request();
        // Requests name existing entities where the simulator keeps state.
        let params = match op.method {
            "get_account_info" => serde_json::json!({"i_account": 3, "with_customer_info": 1}),
            "get_customer_info" => serde_json::json!({"i_customer": 1}),
            "get_invoice_info" => serde_json::json!({"i_invoice": 2}),
            m if m.ends_with("_list") => {
                serde_json::json!({"limit": 5, "offset": 2, "get_total": 1})
            }
            _ => serde_json::json!({}),
        };
        request.set_json(&params).unwrap();
        let over_soap = soap
            .call_dyn(op, request.as_ref())
            .unwrap_or_else(|e| panic!("{}/{} over SOAP: {e}", op.service, op.method));
        let over_rest = rest
            .call_dyn(op, request.as_ref())
            .unwrap_or_else(|e| panic!("{}/{} over REST: {e}", op.service, op.method));
        assert_eq!(
            over_soap.to_json(),
            over_rest.to_json(),
            "{}/{}",
            op.service,
            op.method
        );
        compared += 1;
    }
    assert!(compared >= 40, "only {compared} read operations compared");
    println!("compared {compared} read operations");
}
