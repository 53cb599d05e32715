//! `multipart/form-data` bodies: writing them (uploads, the multipart encoding) and reading
//! them (the simulator's side).

use std::sync::atomic::{AtomicU64, Ordering};

/// A multipart body being written.
pub struct Multipart {
    boundary: String,
    body: Vec<u8>,
}

impl Default for Multipart {
    fn default() -> Self {
        Self::new()
    }
}

impl Multipart {
    /// A new body with a fresh boundary.
    pub fn new() -> Self {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        Multipart {
            boundary: format!("portabilling-{nanos:x}-{:x}-{n:x}", std::process::id()),
            body: Vec::new(),
        }
    }

    /// The `Content-Type` header value.
    pub fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={}", self.boundary)
    }

    /// Adds a text field.
    pub fn text(&mut self, name: &str, value: &str) {
        self.part(name, None, None, value.as_bytes());
    }

    /// Adds a file.
    pub fn file(&mut self, name: &str, file_name: &str, content_type: &str, bytes: &[u8]) {
        self.part(name, Some(file_name), Some(content_type), bytes);
    }

    fn part(
        &mut self,
        name: &str,
        file_name: Option<&str>,
        content_type: Option<&str>,
        bytes: &[u8],
    ) {
        // A boundary that occurs in the content would cut it: pick another.
        while contains(bytes, self.boundary.as_bytes()) {
            self.boundary.push('x');
        }
        let quote = |s: &str| s.replace(['"', '\r', '\n'], "_");
        self.body.extend_from_slice(b"--");
        self.body.extend_from_slice(self.boundary.as_bytes());
        self.body.extend_from_slice(
            format!(
                "\r\nContent-Disposition: form-data; name=\"{}\"",
                quote(name)
            )
            .as_bytes(),
        );
        if let Some(file_name) = file_name {
            self.body
                .extend_from_slice(format!("; filename=\"{}\"", quote(file_name)).as_bytes());
        }
        self.body.extend_from_slice(b"\r\n");
        if let Some(ct) = content_type {
            self.body
                .extend_from_slice(format!("Content-Type: {ct}\r\n").as_bytes());
        }
        self.body.extend_from_slice(b"\r\n");
        self.body.extend_from_slice(bytes);
        self.body.extend_from_slice(b"\r\n");
    }

    /// The finished body.
    pub fn finish(mut self) -> Vec<u8> {
        self.body.extend_from_slice(b"--");
        self.body.extend_from_slice(self.boundary.as_bytes());
        self.body.extend_from_slice(b"--\r\n");
        self.body
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// A part of a received multipart body (the simulator's side).
#[cfg(any(feature = "sim", test))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    /// The field name.
    pub name: String,
    /// The file name, for file parts.
    pub file_name: Option<String>,
    /// The content.
    pub data: Vec<u8>,
}

/// Splits a multipart body, given the `Content-Type` header that names its boundary.
#[cfg(any(feature = "sim", test))]
pub fn parse(content_type: &str, body: &[u8]) -> Option<Vec<Part>> {
    let boundary = content_type
        .split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("boundary="))?
        .trim_matches('"');
    let delimiter = format!("--{boundary}");
    let mut parts = Vec::new();
    let mut rest = body;
    let first = find(rest, delimiter.as_bytes())?;
    rest = &rest[first + delimiter.len()..];
    loop {
        if rest.starts_with(b"--") {
            return Some(parts);
        }
        rest = rest.strip_prefix(b"\r\n")?;
        let header_end = find(rest, b"\r\n\r\n")?;
        let headers = std::str::from_utf8(&rest[..header_end]).ok()?;
        rest = &rest[header_end + 4..];
        let end = find(rest, format!("\r\n{delimiter}").as_bytes())?;
        let data = rest[..end].to_vec();
        rest = &rest[end + 2 + delimiter.len()..];
        let mut name = None;
        let mut file_name = None;
        for line in headers.split("\r\n") {
            if line
                .to_ascii_lowercase()
                .starts_with("content-disposition:")
            {
                for item in line.split(';').map(str::trim) {
                    if let Some(v) = item.strip_prefix("name=") {
                        name = Some(v.trim_matches('"').to_string());
                    } else if let Some(v) = item.strip_prefix("filename=") {
                        file_name = Some(v.trim_matches('"').to_string());
                    }
                }
            }
        }
        parts.push(Part {
            name: name?,
            file_name,
            data,
        });
    }
}

#[cfg(any(feature = "sim", test))]
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let mut m = Multipart::new();
        m.text("params", "{\"a\":1}");
        m.file("file", "doc.pdf", "application/pdf", b"%PDF\r\n--x\r\n");
        let ct = m.content_type();
        let body = m.finish();
        let parts = parse(&ct, &body).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "params");
        assert_eq!(parts[0].data, b"{\"a\":1}");
        assert_eq!(parts[1].file_name.as_deref(), Some("doc.pdf"));
        assert_eq!(parts[1].data, b"%PDF\r\n--x\r\n");
    }
}
