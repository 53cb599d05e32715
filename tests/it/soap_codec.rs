//! The SOAP codec against hand-written SOAP::Lite-style bodies: prefixes, xsi:type, accessor
//! or spread responses, arrays, nil and empty values, unknown elements, faults, and errors.

use portabilling::account::{GetAccountInfoResponse, GetAccountListResponse};
use portabilling::runtime::codec::{decode_response, encode, BodyTarget};
use portabilling::runtime::codec::{Limits, ValueOrFault};
use portabilling::runtime::{Decimal, Flag};

fn value<T: portabilling::runtime::StructType>(body: &str) -> T {
    match decode_response::<T>(body.as_bytes(), Limits::default()) {
        Ok(ValueOrFault::Value(v)) => v,
        Ok(ValueOrFault::Fault(f)) => panic!("unexpected fault {f:?}"),
        Err(e) => panic!("decode error: {e}"),
    }
}

const SOAPLITE_ACCOUNT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" soap:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/" xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
<soap:Body><get_account_infoResponse xmlns="http://host/Porta/SOAP/Account">
<s-gensym3 xsi:type="namesp1:GetAccountInfoResponse" xmlns:namesp1="urn:x">
<account_info>
  <balance xsi:type="xsd:string">20.98506</balance>
  <i_account xsi:type="xsd:int">2984</i_account>
  <blocked xsi:type="xsd:string">N</blocked>
  <credit_limit xsi:nil="true"/>
  <expiration_date></expiration_date>
  <id xsi:type="xsd:base64Binary">SsO8cmdlbg==</id>
  <note xsi:type="xsd:string"></note>
  <activation_date xsi:type="xsd:date">2023-05-12</activation_date>
  <last_usage xsi:type="xsd:string">2023-05-26 17:19:16</last_usage>
  <brand_new_field xsi:type="xsd:int">7</brand_new_field>
  <assigned_addons soapenc:arrayType="namesp2:AddonInfo[2]" xsi:type="soapenc:Array">
    <item><i_product>86</i_product><name>Data &amp; more</name></item>
    <item><i_product>87</i_product></item>
  </assigned_addons>
</account_info>
</s-gensym3></get_account_infoResponse></soap:Body></soap:Envelope>"#;

#[test]
fn decodes_a_soaplite_response_under_an_accessor() {
    let r: GetAccountInfoResponse = value(SOAPLITE_ACCOUNT);
    let a = r.account_info.expect("account_info");
    assert_eq!(a.i_account, Some(2984));
    assert_eq!(a.balance, Some("20.98506".parse::<Decimal>().unwrap()));
    assert_eq!(a.blocked, Some(Flag::No));
    assert_eq!(a.credit_limit, None);
    assert_eq!(a.expiration_date, None);
    assert_eq!(a.id.as_deref(), Some("Jürgen"));
    assert_eq!(a.note.as_deref(), Some(""));
    assert_eq!(a.activation_date.unwrap().to_string(), "2023-05-12");
    assert_eq!(a.last_usage.unwrap().to_string(), "2023-05-26 17:19:16");
    assert_eq!(a.assigned_addons.len(), 2);
    assert_eq!(a.assigned_addons[0].name.as_deref(), Some("Data & more"));
    assert_eq!(a.extra.get("brand_new_field"), Some(&serde_json::json!(7)));
}

#[test]
fn decodes_a_spread_response_with_repeated_elements() {
    let body = r#"<Envelope><Body><ns:get_account_listResponse xmlns:ns="x">
        <total>2</total>
        <account_list><i_account>1</i_account></account_list>
        <account_list><i_account>2</i_account></account_list>
      </ns:get_account_listResponse></Body></Envelope>"#;
    let r: GetAccountListResponse = value(body);
    assert_eq!(r.total, Some(2));
    let ids: Vec<_> = r.account_list.iter().map(|a| a.i_account).collect();
    assert_eq!(ids, [Some(1), Some(2)]);
}

