//! Ingest's one job, shared by every source (HTTP, feeds, files): clean a
//! submission, build its record, drop it if it is a duplicate, produce it to
//! `articles.raw` keyed by article id, and remember it once acknowledged.
//!
//! A reservation ends however its holder ends: confirmed once produced,
//! released if producing fails or the holder is dropped (a client that
//! disconnects, a batch abandoned), so no story is ever blocked by one that
//! is gone. Callers that must not be cancelled halfway (the HTTP API)
//! run [`Ingestor::ingest`] on a task of its own.

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
    dedup::{Check, Dedup, Fingerprint, Verdict},
    submission::{Limits, Submission},
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
        /// Released when dropped unless the story was remembered.
        hold: Hold,
    },
}

/// A reservation in the dedup store, released on drop unless confirmed.
pub struct Hold {
    dedup: Arc<Dedup>,
    fingerprint: Option<Fingerprint>,
    /// When the story was first reserved: its `ingested_at`.
    reserved_at: i64,
}

impl Hold {
    /// Remembers the story as produced under `article_id`.
    fn confirm(mut self, article_id: &str) -> Result<(), crate::dedup::DedupError> {
        match self.fingerprint.take() {
            Some(fp) => self.dedup.confirm(&fp, article_id),
            None => Ok(()),
        }
    }
}

impl Drop for Hold {
    fn drop(&mut self) {
        if let Some(fp) = self.fingerprint.take() {
            self.dedup.release(&fp);
        }
    }
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

/// Extractions running at once, at most: twice the cores.
pub static EXTRACTIONS: std::sync::LazyLock<usize> =
    std::sync::LazyLock::new(|| 2 * std::thread::available_parallelism().map_or(2, usize::from));

pub struct Ingestor {
    publisher: Publisher,
    dead_letters: DeadLetters,
    dedup: Arc<Dedup>,
    metrics: Metrics,
    topic: String,
    limits: Limits,
    extractions: Arc<tokio::sync::Semaphore>,
}

impl Ingestor {
    pub fn new(
        publisher: Publisher,
        dead_letters: DeadLetters,
        dedup: Arc<Dedup>,
        metrics: Metrics,
        topic: String,
        limits: Limits,
    ) -> Self {
        Ingestor {
            publisher,
            dead_letters,
            dedup,
            metrics,
            topic,
            limits,
            extractions: Arc::new(tokio::sync::Semaphore::new(*EXTRACTIONS)),
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
        let reserved = self.reserve(built).await?;
        self.produce(reserved).await
    }

    /// Step 1, CPU-bound and safe to run for many submissions at once:
    /// clean the submission and build its record, within
    /// `limits.extract_timeout`. A page that takes longer is refused; its
    /// extraction cannot be interrupted and finishes on its own thread, but
    /// at most [`EXTRACTIONS`] run at once, so runaways cannot take every
    /// thread, and a request never waits on one past its deadline.
    pub async fn prepare(&self, sub: Submission) -> Result<Built, IngestError> {
        self.metrics.record_in(source_label(&sub), 1);
        let submitted_url = sub.hints.url.clone();
        let deadline = self.limits.extract_timeout;
        let extraction = async {
            let slot = Arc::clone(&self.extractions)
                .acquire_owned()
                .await
                .expect("the extraction semaphore is never closed");
            tokio::task::spawn_blocking(move || {
                let _slot = slot;
                clean::clean(&sub).map(|c| article::build(c, &sub.origin, submitted_url.as_deref()))
            })
            .await
        };
        tokio::time::timeout(deadline, extraction)
            .await
            .map_err(|_| {
                IngestError::Rejected(Failure::new(
                    FailureKind::ExtractionTimedOut,
                    format!(
                        "extracting the article took over {} ms",
                        deadline.as_millis()
                    ),
                ))
            })?
            .map_err(|e| {
                IngestError::Rejected(Failure::new(
                    FailureKind::ExtractionFailed,
                    format!("cleaning crashed: {e}"),
                ))
            })?
            // Rejections are counted where they are reported (HTTP answer, dead letter).
            .map_err(IngestError::Rejected)
    }

    /// Step 2: decide whether the story is new and, if so, reserve it. A
    /// twin in flight (same content, same URL, nearly the same text) is
    /// waited for, then the story is decided against what it became:
    /// produced (a duplicate, or an update if the text differs) or failed
    /// (this copy is the story now). Callers that want the earlier of two
    /// twins to win (a batch, in line order) call this in that order.
    pub async fn reserve(&self, built: Built) -> Result<Reserved, IngestError> {
        let (verdict, reserved_at) = loop {
            match self
                .dedup
                .check(&built.fingerprint)
                .map_err(|e| IngestError::Unavailable(e.to_string()))?
            {
                Check::Decided {
                    verdict,
                    reserved_at,
                } => break (verdict, reserved_at),
                Check::Wait(settled) => {
                    tracing::debug!("a twin is in flight; waiting for it to settle");
                    settled.wait().await;
                }
            }
        };
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
        let hold = Hold {
            dedup: Arc::clone(&self.dedup),
            fingerprint: Some(built.fingerprint.clone()),
            reserved_at,
        };
        Ok(Reserved::Produce {
            built: Box::new(built),
            article_id,
            updated,
            hold,
        })
    }

    /// Step 3: produce a reserved story, and remember it once acknowledged.
    pub async fn produce(&self, reserved: Reserved) -> Result<Outcome, IngestError> {
        let (built, article_id, updated, hold) = match reserved {
            Reserved::Duplicate(outcome) => return Ok(outcome),
            Reserved::Produce {
                built,
                article_id,
                updated,
                hold,
            } => (built, article_id, updated, hold),
        };
        let Built {
            fingerprint: fp,
            article: mut record,
        } = *built;
        if let Some(meta) = record.meta.as_mut() {
            meta.article_id = article_id.clone();
            // When the story was first reserved, not now: a story produced
            // twice (a retry after an ambiguous failure) is the same bytes.
            let reserved_at = time::OffsetDateTime::from_unix_timestamp(hold.reserved_at)
                .unwrap_or_else(|_| time::OffsetDateTime::now_utc());
            meta.ingested_at = Some(timestamp(reserved_at));
        }
        // Dropping `hold` on failure releases the reservation.
        self.publisher
            .publish(&self.topic, &record)
            .await
            .map_err(|e| IngestError::Unavailable(e.to_string()))?;
        if let Err(e) = hold.confirm(&article_id) {
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
