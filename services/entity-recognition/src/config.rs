//! entity-recognition's configuration: the shared stage settings, its
//! topics, the model (directory, threads, precision, batch) and input limits.
//! Defaults → TOML file → `STANCEWIRE_*` variables, as for every service.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use stancewire_proto::v1;
use stancewire_stage::{dead_letter::Failure, StageSettings};

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
    /// the default that ships in `models/ner-fast` (`models/ner` is the
    /// slower, more accurate choice).
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

impl Limits {
    /// Refuses an article that a model stage cannot read: no body, a body
    /// over `max_body_chars`, or a language not in `languages` ("und" is
    /// always tried). `reader` names who reads it, for the message ("the NER
    /// model reads"). Returns the body's length in characters.
    pub fn check(&self, article: &v1::Article, reader: &str) -> Result<usize, Failure> {
        if article.body.trim().is_empty() {
            return Err(Failure::new("empty_body", "the article has no body text"));
        }
        let chars = article.body.chars().count();
        if chars > self.max_body_chars {
            return Err(Failure::new(
                "body_too_large",
                format!(
                    "the body has {chars} characters; the limit is {} (limits.max_body_chars)",
                    self.max_body_chars
                ),
            ));
        }
        let language = article.language.as_ref().map_or("und", |l| l.code.as_str());
        if language != "und"
            && !language.is_empty()
            && !self.languages.iter().any(|l| l == language)
        {
            return Err(Failure::new(
                "unsupported_language",
                format!(
                    "the article is in '{language}'; {reader} {:?} (limits.languages)",
                    self.languages
                ),
            ));
        }
        Ok(chars)
    }
}
