//! The generated types of every corpus style, filled in, written as SOAP envelopes and read back,
//! and written as JSON and read back, through the public `portabilling` runtime only.

use portabilling::model::DynamicStructure;
use portabilling::runtime::codec::{decode_response, decode_response_into, encode, BodyTarget};
use portabilling::runtime::codec::{Limits, ValueOrFault};
use portabilling::runtime::{
    AnyValue, Base64Binary, Date, DateTime, Decimal, Flag, Operation, StructType, Structure,
};

use portabilling_codegen_corpus::{
    document_literal::library, multi_file::shipping, multi_file::types, name_clashes::clash,
    odd_values::odd_enums, recursive::tree, rpc_encoded::legacy, rpc_literal::weather,
};

/// Writes `value` as the request of operation `O` and reads it back; returns the envelope too.
fn request_round_trip<O: Operation>(value: &O::Request) -> (O::Request, String) {
    let target = BodyTarget::request(O::INFO, O::INFO.namespace);
    round_trip(&target, value)
}

/// Writes `value` as the response of operation `O` (as a server would) and reads it back.
fn response_round_trip<O: Operation>(value: &O::Response) -> (O::Response, String) {
    let target = BodyTarget::response(O::INFO, O::INFO.namespace);
    round_trip(&target, value)
}

fn round_trip<T: StructType>(target: &BodyTarget<'_>, value: &T) -> (T, String) {
    let bytes = encode(None, target, value).unwrap_or_else(|e| panic!("encode: {e}"));
    let text = String::from_utf8(bytes).expect("the envelope is UTF-8");
    let decoded = match decode_response::<T>(text.as_bytes(), Limits::default()) {
        Ok(ValueOrFault::Value(decoded)) => decoded,
        Ok(ValueOrFault::Fault(f)) => panic!("unexpected fault {f:?} in {text}"),
        Err(e) => panic!("decode: {e} in {text}"),
    };
    same_through_the_schema(target, &text, &decoded);
    (decoded, text)
}

/// The same envelope read into a value made from the schema alone (what the registry makes)
/// holds the same value, and writes the same envelope.
fn same_through_the_schema<T: StructType>(target: &BodyTarget<'_>, text: &str, typed: &T) {
    let mut dynamic = DynamicStructure::new(T::SCHEMA);
    match decode_response_into(text.as_bytes(), Limits::default(), &mut dynamic) {
        Ok(None) => {}
        Ok(Some(f)) => panic!("unexpected fault {f:?} in {text}"),
        Err(e) => panic!("decode into the schema's value: {e} in {text}"),
    }
    let dynamic: &dyn Structure = &dynamic;
    assert!(
        dynamic.to_typed::<T>().as_ref() == Some(typed),
        "{}: the schema's value differs from the generated type's in {text}",
        T::SCHEMA.name
    );
    let again = encode(None, target, dynamic).unwrap_or_else(|e| panic!("encode: {e}"));
    assert_eq!(String::from_utf8_lossy(&again), text, "{}", T::SCHEMA.name);
}

/// Writes `value` as JSON and reads it back; returns the JSON too.
fn json_round_trip<T>(value: &T) -> (T, serde_json::Value)
where
    T: serde::Serialize + serde::de::DeserializeOwned,
{
    let json = serde_json::to_value(value).expect("serializes");
    let text = serde_json::to_string(value).expect("serializes");
    let back: T = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    (back, json)
}

/// Both round trips must give the value back unchanged.
#[track_caller]
fn assert_round_trips<O: Operation>(request: &O::Request, response: &O::Response)
where
    O::Request: serde::Serialize + serde::de::DeserializeOwned,
    O::Response: serde::Serialize + serde::de::DeserializeOwned,
{
    let (back, xml) = request_round_trip::<O>(request);
    assert_eq!(&back, request, "request through SOAP:\n{xml}");
    let (back, xml) = response_round_trip::<O>(response);
    assert_eq!(&back, response, "response through SOAP:\n{xml}");
    let (back, json) = json_round_trip(request);
    assert_eq!(&back, request, "request through JSON: {json}");
    let (back, json) = json_round_trip(response);
    assert_eq!(&back, response, "response through JSON: {json}");
}

