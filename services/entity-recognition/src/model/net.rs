//! The network: rust-bert's `BertModel` (no pooler) with a linear tag head,
//! the casing classes fed as token types. Initialised from the
//! all-MiniLM-L6-v2 base for training, or loaded whole from a shipped model.

use std::collections::HashMap;
use std::path::Path;

use anyhow::Context;
use rust_bert::bert::{BertConfig, BertEmbeddings, BertModel};
use tch::{nn, nn::Module, Tensor};

use super::{casing, labels::TAGS};

pub struct NerNet {
    bert: BertModel<BertEmbeddings>,
    classifier: nn::Linear,
    dropout: f64,
}

/// Parameter groups: the encoder learns slowly, the fresh head fast.
pub const ENCODER_GROUP: usize = 0;
pub const HEAD_GROUP: usize = 1;

impl NerNet {
    pub fn new(p: &nn::Path, config: &BertConfig) -> NerNet {
        NerNet {
            bert: BertModel::new_with_optional_pooler(p / "bert", config, false),
            classifier: nn::linear(
                p.set_group(HEAD_GROUP) / "classifier",
                config.hidden_size,
                TAGS.len() as i64,
                Default::default(),
            ),
            dropout: config.hidden_dropout_prob,
        }
    }

    /// Tag logits `[batch, pieces, TAGS.len()]`.
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
/// labelled with our tags.
pub fn config_from_base(base_config: &Path) -> anyhow::Result<BertConfig> {
    let text = std::fs::read_to_string(base_config)
        .with_context(|| format!("reading {}", base_config.display()))?;
    let mut config: BertConfig = serde_json::from_str(&text)?;
    config.type_vocab_size = casing::CLASSES;
    config.id2label = Some(
        TAGS.iter()
            .enumerate()
            .map(|(i, t)| (i as i64, t.to_string()))
            .collect(),
    );
    config.label2id = Some(
        TAGS.iter()
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

/// Copies a trained model's weights into a shallower student in `vs`: the
/// embeddings, the head, and the teacher's bottom layers, as many as the
/// student has (dropping the top layers loses least; Sajjad et al., 2023).
pub fn init_from_teacher(vs: &nn::VarStore, weights: &Path) -> anyhow::Result<()> {
    let teacher: HashMap<String, Tensor> = Tensor::read_safetensors(weights)
        .with_context(|| format!("reading {}", weights.display()))?
        .into_iter()
        .collect();
    tch::no_grad(|| -> anyhow::Result<()> {
        for (name, dst) in vs.variables() {
            let src = teacher
                .get(&name)
                .with_context(|| format!("the teacher has no {name}"))?;
            anyhow::ensure!(dst.size() == src.size(), "{name}: shapes differ");
            dst.shallow_clone().copy_(src);
        }
        Ok(())
    })
}
