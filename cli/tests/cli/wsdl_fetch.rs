//! `portabilling wsdl fetch` against the simulator, which publishes its WSDL set at `/wsdl/`.

use crate::support::scratch::Scratch;

fn scratch(name: &str) -> Scratch {
    Scratch::absent(&format!("cli-fetch-{name}"))
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
