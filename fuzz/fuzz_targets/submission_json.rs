//! `POST /v1/articles` (JSON) and each line of `POST /v1/articles/batch`:
//! parsed, and what parses is cleaned and built into a record, as ingest
//! does. Nothing may panic; what is refused is refused with a reason.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stancewire_ingest::{
    article, clean,
    submission::{Limits, Origin, Submission},
};

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    for line in data.split(|&b| b == b'\n') {
        if let Ok(sub) = Submission::from_json(line, Origin::http(), &limits) {
            if let Ok(c) = clean::clean(&sub) {
                let built = article::build(c, &sub.origin, sub.hints.url.as_deref());
                assert!(!built.fingerprint.article_id.is_empty());
            }
        }
    }
});
