//! Rate limits: at most so many calls a second to the billing server, with bursts bounded.
//!
//! A limit is a generic cell rate (GCRA): each call reserves the next slot of a schedule that
//! advances by `1 / calls_per_second` per call, and may start up to `burst - 1` slots ahead of
//! it. A call waits until its slot, and a call that would have to wait past its deadline
//! reserves nothing and fails at once. [`LocalRateLimiter`] keeps the schedule in memory, for
//! the threads of one process; a [`SessionStore`](crate::auth::SessionStore) that many
//! processes share can keep it too (the PostgreSQL store does, in `pg`), so that every process
//! that uses the same server and login shares one limit.

use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// How many calls a second, and how many at once.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateLimit {
    calls_per_second: f64,
    burst: u32,
}

impl RateLimit {
    /// `calls_per_second` (more than 0), with bursts of at most a tenth of a second's calls
    /// (at least 1).
    pub fn new(calls_per_second: f64) -> Result<RateLimit> {
        if !(calls_per_second.is_finite() && calls_per_second > 0.0) {
            return Err(Error::Config(format!(
                "the rate limit must be a positive number of calls a second, not {calls_per_second}"
            )));
        }
        let burst = ((calls_per_second / 10.0).floor() as u32).max(1);
        Ok(RateLimit {
            calls_per_second,
            burst,
        })
    }

    /// At most `burst` calls start at once after a quiet time (at least 1).
    pub fn with_burst(mut self, burst: u32) -> RateLimit {
        self.burst = burst.max(1);
        self
    }

    /// Calls a second.
    pub fn calls_per_second(&self) -> f64 {
        self.calls_per_second
    }

    /// The largest burst.
    pub fn burst(&self) -> u32 {
        self.burst
    }

    /// The time between two calls' slots.
    pub fn interval(&self) -> Duration {
        Duration::from_secs_f64(1.0 / self.calls_per_second)
    }

    /// How far ahead of its slot a call may start.
    pub fn tolerance(&self) -> Duration {
        self.interval().saturating_mul(self.burst - 1)
    }
}

/// Hands out the right to start calls at a limited rate.
pub trait RateLimiter: Send + Sync + fmt::Debug {
    /// Reserves the start of one call, and says how long the caller must wait before it
    /// starts. A reservation whose wait would be longer than `within` is not made: the answer
    /// is then `Ok(None)`.
    fn reserve(&self, within: Option<Duration>) -> Result<Option<Duration>>;
}

/// The schedule of one process, for the threads and clients that share it.
#[derive(Debug)]
pub struct LocalRateLimiter {
    limit: RateLimit,
    /// The next slot (GCRA's "theoretical arrival time"); `None` before the first call.
    next: Mutex<Option<Instant>>,
}

impl LocalRateLimiter {
    /// A limiter for `limit`.
    pub fn new(limit: RateLimit) -> LocalRateLimiter {
        LocalRateLimiter {
            limit,
            next: Mutex::new(None),
        }
    }
}

impl RateLimiter for LocalRateLimiter {
    fn reserve(&self, within: Option<Duration>) -> Result<Option<Duration>> {
        let now = Instant::now();
        let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
        let slot = next.map_or(now, |n| n.max(now));
        let start = slot
            .checked_sub(self.limit.tolerance())
            .unwrap_or(now)
            .max(now);
        let wait = start - now;
        if within.is_some_and(|w| wait > w) {
            return Ok(None);
        }
        *next = Some(slot + self.limit.interval());
        Ok(Some(wait))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_are_bounded_and_the_schedule_advances_per_call() {
        let limiter = LocalRateLimiter::new(RateLimit::new(100.0).unwrap().with_burst(3));
        let waits: Vec<Duration> = (0..6)
            .map(|_| limiter.reserve(None).unwrap().unwrap())
            .collect();
        assert!(waits[..3].iter().all(|w| *w < Duration::from_millis(2)));
        assert!(waits[3] > Duration::from_millis(5), "{waits:?}");
        assert!(waits[5] > Duration::from_millis(25), "{waits:?}");
        // A reservation that would wait too long is not made.
        assert_eq!(
            limiter.reserve(Some(Duration::from_millis(1))).unwrap(),
            None
        );
        assert!(RateLimit::new(0.0).is_err() && RateLimit::new(f64::NAN).is_err());
    }
}
