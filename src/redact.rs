//! Keeping secrets out of logs, errors and recorded exchanges.
//!
//! Passwords, tokens and session ids travel in request bodies, headers and the `auth_info`
//! header. Everything this crate shows a human (a log line, an error's body excerpt, the
//! last-exchange hook) goes through these functions first.

/// Whether a field or header named `name` carries a secret.
pub fn is_secret_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let lower = lower.rsplit(':').next().unwrap_or(&lower);
    matches!(
        lower,
        "session_id" | "auth_info" | "authorization" | "cookie" | "set-cookie" | "pin" | "api_key"
    ) || ["password", "token", "secret", "passwd"]
        .iter()
        .any(|s| lower.ends_with(s))
}

const REDACTED: &str = "<redacted>";

/// Replaces every occurrence of the known secret values in `text`, as they are and in their
/// percent-encoded, JSON-escaped and HTML-escaped forms, by `<redacted>`. This is the last
/// line of defence for text the structure-aware redaction cannot read: an error page that
/// echoes the request, a fault message that quotes it, an escaped copy inside HTML. Values
/// shorter than 4 characters are left alone (they would match by chance).
pub(crate) fn scrub(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    for secret in secrets.iter().filter(|s| s.chars().count() >= 4) {
        for form in secret_forms(secret) {
            if out.contains(form.as_str()) {
                out = out.replace(form.as_str(), REDACTED);
            }
        }
    }
    out
}