fn date(s: &str) -> Date {
    s.parse().expect("a date")
}

fn book(isbn: &str, pages: Option<i32>) -> library::Book {
    library::Book {
        isbn: isbn.to_string(),
        title: "Über <Rust> & \"XML\"".to_string(),
        authors: vec![
            library::Author {
                name: "Ada".to_string(),
                born: Some(date("1815-12-10")),
                ..Default::default()
            },
            library::Author {
                name: "Grace".to_string(),
                ..Default::default()
            },
        ],
        genre: library::Genre::NonFiction,
        price: Some("12.50".parse::<Decimal>().expect("a decimal")),
        published: Some(date("2021-03-04")),
        added: "2024-01-31T10:20:30Z"
            .parse::<DateTime>()
            .expect("a date-time"),
        pages,
        tags: vec!["computing".to_string(), "history".to_string()],
        cover: Some(Base64Binary(vec![0, 1, 2, 254, 255])),
        available: true,
        shelf: Some("B-12".to_string()),
        copies: 3,
        ..Default::default()
    }
}

#[test]
fn document_literal_wrapped() {
    let request = library::SearchBooks {
        query: "history of computing".to_string(),
        genre: vec![
            library::Genre::Fiction,
            library::Genre::Other("COMICS".to_string()),
        ],
        max_results: Some(20),
        ..Default::default()
    };
    let response = library::SearchBooksResponse {
        book: vec![
            book("9780000000001", Some(350)),
            book("9780000000002", None),
        ],
        total_hits: 2,
        ..Default::default()
    };
    assert_round_trips::<library::op::SearchBooks>(&request, &response);

    // The body element is the operation's wrapper element, with the fields spread in it, and
    // attributes are attributes.
    let (_, xml) = response_round_trip::<library::op::SearchBooks>(&response);
    assert!(xml.contains("<m:SearchBooksResponse"), "{xml}");
    assert!(xml.contains("copies=\"3\""), "{xml}");
    assert!(xml.contains("shelf=\"B-12\""), "{xml}");
    assert!(xml.contains("AAEC/v8="), "base64: {xml}");
    let info = library::op::SearchBooks::INFO;
    assert_eq!(info.request_element, "SearchBooks");
    assert_eq!(
        info.soap_action,
        "http://example.com/library/ws/SearchBooks"
    );
    assert!(<library::Book as StructType>::SCHEMA.qualified);

    let request = library::GetBook {
        isbn: "9780000000001".to_string(),
        ..Default::default()
    };
    let response = library::GetBookResponse {
        book: Some(book("9780000000001", Some(1))),
        ..Default::default()
    };
    assert_round_trips::<library::op::GetBook>(&request, &response);

    // JSON uses the wire names.
    let (_, json) = json_round_trip(&request);
    assert_eq!(json, serde_json::json!({ "isbn": "9780000000001" }));
    let (_, json) = json_round_trip(&book("1", None));
    assert_eq!(json["genre"], "NON_FICTION");
    // A decimal is a JSON string, with the digits it was given.
    assert_eq!(json["price"], serde_json::json!("12.50"));
}

#[test]
fn rpc_literal_with_several_parts() {
    let request = weather::GetForecastRequest {
        city: Some("Kyiv".to_string()),
        days: Some(3),
        units: Some(weather::Units::Metric),
        ..Default::default()
    };
    let response = weather::GetForecastResponse {
        forecast: Some(weather::Forecast {
            city: "Kyiv".to_string(),
            day: vec![
                weather::Day {
                    date: date("2024-07-01"),
                    low: 14.5,
                    high: 27.25,
                    summary: Some("sunny".to_string()),
                    ..Default::default()
                },
                weather::Day {
                    date: date("2024-07-02"),
                    low: -1.0,
                    high: 0.5,
                    ..Default::default()
                },
            ],
            ..Default::default()
        }),
        issued: Some("2024-06-30T23:59:59Z".parse().expect("a date-time")),
        ..Default::default()
    };
    assert_round_trips::<weather::op::GetForecast>(&request, &response);
    let info = weather::op::GetForecast::INFO;
    assert_eq!(info.request_element, "getForecast");
    assert_eq!(info.response_element, "getForecastResponse");
    assert_eq!(
        info.request_part, None,
        "several parts are spread in the wrapper"
    );

    let request = weather::GetTemperatureRequest {
        latitude: Some("50.4501".parse().expect("a decimal")),
        longitude: Some("-30.5234".parse().expect("a decimal")),
        ..Default::default()
    };
    let response = weather::GetTemperatureResponse {
        celsius: Some(21.5),
        ..Default::default()
    };
    assert_round_trips::<weather::op::GetTemperature>(&request, &response);
}

