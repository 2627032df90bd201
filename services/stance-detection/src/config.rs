//! stance-detection's configuration: the shared stage settings, its topics
//! (input, the two outputs, dead letters, tracked claims), the model and
//! input limits. Defaults → TOML file → `STANCEWIRE_*` variables, as for
//! every service.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use stancewire_model::Runtime;
use stancewire_stage::{limits::ArticleLimits, topics::TopicSpec, StageSettings};

pub const DEFAULT_HTTP_PORT: u16 = 8083;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct StanceConfig {
    #[serde(flatten)]
    pub stage: StageSettings,
    pub topics: Topics,
    pub model: ModelSettings,
    pub limits: Limits,
}

/// Records per batch (per transaction), unless configured.
pub const BATCH_SIZE: usize = 8;

impl Default for StanceConfig {
    fn default() -> Self {
        let mut stage = StageSettings::for_service("stance-detection", DEFAULT_HTTP_PORT);
        // A batch is one transaction: none of its records is out before the
        // last is done. At ~0.3 s an article, the stage's 64 would hold the
        // first article of a full batch for ~20 s; 8 hold it ~2.5 s, at the
        // same throughput (`scripts/load`: 3.61 articles/s with 8, 3.53 with
        // 64; README).
        stage.kafka.batch_size = BATCH_SIZE;
        StanceConfig {
            stage,
            topics: Topics::default(),
            model: ModelSettings::default(),
            limits: Limits::default(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Topics {
    /// Articles with their entities, from entity-recognition.
    pub input: String,
    /// The full enriched record, one per article.
    pub output: String,
    /// One record per stance, for analytics.
    pub stances: String,
    /// Inputs that could not be processed, with the reason.
    pub dead_letter: String,
    /// The compacted topic of claims users track, keyed by claim id.
    pub claims: String,
}

impl Topics {
    /// The topics stance-detection reads and writes, created at start-up
    /// if missing.
    pub fn specs(&self) -> Vec<TopicSpec> {
        vec![
            TopicSpec::stream(&self.input),
            TopicSpec::stream(&self.output),
            TopicSpec::stream(&self.stances),
            TopicSpec::dead_letter(&self.dead_letter),
            TopicSpec::table(&self.claims),
        ]
    }
}

impl Default for Topics {
    fn default() -> Self {
        Topics {
            input: "articles.entities".into(),
            output: "articles.enriched".into(),
            stances: "stances".into(),
            dead_letter: "articles.enriched.dlq".into(),
            claims: "claims".into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ModelSettings {
    /// Stance model directory; empty: the model that ships in `models/stance-fast`.
    pub path: Option<PathBuf>,
    /// Attribution tagger directory; empty: the one that ships in
    /// `models/attribution` (`models/attribution-fast`, its 4-layer
    /// student, tags in two thirds of the time at the same dev scores but
    /// misreads the example article: its `MODEL_CARD.md`).
    pub attribution_path: Option<PathBuf>,
    /// Statement-stance model directory; empty: the one that ships in
    /// `models/statement-stance` (`models/statement-stance-fast`, its
    /// 3-layer student, reads in half the time but misses denials the
    /// teacher reads: its `MODEL_CARD.md`).
    pub statement_path: Option<PathBuf>,
    /// Threads, precision (`auto`, `float32`, `bfloat16`, `int8`) and most
    /// inputs per forward pass, for all three models.
    #[serde(flatten)]
    pub runtime: Runtime,
}

impl Default for ModelSettings {
    fn default() -> Self {
        ModelSettings {
            path: None,
            attribution_path: None,
            statement_path: None,
            runtime: Runtime {
                batch_size: 32,
                ..Runtime::default()
            },
        }
    }
}

impl ModelSettings {
    pub fn dir(&self) -> PathBuf {
        self.path.clone().unwrap_or_else(crate::model::shipped_dir)
    }

    pub fn attribution_dir(&self) -> PathBuf {
        self.attribution_path
            .clone()
            .unwrap_or_else(crate::attribution::shipped_dir)
    }

    pub fn statement_dir(&self) -> PathBuf {
        self.statement_path
            .clone()
            .unwrap_or_else(crate::model::statement::shipped_dir)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Limits {
    /// `max_body_chars` and `languages`, checked as entity-recognition checks them.
    #[serde(flatten)]
    pub article: ArticleLimits,
    /// Largest tracked claim, in characters; a longer one is ignored (logged).
    pub max_claim_chars: usize,
    /// A tracked claim is matched when the model's confidence that the
    /// article is about it reaches this.
    pub min_match_confidence: f32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            article: ArticleLimits::default(),
            max_claim_chars: 1_000,
            min_match_confidence: 0.5,
        }
    }
}
