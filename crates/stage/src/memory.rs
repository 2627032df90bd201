//! Giving freed heap memory back to the operating system.
//!
//! A model service allocates tensors of new sizes for every batch (the
//! number and length of sentences vary), from several threads, and glibc's
//! malloc keeps what they free in its arenas for reuse. On this workload the
//! reuse is poor and the kept memory grows: over a 20-minute run at 5
//! articles/s, entity-recognition's resident memory rose 327 → 403 MB and
//! stance-detection's 1,709 → 2,086 MB, still rising at the end; calling
//! `malloc_trim` in the running services (after ~1,400 articles) gave back
//! a third of it (entity-recognition 345 → 233 MB, stance-detection's two
//! instances 889 → 584 and 954 → 602 MB). It was freed memory, not a leak.
//!
//! So the stage loop trims after a committed batch, at most once every
//! [`TRIM_EVERY`]: a trim walks the arenas (milliseconds, observed as the
//! `trim` stage of `stancewire_batch_seconds`), and what it returns is
//! faulted back in by later batches, so trimming after every batch would
//! cost throughput for no further saving. Where the allocator is not glibc
//! this does nothing.

use std::time::{Duration, Instant};

/// The shortest time between two trims.
pub const TRIM_EVERY: Duration = Duration::from_secs(5);

/// Trims the heap at most once per interval.
pub struct Trimmer {
    every: Duration,
    last: Instant,
}

impl Trimmer {
    pub fn new(every: Duration) -> Self {
        Trimmer {
            every,
            last: Instant::now(),
        }
    }

    /// Gives freed heap memory back to the system if `every` has passed
    /// since the last time; returns how long that took.
    pub fn maybe_trim(&mut self) -> Option<Duration> {
        if self.last.elapsed() < self.every {
            return None;
        }
        let started = Instant::now();
        trim();
        self.last = Instant::now();
        Some(started.elapsed())
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim() {
    // SAFETY: malloc_trim only releases free memory held by the allocator;
    // it has no preconditions and is thread-safe (it locks each arena).
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_at_most_once_per_interval() {
        let mut trimmer = Trimmer::new(Duration::from_secs(3600));
        assert!(trimmer.maybe_trim().is_none());
        let mut trimmer = Trimmer::new(Duration::ZERO);
        assert!(trimmer.maybe_trim().is_some());
        assert!(trimmer.maybe_trim().is_some());
    }

    /// Resident memory of this process, MB.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    fn rss_mb() -> f64 {
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let kb: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap();
        kb / 1024.0
    }

    #[test]
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    fn a_trim_gives_back_memory_freed_below_the_top_of_the_heap() {
        // 256 MB in 64 KiB blocks (under glibc's mmap threshold, so on the
        // heap), each written to; then all freed but the last, which pins
        // the heap's top so that free alone cannot shrink it.
        let blocks: Vec<Vec<u8>> = (0..4096).map(|_| vec![1u8; 64 * 1024]).collect();
        let mut blocks = blocks.into_iter();
        let last = blocks.next_back();
        drop(blocks);
        let before = rss_mb();
        trim();
        let after = rss_mb();
        drop(last);
        // Other tests in this process allocate too: the margin is wide.
        assert!(
            before - after > 128.0,
            "RSS {before:.0} MB before the trim, {after:.0} MB after"
        );
    }
}
