//! The tagger's forward pass with int8 linear layers: the int8 encoder
//! ([`crate::int8`]) under the tagger's float classifier.

use std::collections::HashMap;

use rust_bert::bert::BertConfig;
use tch::Tensor;

use crate::int8::{float_var, Int8Bert};

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
            bert: Int8Bert::new(vars, "bert", config)?,
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

    #[test]
    fn int8_pass_tags_as_rust_bert_does_in_float() {
        for model in ["ner-fast", "ner"] {
            int8_agrees_with_float(&models_dir().join(model));
        }
    }

    fn int8_agrees_with_float(dir: &std::path::Path) {
        let config = BertConfig::from_file(dir.join("config.json"));
        let mut vs = nn::VarStore::new(Device::Cpu);
        let net = TaggerNet::new(&vs.root(), &config);
        load_weights(&mut vs, &dir.join("model.safetensors"), Precision::Float32).unwrap();
        let int8 = Int8Tagger::new(&vs.variables(), &config).unwrap();
        let encoder = Encoder::from_vocab(&dir.join("vocab.txt"), 128).unwrap();
        let sentences = [
            "Russian President Vladimir Putin met German Chancellor Angela Merkel in Sochi on Friday .",
            "Kremlin spokesman Dmitry Peskov told reporters the Reuters report was not true .",
            "Shares in Royal Dutch Shell fell 2 percent in London after the Anglo-Dutch group cut its outlook .",
            "The U.N. Security Council will meet in New York next week .",
        ];
        let windows: Vec<_> = sentences
            .iter()
            .flat_map(|s| encoder.encode(&s.split(' ').collect::<Vec<_>>()))
            .collect();
        let (ids, types, mask) = pad_rows(
            windows
                .iter()
                .map(|w| (w.ids.as_slice(), w.types.as_slice())),
        );
        let (float, quantized) = tch::no_grad(|| {
            (
                net.forward_t(&ids, &mask, &types, false)
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
