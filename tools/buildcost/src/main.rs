//! The `portabilling-buildcost` command: `synth` writes a synthetic WSDL set, `table` measures
//! the crate's build against sets of several sizes and prints the table. Cargo also runs it as
//! the `RUSTC_WRAPPER` of the measured builds, which the record variable of
//! [`wrap::RECORD_ENV`] tells apart from a user's call.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use portabilling_buildcost::{bench, synth, wrap};

const USAGE: &str = "\
usage:
  portabilling-buildcost synth --operations N --out DIR [--seed S]
      Writes a synthetic WSDL set of N operations (about 23 per service) into DIR, for
      PORTABILLING_WSDL_DIR.
  portabilling-buildcost table [--sizes 120,600,1800] [--quick] [--target-dir DIR]
                               [--crate-dir DIR] [--seed S] [--wait-idle MINUTES] [--runs N]
      Measures a from-scratch debug build of the portabilling crate for the bundled services
      and for each set size, without incremental compilation (as a dependency is built), and
      prints a markdown table. --quick measures the bundled set and
      120 operations. The default target directory is <crate-dir>/target/buildcost.
      --wait-idle waits up to MINUTES before each build for other processes to leave the
      machine idle. --runs builds each row N times (default 1) and reports the build of
      median wall time, with all N times under the table.";

const SUBCOMMANDS: &[&str] = &["synth", "table", "help", "--help", "-h"];

/// The seed of the sets, unless `--seed` says otherwise.
const DEFAULT_SEED: u64 = 1;

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let first = args.first().and_then(|a| a.to_str()).unwrap_or("");
    if std::env::var_os(wrap::RECORD_ENV).is_some() && !SUBCOMMANDS.contains(&first) {
        return ExitCode::from(u8::try_from(wrap::run(&args)).unwrap_or(1));
    }
    let args: Vec<String> = match args.into_iter().map(OsString::into_string).collect() {
        Ok(args) => args,
        Err(arg) => return fail(&format!("argument is not UTF-8: {}", arg.to_string_lossy())),
    };
    let result = match args.split_first() {
        Some((command, rest)) if command == "synth" => run_synth(rest),
        Some((command, rest)) if command == "table" => run_table(rest),
        Some((command, _)) if ["help", "--help", "-h"].contains(&command.as_str()) => {
            println!("{USAGE}");
            Ok(())
        }
        Some((command, _)) => Err(format!("unknown command `{command}`")),
        None => Err("no command given".to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => fail(&message),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("portabilling-buildcost: {message}\n\n{USAGE}");
    ExitCode::FAILURE
}

/// The options of a subcommand: `--name value` pairs and bare `--flag`s.
struct Args<'a> {
    rest: &'a [String],
}

impl<'a> Args<'a> {
    /// Splits `rest`, refusing options not in `known` (`name` takes a value, `name!` does
    /// not).
    fn parse(rest: &'a [String], known: &[&str]) -> Result<Self, String> {
        let mut i = 0;
        while i < rest.len() {
            let arg = &rest[i];
            if known.contains(&format!("{arg}!").as_str()) {
                i += 1;
            } else if known.contains(&arg.as_str()) {
                if i + 1 >= rest.len() {
                    return Err(format!("{arg} needs a value"));
                }
                i += 2;
            } else {
                return Err(format!("unexpected argument `{arg}`"));
            }
        }
        Ok(Args { rest })
    }

    fn value(&self, name: &str) -> Option<&'a str> {
        let rest = self.rest;
        rest.iter()
            .position(|a| a == name)
            .and_then(|i| rest.get(i + 1))
            .map(String::as_str)
    }

    fn flag(&self, name: &str) -> bool {
        self.rest.iter().any(|a| a == name)
    }

    fn number<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>, String> {
        self.value(name)
            .map(|v| {
                v.parse()
                    .map_err(|_| format!("{name} takes a number, not `{v}`"))
            })
            .transpose()
    }
}

fn run_synth(rest: &[String]) -> Result<(), String> {
    let args = Args::parse(rest, &["--operations", "--out", "--seed"])?;
    let operations: usize = args
        .number("--operations")?
        .ok_or("synth needs --operations N")?;
    let out = PathBuf::from(args.value("--out").ok_or("synth needs --out DIR")?);
    let seed = args.number("--seed")?.unwrap_or(DEFAULT_SEED);
    let summary = synth::write_set(&out, operations, seed)
        .map_err(|e| format!("writing the set to {}: {e}", out.display()))?;
    println!(
        "{}: {} services, {} operations, {} structs, {} fields (seed {seed})",
        out.display(),
        summary.services,
        summary.operations,
        summary.structs,
        summary.fields
    );
    Ok(())
}

fn run_table(rest: &[String]) -> Result<(), String> {
    let args = Args::parse(
        rest,
        &[
            "--sizes",
            "--quick!",
            "--target-dir",
            "--crate-dir",
            "--seed",
            "--wait-idle",
            "--runs",
        ],
    )?;
    let sizes = if args.flag("--quick") {
        vec![120]
    } else {
        match args.value("--sizes") {
            Some(list) => list
                .split(',')
                .map(|s| {
                    s.trim()
                        .parse::<usize>()
                        .ok()
                        .filter(|&n| n > 0)
                        .ok_or(format!("--sizes takes positive numbers, not `{s}`"))
                })
                .collect::<Result<Vec<_>, _>>()?,
            None => vec![120, 600, 1800],
        }
    };
    // The tool lives in tools/buildcost of the workspace whose root is the crate.
    let crate_dir = match args.value("--crate-dir") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.."),
    };
    let target_dir = args
        .value("--target-dir")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate_dir.join("target").join("buildcost"));
    let options = bench::Options {
        sizes,
        seed: args.number("--seed")?.unwrap_or(DEFAULT_SEED),
        crate_dir,
        target_dir,
        wait_idle: Duration::from_secs(60 * args.number::<u64>("--wait-idle")?.unwrap_or(0)),
        runs: match args.number::<usize>("--runs")? {
            Some(0) => return Err("--runs takes a positive number".to_string()),
            Some(n) => n,
            None => 1,
        },
    };
    println!("{}", bench::HEADER);
    let rows = bench::run(&options, bench::print_row).map_err(|e| e.to_string())?;
    println!();
    print!("{}", bench::format_targets(&rows));
    println!(
        "Debug builds of the crate alone, from `cargo clean -p portabilling`; MB and GB are 10^6 \
         and 10^9 bytes; build script = the code generator's run; other load = CPU taken by \
         other processes during the build, in cores (above ~0.1 the times are inflated); seed {}.",
        options.seed
    );
    Ok(())
}
