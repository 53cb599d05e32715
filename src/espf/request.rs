//! [`EspfRequest`]: an HTTP request as the ESPF pipeline and its authentication see it, built
//! from whatever server received it.

use std::fmt;

/// An HTTP request as the pipeline sees it; build one from your own server's request.
///
/// ```
/// use portabilling::espf::EspfRequest;
///
/// let body = br#"{"event_type":"Subscriber/Created","variables":{"i_event":1,"i_account":2}}"#;
/// let request = EspfRequest::new("POST", "/espf", body)
///     .header("Date", "Thu, 12 Apr 2018 15:24:00 GMT")
///     .header("Authorization", "Basic dXNlcm5hbWU6c2VjcmV0");
/// assert_eq!(request.get_header("authorization"), Some("Basic dXNlcm5hbWU6c2VjcmV0"));
/// ```
#[derive(Clone)]
pub struct EspfRequest<'a> {
    method: &'a str,
    target: &'a str,
    headers: Vec<(&'a str, &'a str)>,
    body: &'a [u8],
}

impl fmt::Debug for EspfRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| *n).collect();
        f.debug_struct("EspfRequest")
            .field("method", &self.method)
            .field("target", &self.target)
            .field("header_names", &names)
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl<'a> EspfRequest<'a> {
    /// A request with this method, target (path and query) and body, and no headers yet.
    pub fn new(method: &'a str, target: &'a str, body: &'a [u8]) -> Self {
        EspfRequest {
            method,
            target,
            headers: Vec::new(),
            body,
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &'a str, value: &'a str) -> Self {
        self.headers.push((name, value));
        self
    }

    /// The first header named `name` (case-insensitive).
    pub fn get_header(&self, name: &str) -> Option<&'a str> {
        self.header_values(name).next()
    }

    /// Every header named `name` (case-insensitive).
    pub fn header_values<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'a str> + 's {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    }

    /// The method.
    pub fn method(&self) -> &'a str {
        self.method
    }

    /// The request target (path and query).
    pub fn target(&self) -> &'a str {
        self.target
    }

    /// The body.
    pub fn body(&self) -> &'a [u8] {
        self.body
    }
}
