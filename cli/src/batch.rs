//! `portabilling batch`: many calls from a JSONL file, with a progress display.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Args;
use portabilling::batch::{self, BatchOptions};
use portabilling::{Client, Error};

/// Options of `portabilling batch`.
#[derive(Args, Debug)]
pub struct BatchArgs {
    /// One call per line: {"id": "...", "service": "...", "method": "...", "params": {...}}.
    #[arg(long)]
    input: PathBuf,
    /// One result per line, written as each call ends.
    #[arg(long)]
    output: PathBuf,
    /// At most this many calls at once (kept low to protect the billing server).
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// At most this many calls started per second.
    #[arg(long)]
    rate: Option<f64>,
    /// Continue an interrupted run: calls with a result are not sent again, and writes that
    /// were sent without a recorded answer are reported as `unknown`, never resent.
    #[arg(long)]
    resume: bool,
    /// Do not show progress.
    #[arg(long)]
    quiet: bool,
}

pub fn run(client: Client, args: BatchArgs) -> Result<ExitCode, Error> {
    let calls = batch::read_calls(&args.input)?;
    let options = BatchOptions {
        concurrency: args.concurrency,
        rate: args.rate,
        resume: args.resume,
        ..BatchOptions::default()
    };
    let terminal = std::io::stderr().is_terminal();
    let mut last = Instant::now() - Duration::from_secs(60);
    let quiet = args.quiet;
    let mut show = |event: batch::BatchEvent<'_>| {
        let batch::BatchEvent::Progress(p) = event else {
            return;
        };
        if quiet {
            return;
        }
        let finished = p.done == p.total;
        let every = if terminal {
            Duration::from_millis(100)
        } else {
            Duration::from_secs(2)
        };
        if !finished && last.elapsed() < every {
            return;
        }
        last = Instant::now();
        let eta = p
            .eta()
            .map(|d| format!("{}s", d.as_secs()))
            .unwrap_or_else(|| "-".into());
        let line = format!(
            "{}/{} done, {} failed, {:.1} calls/s, ETA {eta}",
            p.done,
            p.total,
            p.failed,
            p.rate()
        );
        let mut err = std::io::stderr().lock();
        if terminal {
            let width = 30;
            let filled = (p.done * width).checked_div(p.total).unwrap_or(width);
            let _ = write!(
                err,
                "\r[{}{}] {line}  ",
                "#".repeat(filled),
                "-".repeat(width - filled)
            );
            if finished {
                let _ = writeln!(err);
            }
        } else {
            let _ = writeln!(err, "batch: {line}");
        }
    };
    let summary = batch::run(&client, &calls, &args.output, &options, &mut show)?;
    eprintln!(
        "batch: {} calls: {} ok, {} faults, {} errors, {} unknown outcome ({} done by an earlier run); results in {}",
        summary.total,
        summary.ok,
        summary.faults,
        summary.errors,
        summary.unknown,
        summary.already_done,
        args.output.display()
    );
    Ok(if summary.all_ok() {
        ExitCode::SUCCESS
    } else if summary.errors + summary.unknown > 0 {
        ExitCode::from(5)
    } else {
        ExitCode::from(4)
    })
}
