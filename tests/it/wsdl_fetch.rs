//! `wsdl::fetch` against servers that publish odd or hostile WSDL sets: references that climb
//! out of the directory, absolute paths, other hosts, loops, HTML pages, missing files and
//! schemas that do not parse. Nothing may be written outside the directory, and a failed fetch
//! writes nothing at all.

use std::collections::BTreeMap;
use std::io::{BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;

use crate::support::http_request::read_request;
use crate::support::scratch::Scratch;
use portabilling::Client;

/// A server on 127.0.0.1 that answers `GET <path>` from `files` (path → content type and
/// body), and 404 otherwise.
fn serve(files: Vec<(&str, &str, String)>) -> String {
    let files: Arc<BTreeMap<String, (String, String)>> = Arc::new(
        files
            .into_iter()
            .map(|(path, ct, body)| (path.to_string(), (ct.to_string(), body)))
            .collect(),
    );
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let files = Arc::clone(&files);
            std::thread::spawn(move || {
                let mut writer = stream.try_clone().unwrap();
                let mut reader = BufReader::new(stream);
                while let Some((head, _)) = read_request(&mut reader) {
                    let path = head.split_whitespace().nth(1).unwrap_or("").to_string();
                    let (status, ct, body) = match files.get(&path) {
                        Some((ct, body)) => (200, ct.clone(), body.clone()),
                        None => (404, "text/html".into(), "<h1>Not Found</h1>".into()),
                    };
                    let _ = write!(
                        writer,
                        "HTTP/1.1 {status} X\r\nContent-Type: {ct}\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    );
                }
            });
        }
    });
    url
}

fn wsdl(imports: &[&str]) -> String {
    let imports: String = imports
        .iter()
        .map(|l| format!(r#"<xsd:import namespace="urn:t" schemaLocation="{l}"/>"#))
        .collect();
    format!(
        r#"<?xml version="1.0"?>
<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"
  xmlns:xsd="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:s">
  <wsdl:types><xsd:schema targetNamespace="urn:s">{imports}</xsd:schema></wsdl:types>
</wsdl:definitions>"#
    )
}

fn schema(includes: &[&str]) -> String {
    let includes: String = includes
        .iter()
        .map(|l| format!(r#"<xsd:include schemaLocation="{l}"/>"#))
        .collect();
    format!(r#"<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema">{includes}</xsd:schema>"#)
}

fn scratch(name: &str) -> Scratch {
    Scratch::absent(&format!("fetch-{name}"))
}

fn fetch(url: &str, services: &[&str], dir: &Path) -> portabilling::Result<Vec<String>> {
    let client = Client::builder(url).build()?;
    portabilling::wsdl::fetch(&client, services, dir)
        .map(|set| set.files.into_iter().map(|(f, _)| f).collect())
}

#[test]
fn follows_imports_and_includes_once_each_loops_too() {
    let url = serve(vec![
        (
            "/wsdl/AAdminService.wsdl",
            "text/xml",
            wsdl(&["types/common.xsd", "shared.xsd"]),
        ),
        (
            "/wsdl/BAdminService.wsdl",
            "text/xml",
            wsdl(&["shared.xsd"]),
        ),
        // A loop: common includes shared, shared includes common (through `..`).
        (
            "/wsdl/types/common.xsd",
            "text/xml",
            schema(&["../shared.xsd"]),
        ),
        (
            "/wsdl/shared.xsd",
            "text/xml",
            schema(&["./types/common.xsd"]),
        ),
        (
            "/wsdl/",
            "text/html",
            r#"<html><a href="AAdminService.wsdl">A</a> <a href='BAdminService.wsdl'>B</a>
               <a href="SessionCustomerService.wsdl">realm</a></html>"#
                .into(),
        ),
    ]);
    let dir = scratch("loop");
    let files = fetch(&url, &[], &dir).unwrap();
    assert_eq!(
        files,
        [
            "AAdminService.wsdl",
            "BAdminService.wsdl",
            "shared.xsd",
            "types/common.xsd"
        ]
    );
    assert!(dir.join("types/common.xsd").is_file());
    // Named services: only those, with what they import.
    let dir = scratch("named");
    let files = fetch(&url, &["B"], &dir).unwrap();
    assert_eq!(
        files,
        ["BAdminService.wsdl", "shared.xsd", "types/common.xsd"]
    );
}

#[test]
fn hostile_locations_stop_the_fetch_and_nothing_is_written() {
    for (location, why) in [
        (
            "../../../../tmp/pb-escaped.xsd",
            "outside the WSDL directory",
        ),
        ("types/../../escaped.xsd", "outside the WSDL directory"),
        ("/etc/passwd", "absolute path"),
        ("http://attacker.example/evil.xsd", "another server"),
        ("//attacker.example/evil.xsd", "another server"),
        ("..\\..\\escaped.xsd", "absolute path"),
    ] {
        let url = serve(vec![
            (
                "/wsdl/AAdminService.wsdl",
                "text/xml",
                wsdl(&["ok.xsd", location]),
            ),
            ("/wsdl/ok.xsd", "text/xml", schema(&[])),
        ]);
        let dir = scratch("hostile");
        let error = fetch(&url, &["A"], &dir).expect_err(location);
        let message = error.to_string();
        assert!(
            message.contains(why) && message.contains("AAdminService.wsdl"),
            "{location}: {message}"
        );
        assert!(!dir.exists(), "{location}: nothing is written");
        assert!(!Path::new("/tmp/pb-escaped.xsd").exists());
    }
    // A service name that climbs out is refused too.
    let url = serve(vec![]);
    let error = fetch(&url, &["../../x.wsdl"], &scratch("name")).unwrap_err();
    assert!(error.to_string().contains("outside"), "{error}");
}

#[test]
fn html_pages_missing_files_and_broken_schemas_say_what_they_are() {
    let url = serve(vec![
        (
            "/wsdl/LoginAdminService.wsdl",
            "text/html",
            "<!DOCTYPE html><html><body>Please log in</body></html>".into(),
        ),
        (
            "/wsdl/SneakyAdminService.wsdl",
            "text/xml",
            "<!DOCTYPE html>\n<html><body>proxy error</body></html>".into(),
        ),
        (
            "/wsdl/BrokenAdminService.wsdl",
            "text/xml",
            "<wsdl:definitions xmlns:wsdl=\"x\"><types></wsdl:definitions>".into(),
        ),
        (
            "/wsdl/OtherAdminService.wsdl",
            "text/xml",
            "<catalog><item/></catalog>".into(),
        ),
        (
            "/wsdl/DtdAdminService.wsdl",
            "text/xml",
            "<!DOCTYPE x [<!ENTITY a \"b\">]><wsdl:definitions xmlns:wsdl=\"x\"/>".into(),
        ),
    ]);
    for (service, expected) in [
        ("Login", "HTML page"),
        ("Sneaky", "HTML page"),
        ("Missing", "HTTP 404"),
        ("Broken", "not well-formed XML"),
        ("Other", "not a WSDL"),
        ("Dtd", "DTD"),
    ] {
        let dir = scratch(service);
        let error = fetch(&url, &[service], &dir).expect_err(service);
        assert!(error.to_string().contains(expected), "{service}: {error}");
        assert!(!dir.exists(), "{service}: nothing is written");
    }
    // No listing and no names: the error says so.
    let error = fetch(&url, &[], &scratch("nolisting")).unwrap_err();
    assert!(error.to_string().contains("404"), "{error}");
}