#[test]
fn types_from_imported_and_included_files() {
    let address = |city: &str| shipping::Address {
        line: vec!["1 Main Street".to_string(), "Flat 2".to_string()],
        city: city.to_string(),
        postcode: Some("01001".to_string()),
        country: "UA".to_string(),
        ..Default::default()
    };
    let request = shipping::Quote {
        shipment: shipping::Shipment {
            from: address("Kyiv"),
            to: address("Lviv"),
            parcel: vec![shipping::Parcel {
                weight_grams: 1200,
                length_mm: 300,
                width_mm: 200,
                height_mm: 100,
                fragile: Some(true),
                ..Default::default()
            }],
            service: Some(shipping::ServiceLevel::Express),
            ..Default::default()
        },
        ..Default::default()
    };
    let response = shipping::QuoteResponse {
        quote: vec![
            types::Quote {
                service: shipping::ServiceLevel::Economy,
                price: shipping::Money {
                    currency: "UAH".to_string(),
                    value: "99.90".parse().expect("a decimal"),
                    ..Default::default()
                },
                delivery_by: Some(date("2024-08-01")),
                ..Default::default()
            },
            types::Quote {
                service: shipping::ServiceLevel::Other("drone".to_string()),
                price: shipping::Money {
                    currency: "EUR".to_string(),
                    value: "5".parse().expect("a decimal"),
                    ..Default::default()
                },
                ..Default::default()
            },
        ],
        ..Default::default()
    };
    assert_round_trips::<shipping::op::Quote>(&request, &response);
    // The shared types live in the `types` module and are re-exported into the service's.
    // The request element `quote` and the XSD type `Quote` both want the name `Quote`: the
    // service module's own type keeps it, and the shared one is not re-exported there.
    let _: &types::Address = &request.shipment.from;
    let _: &Vec<types::Quote> = &response.quote;
    assert_eq!(<shipping::Quote as StructType>::SCHEMA.name, "quote");
    assert_eq!(<types::Quote as StructType>::SCHEMA.name, "Quote");
    assert_eq!(
        <shipping::Address as StructType>::SCHEMA.namespace,
        "urn:common:address"
    );
    assert!(<shipping::Parcel as StructType>::SCHEMA
        .source
        .starts_with("shipping-parts.xsd:"));
    // Simple content: the amount is the text, the currency an attribute.
    let (_, xml) = response_round_trip::<shipping::op::Quote>(&response);
    assert!(xml.contains("currency=\"UAH\">99.90<"), "{xml}");
}

#[test]
fn recursive_types_round_trip() {
    let leaf = |name: &str| tree::TreeNode {
        name: name.to_string(),
        ..Default::default()
    };
    let root = tree::TreeNode {
        name: "root".to_string(),
        parent: Some(Box::new(leaf("above the root"))),
        children: vec![
            tree::TreeNode {
                children: vec![leaf("grandchild")],
                ..leaf("child")
            },
            leaf("second child"),
        ],
        ..Default::default()
    };
    // (1 + x) * 2, through the mutually recursive Expr and Apply.
    let number = |n: i64| tree::Expr {
        number: Some(n),
        ..Default::default()
    };
    let expr = tree::Expr {
        apply: Some(Box::new(tree::Apply {
            operator: "*".to_string(),
            left: Box::new(tree::Expr {
                apply: Some(Box::new(tree::Apply {
                    operator: "+".to_string(),
                    left: Box::new(number(1)),
                    right: Box::new(tree::Expr {
                        variable: Some("x".to_string()),
                        ..Default::default()
                    }),
                    ..Default::default()
                })),
                ..Default::default()
            }),
            right: Box::new(number(2)),
            ..Default::default()
        })),
        ..Default::default()
    };
    let chain = tree::Chain {
        value: 1,
        next: Some(Box::new(tree::ChainNext {
            link: Box::new(tree::Chain {
                value: 2,
                ..Default::default()
            }),
            ..Default::default()
        })),
        ..Default::default()
    };
    let comment = tree::Comment {
        text: "top".to_string(),
        comment: vec![tree::Comment {
            text: "reply".to_string(),
            ..Default::default()
        }],
        quoted: Some(Box::new(tree::CommentQuoted {
            comment: Box::new(tree::Comment {
                text: "quoted".to_string(),
                ..Default::default()
            }),
            ..Default::default()
        })),
        ..Default::default()
    };
    let request = tree::Evaluate {
        tree: root.clone(),
        expr,
        chain: Some(chain),
        comment: Some(comment),
        ..Default::default()
    };
    let response = tree::EvaluateResponse {
        result: 42,
        tree: root,
        ..Default::default()
    };
    assert_round_trips::<tree::op::Evaluate>(&request, &response);
}

