//! entity-recognition's configuration: the shared stage settings, its
//! topics, the model (directory, threads, precision, batch) and input limits.
//! Defaults → TOML file → `STANCEWIRE_*` variables, as for every service.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use stancewire_model::Runtime;
use stancewire_stage::{limits::ArticleLimits, topics::TopicSpec, StageSettings};

pub const DEFAULT_HTTP_PORT: u16 = 8082;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct EntityConfig {
    #[serde(flatten)]
    pub stage: StageSettings,
    pub topics: Topics,
    pub model: ModelSettings,
    pub limits: ArticleLimits,
}

impl Default for EntityConfig {
    fn default() -> Self {
        EntityConfig {
            stage: StageSettings::for_service("entity-recognition", DEFAULT_HTTP_PORT),
            topics: Topics::default(),
            model: ModelSettings::default(),
            limits: ArticleLimits::default(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Topics {
    /// Clean articles from ingest.
    pub input: String,
    /// Articles with their entities.
    pub output: String,
    /// Inputs that could not be processed, with the reason.
    pub dead_letter: String,
}

impl Topics {
    /// The topics entity-recognition reads and writes, created at start-up
    /// if missing.
    pub fn specs(&self) -> Vec<TopicSpec> {
        vec![
            TopicSpec::stream(&self.input),
            TopicSpec::stream(&self.output),
            TopicSpec::dead_letter(&self.dead_letter),
        ]
    }
}

impl Default for Topics {
    fn default() -> Self {
        Topics {
            input: "articles.raw".into(),
            output: "articles.entities".into(),
            dead_letter: "articles.entities.dlq".into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ModelSettings {
    /// Model directory (config.json, vocab.txt, model.safetensors); empty:
    /// the default that ships in `models/ner-fast` (`models/ner` is the
    /// slower, more accurate choice).
    pub path: Option<PathBuf>,
    /// Threads, precision (`auto`, `float32`, `bfloat16`, `int8`) and most
    /// windows per forward pass.
    #[serde(flatten)]
    pub runtime: Runtime,
    /// Most word pieces per window (longer sentences are windowed).
    pub max_pieces: usize,
}

impl Default for ModelSettings {
    fn default() -> Self {
        ModelSettings {
            path: None,
            runtime: Runtime::default(),
            max_pieces: crate::model::MAX_PIECES,
        }
    }
}

impl ModelSettings {
    pub fn dir(&self) -> PathBuf {
        self.path.clone().unwrap_or_else(crate::model::shipped_dir)
    }
}
