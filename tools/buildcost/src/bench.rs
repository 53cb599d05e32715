//! The build-cost table: for the bundled services alone and then for each synthetic set size,
//! a from-scratch debug build of the `portabilling` crate alone (`cargo clean -p portabilling`,
//! then `cargo build --lib --no-default-features --features all-services`), in a target
//! directory of its own whose dependencies are built once beforehand. Each row reports the
//! API's size, the generated source, the build's wall time, rustc's peak memory and the rlib,
//! as `codegen-scaling.md` measured them, so that a change to the generated code can be judged
//! against the same figures.

use std::ffi::OsString;
use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::synth;
use crate::wrap::{self, Record, Unit};

/// The targets for the ~1,800-operation set and the bundled build.
const TARGET_BUILD_S: f64 = 60.0;
const TARGET_PEAK_GB: f64 = 2.0;
const TARGET_RLIB_MB: f64 = 200.0;
const TARGET_BUNDLED_S: f64 = 10.0;
/// The smallest set the ~1,800-operation targets are checked on.
const LARGE_SET: usize = 1500;

/// What to measure, and where.
#[derive(Clone, Debug)]
pub struct Options {
    /// The synthetic set sizes, in operations, measured after the bundled row.
    pub sizes: Vec<usize>,
    /// The seed of the synthetic sets.
    pub seed: u64,
    /// The directory of the `portabilling` package (its `Cargo.toml` and `wsdl/`).
    pub crate_dir: PathBuf,
    /// The cargo target directory of the measured builds; the generated sources of each row
    /// are kept under it, in `buildcost-generated/`.
    pub target_dir: PathBuf,
    /// How long to wait, before each measured build, for the machine to be idle (other
    /// processes below [`IDLE_CORES`] for [`IDLE_SAMPLE`]); after that the build starts anyway.
    /// Zero starts at once.
    pub wait_idle: Duration,
    /// Builds per row (at least one). A row reports the build of median wall time: on a
    /// shared or virtual machine one build's time swings by a tenth or more.
    pub runs: usize,
}

/// The CPU, in cores, under which other processes leave the machine idle enough to measure.
pub const IDLE_CORES: f64 = 0.15;

/// How long the machine must stay idle before a measured build starts.
pub const IDLE_SAMPLE: Duration = Duration::from_secs(15);

/// A failed measurement, with what was being done.
#[derive(Debug)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

fn error(context: impl fmt::Display, e: impl fmt::Display) -> Error {
    Error(format!("{context}: {e}"))
}

/// One row of the table.
#[derive(Clone, Debug, Default)]
pub struct Row {
    /// The synthetic operations added to the bundled set; 0 for the bundled set alone.
    pub synthetic: usize,
    /// Operations of the build, bundled ones included.
    pub operations: usize,
    /// Generated structs.
    pub structs: usize,
    /// Fields of those structs.
    pub fields: usize,
    /// Size of the generated source, in bytes.
    pub generated_bytes: u64,
    /// Lines of the generated source.
    pub generated_lines: usize,
    /// Wall time of the whole `cargo build`, in seconds: the median build's.
    pub build_s: f64,
    /// The wall times of all the row's builds, shortest first (one unless `--runs` says more).
    pub build_runs: Vec<f64>,
    /// Wall time of the build script's run (code generation), in seconds.
    pub script_s: Option<f64>,
    /// Wall time of rustc on the library, in seconds.
    pub rustc_s: Option<f64>,
    /// CPU time of rustc on the library, in seconds.
    pub rustc_cpu_s: Option<f64>,
    /// Peak resident memory of rustc on the library, in KiB.
    pub peak_kib: Option<u64>,
    /// Size of `libportabilling-*.rlib`, in bytes.
    pub rlib_bytes: Option<u64>,
    /// The CPU that other processes took during the build, in cores on average: other work
    /// on the machine slows the build down, and this says how much there was.
    pub other_cores: Option<f64>,
}

impl Row {
    fn label(&self) -> String {
        if self.synthetic == 0 {
            "bundled only".to_string()
        } else {
            format!("+{} synthetic", self.synthetic)
        }
    }

    fn peak_gb(&self) -> Option<f64> {
        self.peak_kib.map(|k| k as f64 * 1024.0 / 1e9)
    }

