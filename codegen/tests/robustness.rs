//! Generation never panics: the bundled WSDLs (and the golden cases) cut short at many places
//! and garbled with random edits must give `Ok` or `Err`, never a panic, a hang or a stack
//! overflow. The edits come from a fixed seed, so a failure is reproducible; the variant that
//! failed is left in the scratch directory for a regression case. Set
//! `PORTABILLING_CODEGEN_FUZZ=<n>` for n times as many random variants.
// A test (bench, example) fails by panicking: unwrap and expect are its assertions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use portabilling_codegen::Config;

/// A small deterministic generator (xorshift64*), so that runs are reproducible without a
/// dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// How many times the default number of random variants to try: `PORTABILLING_CODEGEN_FUZZ`
/// (a longer run also uses other seeds, as each round draws new edits).
fn rounds() -> usize {
    std::env::var("PORTABILLING_CODEGEN_FUZZ")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
}

/// A fresh scratch directory under the target's temporary directory.
fn scratch(name: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir()
        .join(format!(
            "portabilling-codegen-robustness-{}",
            std::process::id()
        ))
        .join(format!("{name}-{n}"));
    std::fs::create_dir_all(&dir).expect("create scratch directory");
    dir
}

/// Writes `files` into a scratch directory and generates from its `*.wsdl` files. Returns
/// whether generation succeeded; panics (with the directory kept) if generation panicked.
fn generate(name: &str, files: &[(String, Vec<u8>)]) -> bool {
    let dir = scratch(name);
    for (file, bytes) in files {
        std::fs::write(dir.join(file), bytes).expect("write variant");
    }
    let result = catch_unwind(AssertUnwindSafe(|| Config::new().wsdl(&dir).generate()));
    match result {
        Ok(outcome) => {
            let _ = std::fs::remove_dir_all(&dir);
            outcome.is_ok()
        }
        Err(_) => panic!(
            "generation panicked on the variant kept in {}",
            dir.display()
        ),
    }
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The bundled WSDLs, each with the shared XSD it imports.
fn bundled() -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir("../wsdl")
        .expect("the bundled wsdl/ directory")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "wsdl" || e == "xsd"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                read(&p),
            )
        })
        .collect();
    files.sort();
    files
}

/// Edits that keep most of the text: flip a byte, replace it with XML punctuation, delete or
/// duplicate a range, cut a tag in two.
fn garble(rng: &mut Rng, bytes: &[u8]) -> Vec<u8> {
    const PUNCTUATION: &[u8] = b"<>/=\"':&;[]# \nx1-";
    let mut out = bytes.to_vec();
    for _ in 0..1 + rng.below(4) {
        if out.is_empty() {
            break;
        }
        let at = rng.below(out.len());
        match rng.below(6) {
            0 => out[at] ^= 1 << rng.below(8),
            1 => out[at] = PUNCTUATION[rng.below(PUNCTUATION.len())],
            2 => {
                let end = (at + rng.below(200)).min(out.len());
                out.drain(at..end);
            }
            3 => {
                let end = (at + rng.below(200)).min(out.len());
                let copy = out[at..end].to_vec();
                let to = rng.below(out.len());
                out.splice(to..to, copy);
            }
            4 => {
                // Swap two attribute values or names of the same length class.
                let other = rng.below(out.len());
                out.swap(at, other);
            }
            _ => out.insert(at, PUNCTUATION[rng.below(PUNCTUATION.len())]),
        }
    }
    out
}

