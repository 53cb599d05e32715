//! The shapes and names the generator chose: recursion is boxed, keywords are raw identifiers,
//! clashing names are distinct and stable (each Rust name is pinned to its XSD name here), and
//! the schemas describe the wire names. Most checks are type ascriptions: if the generated shape
//! changes, this file stops compiling.

use portabilling::runtime::{Enumeration, FieldKind, Occurs, Operation, StructType, TypeInfo};

use portabilling_codegen_corpus::{
    document_literal::library, name_clashes::clash, odd_values::odd_enums, recursive::tree,
    rpc_encoded::legacy, rpc_literal::weather,
};

/// The XSD name behind a generated struct.
fn xsd_name<T: StructType>() -> &'static str {
    T::SCHEMA.name
}

/// The wire names of a struct's fields, in schema order.
fn fields<T: StructType>() -> Vec<&'static str> {
    T::SCHEMA.fields.iter().map(|f| f.name).collect()
}

#[test]
fn recursion_is_boxed_only_where_needed() {
    let node = tree::TreeNode::default();
    // The optional parent is boxed; the children, a list, are not.
    let _: &Option<Box<tree::TreeNode>> = &node.parent;
    let _: &Vec<tree::TreeNode> = &node.children;
    // Expr and Apply contain each other: both directions are boxed.
    let expr = tree::Expr::default();
    let _: &Option<Box<tree::Apply>> = &expr.apply;
    let apply = tree::Apply::default();
    let _: Box<tree::Expr> = apply.left;
    let _: Box<tree::Expr> = apply.right;
    // Recursion through an anonymous type and through an element reference.
    let chain = tree::Chain::default();
    let _: &Option<Box<tree::ChainNext>> = &chain.next;
    let _: Box<tree::Chain> = tree::ChainNext::default().link;
    let comment = tree::Comment::default();
    let _: &Vec<tree::Comment> = &comment.comment;
    let _: &Option<Box<tree::CommentQuoted>> = &comment.quoted;
    // A struct that only refers to recursive types is not part of a cycle: nothing is boxed.
    let evaluate = tree::Evaluate::default();
    let _: &tree::TreeNode = &evaluate.tree;
    let _: &tree::Expr = &evaluate.expr;
    let _: &Option<tree::Chain> = &evaluate.chain;
    let _: &Option<tree::Comment> = &evaluate.comment;
    // The request element is named like the operation: the type and the descriptor coexist.
    let _: fn(&tree::Evaluate) = |_| {};
    assert_eq!(<tree::op::Evaluate as Operation>::INFO.method, "evaluate");
    assert_eq!(xsd_name::<tree::ChainNext>(), "Chain_next");
    assert_eq!(xsd_name::<tree::CommentQuoted>(), "comment_quoted");
}

#[test]
fn keywords_become_raw_identifiers() {
    let k = clash::Keywords::default();
    let _: &String = &k.r#type;
    let _: &Option<String> = &k.r#match;
    let _: &Option<bool> = &k.r#fn;
    let _: &Option<String> = &k.r#async;
    let _: &Option<String> = &k.r#ref;
    let _: &Option<i32> = &k.r#loop;
    // `self`, `super` and `Self` cannot be raw identifiers: they get a `_` suffix.
    let _: &Option<String> = &k.self_;
    let _: &Option<i32> = &k.super_;
    let _: &Option<clash::Self_> = &k.me;
    assert_eq!(xsd_name::<clash::Self_>(), "Self");
    // Each keyword field carries its wire name.
    let k = clash::Keywords {
        r#type: "t".into(),
        r#match: Some("m".into()),
        self_: Some("s".into()),
        super_: Some(7),
        ..Default::default()
    };
    let json = serde_json::to_value(&k).unwrap();
    assert_eq!(json["type"], "t");
    assert_eq!(json["match"], "m");
    assert_eq!(json["self"], "s");
    assert_eq!(json["super"], 7);
    // An operation named `type` is `r#type`, one named `new` (the constructor's name) `new_2`.
    assert_eq!(<clash::op::Type as Operation>::INFO.method, "type");
    assert_eq!(<clash::op::New as Operation>::INFO.method, "new");
    fn _calls<C: portabilling::runtime::Caller>(api: clash::Api<'_, C>, k: &clash::Keywords) {
        let _ = api.r#type(k);
        let _ = api.new_2(k);
        let _ = api.keywords(k);
        let _ = api.keywords_2(k);
    }
}

#[test]
fn clashing_names_are_distinct_and_stable() {
    // Types differing by case or separators: the one whose XSD name is already a Rust name
    // keeps it, the others are numbered in declaration order.
    assert_eq!(xsd_name::<clash::Foo>(), "Foo");
    assert_eq!(xsd_name::<clash::Foo2>(), "foo");
    assert_eq!(xsd_name::<clash::Foo3>(), "FOO_");
    assert_eq!(xsd_name::<clash::FooBar>(), "foo-bar");
    assert_eq!(xsd_name::<clash::FooBar2>(), "foo_bar");
    // Names the generated code needs for itself are not taken by schema types.
    assert_eq!(xsd_name::<clash::Api2>(), "Api");
    assert_eq!(xsd_name::<clash::Option2>(), "Option");
    assert_eq!(xsd_name::<clash::Result2>(), "Result");
    assert_eq!(xsd_name::<clash::Vec2>(), "Vec");
    let k = clash::Keywords::default();
    let _: &Option<clash::Option2> = &k.option;
    let _: &Option<clash::Result2> = &k.result;
    let _: &Vec<clash::Vec2> = &k.vec;
    let _: &Option<clash::Api2> = &k.api;
    // Fields that convert to the same name are numbered in schema order; `extra` is an element
    // here, so the field that keeps unknown elements moves to `extra_2`.
    assert_eq!(
        fields::<clash::Keywords>()[6..15],
        ["a-b", "a_b", "aB", "extra", "Foo", "foo", "FOO_", "foo-bar", "foo_bar"]
    );
    let numbered = clash::Keywords {
        a_b: Some("1".into()),
        a_b_2: Some("2".into()),
        a_b_3: Some("3".into()),
        extra: Some("4".into()),
        ..Default::default()
    };
    let json = serde_json::to_value(&numbered).unwrap();
    for (wire, value) in [("a-b", "1"), ("a_b", "2"), ("aB", "3"), ("extra", "4")] {
        assert_eq!(json[wire], value, "{wire}");
    }
    let _: &Option<String> = &k.extra;
    let _: &portabilling::runtime::Extra = &k.extra_2;
    // Descriptors of operations whose names differ by case.
    assert_eq!(<clash::op::Keywords as Operation>::INFO.method, "Keywords");
    assert_eq!(<clash::op::Keywords2 as Operation>::INFO.method, "keywords");
}