#[test]
fn rpc_encoded_with_arrays_of_arrays() {
    let sheet = legacy::Sheet {
        name: "Q3".to_string(),
        cells: vec![
            legacy::Cell {
                row: 1,
                column: 1,
                value: Some(AnyValue::String("total".to_string())),
                ..Default::default()
            },
            legacy::Cell {
                row: 1,
                column: 2,
                ..Default::default()
            },
        ],
        // Arrays of arrays: see `nested_soap_encoded_arrays` below.
        matrix: Vec::new(),
        modified: Some("2024-09-30T12:00:00Z".parse().expect("a date-time")),
        total: None,
        ..Default::default()
    };
    let request = legacy::SaveSheetRequest {
        sheet: sheet.clone(),
        ..Default::default()
    };
    let response = legacy::SaveSheetResponse {
        saved: sheet,
        revision: 7,
        ..Default::default()
    };
    assert_round_trips::<legacy::op::SaveSheet>(&request, &response);
    let info = legacy::op::SaveSheet::INFO;
    assert!(info.encoded);
    assert_eq!(info.request_part, Some("SaveSheetRequest"));
    let header = info.header.as_ref().expect("a header");
    assert_eq!(
        (header.element, header.namespace),
        ("credentials", "urn:legacy:auth")
    );
    let (_, xml) = request_round_trip::<legacy::op::SaveSheet>(&request);
    assert!(
        xml.contains("soapenc:Array") || xml.contains("arrayType"),
        "SOAP-encoded arrays: {xml}"
    );
}

/// `xsd:double[][]` is generated as `Vec<Vec<f64>>` and survives JSON, but the runtime's
/// encoder writes the inner arrays' items without their own `item` wrappers.
#[test]
fn nested_arrays_through_json() {
    let sheet = legacy::Sheet {
        name: "m".to_string(),
        matrix: vec![vec![1.0, 2.5], vec![], vec![-3.0]],
        ..Default::default()
    };
    let (back, json) = json_round_trip(&sheet);
    assert_eq!(back, sheet);
    assert_eq!(json["matrix"], serde_json::json!([[1.0, 2.5], [], [-3.0]]));
}

#[test]
fn nested_soap_encoded_arrays() {
    let request = legacy::SaveSheetRequest {
        sheet: legacy::Sheet {
            name: "m".to_string(),
            matrix: vec![vec![1.0, 2.5], vec![], vec![-3.0]],
            ..Default::default()
        },
        ..Default::default()
    };
    let (back, xml) = request_round_trip::<legacy::op::SaveSheet>(&request);
    assert_eq!(back, request, "{xml}");
}

