//! The statement-stance model: reads one statement against a claim — does
//! it support, deny or only discuss it? A MiniLM cross-encoder of the stance
//! model's make (`net::CrossNet`), fine-tuned from its FNC-1 cross-encoder on
//! Emergent's one-sentence statements about claims (see
//! `models/statement-stance/MODEL_CARD.md`). `crate::judge` runs it on each
//! source's sentence against the claims of others.
//!
//! A model directory holds `config.json`, `vocab.txt` and
//! `model.safetensors` (the cross-encoder's weights, named `cross.*`).

use std::path::{Path, PathBuf};

use rust_bert::bert::BertConfig;
use rust_bert::Config;
use stancewire_model::{load_weights, models_dir, Precision, Runtime};
use tch::{nn, Device};

use super::classify_with;
use super::encode::TextEncoder;
use super::net::{self, CrossNet};

/// The model that ships with the project.
pub fn shipped_dir() -> PathBuf {
    models_dir().join("statement-stance")
}

/// Its 3-layer student, which ships beside it (opt-in: `model.statement_path`;
/// `models/statement-stance-fast/MODEL_CARD.md`).
pub fn distilled_dir() -> PathBuf {
    models_dir().join("statement-stance-fast")
}

/// Most pieces of a (claim, statement) pair, as trained.
pub const PAIR_PIECES: usize = 128;

pub struct StatementModel {
    _vs: nn::VarStore,
    cross: CrossNet,
    encoder: TextEncoder,
    batch_size: usize,
    pub precision: Precision,
    /// A short name for records' `model_version`.
    pub version: String,
}

impl StatementModel {
    pub fn load(dir: &Path, runtime: &Runtime) -> anyhow::Result<StatementModel> {
        let config = BertConfig::from_file(dir.join("config.json"));
        let mut vs = nn::VarStore::new(Device::Cpu);
        let mut cross = CrossNet::new(&(vs.root() / net::CROSS), &config);
        let precision = runtime.precision.resolve();
        let hash = load_weights(&mut vs, &dir.join("model.safetensors"), precision)?;
        if precision == Precision::Int8 {
            cross.quantize(&vs, &config)?;
        }
        Ok(StatementModel {
            _vs: vs,
            cross,
            encoder: TextEncoder::from_vocab(&dir.join("vocab.txt"))?,
            batch_size: runtime.batch_size.max(1),
            precision,
            version: format!("statement-stance-minilm@{hash}-{}", precision.name()),
        })
    }

    /// Support / deny / comment probabilities of each (claim, statement) pair.
    pub fn read(&self, pairs: &[(&str, &str)]) -> Vec<[f32; 3]> {
        let inputs: Vec<_> = pairs
            .iter()
            .map(|(claim, statement)| self.encoder.pair(claim, statement, PAIR_PIECES))
            .collect();
        classify_with(&self.cross, &inputs, self.batch_size)
    }
}
