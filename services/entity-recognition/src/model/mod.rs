//! The NER model: a MiniLM BERT word tagger with a casing feature
//! (`stancewire_model::tagger`), trained by this project (6 layers in
//! `models/ner`, distilled to 2 in `models/ner-fast`, the default; see their
//! `MODEL_CARD.md`), tagging BIO over PER, ORG, LOC and MISC ([`labels`]).

pub mod labels;

use std::path::{Path, PathBuf};

use stancewire_model::tagger::{bio, Tagger};
use stancewire_model::{models_dir, Precision, Runtime};

/// The default model: the 2-layer `models/ner-fast`, which meets the speed
/// target on a 2-core CPU.
pub fn shipped_dir() -> PathBuf {
    models_dir().join("ner-fast")
}

/// The 6-layer `models/ner` that `ner-fast` was distilled from: about one F1
/// point better, a third of the speed.
pub fn accurate_dir() -> PathBuf {
    models_dir().join("ner")
}

/// Most word pieces per window; longer sentences are windowed.
pub const MAX_PIECES: usize = 128;

/// A word's tag (index into `labels::TAGS`) and the model's probability for it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tagged {
    pub tag: usize,
    pub score: f32,
}

pub struct NerModel {
    tagger: Tagger,
    /// The precision it runs in (never `auto`).
    pub precision: Precision,
    /// A short name for records' `model_version`: layers, weights hash and
    /// the precision it ran in.
    pub version: String,
}

impl NerModel {
    /// Loads a trained model directory.
    pub fn load(dir: &Path, runtime: &Runtime, max_pieces: usize) -> anyhow::Result<NerModel> {
        let tagger = Tagger::load(dir, runtime, max_pieces, 1)?;
        // Float and int8 tag a little differently: the precision is part of
        // the version, so outputs of each are told apart.
        let version = format!(
            "ner-minilm-casing-l{}@{}-{}",
            tagger.layers(),
            tagger.hash,
            tagger.precision.name()
        );
        Ok(NerModel {
            precision: tagger.precision,
            tagger,
            version,
        })
    }

    /// Tags many sentences at once (each a list of words): one tag per word.
    pub fn tag<S: AsRef<str>>(&self, sentences: &[Vec<S>]) -> Vec<Vec<Tagged>> {
        self.tagger
            .tag(sentences, Tagged { tag: 0, score: 1.0 }, decode)
    }
}

/// A window's tags under BIO constraints, each with its probability.
pub fn decode(word_scores: &[f32]) -> Vec<Tagged> {
    let n = labels::TAGS.len();
    bio::decode(word_scores, n)
        .into_iter()
        .enumerate()
        .map(|(k, tag)| Tagged {
            tag,
            score: word_scores[k * n + tag].exp(),
        })
        .collect()
}
