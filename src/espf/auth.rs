//! Checking the `Authorization` and `Date` headers of an ESPF request.
//!
//! PortaBilling's ESPF authenticates itself with one of three schemes (PortaOne, "ESPF
//! Appendix A. Authentication methods"):
//!
//! - **Basic**: `Authorization: Basic base64(user:password)`.
//! - **Custom**: `Authorization: <Type> <value>`, a fixed type and value configured on both
//!   sides (the documentation's example is `Plain passexample`).
//! - **Signature**: `Authorization: Signature keyId="…",algorithm="hmac-sha1",signature="…"`,
//!   where the signature is HMAC-SHA1, keyed with the signature key, over a signing string
//!   formed from the `Date` header, base64-encoded.
//!
//! The documentation does not spell out the signing string. The header's syntax is that of
//! the IETF draft "Signing HTTP Messages" (draft-cavage-http-signatures), whose default
//! signing string, when no `headers` parameter is given, is `date: <Date value>`; that is
//! what [`signature_authorization`] produces and what is checked first. A `headers="…"`
//! parameter is honoured as in the draft (`(request-target)` and header names, one
//! `name: value` line each). Because the documentation could also be read as "the Date value
//! itself is the signing string", a signature over the bare `Date` value is accepted too,
//! unless [`RequestAuth::accept_bare_date`] turns that off. Both are HMACs under the same key, so
//! accepting either does not let anyone without the key in.
//!
//! Every scheme needs a `Date` header (PortaBilling always sends one), and a date more than
//! [`RequestAuth::max_skew`] (300 s by default) away from now is refused, which bounds the replay of
//! a captured request. Secrets are compared in constant time: presented credentials are
//! HMAC'd under a per-process random key and the tags compared with `ring::hmac::verify`, and
//! signatures are checked with `ring::hmac::verify`. No secret appears in `Debug` output or
//! in an error.

use std::fmt;
use std::time::Duration;

use ring::hmac;

use super::httpdate::{parse_http_date, unix_now};
use super::request::EspfRequest;
use crate::model::base64;

/// Why a request was not authenticated. None of the messages carry credentials.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthFailure {
    /// No `Authorization` header.
    #[error("the Authorization header is missing")]
    MissingAuthorization,
    /// The header names another scheme than the one configured.
    #[error("the Authorization header uses another scheme than the one configured")]
    WrongScheme,
    /// The user and password, or the custom value, do not match.
    #[error("the credentials do not match")]
    BadCredentials,
    /// The `Signature` parameters cannot be read.
    #[error("the Signature parameters are malformed")]
    MalformedSignature,
    /// The `keyId` is not the configured one.
    #[error("the signature's keyId is not the configured one")]
    UnknownKeyId,
    /// The `algorithm` is not `hmac-sha1` (or `hmac-sha256`).
    #[error("the signature algorithm is not supported")]
    UnsupportedAlgorithm,
    /// The signature does not match.
    #[error("the signature does not match")]
    BadSignature,
    /// No `Date` header.
    #[error("the Date header is missing")]
    MissingDate,
    /// The `Date` header is not an HTTP date.
    #[error("the Date header is not an HTTP date")]
    BadDate,
    /// The `Date` is too far from now.
    #[error("the Date header is {seconds} s away from now, more than the {allowed} s allowed")]
    DateSkew {
        /// How far the date is from now, in seconds.
        seconds: u64,
        /// The allowed skew, in seconds.
        allowed: u64,
    },
}

impl AuthFailure {
    /// The HTTP status to answer with: 401 for credentials, 403 for the `Date` header. Both
    /// are 4xx, so ESPF drops the event instead of re-sending it.
    pub fn status(&self) -> u16 {
        match self {
            AuthFailure::MissingDate | AuthFailure::BadDate | AuthFailure::DateSkew { .. } => 403,
            _ => 401,
        }
    }
}

#[derive(Clone)]
enum Scheme {
    Basic {
        tag: hmac::Tag,
    },
    Custom {
        auth_type: String,
        tag: hmac::Tag,
    },
    Signature {
        key_id: Option<String>,
        keys: Box<SignatureKeys>,
    },
}

#[derive(Clone)]
struct SignatureKeys {
    sha1: hmac::Key,
    sha256: hmac::Key,
}

