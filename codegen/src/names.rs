//! Turning XML names into Rust identifiers: case conversion, keywords, and names that collide
//! once converted.
//!
//! Every conversion is a pure function of the input names and their order, so the generated
//! names are stable from one build to the next.

use std::collections::BTreeSet;

/// Words that cannot be used as identifiers, even raw (`r#self` is not allowed).
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "extern", "_"];

/// Rust keywords (strict and reserved, all editions).
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Splits a name into words at separators, lower-to-upper changes and acronym ends:
/// `getAccountInfo` → get, Account, Info; `HTTPServer` → HTTP, Server; `E-Commerce Payment` →
/// E, Commerce, Payment.
pub fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut words = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        if let Some(&prev) = current.chars().last().as_ref() {
            let next = chars.get(i + 1).copied();
            // Digits stay with the word they follow or precede (`gensym5`, `base64`, `1st`),
            // but an upper-case letter after a digit starts a word (`HTTP2Server`).
            let boundary = (prev.is_lowercase() && c.is_uppercase())
                || (prev.is_numeric() && c.is_uppercase())
                || (prev.is_uppercase()
                    && c.is_uppercase()
                    && next.is_some_and(|n| n.is_lowercase()));
            if boundary {
                words.push(std::mem::take(&mut current));
            }
        }
        current.push(c);
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// `snake_case`, as used for fields, functions and modules.
pub fn snake(name: &str) -> String {
    // A name that already is snake case (`h323_conf_id`, `iso_4217`) is kept as written.
    let already = name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.contains("__");
    if already {
        return ident_safe(name.to_string(), "n_");
    }
    let joined = words(name)
        .iter()
        .map(|w| w.to_lowercase())
        .collect::<Vec<_>>()
        .join("_");
    ident_safe(
        if joined.is_empty() {
            "value".into()
        } else {
            joined
        },
        "n_",
    )
}

/// `UpperCamelCase`, as used for types and variants. A name that already is valid upper camel
/// case (`AccountInfo`, `DIDInfo`) is kept as written, so the Rust type is easy to find from the
/// schema type.
pub fn camel(name: &str) -> String {
    let already = name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_ascii_alphanumeric());
    if already {
        return ident_safe(name.to_string(), "V");
    }
    let joined: String = words(name)
        .iter()
        .map(|w| {
            let mut chars = w.chars();
            match chars.next() {
                Some(first) => first
                    .to_uppercase()
                    .chain(chars.flat_map(char::to_lowercase))
                    .collect(),
                None => String::new(),
            }
        })
        .collect();
    ident_safe(
        if joined.is_empty() {
            "Value".into()
        } else {
            joined
        },
        "V",
    )
}

/// The `UpperCamelCase` name of an enumeration value: like [`camel`], but a value that is blank
/// is `Empty`, and a leading sign is a word (`-1` → `Minus1`, `+1` → `Plus1`), so that `1` and
/// `-1` do not collide; an upper-case value is converted by words (`FICTION` → `Fiction`).
pub fn variant(value: &str) -> String {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return "Empty".to_string();
    }
    let signed = if let Some(rest) = trimmed.strip_prefix('-') {
        format!("Minus {rest}")
    } else if let Some(rest) = trimmed.strip_prefix('+') {
        format!("Plus {rest}")
    } else {
        trimmed.to_string()
    };
    // An upper-case value is words, not an acronym to keep: `FICTION` → `Fiction`, like
    // `NON_FICTION` → `NonFiction`.
    let mut letters = signed.chars().filter(|c| c.is_alphabetic());
    let screaming = letters.clone().count() > 1 && letters.all(|c| !c.is_lowercase());
    if screaming {
        camel(&signed.to_lowercase())
    } else {
        camel(&signed)
    }
}

/// Makes `name` a usable identifier: a leading digit gets `digit_prefix`, non-ASCII letters are
/// kept only if Rust accepts them, and keywords become raw identifiers (or get a `_` suffix where
/// raw identifiers are not allowed).
fn ident_safe(name: String, digit_prefix: &str) -> String {
    let name: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let name = if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("{digit_prefix}{name}")
    } else {
        name
    };
    if NOT_RAW.contains(&name.as_str()) {
        format!("{name}_")
    } else if KEYWORDS.contains(&name.as_str()) {
        format!("r#{name}")
    } else {
        name
    }
}

