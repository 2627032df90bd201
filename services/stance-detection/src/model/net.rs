//! The three networks of the stance model, kept in one weights file under
//! three prefixes:
//!
//! * `embedder`: all-MiniLM-L6-v2 as it was trained (mean-pooled sentence
//!   embeddings), frozen, or a shallower student distilled from it
//!   (`InputSettings::embedder_layers`); it finds the body sentences about
//!   a claim;
//! * `relate`: a small MLP over lexical and embedding overlap features that
//!   says whether a body is about a claim at all (FNC-1's first stage);
//! * `cross`: MiniLM fine-tuned as a cross-encoder over (claim, evidence
//!   sentences) that says agree / disagree / discuss.

use std::collections::HashMap;
use std::path::Path;

use anyhow::Context;
use rust_bert::bert::{BertConfig, BertEmbeddings, BertModel};
use stancewire_model::int8::{Activations, Int8Bert};
use tch::{nn, nn::Module, Kind, Tensor};

use super::encode::mean_pool;

pub const EMBEDDER: &str = "embedder";
pub const RELATE: &str = "relate";
pub const CROSS: &str = "cross";

/// Parameter groups while fine-tuning (the encoder slowly, the head fast),
/// as the shared fine-tuning schedule sets them.
pub use stancewire_model::fine_tune::{ENCODER_GROUP, HEAD_GROUP};

/// A network's encoder: rust-bert's (training, float inference), or the
/// int8 pass over the same weights (`stancewire_model::int8`).
struct Encoder {
    bert: BertModel<BertEmbeddings>,
    int8: Option<Int8Bert>,
}

impl Encoder {
    fn new(p: &nn::Path, config: &BertConfig) -> Encoder {
        Encoder {
            bert: BertModel::new_with_optional_pooler(p, config, false),
            int8: None,
        }
    }

    /// Runs from now on the int8 pass built from `vs`'s float weights
    /// under `prefix`.
    fn quantize(
        &mut self,
        vs: &nn::VarStore,
        prefix: &str,
        config: &BertConfig,
    ) -> anyhow::Result<()> {
        // Each token quantized on its own range: the embedder's passes mix
        // datelines with long sentences, the cross-encoders' pairs short
        // claims with long evidence; one scale a pass cost the 3-layer
        // cross-encoder half a point of FNC-1 dev (`stancewire_model::int8`).
        self.int8 = Some(Int8Bert::new(
            &vs.variables(),
            prefix,
            config,
            Activations::PerToken,
        )?);
        Ok(())
    }

    fn forward_t(&self, ids: &Tensor, mask: &Tensor, types: &Tensor, train: bool) -> Tensor {
        match &self.int8 {
            Some(int8) => int8.forward(ids, mask, types),
            None => bert_out(&self.bert, ids, mask, types, train),
        }
    }
}

fn bert_out(
    bert: &BertModel<BertEmbeddings>,
    ids: &Tensor,
    mask: &Tensor,
    types: &Tensor,
    train: bool,
) -> Tensor {
    bert.forward_t(
        Some(ids),
        Some(mask),
        Some(types),
        None,
        None,
        None,
        None,
        train,
    )
    .expect("BERT forward on well-formed inputs")
    .hidden_state
}

/// Sentence embeddings, unit length.
pub struct Embedder {
    bert: Encoder,
}

impl Embedder {
    pub fn new(p: &nn::Path, config: &BertConfig) -> Embedder {
        Embedder {
            bert: Encoder::new(p, config),
        }
    }

    /// Runs int8 from now on (weights from `vs`, where it was built).
    pub fn quantize(&mut self, vs: &nn::VarStore, config: &BertConfig) -> anyhow::Result<()> {
        self.bert.quantize(vs, EMBEDDER, config)
    }

    pub fn forward(&self, ids: &Tensor, mask: &Tensor, types: &Tensor) -> Tensor {
        let hidden = self
            .bert
            .forward_t(ids, mask, types, false)
            .to_kind(Kind::Float);
        let pooled = mean_pool(&hidden, mask);
        let norm = pooled.norm_scalaropt_dim(2, [1], true).clamp_min(1e-9);
        pooled / norm
    }
}

