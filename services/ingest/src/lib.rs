//! The ingest service: articles in from HTTP, feeds and files; one clean
//! article record per story out, on `articles.raw`.
//!
//! * [`submission`] parses what arrives, refusing bad input with a reason;
//! * [`clean`] turns it into the story's text and metadata;
//! * [`article`] builds the record (spans, sentences, language, ids);
//! * [`dedup`] and [`fingerprint`] drop stories already produced;
//! * [`ingestor`] is the one job every source shares;
//! * [`api`], [`feeds`] and [`files`] are the sources; [`access`] guards
//!   the API (tokens, rates, concurrency, time) and [`fetch`] the feeds
//!   (public addresses only, capped reads);
//! * [`startup`] wires them to the broker and the HTTP server.

pub mod access;
pub mod api;
pub mod article;
pub mod clean;
pub mod config;
pub mod dedup;
pub mod feeds;
pub mod fetch;
pub mod files;
pub mod fingerprint;
pub mod ingestor;
pub mod recovery;
pub mod startup;
pub mod submission;
