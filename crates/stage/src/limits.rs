//! What a model stage accepts: an article with a body, not too long, in a
//! language its models read. entity-recognition and stance-detection check
//! the same limits the same way, so an article one refuses the other would
//! too, with the same failure kind.

use serde::{Deserialize, Serialize};
use stancewire_proto::v1;

use crate::failure::{Failure, FailureKind};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ArticleLimits {
    /// Largest body read, in characters; a longer one is dead-lettered.
    pub max_body_chars: usize,
    /// Languages the models read (ISO 639-1); others are dead-lettered.
    /// "und" (undetermined) is always tried.
    pub languages: Vec<String>,
}

impl Default for ArticleLimits {
    fn default() -> Self {
        ArticleLimits {
            max_body_chars: 200_000,
            languages: vec!["en".into()],
        }
    }
}

impl ArticleLimits {
    /// Refuses an article that a model stage cannot read: no body, a body
    /// over `max_body_chars`, or a language not in `languages` ("und" is
    /// always tried). `reader` names who reads it, for the message ("the NER
    /// model reads"). Returns the body's length in characters.
    pub fn check(&self, article: &v1::Article, reader: &str) -> Result<usize, Failure> {
        if article.body.trim().is_empty() {
            return Err(Failure::new(
                FailureKind::EmptyBody,
                "the article has no body text",
            ));
        }
        let chars = article.body.chars().count();
        if chars > self.max_body_chars {
            return Err(Failure::new(
                FailureKind::BodyTooLarge,
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
                FailureKind::UnsupportedLanguage,
                format!(
                    "the article is in '{language}'; {reader} {:?} (limits.languages)",
                    self.languages
                ),
            ));
        }
        Ok(chars)
    }
}