/// Each bundled WSDL alone (with the XSD), cut at evenly spread places.
#[test]
fn truncated_wsdls_do_not_panic() {
    let files = bundled();
    let xsd: Vec<&(String, Vec<u8>)> = files.iter().filter(|(n, _)| n.ends_with(".xsd")).collect();
    let mut outcomes = [0usize; 2];
    for (name, bytes) in files.iter().filter(|(n, _)| n.ends_with(".wsdl")) {
        let step = (bytes.len() / 40).max(1);
        for cut in (0..bytes.len()).step_by(step) {
            let mut variant: Vec<(String, Vec<u8>)> = xsd.iter().map(|&f| f.clone()).collect();
            variant.push((name.clone(), bytes[..cut].to_vec()));
            outcomes[usize::from(generate("cut", &variant))] += 1;
        }
    }
    // Nearly every cut breaks the XML.
    assert!(
        outcomes[0] > outcomes[1],
        "errors {} vs successes {}",
        outcomes[0],
        outcomes[1]
    );
}

/// The shared XSD cut short, with one WSDL that imports it.
#[test]
fn truncated_xsd_does_not_panic() {
    let files = bundled();
    let (xsd_name, xsd) = files
        .iter()
        .find(|(n, _)| n.ends_with(".xsd"))
        .expect("the shared XSD");
    let wsdl = files
        .iter()
        .find(|(n, _)| n.starts_with("Session"))
        .expect("the Session WSDL");
    let step = (xsd.len() / 60).max(1);
    for cut in (0..xsd.len()).step_by(step) {
        generate(
            "xsd-cut",
            &[(xsd_name.clone(), xsd[..cut].to_vec()), wsdl.clone()],
        );
    }
}

/// Random edits, from a fixed seed, of each bundled WSDL and of the shared XSD.
#[test]
fn garbled_wsdls_do_not_panic() {
    let files = bundled();
    let mut rng = Rng(0x5eed_0fc0_de90_d5aa);
    for round in 0..12 * rounds() {
        for target in 0..files.len() {
            let variant: Vec<(String, Vec<u8>)> = files
                .iter()
                .enumerate()
                .filter(|(i, (n, _))| *i == target || n.ends_with(".xsd") || round % 4 == 0)
                .map(|(i, (n, b))| {
                    (
                        n.clone(),
                        if i == target {
                            garble(&mut rng, b)
                        } else {
                            b.clone()
                        },
                    )
                })
                .collect();
            generate("garbled", &variant);
        }
    }
}

/// Random edits of the golden feature cases, which use more of XSD than the bundled files.
#[test]
fn garbled_feature_cases_do_not_panic() {
    let mut rng = Rng(0xfeed_beef_1234_5678);
    let mut cases: Vec<PathBuf> = std::fs::read_dir("tests/cases")
        .expect("tests/cases")
        .map(|e| e.expect("directory entry").path())
        .collect();
    cases.sort();
    for case in cases {
        let mut files = Vec::new();
        collect(&case, &case, &mut files);
        for _ in 0..20 * rounds() {
            let target = rng.below(files.len());
            let variant: Vec<(String, Vec<u8>)> = files
                .iter()
                .enumerate()
                .map(|(i, (n, b))| {
                    (
                        n.clone(),
                        if i == target {
                            garble(&mut rng, b)
                        } else {
                            b.clone()
                        },
                    )
                })
                .collect();
            generate_tree("case", &variant);
        }
    }
}

/// The files of a case directory, with paths relative to it (cases have subdirectories).
fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("case directory")
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "wsdl" || e == "xsd") {
            let rel = path
                .strip_prefix(root)
                .expect("inside the case")
                .to_string_lossy()
                .into_owned();
            out.push((rel, read(&path)));
        }
    }
}

/// Like [`generate`], for files in subdirectories.
fn generate_tree(name: &str, files: &[(String, Vec<u8>)]) -> bool {
    let dir = scratch(name);
    for (file, bytes) in files {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("create directory");
        std::fs::write(path, bytes).expect("write variant");
    }
    match catch_unwind(AssertUnwindSafe(|| Config::new().wsdl(&dir).generate())) {
        Ok(outcome) => {
            let _ = std::fs::remove_dir_all(&dir);
            outcome.is_ok()
        }
        Err(_) => panic!(
            "generation panicked on the variant kept in {}",
            dir.display()
        ),
    }
}