    fn rlib_mb(&self) -> Option<f64> {
        self.rlib_bytes.map(|b| b as f64 / 1e6)
    }
}

/// The markdown header of the table.
pub const HEADER: &str = "| API size | operations | structs | fields | generated Rust (MB) | \
generated lines | crate build (s) | build script (s) | rustc (s) | rustc CPU (s) | \
rustc peak (GB) | rlib (MB) | other load (cores) |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|";

/// The markdown line of a row.
pub fn format_row(row: &Row) -> String {
    let opt = |v: Option<f64>, digits: usize| match v {
        Some(v) => format!("{v:.digits$}"),
        None => "n/a".to_string(),
    };
    format!(
        "| {} | {} | {} | {} | {:.1} | {} | {:.1} | {} | {} | {} | {} | {} | {} |",
        row.label(),
        thousands(row.operations),
        thousands(row.structs),
        thousands(row.fields),
        row.generated_bytes as f64 / 1e6,
        thousands(row.generated_lines),
        row.build_s,
        opt(row.script_s, 1),
        opt(row.rustc_s, 1),
        opt(row.rustc_cpu_s, 1),
        opt(row.peak_gb(), 2),
        opt(row.rlib_mb(), 0),
        opt(row.other_cores, 2),
    )
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The lines that hold the rows against the targets: crate build ≤ 60 s, rustc peak ≤ 2 GB
/// and rlib ≤ 200 MB for the ~1,800-operation set (the largest row of at least 1,500
/// synthetic operations), and a bundled build ≤ 10 s.
pub fn format_targets(rows: &[Row]) -> String {
    let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
    let mut out = String::new();
    let large = rows
        .iter()
        .filter(|r| r.synthetic >= LARGE_SET)
        .max_by_key(|r| r.synthetic);
    match large {
        Some(row) => {
            let peak = row.peak_gb();
            let rlib = row.rlib_mb();
            out.push_str(&format!(
                "Targets at {} operations ({}): crate build {:.1} s{} (≤ {TARGET_BUILD_S} s: {}), \
                 rustc peak {} (≤ {TARGET_PEAK_GB} GB: {}), rlib {} (≤ {TARGET_RLIB_MB} MB: {}).\n",
                thousands(row.operations),
                row.label(),
                row.build_s,
                runs_text(row),
                verdict(row.build_s <= TARGET_BUILD_S),
                peak.map_or("n/a".into(), |p| format!("{p:.2} GB")),
                verdict(peak.is_some_and(|p| p <= TARGET_PEAK_GB)),
                rlib.map_or("n/a".into(), |r| format!("{r:.0} MB")),
                verdict(rlib.is_some_and(|r| r <= TARGET_RLIB_MB)),
            ));
        }
        None => out.push_str(
            "Targets at ~1,800 operations: not measured (no set of 1,500 operations or more; \
             add 1800 to --sizes).\n",
        ),
    }
    if let Some(row) = rows.iter().find(|r| r.synthetic == 0) {
        out.push_str(&format!(
            "Target for the bundled build: {:.1} s{} (≤ {TARGET_BUNDLED_S} s: {}).\n",
            row.build_s,
            runs_text(row),
            verdict(row.build_s <= TARGET_BUNDLED_S)
        ));
    }
    out
}

/// `" (median of 3: 54.4, 58.1, 66.3 s)"` for a row of several builds; nothing for one.
fn runs_text(row: &Row) -> String {
    if row.build_runs.len() < 2 {
        return String::new();
    }
    let times: Vec<String> = row.build_runs.iter().map(|t| format!("{t:.1}")).collect();
    format!(
        " (median of {}: {} s)",
        row.build_runs.len(),
        times.join(", ")
    )
}

/// The index of the median of `times` (the lower of the two middle ones for an even count).
fn median_index(times: &[f64]) -> Option<usize> {
    let mut order: Vec<usize> = (0..times.len()).collect();
    order.sort_by(|&a, &b| times[a].total_cmp(&times[b]));
    order.get(times.len().checked_sub(1)? / 2).copied()
}

/// Waits up to `limit` for the machine to stay idle for [`IDLE_SAMPLE`]: a build that starts
/// while another one runs measures both.
fn wait_for_idle(limit: Duration) {
    if limit.is_zero() {
        return;
    }
    let started = Instant::now();
    let mut told = false;
    loop {
        let Some(before) = machine_busy_s() else {
            return;
        };
        std::thread::sleep(IDLE_SAMPLE);
        let Some(after) = machine_busy_s() else {
            return;
        };
        // Nothing of ours runs while we sleep, so all the busy time is other processes'.
        let cores = (after - before) / IDLE_SAMPLE.as_secs_f64();
        if cores < IDLE_CORES {
            return;
        }
        if started.elapsed() >= limit {
            progress(&format!(
                "the machine is still busy ({cores:.2} cores); measuring anyway"
            ));
            return;
        }
        if !told {
            progress(&format!(
                "waiting for the machine to be idle (other processes use {cores:.2} cores)"
            ));
            told = true;
        }
    }
}

/// The busy CPU time of the whole machine so far, in seconds, where `/proc/stat` tells it.
fn machine_busy_s() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let ticks: Vec<u64> = stat
        .lines()
        .next()?
        .strip_prefix("cpu ")?
        .split_whitespace()
        .map(|t| t.parse().ok())
        .collect::<Option<_>>()?;
    // user nice system idle iowait irq softirq steal: all but idle and iowait are busy.
    let busy: u64 = ticks
        .iter()
        .take(8)
        .enumerate()
        .filter(|(i, _)| *i != 3 && *i != 4)
        .map(|(_, t)| t)
        .sum();
    // /proc/stat counts in USER_HZ, which Linux fixes at 100 for user space.
    Some(busy as f64 / 100.0)
}

