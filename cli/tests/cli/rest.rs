//! The command over REST: files written with `--output`, and the same answers as over SOAP.

use portabilling::sim::{SimConfig, Simulator};

fn sim(accounts: usize) -> Simulator {
    Simulator::start(SimConfig {
        accounts,
        ..SimConfig::default()
    })
    .unwrap()
}

#[test]
fn the_command_line_writes_files_and_speaks_rest() {
    let sim = sim(3);
    let dir = crate::support::scratch::Scratch::new("rest-cli");
    let pdf = dir.join("invoice.pdf");
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_portabilling"))
            .args(&args[..1])
            .args([
                "--url",
                &sim.url(),
                "--login",
                sim.login(),
                "--password",
                sim.password(),
                "--protocol",
                "rest",
            ])
            .args(&args[1..])
            .output()
            .unwrap()
    };
    let out = run(&["call", "Account", "get_account_info", r#"{"i_account":1}"#]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(value["account_info"]["id"], "sim-000001");
    let out = run(&[
        "call",
        "Invoice",
        "get_invoice_info",
        r#"{"i_invoice":3,"get_pdf":1}"#,
        "--output",
        pdf.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"));
    // SOAP and REST print the same JSON for the same call.
    let soap = std::process::Command::new(env!("CARGO_BIN_EXE_portabilling"))
        .args([
            "call",
            "--url",
            &sim.url(),
            "--login",
            sim.login(),
            "--password",
            sim.password(),
            "Account",
            "get_account_info",
            r#"{"i_account":1}"#,
        ])
        .output()
        .unwrap();
    assert_eq!(
        soap.stdout,
        run(&["call", "Account", "get_account_info", r#"{"i_account":1}"#]).stdout
    );
}