/// How ESPF requests are authenticated: one scheme, plus the `Date` check.
///
/// ```
/// use portabilling::espf::RequestAuth;
/// use std::time::Duration;
///
/// let basic = RequestAuth::basic("espf", "secret");
/// let custom = RequestAuth::parse_custom("Plain:passexample")?;
/// let signature = RequestAuth::signature("signature").with_key_id("test").max_skew(Duration::from_secs(120));
/// # Ok::<(), String>(())
/// ```
#[derive(Clone)]
pub struct RequestAuth {
    scheme: Scheme,
    compare_key: hmac::Key,
    max_skew: Duration,
    accept_bare_date: bool,
}

impl fmt::Debug for RequestAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = match &self.scheme {
            Scheme::Basic { .. } => "Basic".to_string(),
            Scheme::Custom { auth_type, .. } => format!("Custom({auth_type})"),
            Scheme::Signature { key_id, .. } => format!("Signature(keyId={key_id:?})"),
        };
        f.debug_struct("RequestAuth")
            .field("scheme", &scheme)
            .field("credentials", &"<redacted>")
            .field("max_skew", &self.max_skew)
            .finish()
    }
}

fn compare_key() -> hmac::Key {
    let rng = ring::rand::SystemRandom::new();
    // The key only has to be unknown to whoever times the comparison; a fixed key would still
    // compare in constant time, so a failing random source is not fatal.
    hmac::Key::generate(hmac::HMAC_SHA256, &rng).unwrap_or_else(|_| {
        hmac::Key::new(
            hmac::HMAC_SHA256,
            b"portabilling espf credential comparison",
        )
    })
}

impl RequestAuth {
    fn with_scheme(scheme: impl FnOnce(&hmac::Key) -> Scheme) -> RequestAuth {
        let compare_key = compare_key();
        RequestAuth {
            scheme: scheme(&compare_key),
            compare_key,
            max_skew: Duration::from_secs(300),
            accept_bare_date: true,
        }
    }

    /// Basic authentication with this user and password.
    pub fn basic(user: &str, password: &str) -> RequestAuth {
        let expected = format!("{user}:{password}");
        RequestAuth::with_scheme(|key| Scheme::Basic {
            tag: hmac::sign(key, expected.as_bytes()),
        })
    }

    /// Custom authentication: `Authorization: <auth_type> <value>`. The type is compared
    /// without regard to case (as HTTP schemes are), the value exactly.
    pub fn custom(auth_type: &str, value: &str) -> RequestAuth {
        let auth_type = auth_type.trim().to_string();
        let value = value.trim().to_string();
        RequestAuth::with_scheme(|key| Scheme::Custom {
            auth_type,
            tag: hmac::sign(key, value.as_bytes()),
        })
    }