/// Measures the bundled row and one row per size, calling `report` with each row as soon as
/// it is measured (a large row takes minutes).
pub fn run(options: &Options, mut report: impl FnMut(&Row)) -> Result<Vec<Row>, Error> {
    let bench = Bench::new(options)?;
    progress("building the dependencies once (not measured)");
    bench.build(None, &bench.generated_path(0))?;
    let mut rows = Vec::new();
    let row = bench.measure(None, 0)?;
    report(&row);
    rows.push(row);
    let sets = std::env::temp_dir().join(format!("portabilling-buildcost-{}", std::process::id()));
    for &size in &options.sizes {
        let dir = sets.join(format!("ops-{size}"));
        let summary = synth::write_set(&dir, size, options.seed)
            .map_err(|e| error(format_args!("writing a set to {}", dir.display()), e))?;
        let measured = bench.measure(Some((&dir, &summary)), size);
        // The set is cheap to write again; do not leave megabytes of WSDL behind.
        let _ = std::fs::remove_dir_all(&dir);
        let row = measured?;
        report(&row);
        rows.push(row);
    }
    let _ = std::fs::remove_dir(&sets);
    Ok(rows)
}

fn progress(what: &str) {
    eprintln!("buildcost: {what}");
}

/// What one `cargo build` measured.
struct Build {
    wall_s: f64,
    records: Vec<Record>,
    other_cores: Option<f64>,
}

struct Bench<'a> {
    options: &'a Options,
    cargo: OsString,
    manifest: PathBuf,
    wrapper: PathBuf,
    record: PathBuf,
    /// Fields of the bundled set, which no summary reports.
    bundled_fields: usize,
}

