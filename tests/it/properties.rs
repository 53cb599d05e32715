//! Round-trip properties of the codecs on generated types built from arbitrary values: any
//! Unicode (control characters, characters outside the BMP, noncharacters), markup (`<>&"'`,
//! `]]>`, `<![CDATA[`), leading and trailing spaces, empty strings, extreme numbers, decimals
//! with 38 digits, dates at the calendar edges, absent fields, lists of 0..n items and the
//! nested `periodic_fees: Vec<Vec<PeriodicFeeInfo>>`.
//!
//! - SOAP: `encode` (rpc/encoded, under an accessor) then `decode_response` gives the value back.
//! - JSON: `serde_json::to_vec` then `serde_json::from_slice` gives the value back.
//! - Both decoders accept the fields of every structure in any order (the encoded XML and JSON
//!   are re-written with shuffled fields), and read an explicit null (`xsi:nil`, `null`) for
//!   an absent field as absent.
//! - Numbers written in exponent form (`-15E-3`, as Perl writes floats) read as the same decimal.
//!
//! The documented semantics the properties respect rather than fight:
//! - `None` is omitted and an empty `xsd:string` element is `Some("")`, so both survive;
//! - an empty list is omitted and decodes as an empty list (the same value);
//! - over SOAP, a structure with no field set is written as an empty element, and an empty
//!   element reads as absent (as SOAP::Lite's own empty values do): as an optional field it is
//!   `None`, as a list item it is dropped (`[[{}]]` reads back as `[[]]`). The SOAP properties
//!   compare with the value so normalised ([`soap_normal`]); JSON keeps `{}` and compares as is;
//! - in the literal style (no `xsi:type`) an empty element cannot say it is a string, so an
//!   empty string reads back as absent;
//! - a string XML 1.0 cannot carry (most C0 controls, U+FFFE, U+FFFF, …) is sent as
//!   `xsd:base64Binary` in the encoded style and read back; the literal style refuses it
//!   with an `EncodeError` rather than sending something else (checked separately);
//! - a `Decimal` keeps at most 38 significant digits and 30 fraction digits: the strategies
//!   stay within that (a wider mantissa is refused by the parser, not silently rounded).
//!
//! `PROPTEST_CASES` raises the number of cases (default 64 per property, which keeps the file
//! under ~30 s in a debug build).

use std::fmt::Debug;

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::test_runner::Config;

use portabilling::account::{
    AccountInfo, AddonInfo, GetAccountListResponse, PeriodicFeeInfo, ProductSubscriptionInfo,
    ServiceAttributeInfo, ServiceFeatureInfo,
};
use portabilling::runtime::codec::{decode_response, encode, BodyTarget};
use portabilling::runtime::codec::{Limits, ValueOrFault};
use portabilling::runtime::{Date, DateTime, Decimal, Flag, StructType, Time};

fn config() -> Config {
    // `Config::default()` reads PROPTEST_CASES; only the built-in default is lowered.
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

// ---------------------------------------------------------------------------------------
// Strategies.

/// Text: pieces of every kind that trips an XML or JSON writer, or empty, or padded.
fn text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        // Any Unicode scalar value: C0/C1 controls, surrogates' neighbours, non-BMP, …
        4 => any::<char>().prop_map(String::from),
        1 => Just("<".to_string()),
        1 => Just(">".to_string()),
        1 => Just("&".to_string()),
        1 => Just("\"".to_string()),
        1 => Just("'".to_string()),
        1 => Just("]]>".to_string()),
        1 => Just("<![CDATA[".to_string()),
        1 => Just("&amp;".to_string()),
        1 => Just("&#0;".to_string()),
        1 => Just(" ".to_string()),
        1 => Just("\t".to_string()),
        1 => Just("\r\n".to_string()),
        1 => Just("\r".to_string()),
        1 => Just("\n".to_string()),
        1 => Just("\u{0}".to_string()),
        1 => Just("\u{1b}".to_string()),
        1 => Just("\u{7f}".to_string()),
        1 => Just("\u{85}".to_string()),
        1 => Just("\u{a0}".to_string()),
        1 => Just("\u{2028}".to_string()),
        1 => Just("\u{feff}".to_string()),
        1 => Just("\u{fffe}".to_string()),
        1 => Just("\u{ffff}".to_string()),
        1 => Just("\u{1f600}".to_string()),
        1 => Just("\u{10ffff}".to_string()),
        3 => "[a-zA-Z0-9]{1,6}",
    ];
    prop_oneof![
        1 => Just(String::new()),
        1 => Just("  padded both ends  ".to_string()),
        1 => Just(" ".to_string()),
        8 => vec(piece, 0..8).prop_map(|p| p.concat()),
    ]
}

