//! Interop with the real Perl stack that PortaBilling runs on, over real sockets:
//!
//! 1. the crate's client against a SOAP::Lite server (`tests/interop/soaplite_server.pl`), over
//!    both SOAP endpoints, with typed and raw calls;
//! 2. a SOAP::Lite client (`tests/interop/soaplite_client.pl`) against the crate's simulator.
//!
//! Both need `perl` with SOAP::Lite (Debian: `libsoap-lite-perl`). They fail, not skip, when
//! it is missing: CI installs it. What SOAP::Lite really does on the wire, and where it differs
//! from what the crate expected, is written down in `tests/interop/SOAPLITE.md`.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use portabilling::account::{AddAccountRequest, GetAccountInfoRequest, GetAccountListRequest};
use portabilling::error::AuthErrorKind;
use portabilling::runtime::{Decimal, Flag};
use portabilling::types::{AccountInfo, AddonInfo};
use portabilling::{Client, Error, SoapEndpoint};
use serde_json::{json, Value};

const LOGIN: &str = "admin";
const PASSWORD: &str = "secret";

fn interop_file(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/interop")
        .join(name)
}

/// Fails the test, with the fix, unless `perl` with SOAP::Lite and JSON::PP is available.
fn require_soaplite() {
    let out = Command::new("perl")
        .args([
            "-MSOAP::Lite",
            "-MSOAP::Transport::HTTP",
            "-MHTTP::Daemon",
            "-MJSON::PP",
            "-e",
            "print $SOAP::Lite::VERSION",
        ])
        .stdin(Stdio::null())
        .output();
    match out {
        Ok(o) if o.status.success() => {}
        Ok(o) => panic!(
            "perl cannot load SOAP::Lite (needed by the interop tests): install it with \
             `apt-get install -y libsoap-lite-perl` (or `cpanm SOAP::Lite`).\n{}",
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => panic!(
            "cannot run `perl` ({e}): the interop tests need perl with SOAP::Lite; install them \
             with `apt-get install -y perl libsoap-lite-perl`"
        ),
    }
}

/// The SOAP::Lite server, killed on drop.
struct PerlServer {
    child: Child,
    url: String,
}

impl PerlServer {
    fn start(extra_args: &[&str]) -> PerlServer {
        require_soaplite();
        let mut command = Command::new("perl");
        command
            .arg(interop_file("soaplite_server.pl"))
            .arg("0")
            .args(extra_args);
        // SOAPLITE_TRACE=file appends every request and response body to the file.
        if let Some(trace) = std::env::var_os("SOAPLITE_TRACE") {
            command.arg("--trace").arg(trace);
        }
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("cannot start perl");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let url = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(line) if line.starts_with("http://") => line.trim().to_string(),
            other => {
                let _ = child.kill();
                let status = child.wait();
                panic!("the SOAP::Lite server did not print its URL ({other:?}; exit {status:?})");
            }
        };
        PerlServer { child, url }
    }

    fn client(&self, endpoint: SoapEndpoint) -> Client {
        Client::builder(&self.url)
            .login(LOGIN, PASSWORD)
            .soap_endpoint(endpoint)
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap()
    }
}

impl Drop for PerlServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn info(i_account: i64) -> GetAccountInfoRequest {
    GetAccountInfoRequest {
        i_account: Some(i_account),
        ..Default::default()
    }
}