impl<'a> Bench<'a> {
    fn new(options: &'a Options) -> Result<Self, Error> {
        let manifest = options.crate_dir.join("Cargo.toml");
        if !manifest.is_file() {
            return Err(Error(format!(
                "{} is not the portabilling package (no Cargo.toml): use --crate-dir",
                options.crate_dir.display()
            )));
        }
        let wrapper = std::env::current_exe()
            .map_err(|e| error("finding this program, to use it as RUSTC_WRAPPER", e))?;
        let out = options.target_dir.join("buildcost-generated");
        std::fs::create_dir_all(&out).map_err(|e| error(out.display(), e))?;
        Ok(Bench {
            options,
            // `cargo run` tells the program which cargo it came from.
            cargo: std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()),
            manifest,
            wrapper,
            record: out.join("rustc-records.tsv"),
            bundled_fields: bundled_fields(&options.crate_dir.join("wsdl"))?,
        })
    }

    fn generated_path(&self, synthetic: usize) -> PathBuf {
        let name = if synthetic == 0 {
            "bundled.rs".to_string()
        } else {
            format!("synthetic-{synthetic}.rs")
        };
        self.options
            .target_dir
            .join("buildcost-generated")
            .join(name)
    }

    fn cargo(&self, args: &[&str]) -> Command {
        let mut command = Command::new(&self.cargo);
        command
            .args(args)
            .arg("--manifest-path")
            .arg(&self.manifest)
            .arg("--target-dir")
            .arg(&self.options.target_dir)
            .env_remove("PORTABILLING_WSDL_DIR")
            .env_remove("PORTABILLING_CODEGEN_OUT")
            // As a user's build compiles the crate: a dependency from a registry or git is
            // built without incremental compilation (only workspace members and path
            // dependencies get it), which in this workspace the crate would otherwise have.
            .env("CARGO_INCREMENTAL", "0");
        command
    }

    /// One `cargo build` of the library against `set` (none: the bundled set alone), with the
    /// wrapper recording rustc.
    fn build(&self, set: Option<&Path>, generated: &Path) -> Result<Build, Error> {
        let _ = std::fs::remove_file(&self.record);
        let mut command = self.cargo(&[
            "build",
            "--lib",
            "--no-default-features",
            "--features",
            "all-services",
            "-p",
            "portabilling",
        ]);
        command
            .env("RUSTC_WRAPPER", &self.wrapper)
            .env(wrap::RECORD_ENV, &self.record)
            .env("PORTABILLING_CODEGEN_OUT", generated);
        if let Some(set) = set {
            command.env("PORTABILLING_WSDL_DIR", set);
        }
        let busy_before = machine_busy_s();
        let ours_before = wrap::children_cpu_s();
        let started = Instant::now();
        let output = command
            .output()
            .map_err(|e| error(format_args!("running {}", self.cargo.to_string_lossy()), e))?;
        let elapsed = started.elapsed().as_secs_f64();
        // The machine's busy time, less the build's own (cargo and all it waited for).
        let other_cores = match (
            busy_before,
            machine_busy_s(),
            ours_before,
            wrap::children_cpu_s(),
        ) {
            (Some(b0), Some(b1), Some(o0), Some(o1)) if elapsed > 0.0 => {
                Some(((b1 - b0) - (o1 - o0)).max(0.0) / elapsed)
            }
            _ => None,
        };
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let tail: Vec<&str> = stderr.lines().rev().take(40).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            return Err(Error(format!(
                "cargo build failed ({}):\n{}",
                output.status,
                tail.join("\n")
            )));
        }
        let records = std::fs::read_to_string(&self.record)
            .map(|text| Record::parse_all(&text))
            .unwrap_or_default();
        Ok(Build {
            wall_s: elapsed,
            records,
            other_cores,
        })
    }

    fn measure(
        &self,
        set: Option<(&Path, &synth::Summary)>,
        synthetic: usize,
    ) -> Result<Row, Error> {
        let what = if synthetic == 0 {
            "the bundled services".to_string()
        } else {
            format!("{synthetic} synthetic operations")
        };
        progress(&format!("{what}: counting"));
        let mut config = portabilling_codegen::Config::new();
        config.wsdl(self.options.crate_dir.join("wsdl"));
        if let Some((dir, _)) = set {
            config.override_dir(dir);
        }
        let stats = config
            .generate()
            .map_err(|e| error(format_args!("generating code for {what}"), e))?
            .stats;

        let generated = self.generated_path(synthetic);
        let runs = self.options.runs.max(1);
        let mut builds = Vec::with_capacity(runs);
        for run in 1..=runs {
            let status = self
                .cargo(&["clean", "-p", "portabilling"])
                .output()
                .map_err(|e| error("running cargo clean", e))?;
            if !status.status.success() {
                return Err(Error(format!(
                    "cargo clean -p portabilling failed: {}",
                    String::from_utf8_lossy(&status.stderr)
                )));
            }
            wait_for_idle(self.options.wait_idle);
            progress(&format!("{what}: building ({run} of {runs})"));
            let build = self.build(set.map(|(dir, _)| dir), &generated)?;
            let rlib = rlib_size(&self.options.target_dir.join("debug").join("deps"));
            builds.push((build, rlib));
        }
        let times: Vec<f64> = builds.iter().map(|(b, _)| b.wall_s).collect();
        let median = median_index(&times).ok_or_else(|| Error(format!("{what}: no build")))?;
        let mut build_runs = times;
        build_runs.sort_by(f64::total_cmp);
        let (
            Build {
                wall_s: build_s,
                records,
                other_cores,
            },
            rlib_bytes,
        ) = builds.swap_remove(median);
        let lib = records.iter().rev().find(|r| r.unit == Unit::Lib);
        let script = records.iter().rev().find(|r| r.unit == Unit::BuildScript);
        let code = std::fs::read(&generated).map_err(|e| error(generated.display(), e))?;
        let row = Row {
            synthetic,
            operations: stats.operations,
            structs: stats.structs,
            fields: self.bundled_fields + set.map_or(0, |(_, summary)| summary.fields),
            generated_bytes: code.len() as u64,
            generated_lines: code.iter().filter(|&&b| b == b'\n').count(),
            build_s,
            build_runs,
            script_s: lib
                .zip(script)
                .map(|(lib, script)| (lib.start - script.end).max(0.0)),
            rustc_s: lib.map(|r| r.end - r.start),
            rustc_cpu_s: lib.and_then(|r| r.cpu_s),
            peak_kib: lib.and_then(|r| r.peak_kib),
            rlib_bytes,
            other_cores,
        };
        if lib.is_none() {
            progress("no rustc record for the library: was RUSTC_WRAPPER overridden?");
        }
        Ok(row)
    }
}