#[test]
fn round_trips_through_the_encoder() {
    let r: GetAccountInfoResponse = value(SOAPLITE_ACCOUNT);
    let op = <portabilling::account::op::GetAccountInfo as portabilling::runtime::Operation>::INFO;
    let bytes = encode(None, &BodyTarget::response(op, "urn:test"), &r).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    let again: GetAccountInfoResponse = value(&text);
    assert_eq!(again, r, "{text}");
}

#[test]
fn reports_faults_and_errors_with_a_position() {
    let fault = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault><faultcode>s:Server.Session.check_auth.auth_failed</faultcode><faultstring>Session expired</faultstring></s:Fault></s:Body></s:Envelope>"#;
    match decode_response::<GetAccountInfoResponse>(fault.as_bytes(), Limits::default()).unwrap() {
        ValueOrFault::Fault(f) => {
            assert_eq!(f.code, "Server.Session.check_auth.auth_failed");
            assert_eq!(f.message, "Session expired");
        }
        ValueOrFault::Value(_) => panic!("expected a fault"),
    }
    let bad = "<Envelope><Body><r><account_info>\n<i_account>12x</i_account></account_info></r></Body></Envelope>";
    let err =
        decode_response::<GetAccountInfoResponse>(bad.as_bytes(), Limits::default()).unwrap_err();
    assert!(err.path.ends_with("account_info/i_account"), "{err}");
    assert_eq!(err.line, 2, "{err}");
    let truncated = &SOAPLITE_ACCOUNT[..SOAPLITE_ACCOUNT.len() - 30];
    assert!(
        decode_response::<GetAccountInfoResponse>(truncated.as_bytes(), Limits::default()).is_err()
    );
    let dtd = r#"<!DOCTYPE x [<!ENTITY a "aaaa">]><Envelope><Body><r>&a;</r></Body></Envelope>"#;
    let err =
        decode_response::<GetAccountInfoResponse>(dtd.as_bytes(), Limits::default()).unwrap_err();
    assert!(err.message.contains("DTD"), "{err}");
    let html = "<html><body>502 Bad Gateway</body></html>";
    let err =
        decode_response::<GetAccountInfoResponse>(html.as_bytes(), Limits::default()).unwrap_err();
    assert!(err.message.contains("envelope"), "{err}");
}

/// A value's plain text is read straight from the body (no event): what comes after it, its
/// encoding and the positions of later errors must be as if it had been read as
/// an event.
#[test]
fn plain_text_read_in_place_keeps_checks_and_positions() {
    let wrap = |inner: &str| {
        format!("<Envelope><Body><r><account_info>{inner}</account_info></r></Body></Envelope>")
    };
    let decode = |body: &[u8]| decode_response::<GetAccountInfoResponse>(body, Limits::default());
    let account = |inner: &str| {
        value::<GetAccountInfoResponse>(&wrap(inner))
            .account_info
            .expect("account_info")
    };
    // Text in pieces: a comment, a reference, CDATA or a carriage return after plain text.
    assert_eq!(
        account("<id>ab<!-- c -->cd</id>").id.as_deref(),
        Some("abcd")
    );
    assert_eq!(account("<id>ab&amp;cd</id>").id.as_deref(), Some("ab&cd"));
    assert_eq!(
        account("<id>ab<![CDATA[<x>]]></id>").id.as_deref(),
        Some("ab<x>")
    );
    assert_eq!(account("<id>ab\r\ncd</id>").id.as_deref(), Some("ab\ncd"));
    assert_eq!(
        account("<id>a>b</id><i_account>7</i_account>")
            .id
            .as_deref(),
        Some("a>b")
    );
    // The end tag after the text is still checked by name.
    let err = decode(wrap("<id>abc</idx>").as_bytes()).unwrap_err();
    assert!(err.message.contains("malformed XML"), "{err}");
    // An element inside a simple value is refused, not taken as text.
    let err = decode(wrap("<id>abc<b>x</b></id>").as_bytes()).unwrap_err();
    assert!(err.message.contains("expected a simple value"), "{err}");
    // Bytes that are not UTF-8 are refused.
    let mut body = wrap("<id>ab\u{1}cd</id>").into_bytes();
    let at = body.iter().position(|&b| b == 1).unwrap();
    body[at] = 0xff;
    let err = decode(&body).unwrap_err();
    assert!(err.message.contains("UTF-8"), "{err}");
    // An error after values read in place is placed where it is: line 3, just past the
    // bad value's end tag (the bytes taken in place counted: without them, column 13).
    let body = wrap("<id>first</id>\n<login>second</login>\n<i_account>12x</i_account>");
    let err = decode(body.as_bytes()).unwrap_err();
    assert_eq!((err.line, err.column), (3, 27), "{err}");
}

