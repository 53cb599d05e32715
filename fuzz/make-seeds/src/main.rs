//! Builds the seed corpora in `fuzz/seeds/<target>/` from the repository's fixtures:
//! the JSON shape fixtures (as REST bodies, and re-encoded as SOAP responses), SOAP requests
//! made by the library's encoder, the codegen golden cases and bundled WSDL/XSD files, and
//! the ESPF examples. Run from anywhere:
//! `cargo run --manifest-path fuzz/make-seeds/Cargo.toml`. It replaces the seed directories.

use std::path::{Path, PathBuf};

use portabilling::account::{
    GetAccountInfoRequest, GetAccountInfoResponse, GetAccountListRequest, GetAccountListResponse,
};
use portabilling::espf::{basic_authorization, custom_authorization, signature_authorization};
use portabilling::model::StructType;
use portabilling::soap::envelope::{encode, encode_fault, BodyTarget, HeaderEntry, PORTAONE_NS};

/// Seeds larger than this are skipped (the fuzzers run with -max_len=65536).
const MAX_SEED: usize = 64 * 1024;

struct Seeds {
    root: PathBuf,
    count: usize,
}

impl Seeds {
    fn add(&mut self, target: &str, name: &str, bytes: &[u8]) {
        if bytes.len() > MAX_SEED {
            eprintln!("skipped {target}/{name}: {} bytes", bytes.len());
            return;
        }
        let dir = self.root.join(target);
        std::fs::create_dir_all(&dir).expect("create the seed directory");
        std::fs::write(dir.join(name), bytes).expect("write a seed");
        self.count += 1;
    }
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files(&path, ext, out);
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
}

fn stem(path: &Path, root: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace(['/', '\\'], "_")
}

/// The SOAP response to `op` holding `value`, in the three shapes a server may use.
fn soap_responses<T: StructType>(seeds: &mut Seeds, method: &str, name: &str, value: &T) {
    let op = portabilling::registry::operation("Account", method).expect("a bundled operation");
    let mut targets = vec![("rpc_encoded", BodyTarget::response(op, op.namespace))];
    let mut literal = BodyTarget::response(op, op.namespace);
    literal.encoded = false;
    targets.push(("rpc_literal", literal));
    let mut spread = BodyTarget::response(op, op.namespace);
    spread.accessor = None;
    targets.push(("spread", spread));
    for (shape, target) in targets {
        let bytes = encode(None, &target, value).expect("encode a fixture");
        seeds.add(
            "soap_response_typed",
            &format!("{name}.{shape}.xml"),
            &bytes,
        );
        seeds.add("soap_response_any", &format!("{name}.{shape}.xml"), &bytes);
    }
}