/// The fields of the bundled WSDL and XSD files.
fn bundled_fields(dir: &Path) -> Result<usize, Error> {
    let entries = std::fs::read_dir(dir).map_err(|e| error(dir.display(), e))?;
    let mut fields = 0;
    for entry in entries {
        let path = entry.map_err(|e| error(dir.display(), e))?.path();
        let schema = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("wsdl") || e.eq_ignore_ascii_case("xsd"));
        if schema {
            let text = std::fs::read_to_string(&path).map_err(|e| error(path.display(), e))?;
            fields += synth::count_fields(&text);
        }
    }
    Ok(fields)
}

/// The size of the newest `libportabilling-*.rlib` in `deps`.
fn rlib_size(deps: &Path) -> Option<u64> {
    std::fs::read_dir(deps)
        .ok()?
        .filter_map(|e| e.ok())
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.starts_with("libportabilling-") && name.ends_with(".rlib")
        })
        .filter_map(|e| {
            let meta = e.metadata().ok()?;
            Some((meta.modified().ok()?, meta.len()))
        })
        .max()
        .map(|(_, len)| len)
}

/// Prints a row as soon as it is measured, flushing so that a long run shows its progress.
pub fn print_row(row: &Row) {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{}", format_row(row));
    let _ = stdout.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(28441), "28,441");
        assert_eq!(thousands(1234567), "1,234,567");
    }

    #[test]
    fn the_median_build_is_the_middle_one_or_the_lower_middle() {
        assert_eq!(median_index(&[]), None);
        assert_eq!(median_index(&[5.0]), Some(0));
        assert_eq!(median_index(&[66.3, 48.5, 50.0]), Some(2));
        assert_eq!(median_index(&[4.0, 1.0, 3.0, 2.0]), Some(3));
    }

    #[test]
    fn targets_name_the_large_row() {
        let rows = [
            Row {
                build_s: 12.0,
                ..Row::default()
            },
            Row {
                synthetic: 1800,
                operations: 1914,
                build_s: 50.0,
                peak_kib: Some(1_000_000),
                rlib_bytes: Some(300_000_000),
                ..Row::default()
            },
        ];
        let text = format_targets(&rows);
        assert!(text.contains("crate build 50.0 s (≤ 60 s: met)"), "{text}");
        assert!(text.contains("rlib 300 MB (≤ 200 MB: MISSED)"), "{text}");
        assert!(
            text.contains("bundled build: 12.0 s (≤ 10 s: MISSED)"),
            "{text}"
        );
        let several = Row {
            build_runs: vec![48.5, 50.0, 66.3],
            ..rows[1].clone()
        };
        let text = format_targets(&[several]);
        assert!(
            text.contains("crate build 50.0 s (median of 3: 48.5, 50.0, 66.3 s) (≤ 60 s: met)"),
            "{text}"
        );
    }
}
