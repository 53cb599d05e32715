//! The registry's values, made from schemas alone (`DynamicStructure`), against the
//! generated types they stand for: filled from the same JSON they must give the same JSON,
//! the same SOAP bytes, the same `Debug`, decode the same bytes to the same values, and
//! convert to the generated type without loss.

use portabilling::model::DynamicStructure;
use portabilling::runtime::codec::{decode_response, encode, BodyTarget, Limits, ValueOrFault};
use portabilling::runtime::{
    FieldKind, Occurs, Operation, StructSchema, StructType, Structure, TypeInfo,
};
use portabilling::Protocol;
use serde_json::{json, Map, Value};

const NS: &str = "https://billing.example.com/Porta/SOAP/Test";

/// A value for every field of `schema`: lists of two items (the second nil where items may
/// be), nested structs to a depth of four, and a key the schema does not describe.
fn sample(schema: &StructSchema, depth: usize) -> Value {
    let mut map = Map::new();
    for (i, f) in schema.fields.iter().enumerate() {
        let value = sample_value(&f.ty, depth, i);
        let value = match f.occurs {
            Occurs::Many => json!([value.clone(), value]),
            Occurs::ManyNillable => json!([value, null]),
            Occurs::Required | Occurs::Optional => value,
        };
        let key = if f.kind == FieldKind::Text {
            "value"
        } else {
            f.name
        };
        if !value.is_null() {
            map.insert(key.to_string(), value);
        }
    }
    if schema.fields.iter().all(|f| f.kind != FieldKind::Text) {
        map.insert("not_in_the_schema".into(), json!({"kept": [1, "two"]}));
    }
    Value::Object(map)
}

fn sample_value(ty: &TypeInfo, depth: usize, i: usize) -> Value {
    match ty {
        TypeInfo::String => json!(format!("text {i} & <more>")),
        TypeInfo::Boolean => json!(i.is_multiple_of(2)),
        TypeInfo::Byte | TypeInfo::UnsignedByte => json!(i % 100),
        TypeInfo::Short
        | TypeInfo::Int
        | TypeInfo::Long
        | TypeInfo::Integer
        | TypeInfo::UnsignedShort
        | TypeInfo::UnsignedInt
        | TypeInfo::UnsignedLong
        | TypeInfo::NonNegativeInteger => json!(1000 + i),
        TypeInfo::Float | TypeInfo::Double => json!(12.5),
        TypeInfo::Decimal => json!("-0.50"),
        TypeInfo::Date => json!("2026-11-27"),
        TypeInfo::DateTime => json!("2026-11-27 12:00:00"),
        TypeInfo::Time => json!("12:00:00"),
        TypeInfo::Base64Binary => json!("UG9ydGFCaWxsaW5n"),
        TypeInfo::HexBinary => json!("00FF"),
        TypeInfo::Flag => json!(if i.is_multiple_of(2) { "Y" } else { "N" }),
        TypeInfo::Any => json!({"any": [i, "x"]}),
        // Every other one a value the schema does not list: kept by both.
        TypeInfo::Enum(e) => match e().values.first() {
            Some(v) if i.is_multiple_of(2) => json!(v),
            _ => json!("Not listed"),
        },
        TypeInfo::Struct(s) if depth < 4 => sample(s(), depth + 1),
        TypeInfo::Struct(_) => Value::Null,
        TypeInfo::List(inner) => match sample_value(inner, depth, i) {
            Value::Null => Value::Null,
            item => json!([item.clone(), item]),
        },
    }
}

fn both_agree<T: StructType>(target: &BodyTarget<'_>) {
    let name = T::SCHEMA.name;
    let json = sample(T::SCHEMA, 0);
    let mut typed = T::default();
    let typed_dyn: &mut dyn Structure = &mut typed;
    typed_dyn.set_json(&json).unwrap();
    let mut dynamic = DynamicStructure::new(T::SCHEMA);
    let dynamic_dyn: &mut dyn Structure = &mut dynamic;
    dynamic_dyn.set_json(&json).unwrap();
    let (typed_dyn, dynamic_dyn): (&dyn Structure, &dyn Structure) = (&typed, &dynamic);

    let out = typed_dyn.to_json();
    assert_eq!(out, dynamic_dyn.to_json(), "{name}: JSON");
    assert!(
        out.as_object().is_some_and(|fields| !fields.is_empty()),
        "{name}: the sample filled nothing"
    );
    assert_eq!(
        format!("{typed:?}"),
        format!("{dynamic:?}"),
        "{name}: Debug"
    );
    let bytes = encode(None, target, typed_dyn).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&bytes),
        String::from_utf8_lossy(&encode(None, target, dynamic_dyn).unwrap()),
        "{name}: SOAP"
    );

    assert!(
        portabilling::model::structures_equal(typed_dyn, dynamic_dyn),
        "{name}: a generated value and a schema-made one with the same fields are equal"
    );
    let converted: T = dynamic_dyn.to_typed().unwrap();
    assert!(converted == typed, "{name}: to_typed");
    assert!(dynamic.clone() == dynamic, "{name}: Clone and PartialEq");
}

/// The response's SOAP bytes decoded into the generated type and through the registry.
fn decoded_alike<O: Operation>() {
    let op = O::INFO;
    let json = sample(op.response, 0);
    let mut typed = O::Response::default();
    (&mut typed as &mut dyn Structure).set_json(&json).unwrap();
    let bytes = encode(None, &BodyTarget::response(op, NS), &typed).unwrap();
    let Ok(ValueOrFault::Value(typed_again)) =
        decode_response::<O::Response>(&bytes, Limits::default())
    else {
        panic!("{}: the typed decode failed", op.method)
    };
    assert!(typed_again == typed, "{}: typed round trip", op.method);
    let dynamic = Protocol::Soap.decode_response(op, &bytes).unwrap();
    assert_eq!(
        dynamic.to_json(),
        (&typed as &dyn Structure).to_json(),
        "{}: round trip through the registry",
        op.method
    );
}

fn check<O: Operation>() {
    let op = O::INFO;
    both_agree::<O::Request>(&BodyTarget::request(op, NS));
    both_agree::<O::Response>(&BodyTarget::response(op, NS));
    decoded_alike::<O>();
}

macro_rules! check_all {
    ($($op:path),* $(,)?) => {
        $(check::<$op>();)*
    };
}

#[test]
fn schema_made_values_equal_the_generated_types() {
    use portabilling::{account, billing_session, cdr, customer, product};
    check_all!(
        account::op::GetAccountInfo,
        account::op::GetAccountList,
        account::op::AddAccount,
        account::op::UpdateAccount,
        account::op::GetServiceFeatures,
        account::op::GetCustomFieldsSchema,
        account::op::GetSubscriptions,
        account::op::GetXdrList,
        account::op::GetAccountFollowme,
        billing_session::op::GetActiveSessionsList,
        cdr::op::GetXdrList,
        customer::op::GetCustomerInfo,
        customer::op::MakeTransaction,
        product::op::GetAllowedAddons,
    );
}

#[test]
fn a_value_converts_only_to_the_type_of_its_schema() {
    use portabilling::account::{GetAccountInfoRequest, GetAccountListRequest};
    let value = DynamicStructure::new(GetAccountInfoRequest::SCHEMA);
    let value: &dyn Structure = &value;
    assert!(value.to_typed::<GetAccountInfoRequest>().is_some());
    assert!(value.to_typed::<GetAccountListRequest>().is_none());
    let other = DynamicStructure::new(GetAccountListRequest::SCHEMA);
    assert!(
        !portabilling::model::structures_equal(value, &other),
        "two empty values of different schemas are unequal"
    );
}