/// A secret as it may appear in a body: as is, percent-encoded, JSON- and HTML-escaped.
fn secret_forms(secret: &str) -> Vec<String> {
    let mut forms = vec![secret.to_string()];
    let mut add = |form: String| {
        if !forms.contains(&form) {
            forms.push(form);
        }
    };
    add(crate::urlencoded::percent_encode(secret));
    let json = serde_json::Value::String(secret.to_string()).to_string();
    add(json[1..json.len() - 1].to_string());
    add(secret.replace('/', "\\/"));
    add(secret
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;"));
    forms
}

/// Redacts a body for display: secret XML elements, JSON values and form fields.
pub fn redact_body(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim_start();
    let structured = if trimmed.starts_with('<') {
        redact_xml(&text)
    } else if trimmed.starts_with('{') || trimmed.starts_with('[') {
        redact_json_text(&text)
    } else {
        redact_form(&text)
    };
    // Secrets inside other text: XML after a message, JSON inside a JSON string, an echoed
    // `Authorization` header, and any of these HTML-escaped in an error page.
    let out = redact_loose(&redact_xml(&structured));
    if out.contains('&') {
        let unescaped = html_unescape(&out);
        if unescaped != out {
            let redacted = redact_loose(&redact_xml(&unescaped));
            if redacted != unescaped {
                // Escaped secrets were found: show the page unescaped, with them redacted.
                return redacted;
            }
        }
    }
    out
}

/// Undoes the HTML escapes an error page puts around an echoed request.
fn html_unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

/// The first few hundred characters of a body, redacted, for error messages.
pub fn body_start(body: &[u8]) -> String {
    const LIMIT: usize = 300;
    let head = &body[..body.len().min(LIMIT * 4)];
    let redacted = redact_body(head);
    let mut out: String = redacted.chars().take(LIMIT).collect();
    if redacted.chars().count() > LIMIT || body.len() > head.len() {
        out.push('…');
    }
    out
}

/// Replaces the text of every element whose local name is a secret.
fn redact_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        let Some(close) = after.find('>') else {
            out.push_str(after);
            return out;
        };
        let tag = &after[..=close];
        out.push_str(tag);
        rest = &after[close + 1..];
        let name = tag[1..]
            .split(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .next()
            .unwrap_or("");
        let self_closing = tag.ends_with("/>");
        if !name.starts_with(['/', '?', '!']) && !self_closing && is_secret_name(name) {
            // The secret's text runs to the next tag; a nested structure (auth_info) is
            // handled element by element.
            let end = rest.find('<').unwrap_or(rest.len());
            if !rest[..end].trim().is_empty() {
                out.push_str(REDACTED);
                rest = &rest[end..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Redacts JSON text: through a parse when it parses, else by pattern.
fn redact_json_text(text: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(mut value) => {
            redact_json(&mut value);
            value.to_string()
        }
        Err(_) => redact_loose(text),
    }
}

/// Replaces the values of secret keys in a JSON value, at any depth.
pub fn redact_json(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                if is_secret_name(key) && !item.is_null() && !item.is_object() {
                    *item = serde_json::Value::String(REDACTED.into());
                } else {
                    redact_json(item);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(redact_json),
        _ => {}
    }
}

/// Redacts `key=value` form fields and, inside them, JSON.
fn redact_form(text: &str) -> String {
    text.split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if is_secret_name(key) => format!("{key}={REDACTED}"),
            Some((key, value)) => {
                let decoded = crate::urlencoded::percent_decode(value);
                if decoded.trim_start().starts_with('{') {
                    format!("{key}={}", redact_json_text(&decoded))
                } else {
                    pair.to_string()
                }
            }
            None => redact_loose(pair),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// For text that is neither XML, JSON nor a form (a truncated body, an error page that
/// quotes the request): the value after a secret key is blanked out when a `:` or `=`
/// separates them (`"session_id":"…"`, `password=…`, `\"token\": \"…\"`,
/// `Authorization: Bearer …`) or the key names an XML element (`<password xsi:type="…">…`).
/// A key followed by a space and a word (`the access token expired`) is prose, left alone.
fn redact_loose(text: &str) -> String {
    const KEYS: [&str; 7] = [
        "password",
        "passwd",
        "token",
        "session_id",
        "secret",
        "api_key",
        "authorization",
    ];
    let value_char = |c: char| c.is_alphanumeric() || "-_.~+/=%".contains(c);
    let mut text = text.to_string();
    for key in KEYS {
        let lower = text.to_ascii_lowercase();
        if !lower.contains(key) {
            continue;
        }
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        let mut from = 0;
        while let Some(i) = lower[from..].find(key).map(|i| i + from) {
            let mut j = i + key.len();
            from = j;
            // A longer name (`tokens`, `password_policy`) is another key.
            if text[j..]
                .chars()
                .next()
                .is_some_and(|c| c.is_alphanumeric() || c == '_')
            {
                continue;
            }
            let tag_start = text[..i].rfind('<');
            let in_tag = tag_start.is_some_and(|lt| {
                !text[lt..i].contains('>') && !text[lt..i].contains(char::is_whitespace)
            });
            if in_tag {
                let Some(close) = text[j..].find('>') else {
                    break;
                };
                if text[..i].ends_with('/') || text[j..j + close].ends_with('/') {
                    continue; // A closing or empty element.
                }
                j += close + 1;
            } else {
                let sep_len = text[j..]
                    .find(|c: char| !matches!(c, '"' | '\'' | '\\' | ':' | '=' | ' ' | '\t'))
                    .unwrap_or(text.len() - j);
                let sep = &text[j..j + sep_len];
                if sep_len > 8 || !sep.contains([':', '=']) {
                    continue;
                }
                j += sep_len;
            }
            if key == "authorization" {
                let scheme = text[j..]
                    .split(' ')
                    .next()
                    .unwrap_or("")
                    .to_ascii_lowercase();
                if ["bearer", "basic", "digest", "token", "signature"].contains(&scheme.as_str())
                    && text[j + scheme.len()..].starts_with(' ')
                {
                    j += scheme.len() + 1;
                }
            }
            if text[j..].starts_with(REDACTED) {
                from = j + REDACTED.len();
                continue;
            }
            let end = text[j..]
                .find(|c: char| !value_char(c))
                .map_or(text.len(), |k| j + k);
            if end == j {
                continue;
            }
            out.push_str(&text[copied..j]);
            out.push_str(REDACTED);
            copied = end;
            from = end;
        }
        out.push_str(&text[copied..]);
        text = out;
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_xml_json_and_forms() {
        let xml = "<h:auth_info><login>admin</login><password xsi:type=\"xsd:string\">hunter2</password><session_id>abc123</session_id></h:auth_info>";
        let r = redact_body(xml.as_bytes());
        assert!(!r.contains("hunter2") && !r.contains("abc123"), "{r}");
        assert!(r.contains("admin"));
        let json =
            r#"{"params":{"login":"a","password":"hunter2","nested":{"access_token":"tok"}}}"#;
        let r = redact_body(json.as_bytes());
        assert!(!r.contains("hunter2") && !r.contains("tok\""), "{r}");
        let form = "auth_info=%7B%22session_id%22%3A%22abc123%22%7D&params=%7B%7D";
        let r = redact_body(form.as_bytes());
        assert!(!r.contains("abc123"), "{r}");
        let cut = r#"{"session_id":"abc123","x":"#;
        assert!(!redact_body(cut.as_bytes()).contains("abc123"));
    }

    #[test]
    fn redacts_secrets_echoed_inside_other_text() {
        let cases = [
            "Internal error: <?xml version=\"1.0\"?><soap:Header><h:auth_info><session_id xsi:type=\"xsd:string\">abc123</session_id></h:auth_info>",
            "<html><pre>&lt;h323_password xsi:type=&quot;xsd:string&quot;&gt;abc123&lt;/h323_password&gt;</pre></html>",
            "<html><pre>{&quot;auth_info&quot;:{&quot;session_id&quot;:&quot;abc123&quot;}}</pre></html>",
            r#"{"error":"x","request":"{\"auth_info\":{\"access_token\":\"abc123\"}}"}"#,
            "Bad request. You sent:\r\nauthorization: Bearer abc123\r\nhost: x\r\n",
            "cannot handle password=abc123&x=1 or token: 'abc123'",
        ];
        for case in cases {
            let r = redact_body(case.as_bytes());
            assert!(!r.contains("abc123"), "{case}\n=> {r}");
            assert!(r.contains(REDACTED), "{r}");
        }
        // Prose and longer names are left alone, and redaction is idempotent.
        for text in [
            "Failed to process the access token; the token is invalid",
            r#"{"token_expiry":"2026-01-01","password_policy":"strong"}"#,
            "<password_policy>strong</password_policy>",
        ] {
            let r = redact_body(text.as_bytes());
            assert!(!r.contains(REDACTED), "{text} => {r}");
        }
        let xml = "<password xsi:type=\"xsd:string\">hunter2</password><x>1</x>";
        let once = redact_body(xml.as_bytes());
        assert_eq!(redact_body(once.as_bytes()), once);
        assert!(
            !once.contains("hunter2") && once.contains("<x>1</x>"),
            "{once}"
        );
    }

    #[test]
    fn scrubs_known_values_in_any_form() {
        let secrets = vec!["s3cr/t+&<x>".to_string(), "abc".to_string()];
        for text in [
            "echo: s3cr/t+&<x>",
            "echo: s3cr%2Ft%2B%26%3Cx%3E",
            "echo: s3cr\\/t+&<x>",
            "echo: s3cr/t+&amp;&lt;x&gt;",
        ] {
            let out = scrub(text, &secrets);
            assert_eq!(out, "echo: <redacted>", "{text}");
        }
        // Too short to tell from ordinary text.
        assert_eq!(scrub("abc", &secrets), "abc");
    }
}
