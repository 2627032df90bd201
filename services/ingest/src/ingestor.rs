//! Ingest's one job, shared by every source (HTTP, feeds, files): clean a
//! submission, build its record, drop it if it is a duplicate, produce it to
//! `articles.raw` keyed by article id, and remember it once acknowledged.

use std::sync::Arc;

use serde::Serialize;
use stancewire_stage::{
    dead_letter::DeadLetters,
    failure::{Failure, FailureKind},
    metrics::Metrics,
    publisher::Publisher,
};

use crate::{
    article::{self, timestamp, Built},
    clean,
    dedup::{Dedup, Verdict},
    submission::Submission,
};

/// What happened to a submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// Produced as a new story (or, if `updated`, a new version of a known one).
    Accepted {
        article_id: String,
        version: String,
        updated: bool,
    },
    /// The same story was already produced; nothing new was produced.
    Duplicate { article_id: String, reason: String },
}

/// A cleaned story after the dedup decision.
pub enum Reserved {
    /// Already produced: nothing to do.
    Duplicate(Outcome),
    /// New (or an update): reserved, to be produced.
    Produce {
        built: Box<Built>,
        article_id: String,
        updated: bool,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The submission itself is bad; resubmitting it will not help.
    #[error(transparent)]
    Rejected(#[from] Failure),
    /// The pipeline could not take it now (broker down, store unavailable).
    #[error("unavailable: {0}")]
    Unavailable(String),
}

pub struct Ingestor {
    publisher: Publisher,
    dead_letters: DeadLetters,
    dedup: Arc<Dedup>,
    metrics: Metrics,
    topic: String,
}

impl Ingestor {
    pub fn new(
        publisher: Publisher,
        dead_letters: DeadLetters,
        dedup: Arc<Dedup>,
        metrics: Metrics,
        topic: String,
    ) -> Self {
        Ingestor {
            publisher,
            dead_letters,
            dedup,
            metrics,
            topic,
        }
    }

    pub fn publisher(&self) -> &Publisher {
        &self.publisher
    }

    pub fn dedup(&self) -> &Dedup {
        &self.dedup
    }

    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Cleans, dedups and produces one submission.
    pub async fn ingest(&self, sub: Submission) -> Result<Outcome, IngestError> {
        let built = self.prepare(sub).await?;
        match self.reserve(built)? {
            Reserved::Duplicate(outcome) => Ok(outcome),
            reserved @ Reserved::Produce { .. } => self.produce(reserved).await,
        }
    }

    /// Step 1, CPU-bound and safe to run for many submissions at once:
    /// clean the submission and build its record.
    pub async fn prepare(&self, sub: Submission) -> Result<Built, IngestError> {
        self.metrics.record_in(source_label(&sub), 1);
        let submitted_url = sub.hints.url.clone();
        tokio::task::spawn_blocking(move || {
            clean::clean(&sub).map(|c| article::build(c, &sub.origin, submitted_url.as_deref()))
        })
        .await
        .map_err(|e| {
            IngestError::Rejected(Failure::new(
                FailureKind::ExtractionFailed,
                format!("cleaning crashed: {e}"),
            ))
        })?
        // Rejections are counted where they are reported (HTTP answer, dead letter).
        .map_err(IngestError::Rejected)
    }

    /// Step 2, fast: decide whether the story is new and, if so, reserve it
    /// so a concurrent twin is a duplicate. Callers that want the earlier of
    /// two twins to win (a batch, in line order) call this in that order.
    pub fn reserve(&self, built: Built) -> Result<Reserved, IngestError> {
        let verdict = self
            .dedup
            .check(&built.fingerprint)
            .map_err(|e| IngestError::Unavailable(e.to_string()))?;
        let (article_id, updated) = match verdict {
            Verdict::Duplicate { article_id, reason } => {
                self.metrics.repeat(reason);
                tracing::debug!(%article_id, reason, "duplicate dropped");
                return Ok(Reserved::Duplicate(Outcome::Duplicate {
                    article_id,
                    reason: reason.to_string(),
                }));
            }
            Verdict::Update { article_id } => (article_id, true),
            Verdict::New => (built.fingerprint.article_id.clone(), false),
        };
        Ok(Reserved::Produce {
            built: Box::new(built),
            article_id,
            updated,
        })
    }

    /// Step 3: produce a reserved story, and remember it once acknowledged.
    pub async fn produce(&self, reserved: Reserved) -> Result<Outcome, IngestError> {
        let (built, article_id, updated) = match reserved {
            Reserved::Duplicate(outcome) => return Ok(outcome),
            Reserved::Produce {
                built,
                article_id,
                updated,
            } => (built, article_id, updated),
        };
        let Built {
            fingerprint: fp,
            article: mut record,
        } = *built;
        if let Some(meta) = record.meta.as_mut() {
            meta.article_id = article_id.clone();
            meta.ingested_at = Some(timestamp(time::OffsetDateTime::now_utc()));
        }
        if let Err(e) = self.publisher.publish(&self.topic, &record).await {
            self.dedup.release(&fp);
            return Err(IngestError::Unavailable(e.to_string()));
        }
        if let Err(e) = self.dedup.confirm(&fp, &article_id) {
            // Produced but not remembered: a resubmission would be produced
            // again with the same (id, version), which consumers drop.
            tracing::error!(error = %e, %article_id, "could not record the story in the dedup store");
        }
        tracing::info!(%article_id, version = %fp.version, title = %record.title, updated, "article produced");
        Ok(Outcome::Accepted {
            article_id,
            version: fp.version,
            updated,
        })
    }

    /// Sends input that could not be ingested to the dead-letter topic.
    /// `origin` says where it came from (`feed:URL`, `file:PATH`).
    pub async fn dead_letter(&self, origin: &str, payload: &[u8], failure: &Failure) {
        self.metrics.error(failure.kind.as_str());
        let dl = self.dead_letters.for_origin(origin, payload, failure);
        if let Err(e) = self.dead_letters.send(&dl, failure.kind).await {
            tracing::error!(error = %e, origin, reason = %failure, "could not dead-letter a failed input");
        }
    }

    pub fn flush(&self) {
        self.publisher.flush(std::time::Duration::from_secs(10));
    }
}

fn source_label(sub: &Submission) -> &'static str {
    use stancewire_proto::v1::SourceKind;
    match sub.origin.kind {
        SourceKind::Http => "http",
        SourceKind::Feed => "feed",
        SourceKind::File => "file",
        SourceKind::Unspecified => "unknown",
    }
}