#[test]
fn odd_enumeration_values_round_trip() {
    // Every value but the empty one, which the runtime reads back from an empty element as
    // absent (so it cannot be an item of a list); it is the default, tested below.
    let all = [
        odd_enums::Odd::V1,
        odd_enums::Odd::Minus1,
        odd_enums::Odd::Plus1,
        odd_enums::Odd::AB,
        odd_enums::Odd::AB2,
        odd_enums::Odd::AB3,
        odd_enums::Odd::Other,
        odd_enums::Odd::Other2,
        odd_enums::Odd::Unlisted,
        odd_enums::Odd::Empty2,
        odd_enums::Odd::Ünïcödé,
        odd_enums::Odd::Ünïcödé2,
        odd_enums::Odd::日本,
        odd_enums::Odd::Straße,
        odd_enums::Odd::Self_,
        odd_enums::Odd::Self2,
        odd_enums::Odd::Type,
        odd_enums::Odd::None,
        odd_enums::Odd::Some,
        odd_enums::Odd::V15,
        odd_enums::Odd::V152,
        odd_enums::Odd::TabInside,
        odd_enums::Odd::QuoteS,
        odd_enums::Odd::Unlisted2("never declared".to_string()),
    ];
    let request = odd_enums::Classify {
        odd: odd_enums::Odd::Minus1,
        odds: all.to_vec(),
        number: Some(-1),
        flag: Some(Flag::Yes),
        ..Default::default()
    };
    let response = odd_enums::ClassifyResponse {
        odd: Some(odd_enums::Odd::Unlisted2("x y".to_string())),
        ..Default::default()
    };
    assert_round_trips::<odd_enums::op::Classify>(&request, &response);
    let empty = odd_enums::Classify::default();
    assert_eq!(empty.odd, odd_enums::Odd::Empty);
    assert_round_trips::<odd_enums::op::Classify>(&empty, &odd_enums::ClassifyResponse::default());

    // The wire values, through the enumeration's own conversions and JSON.
    use portabilling::runtime::Enumeration;
    for value in all.iter().chain([&odd_enums::Odd::Empty]) {
        let wire = value.as_str().to_string();
        assert_eq!(&odd_enums::Odd::from_wire(&wire), value, "{wire:?}");
        assert_eq!(
            serde_json::to_value(value).expect("serializes"),
            serde_json::json!(wire)
        );
    }
    assert_eq!(odd_enums::Odd::Minus1.as_str(), "-1");
    assert_eq!(odd_enums::Odd::Plus1.as_str(), "+1");
    assert_eq!(odd_enums::Odd::日本.as_str(), "日本");
    assert_eq!(odd_enums::Odd::Padded.as_str(), "  padded  ");
    assert_eq!(odd_enums::Odd::from_wire("Other"), odd_enums::Odd::Other);
    assert_eq!(
        odd_enums::Odd::from_wire("OTHER"),
        odd_enums::Odd::Unlisted2("OTHER".to_string())
    );
}

/// The top-level struct of a document/literal body is written by the envelope, without the
/// struct's attributes (runtime limitation, see the report): keep them for nested structs.
#[test]
fn attributes_of_the_body_element() {
    let request = odd_enums::Classify {
        mode: Some(odd_enums::Odd::日本),
        ..Default::default()
    };
    let (back, xml) = request_round_trip::<odd_enums::op::Classify>(&request);
    assert_eq!(back, request, "{xml}");
}

#[test]
fn clashing_names_round_trip() {
    let keywords = clash::Keywords {
        r#type: "element".to_string(),
        r#match: Some("m".to_string()),
        self_: Some("s".to_string()),
        super_: Some(1),
        r#fn: Some(true),
        r#async: Some("a".to_string()),
        a_b: Some("dash".to_string()),
        a_b_2: Some("underscore".to_string()),
        a_b_3: Some("camel".to_string()),
        extra: Some("an element named extra".to_string()),
        foo: Some(clash::Foo {
            upper: 1,
            ..Default::default()
        }),
        foo_2: Some(clash::Foo2 {
            lower: 2,
            ..Default::default()
        }),
        foo_3: Some(clash::Foo3 {
            shout: 3,
            ..Default::default()
        }),
        vec: vec![clash::Vec2 {
            x: 0.5,
            ..Default::default()
        }],
        r#ref: Some("attribute".to_string()),
        r#loop: Some(9),
        ..Default::default()
    };
    assert_round_trips::<clash::op::Type>(&keywords, &keywords);
    let (_, xml) = request_round_trip::<clash::op::Type>(&keywords);
    assert!(xml.contains("ref=\"attribute\" loop=\"9\""), "{xml}");
    assert!(xml.contains("<type>element</type>"), "{xml}");
    assert!(
        xml.contains("<a-b>dash</a-b>") && xml.contains("<a_b>underscore</a_b>"),
        "{xml}"
    );
}