    /// Signature authentication with this signature key (its UTF-8 bytes are the HMAC key).
    /// Any `keyId` is accepted unless [`with_key_id`](RequestAuth::with_key_id) names one.
    pub fn signature(secret: &str) -> RequestAuth {
        let bytes = secret.as_bytes();
        let sha1 = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, bytes);
        let sha256 = hmac::Key::new(hmac::HMAC_SHA256, bytes);
        RequestAuth::with_scheme(|_| Scheme::Signature {
            key_id: None,
            keys: Box::new(SignatureKeys { sha1, sha256 }),
        })
    }

    /// Basic authentication from `USER:PASSWORD` (split at the first colon).
    pub fn parse_basic(arg: &str) -> Result<RequestAuth, String> {
        match arg.split_once(':') {
            Some((user, password)) if !user.is_empty() => Ok(RequestAuth::basic(user, password)),
            _ => Err("expected USER:PASSWORD".into()),
        }
    }

    /// Custom authentication from `TYPE:VALUE` (split at the first colon).
    pub fn parse_custom(arg: &str) -> Result<RequestAuth, String> {
        match arg.split_once(':') {
            Some((t, v)) if is_token(t.trim()) && !v.trim().is_empty() => {
                Ok(RequestAuth::custom(t, v))
            }
            _ => {
                Err("expected TYPE:VALUE, with a TYPE of letters, digits and -._~+!#$&'*^`|".into())
            }
        }
    }

    /// For the Signature scheme: accept only this `keyId`.
    pub fn with_key_id(mut self, id: &str) -> RequestAuth {
        if let Scheme::Signature { key_id, .. } = &mut self.scheme {
            *key_id = Some(id.to_string());
        }
        self
    }

    /// How far the `Date` header may be from now (300 s by default).
    pub fn max_skew(mut self, skew: Duration) -> RequestAuth {
        self.max_skew = skew;
        self
    }

    /// For the Signature scheme: whether a signature over the bare `Date` value (rather than
    /// `date: <value>`) is accepted too. On by default; see the [module docs](crate::espf).
    pub fn accept_bare_date(mut self, accept: bool) -> RequestAuth {
        self.accept_bare_date = accept;
        self
    }

    /// The scheme's name: `Basic`, `Custom` or `Signature`.
    pub fn scheme_name(&self) -> &'static str {
        match self.scheme {
            Scheme::Basic { .. } => "Basic",
            Scheme::Custom { .. } => "Custom",
            Scheme::Signature { .. } => "Signature",
        }
    }

    /// The `WWW-Authenticate` challenge to send with a 401.
    pub fn challenge(&self) -> String {
        match &self.scheme {
            Scheme::Basic { .. } => "Basic realm=\"espf\"".into(),
            Scheme::Custom { auth_type, .. } => auth_type.clone(),
            Scheme::Signature { .. } => "Signature realm=\"espf\",headers=\"date\"".into(),
        }
    }

    /// Checks a request against the clock.
    pub fn verify(&self, request: &EspfRequest<'_>) -> Result<(), AuthFailure> {
        self.verify_at(request, unix_now())
    }

    /// Checks a request as if now were `now` (seconds since the epoch).
    pub fn verify_at(&self, request: &EspfRequest<'_>, now: i64) -> Result<(), AuthFailure> {
        let authorization = request
            .get_header("authorization")
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .ok_or(AuthFailure::MissingAuthorization)?;
        let date_text = request
            .get_header("date")
            .map(str::trim)
            .ok_or(AuthFailure::MissingDate)?;
        let date = parse_http_date(date_text).ok_or(AuthFailure::BadDate)?;
        let (scheme, credentials) =
            match authorization.split_once(|c: char| c.is_ascii_whitespace()) {
                Some((s, c)) => (s, c.trim()),
                None => (authorization, ""),
            };
        match &self.scheme {
            Scheme::Basic { tag } => {
                if !scheme.eq_ignore_ascii_case("basic") {
                    return Err(AuthFailure::WrongScheme);
                }
                let decoded = base64::decode(credentials).ok_or(AuthFailure::BadCredentials)?;
                hmac::verify(&self.compare_key, &decoded, tag.as_ref())
                    .map_err(|_| AuthFailure::BadCredentials)?;
            }
            Scheme::Custom { auth_type, tag } => {
                if !scheme.eq_ignore_ascii_case(auth_type) {
                    return Err(AuthFailure::WrongScheme);
                }
                hmac::verify(&self.compare_key, credentials.as_bytes(), tag.as_ref())
                    .map_err(|_| AuthFailure::BadCredentials)?;
            }
            Scheme::Signature { key_id, keys } => {
                if !scheme.eq_ignore_ascii_case("signature") {
                    return Err(AuthFailure::WrongScheme);
                }
                self.verify_signature(request, credentials, date_text, key_id.as_deref(), keys)?;
            }
        }
        // `now` and `date` may be anywhere in i64 (a caller's clock, a far-off date): no overflow.
        let skew = now.abs_diff(date);
        if skew > self.max_skew.as_secs() {
            return Err(AuthFailure::DateSkew {
                seconds: skew,
                allowed: self.max_skew.as_secs(),
            });
        }
        Ok(())
    }

    fn verify_signature(
        &self,
        request: &EspfRequest<'_>,
        credentials: &str,
        date: &str,
        key_id: Option<&str>,
        keys: &SignatureKeys,
    ) -> Result<(), AuthFailure> {
        let params = parse_params(credentials).ok_or(AuthFailure::MalformedSignature)?;
        let param = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        };
        let signature = param("signature").ok_or(AuthFailure::MalformedSignature)?;
        let signature = base64::decode(signature).ok_or(AuthFailure::MalformedSignature)?;
        if let Some(expected) = key_id {
            if param("keyId") != Some(expected) {
                return Err(AuthFailure::UnknownKeyId);
            }
        }
        let key = match param("algorithm").map(str::to_ascii_lowercase).as_deref() {
            None | Some("hmac-sha1") => &keys.sha1,
            Some("hmac-sha256") => &keys.sha256,
            Some(_) => return Err(AuthFailure::UnsupportedAlgorithm),
        };
        let signed = signing_string(request, param("headers")).ok_or(AuthFailure::BadSignature)?;
        if hmac::verify(key, signed.as_bytes(), &signature).is_ok() {
            return Ok(());
        }
        if self.accept_bare_date
            && param("headers").is_none()
            && hmac::verify(key, date.as_bytes(), &signature).is_ok()
        {
            return Ok(());
        }
        Err(AuthFailure::BadSignature)
    }
}

fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+!#$&'*^`|".contains(&b))
}

/// The draft-cavage signing string: one `name: value` line per listed header (`date` when
/// none are listed), `(request-target)` as `post /path`.
fn signing_string(request: &EspfRequest<'_>, headers: Option<&str>) -> Option<String> {
    let names: Vec<String> = match headers {
        Some(list) => list
            .split_ascii_whitespace()
            .map(str::to_ascii_lowercase)
            .collect(),
        None => vec!["date".to_string()],
    };
    if names.is_empty() {
        return None;
    }
    let mut lines = Vec::with_capacity(names.len());
    for name in names {
        if name == "(request-target)" {
            lines.push(format!(
                "(request-target): {} {}",
                request.method().to_ascii_lowercase(),
                request.target()
            ));
        } else if name.starts_with('(') {
            return None;
        } else {
            let values: Vec<&str> = request.header_values(&name).map(str::trim).collect();
            if values.is_empty() {
                return None;
            }
            lines.push(format!("{name}: {}", values.join(", ")));
        }
    }
    Some(lines.join("\n"))
}

/// `key="value",key=value,…` (spaces around commas allowed, `\"` escapes in quotes).
fn parse_params(text: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ',' || c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            break;
        }
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c == ',' || c.is_whitespace() {
                break;
            }
            key.push(c);
            chars.next();
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if key.is_empty() || chars.next() != Some('=') {
            return None;
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            let mut closed = false;
            while let Some(c) = chars.next() {
                match c {
                    '\\' => value.push(chars.next()?),
                    '"' => {
                        closed = true;
                        break;
                    }
                    c => value.push(c),
                }
            }
            if !closed {
                return None;
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' {
                    break;
                }
                value.push(c);
                chars.next();
            }
            value = value.trim().to_string();
        }
        out.push((key, value));
    }
    (!out.is_empty()).then_some(out)
}

/// The `Authorization` value for Basic authentication.
pub fn basic_authorization(user: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::encode(format!("{user}:{password}").as_bytes())
    )
}

/// The `Authorization` value for Custom authentication.
pub fn custom_authorization(auth_type: &str, value: &str) -> String {
    format!("{auth_type} {value}")
}

