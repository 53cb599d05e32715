//! A server's WSDL set, fetched into a directory ready for `PORTABILLING_WSDL_DIR`.
//!
//! A PortaBilling server publishes its API at `https://<host>/wsdl/<Service>AdminService.wsdl`,
//! each file importing shared schemas by relative `schemaLocation`s. [`fetch`] downloads the
//! services named (or every `*AdminService.wsdl` the server's `/wsdl/` listing shows), follows
//! every `import` and `include` they make, checks that each file is a WSDL or an XSD that parses,
//! and only then writes them all. A reference that would leave the directory (`../`, an
//! absolute path, another host) stops the fetch: the set would not build from the directory,
//! and a hostile server must not choose where files land.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::transport::Deadline;
use crate::wire::{read_all, CallLabel};
use crate::Client;

/// The most files one set may hold.
const MAX_FILES: usize = 2000;
/// The largest file accepted.
const MAX_FILE_BYTES: u64 = 32 * 1024 * 1024;

/// What [`fetch`] wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct FetchedSet {
    /// The services' WSDL files, by name (`AccountAdminService.wsdl`).
    pub services: Vec<String>,
    /// Every file written, with its size, by its path in the directory.
    pub files: Vec<(String, usize)>,
}

/// Downloads the WSDL files of `services` (`Account`, `AccountAdminService` or
/// `AccountAdminService.wsdl`), or of every `*AdminService.wsdl` in the server's `/wsdl/`
/// listing when `services` is empty, with every file they import or include, into `dir`
/// (created if needed). Nothing is written unless every file was fetched and parses. The
/// client's TLS settings and time limit apply; no login is made.
///
/// ```no_run
/// # fn main() -> portabilling::Result<()> {
/// let client = portabilling::Client::builder("https://billing.example.com")
///     .ca_cert_file("/etc/ssl/operator-ca.pem")
///     .build()?;
/// let set = portabilling::wsdl::fetch(&client, &["Account", "Customer"], "wsdl")?;
/// println!("{} files", set.files.len());
/// # Ok(())
/// # }
/// ```
pub fn fetch<S: AsRef<str>>(
    client: &Client,
    services: &[S],
    dir: impl AsRef<Path>,
) -> Result<FetchedSet> {
    let mut names: Vec<String> = services.iter().map(|s| file_name(s.as_ref())).collect();
    if names.is_empty() {
        names = listing(client)?;
        if names.is_empty() {
            return Err(fetch_error(
                "",
                "the server's /wsdl/ listing shows no *AdminService.wsdl file",
            ));
        }
    }
    for name in &names {
        safe_path("", name).map_err(|why| fetch_error(name, &format!("`{name}` {why}")))?;
    }
    let mut fetched: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut queue: Vec<String> = names.clone();
    while let Some(path) = queue.pop() {
        if fetched.contains_key(&path) {
            continue;
        }
        if fetched.len() >= MAX_FILES {
            return Err(fetch_error(
                &path,
                &format!("the set holds more than {MAX_FILES} files"),
            ));
        }
        let body = get(client, &path)?;
        let references = check(&path, &body)?;
        for location in references {
            let target = safe_path(parent(&path), &location).map_err(|why| {
                fetch_error(
                    &path,
                    &format!("it refers to `{location}`, which {why}; nothing was written"),
                )
            })?;
            queue.push(target);
        }
        fetched.insert(path, body);
    }
    let dir = dir.as_ref();
    let mut files = Vec::new();
    for (path, body) in &fetched {
        write(dir, path, body)?;
        files.push((path.clone(), body.len()));
    }
    Ok(FetchedSet {
        services: names,
        files,
    })
}

/// The file name of a service given as `Account`, `AccountAdminService` or the file's name.
fn file_name(service: &str) -> String {
    let service = service.trim();
    if service.ends_with(".wsdl") {
        service.to_string()
    } else if service.ends_with("Service") {
        format!("{service}.wsdl")
    } else {
        format!("{service}AdminService.wsdl")
    }
}

/// The `*AdminService.wsdl` files the server's `/wsdl/` listing shows: links in an HTML
/// directory index, or one name per line.
fn listing(client: &Client) -> Result<Vec<String>> {
    let body = get(client, "")?;
    let text = String::from_utf8_lossy(&body);
    let mut names = Vec::new();
    let mut add = |candidate: &str| {
        let name = candidate
            .trim()
            .trim_start_matches("./")
            .rsplit('/')
            .next()
            .unwrap_or("");
        if name.ends_with("AdminService.wsdl") && !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
    };
    if text.contains("href=") {
        for part in text.split("href=").skip(1) {
            let quoted = part.trim_start_matches(['"', '\'']);
            let end = quoted.find(['"', '\'', '>', ' ']).unwrap_or(quoted.len());
            add(&quoted[..end]);
        }
    } else {
        text.lines().for_each(&mut add);
    }
    names.sort();
    Ok(names)
}

/// `GET /wsdl/<path>`, whole, or an error that says what came instead.
fn get(client: &Client, path: &str) -> Result<Vec<u8>> {
    let label = CallLabel {
        service: "wsdl",
        method: if path.is_empty() { "/wsdl/" } else { path },
        read_only: true,
    };
    let deadline = Deadline::after(client.call_timeout());
    let response = client
        .http()
        .get(label, &format!("/wsdl/{path}"), deadline)?;
    let status = response.status;
    let html = response
        .content_type
        .as_deref()
        .is_some_and(|c| c.to_ascii_lowercase().contains("html"));
    let mut reader = response.body;
    let body = read_all(label, &mut reader, response.content_length, MAX_FILE_BYTES)?;
    let shown = if path.is_empty() { "/wsdl/" } else { path };
    match status {
        200..=299 => {}
        404 => {
            return Err(fetch_error(
                shown,
                &format!("HTTP 404: the server has no /wsdl/{path}"),
            ))
        }
        other => return Err(fetch_error(shown, &format!("HTTP {other}"))),
    }
    if !path.is_empty() && (html || looks_like_html(&body)) {
        return Err(fetch_error(
            shown,
            "the server answered with an HTML page, not a WSDL or schema (a login page, or a \
             wrong URL?)",
        ));
    }
    Ok(body)
}

