//! Rows of the table for the wire's throughput (issue 15): the export path of
//! `portabilling call --all` against the library's streaming of the same pages, and `batch`
//! against a simulator 5 ms away at several concurrencies.
//!
//! The simulator runs in a child process (this bench binary, started with `--sim-child`), over
//! HTTPS as a billing server is reached, so the client's CPU time is this process's own
//! (`utime + stime` of /proc/self/stat) and the simulator's is measured apart.

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use portabilling::account::{self, op::GetAccountInfo, GetAccountInfoRequest};
use portabilling::batch::{self, BatchCall, BatchOptions};
use portabilling::paging::ListPages;
use portabilling::sim::{SimConfig, Simulator};
use portabilling::Client;

use super::Row;

/// Runs the simulator of this module's rows when this process was started as one
/// (`--sim-child`); returns `false` otherwise.
pub fn sim_child_if_asked() -> bool {
    sim_child()
}

/// `--sim-child ACCOUNTS LATENCY_MS`: runs a simulator over HTTPS, prints its URL and the
/// path of its CA certificate, answers each line on stdin with its counters, and ends when
/// stdin closes. Returns `false` when the process was not started so.
fn sim_child() -> bool {
    let args: Vec<String> = std::env::args().collect();
    let Some(at) = args.iter().position(|a| a == "--sim-child") else {
        return false;
    };
    let accounts = args[at + 1].parse().unwrap();
    let latency = Duration::from_millis(args[at + 2].parse().unwrap());
    let sim = Simulator::start(
        SimConfig {
            accounts,
            tls: true,
            ..SimConfig::default()
        }
        .with_latency(latency),
    )
    .unwrap();
    let ca = std::env::temp_dir().join(format!("portabilling-bench-ca-{}.pem", std::process::id()));
    std::fs::write(&ca, sim.ca_cert_pem().unwrap()).unwrap();
    println!("{} {}", sim.url(), ca.display());
    for line in std::io::stdin().lines() {
        if line.is_err() {
            break;
        }
        let s = sim.stats();
        println!(
            "{} {} {} {} {} {} {}",
            s.logins,
            s.connections,
            s.requests,
            s.max_in_flight,
            cpu_ticks(),
            s.latency_held,
            s.latency_late.as_nanos()
        );
    }
    let _ = std::fs::remove_file(&ca);
    true
}

/// The simulator's counters.
#[derive(Clone, Copy, Debug, Default)]
struct SimCounts {
    logins: u64,
    connections: u64,
    requests: u64,
    max_in_flight: u64,
    cpu_ticks: u64,
    /// Answers held for the latency, and their average time past it (ns).
    latency_held: u64,
    latency_late_ns: u64,
}

/// A simulator in a child process.
struct SimProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    url: String,
    ca: String,
}

impl SimProcess {
    fn start(accounts: usize, latency_ms: u64) -> SimProcess {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--sim-child",
                &accounts.to_string(),
                &latency_ms.to_string(),
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let (url, ca) = line.trim().split_once(' ').unwrap();
        SimProcess {
            url: url.to_string(),
            ca: ca.to_string(),
            child,
            stdin,
            stdout,
        }
    }

    fn counts(&mut self) -> SimCounts {
        let stdin = self.stdin.as_mut().unwrap();
        writeln!(stdin, "stats").unwrap();
        stdin.flush().unwrap();
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        let n: Vec<u64> = line
            .split_whitespace()
            .map(|v| v.parse().unwrap())
            .collect();
        SimCounts {
            logins: n[0],
            connections: n[1],
            requests: n[2],
            max_in_flight: n[3],
            cpu_ticks: n[4],
            latency_held: n[5],
            latency_late_ns: n[6],
        }
    }

    fn client(&self) -> Client {
        Client::builder(&self.url)
            .login("sim-admin", "sim-password")
            .ca_cert_file(&self.ca)
            .build()
            .unwrap()
    }
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        // The child ends when its stdin closes.
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}

