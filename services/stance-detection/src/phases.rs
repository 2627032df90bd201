//! Where stance-detection's time goes, phase by phase.
//!
//! An article passes through several models (the attribution tagger, the
//! sentence embedder, the statement reader, the cross-encoder) and rules
//! between them; which one costs most depends on the article (how many
//! statements, claims, tracked claims). [`Clock`] times each phase of every
//! article and keeps running totals, so a profile of real traffic is one
//! call away (`stancewire-lab quotes --profile`, the stance bench) and
//! needs no profiler attached to a production process.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The phases of one article, in the order they run.
pub const PHASES: &[&str] = &[
    "attribution tagger",
    "speech rules",
    "embeddings (body, claims)",
    "headline claim",
    "statement reader",
    "cross-encoder (own claims)",
    "tracked claims",
    "records",
];

/// Running totals per phase, across articles.
#[derive(Debug, Default)]
pub struct Totals {
    seconds: Mutex<(Vec<Duration>, u64)>,
}

/// One phase's share of the time so far.
#[derive(Debug, Clone, PartialEq)]
pub struct Share {
    pub phase: &'static str,
    pub seconds: f64,
    pub per_article_ms: f64,
    pub fraction: f64,
}

impl Totals {
    /// Adds one article's times.
    fn add(&self, times: &[Duration]) {
        let mut t = self.seconds.lock().unwrap_or_else(|p| p.into_inner());
        if t.0.is_empty() {
            t.0 = vec![Duration::ZERO; PHASES.len()];
        }
        for (total, d) in t.0.iter_mut().zip(times) {
            *total += *d;
        }
        t.1 += 1;
    }

    /// Articles timed so far, and each phase's share.
    pub fn shares(&self) -> (u64, Vec<Share>) {
        let t = self.seconds.lock().unwrap_or_else(|p| p.into_inner());
        let all: f64 = t.0.iter().map(Duration::as_secs_f64).sum();
        let n = t.1.max(1) as f64;
        let shares = PHASES
            .iter()
            .zip(t.0.iter())
            .map(|(&phase, d)| Share {
                phase,
                seconds: d.as_secs_f64(),
                per_article_ms: d.as_secs_f64() * 1000.0 / n,
                fraction: if all > 0.0 {
                    d.as_secs_f64() / all
                } else {
                    0.0
                },
            })
            .collect();
        (t.1, shares)
    }
}

/// Times one article: `lap(i)` closes phase `i` (an index into [`PHASES`]).
pub struct Clock<'a> {
    totals: &'a Totals,
    times: Vec<Duration>,
    since: Instant,
}

impl<'a> Clock<'a> {
    pub fn start(totals: &'a Totals) -> Self {
        Clock {
            totals,
            times: vec![Duration::ZERO; PHASES.len()],
            since: Instant::now(),
        }
    }

    /// Charges the time since the last lap to `phase`.
    pub fn lap(&mut self, phase: usize) {
        let now = Instant::now();
        self.times[phase] += now - self.since;
        self.since = now;
    }
}

impl Drop for Clock<'_> {
    fn drop(&mut self) {
        self.totals.add(&self.times);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn laps_add_up_per_phase_across_articles() {
        let totals = Totals::default();
        for _ in 0..2 {
            let mut c = Clock::start(&totals);
            std::thread::sleep(Duration::from_millis(5));
            c.lap(2);
            c.lap(0);
        }
        let (n, shares) = totals.shares();
        assert_eq!(n, 2);
        assert_eq!(shares.len(), PHASES.len());
        assert!(shares[2].seconds >= 0.010, "{shares:?}");
        assert!(shares[2].fraction > 0.5, "{shares:?}");
        assert!(shares[2].per_article_ms >= 5.0, "{shares:?}");
        let sum: f64 = shares.iter().map(|s| s.fraction).sum();
        assert!((sum - 1.0).abs() < 1e-9, "{sum}");
    }
}
