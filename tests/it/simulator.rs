//! The simulator as a stand-in for a real server in a user's tests: every list method answers
//! with items that honour the filters, `limit`, `offset` and `get_total`; the xDR methods
//! answer with xDRs in the asked time window; and a request without a field its WSDL requires
//! is refused, as the real server refuses it.

use portabilling::account::GetAccountXDRListRequest;
use portabilling::sim::Simulator;
use portabilling::{DateTime, Protocol};

fn sim() -> Simulator {
    crate::sim_with(30)
}

use crate::client_of as client;

/// The list methods of the generated set: `get_*` methods whose answer holds a list of
/// structures.
fn list_methods() -> Vec<&'static portabilling::model::OperationInfo> {
    use portabilling::model::TypeInfo;
    portabilling::registry::operations()
        .filter(|op| op.method.starts_with("get_"))
        .filter(|op| {
            op.response.fields.iter().any(|f| {
                (f.occurs.is_repeated() || matches!(f.ty, TypeInfo::List(_)))
                    && matches!(f.ty.item(), TypeInfo::Struct(_))
            })
        })
        .collect()
}

#[test]
fn every_list_method_answers_with_items() {
    let sim = sim();
    let methods = list_methods();
    assert!(methods.len() >= 25, "{} list methods", methods.len());
    for protocol in [Protocol::Soap, Protocol::Rest] {
        let client = client(&sim, protocol);
        for op in &methods {
            let reply = client
                .call(op.service, op.method, serde_json::json!({ "limit": 3 }))
                .unwrap_or_else(|e| panic!("{protocol} {}/{}: {e}", op.service, op.method));
            let items = reply
                .as_object()
                .and_then(|o| o.values().find_map(|v| v.as_array()))
                .unwrap_or_else(|| panic!("{}/{}: no list in {reply}", op.service, op.method));
            assert!(
                !items.is_empty() && items.len() <= 3,
                "{protocol} {}/{}: {} items",
                op.service,
                op.method,
                items.len()
            );
        }
    }
}

#[test]
fn xdrs_honour_the_filter_the_window_and_the_pages() {
    let sim = sim();
    let from: DateTime = "2026-03-01 00:00:00".parse().unwrap();
    let to: DateTime = "2026-03-08 00:00:00".parse().unwrap();
    for protocol in [Protocol::Soap, Protocol::Rest] {
        let client = client(&sim, protocol);
        let request = GetAccountXDRListRequest {
            i_account: Some(7),
            from_date: Some(from),
            to_date: Some(to),
            ..Default::default()
        };
        let mut pages = client.account().iter_xdr_list(request).page_size(50);
        let xdrs: Vec<_> = pages.by_ref().map(|x| x.unwrap()).collect();
        assert_eq!(pages.pages_fetched(), 3, "{protocol}: 50 + 50 + 20");
        assert_eq!(xdrs.len(), 120, "{protocol}");
        let mut ids: Vec<i64> = xdrs.iter().map(|x| x.i_xdr.unwrap()).collect();
        ids.dedup();
        assert_eq!(ids.len(), 120, "{protocol}: no xDR twice");
        for x in &xdrs {
            assert_eq!(x.i_account, Some(7), "{protocol}");
            let at = x.connect_time.unwrap();
            assert!(at > from && at < to, "{protocol}: {at} outside the window");
        }
        // The customer's xDRs, a method without paging: filtered too.
        let reply = client
            .call(
                "Customer",
                "get_customer_xdrs",
                serde_json::json!({ "i_customer": 9, "limit": 5 }),
            )
            .unwrap();
        let list = reply["xdr_list"].as_array().unwrap();
        assert_eq!(list.len(), 5, "{protocol}: {reply}");
        assert!(
            list.iter().all(|x| x["i_customer"] == 9),
            "{protocol}: {reply}"
        );
    }
}

#[test]
fn a_request_without_a_required_field_is_refused() {
    let sim = sim();
    for protocol in [Protocol::Soap, Protocol::Rest] {
        let client = client(&sim, protocol);
        // The typed call cannot leave `account_info` out; an untyped one, or another client,
        // can.
        let reply = client
            .call_raw("Account", "add_account", serde_json::json!({}))
            .unwrap();
        let error = reply.decode().expect_err("account_info is required");
        assert_eq!(
            error.fault_code(),
            Some("Client.Account.add_account.required_field_missing"),
            "{protocol}: {error}"
        );
        assert!(error.to_string().contains("`account_info`"), "{error}");
        let reply = client
            .call_raw("Customer", "add_customer", serde_json::json!({"x": 1}))
            .unwrap();
        assert!(
            reply
                .decode()
                .unwrap_err()
                .to_string()
                .contains("`customer_info`"),
            "{protocol}"
        );
    }
}

#[test]
fn an_answer_with_latency_never_leaves_before_its_time() {
    use portabilling::account::GetAccountInfoRequest;
    use portabilling::sim::SimConfig;
    use std::time::{Duration, Instant};

    let latency = Duration::from_millis(30);
    let sim = Simulator::start(
        SimConfig {
            accounts: 3,
            ..SimConfig::default()
        }
        .with_latency(latency),
    )
    .unwrap();
    let client = client(&sim, Protocol::Soap);
    client.login().unwrap();
    let held_before = sim.stats().latency_held;
    let request = GetAccountInfoRequest {
        i_account: Some(2),
        ..Default::default()
    };
    for _ in 0..5 {
        let started = Instant::now();
        let reply = client.account().get_account_info(&request).unwrap();
        // The answer is held until its time, yielded rather than slept at the end: never
        // sooner, whatever the sleeps did.
        assert!(started.elapsed() >= latency, "{:?}", started.elapsed());
        assert_eq!(reply.account_info.unwrap().i_account, Some(2));
    }
    assert_eq!(sim.stats().latency_held - held_before, 5);
}
