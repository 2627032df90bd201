//! The tagger's forward pass with int8 linear layers, for CPUs without fast
//! bfloat16 (AVX2 machines like the project's own): fbgemm multiplies int8
//! weights by activations quantized per call, about 1.4× the float32 speed of
//! the same matrices here. Each weight row (output channel) gets its own
//! scale, which keeps the tagger's dev F1 (see the model card); fbgemm's
//! legacy op takes one scale per matrix, so rows are scaled to ±127 before
//! packing and the scales applied to the output columns after.
//!
//! Training and the float path run rust-bert's `BertModel` (`net.rs`); this
//! is the same network written out in tch ops over the same trained weights,
//! and a test holds it to rust-bert's output.

use std::collections::HashMap;

use anyhow::Context;
use rust_bert::bert::BertConfig;
use tch::{Device, Kind, Scalar, Tensor};

/// A linear layer with int8 weights, quantized per output channel.
struct QuantizedLinear {
    weight: Tensor,
    packed: Tensor,
    col_offsets: Tensor,
    /// Per output column: the row's absolute maximum / 127.
    scale: Tensor,
    bias: Tensor,
    zeros: Tensor,
}

impl QuantizedLinear {
    fn new(weight: &Tensor, bias: &Tensor) -> QuantizedLinear {
        let w = weight.to_kind(Kind::Float);
        let absmax = w.abs().amax([1].as_slice(), true).clamp_min(1e-12);
        let q = (&w / &absmax * 127.0)
            .round()
            .clamp(-127.0, 127.0)
            .to_kind(Kind::Int8);
        // fbgemm's zero-point correction: each row's sum (zero point 0).
        let col_offsets = q
            .to_kind(Kind::Int)
            .sum_dim_intlist([1].as_slice(), false, Kind::Int);
        let bias = bias.to_kind(Kind::Float);
        QuantizedLinear {
            packed: q.fbgemm_pack_quantized_matrix(),
            weight: q,
            col_offsets,
            scale: absmax.squeeze_dim(1) / 127.0,
            zeros: bias.zeros_like(),
            bias,
        }
    }

    fn forward(&self, x: &Tensor) -> Tensor {
        x.fbgemm_linear_int8_weight_fp32_activation(
            &self.weight,
            &self.packed,
            &self.col_offsets,
            Scalar::float(1.0),
            Scalar::int(0),
            &self.zeros,
        ) * &self.scale
            + &self.bias
    }
}

struct LayerNorm {
    weight: Tensor,
    bias: Tensor,
}

impl LayerNorm {
    fn forward(&self, x: &Tensor) -> Tensor {
        let d = self.weight.size()[0];
        x.layer_norm(
            [d].as_slice(),
            Some(&self.weight),
            Some(&self.bias),
            1e-12,
            false,
        )
    }
}

struct Layer {
    /// Query, key and value in one matrix.
    qkv: QuantizedLinear,
    attention_out: QuantizedLinear,
    attention_norm: LayerNorm,
    intermediate: QuantizedLinear,
    output: QuantizedLinear,
    output_norm: LayerNorm,
}

/// The NER network for int8 inference.
pub struct Int8Tagger {
    word: Tensor,
    position: Tensor,
    token_type: Tensor,
    embedding_norm: LayerNorm,
    layers: Vec<Layer>,
    classifier: (Tensor, Tensor),
    heads: i64,
}