/// Every kind of value SOAP::Lite autotypes, decoded into the typed AccountInfo.
fn check_account_one(a: &AccountInfo, ctx: &str) {
    assert_eq!(a.i_account, Some(1), "{ctx}");
    assert_eq!(a.id.as_deref(), Some("acc-0001"), "{ctx}");
    assert_eq!(a.i_customer, Some(444), "{ctx}");
    assert_eq!(a.billing_model, Some(-1), "{ctx}");
    // xsd:float and xsd:int into decimals, kept exactly.
    assert_eq!(a.balance, Some(dec("20.98506")), "{ctx}");
    assert_eq!(a.opening_balance, Some(dec("0")), "{ctx}");
    // xsi:nil="true".
    assert_eq!(a.credit_limit, None, "{ctx}");
    assert_eq!(a.expiration_date, None, "{ctx}");
    // xsd:date, xsd:dateTime, and PortaBilling's "YYYY-MM-DD HH:MM:SS" as xsd:string.
    assert_eq!(
        a.activation_date.map(|d| d.to_string()).as_deref(),
        Some("2023-05-12"),
        "{ctx}"
    );
    assert_eq!(
        a.first_usage_time.map(|d| d.to_string()).as_deref(),
        Some("2023-05-26 17:19:16"),
        "{ctx}"
    );
    assert_eq!(
        a.last_usage.map(|d| d.to_string()).as_deref(),
        Some("2023-05-26 17:19:16"),
        "{ctx}"
    );
    assert_eq!(a.blocked, Some(Flag::No), "{ctx}");
    assert_eq!(a.customer_blocked, Some(Flag::Yes), "{ctx}");
    // Non-ASCII text comes as xsd:base64Binary of its UTF-8 bytes.
    assert_eq!(a.firstname.as_deref(), Some("Jürgen"), "{ctx}");
    assert_eq!(a.lastname.as_deref(), Some("Ødegård"), "{ctx}");
    assert_eq!(
        a.companyname.as_deref(),
        Some("Smith & Sons <Ltd>"),
        "{ctx}"
    );
    // Strings SOAP::Lite typed as something else: the text is kept as it was.
    assert_eq!(a.zip.as_deref(), Some("02134"), "{ctx}");
    assert_eq!(a.phone1.as_deref(), Some("15551234567"), "{ctx}");
    assert_eq!(a.h323_password.as_deref(), Some("1234"), "{ctx}");
    assert_eq!(a.note.as_deref(), Some("true"), "{ctx}");
    assert_eq!(a.cont1.as_deref(), Some("http://example.com/c"), "{ctx}");
    assert_eq!(a.email.as_deref(), Some(""), "{ctx}");
    // An empty string (xsd:string) in an integer field is absent.
    assert_eq!(a.i_acl, None, "{ctx}");
    assert_eq!(a.service_flags.as_deref(), Some("   ~~~  "), "{ctx}");
    assert_eq!(a.i_lang.as_deref(), Some("en"), "{ctx}");
    assert_eq!(a.iso_4217.as_deref(), Some("USD"), "{ctx}");
    assert_eq!(a.time_zone_name.as_deref(), Some("Europe/Prague"), "{ctx}");
    assert_eq!(a.idle_days, Some(3_000_000_000), "{ctx}");
    // soapenc:Array of anyType (hashes), of xsd:int, and empty.
    assert_eq!(a.assigned_addons.len(), 2, "{ctx}");
    assert_eq!(a.assigned_addons[0].i_product, Some(86), "{ctx}");
    assert_eq!(
        a.assigned_addons[0].name.as_deref(),
        Some("Data & more"),
        "{ctx}"
    );
    assert_eq!(
        a.assigned_addons[0].iso_4217.as_deref(),
        Some("USD"),
        "{ctx}"
    );
    assert_eq!(a.assigned_addons[1].i_product, Some(87), "{ctx}");
    assert_eq!(
        a.assigned_addons[1].name.as_deref(),
        Some("Roaming"),
        "{ctx}"
    );
    assert_eq!(a.assigned_addons[1].description, None, "{ctx}");
    assert_eq!(a.included_services, [11, 12, 13], "{ctx}");
    assert!(a.service_features.is_empty(), "{ctx}");
    // An element the WSDL does not know is kept.
    assert_eq!(a.extra.get("brand_new_field"), Some(&json!(7)), "{ctx}");
}

