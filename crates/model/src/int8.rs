//! A BERT encoder's forward pass with int8 linear layers, for CPUs where
//! int8 multiplies faster than bfloat16 (AVX2, and AVX-512 without AMX:
//! fbgemm multiplies int8 weights by activations quantized per call). On
//! the project's machines: about 1.4× the float32 speed of the same
//! matrices on AVX2, and 1.4× bfloat16's on an AVX-512 BF16 CPU without
//! AMX (the attribution tagger over 40 BBC articles: 4.3 s against 6.0 s).
//! Each weight row (output channel) gets its own scale, which keeps every
//! model's dev score (see the model cards); fbgemm's legacy op takes one
//! scale per matrix, so rows are scaled to ±127 before packing and the
//! scales applied to the output columns after.
//!
//! Activations are quantized by fbgemm with one scale per call. Where a
//! pass holds tokens of very different magnitudes that scale is too coarse
//! for the small ones, and a row's numbers depend on what else is in its
//! pass; [`Activations::PerToken`] first divides each token's vector by its
//! own largest magnitude (multiplying the output back), so each token is
//! quantized on its own range: the 3-layer stance cross-encoder scores
//! FNC-1 dev 89.37% against 88.93% with one scale a pass (float32 89.32),
//! for about a tenth more time.
//!
//! Around the products, each output element is written as few times as it
//! can be: with one scale a pass fbgemm adds `bias / scale` itself, so one
//! multiply (or one `addcmul` with the residual) finishes a layer; each
//! residual goes into its layer's output in place; the attention's
//! 1/√(head size) lives in the query rows' weight scales. The taggers (one
//! scale a pass) gain most: over 100 BBC articles the attribution tagger
//! took 59–61 ms an article against 62–68, and the whole of stance-detection
//! 3–5% less (README, Benchmarks). The numbers differ from the step-by-step pass in
//! the last float digits only; the models' dev scores are in their cards.
//!
//! Training and the float path run rust-bert's `BertModel`; this is the same
//! network written out in tch ops over the same trained weights, for every
//! model of the project (the taggers, the sentence embedder, the
//! cross-encoders), and tests hold it to rust-bert's output.

use std::collections::HashMap;

use anyhow::Context;
use rust_bert::bert::BertConfig;
use tch::{Device, Kind, Scalar, Tensor};

/// How a layer's input (activations) is quantized for its int8 multiply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activations {
    /// One scale for the whole pass (fbgemm's own): the fastest.
    PerPass,
    /// Each token on its own range: closer to float, and a token's numbers
    /// hardly depend on the other rows of its pass (only through the
    /// common range of the scaled rows, at most ±1).
    PerToken,
}

/// A linear layer with int8 weights, quantized per output channel.
struct QuantizedLinear {
    activations: Activations,
    weight: Tensor,
    packed: Tensor,
    col_offsets: Tensor,
    /// Per output column: the row's absolute maximum / 127.
    scale: Tensor,
    bias: Tensor,
    /// What fbgemm adds to its product: `bias / scale` with one scale a
    /// pass (so that one multiply by `scale` after it gives the layer's
    /// output), zeros per token (the token's own scale comes first).
    fbgemm_bias: Tensor,
}

impl QuantizedLinear {
    fn new(weight: &Tensor, bias: &Tensor, activations: Activations) -> QuantizedLinear {
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
        let scale = absmax.squeeze_dim(1) / 127.0;
        let fbgemm_bias = match activations {
            Activations::PerPass => &bias / &scale,
            Activations::PerToken => bias.zeros_like(),
        };
        QuantizedLinear {
            activations,
            packed: q.fbgemm_pack_quantized_matrix(),
            weight: q,
            col_offsets,
            scale,
            fbgemm_bias,
            bias,
        }
    }

    /// `x` through the layer.
    fn forward(&self, x: &Tensor) -> Tensor {
        self.forward_onto(x, None)
    }

    /// `x` through the layer, plus `residual` where there is one, added in
    /// place: no output-sized tensor for each step.
    fn forward_onto(&self, x: &Tensor, residual: Option<Tensor>) -> Tensor {
        match self.activations {
            // fbgemm added `bias / scale`: one pass gives scale × that, plus
            // the residual.
            Activations::PerPass => {
                let mut y = self.multiply(x);
                match residual {
                    Some(r) => {
                        let _ = r.addcmul_out(&y, &y, &self.scale);
                    }
                    None => y *= &self.scale,
                }
                y
            }
            // Each row scaled to ±1 before the multiply (so fbgemm's one
            // scale fits every row) and scaled back after.
            Activations::PerToken => {
                let rows = x.abs().amax([-1].as_slice(), true).clamp_min(1e-12);
                let mut y = self.multiply(&(x / &rows));
                y *= &rows;
                y *= &self.scale;
                y += &self.bias;
                if let Some(r) = residual {
                    y += r;
                }
                y
            }
        }
    }

