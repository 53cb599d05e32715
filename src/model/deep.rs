//! Copying and comparing generated structs through their schemas, so that `Clone` and
//! `PartialEq` are one small call per type instead of a derive whose body grows with the
//! fields (a derived `clone` of a 70-field struct is 70 calls, compiled again for every
//! struct of a server's API).
//!
//! Both walk [`Structure::field`] and [`Structure::field_mut`] the way the codecs do, so a
//! copy is as deep and as lossless as a decode: nested structs, lists, `Box`es, enumerations
//! holding values the schema does not list, [`AnyValue`](super::AnyValue)s and the `extra`
//! map all come along.

use super::field::{ValueMut, ValueRef};
use super::{StructType, Structure};

/// A `T` holding `value`'s fields: `T`'s `Default` with every field copied in, `value` being
/// of `T`'s schema (a `T`, or a [`DynamicStructure`](super::DynamicStructure) of its schema).
/// What a generated struct's `Clone` calls (one call, so each struct's `clone` is a small
/// body to check), and `to_typed`.
pub fn cloned<T: StructType>(value: &dyn Structure) -> T {
    let mut copy = T::default();
    copy_structure(value, &mut copy);
    copy
}

/// Copies every field of `from` into `to`, a value of the same type fresh from `Default`.
pub fn copy_structure(from: &dyn Structure, to: &mut dyn Structure) {
    // One past the last field: the elements the schema does not describe.
    for index in 0..=from.schema().fields.len() {
        if let Some(slot) = to.field_mut(index) {
            copy_value(from.field(index), slot);
        }
    }
}

/// Copies one value into a slot of the same type that holds its default.
fn copy_value(from: ValueRef<'_>, to: ValueMut<'_>) {
    match (from, to) {
        // The default is already absent (`None`, an empty list).
        (ValueRef::Absent, _) => {}
        (from, ValueMut::Optional(slot)) => copy_value(from, slot.insert_default()),
        (ValueRef::Scalar(value), ValueMut::Scalar(slot)) => {
            slot.set(value);
        }
        (ValueRef::Enum(wire), ValueMut::Enum(slot)) => slot.set_wire(wire),
        (ValueRef::Struct(from), ValueMut::Struct(to)) => copy_structure(from, to),
        (ValueRef::List(from), ValueMut::List(to)) => {
            to.reserve_declared(from.len());
            for index in 0..from.len() {
                copy_value(from.item(index), to.push_default());
            }
        }
        (ValueRef::Any(from), ValueMut::Any(to)) => to.clone_from(from),
        (ValueRef::Extra(from), ValueMut::Extra(to)) => to.clone_from(from),
        // A value and a slot of one field always have the same shape; nothing else is copied.
        _ => {}
    }
}

/// Whether two structs of the same schema hold equal values, field by field and in `extra`:
/// a generated struct and a [`DynamicStructure`](super::DynamicStructure) of its schema
/// compare equal when their values are.
pub fn structures_equal(a: &dyn Structure, b: &dyn Structure) -> bool {
    a.schema().same_type(b.schema())
        // One past the last field: the elements the schema does not describe.
        && (0..=a.schema().fields.len()).all(|index| values_equal(a.field(index), b.field(index)))
}

fn values_equal(a: ValueRef<'_>, b: ValueRef<'_>) -> bool {
    match (a, b) {
        (ValueRef::Absent, ValueRef::Absent) => true,
        (ValueRef::Scalar(a), ValueRef::Scalar(b)) => a == b,
        (ValueRef::Enum(a), ValueRef::Enum(b)) => a == b,
        (ValueRef::Struct(a), ValueRef::Struct(b)) => structures_equal(a, b),
        (ValueRef::List(a), ValueRef::List(b)) => {
            a.len() == b.len() && (0..a.len()).all(|i| values_equal(a.item(i), b.item(i)))
        }
        (ValueRef::Any(a), ValueRef::Any(b)) => a == b,
        (ValueRef::Extra(a), ValueRef::Extra(b)) => a == b,
        _ => false,
    }
}

#[cfg(all(test, feature = "customer"))]
mod tests {
    use crate::customer::{MakeCustomerTransactionRequest, TransactionAction};
    use crate::types::ServiceAttributeInfo;

    #[test]
    fn a_copy_keeps_unlisted_enumeration_values_nil_items_and_extra() {
        let mut request = MakeCustomerTransactionRequest {
            i_customer: Some(7),
            action: Some(TransactionAction::Other("Refund later".into())),
            amount: Some("-0.50".parse().unwrap_or_default()),
            ..Default::default()
        };
        request
            .extra
            .insert("note".into(), serde_json::json!({"nested": [1, null]}));
        let copy = request.clone();
        assert_eq!(copy.action, request.action);
        assert_eq!(copy.amount, request.amount);
        assert_eq!(copy.extra, request.extra);
        assert!(copy == request);
        let mut other = copy.clone();
        other.action = Some(TransactionAction::Other("Refund now".into()));
        assert!(other != request);

        let attribute = ServiceAttributeInfo {
            name: Some("codec".into()),
            values: vec![Some("g729".into()), None, Some(String::new())],
            ..Default::default()
        };
        let copy = attribute.clone();
        assert_eq!(copy.values, attribute.values);
        assert!(copy == attribute);
        let mut other = copy.clone();
        other.values[1] = Some(String::new());
        assert!(other != attribute);
    }

    #[cfg(feature = "generic")]
    #[test]
    fn values_of_two_types_are_unequal_even_with_no_fields() {
        use crate::generic::{GetCurrencyListRequest, GetVersionRequest};
        let (version, currencies) = (
            GetVersionRequest::default(),
            GetCurrencyListRequest::default(),
        );
        assert!(super::structures_equal(&version, &version.clone()));
        assert!(!super::structures_equal(&version, &currencies));
    }
}
