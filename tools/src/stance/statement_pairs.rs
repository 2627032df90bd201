//! The (claim, statement) pairs stance-detection's statement reader reads,
//! caught as they are read: the in-domain inputs a smaller reader learns
//! its teacher's readings on (`statement-stance-train --unlabelled`).
//!
//! `judge::read` logs each pair it reads (a `debug` event, "statement
//! read", with the claim's sentence and the statement's reading); this
//! layer listens for that event alone, whatever the log filter says, and
//! writes one JSON line per pair, so `quotes --statement-pairs FILE` over
//! any news collects them without the service knowing.

use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::{Context, Layer};

/// Where `judge::read` logs from, and what it says.
const TARGET: &str = "stancewire_stance_detection::judge";
const MESSAGE: &str = "statement read";

/// One pair as read: the claim's sentence and the statement's reading.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pair {
    pub claim: String,
    pub said: String,
}

/// Writes each pair read to a JSON Lines file, a line a write (the global
/// subscriber is never dropped, so nothing may wait in a buffer).
pub struct Recorder {
    out: Mutex<File>,
}

impl Recorder {
    pub fn create(path: &Path) -> anyhow::Result<Recorder> {
        Ok(Recorder {
            out: Mutex::new(File::create(path)?),
        })
    }

    /// The filter that lets this layer see the reader's `debug` events (and
    /// nothing else) while the terminal's log stays at its own level.
    pub fn filter() -> Targets {
        Targets::new().with_target(TARGET, tracing::Level::DEBUG)
    }
}

#[derive(Default)]
struct Fields {
    message: String,
    claim: Option<String>,
    said: Option<String>,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "claim" => self.claim = Some(value.to_string()),
            "said" => self.said = Some(value.to_string()),
            _ => {}
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.message = format!("{value:?}");
        }
    }
}

impl<S: Subscriber> Layer<S> for Recorder {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        if event.metadata().target() != TARGET {
            return;
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        let (Some(claim), Some(said)) = (fields.claim, fields.said) else {
            return;
        };
        if fields.message != MESSAGE {
            return;
        }
        let mut line = serde_json::to_string(&Pair { claim, said }).expect("strings serialise");
        line.push('\n');
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        let _ = out.write_all(line.as_bytes());
    }
}

/// The pairs of a file `Recorder` wrote, each once, in first-seen order.
pub fn read(path: &Path) -> anyhow::Result<Vec<Pair>> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for line in std::fs::read_to_string(path)?.lines() {
        let pair: Pair = serde_json::from_str(line)?;
        if seen.insert((pair.claim.clone(), pair.said.clone())) {
            out.push(pair);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::layer::SubscriberExt;

    #[test]
    fn the_readers_pairs_are_caught_once_each_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pairs.jsonl");
        let recorder = Recorder::create(&path).unwrap();
        let subscriber =
            tracing_subscriber::registry().with(recorder.with_filter(Recorder::filter()));
        tracing::subscriber::with_default(subscriber, || {
            let (claim, said) = ("The report is true", "\"It is a lie,\" he said.");
            tracing::debug!(target: "stancewire_stance_detection::judge", claim, said, support = 0.1, "statement read");
            tracing::debug!(target: "stancewire_stance_detection::judge", claim, said, "statement read");
            // Another event of the reader, and the same fields elsewhere.
            tracing::debug!(target: "stancewire_stance_detection::judge", claim, said, "statement skipped");
            tracing::info!(target: "stancewire_lab::quotes", claim, said, "statement read");
            tracing::debug!(target: "stancewire_stance_detection::judge", claim = "Another claim", said, "statement read");
        });
        assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 3);
        let pairs = read(&path).unwrap();
        assert_eq!(
            pairs,
            [
                Pair {
                    claim: "The report is true".into(),
                    said: "\"It is a lie,\" he said.".into()
                },
                Pair {
                    claim: "Another claim".into(),
                    said: "\"It is a lie,\" he said.".into()
                }
            ]
        );
    }
}
