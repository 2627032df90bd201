//! The NER model: a MiniLM BERT token classifier with a casing feature,
//! trained by this project (6 layers in `models/ner`, distilled to 2 in
//! `models/ner-fast`, the default; see their `MODEL_CARD.md`), and the
//! batched tagging that the service and the evaluation share. It runs
//! through rust-bert in float, or through `int8.rs` with int8 linear layers.
//!
//! A model directory holds `config.json` (rust-bert's `BertConfig`),
//! `vocab.txt` and `model.safetensors`.

pub mod batching;
pub mod casing;
pub mod encode;
pub mod int8;
pub mod labels;
pub mod net;

use std::path::{Path, PathBuf};

use anyhow::Context;
use rust_bert::bert::BertConfig;
use rust_bert::Config;
use serde::{Deserialize, Serialize};
use tch::{nn, Device, Kind, Tensor};

use encode::{Encoder, Piece};
use net::NerNet;

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

fn models_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models")
}

/// Number precision for inference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// bfloat16 where the CPU multiplies it natively (AMX or AVX-512 BF16);
    /// elsewhere int8 for the NER tagger and float32 for other models.
    Auto,
    Float32,
    Bfloat16,
    /// int8 linear layers (`int8.rs`); the NER tagger only, others run float32.
    Int8,
}

impl Precision {
    /// The float precision a model's weights are held in.
    pub fn resolve(self) -> Precision {
        match self {
            Precision::Auto if cpu_has_bf16() => Precision::Bfloat16,
            Precision::Auto | Precision::Int8 => Precision::Float32,
            p => p,
        }
    }

    /// The precision the NER tagger runs in.
    fn resolve_tagger(self) -> Precision {
        match self {
            Precision::Auto if !cpu_has_bf16() => Precision::Int8,
            Precision::Int8 => Precision::Int8,
            p => p.resolve(),
        }
    }
}

fn cpu_has_bf16() -> bool {
    std::fs::read_to_string("/proc/cpuinfo")
        .map(|s| s.contains(" amx_bf16") || s.contains(" avx512_bf16"))
        .unwrap_or(false)
}

/// How libtorch runs: threads and precision. Set once per process.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Runtime {
    /// Intra-op threads (0: one per core).
    pub threads: usize,
    pub precision: Precision,
    /// Most windows per forward pass (fewer where lengths differ: `batching.rs`).
    pub batch_size: usize,
    /// Most word pieces per window (longer sentences are windowed).
    pub max_pieces: usize,
}

impl Default for Runtime {
    fn default() -> Self {
        Runtime {
            threads: 0,
            precision: Precision::Auto,
            // Small batches run faster per sentence on a 2-core CPU (cache-resident
            // activations): 8 → 4.1 s, 32 → 4.3 s, 128 → 5.1 s on 316 dev sentences.
            batch_size: 16,
            max_pieces: 128,
        }
    }
}

impl Runtime {
    pub fn apply(&self) -> usize {
        let threads = if self.threads == 0 {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        } else {
            self.threads
        };
        tch::set_num_threads(threads as i32);
        // libtorch allows this once per process, before any parallel work.
        static INTEROP: std::sync::Once = std::sync::Once::new();
        INTEROP.call_once(|| tch::set_num_interop_threads(1));
        threads
    }
}

/// What runs the network: rust-bert in float, or the int8 pass.
enum Runner {
    Float {
        net: Box<NerNet>,
        /// Held so the weights outlive the network that borrows their tensors.
        _vs: nn::VarStore,
    },
    /// Owns its tensors: the float copies of its linear layers are freed.
    Int8(int8::Int8Tagger),
}

impl Runner {
    fn forward(&self, ids: &Tensor, mask: &Tensor, types: &Tensor) -> Tensor {
        match self {
            Runner::Float { net, .. } => net.forward_t(ids, mask, types, false),
            Runner::Int8(tagger) => tagger.forward(ids, mask, types),
        }
    }
}

pub struct NerModel {
    runner: Runner,
    encoder: Encoder,
    batch_size: usize,
    pub precision: Precision,
    /// A short name for records' `model_version`: directory name + weights hash prefix.
    pub version: String,
}

impl NerModel {
    /// Loads a trained model directory.
    pub fn load(dir: &Path, runtime: &Runtime) -> anyhow::Result<NerModel> {
        let config = BertConfig::from_file(dir.join("config.json"));
        let mut vs = nn::VarStore::new(Device::Cpu);
        let net = NerNet::new(&vs.root(), &config);
        let (float, hash) = load_weights(&mut vs, &dir.join("model.safetensors"), runtime)?;
        let (precision, runner) = match runtime.precision.resolve_tagger() {
            Precision::Int8 => (
                Precision::Int8,
                Runner::Int8(int8::Int8Tagger::new(&vs.variables(), &config)?),
            ),
            _ => (
                float,
                Runner::Float {
                    net: Box::new(net),
                    _vs: vs,
                },
            ),
        };
        // Float and int8 tag a little differently: the precision is part of
        // the version, so outputs of each are told apart.
        let version = format!(
            "ner-minilm-casing-l{}@{hash}-{}",
            config.num_hidden_layers,
            format!("{precision:?}").to_lowercase()
        );
        Ok(NerModel {
            runner,
            encoder: Encoder::from_vocab(&dir.join("vocab.txt"), runtime.max_pieces)?,
            batch_size: runtime.batch_size.max(1),
            precision,
            version,
        })
    }

