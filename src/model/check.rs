//! Parameters checked against a schema before they are sent: a key the schema does not know
//! would go to the server, which ignores it, so a misspelled field (`blokced` for `blocked`)
//! changes nothing and reports success. The check names each such key by its path and offers
//! the closest known name.

use super::{AnyValue, FieldKind, StructSchema, TypeInfo};

/// A key of a JSON request that its schema does not describe.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnknownField {
    /// Where it is: `account_info.blokced`, `accounts[2].i_acount`.
    pub path: String,
    /// The struct type that lacks it (`AccountInfo`).
    pub type_name: &'static str,
    /// The closest field name the type has, if one is close enough to be a likely typo.
    pub suggestion: Option<&'static str>,
}

impl std::fmt::Display for UnknownField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}` is not a field of {}", self.path, self.type_name)?;
        if let Some(s) = self.suggestion {
            write!(f, " (did you mean `{s}`?)")?;
        }
        Ok(())
    }
}

impl StructSchema {
    /// The keys of `value` (a JSON object in PortaBilling's REST form) that this schema, or
    /// the schema of a nested structure, does not describe. Values of the wrong type are not
    /// this check's business: reading the value reports them.
    pub fn unknown_fields(&'static self, value: &AnyValue) -> Vec<UnknownField> {
        let mut out = Vec::new();
        walk(self, value, &mut String::new(), &mut out);
        out
    }
}

fn walk(
    schema: &'static StructSchema,
    value: &AnyValue,
    path: &mut String,
    out: &mut Vec<UnknownField>,
) {
    let AnyValue::Object(map) = value else {
        return;
    };
    for (key, item) in map {
        let len = path.len();
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(key);
        let field = schema.field(key).or_else(|| {
            // Simple content travels as `value` in JSON.
            (key == "value")
                .then(|| schema.fields.iter().find(|f| f.kind == FieldKind::Text))
                .flatten()
        });
        match field {
            Some(field) => walk_type(&field.ty, item, path, out),
            None => out.push(UnknownField {
                path: path.clone(),
                type_name: schema.name,
                suggestion: closest(
                    key,
                    schema
                        .fields
                        .iter()
                        .filter(|f| f.kind != FieldKind::Text)
                        .map(|f| f.name),
                ),
            }),
        }
        path.truncate(len);
    }
}

fn walk_type(ty: &TypeInfo, value: &AnyValue, path: &mut String, out: &mut Vec<UnknownField>) {
    match (ty, value) {
        (TypeInfo::Struct(schema), _) => walk(schema(), value, path, out),
        (TypeInfo::List(inner), AnyValue::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                walk_type(inner, item, path, out);
                path.truncate(len);
            }
        }
        // A single value where a list is expected is read as a list of one.
        (TypeInfo::List(inner), _) => walk_type(inner, value, path, out),
        _ => {}
    }
}

/// The candidate closest to `name`, if it is close enough to be a likely typo: at most a third
/// of the name's length in edits (a swap of two neighbours counts as one), and at least one
/// edit fewer than the name's own length so that nothing is suggested for a wholly different
/// word. Ties go to the first candidate.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    let lower = name.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (edit_distance(&lower, &c.to_ascii_lowercase()), c))
        .filter(|(d, c)| *d <= limit && *d < c.chars().count())
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// The optimal string alignment distance: insertions, deletions, substitutions and swaps of
/// two neighbours each cost one.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for (i, row) in d.chunks_mut(width).enumerate() {
        row[0] = i;
    }
    for (j, cell) in d.iter_mut().take(width).enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[(i - 1) * width + j] + 1)
                .min(d[i * width + j - 1] + 1)
                .min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = best;
        }
    }
    d[a.len() * width + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("blokced", "blocked"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }

    #[test]
    fn closest_names_a_typo_and_nothing_for_a_stranger() {
        let fields = ["i_account", "blocked", "balance", "id"];
        assert_eq!(closest("blokced", fields), Some("blocked"));
        assert_eq!(closest("i_acount", fields), Some("i_account"));
        assert_eq!(closest("Blocked", fields), Some("blocked"));
        assert_eq!(closest("zzzzzzz", fields), None);
        assert_eq!(closest("xyz", fields), None);
    }
}
