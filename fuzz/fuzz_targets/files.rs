//! The file formats `ingest files` reads, the first byte choosing the file
//! name: Reuters-21578 SGML, JSON Lines, JSON, HTML, gzipped HTML, text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stancewire_ingest::{files::parse_file, submission::Limits};

const NAMES: &[&str] = &["a.sgm", "a.jsonl", "a.json", "a.html", "a.html.gz", "a.txt"];

fuzz_target!(|data: &[u8]| {
    let Some((&kind, bytes)) = data.split_first() else {
        return;
    };
    let name = NAMES[kind as usize % NAMES.len()];
    for unit in parse_file(name, bytes, &Limits::default()) {
        if let Err(f) = unit {
            assert!(!f.message.is_empty());
        }
    }
});