/// The whole scenario against the SOAP::Lite server, over one endpoint style.
fn drive(server: &PerlServer, endpoint: SoapEndpoint) {
    let ctx = format!("{endpoint:?}");
    let client = server.client(endpoint);

    // Login, ping.
    let session = client.login().unwrap();
    assert!(session.session_id.is_some(), "{ctx}: {session:?}");
    assert_eq!(client.logins(), 1, "{ctx}");
    assert!(client.ping().unwrap(), "{ctx}");

    // Typed get_account_info: every value type.
    let reply = client.account().get_account_info(&info(1)).unwrap();
    check_account_one(reply.account_info.as_ref().expect("account_info"), &ctx);
    // An unknown account: an empty response.
    let reply = client.account().get_account_info(&info(999)).unwrap();
    assert!(reply.account_info.is_none(), "{ctx}");
    // Raw, SOAP::Lite's empty result (`<s-gensym12 />`) is an empty object.
    let raw = client
        .call("Account", "get_account_info", json!({"i_account": 999}))
        .unwrap();
    assert_eq!(raw, json!({}), "{ctx}");
    // By id (a string parameter).
    let reply = client
        .account()
        .get_account_info(&GetAccountInfoRequest {
            id: Some("acc-0007".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        reply.account_info.and_then(|a| a.i_account),
        Some(7),
        "{ctx}"
    );

    // Raw get_account_info: values typed by xsi:type.
    let raw = client
        .call("Account", "get_account_info", json!({"i_account": 1}))
        .unwrap();
    let a = &raw["account_info"];
    assert_eq!(a["i_account"], json!(1), "{ctx}: {raw}");
    // A decimal field is a JSON string: one type whatever the value.
    assert_eq!(a["balance"], json!("20.98506"), "{ctx}: {raw}");
    assert_eq!(a["credit_limit"], Value::Null, "{ctx}: {raw}");
    assert_eq!(a["firstname"], json!("Jürgen"), "{ctx}: {raw}");
    assert_eq!(a["lastname"], json!("Ødegård"), "{ctx}: {raw}");
    assert_eq!(a["activation_date"], json!("2023-05-12"), "{ctx}: {raw}");
    assert_eq!(
        a["last_usage"],
        json!("2023-05-26 17:19:16"),
        "{ctx}: {raw}"
    );
    assert_eq!(a["blocked"], json!("N"), "{ctx}: {raw}");
    assert_eq!(a["zip"], json!("02134"), "{ctx}: {raw}");
    assert_eq!(a["email"], json!(""), "{ctx}: {raw}");
    assert_eq!(a["idle_days"], json!(3_000_000_000u64), "{ctx}: {raw}");
    assert_eq!(a["included_services"], json!([11, 12, 13]), "{ctx}: {raw}");
    // An empty list is absent in the typed JSON form, as over REST.
    assert!(a.get("service_features").is_none(), "{ctx}: {raw}");
    assert_eq!(
        a["assigned_addons"][0]["name"],
        json!("Data & more"),
        "{ctx}: {raw}"
    );
    assert_eq!(
        a["assigned_addons"][1]["description"],
        Value::Null,
        "{ctx}: {raw}"
    );
    // SOAP::Lite autotypes these strings as int and boolean; `call` reads a known method
    // through its generated types, so they stay the strings the schema says (see SOAPLITE.md).
    assert_eq!(a["h323_password"], json!("1234"), "{ctx}: {raw}");
    assert_eq!(a["note"], json!("true"), "{ctx}: {raw}");

    // Paging with limit/offset/get_total, typed.
    let mut pages = client
        .account()
        .iter_account_list(GetAccountListRequest {
            i_customer: Some(444),
            ..Default::default()
        })
        .page_size(7)
        .with_total();
    assert_eq!(pages.total().unwrap(), Some(25), "{ctx}");
    let all: Vec<AccountInfo> = pages.by_ref().collect::<Result<_, _>>().unwrap();
    assert_eq!(pages.pages_fetched(), 4, "{ctx}");
    let ids: Vec<i64> = all.iter().map(|a| a.i_account.unwrap()).collect();
    assert_eq!(ids, (1..=25).collect::<Vec<_>>(), "{ctx}");
    check_account_one(&all[0], &ctx);
    assert_eq!(all[3].balance, Some(dec("6")), "{ctx}");
    assert_eq!(all[2].balance, Some(dec("4.5")), "{ctx}");
    // A page holding one item is still a soapenc:Array; a page past the end is an empty one.
    let one = client
        .account()
        .get_account_list(&GetAccountListRequest {
            limit: Some(1),
            offset: Some(24),
            get_total: Some(1),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(one.account_list.len(), 1, "{ctx}");
    assert_eq!(one.account_list[0].id.as_deref(), Some("acc-0025"), "{ctx}");
    assert_eq!(one.total, Some(25), "{ctx}");
    let none = client
        .account()
        .get_account_list(&GetAccountListRequest {
            limit: Some(10),
            offset: Some(100),
            ..Default::default()
        })
        .unwrap();
    assert!(none.account_list.is_empty(), "{ctx}");
    assert_eq!(none.total, None, "{ctx}");
    // Streamed: items decoded as they arrive, from SOAP::Lite's accessor and anyType array.
    let streamed: Vec<AccountInfo> = client
        .account()
        .stream_account_list(&GetAccountListRequest {
            limit: Some(10),
            offset: Some(0),
            ..Default::default()
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(streamed, all[..10], "{ctx}");
    let streamed_none: Vec<AccountInfo> = client
        .account()
        .stream_account_list(&GetAccountListRequest {
            limit: Some(10),
            offset: Some(100),
            ..Default::default()
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(streamed_none.is_empty(), "{ctx}");
    // Raw paging.
    let raw = client
        .call(
            "Account",
            "get_account_list",
            json!({"limit": 3, "offset": 5, "get_total": 1}),
        )
        .unwrap();
    let list = raw["account_list"]
        .as_array()
        .unwrap_or_else(|| panic!("{ctx}: {raw}"));
    assert_eq!(
        list.iter()
            .map(|a| a["i_account"].clone())
            .collect::<Vec<_>>(),
        [json!(6), json!(7), json!(8)],
        "{ctx}"
    );
    assert_eq!(raw["total"], json!(25), "{ctx}: {raw}");

    // add_account: what the crate encodes, as SOAP::Lite decodes it, comes back unchanged.
    let new_id = format!("new-{endpoint:?}");
    let added = client
        .account()
        .add_account(&AddAccountRequest {
            account_info: AccountInfo {
                id: Some(new_id.clone()),
                i_customer: Some(444),
                i_product: Some(60),
                billing_model: Some(1),
                firstname: Some("Zoë «ünïcödé» & <co>".into()),
                balance: Some(dec("-12.50")),
                blocked: Some(Flag::Yes),
                activation_date: Some("2024-02-29".parse().unwrap()),
                assigned_addons: vec![AddonInfo {
                    i_product: Some(5),
                    name: Some("A".into()),
                    ..Default::default()
                }],
                included_services: vec![1, 2],
                ..Default::default()
            },
            ..Default::default()
        })
        .unwrap();
    let i_new = added.i_account.expect("i_account");
    let back = client
        .account()
        .get_account_info(&info(i_new))
        .unwrap()
        .account_info
        .unwrap();
    assert_eq!(back.id.as_deref(), Some(new_id.as_str()), "{ctx}");
    assert_eq!(
        back.firstname.as_deref(),
        Some("Zoë «ünïcödé» & <co>"),
        "{ctx}"
    );
    assert_eq!(back.balance, Some(dec("-12.5")), "{ctx}");
    assert_eq!(back.blocked, Some(Flag::Yes), "{ctx}");
    assert_eq!(
        back.activation_date.map(|d| d.to_string()).as_deref(),
        Some("2024-02-29"),
        "{ctx}"
    );
    assert_eq!(back.assigned_addons.len(), 1, "{ctx}");
    assert_eq!(back.assigned_addons[0].name.as_deref(), Some("A"), "{ctx}");
    assert_eq!(back.included_services, [1, 2], "{ctx}");

    // A fault keeps its code (SOAP::Lite sends it as `soap:Server.Account.duplicate_id`).
    let err = client
        .account()
        .add_account(&AddAccountRequest {
            account_info: AccountInfo {
                id: Some(new_id.clone()),
                ..Default::default()
            },
            ..Default::default()
        })
        .unwrap_err();
    assert!(err.is_fault(), "{ctx}: {err}");
    assert_eq!(
        err.fault_code(),
        Some("Server.Account.duplicate_id"),
        "{ctx}: {err}"
    );
    assert!(err.to_string().contains(&new_id), "{ctx}: {err}");
    assert_eq!(err.status(), Some(500), "{ctx}: {err}");
    // The same over a raw call.
    let err = client
        .call(
            "Account",
            "add_account",
            json!({"account_info": {"id": new_id}}),
        )
        .unwrap_err();
    assert_eq!(
        err.fault_code(),
        Some("Server.Account.duplicate_id"),
        "{ctx}: {err}"
    );
    assert_eq!(client.logins(), 1, "{ctx}");

    // The session expires on the server: exactly one more login, and the call succeeds.
    let expired = client.call("Test", "expire_sessions", json!({})).unwrap();
    assert_eq!(expired["expired"], json!(1), "{ctx}: {expired}");
    let reply = client.account().get_account_info(&info(2)).unwrap();
    assert_eq!(
        reply.account_info.and_then(|a| a.id).as_deref(),
        Some("acc-0002"),
        "{ctx}"
    );
    assert_eq!(client.logins(), 2, "{ctx}");
    client.call("Test", "expire_sessions", json!({})).unwrap();
    let raw = client
        .call("Account", "get_account_info", json!({"i_account": 3}))
        .unwrap();
    assert_eq!(raw["account_info"]["id"], json!("acc-0003"), "{ctx}: {raw}");
    assert_eq!(client.logins(), 3, "{ctx}");

    // Logout ends the session on the server.
    assert_eq!(
        client.call("Test", "session_count", json!({})).unwrap()["sessions"],
        json!(1),
        "{ctx}"
    );
    client.logout().unwrap();
    assert!(client.current_session().is_none(), "{ctx}");
    let other = server.client(endpoint);
    assert_eq!(
        other.call("Test", "session_count", json!({})).unwrap()["sessions"],
        json!(1),
        "{ctx}"
    );
    other.logout().unwrap();

    // A wrong password: Error::Auth with the server's code, on login and on a call.
    let bad = Client::builder(&server.url)
        .login(LOGIN, "wrong")
        .soap_endpoint(endpoint)
        .build()
        .unwrap();
    for err in [
        bad.login().unwrap_err(),
        bad.account().get_account_info(&info(1)).unwrap_err(),
    ] {
        match &err {
            Error::Auth(auth) => {
                assert_eq!(auth.kind, AuthErrorKind::BadCredentials, "{ctx}: {err}");
                assert_eq!(
                    auth.code.as_deref(),
                    Some("Server.Session.auth_failed"),
                    "{ctx}: {err}"
                );
            }
            other => panic!("{ctx}: expected Error::Auth, got {other:?}"),
        }
        assert_eq!(
            err.fault_code(),
            Some("Server.Session.auth_failed"),
            "{ctx}"
        );
    }
    assert_eq!(bad.logins(), 0, "{ctx}");
}

#[test]
fn client_against_soaplite_server_per_method_endpoint() {
    let server = PerlServer::start(&[]);
    drive(&server, SoapEndpoint::PerMethod);
}

#[test]
fn client_against_soaplite_server_legacy_endpoint() {
    let server = PerlServer::start(&[]);
    drive(&server, SoapEndpoint::Legacy);
}

/// What SOAP::Lite decodes from the crate's requests: the `auth_info` header (its fields and
/// namespace), the body namespace, and the parameters with their types.
#[test]
fn soaplite_decodes_what_the_client_sends() {
    let server = PerlServer::start(&[]);
    for endpoint in [SoapEndpoint::PerMethod, SoapEndpoint::Legacy] {
        let client = server.client(endpoint);
        let echo = client
            .call(
                "Test",
                "echo",
                json!({"i_account": 7, "name": "Zoë & <co>", "ratio": 0.25, "flag": true, "list": [1, "two"], "nested": {"a": null}}),
            )
            .unwrap();
        let ctx = format!("{endpoint:?}: {echo}");
        let session = client.current_session().unwrap();
        assert_eq!(
            echo["auth_info"]["session_id"].as_str(),
            session.session_id.as_ref().map(|s| s.expose()),
            "{ctx}"
        );
        assert_eq!(
            echo["auth_info_uri"],
            json!("http://schemas.portaone.com/soap"),
            "{ctx}"
        );
        assert_eq!(
            echo["method_uri"],
            json!("http://127.0.0.1/Porta/SOAP/Test"),
            "{ctx}"
        );
        let p = &echo["params"];
        assert_eq!(p["i_account"], json!(7), "{ctx}");
        assert_eq!(p["name"], json!("Zoë & <co>"), "{ctx}");
        assert_eq!(p["ratio"], json!(0.25), "{ctx}");
        assert_eq!(p["list"], json!([1, "two"]), "{ctx}");
        assert_eq!(p["nested"]["a"], Value::Null, "{ctx}");
    }
}

/// Values and errors outside the WSDL, as raw calls see them: Perl numbers after arithmetic,
/// a plain `die`, an unknown method.
#[test]
fn soaplite_numbers_and_plain_perl_errors() {
    let server = PerlServer::start(&[]);
    let client = server.client(SoapEndpoint::PerMethod);
    // Perl prints 0.00001 as "1e-05": SOAP::Lite sends xsd:float in exponent form.
    let n = client.call("Test", "numbers", json!({})).unwrap();
    assert_eq!(n["tiny"], json!(0.00001), "{n}");
    assert_eq!(n["huge"], json!(1e21), "{n}");
    assert_eq!(n["third"], json!(0.333333333333333), "{n}");
    assert_eq!(n["whole"], json!(3), "{n}");
    assert_eq!(n["negative"], json!(-0.5), "{n}");
    // Strings SOAP::Lite types as xsd:float, although no double holds them.
    assert_eq!(n["nan"], json!("NaN"), "{n}");
    assert_eq!(n["text_inf"], json!("INF"), "{n}");
    // A plain `die` is a `soap:Server` fault carrying the Perl message.
    let err = client.call("Test", "crash", json!({})).unwrap_err();
    assert_eq!(err.fault_code(), Some("Server"), "{err}");
    assert!(
        err.fault().unwrap().message.contains("undefined value"),
        "{err}"
    );
    assert!(!err.fault().unwrap().is_session_fault(), "{err}");
    // An unknown method is a `soap:Client` fault ("Failed to access class …").
    let err = client
        .call("Account", "no_such_method", json!({}))
        .unwrap_err();
    assert_eq!(err.fault_code(), Some("Client"), "{err}");
    assert!(
        err.fault()
            .unwrap()
            .message
            .contains("Porta::SOAP::Account"),
        "{err}"
    );
    assert_eq!(client.logins(), 1);
}

/// Sessions that expire after N calls (the server's `--expire-after`): one re-login per
/// expiry, and never a loop.
#[test]
fn relogin_when_soaplite_expires_sessions_after_n_calls() {
    let server = PerlServer::start(&["--expire-after", "3"]);
    for endpoint in [SoapEndpoint::PerMethod, SoapEndpoint::Legacy] {
        let client = server.client(endpoint);
        for i in 1..=3 {
            client.account().get_account_info(&info(i)).unwrap();
        }
        assert_eq!(client.logins(), 1, "{endpoint:?}");
        client.account().get_account_info(&info(4)).unwrap();
        assert_eq!(client.logins(), 2, "{endpoint:?}");
        for i in 5..=6 {
            client.account().get_account_info(&info(i)).unwrap();
        }
        assert_eq!(client.logins(), 2, "{endpoint:?}");
        let raw = client
            .call("Account", "get_account_info", json!({"i_account": 7}))
            .unwrap();
        assert_eq!(raw["account_info"]["id"], json!("acc-0007"));
        assert_eq!(client.logins(), 3, "{endpoint:?}");
    }
}

/// A SOAP::Lite client, written the way PortaBilling's Perl users write one, against the
/// crate's simulator.
#[test]
fn soaplite_client_against_the_simulator() {
    require_soaplite();
    let sim = crate::sim_with(12);
    let out = Command::new("perl")
        .arg(interop_file("soaplite_client.pl"))
        .args([sim.url().as_str(), sim.login(), sim.password()])
        .stdin(Stdio::null())
        .output()
        .expect("cannot run perl");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "soaplite_client.pl failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    let r: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}\n{stderr}"));
    let ctx = format!("{r:#}\n{stderr}");

    // Session login → session_id.
    assert!(
        r["session_id"].as_str().is_some_and(|s| !s.is_empty()),
        "{ctx}"
    );
    // get_account_info: the simulator's account 7, as SOAP::Lite decoded it.
    let a = &r["account_info"];
    assert_eq!(a["i_account"], json!(7), "{ctx}");
    assert_eq!(a["id"], json!("sim-000007"), "{ctx}");
    let sim_account = sim.account(7).expect("account 7");
    for key in ["i_customer", "id", "iso_4217", "blocked"] {
        if let Some(v) = sim_account.get(key) {
            assert_eq!(&a[key], v, "{key}: {ctx}");
        }
    }
    // get_account_list with limit/offset/get_total.
    assert_eq!(r["list_total"], json!(12), "{ctx}");
    assert_eq!(r["list_count"], json!(5), "{ctx}");
    assert_eq!(r["list_ids"], json!([4, 5, 6, 7, 8]), "{ctx}");
    assert_eq!(r["last_page_count"], json!(2), "{ctx}");
    // add_account, then the same id again.
    assert!(
        r["added_i_account"].as_i64().is_some_and(|i| i > 12),
        "{ctx}"
    );
    assert_eq!(r["added_back"]["id"], json!("perl-0001"), "{ctx}");
    assert_eq!(r["added_back"]["firstname"], json!("Zoë"), "{ctx}");
    assert_eq!(r["added_back"]["lastname"], json!("Łukasz"), "{ctx}");
    assert_eq!(r["added_back"]["balance"], json!(12.5), "{ctx}");
    // A page past the end holds no items. (The simulator leaves the empty list out, where
    // SOAP::Lite would send an empty array: see SOAPLITE.md.)
    assert_eq!(r["empty_page_count"], json!(0), "{ctx}");
    assert!(
        matches!(r["empty_page"].as_str(), Some("absent" | "array of 0")),
        "{ctx}"
    );
    assert_eq!(r["ping_user_id"], json!(1), "{ctx}");
    assert_eq!(r["logout_success"], json!(1), "{ctx}");
    assert_eq!(
        r["duplicate_fault"],
        json!("Server.Account.duplicate_id"),
        "{ctx}"
    );
    assert!(
        r["duplicate_faultcode_raw"]
            .as_str()
            .is_some_and(|c| c.ends_with("Server.Account.duplicate_id")),
        "{ctx}"
    );
    // A stale session: the fault a PortaBilling client re-logs in on.
    assert_eq!(
        r["expired_fault"],
        json!("Server.Session.check_auth.auth_failed"),
        "{ctx}"
    );
    // A bad password.
    assert_eq!(
        r["bad_login_fault"],
        json!("Server.Session.auth_failed"),
        "{ctx}"
    );
    // Per-call auth with login and password in auth_info (no session).
    assert_eq!(r["login_password_auth_id"], json!("sim-000003"), "{ctx}");
    assert_eq!(sim.stats().logins, 1, "{ctx}");
}