fn long() -> impl Strategy<Value = i64> {
    prop_oneof![
        Just(i64::MIN),
        Just(i64::MAX),
        Just(0),
        Just(-1),
        any::<i64>()
    ]
}

fn int() -> impl Strategy<Value = i32> {
    prop_oneof![
        Just(i32::MIN),
        Just(i32::MAX),
        Just(0),
        Just(-1),
        any::<i32>()
    ]
}

/// The widest mantissa a `Decimal` reads back: 38 digits.
const MAX_MANTISSA: i128 = 99_999_999_999_999_999_999_999_999_999_999_999_999;

fn decimal() -> impl Strategy<Value = Decimal> {
    let mantissa = prop_oneof![
        Just(MAX_MANTISSA),
        Just(-MAX_MANTISSA),
        Just(0i128),
        Just(1i128),
        Just(-1i128),
        any::<i64>().prop_map(i128::from),
        -MAX_MANTISSA..=MAX_MANTISSA,
    ];
    let scale = prop_oneof![Just(0u32), Just(30u32), 0u32..=30];
    (mantissa, scale).prop_map(|(m, s)| Decimal::new(m, s))
}

fn date() -> impl Strategy<Value = Date> {
    prop_oneof![
        Just((1, 1, 1)),
        Just((9999, 12, 31)),
        Just((-9999, 1, 1)),
        Just((0, 2, 29)),
        Just((0, 1, 1)),
        Just((-1, 12, 31)),
        Just((1969, 12, 31)),
        Just((1970, 1, 1)),
        Just((1900, 2, 28)),
        Just((2000, 2, 29)),
        Just((2024, 2, 29)),
        Just((2038, 1, 19)),
        (-9999i32..=9999, 1u8..=12, 1u8..=31),
    ]
    .prop_filter_map("not a calendar date", |(y, m, d)| Date::new(y, m, d))
}

fn datetime() -> impl Strategy<Value = DateTime> {
    let time = prop_oneof![
        Just((0u8, 0u8, 0u8, 0u32)),
        Just((23, 59, 59, 0)),
        Just((23, 59, 59, 999_999_999)),
        (
            0u8..24,
            0u8..60,
            0u8..60,
            prop_oneof![Just(0u32), 0u32..1_000_000_000]
        ),
    ]
    .prop_filter_map("not a time", |(h, m, s, n)| Time::new(h, m, s, n));
    (date(), time).prop_map(|(d, t)| DateTime::new(d, t))
}

fn flag() -> impl Strategy<Value = Flag> {
    prop_oneof![Just(Flag::Yes), Just(Flag::No)]
}

fn periodic_fee() -> impl Strategy<Value = PeriodicFeeInfo> {
    (option::of(long()), option::of(int()), option::of(decimal())).prop_map(
        |(i_billing_period, periods, fee)| PeriodicFeeInfo {
            i_billing_period,
            periods,
            fee,
            ..Default::default()
        },
    )
}

