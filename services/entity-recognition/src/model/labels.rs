//! The tag set: BIO over PER, ORG, LOC and MISC, laid out as the shared BIO
//! decoder (`stancewire_model::tagger::bio`) reads tags.

/// Tags in the model's output order. Part of the trained model.
pub const TAGS: [&str; 9] = [
    "O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC",
];

/// Entity types the model knows, in `TAGS` order.
pub const TYPES: [&str; 4] = ["PER", "ORG", "LOC", "MISC"];

pub fn tag_id(tag: &str) -> Option<i64> {
    TAGS.iter().position(|t| *t == tag).map(|i| i as i64)
}

pub use stancewire_model::tagger::bio::{chunks, Chunk};