/// The `Authorization` value for Signature authentication of a request whose `Date` header is
/// `date`: HMAC-SHA1 over `date: <date>`, as the module docs explain.
pub fn signature_authorization(key_id: &str, secret: &str, date: &str) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, secret.as_bytes());
    let tag = hmac::sign(&key, format!("date: {date}").as_bytes());
    format!(
        "Signature keyId=\"{}\",algorithm=\"hmac-sha1\",signature=\"{}\"",
        key_id.replace('\\', "\\\\").replace('"', "\\\""),
        base64::encode(tag.as_ref())
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::espf::httpdate::format_unix;

    const DOCS_DATE: &str = "Thu, 12 Apr 2018 15:24:00 GMT";
    const DOCS_NOW: i64 = 1_523_546_640;

    fn request<'a>(authorization: Option<&'a str>, date: Option<&'a str>) -> EspfRequest<'a> {
        let mut r = EspfRequest::new("POST", "/espf", b"{}");
        if let Some(a) = authorization {
            r = r.header("Authorization", a);
        }
        if let Some(d) = date {
            r = r.header("Date", d);
        }
        r
    }

    #[test]
    fn basic_matches_the_docs_example() {
        let auth = RequestAuth::basic("username", "secret");
        assert_eq!(
            basic_authorization("username", "secret"),
            "Basic dXNlcm5hbWU6c2VjcmV0"
        );
        let ok = request(Some("Basic dXNlcm5hbWU6c2VjcmV0"), Some(DOCS_DATE));
        assert_eq!(auth.verify_at(&ok, DOCS_NOW), Ok(()));
        let lower = request(Some("basic dXNlcm5hbWU6c2VjcmV0"), Some(DOCS_DATE));
        assert_eq!(auth.verify_at(&lower, DOCS_NOW), Ok(()));
        let wrong = basic_authorization("username", "secreT");
        assert_eq!(
            auth.verify_at(&request(Some(&wrong), Some(DOCS_DATE)), DOCS_NOW),
            Err(AuthFailure::BadCredentials)
        );
        let prefix = basic_authorization("username", "secre");
        assert_eq!(
            auth.verify_at(&request(Some(&prefix), Some(DOCS_DATE)), DOCS_NOW),
            Err(AuthFailure::BadCredentials)
        );
        assert_eq!(
            auth.verify_at(&request(Some("Basic !!!"), Some(DOCS_DATE)), DOCS_NOW),
            Err(AuthFailure::BadCredentials)
        );
        assert_eq!(
            auth.verify_at(&request(Some("Plain x"), Some(DOCS_DATE)), DOCS_NOW),
            Err(AuthFailure::WrongScheme)
        );
        assert_eq!(
            auth.verify_at(&request(None, Some(DOCS_DATE)), DOCS_NOW),
            Err(AuthFailure::MissingAuthorization)
        );
    }

    #[test]
    fn custom_matches_the_docs_example() {
        let auth = RequestAuth::parse_custom("Plain:passexample").unwrap();
        assert_eq!(
            auth.verify_at(
                &request(Some("Plain passexample"), Some(DOCS_DATE)),
                DOCS_NOW
            ),
            Ok(())
        );
        assert_eq!(
            auth.verify_at(
                &request(Some("plain  passexample "), Some(DOCS_DATE)),
                DOCS_NOW
            ),
            Ok(())
        );
        assert_eq!(
            auth.verify_at(
                &request(Some("Plain passexamplE"), Some(DOCS_DATE)),
                DOCS_NOW
            ),
            Err(AuthFailure::BadCredentials)
        );
        assert_eq!(
            auth.verify_at(&request(Some("Plain"), Some(DOCS_DATE)), DOCS_NOW),
            Err(AuthFailure::BadCredentials)
        );
        assert_eq!(
            auth.verify_at(
                &request(Some("Other passexample"), Some(DOCS_DATE)),
                DOCS_NOW
            ),
            Err(AuthFailure::WrongScheme)
        );
        assert!(RequestAuth::parse_custom("no colon").is_err());
        assert!(RequestAuth::parse_custom("two words:x").is_err());
        assert!(RequestAuth::parse_basic(":x").is_err());
    }

    #[test]
    fn signature_over_the_date() {
        let auth = RequestAuth::signature("signature").with_key_id("test");
        let header = signature_authorization("test", "signature", DOCS_DATE);
        // HMAC-SHA1("signature", "date: Thu, 12 Apr 2018 15:24:00 GMT"), computed independently.
        assert_eq!(header, "Signature keyId=\"test\",algorithm=\"hmac-sha1\",signature=\"FHkFy/8bwxnoZGvTkmt8VqSBeSA=\"");
        assert_eq!(
            auth.verify_at(&request(Some(&header), Some(DOCS_DATE)), DOCS_NOW),
            Ok(())
        );
        // Spaces after commas, other order, no algorithm (hmac-sha1 is the default).
        let loose = "Signature signature=\"FHkFy/8bwxnoZGvTkmt8VqSBeSA=\", keyId=\"test\"";
        assert_eq!(
            auth.verify_at(&request(Some(loose), Some(DOCS_DATE)), DOCS_NOW),
            Ok(())
        );
        // The bare Date value as the signing string.
        let bare = "Signature keyId=\"test\",algorithm=\"hmac-sha1\",signature=\"48+LtGkLvCsislw4FDSVCPirks8=\"";
        assert_eq!(
            auth.verify_at(&request(Some(bare), Some(DOCS_DATE)), DOCS_NOW),
            Ok(())
        );
        let strict = auth.clone().accept_bare_date(false);
        assert_eq!(
            strict.verify_at(&request(Some(bare), Some(DOCS_DATE)), DOCS_NOW),
            Err(AuthFailure::BadSignature)
        );
        // The signature is over this Date: another Date fails.
        let later = format_unix(DOCS_NOW + 1);
        assert_eq!(
            auth.verify_at(&request(Some(&header), Some(&later)), DOCS_NOW),
            Err(AuthFailure::BadSignature)
        );
        // Wrong key, key id, algorithm, malformed.
        let other_key = signature_authorization("test", "signaturE", DOCS_DATE);
        assert_eq!(
            auth.verify_at(&request(Some(&other_key), Some(DOCS_DATE)), DOCS_NOW),
            Err(AuthFailure::BadSignature)
        );
        let other_id = signature_authorization("prod", "signature", DOCS_DATE);
        assert_eq!(
            auth.verify_at(&request(Some(&other_id), Some(DOCS_DATE)), DOCS_NOW),
            Err(AuthFailure::UnknownKeyId)
        );
        assert!(RequestAuth::signature("signature")
            .verify_at(&request(Some(&other_id), Some(DOCS_DATE)), DOCS_NOW)
            .is_ok());
        let rsa = header.replace("hmac-sha1", "rsa-sha256");
        assert_eq!(
            auth.verify_at(&request(Some(&rsa), Some(DOCS_DATE)), DOCS_NOW),
            Err(AuthFailure::UnsupportedAlgorithm)
        );
        for bad in [
            "Signature",
            "Signature keyId=\"test\"",
            "Signature signature=\"unterminated",
            "Signature signature=\"@@@\"",
        ] {
            assert_eq!(
                auth.verify_at(&request(Some(bad), Some(DOCS_DATE)), DOCS_NOW),
                Err(AuthFailure::MalformedSignature),
                "{bad}"
            );
        }
    }

    #[test]
    fn signature_with_a_headers_list() {
        let auth = RequestAuth::signature("k");
        let key = hmac::Key::new(hmac::HMAC_SHA256, b"k");
        let signed = format!("(request-target): post /espf\ndate: {DOCS_DATE}");
        let sig = base64::encode(hmac::sign(&key, signed.as_bytes()).as_ref());
        let header = format!("Signature keyId=\"a\",algorithm=\"hmac-sha256\",headers=\"(request-target) date\",signature=\"{sig}\"");
        assert_eq!(
            auth.verify_at(&request(Some(&header), Some(DOCS_DATE)), DOCS_NOW),
            Ok(())
        );
        let missing = header.replace("(request-target) date", "(request-target) date digest");
        assert_eq!(
            auth.verify_at(&request(Some(&missing), Some(DOCS_DATE)), DOCS_NOW),
            Err(AuthFailure::BadSignature)
        );
    }

    #[test]
    fn date_is_required_and_checked() {
        let auth = RequestAuth::basic("u", "p");
        let h = basic_authorization("u", "p");
        assert_eq!(
            auth.verify_at(&request(Some(&h), None), DOCS_NOW),
            Err(AuthFailure::MissingDate)
        );
        assert_eq!(
            auth.verify_at(&request(Some(&h), Some("yesterday")), DOCS_NOW),
            Err(AuthFailure::BadDate)
        );
        assert_eq!(
            auth.verify_at(&request(Some(&h), Some(DOCS_DATE)), DOCS_NOW + 300),
            Ok(())
        );
        assert_eq!(
            auth.verify_at(&request(Some(&h), Some(DOCS_DATE)), DOCS_NOW - 300),
            Ok(())
        );
        assert_eq!(
            auth.verify_at(&request(Some(&h), Some(DOCS_DATE)), DOCS_NOW + 301),
            Err(AuthFailure::DateSkew {
                seconds: 301,
                allowed: 300
            })
        );
        let tight = auth.clone().max_skew(Duration::from_secs(5));
        assert!(tight
            .verify_at(&request(Some(&h), Some(DOCS_DATE)), DOCS_NOW - 6)
            .is_err());
        assert_eq!(AuthFailure::MissingDate.status(), 403);
        assert_eq!(AuthFailure::BadCredentials.status(), 401);
    }

    #[test]
    fn debug_hides_secrets() {
        for auth in [
            RequestAuth::basic("user", "hunter2"),
            RequestAuth::custom("Plain", "hunter2"),
            RequestAuth::signature("hunter2"),
        ] {
            let text = format!("{auth:?}");
            assert!(!text.contains("hunter2"), "{text}");
        }
    }

    #[test]
    fn params_parser() {
        let p = parse_params(r#"keyId="a\"b", algorithm=hmac-sha1 ,signature="x=""#).unwrap();
        assert_eq!(p[0], ("keyId".into(), "a\"b".into()));
        assert_eq!(p[1], ("algorithm".into(), "hmac-sha1".into()));
        assert_eq!(p[2], ("signature".into(), "x=".into()));
        assert!(parse_params("=x").is_none());
        assert!(parse_params("").is_none());
    }
}