fn subscription() -> impl Strategy<Value = ProductSubscriptionInfo> {
    (
        option::of(long()),
        option::of(text()),
        option::of(decimal()),
        option::of(flag()),
        vec(vec(periodic_fee(), 0..3), 0..3),
    )
        .prop_map(
            |(i_subscription, name, fee, generate_daily_charge, periodic_fees)| {
                ProductSubscriptionInfo {
                    i_subscription,
                    name,
                    fee,
                    generate_daily_charge,
                    periodic_fees,
                    ..Default::default()
                }
            },
        )
}

fn addon() -> impl Strategy<Value = AddonInfo> {
    (
        option::of(long()),
        option::of(text()),
        option::of(text()),
        option::of(subscription()),
    )
        .prop_map(
            |(i_product, name, description, product_subscription)| AddonInfo {
                i_product,
                name,
                description,
                product_subscription,
                ..Default::default()
            },
        )
}

fn feature() -> impl Strategy<Value = ServiceFeatureInfo> {
    let attribute = (
        option::of(text()),
        vec(option::of(text()), 0..4),
        vec(option::of(text()), 0..3),
    )
        .prop_map(|(name, values, effective_values)| ServiceAttributeInfo {
            name,
            values,
            effective_values,
            ..Default::default()
        });
    (
        option::of(text()),
        option::of(text()),
        option::of(int()),
        vec(text(), 0..3),
        vec(attribute, 0..3),
    )
        .prop_map(
            |(name, flag_value, locked, locks, attributes)| ServiceFeatureInfo {
                name,
                flag_value,
                locked,
                locks,
                attributes,
                ..Default::default()
            },
        )
}

fn account() -> impl Strategy<Value = AccountInfo> {
    let strings = (
        option::of(text()),
        option::of(text()),
        option::of(text()),
        option::of(text()),
        option::of(text()),
    );
    let numbers = (
        option::of(long()),
        option::of(long()),
        option::of(int()),
        option::of(int()),
    );
    let typed = (
        option::of(decimal()),
        option::of(decimal()),
        option::of(date()),
        option::of(date()),
        option::of(datetime()),
        option::of(flag()),
    );
    let lists = (vec(long(), 0..4), vec(addon(), 0..3), vec(feature(), 0..3));
    (strings, numbers, typed, lists).prop_map(
        |(
            (id, login, note, firstname, email),
            (i_account, i_customer, billing_model, is_active),
            (balance, credit_limit, activation_date, expiration_date, last_usage, blocked),
            (included_services, assigned_addons, service_features),
        )| AccountInfo {
            i_account,
            id,
            i_customer,
            login,
            billing_model,
            blocked,
            is_active,
            balance,
            credit_limit,
            activation_date,
            expiration_date,
            last_usage,
            firstname,
            email,
            note,
            service_features,
            assigned_addons,
            included_services,
            ..Default::default()
        },
    )
}

fn account_list() -> impl Strategy<Value = GetAccountListResponse> {
    (vec(account(), 0..4), option::of(int())).prop_map(|(account_list, total)| {
        GetAccountListResponse {
            account_list,
            total,
            ..Default::default()
        }
    })
}

// ---------------------------------------------------------------------------------------
// What SOAP gives back: structures with no field set are absent (see the module docs).

fn some_unless_default<T: Default + PartialEq>(value: Option<T>) -> Option<T> {
    value.filter(|v| *v != T::default())
}

fn without_defaults<T: Default + PartialEq>(items: Vec<T>) -> Vec<T> {
    items.into_iter().filter(|v| *v != T::default()).collect()
}

fn normal_subscription(mut s: ProductSubscriptionInfo) -> ProductSubscriptionInfo {
    s.periodic_fees = s.periodic_fees.into_iter().map(without_defaults).collect();
    s
}

/// Whether a structure is written with no child (and so reads as absent) is decided on the
/// value as it is, before its children are normalised: an element holding only absent
/// children is still there.
fn normal_account(mut a: AccountInfo) -> AccountInfo {
    a.assigned_addons = without_defaults(a.assigned_addons)
        .into_iter()
        .map(|mut addon| {
            addon.product_subscription =
                some_unless_default(addon.product_subscription).map(normal_subscription);
            addon
        })
        .collect();
    a.service_features = without_defaults(a.service_features)
        .into_iter()
        .map(|mut f| {
            f.attributes = without_defaults(f.attributes);
            f
        })
        .collect();
    a
}