fn main() {
    let root = repo();
    let out = root.join("fuzz/seeds");
    for target in [
        "soap_response_typed",
        "soap_response_any",
        "soap_request",
        "rest_response_typed",
        "rest_response_any",
        "rest_stream",
        "wsdl",
        "xsd",
        "espf_event",
        "espf_auth",
    ] {
        let _ = std::fs::remove_dir_all(out.join(target));
    }
    let mut seeds = Seeds {
        root: out,
        count: 0,
    };

    // The JSON shape fixtures: REST bodies as they are, SOAP responses re-encoded.
    let mut json = Vec::new();
    files(&root.join("tests/fixtures/shape"), "json", &mut json);
    for path in &json {
        let bytes = std::fs::read(path).expect("read a fixture");
        let name = stem(path, &root.join("tests/fixtures/shape"));
        seeds.add("rest_response_typed", &name, &bytes);
        seeds.add("rest_response_any", &name, &bytes);
        seeds.add("rest_stream", &name, &bytes);
        if let Ok(value) = serde_json::from_slice::<GetAccountInfoResponse>(&bytes) {
            if value.account_info.is_some() {
                soap_responses(&mut seeds, "get_account_info", &name, &value);
            }
        }
        if let Ok(value) = serde_json::from_slice::<GetAccountListResponse>(&bytes) {
            if !value.account_list.is_empty() {
                soap_responses(&mut seeds, "get_account_list", &name, &value);
            }
        }
    }
    let rest_fault = br#"{"faultcode":"Server.Account.not_found","faultstring":"Account not found","detail":{"i_account":1}}"#;
    seeds.add("rest_response_typed", "fault.json", rest_fault);
    seeds.add("rest_response_any", "fault.json", rest_fault);
    seeds.add("rest_stream", "fault.json", rest_fault);
    let list = br#"{"total":2,"account_list":[{"i_account":1,"id":"a","balance":"1.5"},{"i_account":"2","id":null}]}"#;
    seeds.add("rest_stream", "small_list.json", list);
    seeds.add("rest_response_typed", "small_list.json", list);

    // Faults and hand-written SOAP::Lite shapes.
    let fault = encode_fault("Server.Session.check_auth.auth_failed", "Invalid session");
    seeds.add("soap_response_typed", "fault.xml", &fault);
    seeds.add("soap_response_any", "fault.xml", &fault);
    let soaplite: &[(&str, &str)] = &[
        (
            "empty_result.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><get_account_infoResponse xmlns="urn:a"><s-gensym12 /></get_account_infoResponse></soap:Body></soap:Envelope>"#,
        ),
        (
            "arrays_base64_nil.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Header><x>1</x></soap:Header><soap:Body><get_account_listResponse xmlns="http://portaone.com/Porta/SOAP/Account"><GetAccountListResponse><account_list soapenc:arrayType="AccountInfo[2]" xsi:type="soapenc:Array"><item><i_account xsi:type="xsd:long">1</i_account><id xsi:type="xsd:base64Binary">PGE+</id><balance xsi:type="xsd:decimal">-1.5E3</balance><blocked xsi:nil="true"/></item><item><i_account>2</i_account><periodic_fees><item><item><fee>1</fee></item></item></periodic_fees><unknown><deep>x</deep></unknown></item></account_list><total xsi:type="xsd:int">2</total></GetAccountListResponse></get_account_listResponse></soap:Body></soap:Envelope>"#,
        ),
        (
            "cdata_entities.xml",
            r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><r><GetAccountInfoResponse><account_info><id><![CDATA[a<b]]>&amp;&#x1F600;&#65;</id><i_account>  7 </i_account></account_info></GetAccountInfoResponse></r></soap:Body></soap:Envelope>"#,
        ),
        (
            "fault_detail.xml",
            r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault><faultcode>soap:Client</faultcode><faultstring>bad</faultstring><faultactor>x</faultactor><detail><a><b>1</b><b>2</b></a></detail></soap:Fault></soap:Body></soap:Envelope>"#,
        ),
    ];
    for (name, xml) in soaplite {
        seeds.add("soap_response_typed", name, xml.as_bytes());
        seeds.add("soap_response_any", name, xml.as_bytes());
    }

    // SOAP requests, as the client writes them.
    let header = HeaderEntry {
        element: "auth_info",
        namespace: PORTAONE_NS,
        values: &[("session_id", "0123456789abcdef")],
    };
    let info = portabilling::registry::operation("Account", "get_account_info").expect("op");
    let request = GetAccountInfoRequest {
        i_account: Some(1000889),
        get_included_services: Some(1),
        ..Default::default()
    };
    let bytes = encode(
        Some(header),
        &BodyTarget::request(info, info.namespace),
        &request,
    )
    .expect("encode a request");
    seeds.add("soap_request", "get_account_info.xml", &bytes);
    let list = portabilling::registry::operation("Account", "get_account_list").expect("op");
    let request = GetAccountListRequest {
        i_customer: Some(7),
        limit: Some(100),
        offset: Some(0),
        get_total: Some(1),
        ..Default::default()
    };
    let mut literal = BodyTarget::request(list, list.namespace);
    let bytes = encode(Some(header), &literal, &request).expect("encode a request");
    seeds.add("soap_request", "get_account_list.xml", &bytes);
    literal.encoded = false;
    literal.accessor = None;
    let bytes = encode(None, &literal, &request).expect("encode a request");
    seeds.add("soap_request", "get_account_list.spread.xml", &bytes);

    // The generator: golden-case WSDLs, the bundled WSDLs, and every XSD.
    let mut wsdl = Vec::new();
    files(&root.join("codegen/tests/cases"), "wsdl", &mut wsdl);
    files(&root.join("codegen/corpus/wsdl"), "wsdl", &mut wsdl);
    files(&root.join("wsdl"), "wsdl", &mut wsdl);
    for path in &wsdl {
        let bytes = std::fs::read(path).expect("read a WSDL");
        seeds.add("wsdl", &stem(path, &root), &bytes);
    }
    let mut xsd = Vec::new();
    files(&root.join("codegen/tests/cases"), "xsd", &mut xsd);
    files(&root.join("codegen/corpus/wsdl"), "xsd", &mut xsd);
    files(&root.join("wsdl"), "xsd", &mut xsd);
    for path in &xsd {
        let bytes = std::fs::read(path).expect("read an XSD");
        seeds.add("xsd", &stem(path, &root), &bytes);
    }
    seeds.add("xsd", "thing.xsd", THING_XSD.as_bytes());

    // ESPF events and Authorization headers.
    let events: &[&str] = &[
        r#"{"event_type":"Subscriber/Created","variables":{"i_account":1000889,"i_event":7615}}"#,
        r#"{"event_type":"Subscriber/Updated","variables":{"i_event":"5","i_account":" 1000889 ","i_env":"3"}}"#,
        r#"{"event_type":"Customer/Updated","i_event":42,"variables":{"i_customer":"7"}}"#,
        r#"{"event_type":"DID/Assigned","variables":{"i_event":9,"number":"15551234567","i_did_number":3}}"#,
        r#"{"event_type":"Invoice/Created","variables":{"i_event":1e3,"i_invoice":-1}}"#,
        r#"{"event_type":"X/Y","variables":[]}"#,
    ];
    for (i, event) in events.iter().enumerate() {
        seeds.add("espf_event", &format!("event{i}.json"), event.as_bytes());
    }
    let date = "Sun, 06 Nov 1994 08:49:37 GMT";
    let body = events[0];
    let auths = [
        format!("{}\n{date}\nPOST\n/espf\nX-Extra: 1\n{body}", basic_authorization("espf", "secret")),
        format!("{}\n{date}\nPOST\n/espf\nX-Extra: 1\n{body}", custom_authorization("Plain", "passexample")),
        format!("{}\n{date}\nPOST\n/espf\nX-Extra: 1\n{body}", signature_authorization("test", "signature", date)),
        format!("Signature keyId=\"test\",algorithm=\"hmac-sha256\",headers=\"(request-target) date x-extra\",signature=\"AAAA\"\nSunday, 06-Nov-94 08:49:37 GMT\nPOST\n/espf\nX-Extra: 1\n{body}"),
        format!("Basic ZXNwZjpzZWNyZXQ=\nSun Nov  6 08:49:37 1994\nGET\n/\n\n"),
    ];
    for (i, auth) in auths.iter().enumerate() {
        seeds.add("espf_auth", &format!("auth{i}.txt"), auth.as_bytes());
    }
    println!("wrote {} seeds", seeds.count);
}

