//! The heap allocator of every process that runs the models: jemalloc.
//!
//! A model process allocates tensors of new sizes for every article (the
//! number and length of sentences vary), and glibc's malloc keeps what they
//! free in per-thread arenas whose reuse on this workload is poor: resident
//! memory grew for as long as new text came in (20 minutes at 5 articles/s:
//! stance-detection's two instances 1,729 → 2,027 MB from the first five
//! minutes' mean to the last's, still rising; trimming
//! the heap every 5 s slowed the growth but did not stop it). jemalloc keeps
//! size classes apart and hands pages it has not reused for ten seconds back
//! to the system. On 1,000 BBC articles never seen before, in one process
//! (`stancewire-lab quotes --threads 1`, side by side on one machine), glibc
//! went 781 → 858 MB and was still rising; jemalloc held 588–608 MB, at the
//! same speed.
//!
//! The `unprefixed_malloc_on_supported_platforms` feature makes it the
//! process's `malloc` too, so libtorch's own C++ allocations (every tensor)
//! come from it, not only Rust's. A binary opts in with
//!
//! ```ignore
//! #[global_allocator]
//! static ALLOCATOR: stancewire_model::allocator::Jemalloc = stancewire_model::allocator::Jemalloc;
//! ```
//!
//! It is chosen by each binary, not by this library, so that a program
//! built with a sanitizer that replaces `malloc` itself (the fuzz targets)
//! never links it.

pub use tikv_jemallocator::Jemalloc;
