//! The tagger's forward pass with int8 linear layers: the int8 encoder
//! ([`crate::int8`]) under the tagger's float classifier.

use std::collections::HashMap;

use rust_bert::bert::BertConfig;
use tch::Tensor;

use crate::int8::{float_var, Activations, Int8Bert};

/// The tagger network for int8 inference.
pub struct Int8Tagger {
    bert: Int8Bert,
    classifier: (Tensor, Tensor),
}

impl Int8Tagger {
    /// Builds it from the tagger's variables (rust-bert's names, as
    /// `TaggerNet` has them).
    pub fn new(vars: &HashMap<String, Tensor>, config: &BertConfig) -> anyhow::Result<Int8Tagger> {
        Ok(Int8Tagger {
            bert: Int8Bert::new(vars, "bert", config, Activations::PerPass)?,
            classifier: (
                float_var(vars, "classifier.weight")?,
                float_var(vars, "classifier.bias")?,
            ),
        })
    }

    /// Tag logits `[batch, pieces, tags]`, as `TaggerNet::forward_t` gives them.
    pub fn forward(&self, ids: &Tensor, mask: &Tensor, types: &Tensor) -> Tensor {
        self.bert
            .forward(ids, mask, types)
            .linear(&self.classifier.0, Some(&self.classifier.1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tagger::{encode::Encoder, net::TaggerNet};
    use crate::{batching::pad_rows, load_weights, models_dir, Precision};
    use rust_bert::Config;
    use tch::{nn, Device, Kind};

    /// A shipped tagger in float32: its config, weights and network.
    struct Float {
        config: BertConfig,
        vs: nn::VarStore,
        net: TaggerNet,
        encoder: Encoder,
    }

    fn float_model(dir: &std::path::Path) -> Float {
        let config = BertConfig::from_file(dir.join("config.json"));
        let mut vs = nn::VarStore::new(Device::Cpu);
        let net = TaggerNet::new(&vs.root(), &config);
        load_weights(&mut vs, &dir.join("model.safetensors"), Precision::Float32).unwrap();
        let encoder = Encoder::from_vocab(&dir.join("vocab.txt"), 128).unwrap();
        Float {
            config,
            vs,
            net,
            encoder,
        }
    }

    /// `sentences` (space-separated words) as one padded pass: (ids, types, mask).
    fn one_pass(encoder: &Encoder, sentences: &[&str]) -> (Tensor, Tensor, Tensor) {
        let windows: Vec<_> = sentences
            .iter()
            .flat_map(|s| encoder.encode(&s.split(' ').collect::<Vec<_>>()))
            .collect();
        pad_rows(
            windows
                .iter()
                .map(|w| (w.ids.as_slice(), w.types.as_slice())),
        )
    }

    #[test]
    fn int8_pass_tags_as_rust_bert_does_in_float() {
        for model in ["ner-fast", "ner"] {
            int8_agrees_with_float(&models_dir().join(model));
        }
    }

    /// Per-token activation scales bring the int8 pass closer to float
    /// than one scale a pass, on a pass that mixes a three-word dateline
    /// with long sentences (what the stance networks run, `Activations`).
    #[test]
    fn per_token_activations_come_closer_to_float_than_one_scale_a_pass() {
        let model = float_model(&models_dir().join("ner"));
        let vars = model.vs.variables();
        let tagger = |activations| Int8Tagger {
            bert: Int8Bert::new(&vars, "bert", &model.config, activations).unwrap(),
            classifier: (
                float_var(&vars, "classifier.weight").unwrap(),
                float_var(&vars, "classifier.bias").unwrap(),
            ),
        };
        let (ids, types, mask) = one_pass(
            &model.encoder,
            &[
                "MOSCOW ( Reuters )",
                "Kremlin spokesman Dmitry Peskov told reporters on Friday that the Reuters report , which cited three sources familiar with the matter , was not true and that no such talks had taken place .",
                "Shares in Royal Dutch Shell fell 2 percent in London after the Anglo-Dutch group cut its outlook for the year , citing weaker refining margins and lower gas prices in Europe .",
            ],
        );
        let real = mask.to_kind(Kind::Bool).unsqueeze(-1);
        let float = tch::no_grad(|| model.net.forward_t(&ids, &mask, &types, false));
        let gap = |activations| {
            let logits = tch::no_grad(|| tagger(activations).forward(&ids, &mask, &types));
            (&float - logits)
                .abs()
                .masked_select(&real)
                .mean(Kind::Float)
                .double_value(&[])
        };
        let (per_pass, per_token) = (gap(Activations::PerPass), gap(Activations::PerToken));
        assert!(
            per_token < per_pass,
            "mean logit gap to float: per token {per_token:.4}, per pass {per_pass:.4}"
        );
    }

    fn int8_agrees_with_float(dir: &std::path::Path) {
        let model = float_model(dir);
        let int8 = Int8Tagger::new(&model.vs.variables(), &model.config).unwrap();
        let (ids, types, mask) = one_pass(
            &model.encoder,
            &[
                "Russian President Vladimir Putin met German Chancellor Angela Merkel in Sochi on Friday .",
                "Kremlin spokesman Dmitry Peskov told reporters the Reuters report was not true .",
                "Shares in Royal Dutch Shell fell 2 percent in London after the Anglo-Dutch group cut its outlook .",
                "The U.N. Security Council will meet in New York next week .",
            ],
        );
        let (float, quantized) = tch::no_grad(|| {
            (
                model
                    .net
                    .forward_t(&ids, &mask, &types, false)
                    .softmax(-1, Kind::Float),
                int8.forward(&ids, &mask, &types).softmax(-1, Kind::Float),
            )
        });
        let real = mask.to_kind(Kind::Bool);
        let tags = |p: &Tensor| p.argmax(-1, false).masked_select(&real);
        let agree = tags(&float)
            .eq_tensor(&tags(&quantized))
            .to_kind(Kind::Float)
            .mean(Kind::Float)
            .double_value(&[]);
        let gap = (&float - &quantized)
            .abs()
            .masked_select(&real.unsqueeze(-1))
            .mean(Kind::Float)
            .double_value(&[]);
        let name = dir.display();
        assert!(
            agree >= 0.97,
            "{name}: int8 agrees with float on {agree:.3} of pieces"
        );
        assert!(gap < 0.01, "{name}: mean probability gap {gap:.4}");
    }
}
