//! Finding a field by its wire name in constant time.
//!
//! Decoding looks up every element and key it reads, so the lookup must be cheap whatever the
//! number of fields. Each schema carries a small open-addressing hash table of field indices,
//! computed by the compiler from the field names ([`field_index`] is a `const fn`), so the
//! generator writes only the names and nothing runs at start.

use super::{FieldKind, FieldSchema};

/// The hash of a wire name: a multiply per eight bytes (as FxHash does), the last word read
/// overlapping the one before, so a short name costs a few instructions and no byte loop. It
/// runs in `const` contexts, where the tables are built.
#[inline]
const fn hash(name: &[u8]) -> u32 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let n = name.len();
    let mut h = (n as u64).wrapping_mul(K);
    if n >= 8 {
        let mut i = 0;
        while i + 8 < n {
            h = (h.rotate_left(5) ^ word(name, i)).wrapping_mul(K);
            i += 8;
        }
        h = (h.rotate_left(5) ^ word(name, n - 8)).wrapping_mul(K);
    } else if n >= 4 {
        let low = half(name, 0) as u64;
        let high = half(name, n - 4) as u64;
        h = (h.rotate_left(5) ^ (high << 32 | low)).wrapping_mul(K);
    } else if n > 0 {
        let bytes = name[0] as u64 | (name[n / 2] as u64) << 8 | (name[n - 1] as u64) << 16;
        h = (h.rotate_left(5) ^ bytes).wrapping_mul(K);
    }
    (h >> 32) as u32
}

/// The eight bytes of `name` from `at`, little-endian (one load once compiled: a single
/// length check, then the bytes).
#[inline]
const fn word(name: &[u8], at: usize) -> u64 {
    match name.split_at(at).1 {
        [a, b, c, d, e, f, g, h, ..] => u64::from_le_bytes([*a, *b, *c, *d, *e, *f, *g, *h]),
        _ => 0,
    }
}

/// The four bytes of `name` from `at`, little-endian.
#[inline]
const fn half(name: &[u8], at: usize) -> u32 {
    match name.split_at(at).1 {
        [a, b, c, d, ..] => u32::from_le_bytes([*a, *b, *c, *d]),
        _ => 0,
    }
}

const fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The lookup table of `fields`, with `M` slots (a power of two, at least twice the number of
/// named fields). A slot holds a field index plus one, or 0 when empty. A name that appears
/// twice (which the generator avoids) keeps its first field. The text-content field has no
/// name and is not in the table.
///
/// The generator sizes `M`; a table too small to hold every name fails to compile.
pub const fn field_index<const M: usize>(fields: &[FieldSchema]) -> [u16; M] {
    let mut table = [0u16; M];
    assert!(M.is_power_of_two(), "the table size must be a power of two");
    let mut f = 0;
    while f < fields.len() {
        let name = fields[f].name.as_bytes();
        if !matches!(fields[f].kind, FieldKind::Text) {
            let mut slot = hash(name) as usize & (M - 1);
            let mut probes = 0;
            loop {
                assert!(probes < M, "the field table is full");
                let held = table[slot];
                if held == 0 {
                    table[slot] = (f + 1) as u16;
                    break;
                }
                if same(fields[held as usize - 1].name.as_bytes(), name) {
                    break;
                }
                slot = (slot + 1) & (M - 1);
                probes += 1;
            }
        }
        f += 1;
    }
    table
}

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

/// The index of the field named `name`, through the table [`field_index`] made.
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
    use crate::model::{Occurs, TypeInfo};

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
    const TABLE: [u16; 8] = field_index::<8>(FIELDS);

    #[test]
    fn finds_every_named_field_and_nothing_else() {
        assert_eq!(lookup(FIELDS, &TABLE, "i_account"), Some(0));
        assert_eq!(
            lookup(FIELDS, &TABLE, "id"),
            Some(1),
            "the first of a repeated name"
        );
        assert_eq!(lookup(FIELDS, &TABLE, "lang"), Some(3));
        assert_eq!(
            lookup(FIELDS, &TABLE, ""),
            None,
            "the text content has no name"
        );
        assert_eq!(lookup(FIELDS, &TABLE, "balance"), None);
        assert_eq!(lookup(FIELDS, &[], "id"), None);
    }

    #[test]
    fn a_full_table_still_answers() {
        // Every slot taken: a miss must stop after one round.
        const TWO: &[FieldSchema] = &[
            FieldSchema::element("a", TypeInfo::Long),
            FieldSchema::element("b", TypeInfo::Long),
        ];
        const FULL: [u16; 2] = field_index::<2>(TWO);
        assert_eq!(lookup(TWO, &FULL, "b"), Some(1));
        assert_eq!(lookup(TWO, &FULL, "c"), None);
    }
}
