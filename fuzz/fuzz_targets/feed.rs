//! The RSS/Atom parser ingest runs on every fetched feed (`feed-rs`), and
//! what ingest reads from each entry.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(feed) = feed_rs::parser::parse(data) {
        for entry in feed.entries {
            let _ = entry.links.first().map(|l| l.href.len());
            let _ = entry.content.and_then(|c| c.body).map(|b| b.len());
            let _ = entry.published.or(entry.updated).map(|d| d.timestamp());
        }
    }
});