/// Hands out names that are unique within one scope (a module, a struct, an enum). A name that
/// is taken gets the smallest free numeric suffix: `i_account`, then `i_account_2`.
#[derive(Debug, Default, Clone)]
pub struct Namer {
    taken: BTreeSet<String>,
}

impl Namer {
    /// A scope in which `reserved` names are already taken.
    pub fn with_reserved(reserved: &[&str]) -> Self {
        Namer {
            taken: reserved.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// Whether `name` is taken.
    pub fn is_taken(&self, name: &str) -> bool {
        self.taken.contains(name)
    }

    /// Takes `wanted`, or the first free variant of it.
    pub fn unique(&mut self, wanted: &str, separator: &str) -> String {
        if self.taken.insert(wanted.to_string()) {
            return wanted.to_string();
        }
        // `r#type` → `type_2`, `self_` → `self_2`, `Self_` → `Self2`.
        let base = wanted.trim_start_matches("r#").trim_end_matches('_');
        let base = if base.is_empty() { wanted } else { base };
        (2..)
            .map(|n| format!("{base}{separator}{n}"))
            .find(|candidate| self.taken.insert(candidate.clone()))
            .unwrap_or_else(|| base.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_case() {
        assert_eq!(snake("getAccountInfo"), "get_account_info");
        assert_eq!(snake("i_account"), "i_account");
        assert_eq!(snake("HTTPServer"), "http_server");
        assert_eq!(snake("c-gensym5"), "c_gensym5");
        assert_eq!(snake("base64Binary"), "base64_binary");
        assert_eq!(snake("HTTP2Server"), "http2_server");
        assert_eq!(camel("item2name"), "Item2name");
        assert_eq!(snake("iso_4217"), "iso_4217");
        assert_eq!(snake("h323_conf_id"), "h323_conf_id");
        assert_eq!(snake("type"), "r#type");
        assert_eq!(snake("self"), "self_");
        assert_eq!(snake("1st"), "n_1st");
        assert_eq!(snake("BillingSession"), "billing_session");
        assert_eq!(snake("DID"), "did");
        assert_eq!(camel("get_account_info"), "GetAccountInfo");
        assert_eq!(camel("AccountInfo"), "AccountInfo");
        assert_eq!(camel("DIDInfo"), "DIDInfo");
        assert_eq!(camel("E-Commerce Payment"), "ECommercePayment");
        assert_eq!(camel("Manual Charge"), "ManualCharge");
        assert_eq!(camel("-1"), "V1");
        assert_eq!(camel(""), "Value");
        assert_eq!(camel("Self"), "Self_");
        assert_eq!(variant(""), "Empty");
        assert_eq!(variant(" "), "Empty");
        assert_eq!(variant("1"), "V1");
        assert_eq!(variant("-1"), "Minus1");
        assert_eq!(variant("+1.5"), "Plus15");
        assert_eq!(variant("a b"), "AB");
        assert_eq!(variant("Other"), "Other");
        assert_eq!(variant("FICTION"), "Fiction");
        assert_eq!(variant("NON_FICTION"), "NonFiction");
        assert_eq!(variant("Y"), "Y");
        assert_eq!(variant("HTTPServer"), "HTTPServer");
    }

    #[test]
    fn namer_resolves_collisions_in_order() {
        let mut namer = Namer::with_reserved(&["extra"]);
        assert_eq!(namer.unique("i_account", "_"), "i_account");
        assert_eq!(namer.unique("i_account", "_"), "i_account_2");
        assert_eq!(namer.unique("extra", "_"), "extra_2");
        assert_eq!(namer.unique("self_", "_"), "self_");
        assert_eq!(namer.unique("self_", "_"), "self_2");
        assert_eq!(namer.unique("r#type", "_"), "r#type");
        assert_eq!(namer.unique("r#type", "_"), "type_2");
        let mut variants = Namer::default();
        assert_eq!(variants.unique("Self_", ""), "Self_");
        assert_eq!(variants.unique("Self_", ""), "Self2");
        let mut types = Namer::default();
        assert_eq!(types.unique("AccountInfo", ""), "AccountInfo");
        assert_eq!(types.unique("AccountInfo", ""), "AccountInfo2");
    }
}