/// A body in memory has its plain tags read without quick-xml's general path: every form a
/// tag may take must decode as before, and every end tag must still close the element open.
#[test]
fn tags_read_from_a_body_in_memory_keep_their_checks() {
    let wrap = |inner: &str| {
        format!(
            "<?xml version=\"1.0\"?>\n<Envelope><Body><r><account_info>{inner}</account_info></r></Body></Envelope>"
        )
    };
    let decode =
        |body: &str| decode_response::<GetAccountInfoResponse>(body.as_bytes(), Limits::default());
    let account = |inner: &str| match decode(&wrap(inner)).unwrap() {
        ValueOrFault::Value(v) => v.account_info.expect("account_info"),
        ValueOrFault::Fault(f) => panic!("{f:?}"),
    };
    // A `>` inside a quoted attribute value, single quotes, whitespace before `>` and in the
    // end tag, an empty element, text between elements, a comment, and an element whose
    // name is not ASCII (kept in `extra`).
    let a = account(
        "<id x='a>b' y=\"'\" >one</id \n>\n  <i_account xsi:type=\"xsd:int\">7</i_account\t>\
         <login/><!-- note --><caf\u{e9}>x</caf\u{e9}>",
    );
    assert_eq!(a.id.as_deref(), Some("one"));
    assert_eq!(a.i_account, Some(7));
    assert_eq!(a.login, None);
    assert_eq!(a.extra.get("caf\u{e9}"), Some(&serde_json::json!("x")));
    // End tags that do not close the element open are refused, where they are.
    for (inner, found) in [
        ("<id>one</i_account>", "</i_account>"),
        ("<id>one</id></account>", "</account>"),
        ("<id>one</id>", "</Body>"),
    ] {
        let body = wrap(inner).replace("</r>", if inner.ends_with("</id>") { "" } else { "</r>" });
        let err = decode(&body).unwrap_err();
        assert!(err.message.contains("malformed XML"), "{inner}: {err}");
        assert!(err.message.contains(found), "{inner}: {err}");
        assert_eq!(err.line, 2, "{inner}: {err}");
    }
    // An unclosed quote runs to the end of the body: refused, not read past.
    let err = decode(&wrap("<id x=\"1>one</id>")).unwrap_err();
    assert!(err.message.contains("malformed XML"), "{err}");
}

/// Every field of every generated struct is found by its wire name through the table the
/// generator wrote: the generator and the runtime hash names alike.
#[test]
fn every_generated_field_is_found_by_its_wire_name() {
    use portabilling::model::{StructSchema, TypeInfo};
    fn walk(schema: &'static StructSchema, seen: &mut Vec<&'static str>, checked: &mut usize) {
        if seen.contains(&schema.name) {
            return;
        }
        seen.push(schema.name);
        for field in schema.fields {
            if !field.name.is_empty() {
                let first = schema.fields.iter().position(|f| f.name == field.name);
                assert_eq!(
                    schema.lookup(field.name),
                    first,
                    "{}.{}",
                    schema.name,
                    field.name
                );
                *checked += 1;
            }
            let mut ty = &field.ty;
            while let TypeInfo::List(item) = ty {
                ty = item;
            }
            if let TypeInfo::Struct(inner) = ty {
                walk(inner(), seen, checked);
            }
        }
        assert_eq!(schema.lookup("no_such_field_anywhere"), None);
    }
    let (mut seen, mut checked) = (Vec::new(), 0);
    for op in portabilling::registry::operations() {
        walk(op.request, &mut seen, &mut checked);
        walk(op.response, &mut seen, &mut checked);
    }
    assert!(checked > 900, "only {checked} fields checked");
}