/// An XSD that defines what the xsd target's fixed WSDL uses, with the common constructs.
const THING_XSD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/"
    xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"
    xmlns:t="urn:fuzz:types" targetNamespace="urn:fuzz:types">
  <xs:simpleType name="Flag">
    <xs:restriction base="xs:string"><xs:enumeration value="Y"/><xs:enumeration value="N"/></xs:restriction>
  </xs:simpleType>
  <xs:complexType name="Base">
    <xs:sequence><xs:element name="id" type="xs:long" minOccurs="0"/></xs:sequence>
    <xs:attribute name="kind" type="xs:string"/>
  </xs:complexType>
  <xs:complexType name="Thing">
    <xs:complexContent>
      <xs:extension base="t:Base">
        <xs:sequence>
          <xs:element name="name" type="xs:string" nillable="true"/>
          <xs:element name="flag" type="t:Flag" minOccurs="0"/>
          <xs:element name="amount" type="xs:decimal" minOccurs="0"/>
          <xs:element name="when" type="xs:dateTime" minOccurs="0"/>
          <xs:element name="data" type="xs:base64Binary" minOccurs="0"/>
          <xs:element name="children" type="t:ThingArray" minOccurs="0"/>
          <xs:element name="tags" type="xs:string" maxOccurs="unbounded"/>
          <xs:any minOccurs="0"/>
        </xs:sequence>
      </xs:extension>
    </xs:complexContent>
  </xs:complexType>
  <xs:complexType name="ThingArray">
    <xs:complexContent>
      <xs:restriction base="soapenc:Array">
        <xs:attribute ref="soapenc:arrayType" wsdl:arrayType="t:Thing[]"/>
      </xs:restriction>
    </xs:complexContent>
  </xs:complexType>
  <xs:complexType name="GetThingRequest">
    <xs:sequence><xs:element name="id" type="xs:long"/></xs:sequence>
  </xs:complexType>
  <xs:complexType name="GetThingResponse">
    <xs:all><xs:element name="thing" type="t:Thing" minOccurs="0"/><xs:element name="total" type="xs:int" minOccurs="0"/></xs:all>
  </xs:complexType>
</xs:schema>
"#;
