//! The service's one job: a clean article in, the article with its entities
//! out. Each article is tagged in one batch of its own sentences, so its
//! output never depends on which other articles shared the Kafka batch (a
//! replay after a crash gives the same bytes).

use std::sync::Mutex;

use stancewire_proto::v1;
use stancewire_stage::{
    content_version, derived_meta,
    limits::ArticleLimits,
    stage::{Emit, Transform},
    Failure, FailureKind,
};

use crate::{entities, model::NerModel};

pub const STAGE: &str = "entity-recognition";

pub struct Recognize {
    /// libtorch tensors are not `Sync`; the stage runs one batch at a time,
    /// so the lock is never contended.
    model: Mutex<NerModel>,
    model_version: String,
    limits: ArticleLimits,
    output: String,
}

impl Recognize {
    pub fn new(model: NerModel, limits: ArticleLimits, output: impl Into<String>) -> Self {
        Recognize {
            model_version: model.version.clone(),
            model: Mutex::new(model),
            limits,
            output: output.into(),
        }
    }

    /// The entities of one article.
    pub fn recognize(&self, article: &v1::Article) -> Result<v1::ArticleEntities, Failure> {
        let meta = article
            .meta
            .as_ref()
            .filter(|m| !m.article_id.is_empty())
            .ok_or_else(|| {
                Failure::new(
                    FailureKind::InvalidRecord,
                    "the article has no meta.article_id",
                )
            })?;
        self.limits.check(article, "the NER model reads")?;
        let sentences = entities::sentence_words(article);
        let words: Vec<Vec<&str>> = sentences
            .iter()
            .map(|s| s.words.iter().map(|w| w.text).collect())
            .collect();
        let tags = self
            .model
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .tag(&words);
        let (mentions, entities) = entities::build(article, &sentences, &tags);
        let service_version = env!("CARGO_PKG_VERSION");
        let version = content_version([
            meta.version.as_bytes(),
            STAGE.as_bytes(),
            service_version.as_bytes(),
            self.model_version.as_bytes(),
        ]);
        let producer = v1::Producer {
            stage: STAGE.into(),
            service_version: service_version.into(),
            model_version: self.model_version.clone(),
        };
        Ok(v1::ArticleEntities {
            meta: Some(derived_meta(meta, version, producer)),
            article: Some(article.clone()),
            mentions,
            entities,
        })
    }
}

impl Transform for Recognize {
    type Input = v1::Article;

    fn transform(&self, batch: &[v1::Article]) -> Vec<Result<Vec<Emit>, Failure>> {
        batch
            .iter()
            .map(|a| {
                self.recognize(a)
                    .map(|out| vec![Emit::new(self.output.clone(), out)])
            })
            .collect()
    }
}