/// A struct written by hand against the public `Structure` trait that keeps no unknown
/// elements: `field` and `field_mut` give nothing one past its (no) fields.
#[derive(Default)]
struct KeepsNoUnknown;

static KEEPS_NO_UNKNOWN: portabilling::runtime::StructSchema =
    portabilling::runtime::StructSchema {
        name: "KeepsNoUnknown",
        namespace: "urn:test",
        doc: "",
        source: "test",
        qualified: false,
        fields: &[],
        docs: &[],
        index: &[0],
    };

impl portabilling::runtime::Structure for KeepsNoUnknown {
    fn schema(&self) -> &'static portabilling::runtime::StructSchema {
        &KEEPS_NO_UNKNOWN
    }

    fn field(&self, _index: usize) -> portabilling::runtime::ValueRef<'_> {
        portabilling::runtime::ValueRef::Absent
    }

    fn field_mut(&mut self, _index: usize) -> Option<portabilling::runtime::ValueMut<'_>> {
        None
    }
}

#[test]
fn an_unknown_element_with_nowhere_to_go_is_an_error_not_a_loss() {
    use portabilling::runtime::codec::decode_request;
    use portabilling::runtime::Structure;

    let body = r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><m:op xmlns:m="urn:test"><part><note>kept?</note></part></m:op></soap:Body></soap:Envelope>"#;
    let select = |_: &_| Ok::<_, ()>(Box::new(KeepsNoUnknown) as Box<dyn Structure>);
    let err = match decode_request(body.as_bytes(), Limits::default(), select) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("an unknown element was dropped"),
    };
    assert!(
        err.contains("`note`") && err.contains("KeepsNoUnknown"),
        "{err}"
    );

    let mut value = KeepsNoUnknown;
    let value: &mut dyn Structure = &mut value;
    assert!(value.extra().is_empty());
    assert!(value.extra_mut().is_none());
    let err = value
        .set_json(&serde_json::json!({"note": "kept?"}))
        .expect_err("an unknown field was dropped");
    assert!(err.to_string().contains("`note`"), "{err}");
    // With nothing unknown, the same value reads.
    value.set_json(&serde_json::json!({})).unwrap();
}

#[test]
fn an_array_that_declares_billions_of_items_reserves_room_for_a_few_and_reads_what_is_there() {
    // Four billion declared `AccountInfo`s would be terabytes: the decoder reserves at most
    // 64 MiB up front (`ListChange::ReserveDeclared`), then gives back what it did not use.
    for declared in ["4294967295", "3", "0"] {
        let body = format!(
            r#"<Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/"><Body><ns:get_account_listResponse xmlns:ns="x">
            <account_list soapenc:arrayType="ns:AccountInfo[{declared}]"><item><i_account>7</i_account></item><item><i_account>8</i_account></item></account_list>
          </ns:get_account_listResponse></Body></Envelope>"#
        );
        let r: GetAccountListResponse = value(&body);
        let ids: Vec<_> = r.account_list.iter().map(|a| a.i_account).collect();
        assert_eq!(ids, [Some(7), Some(8)], "declared {declared}");
        assert!(
            r.account_list.capacity() < 64,
            "declared {declared}: {} items of room kept",
            r.account_list.capacity()
        );
    }
}
