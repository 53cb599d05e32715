//! What a receiver did, counted for monitoring and rendered in the Prometheus text format:
//! events by outcome, and, as the [`ClientObserver`] of the client that fetches entities, API
//! calls by service, method and outcome, their latency, logins, renewed sessions and waits for
//! the rate limit. Nothing in it is secret: labels are service and method names and outcomes.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use super::pipeline::Disposition;
use crate::history::{CallOutcome, ClientEvent, ClientObserver};

/// The upper bounds of the call latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

#[derive(Default)]
struct Histogram {
    /// Counts per bucket of [`BUCKETS`], not cumulative; the last slot is over the last bound.
    counts: [u64; BUCKETS.len() + 1],
    sum: f64,
}

impl Histogram {
    fn add(&mut self, seconds: f64) {
        let slot = BUCKETS
            .iter()
            .position(|b| seconds <= *b)
            .unwrap_or(BUCKETS.len());
        self.counts[slot] += 1;
        self.sum += seconds;
    }
}

/// Counters and histograms of a receiver (see the module docs). Share one between the
/// [`Pipeline`](super::Pipeline) and its client
/// ([`ClientBuilder::observer`](crate::ClientBuilder::observer)).
#[derive(Default)]
pub struct Metrics {
    received: AtomicU64,
    events: Mutex<BTreeMap<&'static str, (Disposition, u64)>>,
    calls: Mutex<BTreeMap<(String, String, &'static str), u64>>,
    latency: Mutex<BTreeMap<(String, String), Histogram>>,
    logins: AtomicU64,
    renewals: AtomicU64,
    rate_waits: AtomicU64,
    rate_wait_micros: AtomicU64,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics")
            .field("received", &self.received.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The class of an outcome: `handled`, `duplicate`, `rejected` (4xx, dropped by ESPF) or
/// `failed` (5xx, re-sent).
fn class(outcome: Disposition) -> &'static str {
    match outcome {
        Disposition::Handled => "handled",
        Disposition::Duplicate => "duplicate",
        o if o.is_retried() => "failed",
        _ => "rejected",
    }
}

/// A label value, escaped as the text format asks.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

impl Metrics {
    /// Empty counters.
    pub fn new() -> Metrics {
        Metrics::default()
    }

    /// Counts a request and what became of it.
    pub fn event(&self, outcome: Disposition) {
        self.received.fetch_add(1, Ordering::Relaxed);
        lock(&self.events)
            .entry(outcome.as_str())
            .or_insert((outcome, 0))
            .1 += 1;
    }

    /// The count of events with this outcome.
    pub fn events(&self, outcome: Disposition) -> u64 {
        lock(&self.events)
            .get(outcome.as_str())
            .map_or(0, |(_, count)| *count)
    }

    /// Everything, in the Prometheus text format (version 0.0.4).
    pub fn render(&self) -> String {
        let mut out = String::new();
        let counter = |out: &mut String, name: &str, help: &str| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
        };
        counter(
            &mut out,
            "portabilling_espf_events_received_total",
            "ESPF requests received.",
        );
        let _ = writeln!(
            out,
            "portabilling_espf_events_received_total {}",
            self.received.load(Ordering::Relaxed)
        );
        counter(
            &mut out,
            "portabilling_espf_events_total",
            "ESPF requests by result (handled, duplicate, rejected, failed) and reason.",
        );
        for (reason, (outcome, count)) in lock(&self.events).iter() {
            let result = class(*outcome);
            let _ = writeln!(
                out,
                "portabilling_espf_events_total{{result=\"{result}\",reason=\"{reason}\"}} {count}"
            );
        }
        counter(
            &mut out,
            "portabilling_api_calls_total",
            "API calls by service, method and outcome.",
        );
        for ((service, method, outcome), count) in lock(&self.calls).iter() {
            let _ = writeln!(
                out,
                "portabilling_api_calls_total{{service=\"{}\",method=\"{}\",outcome=\"{outcome}\"}} {count}",
                label(service),
                label(method)
            );
        }
        let name = "portabilling_api_call_duration_seconds";
        let _ = writeln!(
            out,
            "# HELP {name} API call latency, retries and waits included.\n# TYPE {name} histogram"
        );
        for ((service, method), histogram) in lock(&self.latency).iter() {
            let labels = format!(
                "service=\"{}\",method=\"{}\"",
                label(service),
                label(method)
            );
            let mut cumulative = 0;
            for (bound, count) in BUCKETS.iter().zip(histogram.counts.iter()) {
                cumulative += count;
                let _ = writeln!(out, "{name}_bucket{{{labels},le=\"{bound}\"}} {cumulative}");
            }
            cumulative += histogram.counts[BUCKETS.len()];
            let _ = writeln!(out, "{name}_bucket{{{labels},le=\"+Inf\"}} {cumulative}");
            let _ = writeln!(out, "{name}_sum{{{labels}}} {}", histogram.sum);
            let _ = writeln!(out, "{name}_count{{{labels}}} {cumulative}");
        }
        for (name, help, value) in [
            (
                "portabilling_logins_total",
                "Logins the client made.",
                self.logins.load(Ordering::Relaxed),
            ),
            (
                "portabilling_sessions_renewed_total",
                "Sessions renewed after the server refused them, and access tokens refreshed.",
                self.renewals.load(Ordering::Relaxed),
            ),
            (
                "portabilling_rate_limit_waits_total",
                "API call attempts that waited for the rate limit.",
                self.rate_waits.load(Ordering::Relaxed),
            ),
        ] {
            counter(&mut out, name, help);
            let _ = writeln!(out, "{name} {value}");
        }
        counter(
            &mut out,
            "portabilling_rate_limit_wait_seconds_total",
            "Time spent waiting for the rate limit.",
        );
        let _ = writeln!(
            out,
            "portabilling_rate_limit_wait_seconds_total {}",
            self.rate_wait_micros.load(Ordering::Relaxed) as f64 / 1e6
        );
        out
    }
}

impl ClientObserver for Metrics {
    fn observe(&self, event: &ClientEvent<'_>) {
        match *event {
            ClientEvent::Call {
                service,
                method,
                outcome,
                elapsed,
            } => {
                let outcome: &'static str = CallOutcome::as_str(outcome);
                *lock(&self.calls)
                    .entry((service.to_string(), method.to_string(), outcome))
                    .or_default() += 1;
                lock(&self.latency)
                    .entry((service.to_string(), method.to_string()))
                    .or_default()
                    .add(elapsed.as_secs_f64());
            }
            ClientEvent::Login => {
                self.logins.fetch_add(1, Ordering::Relaxed);
            }
            ClientEvent::SessionRenewed => {
                self.renewals.fetch_add(1, Ordering::Relaxed);
            }
            ClientEvent::RateLimitWait(wait) => {
                self.rate_waits.fetch_add(1, Ordering::Relaxed);
                self.rate_wait_micros.fetch_add(
                    wait.min(Duration::from_secs(3600)).as_micros() as u64,
                    Ordering::Relaxed,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_cumulative_buckets() {
        let m = Metrics::new();
        m.event(Disposition::Handled);
        m.event(Disposition::Retry);
        m.observe(&ClientEvent::Call {
            service: "Account",
            method: "get_account_info",
            outcome: CallOutcome::Ok,
            elapsed: Duration::from_millis(30),
        });
        m.observe(&ClientEvent::Login);
        let text = m.render();
        assert!(text.contains("portabilling_espf_events_received_total 2\n"));
        assert!(
            text.contains("portabilling_espf_events_total{result=\"failed\",reason=\"retry\"} 1\n")
        );
        assert!(text.contains("portabilling_api_call_duration_seconds_bucket{service=\"Account\",method=\"get_account_info\",le=\"0.025\"} 0\n"));
        assert!(text.contains("portabilling_api_call_duration_seconds_bucket{service=\"Account\",method=\"get_account_info\",le=\"0.05\"} 1\n"));
        assert!(text.contains("portabilling_logins_total 1\n"));
    }
}
