//! A raw `text/html` or `text/plain` body (the first byte chooses), through
//! the checks (binary, depth, size), cleaning and extraction.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stancewire_ingest::{
    article, clean,
    submission::{Hints, Limits, Origin, Submission},
};

fuzz_target!(|data: &[u8]| {
    let Some((&kind, body)) = data.split_first() else {
        return;
    };
    let media_type = if kind % 2 == 0 {
        "text/html"
    } else {
        "text/plain"
    };
    let hints = Hints {
        url: Some("https://news.example/story".into()),
        ..Default::default()
    };
    let limits = Limits::default();
    if let Ok(sub) = Submission::from_raw(media_type, body, hints, Origin::http(), &limits) {
        if let Ok(c) = clean::clean(&sub) {
            let _ = article::build(c, &sub.origin, sub.hints.url.as_deref());
        }
    }
});
