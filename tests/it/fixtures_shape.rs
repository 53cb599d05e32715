//! Responses shaped like real PortaBilling ones decode into the bundled types without losing a
//! field, over REST (the JSON as captured) and over SOAP (the same data written the way
//! SOAP::Lite writes it).
//!
//! The fixtures in `tests/fixtures/shape/` are ours, with the keys and value types of real MR100
//! responses. A field the bundled types lack ends up in an `extra` map and fails the test, with
//! its path. Set `PORTABILLING_REAL_FIXTURES=<dir>` to run the same checks on captured real
//! responses (their file names say which method they answer).

use std::path::{Path, PathBuf};

use portabilling::model::DynamicStructure;
use portabilling::runtime::codec::{encode_any, BodyTarget};
use portabilling::runtime::{StructType, Structure};
use portabilling::{registry, Protocol};
use serde_json::Value;

/// Which method answered each fixture, by a part of its file name.
const METHODS: &[(&str, &str, &str)] = &[
    ("account_info_with_customer", "Account", "get_account_info"),
    ("account_with_customer", "Account", "get_account_info"),
    ("account_info", "Account", "get_account_info"),
    ("account_2984", "Account", "get_account_info"),
    ("account_list", "Account", "get_account_list"),
    ("account_subscriptions", "Account", "get_subscriptions"),
    ("customer_info", "Customer", "get_customer_info"),
    ("customer_2543", "Customer", "get_customer_info"),
    ("customer_444", "Customer", "get_customer_info"),
    ("allowed_addons", "Product", "get_allowed_addons"),
];

fn fixtures() -> Vec<(PathBuf, &'static str, &'static str)> {
    let mut dirs = vec![PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/shape")];
    if let Some(real) = std::env::var_os("PORTABILLING_REAL_FIXTURES") {
        dirs.push(PathBuf::from(real));
    }
    let mut out = Vec::new();
    for dir in dirs {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for file in files
            .into_iter()
            .filter(|f| f.extension().is_some_and(|e| e == "json"))
        {
            let name = file.file_name().unwrap().to_string_lossy().to_string();
            if let Some((_, service, method)) =
                METHODS.iter().find(|(part, ..)| name.contains(part))
            {
                out.push((file, *service, *method));
            }
        }
    }
    assert!(out.len() >= 7, "the shape fixtures are missing");
    out
}

/// The fixture's JSON body.
fn body(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The value as PortaBilling would mean it: nulls, empty lists and empty objects are absence;
/// numbers compare as numbers.
fn normal(v: &Value) -> Option<Value> {
    match v {
        Value::Null => None,
        Value::Array(a) if a.is_empty() => None,
        Value::Object(m) if m.is_empty() => None,
        Value::Array(a) => Some(Value::Array(
            a.iter().map(|x| normal(x).unwrap_or(Value::Null)).collect(),
        )),
        Value::Object(m) => {
            let kept: serde_json::Map<String, Value> = m
                .iter()
                .filter_map(|(k, x)| normal(x).map(|x| (k.clone(), x)))
                .collect();
            (!kept.is_empty()).then_some(Value::Object(kept))
        }
        Value::Number(n) => Some(serde_json::json!(n.as_f64())),
        // A decimal is a string in the crate's JSON, a number in the server's: compare values.
        Value::String(s) if s.parse::<f64>().is_ok_and(f64::is_finite) => {
            Some(serde_json::json!(s.parse::<f64>().ok()))
        }
        other => Some(other.clone()),
    }
}

fn decode_rest(service: &str, method: &str, json: &Value) -> Box<dyn Structure> {
    let op = registry::operation(service, method).unwrap();
    Protocol::Rest
        .decode_response(op, json.to_string().as_bytes())
        .unwrap_or_else(|e| panic!("{service}/{method}: {e}"))
}

#[test]
fn every_field_of_the_fixtures_is_in_the_bundled_types() {
    let mut report = Vec::new();
    for (path, service, method) in fixtures() {
        let json = body(&path);
        let typed = decode_rest(service, method, &json);
        let unknown = unknown(service, method, typed.as_ref());
        let round_trip = normal(&typed.to_json());
        let lossless = round_trip == normal(&json);
        report.push(format!(
            "{}: {service}/{method}: {} unknown field(s), {}",
            path.file_name().unwrap().to_string_lossy(),
            unknown.len(),
            if lossless {
                "nothing lost"
            } else {
                "VALUES DIFFER"
            }
        ));
        assert!(
            unknown.is_empty(),
            "{}: fields the bundled types lack: {unknown:?}",
            path.display()
        );
        assert!(
            lossless,
            "{}: the decoded value differs from the JSON",
            path.display()
        );
    }
    println!("{}", report.join("\n"));
}

/// The unknown fields of a decoded response (the registry's schema-made value), found again
/// through its generated type, which must hold the same values.
fn unknown(service: &str, method: &str, value: &dyn Structure) -> Vec<String> {
    use portabilling::{account, customer, product};
    match (service, method) {
        ("Account", "get_account_info") => typed_unknown::<account::GetAccountInfoResponse>(value),
        ("Account", "get_account_list") => typed_unknown::<account::GetAccountListResponse>(value),
        ("Account", "get_subscriptions") => {
            typed_unknown::<account::GetAccountSubscriptionsResponse>(value)
        }
        ("Customer", "get_customer_info") => {
            typed_unknown::<customer::GetCustomerInfoResponse>(value)
        }
        ("Product", "get_allowed_addons") => {
            typed_unknown::<product::GetAllowedAddonsResponse>(value)
        }
        _ => unreachable!(),
    }
}

fn typed_unknown<T: StructType>(value: &dyn Structure) -> Vec<String> {
    let typed: T = value.to_typed().expect("the response is of T's schema");
    let typed_ref: &dyn Structure = &typed;
    assert_eq!(typed_ref.to_json(), value.to_json(), "{}", T::SCHEMA.name);
    let unknown = portabilling::model::unknown_fields(&typed);
    assert_eq!(
        unknown,
        portabilling::model::unknown_fields(value.downcast_ref::<DynamicStructure>().unwrap())
    );
    unknown
}

#[test]
fn the_same_data_over_soap_decodes_to_the_same_values() {
    for (path, service, method) in fixtures() {
        let json = body(&path);
        let op = registry::operation(service, method).unwrap();
        // Written the way a SOAP::Lite server writes a hash: typed values, arrays of `item`s.
        let target = BodyTarget {
            namespace: "https://billing.example.com/Porta/SOAP/Account",
            element: op.response_element,
            accessor: Some("s-gensym3"),
            encoded: true,
            empty_lists: false,
        };
        let xml = encode_any(None, &target, &json).unwrap();
        let over_soap = Protocol::Soap
            .decode_response(op, &xml)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let over_rest = decode_rest(service, method, &json);
        assert_eq!(
            normal(&over_soap.to_json()),
            normal(&over_rest.to_json()),
            "{}: SOAP and REST disagree",
            path.display()
        );
    }
}
