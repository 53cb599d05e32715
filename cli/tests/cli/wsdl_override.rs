//! A user's own WSDLs (`PORTABILLING_WSDL_DIR`): the set is fetched from a server (the
//! simulator, which publishes its WSDLs at `/wsdl/`) with `wsdl::fetch`, one bundled service is
//! changed and two are added, and the crate builds from the directory as a user builds it, with
//! `PORTABILLING_SERVICES` naming the added services to keep. The `portabilling` command built
//! so knows the new method, reads the new field, and calls the server.
//!
//! This runs `cargo build` with the override directory in a target directory of its own
//! (`target/wsdl-override`), so the first run compiles the dependencies again: a minute or two.

use crate::support::cargo::user_cargo;
use portabilling::sim::{SimConfig, Simulator};
use portabilling::Client;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root, where the library, its WSDLs and its build script are.
fn manifest_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// Writes the user's WSDL directory: the set the server publishes, fetched, then shared types
/// whose AccountInfo has one field more, and a UA and a Lab service the bundle lacks.
fn write_user_wsdls(dir: &Path, server: &Client) {
    let bundled = manifest_dir().join("wsdl");
    let _ = std::fs::remove_dir_all(dir);
    let set = portabilling::wsdl::fetch::<&str>(server, &[], dir).expect("fetch the WSDL set");
    assert_eq!(set.services.len(), 12, "{set:?}");
    // The set is the server's, byte for byte: every service and the shared schema it imports.
    for (file, _) in &set.files {
        assert_eq!(
            std::fs::read(dir.join(file)).expect("fetched file"),
            std::fs::read(bundled.join(file)).expect("bundled file"),
            "{file}"
        );
    }
    assert!(set.files.iter().any(|(f, _)| f == "PortaBillingTypes.xsd"));
    // A server's /wsdl/ holds its shared types file too; this one's AccountInfo has a field
    // the bundle lacks.
    let types = std::fs::read_to_string(bundled.join("PortaBillingTypes.xsd")).expect("types");
    let start = types
        .find("<xsd:complexType name=\"AccountInfo\">")
        .expect("AccountInfo in the bundled types");
    let sequence = start
        + types[start..]
            .find("<xsd:sequence>")
            .expect("AccountInfo has a sequence")
        + "<xsd:sequence>".len();
    let types = format!(
        "{}\n      <xsd:element name=\"x_loyalty_tier\" type=\"xsd:string\" minOccurs=\"0\">\
         <xsd:annotation><xsd:documentation>The operator's own loyalty tier.</xsd:documentation>\
         </xsd:annotation></xsd:element>{}",
        &types[..sequence],
        &types[sequence..]
    );
    std::fs::write(dir.join("PortaBillingTypes.xsd"), types).expect("write the types");

    // The UA service, shaped like the bundled Env service.
    let env = std::fs::read_to_string(bundled.join("EnvAdminService.wsdl")).expect("Env WSDL");
    let ua = env
        .replace("Environment", "\u{0}")
        .replace("Env", "UA")
        .replace("env_", "ua_")
        .replace("i_env", "i_ua")
        .replace('\u{0}', "Environment");
    assert!(ua.contains("get_ua_info") && ua.contains("UAAdminService"));
    std::fs::write(dir.join("UAAdminService.wsdl"), ua).expect("write UA");
    // And a Lab service, which PORTABILLING_SERVICES leaves out.
    let lab = env
        .replace("Environment", "\u{0}")
        .replace("Env", "Lab")
        .replace("env_", "lab_")
        .replace("i_env", "i_lab")
        .replace('\u{0}', "Environment");
    std::fs::write(dir.join("LabAdminService.wsdl"), lab).expect("write Lab");
}

