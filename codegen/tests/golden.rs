//! Golden files of generated code: one directory per construct under `tests/cases/`, each with
//! its own `service.wsdl` (and XSD files where the case needs them) and the code the generator
//! is expected to write for it, `expected.rs`. Warnings, if a case has any, are in
//! `expected.warnings`.
//!
//! After a deliberate change to the output, regenerate the expected files and review the diff:
//!
//! ```text
//! PORTABILLING_UPDATE_GOLDEN=1 cargo test -p portabilling-codegen --test golden
//! ```
//!
//! A case directory may hold an `options.txt` with `key = value` lines that change the
//! configuration: `runtime` (the runtime path), `client` (a client type) and `reserve` (module
//! names, separated by spaces).
// A test (bench, example) fails by panicking: unwrap and expect are its assertions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use portabilling_codegen::{Config, Generated};

const UPDATE_ENV: &str = "PORTABILLING_UPDATE_GOLDEN";

fn update() -> bool {
    std::env::var_os(UPDATE_ENV).is_some_and(|v| !v.is_empty() && v != "0")
}

/// The case directories, relative to the crate (tests run there), in name order.
fn cases() -> Vec<PathBuf> {
    let root = Path::new("tests/cases");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .expect("tests/cases exists")
        .map(|e| e.expect("readable directory entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty(), "no golden cases under tests/cases");
    dirs
}

/// The configuration of a case: its directory as the input, plus `options.txt`.
fn config(dir: &Path) -> Config {
    let mut config = Config::new();
    config.wsdl(dir);
    if let Ok(options) = std::fs::read_to_string(dir.join("options.txt")) {
        for line in options
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            let (key, value) = line
                .split_once('=')
                .unwrap_or_else(|| panic!("{}: `{line}` is not `key = value`", dir.display()));
            let value = value.trim();
            match key.trim() {
                "runtime" => config.runtime_path(value),
                "client" => config.client_type(value),
                "reserve" => config.reserve_module_names(value.split_whitespace()),
                other => panic!("{}: unknown option `{other}`", dir.display()),
            };
        }
    }
    config
}

fn generate(dir: &Path) -> Generated {
    config(dir)
        .generate()
        .unwrap_or_else(|e| panic!("{}: generation failed: {e}", dir.display()))
}

fn warnings_text(generated: &Generated) -> String {
    generated
        .warnings
        .iter()
        .map(|w| format!("{w}\n"))
        .collect::<String>()
        .replace('\\', "/")
}

/// Compares `actual` with the file at `path`, or rewrites the file in update mode. Returns a
/// description of the difference.
fn check_file(path: &Path, actual: &str) -> Option<String> {
    let expected = std::fs::read_to_string(path).ok();
    if update() {
        if actual.is_empty() {
            if expected.is_some() {
                std::fs::remove_file(path).expect("remove stale golden file");
            }
        } else if expected.as_deref() != Some(actual) {
            std::fs::write(path, actual).expect("write golden file");
        }
        return None;
    }
    let expected = expected.unwrap_or_default();
    if expected == actual {
        return None;
    }
    let line = expected
        .lines()
        .zip(actual.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
    Some(format!(
        "{} differs from the generated output at line {}:\n  expected: {:?}\n  actual:   {:?}",
        path.display(),
        line + 1,
        expected.lines().nth(line).unwrap_or("<end of file>"),
        actual.lines().nth(line).unwrap_or("<end of file>"),
    ))
}

#[test]
fn generated_code_matches_the_golden_files() {
    let mut failures = Vec::new();
    for dir in cases() {
        let generated = generate(&dir);
        failures.extend(check_file(&dir.join("expected.rs"), &generated.code));
        failures.extend(check_file(
            &dir.join("expected.warnings"),
            &warnings_text(&generated),
        ));
    }
    assert!(
        failures.is_empty(),
        "{}\n\nIf the change is intended, run with {UPDATE_ENV}=1 and review the diff.",
        failures.join("\n\n")
    );
}

#[test]
fn generation_is_deterministic() {
    for dir in cases() {
        let first = generate(&dir);
        let second = generate(&dir);
        assert_eq!(
            first.code,
            second.code,
            "{}: two runs differ",
            dir.display()
        );
        assert_eq!(first.warnings, second.warnings, "{}", dir.display());
    }
    let bundled = bundled_config(true);
    let first = bundled.generate().expect("bundled WSDLs generate");
    let second = bundled.generate().expect("bundled WSDLs generate");
    assert_eq!(
        first.code, second.code,
        "bundled output differs between runs"
    );
}

/// The bundled PortaBilling WSDLs, configured as the root crate's `build.rs` does (or with the
/// defaults, for code outside the crate).
fn bundled_config(as_build_rs: bool) -> Config {
    let mut config = Config::new();
    config.wsdl("../wsdl");
    if as_build_rs {
        config
            .runtime_path("crate::runtime")
            .client_type("crate::Client")
            .reserve_module_names([
                "auth",
                "client",
                "error",
                "history",
                "model",
                "paging",
                "redact",
                "registry",
                "rest",
                "runtime",
                "server",
                "sim",
                "soap",
                "transport",
            ]);
    }
    config
}

/// Runs `rustfmt` on `code` and returns where its output differs, or `None` when the code is
/// already formatted. The code goes through stdin from a scratch directory, so that no
/// `rustfmt.toml` of the checkout changes the defaults the emitter follows. (`rustfmt --check`
/// does not report a difference in its exit status for stdin, so the output is compared here.)
fn rustfmt_check(code: &str) -> Option<String> {
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2021"])
        .current_dir(std::env::temp_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("rustfmt runs (install it with `rustup component add rustfmt`)");
    let mut stdin = child.stdin.take().expect("piped stdin");
    let input = code.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().expect("rustfmt finishes");
    writer
        .join()
        .expect("writer thread")
        .expect("write to rustfmt");
    if !output.status.success() {
        return Some(format!(
            "rustfmt failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let formatted = String::from_utf8_lossy(&output.stdout);
    if formatted == code {
        return None;
    }
    Some(first_differences(code, &formatted))
}

/// The first few places where `formatted` differs from `code`, as `-`/`+` line pairs.
fn first_differences(code: &str, formatted: &str) -> String {
    let ours: Vec<&str> = code.lines().collect();
    let theirs: Vec<&str> = formatted.lines().collect();
    let (mut i, mut j) = (0, 0);
    let mut report = Vec::new();
    while report.len() < 5 && (i < ours.len() || j < theirs.len()) {
        if ours.get(i) == theirs.get(j) {
            i += 1;
            j += 1;
            continue;
        }
        // Resynchronise on the next line of ours that rustfmt's output has a little later.
        let resync = (i..ours.len().min(i + 40)).find_map(|a| {
            (j..theirs.len().min(j + 40))
                .find(|&b| ours[a] == theirs[b] && !ours[a].trim().is_empty())
                .map(|b| (a, b))
        });
        let (a, b) = resync.unwrap_or((ours.len(), theirs.len()));
        let mut hunk = format!("line {}:\n", i + 1);
        for line in &ours[i..a.min(i + 12)] {
            hunk.push_str(&format!("-{line}\n"));
        }
        for line in &theirs[j..b.min(j + 12)] {
            hunk.push_str(&format!("+{line}\n"));
        }
        report.push(hunk);
        (i, j) = (a, b);
    }
    report.join("\n")
}

#[test]
fn golden_files_are_rustfmt_clean() {
    let mut failures = Vec::new();
    for dir in cases() {
        let path = dir.join("expected.rs");
        let code = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (run with {UPDATE_ENV}=1)", path.display()));
        if let Some(report) = rustfmt_check(&code) {
            failures.push(format!("{}:\n{report}", path.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn bundled_output_is_rustfmt_clean() {
    for as_build_rs in [true, false] {
        let generated = bundled_config(as_build_rs)
            .generate()
            .expect("bundled WSDLs generate");
        if let Some(report) = rustfmt_check(&generated.code) {
            panic!("bundled output (as build.rs: {as_build_rs}) is not rustfmt-clean:\n{report}");
        }
    }
}
