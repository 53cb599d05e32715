//! `portabilling wsdl fetch` against the simulator, which publishes its WSDL set at `/wsdl/`.

use std::path::PathBuf;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pb-cli-fetch-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn the_command_fetches_the_simulators_set() {
    let sim = portabilling::sim::Simulator::start(Default::default()).unwrap();
    let dir = scratch("sim");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_portabilling"))
        .args(["wsdl", "fetch", "--url", &sim.url(), "--out"])
        .arg(&dir)
        .arg("Account")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("1 services, 2 files") && stdout.contains("PORTABILLING_WSDL_DIR="),
        "{stdout}"
    );
    assert!(dir.join("AccountAdminService.wsdl").is_file());
    assert!(dir.join("PortaBillingTypes.xsd").is_file());
}
