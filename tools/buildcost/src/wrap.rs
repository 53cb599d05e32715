//! The `RUSTC_WRAPPER` half of a measured build. Cargo runs `$RUSTC_WRAPPER <rustc> <args>`
//! for every compilation; this runs rustc as a child, passes its exit status on, and for the
//! compilations of the `portabilling` package (its library and its build script) appends one
//! line to the record file named by [`RECORD_ENV`]: which compilation, when it started and
//! ended, and rustc's peak resident memory. The peak comes from `getrusage(RUSAGE_CHILDREN)`
//! after the child is reaped, which is exact, where polling `/proc` could miss the last
//! allocations.

use std::ffi::OsString;
use std::io::Write as _;
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

/// The environment variable that turns the command into a rustc wrapper and names the file
/// it appends its records to.
pub const RECORD_ENV: &str = "PORTABILLING_BUILDCOST_RECORD";

/// The package whose compilations are recorded.
const PACKAGE: &str = "portabilling";

/// Which compilation of the package a record is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// The library (`--crate-name portabilling`).
    Lib,
    /// The build script's own compilation (`--crate-name build_script_build`). Its end marks
    /// the start of the build script's run, which ends when the library's compilation starts.
    BuildScript,
}

impl Unit {
    fn as_str(self) -> &'static str {
        match self {
            Unit::Lib => "lib",
            Unit::BuildScript => "build-script",
        }
    }
}

/// One recorded compilation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Record {
    /// What was compiled.
    pub unit: Unit,
    /// Start, in seconds since the Unix epoch.
    pub start: f64,
    /// End, in seconds since the Unix epoch.
    pub end: f64,
    /// rustc's peak resident set, in KiB, where the platform tells it.
    pub peak_kib: Option<u64>,
    /// rustc's user plus system CPU time, in seconds, where the platform tells it.
    pub cpu_s: Option<f64>,
}

impl Record {
    /// Reads the records of a record file's text; lines it does not understand are skipped.
    pub fn parse_all(text: &str) -> Vec<Record> {
        text.lines().filter_map(Record::parse).collect()
    }

    fn parse(line: &str) -> Option<Record> {
        let mut parts = line.split('\t');
        let unit = match parts.next()? {
            "lib" => Unit::Lib,
            "build-script" => Unit::BuildScript,
            _ => return None,
        };
        let start = parts.next()?.parse().ok()?;
        let end = parts.next()?.parse().ok()?;
        let peak_kib = parts.next()?.parse().ok();
        let cpu_s = parts.next()?.parse().ok();
        Some(Record {
            unit,
            start,
            end,
            peak_kib,
            cpu_s,
        })
    }

    fn line(&self) -> String {
        let opt = |v: Option<String>| v.unwrap_or_else(|| "-".to_string());
        format!(
            "{}\t{:.3}\t{:.3}\t{}\t{}\n",
            self.unit.as_str(),
            self.start,
            self.end,
            opt(self.peak_kib.map(|k| k.to_string())),
            opt(self.cpu_s.map(|s| format!("{s:.3}"))),
        )
    }
}

/// Runs `args` (rustc and its arguments, as cargo passes them to a wrapper) and returns the
/// exit code to end with. Records go to the file named by [`RECORD_ENV`].
pub fn run(args: &[OsString]) -> i32 {
    let Some((rustc, rest)) = args.split_first() else {
        eprintln!("portabilling-buildcost: run as RUSTC_WRAPPER, but no rustc to run was given");
        return 2;
    };
    let unit = unit_of(rest);
    let start = now();
    let status = match Command::new(rustc).args(rest).status() {
        Ok(status) => status,
        Err(e) => {
            eprintln!(
                "portabilling-buildcost: cannot run {}: {e}",
                rustc.to_string_lossy()
            );
            return 1;
        }
    };
    let end = now();
    if let Some(unit) = unit {
        let (peak_kib, cpu_s) = children_usage().unzip();
        let record = Record {
            unit,
            start,
            end,
            peak_kib,
            cpu_s,
        };
        if let Err(e) = append(&record) {
            // The build itself went fine; the measurement says what is missing.
            eprintln!("portabilling-buildcost: cannot write the record: {e}");
        }
    }
    // A rustc killed by a signal (out of memory, say) has no code: fail all the same.
    status.code().unwrap_or(1)
}

/// The compilation of the measured package that `args` asks for, if any.
fn unit_of(args: &[OsString]) -> Option<Unit> {
    let crate_name = args
        .iter()
        .position(|a| a == "--crate-name")
        .and_then(|i| args.get(i + 1))?;
    // Every package's build script is `build_script_build`; cargo names the package apart.
    let ours = std::env::var("CARGO_PKG_NAME").is_ok_and(|p| p == PACKAGE);
    if crate_name == PACKAGE && ours {
        Some(Unit::Lib)
    } else if crate_name == "build_script_build" && ours {
        Some(Unit::BuildScript)
    } else {
        None
    }
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

fn append(record: &Record) -> std::io::Result<()> {
    let Some(path) = std::env::var_os(RECORD_ENV) else {
        return Ok(());
    };
    // One short write in append mode, so that parallel rustc runs do not interleave lines.
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?
        .write_all(record.line().as_bytes())
}

/// Peak RSS (KiB) and CPU time (s) of the reaped children: here only rustc, and what rustc
/// itself waited for.
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
#[allow(unsafe_code)]
fn children_usage() -> Option<(u64, f64)> {
    // `struct rusage` of Linux on 64-bit targets: two timevals, then 14 longs, the first of
    // which is ru_maxrss in KiB. Declared here to avoid a libc dependency for one call.
    #[repr(C)]
    struct Timeval {
        sec: i64,
        usec: i64,
    }
    #[repr(C)]
    struct Rusage {
        utime: Timeval,
        stime: Timeval,
        maxrss: i64,
        _rest: [i64; 13],
    }
    extern "C" {
        fn getrusage(who: i32, usage: *mut Rusage) -> i32;
    }
    const RUSAGE_CHILDREN: i32 = -1;
    let mut usage = Rusage {
        utime: Timeval { sec: 0, usec: 0 },
        stime: Timeval { sec: 0, usec: 0 },
        maxrss: 0,
        _rest: [0; 13],
    };
    // SAFETY: `usage` is a valid, writable `struct rusage` of the layout the C library
    // expects, and it outlives the call.
    let rc = unsafe { getrusage(RUSAGE_CHILDREN, &mut usage) };
    if rc != 0 {
        return None;
    }
    let secs = |t: &Timeval| t.sec as f64 + t.usec as f64 / 1e6;
    Some((
        u64::try_from(usage.maxrss).ok()?,
        secs(&usage.utime) + secs(&usage.stime),
    ))
}

#[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
fn children_usage() -> Option<(u64, f64)> {
    None
}

/// The CPU time, in seconds, of this process's children that were waited for, and of theirs.
pub fn children_cpu_s() -> Option<f64> {
    children_usage().map(|(_, cpu)| cpu)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip() {
        let record = Record {
            unit: Unit::BuildScript,
            start: 1.5,
            end: 2.25,
            peak_kib: Some(1024),
            cpu_s: None,
        };
        assert_eq!(Record::parse_all(&record.line()), vec![record]);
    }

    #[test]
    fn peak_of_a_child_is_read() {
        let Ok(status) = Command::new("true").status() else {
            return;
        };
        assert!(status.success());
        if cfg!(target_os = "linux") {
            assert!(children_usage().is_some_and(|(kib, _)| kib > 0));
        }
    }
}
