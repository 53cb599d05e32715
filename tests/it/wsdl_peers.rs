//! The bundled WSDLs load in Python zeep and PHP's SoapClient, with the same operations the
//! generated code has. Both must be installed (`.ci/run` installs them: `pip install zeep`,
//! `apt-get install php-cli php-soap`).

use std::collections::BTreeMap;
use std::process::Command;

/// Runs a loader script and returns its `<file>: N operations` lines as a map.
fn load(program: &str, script: &str) -> BTreeMap<String, usize> {
    let root = env!("CARGO_MANIFEST_DIR");
    let output = Command::new(program)
        .arg(format!("{root}/tests/interop/{script}"))
        .arg(format!("{root}/wsdl"))
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program} ({e}): install it (see .ci/run)"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{program} failed to load the WSDLs:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
        .lines()
        .filter_map(|line| {
            let (file, rest) = line.split_once(".wsdl: ")?;
            let n = rest.strip_suffix(" operations")?.parse().ok()?;
            Some((file.to_string(), n))
        })
        .collect()
}

/// The generated operations per WSDL file.
fn generated() -> BTreeMap<String, usize> {
    portabilling::registry::services()
        .iter()
        .map(|s| {
            (
                s.source.trim_end_matches(".wsdl").to_string(),
                s.operations.len(),
            )
        })
        .collect()
}

#[test]
fn zeep_loads_every_bundled_wsdl() {
    let zeep = load("python3", "zeep_load.py");
    assert_eq!(zeep.len(), 12);
    assert_eq!(
        zeep,
        generated(),
        "zeep and the generated code disagree on the operations"
    );
}

#[test]
fn php_soapclient_loads_every_bundled_wsdl() {
    let php = load("php", "php_load.php");
    assert_eq!(php.len(), 12);
    assert_eq!(
        php,
        generated(),
        "PHP and the generated code disagree on the operations"
    );
}

#[test]
fn the_bundle_has_the_promised_size() {
    let services = portabilling::registry::services();
    let operations: usize = services.iter().map(|s| s.operations.len()).sum();
    assert!(services.len() >= 12, "{} services", services.len());
    assert!(operations >= 90, "{operations} operations");
}