/// `value` as SOAP gives it back: structures with no field set dropped from lists and
/// optional fields.
fn soap_normal(value: &GetAccountListResponse) -> GetAccountListResponse {
    let mut v = value.clone();
    v.account_list = without_defaults(v.account_list)
        .into_iter()
        .map(normal_account)
        .collect();
    v
}

// ---------------------------------------------------------------------------------------
// Codecs.

fn target(encoded: bool) -> BodyTarget<'static> {
    BodyTarget {
        namespace: "http://billing.example.com/Porta/SOAP/Account",
        element: "get_account_listResponse",
        accessor: Some("GetAccountListResponse"),
        encoded,
        empty_lists: false,
    }
}

fn soap_decode<T: StructType>(xml: &[u8]) -> Result<T, String> {
    match decode_response::<T>(xml, Limits::default()) {
        Ok(ValueOrFault::Value(v)) => Ok(v),
        Ok(ValueOrFault::Fault(f)) => Err(format!("unexpected fault {f:?}")),
        Err(e) => Err(format!("decode error: {e}")),
    }
}

fn soap_round_trip<T: StructType>(value: &T) -> Result<(Vec<u8>, T), String> {
    let xml = encode(None, &target(true), value).map_err(|e| format!("encode error: {e}"))?;
    let back = soap_decode::<T>(&xml).map_err(|e| format!("{e}\n{}", lossy(&xml)))?;
    Ok((xml, back))
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A small deterministic generator for the shuffles (xorshift64*).
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed | 1)
    }

    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n.max(1) as u64) as usize
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

// ---------------------------------------------------------------------------------------
// XML re-writing: a tree of the encoder's output, with the fields of each structure
// shuffled, and explicit nils added for absent fields.

enum Node {
    /// An element: its start tag as written (without `<` `>`), its name, its children.
    Element {
        tag: String,
        name: String,
        empty: bool,
        children: Vec<Node>,
    },
    /// Anything else, as written (escaped text, CDATA, the declaration).
    Raw(String),
}

fn parse_xml(xml: &[u8]) -> Vec<Node> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut stack: Vec<Vec<Node>> = vec![Vec::new()];
    let mut open: Vec<(String, String)> = Vec::new();
    loop {
        match reader
            .read_event()
            .expect("the encoder writes well-formed XML")
        {
            Event::Eof => break,
            Event::Start(e) => {
                let name = e.name().0.to_string();
                open.push((e[..].to_string(), name));
                stack.push(Vec::new());
            }
            Event::End(_) => {
                let children = stack.pop().expect("balanced");
                let (tag, name) = open.pop().expect("balanced");
                stack.last_mut().expect("root").push(Node::Element {
                    tag,
                    name,
                    empty: false,
                    children,
                });
            }
            Event::Empty(e) => {
                let name = e.name().0.to_string();
                stack.last_mut().expect("root").push(Node::Element {
                    tag: e[..].to_string(),
                    name,
                    empty: true,
                    children: Vec::new(),
                });
            }
            Event::Text(t) => stack
                .last_mut()
                .expect("root")
                .push(Node::Raw(t[..].to_string())),
            Event::GeneralRef(r) => stack
                .last_mut()
                .expect("root")
                .push(Node::Raw(format!("&{};", &r[..]))),
            Event::CData(t) => stack
                .last_mut()
                .expect("root")
                .push(Node::Raw(format!("<![CDATA[{}]]>", &t[..]))),
            Event::Decl(d) => stack
                .last_mut()
                .expect("root")
                .push(Node::Raw(format!("<?{}?>", &d[..]))),
            other => panic!("unexpected event in the encoder's output: {other:?}"),
        }
    }
    stack.pop().expect("root")
}

