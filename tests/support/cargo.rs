//! Running `cargo` from a test the way a user runs it from a shell.

use std::process::Command;

/// `cargo` as a user runs it: without the variables cargo sets for this test process, which
/// would otherwise count as a changed environment and rebuild dependencies (ring's build
/// script watches `CARGO_MANIFEST_DIR`) in the shared target directory.
pub fn user_cargo() -> Command {
    let mut cargo = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if (name.starts_with("CARGO_") && name != "CARGO_HOME" && name != "CARGO_TARGET_DIR")
            || name == "OUT_DIR"
        {
            cargo.env_remove(&*name);
        }
    }
    cargo
}
