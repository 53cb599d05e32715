//! Finding a field by its wire name in constant time.
//!
//! Decoding looks up every element and key it reads, so the lookup must be cheap whatever the
//! number of fields. Each schema carries a small open-addressing hash table of field indices
//! ([`StructSchema::index`](super::StructSchema::index)), which the generator computes and
//! writes as a literal, so nothing runs at start and the compiler evaluates nothing. The hash
//! is compiled from the generator's own source (`portabilling_codegen::FIELD_TABLE_SOURCE`,
//! written into `OUT_DIR` by the build script), so both sides hash alike.

use super::FieldSchema;

/// The generator's hash and table builder, compiled here from the same text.
#[allow(dead_code)] // The table builder serves the tests; the generator builds the real tables.
mod shared {
    include!(concat!(env!("OUT_DIR"), "/field_table.rs"));
}

use shared::{half, hash, word};

/// Whether two names are equal: short names (most are) by a word or two each, in line, rather
/// than through `memcmp`.
#[inline]
fn same_name(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    match n {
        8..=16 => word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8),
        4..=7 => half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4),
        _ => a == b,
    }
}

/// The index of the field named `name`, through a table the generator made.
#[inline]
pub(super) fn lookup(fields: &[FieldSchema], table: &[u16], name: &str) -> Option<usize> {
    let mask = table.len().checked_sub(1)?;
    let mut slot = hash(name.as_bytes()) as usize & mask;
    for _ in 0..table.len() {
        let held = *table.get(slot)?;
        if held == 0 {
            return None;
        }
        let index = held as usize - 1;
        if fields
            .get(index)
            .is_some_and(|f| same_name(f.name.as_bytes(), name.as_bytes()))
        {
            return Some(index);
        }
        slot = (slot + 1) & mask;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FieldKind, Occurs, TypeInfo};

    fn table(fields: &[FieldSchema]) -> Vec<u16> {
        let names: Vec<&str> = fields.iter().map(|f| f.name).collect();
        shared::field_table(&names)
    }

    const FIELDS: &[FieldSchema] = &[
        FieldSchema::element("i_account", TypeInfo::Long),
        FieldSchema::element("id", TypeInfo::String),
        FieldSchema::new(
            "",
            TypeInfo::String,
            Occurs::Optional,
            FieldKind::Text,
            false,
        ),
        FieldSchema::new(
            "lang",
            TypeInfo::String,
            Occurs::Optional,
            FieldKind::Attribute,
            false,
        ),
        FieldSchema::many("id", TypeInfo::String),
    ];
    #[test]
    fn finds_every_named_field_and_nothing_else() {
        let table = table(FIELDS);
        assert_eq!(
            table.len(),
            16,
            "twice the fields, rounded up to a power of two"
        );
        assert_eq!(lookup(FIELDS, &table, "i_account"), Some(0));
        assert_eq!(
            lookup(FIELDS, &table, "id"),
            Some(1),
            "the first of a repeated name"
        );
        assert_eq!(lookup(FIELDS, &table, "lang"), Some(3));
        assert_eq!(
            lookup(FIELDS, &table, ""),
            None,
            "the text content has no name"
        );
        assert_eq!(lookup(FIELDS, &table, "balance"), None);
        assert_eq!(lookup(FIELDS, &[], "id"), None);
    }

    #[test]
    fn a_full_table_still_answers() {
        // Every slot taken: a miss must stop after one round.
        const TWO: &[FieldSchema] = &[
            FieldSchema::element("a", TypeInfo::Long),
            FieldSchema::element("b", TypeInfo::Long),
        ];
        let full = [2, 1];
        assert_eq!(lookup(TWO, &full, "a"), Some(0));
        assert_eq!(lookup(TWO, &full, "b"), Some(1));
        assert_eq!(lookup(TWO, &full, "c"), None);
    }
}