#[test]
fn odd_enumeration_values_get_distinct_variants() {
    use odd_enums::Odd;
    let pairs = [
        (Odd::Empty, ""),
        (Odd::V1, "1"),
        (Odd::Minus1, "-1"),
        (Odd::Plus1, "+1"),
        (Odd::AB, "a b"),
        (Odd::AB2, "a-b"),
        (Odd::AB3, "A_B"),
        (Odd::Other, "Other"),
        (Odd::Other2, "other"),
        (Odd::Unlisted, "Unlisted"),
        (Odd::Empty2, "Empty"),
        (Odd::Ünïcödé, "ünïcödé"),
        (Odd::Ünïcödé2, "Ünïcödé"),
        (Odd::日本, "日本"),
        (Odd::Straße, "Straße"),
        (Odd::Self_, "self"),
        (Odd::Self2, "Self"),
        (Odd::Type, "type"),
        (Odd::None, "None"),
        (Odd::Some, "Some"),
        (Odd::V15, "1.5"),
        (Odd::V152, "15"),
        (Odd::Padded, "  padded  "),
        (Odd::TabInside, "tab\tinside"),
        (Odd::QuoteS, "quote\"s"),
    ];
    for (variant, wire) in &pairs {
        assert_eq!(variant.as_str(), *wire);
        assert_eq!(&Odd::from_wire(wire), variant);
    }
    // `Other` and `Unlisted` are values here, so unlisted values go to `Unlisted2`.
    assert_eq!(Odd::from_wire("nope"), Odd::Unlisted2("nope".to_string()));
    let listed: Vec<&str> = Odd::SCHEMA.values.to_vec();
    assert_eq!(listed, pairs.iter().map(|(_, w)| *w).collect::<Vec<_>>());
    // An enumeration of integers stays an integer; Y/N is the runtime's flag.
    let c = odd_enums::Classify::default();
    let _: &Option<i32> = &c.number;
    let _: &Option<portabilling::runtime::Flag> = &c.flag;
}

#[test]
fn schemas_describe_the_wire() {
    let book = library::Book::SCHEMA;
    assert_eq!(book.namespace, "http://example.com/library/types");
    assert!(book.qualified);
    let copies = book.field("copies").expect("copies");
    assert_eq!(copies.kind, FieldKind::Attribute);
    assert_eq!(copies.occurs, Occurs::Required);
    let tags = book.field("tags").expect("tags");
    assert_eq!(tags.occurs, Occurs::Many);
    let pages = book.field("pages").expect("pages");
    assert_eq!(
        (pages.occurs, pages.display_type().as_str()),
        (Occurs::Optional, "xsd:int")
    );
    assert!(matches!(
        book.field("price").expect("price").ty,
        TypeInfo::Decimal
    ));
    assert!(matches!(
        book.field("added").expect("added").ty,
        TypeInfo::DateTime
    ));
    // A restricted simple type reads as its base type.
    assert!(matches!(
        book.field("isbn").expect("isbn").ty,
        TypeInfo::String
    ));
    let isbn = book.lookup("isbn").expect("isbn");
    assert!(book.field_doc(isbn).contains("pattern `[0-9]{13}`"));
    // rpc/literal: a struct made from the message parts, every part optional.
    let forecast = weather::GetForecastRequest::SCHEMA;
    assert_eq!(
        forecast
            .fields
            .iter()
            .map(|f| (f.name, f.occurs))
            .collect::<Vec<_>>(),
        [
            ("city", Occurs::Optional),
            ("days", Occurs::Optional),
            ("units", Occurs::Optional)
        ]
    );
    // rpc/encoded: arrays of arrays are lists of lists.
    let matrix = legacy::Sheet::SCHEMA.field("matrix").expect("matrix");
    assert!(
        matches!(matrix.ty, TypeInfo::List(TypeInfo::List(TypeInfo::Double))),
        "{:?}",
        matrix.ty
    );
    let header = legacy::op::SaveSheet::INFO
        .header
        .as_ref()
        .expect("a header");
    assert_eq!(header.element, "credentials");
    // Every generated service is listed, with its operations.
    let all: Vec<(&str, usize)> = portabilling_codegen_corpus::services()
        .into_iter()
        .map(|s| (s.name, s.operations.len()))
        .collect();
    assert_eq!(
        all,
        [
            ("Library", 2),
            ("Weather", 2),
            ("Shipping", 1),
            ("Tree", 1),
            ("Clash", 4),
            ("OddEnums", 1),
            ("Legacy", 1)
        ]
    );
}