#[test]
fn the_build_takes_a_users_wsdls_and_the_command_uses_them() {
    let target = manifest_dir().join("target");
    let wsdl_dir = target.join("user-wsdl-test");
    let sim = Simulator::start(SimConfig {
        accounts: 5,
        ..SimConfig::default()
    })
    .expect("simulator");
    let server = Client::builder(sim.url()).build().expect("client");
    write_user_wsdls(&wsdl_dir, &server);

    // The command with the fewest services it can have: its simulator and ESPF listener need
    // Account, Customer, DID and Invoice, which must keep compiling against the user's
    // Account.
    let build = user_cargo()
        .current_dir(manifest_dir())
        .args([
            "build",
            "--quiet",
            "-p",
            "portabilling-cli",
            "--bin",
            "portabilling",
            "--no-default-features",
            "--message-format",
            "json-render-diagnostics",
        ])
        .env("PORTABILLING_WSDL_DIR", &wsdl_dir)
        .env("PORTABILLING_SERVICES", "UA, Session")
        // A target directory of its own: sharing the outer one would make each build undo the
        // other's artifacts (other features, other WSDLs).
        .env("CARGO_TARGET_DIR", target.join("user-builds"))
        .output()
        .expect("cargo runs");
    assert!(
        build.status.success(),
        "the build with the user's WSDLs failed:\n{}",
        String::from_utf8_lossy(&build.stderr)
    );
    // The user's set replaces the bundled files of the same name without a warning per type.
    let stderr = String::from_utf8_lossy(&build.stderr);
    assert!(!stderr.contains("declared again"), "{stderr}");
    let binary = String::from_utf8_lossy(&build.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "portabilling")
        .filter_map(|m| m["executable"].as_str().map(PathBuf::from))
        .next_back()
        .expect("cargo names the built binary");

    let run = |args: &[&str], stdin: Option<&str>| {
        use std::io::Write as _;
        let mut child = Command::new(&binary)
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("the built command runs");
        let mut input = child.stdin.take().expect("stdin");
        input
            .write_all(stdin.unwrap_or_default().as_bytes())
            .expect("write stdin");
        drop(input);
        let out = child.wait_with_output().expect("the command ends");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };

    // The added service named in PORTABILLING_SERVICES is there, with its methods; the added
    // service it does not name is not, nor the bundled services whose features are off.
    let services = run(&["services"], None);
    assert!(services.contains("UA"), "{services}");
    assert!(services.contains("Session"), "{services}");
    assert!(services.contains("Account"), "{services}");
    assert!(!services.contains("Lab"), "{services}");
    assert!(!services.contains("Subscription"), "{services}");
    let methods = run(&["methods", "UA"], None);
    assert!(
        methods.contains("get_ua_info") && methods.contains("get_ua_list"),
        "{methods}"
    );
    let describe = run(&["describe", "UA", "get_ua_info"], None);
    assert!(describe.contains("UAAdminService.wsdl"), "{describe}");
    assert!(describe.contains("/rest/UA/get_ua_info"), "{describe}");

    // The changed service: the new field is documented and decoded as a typed field.
    let describe = run(&["describe", "Account", "get_account_info"], None);
    assert!(
        describe.contains("x_loyalty_tier")
            && describe.contains("The operator's own loyalty tier."),
        "{describe}"
    );
    let response = r#"<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xmlns:xsd="http://www.w3.org/2001/XMLSchema">
  <soap:Body>
    <ns:get_account_infoResponse xmlns:ns="https://billing.example.com/Porta/SOAP/Account">
      <account_info>
        <i_account xsi:type="xsd:long">7</i_account>
        <x_loyalty_tier xsi:type="xsd:string">gold</x_loyalty_tier>
      </account_info>
    </ns:get_account_infoResponse>
  </soap:Body>
</soap:Envelope>"#;
    let json = run(&["decode", "Account", "get_account_info"], Some(response));
    let json: serde_json::Value = serde_json::from_str(&json).expect("decode prints JSON");
    assert_eq!(json["account_info"]["x_loyalty_tier"], "gold", "{json}");
    assert_eq!(json["account_info"]["i_account"], 7, "{json}");

    let ua = r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Body><get_ua_infoResponse><ua_info><i_ua>3</i_ua><name>edge</name></ua_info>
  </get_ua_infoResponse></soap:Body></soap:Envelope>"#;
    let json = run(&["decode", "UA", "get_ua_info"], Some(ua));
    let json: serde_json::Value = serde_json::from_str(&json).expect("decode prints JSON");
    assert_eq!(json["ua_info"]["i_ua"], 3, "{json}");
    assert_eq!(json["ua_info"]["name"], "edge", "{json}");

    // And the command built from the fetched set calls the server it came from.
    let json = run(
        &[
            "call",
            "--url",
            &sim.url(),
            "--login",
            sim.login(),
            "--password",
            sim.password(),
            "Account",
            "get_account_info",
            r#"{"i_account": 3}"#,
        ],
        None,
    );
    let json: serde_json::Value = serde_json::from_str(&json).expect("call prints JSON");
    assert_eq!(json["account_info"]["i_account"], 3, "{json}");
}

/// A user's service named like one of the crate's modules gets another module name; that only
/// works while build.rs reserves every module name of the crate.
#[test]
fn build_rs_reserves_every_module_name_of_the_crate() {
    let lib = std::fs::read_to_string(manifest_dir().join("src/lib.rs")).expect("src/lib.rs");
    let build = std::fs::read_to_string(manifest_dir().join("build.rs")).expect("build.rs");
    let reserved = &build[build
        .find(".reserve_module_names(")
        .expect("a reserve list")..];
    let reserved = &reserved[..reserved.find(')').expect("the list ends")];
    let modules: Vec<&str> = lib
        .lines()
        .map(str::trim)
        .filter_map(|l| {
            l.strip_prefix("pub mod ")
                .or_else(|| l.strip_prefix("mod "))
        })
        .filter_map(|l| l.strip_suffix(';'))
        .collect();
    assert!(modules.len() > 10, "{modules:?}");
    for module in modules {
        assert!(
            reserved.contains(&format!("\"{module}\"")),
            "build.rs does not reserve the module name {module:?}"
        );
    }
}