    /// fbgemm's int8 product of `x` with the rows as quantized, plus
    /// `fbgemm_bias` (before the per-row weight scales).
    fn multiply(&self, x: &Tensor) -> Tensor {
        x.fbgemm_linear_int8_weight_fp32_activation(
            &self.weight,
            &self.packed,
            &self.col_offsets,
            Scalar::float(1.0),
            Scalar::int(0),
            &self.fbgemm_bias,
        )
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

/// A BERT encoder (embeddings and layers, no pooler) for int8 inference.
pub struct Int8Bert {
    word: Tensor,
    position: Tensor,
    token_type: Tensor,
    embedding_norm: LayerNorm,
    layers: Vec<Layer>,
    heads: i64,
}

/// A variable of `vars` as float32, or an error naming it.
pub fn float_var(vars: &HashMap<String, Tensor>, name: &str) -> anyhow::Result<Tensor> {
    Ok(vars
        .get(name)
        .with_context(|| format!("the model has no {name}"))?
        .to_kind(Kind::Float))
}

impl Int8Bert {
    /// Builds it from a float model's variables: rust-bert's `BertModel`
    /// names under `prefix` (`bert` for the taggers, `embedder` and
    /// `cross.bert` for the stance networks), its activations quantized
    /// as `activations` says.
    pub fn new(
        vars: &HashMap<String, Tensor>,
        prefix: &str,
        config: &BertConfig,
        activations: Activations,
    ) -> anyhow::Result<Int8Bert> {
        let get = |name: &str| float_var(vars, &format!("{prefix}.{name}"));
        let linear = |name: &str| -> anyhow::Result<QuantizedLinear> {
            Ok(QuantizedLinear::new(
                &get(&format!("{name}.weight"))?,
                &get(&format!("{name}.bias"))?,
                activations,
            ))
        };
        let norm = |name: &str| -> anyhow::Result<LayerNorm> {
            Ok(LayerNorm {
                weight: get(&format!("{name}.weight"))?,
                bias: get(&format!("{name}.bias"))?,
            })
        };
        // The attention's 1/√(head size) goes into the query's rows, where
        // it costs nothing: a row scaled by a constant quantizes to the same
        // int8 values, its scale multiplied by that constant.
        let head = (config.hidden_size / config.num_attention_heads) as f64;
        let query_scale = 1.0 / head.sqrt();
        let layers = (0..config.num_hidden_layers)
            .map(|i| {
                let p = format!("encoder.layer.{i}");
                let attn = format!("{p}.attention.self");
                let cat = |part: &str| -> anyhow::Result<Tensor> {
                    Ok(Tensor::cat(
                        &[
                            get(&format!("{attn}.query.{part}"))? * query_scale,
                            get(&format!("{attn}.key.{part}"))?,
                            get(&format!("{attn}.value.{part}"))?,
                        ],
                        0,
                    ))
                };
                Ok(Layer {
                    qkv: QuantizedLinear::new(&cat("weight")?, &cat("bias")?, activations),
                    attention_out: linear(&format!("{p}.attention.output.dense"))?,
                    attention_norm: norm(&format!("{p}.attention.output.LayerNorm"))?,
                    intermediate: linear(&format!("{p}.intermediate.dense"))?,
                    output: linear(&format!("{p}.output.dense"))?,
                    output_norm: norm(&format!("{p}.output.LayerNorm"))?,
                })
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(Int8Bert {
            word: get("embeddings.word_embeddings.weight")?,
            position: get("embeddings.position_embeddings.weight")?,
            token_type: get("embeddings.token_type_embeddings.weight")?,
            embedding_norm: norm("embeddings.LayerNorm")?,
            layers,
            heads: config.num_attention_heads,
        })
    }

    /// The last hidden states `[batch, pieces, hidden]`, as rust-bert's
    /// `BertModel::forward_t(..).hidden_state` gives them.
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
            // The query came out of its layer already divided by √head.
            let mut scores = q.matmul(&k.transpose(-1, -2));
            scores += &mask;
            let context = scores
                .softmax(-1, Kind::Float)
                .matmul(&v)
                .transpose(1, 2)
                .contiguous()
                .view([b, n, d]);
            // Each residual is added into its layer's output in place: the
            // input it came from is not read again.
            let attended = layer
                .attention_norm
                .forward(&layer.attention_out.forward_onto(&context, Some(hidden)));
            let mut inner = layer.intermediate.forward(&attended);
            let _ = inner.gelu_("none");
            hidden = layer
                .output_norm
                .forward(&layer.output.forward_onto(&inner, Some(attended)));
        }
        hidden
    }
}
