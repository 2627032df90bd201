//! entity-recognition's configuration: the shared stage settings, its
//! topics, the model (directory, threads, precision, batch) and input limits.
//! Defaults → TOML file → `STANCEWIRE_*` variables, as for every service.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use stancewire_stage::StageSettings;

use crate::model::Runtime;

pub const DEFAULT_HTTP_PORT: u16 = 8082;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct EntityConfig {
    #[serde(flatten)]
    pub stage: StageSettings,
    pub topics: Topics,
    pub model: ModelSettings,
    pub limits: Limits,
}

impl Default for EntityConfig {
    fn default() -> Self {
        EntityConfig {
            stage: StageSettings::for_service("entity-recognition", DEFAULT_HTTP_PORT),
            topics: Topics::default(),
            model: ModelSettings::default(),
            limits: Limits::default(),
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

impl Default for Topics {
    fn default() -> Self {
        Topics {
            input: "articles.raw".into(),
            output: "articles.entities".into(),
            dead_letter: "articles.entities.dlq".into(),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ModelSettings {
    /// Model directory (config.json, vocab.txt, model.safetensors); empty:
    /// the model that ships in `models/ner`.
    pub path: Option<PathBuf>,
    #[serde(flatten)]
    pub runtime: Runtime,
}

impl ModelSettings {
    pub fn dir(&self) -> PathBuf {
        self.path.clone().unwrap_or_else(crate::model::shipped_dir)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Limits {
    /// Largest body tagged, in characters; a longer one is dead-lettered.
    pub max_body_chars: usize,
    /// Languages the model reads (ISO 639-1); others are dead-lettered.
    /// "und" (undetermined) is always tried.
    pub languages: Vec<String>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_chars: 200_000,
            languages: vec!["en".into()],
        }
    }
}
