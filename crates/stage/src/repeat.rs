//! Dropping repeats by `(key, version)`.
//!
//! At-least-once delivery means a crash between producing a batch's outputs
//! and committing its offsets replays the batch. Every record carries its
//! article id (the key) and a content version, and outputs are deterministic,
//! so a repeat is identical to the original: consumers remember the most
//! recent pairs they have handled and skip a pair they have seen. The window
//! is bounded (least recently seen pairs are forgotten first); a repeat older
//! than the window is still harmless downstream, because it is identical.

use std::num::NonZeroUsize;

use lru::LruCache;

pub struct RepeatFilter {
    seen: LruCache<(String, String), ()>,
}

impl RepeatFilter {
    pub fn new(window: usize) -> Self {
        RepeatFilter {
            seen: LruCache::new(NonZeroUsize::new(window.max(1)).expect("non-zero")),
        }
    }

    /// True the first time `(key, version)` is offered, false for a repeat.
    /// Records without a version are never treated as repeats.
    pub fn first_time(&mut self, key: &str, version: &str) -> bool {
        if version.is_empty() {
            return true;
        }
        self.seen
            .put((key.to_string(), version.to_string()), ())
            .is_none()
    }

    /// Forgets a pair offered before: its batch was aborted and will be
    /// read again, and must not then look like a repeat of itself.
    pub fn forget(&mut self, key: &str, version: &str) {
        self.seen.pop(&(key.to_string(), version.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_are_dropped_within_the_window() {
        let mut f = RepeatFilter::new(2);
        assert!(f.first_time("a", "1"));
        assert!(!f.first_time("a", "1"));
        assert!(f.first_time("a", "2"), "a new version is not a repeat");
        assert!(f.first_time("b", "1"));
        // ("a","1") has been pushed out of a window of 2.
        assert!(f.first_time("a", "1"));
        assert!(f.first_time("x", ""), "unversioned records always pass");
        assert!(f.first_time("x", ""));
        f.forget("a", "1");
        assert!(f.first_time("a", "1"), "a forgotten pair passes again");
    }
}
