use portabilling::{account, Protocol};

#[test]
fn typed_calls_over_soap_and_rest() {
    let sim = crate::sim_with(30);
    for protocol in [Protocol::Soap, Protocol::Rest] {
        let client = crate::client_of(&sim, protocol);
        assert!(client.ping().unwrap(), "{protocol}");
        let reply = client
            .account()
            .get_account_info(&account::GetAccountInfoRequest {
                i_account: Some(7),
                ..Default::default()
            })
            .unwrap();
        let a = reply.account_info.unwrap();
        assert_eq!(a.id.as_deref(), Some("sim-000007"), "{protocol}");
        let all: Vec<_> = client
            .account()
            .iter_account_list(account::GetAccountListRequest::default())
            .page_size(7)
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(all.len(), 30, "{protocol}");
        let streamed: Vec<_> = client
            .account()
            .stream_account_list(&account::GetAccountListRequest::default())
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(streamed.len(), 30, "{protocol}");
        assert_eq!(streamed, all, "{protocol}");
        sim.expire_sessions();
        assert!(client
            .account()
            .get_account_info(&account::GetAccountInfoRequest {
                i_account: Some(1),
                ..Default::default()
            })
            .is_ok());
        assert_eq!(client.logins(), 2, "{protocol}");
        let raw = client
            .call(
                "Account",
                "get_account_info",
                serde_json::json!({"i_account": 3}),
            )
            .unwrap();
        assert_eq!(raw["account_info"]["id"], "sim-000003", "{protocol}: {raw}");
    }
}