/// Number of relatedness features (see `features`).
pub const FEATURES: i64 = 10;

/// Related-or-not from overlap features, standardised by the training set's
/// mean and spread (stored with the weights).
pub struct RelateNet {
    mean: Tensor,
    std: Tensor,
    hidden: nn::Linear,
    out: nn::Linear,
}

impl RelateNet {
    pub fn new(p: &nn::Path) -> RelateNet {
        RelateNet {
            mean: p.zeros_no_train("mean", &[FEATURES]),
            std: p.ones_no_train("std", &[FEATURES]),
            hidden: nn::linear(p / "hidden", FEATURES, 32, Default::default()),
            out: nn::linear(p / "out", 32, 1, Default::default()),
        }
    }

    /// Sets the standardisation from the training features `[n, FEATURES]`.
    pub fn fit_scale(&mut self, x: &Tensor) {
        tch::no_grad(|| {
            self.mean.copy_(&x.mean_dim(0, false, Kind::Float));
            self.std.copy_(&x.std_dim(0, true, false).clamp_min(1e-4));
        });
    }

    /// The logit of "related", `[n]`.
    pub fn forward(&self, x: &Tensor) -> Tensor {
        // The features are float32; the weights may run in bfloat16.
        let x = x.to_kind(self.mean.kind());
        let z = (x - &self.mean) / &self.std;
        self.out
            .forward(&self.hidden.forward(&z).relu())
            .squeeze_dim(-1)
            .to_kind(Kind::Float)
    }
}

/// agree / disagree / discuss logits from a (claim, evidence) pair.
pub struct CrossNet {
    bert: Encoder,
    classifier: nn::Linear,
    dropout: f64,
}

impl CrossNet {
    pub fn new(p: &nn::Path, config: &BertConfig) -> CrossNet {
        CrossNet {
            bert: Encoder::new(&(p / "bert"), config),
            classifier: nn::linear(
                p.set_group(HEAD_GROUP) / "classifier",
                config.hidden_size,
                3,
                Default::default(),
            ),
            dropout: config.hidden_dropout_prob,
        }
    }

    /// Runs int8 from now on (weights from `vs`, where it was built).
    pub fn quantize(&mut self, vs: &nn::VarStore, config: &BertConfig) -> anyhow::Result<()> {
        self.bert.quantize(vs, &format!("{CROSS}.bert"), config)
    }

    pub fn forward_t(&self, ids: &Tensor, mask: &Tensor, types: &Tensor, train: bool) -> Tensor {
        let hidden = self.bert.forward_t(ids, mask, types, train);
        let pooled = mean_pool(&hidden, mask);
        self.classifier
            .forward(&pooled.dropout(self.dropout, train))
            .to_kind(Kind::Float)
    }
}

/// Copies all-MiniLM-L6-v2's encoder weights into `vs` under `prefix`
/// (its pooler is not used).
pub fn init_from_base(vs: &nn::VarStore, weights: &Path, prefix: &str) -> anyhow::Result<()> {
    let base = Tensor::read_safetensors(weights)
        .with_context(|| format!("reading {}", weights.display()))?;
    let vars: HashMap<String, Tensor> = vs.variables();
    let mut copied = 0;
    tch::no_grad(|| -> anyhow::Result<()> {
        for (name, src) in base {
            let Some(dst) = vars.get(&format!("{prefix}.{name}")) else {
                continue;
            };
            anyhow::ensure!(
                dst.size() == src.size(),
                "{name}: base {:?}, model {:?}",
                src.size(),
                dst.size()
            );
            dst.shallow_clone().copy_(&src);
            copied += 1;
        }
        Ok(())
    })?;
    let expected = vars
        .keys()
        .filter(|k| k.starts_with(&format!("{prefix}.")) && !k.contains("classifier"))
        .count();
    anyhow::ensure!(
        copied == expected,
        "base model filled {copied} of {expected} tensors under {prefix}"
    );
    Ok(())
}
