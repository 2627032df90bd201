//! The heap allocator of every process that runs the models: jemalloc,
//! keeping the pages it frees between purges every few seconds.
//!
//! A model process allocates tensors of new sizes for every article (the
//! number and length of sentences vary), and glibc's malloc keeps what they
//! free in per-thread arenas whose reuse on this workload is poor: resident
//! memory grew for as long as new text came in (20 minutes at 5 articles/s:
//! stance-detection's two instances 1,729 → 2,027 MB from the first five
//! minutes' mean to the last's, still rising; trimming
//! the heap every 5 s slowed the growth but did not stop it). jemalloc keeps
//! size classes apart, and reuses freed memory well. On 1,000 BBC articles
//! never seen before, in one process (`stancewire-lab quotes --threads 1`,
//! side by side on one machine), glibc went 781 → 858 MB and was still
//! rising; jemalloc held 588–608 MB, at the same speed.
//!
//! By default jemalloc also hands the pages of freed memory back to the
//! system as it goes (`dirty_decay_ms:10000`, at once for allocations over
//! 8 MiB). A forward pass frees megabytes of activations and attention
//! scores that the next pass, a few milliseconds later, asks for again: the
//! kernel then maps and zeroes every page anew. Measured on an AMD EPYC (2
//! cores), `stancewire-lab quotes --threads 1` over 55 BBC articles: 1.30
//! million page faults and 2.9 s of system time in a 20 s run, against 0.16
//! million and 0.5 s with the pages kept ([`CONF`]); over 60 others, three
//! runs each, alternated: 19.2 → 15.7 s (median), the same output to the
//! byte.
//!
//! Kept for good, though, freed extents of every size seen pile up: at 5
//! articles/s for 10 minutes stance-detection's mean RSS went 1,647 MB in
//! the first fifth to 2,052 in the last, still rising. So a model process
//! also hands all its freed pages back at once every [`PURGE_EVERY`]
//! ([`start_purging`]): between purges passes reuse what the last ones freed,
//! and memory cannot ratchet up; a purge costs one round of faults. With
//! it: the same 55 articles 0.17 million faults, 17.3 → 13.5 s, the same
//! output to the byte; the 10-minute run 1,174 → 1,196 MB.
//!
//! The `unprefixed_malloc_on_supported_platforms` feature makes it the
//! process's `malloc` too, so libtorch's own C++ allocations (every tensor)
//! come from it, not only Rust's. A binary opts in, allocator and options
//! together, with
//!
//! ```ignore
//! stancewire_model::jemalloc!();
//!
//! fn main() {
//!     stancewire_model::allocator::start_purging();
//!     // ...
//! }
//! ```
//!
//! It is chosen by each binary, not by this library, so that a program
//! built with a sanitizer that replaces `malloc` itself (the fuzz targets)
//! never links it.

use std::ffi::{c_char, CStr};
use std::sync::Once;
use std::time::Duration;

pub use tikv_jemallocator::Jemalloc;

/// The options the model processes give jemalloc: freed pages stay with the
/// process until the next [`purge`] (none decayed back to the system as it
/// goes), also for allocations over 8 MiB (no separate arena that frees
/// them at once).
pub const CONF: &CStr = c"dirty_decay_ms:-1,muzzy_decay_ms:-1,oversize_threshold:0";

/// How often a model process hands its freed pages back to the system.
pub const PURGE_EVERY: Duration = Duration::from_secs(10);

/// Hands the freed pages of every jemalloc arena back to the system now
/// (jemalloc's `arena.<all>.purge`). False where jemalloc refused.
pub fn purge() -> bool {
    // MALLCTL_ARENAS_ALL: every arena.
    let name = c"arena.4096.purge";
    // SAFETY: a command without old or new values: jemalloc reads nothing
    // but the name, a constant C string.
    let status = unsafe {
        tikv_jemalloc_sys::mallctl(
            name.as_ptr(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            0,
        )
    };
    status == 0
}

/// Starts, once per process, the thread that [`purge`]s every
/// [`PURGE_EVERY`] (later calls do nothing). Each model binary calls it
/// first thing in `main`: without it the pages [`CONF`] keeps are never
/// handed back.
pub fn start_purging() {
    static STARTED: Once = Once::new();
    STARTED.call_once(|| {
        let started = std::thread::Builder::new()
            .name("jemalloc-purge".into())
            .spawn(|| loop {
                std::thread::sleep(PURGE_EVERY);
                if !purge() {
                    tracing::warn!("jemalloc refused to purge its arenas; no longer trying");
                    return;
                }
            });
        if let Err(e) = started {
            tracing::warn!(error = %e, "no thread to purge jemalloc's arenas");
        }
    });
}

/// `CONF` as jemalloc reads it at start-up: the C string its `malloc_conf`
/// symbol points to (a `MALLOC_CONF` variable is read after it, and wins).
#[repr(transparent)]
pub struct Conf(*const c_char);

// The pointer is to a constant C string: nothing ever writes through it.
unsafe impl Sync for Conf {}

impl Conf {
    /// [`CONF`] itself.
    pub const OPTIONS: Conf = Conf(CONF.as_ptr());
}

/// Makes jemalloc, with [`CONF`], the allocator of the binary that invokes
/// it (once, at the binary's top level).
#[macro_export]
macro_rules! jemalloc {
    () => {
        /// jemalloc, libtorch's tensors included: see `stancewire_model::allocator`.
        #[global_allocator]
        static ALLOCATOR: $crate::allocator::Jemalloc = $crate::allocator::Jemalloc;

        /// jemalloc's options (`stancewire_model::allocator::CONF`), read
        /// by jemalloc itself at its start, before `main`.
        #[used]
        #[export_name = "malloc_conf"]
        static MALLOC_CONF: $crate::allocator::Conf = $crate::allocator::Conf::OPTIONS;
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jemalloc_purges_its_arenas_on_request() {
        // Something freed to purge: a block large enough for pages of its own.
        drop(vec![1u8; 64 << 20]);
        assert!(purge());
    }
}