impl Int8Tagger {
    /// Builds it from the tagger's variables (rust-bert's names, as
    /// `TaggerNet` has them).
    pub fn new(vars: &HashMap<String, Tensor>, config: &BertConfig) -> anyhow::Result<Int8Tagger> {
        let get = |name: &str| -> anyhow::Result<Tensor> {
            Ok(vars
                .get(name)
                .with_context(|| format!("the model has no {name}"))?
                .to_kind(Kind::Float))
        };
        let linear = |name: &str| -> anyhow::Result<QuantizedLinear> {
            Ok(QuantizedLinear::new(
                &get(&format!("{name}.weight"))?,
                &get(&format!("{name}.bias"))?,
            ))
        };
        let norm = |name: &str| -> anyhow::Result<LayerNorm> {
            Ok(LayerNorm {
                weight: get(&format!("{name}.weight"))?,
                bias: get(&format!("{name}.bias"))?,
            })
        };
        let layers = (0..config.num_hidden_layers)
            .map(|i| {
                let p = format!("bert.encoder.layer.{i}");
                let attn = format!("{p}.attention.self");
                let cat = |part: &str| -> anyhow::Result<Tensor> {
                    Ok(Tensor::cat(
                        &[
                            get(&format!("{attn}.query.{part}"))?,
                            get(&format!("{attn}.key.{part}"))?,
                            get(&format!("{attn}.value.{part}"))?,
                        ],
                        0,
                    ))
                };
                Ok(Layer {
                    qkv: QuantizedLinear::new(&cat("weight")?, &cat("bias")?),
                    attention_out: linear(&format!("{p}.attention.output.dense"))?,
                    attention_norm: norm(&format!("{p}.attention.output.LayerNorm"))?,
                    intermediate: linear(&format!("{p}.intermediate.dense"))?,
                    output: linear(&format!("{p}.output.dense"))?,
                    output_norm: norm(&format!("{p}.output.LayerNorm"))?,
                })
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(Int8Tagger {
            word: get("bert.embeddings.word_embeddings.weight")?,
            position: get("bert.embeddings.position_embeddings.weight")?,
            token_type: get("bert.embeddings.token_type_embeddings.weight")?,
            embedding_norm: norm("bert.embeddings.LayerNorm")?,
            layers,
            classifier: (get("classifier.weight")?, get("classifier.bias")?),
            heads: config.num_attention_heads,
        })
    }

    /// Tag logits `[batch, pieces, tags]`, as `TaggerNet::forward_t` gives them.
    pub fn forward(&self, ids: &Tensor, mask: &Tensor, types: &Tensor) -> Tensor {
        let (b, n) = ids.size2().expect("[batch, pieces] ids");
        let positions = Tensor::arange(n, (Kind::Int64, Device::Cpu));
        let embedded = Tensor::embedding(&self.word, ids, -1, false, false)
            + Tensor::embedding(&self.position, &positions, -1, false, false).unsqueeze(0)
            + Tensor::embedding(&self.token_type, types, -1, false, false);
        let mut hidden = self.embedding_norm.forward(&embedded);
        let d = hidden.size()[2];
        let head = d / self.heads;
        // Padding gets -10000 before the softmax, as in rust-bert.
        let mask = ((mask.to_kind(Kind::Float) - 1.0) * 10000.0).view([b, 1, 1, n]);
        for layer in &self.layers {
            let qkv = layer
                .qkv
                .forward(&hidden)
                .view([b, n, 3, self.heads, head])
                .permute([2, 0, 3, 1, 4]);
            let (q, k, v) = (qkv.get(0), qkv.get(1), qkv.get(2));
            let scores = (q / (head as f64).sqrt()).matmul(&k.transpose(-1, -2)) + &mask;
            let context = scores
                .softmax(-1, Kind::Float)
                .matmul(&v)
                .transpose(1, 2)
                .contiguous()
                .view([b, n, d]);
            let attended = layer
                .attention_norm
                .forward(&(layer.attention_out.forward(&context) + &hidden));
            let inner = layer.intermediate.forward(&attended).gelu("none");
            hidden = layer
                .output_norm
                .forward(&(layer.output.forward(&inner) + &attended));
        }
        hidden.linear(&self.classifier.0, Some(&self.classifier.1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tagger::{encode::Encoder, net::TaggerNet};
    use crate::{batching::pad_rows, load_weights, models_dir, Precision};
    use rust_bert::Config;
    use tch::nn;

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