/// This process's CPU time so far (user and system), in clock ticks.
fn cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name (which may hold spaces) close with `)`: state is the
    // 3rd field, utime the 14th and stime the 15th.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<u64> = after
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    fields.get(11).copied().unwrap_or(0) + fields.get(12).copied().unwrap_or(0)
}

/// Clock ticks per second (`getconf CLK_TCK`; 100 on Linux when it cannot be asked).
fn ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// The cores this process may run on.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// One measured run: items or calls done, wall time, and CPU seconds of the client (this
/// process) and of the simulator.
struct Run {
    count: u64,
    secs: f64,
    client_cpu: f64,
    sim_cpu: f64,
}

impl Run {
    fn rate(&self) -> f64 {
        self.count as f64 / self.secs
    }
}

fn measure(sim: &mut SimProcess, f: impl FnOnce() -> u64) -> (Run, SimCounts, SimCounts) {
    let tick = 1.0 / ticks_per_second();
    let before = sim.counts();
    let cpu = cpu_ticks();
    let started = Instant::now();
    let count = f();
    let secs = started.elapsed().as_secs_f64();
    let client_cpu = (cpu_ticks() - cpu) as f64 * tick;
    let after = sim.counts();
    let run = Run {
        count,
        secs,
        client_cpu,
        sim_cpu: (after.cpu_ticks - before.cpu_ticks) as f64 * tick,
    };
    (run, before, after)
}

/// `call --all` (ListPages, each item written as a JSON line) against `stream_account_list`
/// over the same pages of the same simulator.
pub fn export_rows(quick: bool, rows: &mut Vec<Row>) {
    let n: u64 = if quick { 50_000 } else { 200_000 };
    let page = 500u64;
    let mut sim = SimProcess::start(n as usize, 0);
    let client = sim.client();
    client.login().unwrap();
    let op = portabilling::registry::operation("Account", "get_account_list").unwrap();
    let export = || {
        let mut pages = ListPages::new(&client, op, serde_json::json!({}))
            .unwrap()
            .page_size(page);
        let mut out = BufWriter::with_capacity(64 * 1024, std::io::sink());
        let mut count = 0;
        while let Some(item) = pages.next_item().unwrap() {
            serde_json::to_writer(&mut out, &item).unwrap();
            out.write_all(b"\n").unwrap();
            count += 1;
        }
        out.flush().unwrap();
        count
    };
    let stream = || {
        let mut count = 0;
        loop {
            let request = account::GetAccountListRequest {
                offset: Some(count as i32),
                limit: Some(page as i32),
                ..Default::default()
            };
            let mut got = 0;
            for item in client.account().stream_account_list(&request).unwrap() {
                std::hint::black_box(item.unwrap());
                got += 1;
            }
            count += got;
            if got < page {
                break count;
            }
        }
    };
    // In turn, the better of two runs each (one in --quick).
    let mut best_export: Option<Run> = None;
    let mut best_stream: Option<Run> = None;
    for _ in 0..if quick { 1 } else { 2 } {
        let (e, _, _) = measure(&mut sim, export);
        let (s, _, _) = measure(&mut sim, stream);
        assert_eq!((e.count, s.count), (n, n));
        if best_export.as_ref().is_none_or(|b| e.secs < b.secs) {
            best_export = Some(e);
        }
        if best_stream.as_ref().is_none_or(|b| s.secs < b.secs) {
            best_stream = Some(s);
        }
    }
    let (e, s) = (best_export.unwrap(), best_stream.unwrap());
    let us = |cpu: f64, count: u64| cpu * 1e6 / count as f64;
    rows.push(Row {
        what: format!(
            "export {n} accounts from the simulator over HTTPS, pages of {page}: `call --all` \
             (ListPages to JSON lines) / library stream_account_list of the same pages"
        ),
        figure: format!(
            "{:.0} / {:.0} items/s = {:.0}%; client CPU {:.1} / {:.1} µs an item, simulator \
             CPU {:.1} / {:.1} µs an item",
            e.rate(),
            s.rate(),
            e.rate() / s.rate() * 100.0,
            us(e.client_cpu, e.count),
            us(s.client_cpu, s.count),
            us(e.sim_cpu, e.count),
            us(s.sim_cpu, s.count),
        ),
        target: ">= 50%".into(),
        ok: Some(e.rate() >= s.rate() * 0.5),
    });
}