    pub fn encoder(&self) -> &Encoder {
        &self.encoder
    }

    /// Tags many sentences at once (each a list of words): one tag per word.
    pub fn tag<S: AsRef<str>>(&self, sentences: &[Vec<S>]) -> Vec<Vec<Tagged>> {
        let forward =
            |ids: &Tensor, mask: &Tensor, types: &Tensor| self.runner.forward(ids, mask, types);
        tag_sentences(forward, &self.encoder, self.batch_size, sentences)
    }
}

/// Loads `weights` into `vs`, casts them to the runtime's precision and
/// freezes them. Returns the precision and the first 12 hex digits of the
/// weights file's BLAKE3 hash, which names the model in `model_version`.
pub fn load_weights(
    vs: &mut nn::VarStore,
    weights: &Path,
    runtime: &Runtime,
) -> anyhow::Result<(Precision, String)> {
    vs.load(weights)
        .with_context(|| format!("loading {}", weights.display()))?;
    let precision = runtime.precision.resolve();
    match precision {
        Precision::Bfloat16 => vs.bfloat16(),
        _ => vs.float(),
    }
    vs.freeze();
    let bytes = std::fs::read(weights)?;
    Ok((precision, blake3::hash(&bytes).to_hex()[..12].to_string()))
}

/// A word's tag (index into `labels::TAGS`) and the model's probability for it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tagged {
    pub tag: usize,
    pub score: f32,
}

/// Windows from all sentences are sorted by length and cut into passes
/// where padding costs least (`batching.rs`); each window's words are
/// decoded under BIO constraints.
pub(crate) fn tag_sentences<S: AsRef<str>>(
    forward: impl Fn(&Tensor, &Tensor, &Tensor) -> Tensor,
    encoder: &Encoder,
    batch_size: usize,
    sentences: &[Vec<S>],
) -> Vec<Vec<Tagged>> {
    let mut items: Vec<(usize, Piece)> = Vec::new();
    for (s, words) in sentences.iter().enumerate() {
        if !words.is_empty() {
            items.extend(encoder.encode(words).into_iter().map(|p| (s, p)));
        }
    }
    let blank = Tagged { tag: 0, score: 1.0 };
    let mut out: Vec<Vec<Tagged>> = sentences.iter().map(|w| vec![blank; w.len()]).collect();
    let n = labels::TAGS.len();
    tch::no_grad(|| {
        let lengths: Vec<usize> = items.iter().map(|(_, p)| p.ids.len()).collect();
        for pass in batching::by_length(&lengths, batch_size) {
            let batch: Vec<&(usize, Piece)> = pass.iter().map(|&i| &items[i]).collect();
            let (ids, types, mask) = pad(batch.iter().map(|(_, p)| p));
            let longest = ids.size()[1] as usize;
            // One copy out of libtorch per batch; the rest is plain Rust.
            let log_probs: Vec<f32> = Vec::try_from(
                forward(&ids, &mask, &types)
                    .to_kind(Kind::Float)
                    .log_softmax(-1, Kind::Float)
                    .view([-1]),
            )
            .expect("float log probabilities");
            for (row, (s, piece)) in batch.iter().enumerate() {
                let word_scores: Vec<f32> = piece
                    .firsts
                    .iter()
                    .flat_map(|&f| {
                        let at = (row * longest + f) * n;
                        log_probs[at..at + n].iter().copied()
                    })
                    .collect();
                let tags = labels::decode(&word_scores);
                for w in piece.keep.clone() {
                    let k = w - piece.words.start;
                    out[*s][w] = Tagged {
                        tag: tags[k],
                        score: word_scores[k * n + tags[k]].exp(),
                    };
                }
            }
        }
    });
    out
}

/// Pads windows into `(ids, types, mask)` tensors of shape `[batch, longest]`.
pub(crate) fn pad<'a>(pieces: impl Iterator<Item = &'a Piece> + Clone) -> (Tensor, Tensor, Tensor) {
    pad_rows(pieces.map(|p| (p.ids.as_slice(), p.types.as_slice())))
}

/// Pads `(piece ids, token types)` rows into `(ids, types, mask)` tensors of
/// shape `[rows, longest]`, zeros after each row's end (mask 0 there).
pub fn pad_rows<'a>(
    rows: impl Iterator<Item = (&'a [i64], &'a [i64])> + Clone,
) -> (Tensor, Tensor, Tensor) {
    let longest = rows.clone().map(|(ids, _)| ids.len()).max().unwrap_or(0);
    let n = rows.clone().count();
    let mut ids = vec![0i64; n * longest];
    let mut types = vec![0i64; n * longest];
    let mut mask = vec![0i64; n * longest];
    for (row, (row_ids, row_types)) in rows.enumerate() {
        let at = row * longest;
        ids[at..at + row_ids.len()].copy_from_slice(row_ids);
        types[at..at + row_types.len()].copy_from_slice(row_types);
        mask[at..at + row_ids.len()].fill(1);
    }
    let shape = [n as i64, longest as i64];
    (
        Tensor::from_slice(&ids).view(shape),
        Tensor::from_slice(&types).view(shape),
        Tensor::from_slice(&mask).view(shape),
    )
}