fn write_xml(nodes: &[Node], out: &mut String) {
    for node in nodes {
        match node {
            Node::Raw(s) => out.push_str(s),
            Node::Element {
                tag,
                name,
                empty,
                children,
            } => {
                out.push('<');
                out.push_str(tag);
                if *empty {
                    out.push_str("/>");
                } else {
                    out.push('>');
                    write_xml(children, out);
                    out.push_str("</");
                    out.push_str(name);
                    out.push('>');
                }
            }
        }
    }
}

/// Shuffles the children of every element, keeping the relative order of children of the same
/// name (the items of a list), so an array stays the same array.
fn shuffle_xml(nodes: &mut [Node], rng: &mut Rng) {
    for node in nodes.iter_mut() {
        if let Node::Element { children, .. } = node {
            shuffle_xml(children, rng);
            if children.iter().all(|c| matches!(c, Node::Element { .. })) {
                let mut groups: Vec<(String, Vec<Node>)> = Vec::new();
                for child in children.drain(..) {
                    let Node::Element { name, .. } = &child else {
                        unreachable!()
                    };
                    match groups.iter_mut().find(|(n, _)| n == name) {
                        Some((_, group)) => group.push(child),
                        None => groups.push((name.clone(), vec![child])),
                    }
                }
                rng.shuffle(&mut groups);
                children.extend(groups.into_iter().flat_map(|(_, g)| g));
            }
        }
    }
}

/// Adds `<field xsi:nil="true"/>` to each `account_list` item for every `AccountInfo` field it
/// lacks, at random places.
fn add_nils(nodes: &mut [Node], inside_list: bool, rng: &mut Rng) {
    for node in nodes.iter_mut() {
        if let Node::Element { name, children, .. } = node {
            if inside_list && name == "item" {
                let present: Vec<String> = children
                    .iter()
                    .filter_map(|c| match c {
                        Node::Element { name, .. } => Some(name.clone()),
                        Node::Raw(_) => None,
                    })
                    .collect();
                for field in AccountInfo::SCHEMA.fields {
                    if !field.name.is_empty()
                        && !present.iter().any(|p| p == field.name)
                        && rng.below(2) == 0
                    {
                        let at = rng.below(children.len() + 1);
                        children.insert(
                            at,
                            Node::Element {
                                tag: format!("{} xsi:nil=\"true\"", field.name),
                                name: field.name.to_string(),
                                empty: true,
                                children: Vec::new(),
                            },
                        );
                    }
                }
            } else {
                add_nils(children, name == "account_list", rng);
            }
        }
    }
}

fn rewrite_xml(xml: &[u8], seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let mut tree = parse_xml(xml);
    shuffle_xml(&mut tree, &mut rng);
    add_nils(&mut tree, false, &mut rng);
    let mut out = String::new();
    write_xml(&tree, &mut out);
    out
}

// ---------------------------------------------------------------------------------------
// JSON re-writing: keys in shuffled order, explicit nulls for absent `AccountInfo` fields.

fn write_json(value: &serde_json::Value, rng: &mut Rng, account: bool, out: &mut String) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> =
                map.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            if account {
                for field in AccountInfo::SCHEMA.fields {
                    if !field.name.is_empty() && !map.contains_key(field.name) && rng.below(2) == 0
                    {
                        entries.push((field.name.to_string(), Value::Null));
                    }
                }
            }
            rng.shuffle(&mut entries);
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(k).expect("a key"));
                out.push(':');
                write_json(v, rng, k == "account_list", out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(item, rng, account, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&serde_json::to_string(scalar).expect("a scalar")),
    }
}

