//! The depth check every HTML body passes before a parser sees it: never
//! over its cap, and the same below the cap as without one.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stancewire_ingest::submission::html_depth;

fuzz_target!(|html: &str| {
    let cap = 64;
    let capped = html_depth(html, cap);
    let full = html_depth(html, usize::MAX);
    assert!(capped <= cap);
    assert_eq!(capped, full.min(cap));
});
