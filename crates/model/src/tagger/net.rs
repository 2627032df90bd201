//! The network: rust-bert's `BertModel` (no pooler) with a linear tag head,
//! the casing classes fed as token types. Initialised from the
//! all-MiniLM-L6-v2 base (or another tagger) for training, or loaded whole
//! from a shipped model. Its labels are named in the config's `id2label`.

use std::collections::HashMap;
use std::path::Path;

use anyhow::Context;
use rust_bert::bert::{BertConfig, BertEmbeddings, BertModel};
use tch::{nn, nn::Module, Tensor};

use super::casing;
use crate::fine_tune::HEAD_GROUP;

pub struct TaggerNet {
    bert: BertModel<BertEmbeddings>,
    classifier: nn::Linear,
    dropout: f64,
}

/// How many outputs a tagger's head has: one per label of its config.
pub fn outputs(config: &BertConfig) -> i64 {
    config.id2label.as_ref().map_or(0, |l| l.len() as i64)
}

impl TaggerNet {
    pub fn new(p: &nn::Path, config: &BertConfig) -> TaggerNet {
        TaggerNet {
            bert: BertModel::new_with_optional_pooler(p / "bert", config, false),
            classifier: nn::linear(
                p.set_group(HEAD_GROUP) / "classifier",
                config.hidden_size,
                outputs(config),
                Default::default(),
            ),
            dropout: config.hidden_dropout_prob,
        }
    }

    /// Tag logits `[batch, pieces, outputs]`.
    pub fn forward_t(&self, ids: &Tensor, mask: &Tensor, types: &Tensor, train: bool) -> Tensor {
        let out = self
            .bert
            .forward_t(
                Some(ids),
                Some(mask),
                Some(types),
                None,
                None,
                None,
                None,
                train,
            )
            .expect("BERT forward on well-formed inputs");
        self.classifier
            .forward(&out.hidden_state.dropout(self.dropout, train))
    }
}

/// The base model's configuration, widened for the casing classes and
/// labelled with the tagger's labels (its head's outputs, in order).
pub fn config_from_base(base_config: &Path, labels: &[&str]) -> anyhow::Result<BertConfig> {
    let text = std::fs::read_to_string(base_config)
        .with_context(|| format!("reading {}", base_config.display()))?;
    let mut config: BertConfig = serde_json::from_str(&text)?;
    config.type_vocab_size = casing::CLASSES;
    config.id2label = Some(
        labels
            .iter()
            .enumerate()
            .map(|(i, t)| (i as i64, t.to_string()))
            .collect(),
    );
    config.label2id = Some(
        labels
            .iter()
            .enumerate()
            .map(|(i, t)| (t.to_string(), i as i64))
            .collect(),
    );
    Ok(config)
}

/// Copies the base encoder's weights into `vs` (names gain the `bert.`
/// prefix; the two token-type rows seed the casing rows, each with a little
/// noise so that the classes start apart).
pub fn init_from_base(vs: &nn::VarStore, weights: &Path) -> anyhow::Result<()> {
    let base = Tensor::read_safetensors(weights)
        .with_context(|| format!("reading {}", weights.display()))?;
    let vars: HashMap<String, Tensor> = vs.variables();
    let mut copied = 0;
    tch::no_grad(|| -> anyhow::Result<()> {
        for (name, src) in base {
            let target = format!("bert.{name}");
            let Some(dst) = vars.get(&target) else {
                continue; // the pooler, which tagging does not use
            };
            let mut dst = dst.shallow_clone();
            if name.ends_with("token_type_embeddings.weight") {
                let rows = dst.size()[0];
                let seed = src.get(0).unsqueeze(0).repeat([rows, 1]);
                let noise = Tensor::randn_like(&seed) * 0.02;
                dst.copy_(&(seed + noise));
            } else {
                anyhow::ensure!(
                    dst.size() == src.size(),
                    "{name}: base {:?}, model {:?}",
                    src.size(),
                    dst.size()
                );
                dst.copy_(&src);
            }
            copied += 1;
        }
        Ok(())
    })?;
    let expected = vars.keys().filter(|k| k.starts_with("bert.")).count();
    anyhow::ensure!(
        copied == expected,
        "base model filled {copied} of {expected} encoder tensors"
    );
    Ok(())
}

/// Copies a trained tagger's weights into `vs`: the embeddings and as many
/// of its bottom layers as `vs` has (a shallower student keeps the bottom
/// ones: dropping the top layers loses least; Sajjad et al., 2023), and,
/// `with_head`, its tag head too (distilling the same labels); without it,
/// the head starts fresh (a tagger of other labels built on this encoder).
pub fn init_from_tagger(vs: &nn::VarStore, weights: &Path, with_head: bool) -> anyhow::Result<()> {
    let teacher: HashMap<String, Tensor> = Tensor::read_safetensors(weights)
        .with_context(|| format!("reading {}", weights.display()))?
        .into_iter()
        .collect();
    tch::no_grad(|| -> anyhow::Result<()> {
        for (name, dst) in vs.variables() {
            if !with_head && !name.starts_with("bert.") {
                continue;
            }
            let src = teacher
                .get(&name)
                .with_context(|| format!("the teacher has no {name}"))?;
            anyhow::ensure!(dst.size() == src.size(), "{name}: shapes differ");
            dst.shallow_clone().copy_(src);
        }
        Ok(())
    })
}
