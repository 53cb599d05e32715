// The field lookup table of a generated struct: how the generator builds it and how the
// runtime hashes a name to probe it. Compiled twice from this one text: in the generator, and
// in the `portabilling` runtime, whose build script writes it out from
// `portabilling_codegen::FIELD_TABLE_SOURCE` (so the two always hash alike). Self-contained
// for that reason: no imports, no inner attributes.

/// The hash of a wire name: a multiply per eight bytes (as FxHash does), the last word read
/// overlapping the one before, so a short name costs a few instructions and no byte loop.
#[inline]
pub(crate) fn hash(name: &[u8]) -> u32 {
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
pub(crate) fn word(name: &[u8], at: usize) -> u64 {
    match name.split_at(at).1 {
        [a, b, c, d, e, f, g, h, ..] => u64::from_le_bytes([*a, *b, *c, *d, *e, *f, *g, *h]),
        _ => 0,
    }
}

/// The four bytes of `name` from `at`, little-endian.
#[inline]
pub(crate) fn half(name: &[u8], at: usize) -> u32 {
    match name.split_at(at).1 {
        [a, b, c, d, ..] => u32::from_le_bytes([*a, *b, *c, *d]),
        _ => 0,
    }
}

/// The lookup table of a struct whose fields have wire names `names`, in schema order: an
/// open-addressing table of a power of two slots, at least twice the number of fields, so a
/// lookup probes about once. A slot holds a field index plus one, or 0 when empty. The
/// text-content field (an empty name) is not in the table; a name that appears twice (which
/// the generator avoids) keeps its first field.
pub(crate) fn field_table(names: &[&str]) -> Vec<u16> {
    let size = (names.len() * 2).max(2).next_power_of_two();
    let mut table = vec![0u16; size];
    for (index, name) in names.iter().enumerate() {
        if name.is_empty() {
            continue;
        }
        let mut slot = hash(name.as_bytes()) as usize & (size - 1);
        // The table has more slots than names, so an empty one is always found.
        while let Some(&held) = table.get(slot) {
            if held == 0 {
                table[slot] = (index + 1) as u16;
                break;
            }
            if names.get(held as usize - 1) == Some(name) {
                break;
            }
            slot = (slot + 1) & (size - 1);
        }
    }
    table
}