/// `batch::run` of `get_account_info` reads against a simulator that answers each call 5 ms
/// late, at concurrency 1, 4, 16 and 64.
pub fn batch_rows(quick: bool, rows: &mut Vec<Row>) {
    let latency = 0.005;
    let mut sim = SimProcess::start(1000, 5);
    let dir = std::env::temp_dir().join(format!("portabilling-bench-batch-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cores = cores() as f64;
    for concurrency in [1usize, 4, 16, 64] {
        let ideal = concurrency as f64 / latency;
        let secs = if quick { 1.0 } else { 3.0 };
        let n = ((ideal * secs) as usize).max(100);
        let calls: Vec<BatchCall> = (0..n)
            .map(|k| {
                BatchCall::new::<GetAccountInfo>(
                    format!("c{k}"),
                    &GetAccountInfoRequest {
                        i_account: Some(1 + (k % 1000) as i64),
                        ..Default::default()
                    },
                )
            })
            .collect();
        let output = dir.join(format!("results-{concurrency}.jsonl"));
        let _ = std::fs::remove_file(&output);
        let _ = std::fs::remove_file(batch::journal_path(&output));
        // A client per row, so that its logins and connections are the row's own.
        let client = sim.client();
        let options = BatchOptions {
            concurrency,
            ..BatchOptions::default()
        };
        let (run, before, after) = measure(&mut sim, || {
            let summary = batch::run(&client, &calls, &output, &options, &mut |_| {}).unwrap();
            assert!(summary.all_ok(), "{summary:?}");
            summary.total as u64
        });
        drop(client);
        let logins = after.logins - before.logins;
        let connections = after.connections - before.connections;
        let rate = run.rate();
        let share = rate / ideal;
        // How late the simulator's answers left, past the 5 ms, in this row.
        let late_total = |c: &SimCounts| c.latency_held as f64 * c.latency_late_ns as f64 / 1000.0;
        let late_us = (late_total(&after) - late_total(&before))
            / (after.latency_held - before.latency_held).max(1) as f64;
        // The two processes' CPU against the machine's: near all of it, the machine (the
        // simulator on it) is saturated and no client can get closer to the ideal.
        let busy = (run.client_cpu + run.sim_cpu) / run.secs / cores;
        let saturated = busy >= 0.85;
        rows.push(Row {
            what: format!(
                "batch, 5 ms latency, concurrency {concurrency} ({n} get_account_info over HTTPS)"
            ),
            figure: format!(
                "{rate:.0} calls/s of {ideal:.0} ideal = {:.0}%; {logins} login(s); {connections} \
                 TCP/TLS connection(s); client CPU {:.0} µs a call; simulator CPU {:.0} µs a \
                 call; {} at once at the simulator, its answers {late_us:.0} µs past the latency on \
                 average; CPU busy {:.0}% of {cores} cores{}",
                share * 100.0,
                run.client_cpu * 1e6 / n as f64,
                run.sim_cpu * 1e6 / n as f64,
                after.max_in_flight,
                busy * 100.0,
                if saturated { " (saturated)" } else { "" },
            ),
            target: if saturated {
                // Past the machine's limit the ideal is out of reach for any client: the row
                // says where the limit is, and the logins and connections still count.
                format!(
                    "saturated: the limit of 2 processes on {cores} cores is about {:.0} \
                     calls/s; 1 login, <= {concurrency} connections",
                    n as f64 / ((run.client_cpu + run.sim_cpu) / cores)
                )
            } else {
                format!(">= 90% of ideal, 1 login, <= {concurrency} connections")
            },
            ok: Some(
                (saturated || share >= 0.9) && logins == 1 && connections as usize <= concurrency,
            ),
        });
        let _ = after.requests;
    }
    let _ = std::fs::remove_dir_all(&dir);
}