fn check_equal<T: PartialEq + Debug>(back: &T, value: &T, wire: &str) -> Result<(), TestCaseError> {
    prop_assert_eq!(back, value, "wire: {}", wire);
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The properties.

proptest! {
    #![proptest_config(config())]

    #[test]
    fn soap_encode_then_decode_gives_the_value_back(value in account_list()) {
        let (xml, back) = soap_round_trip(&value).map_err(TestCaseError::fail)?;
        check_equal(&back, &soap_normal(&value), &lossy(&xml))?;
    }

    #[test]
    fn a_copy_encodes_the_same_and_is_equal_until_changed(value in account_list(), extra in text()) {
        // `Clone` and `PartialEq` go through the schema: the copy must carry everything the
        // wire does (so it encodes to the same bytes), and equality must see a change made
        // deep inside the copy or in its `extra` map.
        let mut value = value;
        value.extra.insert("kept".into(), serde_json::Value::String(extra));
        let copy = value.clone();
        let wire = |v: &GetAccountListResponse| encode(None, &target(true), v).map_err(|e| TestCaseError::fail(e.to_string()));
        prop_assert_eq!(wire(&copy)?, wire(&value)?);
        prop_assert_eq!(&copy.extra, &value.extra);
        prop_assert!(copy == value);
        let mut changed = copy.clone();
        changed.extra.clear();
        prop_assert!(changed != value);
        if let Some(first) = copy.account_list.first() {
            let mut changed = copy.clone();
            changed.account_list[0].i_account = Some(first.i_account.map_or(1, |n| n.wrapping_add(1)));
            prop_assert!(changed != value);
        }
    }

    #[test]
    fn soap_nested_lists_round_trip(value in subscription()) {
        let (xml, back) = soap_round_trip(&value).map_err(TestCaseError::fail)?;
        check_equal(&back, &normal_subscription(value), &lossy(&xml))?;
    }

    #[test]
    fn soap_literal_round_trips_or_refuses_what_xml_cannot_carry(value in account_list()) {
        match encode(None, &target(false), &value) {
            Ok(xml) => {
                // Without `xsi:type` an empty element says nothing of its type, so an empty
                // string (`Some("")`, or an empty item of a list of strings) reads as absent, and
                // so does a structure holding only such values. Every scalar that is not an empty
                // string survives.
                let once = soap_decode::<GetAccountListResponse>(&xml)
                    .map_err(|e| TestCaseError::fail(format!("{e}\n{}", lossy(&xml))))?;
                let (mut a, mut b) = (value.clone(), once.clone());
                for x in a.account_list.iter_mut().chain(b.account_list.iter_mut()) {
                    x.service_features.clear();
                    x.assigned_addons.clear();
                    for s in [&mut x.id, &mut x.login, &mut x.note, &mut x.firstname, &mut x.email] {
                        if s.as_deref() == Some("") {
                            *s = None;
                        }
                    }
                }
                a.account_list.retain(|x| *x != AccountInfo::default());
                b.account_list.retain(|x| *x != AccountInfo::default());
                check_equal(&b, &a, &lossy(&xml))?;
            }
            Err(e) => {
                let json = serde_json::to_string(&value).expect("JSON");
                prop_assert!(
                    json.chars().any(|c| matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}'))
                        || json.contains("\\u"),
                    "refused a value XML can carry: {e}"
                );
            }
        }
    }

    #[test]
    fn soap_decoder_accepts_fields_in_any_order_and_explicit_nils(
        value in account_list(),
        seed in any::<u64>(),
    ) {
        let (xml, _) = soap_round_trip(&value).map_err(TestCaseError::fail)?;
        let shuffled = rewrite_xml(&xml, seed);
        let back = soap_decode::<GetAccountListResponse>(shuffled.as_bytes())
            .map_err(|e| TestCaseError::fail(format!("{e}\n{shuffled}")))?;
        check_equal(&back, &soap_normal(&value), &shuffled)?;
    }

    #[test]
    fn json_encode_then_decode_gives_the_value_back(value in account_list()) {
        let json = serde_json::to_vec(&value).expect("JSON");
        let back: GetAccountListResponse = serde_json::from_slice(&json)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{}", lossy(&json))))?;
        check_equal(&back, &value, &lossy(&json))?;
    }

    #[test]
    fn json_nested_lists_round_trip(value in subscription()) {
        let json = serde_json::to_vec(&value).expect("JSON");
        let back: ProductSubscriptionInfo = serde_json::from_slice(&json)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{}", lossy(&json))))?;
        check_equal(&back, &value, &lossy(&json))?;
    }

    #[test]
    fn json_decoder_accepts_keys_in_any_order_and_explicit_nulls(
        value in account_list(),
        seed in any::<u64>(),
    ) {
        let tree = serde_json::to_value(&value).expect("JSON");
        let mut shuffled = String::new();
        write_json(&tree, &mut Rng::new(seed), false, &mut shuffled);
        let back: GetAccountListResponse = serde_json::from_str(&shuffled)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{shuffled}")))?;
        check_equal(&back, &value, &shuffled)?;
    }

    #[test]
    fn exponent_forms_read_as_the_same_decimal(
        mantissa in prop_oneof![any::<i64>().prop_map(i128::from), -MAX_MANTISSA..=MAX_MANTISSA],
        scale in 0u32..=30,
        shift in 0u32..=8,
        upper in any::<bool>(),
    ) {
        let expected = Decimal::new(mantissa, scale);
        // `m × 10^-scale` written as `(m × 10^shift)E-(scale + shift)` when it fits, else `mE-scale`.
        let (m, exponent) = match mantissa.checked_mul(10i128.pow(shift)) {
            Some(m) if m.unsigned_abs() <= MAX_MANTISSA as u128 => (m, scale + shift),
            _ => (mantissa, scale),
        };
        let e = if upper { 'E' } else { 'e' };
        let text = format!("{m}{e}-{exponent}");
        prop_assert_eq!(text.parse::<Decimal>().ok(), Some(expected), "{}", text);
        let xml = format!(
            r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><r><x><account_list><item><balance>{text}</balance></item></account_list></x></r></soap:Body></soap:Envelope>"#
        );
        let soap = soap_decode::<GetAccountListResponse>(xml.as_bytes()).map_err(TestCaseError::fail)?;
        prop_assert_eq!(soap.account_list[0].balance, Some(expected), "{}", xml);
        // JSON: the exponent form as a string, as a lenient server may send it.
        let json = format!(r#"{{"account_list":[{{"balance":"{text}"}}]}}"#);
        let rest: GetAccountListResponse = serde_json::from_str(&json)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{json}")))?;
        prop_assert_eq!(rest.account_list[0].balance, Some(expected), "{}", json);
    }
}

/// A decimal zero with a huge exponent is zero, at once (it used to multiply zero by ten two
/// billion times); digits that end in zeros may carry a scale past 30.
#[test]
fn zero_with_a_huge_exponent_is_read_quickly() {
    let started = std::time::Instant::now();
    for text in ["0e2147483647", "0E-2147483648", "-0.000e999999999", "0e-31"] {
        assert_eq!(text.parse::<Decimal>(), Ok(Decimal::new(0, 0)), "{text}");
    }
    assert_eq!("10e-31".parse::<Decimal>(), Ok(Decimal::new(1, 30)));
    assert!("1e-31".parse::<Decimal>().is_err(), "31 fraction digits");
    assert!("1e2147483647".parse::<Decimal>().is_err());
    assert!(
        started.elapsed() < std::time::Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}

/// The properties must be able to fail: a value changed after encoding is caught.
#[test]
fn a_changed_value_is_caught() {
    let value = GetAccountListResponse {
        account_list: vec![AccountInfo {
            id: Some(" a ".into()),
            ..Default::default()
        }],
        ..Default::default()
    };
    let (_, mut back) = soap_round_trip(&value).expect("round trip");
    assert_eq!(back, value);
    back.account_list[0].id = Some("a".into());
    assert!(check_equal(&back, &value, "").is_err());
}