fn looks_like_html(body: &[u8]) -> bool {
    let start: Vec<u8> = body
        .iter()
        .copied()
        .skip_while(u8::is_ascii_whitespace)
        .take(15)
        .map(|b| b.to_ascii_lowercase())
        .collect();
    start.starts_with(b"<!doctype html") || start.starts_with(b"<html")
}

/// Checks that `body` is a WSDL or an XSD that parses, and returns the locations it imports
/// or includes.
fn check(path: &str, body: &[u8]) -> Result<Vec<String>> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(body);
    reader.config_mut().check_end_names = true;
    let mut root: Option<String> = None;
    let mut references = Vec::new();
    let mut depth = 0usize;
    loop {
        let event = reader.read_event().map_err(|e| {
            fetch_error(
                path,
                &format!(
                    "not well-formed XML at byte {}: {e}",
                    reader.buffer_position()
                ),
            )
        })?;
        let (tag, opens) = match &event {
            Event::Start(tag) => (tag, true),
            Event::Empty(tag) => (tag, false),
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                continue;
            }
            Event::DocType(_) => {
                return Err(fetch_error(
                    path,
                    "a DTD is not allowed in a WSDL or schema",
                ))
            }
            Event::Eof => break,
            _ => continue,
        };
        let local = tag.local_name().as_ref().to_string();
        if root.is_none() {
            if local != "definitions" && local != "schema" {
                return Err(fetch_error(
                    path,
                    &format!("the root element is <{local}>, not a WSDL or an XML schema"),
                ));
            }
            root = Some(local.clone());
        }
        if matches!(local.as_str(), "import" | "include" | "redefine") {
            for attr in tag.attributes().flatten() {
                let key = attr.key.local_name();
                if key.as_ref() == "schemaLocation" || key.as_ref() == "location" {
                    let value = attr
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map_err(|e| fetch_error(path, &format!("a bad attribute: {e}")))?;
                    references.push(value.into_owned());
                }
            }
        }
        if opens {
            depth += 1;
            if depth > 256 {
                return Err(fetch_error(path, "elements nest deeper than 256"));
            }
        }
    }
    if root.is_none() {
        return Err(fetch_error(path, "the file is empty"));
    }
    Ok(references)
}

/// The directory part of a path in the set (`""` at the top).
fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// `location`, relative to the directory `base` of the set, as a path inside the set; or why
/// it cannot be one.
fn safe_path(base: &str, location: &str) -> std::result::Result<String, &'static str> {
    if location.is_empty() {
        return Err("is empty");
    }
    if location.contains("://") || location.starts_with("//") {
        return Err("is on another server (only relative references can be saved)");
    }
    if location.starts_with('/') || location.contains('\\') || location.get(1..2) == Some(":") {
        return Err("is an absolute path");
    }
    if location.contains(['%', '?', '#']) || location.chars().any(char::is_control) {
        return Err("is not a plain file name");
    }
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    for part in location.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err("is outside the WSDL directory");
                }
            }
            name => parts.push(name),
        }
    }
    if parts.is_empty() {
        return Err("names no file");
    }
    Ok(parts.join("/"))
}

/// Writes one file of the set under `dir`, through a temporary file.
fn write(dir: &Path, path: &str, body: &[u8]) -> Result<()> {
    let target: PathBuf = path
        .split('/')
        .fold(dir.to_path_buf(), |p, part| p.join(part));
    let io = |what: &str, e: std::io::Error| Error::io(what, &target, e);
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent).map_err(|e| io("create the directory of", e))?;
    }
    let tmp = target.with_extension("part");
    std::fs::write(&tmp, body).map_err(|e| io("write", e))?;
    std::fs::rename(&tmp, &target).map_err(|e| io("rename into", e))
}

fn fetch_error(path: &str, message: &str) -> Error {
    Error::decode(
        "wsdl",
        if path.is_empty() { "/wsdl/" } else { path },
        message,
        None,
        b"",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_stay_inside_the_directory() {
        assert_eq!(
            safe_path("", "PortaBillingTypes.xsd").unwrap(),
            "PortaBillingTypes.xsd"
        );
        assert_eq!(safe_path("types", "../a.xsd").unwrap(), "a.xsd");
        assert_eq!(safe_path("", "./types/./b.xsd").unwrap(), "types/b.xsd");
        for hostile in [
            "../../etc/passwd",
            "types/../../x.xsd",
            "/etc/passwd",
            "C:\\\\x.xsd",
            "..\\\\x.xsd",
            "http://evil.example/x.xsd",
            "//evil.example/x.xsd",
            "a%2f..%2f..%2fx",
            "",
            ".",
        ] {
            assert!(safe_path("", hostile).is_err(), "{hostile}");
        }
    }

    #[test]
    fn service_names_become_file_names() {
        assert_eq!(file_name("Account"), "AccountAdminService.wsdl");
        assert_eq!(file_name("AccountAdminService"), "AccountAdminService.wsdl");
        assert_eq!(
            file_name("SessionCustomerService.wsdl"),
            "SessionCustomerService.wsdl"
        );
    }
}
