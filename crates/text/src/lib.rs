//! Text as every stancewire stage reads it.
//!
//! Records count offsets in Unicode code points (what Python's `str`
//! slicing uses), Rust strings index bytes: [`chars`] converts between the
//! two. Ingest splits bodies into [`sentences`]; the model stages split
//! sentences and paragraphs into [`words`] the way their models were trained.
//! Each stage after ingest reads the same offsets the same way because it
//! reads them through this one crate.

pub mod chars;
pub mod sentences;
pub mod words;

pub use chars::CharIndex;
