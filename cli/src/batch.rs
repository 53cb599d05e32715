//! `portabilling batch`: many calls from a JSONL file, checked before any is sent, with a
//! progress display and a drain on the first Ctrl-C.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clap::Args;
use portabilling::batch::{self, BatchEvent, BatchOptions, Progress, StopSignal, Summary};
use portabilling::Error;

/// The exit codes of `batch`, as its `--help` lists them.
pub const EXIT_CODES: &str = "\
Exit codes:
  0    every call succeeded
  1    the output cannot be used: another run holds it, or it cannot be written
  2    the input or the options are wrong (nothing was sent)
  4    some calls got a fault, all others succeeded
  5    some calls failed otherwise (transport, HTTP, …) or have an unknown outcome
  130  stopped by Ctrl-C or SIGTERM: the calls in flight finished and are recorded;
       continue with --resume

A write whose outcome is unknown (sent, no answer) is never resent by --resume. Check it
on the server (did the change happen?), then run again with --resume --retry-unknown to
send the unknown ones again.";

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
    /// With --resume: send the `unknown` writes again. Only after checking on the server
    /// that they did not take effect.
    #[arg(long, requires = "resume")]
    retry_unknown: bool,
    /// Refuse the whole file if any call has a field its request type does not have, or a
    /// method this build does not know (without it, each is a warning, printed once).
    #[arg(long)]
    strict: bool,
    /// Do not show progress.
    #[arg(long)]
    quiet: bool,
    #[command(flatten)]
    conn: super::Connection,
}

/// The first SIGINT or SIGTERM asks the run to drain; the second ends the process at once.
fn drain_on_interrupt(stop: StopSignal) {
    let signals = AtomicUsize::new(0);
    let installed = ctrlc::set_handler(move || {
        if signals.fetch_add(1, Ordering::SeqCst) == 0 {
            stop.stop();
            eprintln!("\nbatch: stopping: no new calls; waiting for the calls in flight (Ctrl-C again to quit at once)");
        } else {
            eprintln!("\nbatch: quitting; calls in flight have no recorded result (--resume reports writes among them as unknown)");
            std::process::exit(130);
        }
    });
    if let Err(e) = installed {
        tracing::warn!("cannot handle Ctrl-C: {e}");
    }
}

pub fn run(args: BatchArgs) -> Result<ExitCode, Error> {
    let calls = batch::read_calls(&args.input)?;
    let warnings = batch::check(&calls);
    for warning in &warnings {
        eprintln!("warning: {warning}");
    }
    if args.strict && !warnings.is_empty() {
        return Err(Error::input(
            args.input.display().to_string(),
            format!(
                "{} problem(s) above; nothing was sent (--strict)",
                warnings.len()
            ),
        ));
    }
    let client = args.conn.client()?;
    let stop = StopSignal::new();
    drain_on_interrupt(stop.clone());
    let options = BatchOptions {
        concurrency: args.concurrency,
        rate: args.rate,
        resume: args.resume,
        retry_unknown: args.retry_unknown,
        stop: Some(stop),
    };
    let mut show = progress_display(args.quiet);
    let summary = batch::run(
        &client,
        &calls,
        &args.output,
        &options,
        &mut |event: BatchEvent<'_>| {
            if let BatchEvent::Progress(p) = event {
                show(p);
            }
        },
    )?;
    eprintln!("{}", summary_line(&summary, &args));
    Ok(if summary.stopped() {
        ExitCode::from(130)
    } else if summary.all_ok() {
        ExitCode::SUCCESS
    } else if summary.errors + summary.unknown > 0 {
        ExitCode::from(5)
    } else {
        ExitCode::from(4)
    })
}

fn summary_line(summary: &Summary, args: &BatchArgs) -> String {
    let mut line = format!(
        "batch: {} calls: {} ok, {} faults, {} errors, {} unknown outcome ({} done by an earlier run); results in {}",
        summary.total,
        summary.ok,
        summary.faults,
        summary.errors,
        summary.unknown,
        summary.already_done,
        args.output.display()
    );
    if summary.stopped() {
        line.push_str(&format!(
            "\nbatch: stopped: {} calls not started; continue with --resume",
            summary.not_started
        ));
    }
    if summary.unknown > 0 {
        line.push_str("\nbatch: check the unknown writes on the server before --resume --retry-unknown sends them again");
    }
    line
}

/// Shows progress on stderr: a bar redrawn on a terminal, a line every 2 s otherwise.
fn progress_display(quiet: bool) -> impl FnMut(&Progress) {
    let terminal = std::io::stderr().is_terminal();
    let mut last = Instant::now() - Duration::from_secs(60);
    move |p: &Progress| {
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
            "{}/{} done, {} failed, {} in flight, {:.1} calls/s, ETA {eta}",
            p.done,
            p.total,
            p.failed,
            p.in_flight,
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
    }
}
