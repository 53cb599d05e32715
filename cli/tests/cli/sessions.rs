//! Sessions shared by separate processes of the command through a session file: one login for
//! runs in sequence and for runs starting together, the file private, logout clearing it.

use portabilling::sim::{SimConfig, Simulator};

fn sim(accounts: usize) -> Simulator {
    Simulator::start(SimConfig {
        accounts,
        ..SimConfig::default()
    })
    .unwrap()
}

#[test]
fn sessions_are_shared_across_processes_through_a_session_file() {
    let sim = sim(3);
    let dir = crate::support::scratch::Scratch::new("xproc");
    let file = dir.join("session.json");
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_portabilling"))
            .args(&args[..1])
            .args([
                "--url",
                &sim.url(),
                "--login",
                sim.login(),
                "--session-file",
            ])
            .arg(&file)
            .args(&args[1..])
            .env("PORTABILLING_PASSWORD", sim.password())
            .output()
            .unwrap()
    };
    assert!(run(&["login"]).status.success());
    let out = run(&["call", "Account", "get_account_info", r#"{"i_account": 2}"#]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        sim.stats().logins,
        1,
        "the second process reused the stored session"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let stored = std::fs::read_to_string(&file).unwrap();
    assert!(stored.contains("session_id"));

    // Four processes starting together with no session make one login between them.
    std::fs::remove_file(&file).unwrap();
    let children: Vec<_> = (0..4)
        .map(|i| {
            std::process::Command::new(env!("CARGO_BIN_EXE_portabilling"))
                .args([
                    "call",
                    "--url",
                    &sim.url(),
                    "--login",
                    sim.login(),
                    "--session-file",
                ])
                .arg(&file)
                .args([
                    "Account",
                    "get_account_info",
                    &format!(r#"{{"i_account": {}}}"#, 1 + i % 3),
                ])
                .env("PORTABILLING_PASSWORD", sim.password())
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    assert_eq!(sim.stats().logins, 2, "four processes, one more login");
    // Logout removes the stored session.
    assert!(run(&["logout"]).status.success());
    assert!(!std::fs::read_to_string(&file)
        .unwrap()
        .contains("session_id"));
}
