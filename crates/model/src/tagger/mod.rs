//! A BERT word tagger: words in, one score per label per word out.
//!
//! Sentences (or paragraphs) are split into words by the caller; here they
//! become windows of word pieces with a casing feature ([`encode`],
//! [`casing`]), run through the network in float ([`net`], rust-bert) or
//! with int8 linear layers ([`int8`]), and come back as per-word log
//! probabilities, normalised within each group of labels, for the caller to
//! decode ([`bio`]). The NER tagger has one group (its BIO tags); the
//! attribution tagger has three (source, cue and content, each BIO), so a
//! word can be inside a content and a source at once.
//!
//! A model directory holds `config.json` (rust-bert's `BertConfig`, its
//! labels in `id2label`), `vocab.txt` and `model.safetensors`.

pub mod bio;
pub mod casing;
pub mod encode;
pub mod int8;
pub mod net;

use std::path::Path;

use rust_bert::bert::BertConfig;
use rust_bert::Config;
use tch::{nn, Device, Kind, Tensor};

use crate::{batching, load_weights, Precision, Runtime};
use encode::{Encoder, Piece};
use net::TaggerNet;

/// What runs the network: rust-bert in float, or the int8 pass.
enum Runner {
    Float {
        net: Box<TaggerNet>,
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

pub struct Tagger {
    runner: Runner,
    encoder: Encoder,
    batch_size: usize,
    /// Labels per normalisation group.
    group: usize,
    /// How many labels the head has.
    outputs: usize,
    pub config: BertConfig,
    /// The precision it runs in (never `auto`).
    pub precision: Precision,
    /// The first 12 hex digits of the weights' BLAKE3 hash.
    pub hash: String,
}

impl Tagger {
    /// Loads a trained tagger whose labels fall into `groups` groups of
    /// equal size, each normalised on its own; windows hold at most
    /// `max_pieces` word pieces.
    pub fn load(
        dir: &Path,
        runtime: &Runtime,
        max_pieces: usize,
        groups: usize,
    ) -> anyhow::Result<Tagger> {
        let config = BertConfig::from_file(dir.join("config.json"));
        let outputs = net::outputs(&config) as usize;
        anyhow::ensure!(
            outputs > 0 && groups > 0 && outputs % groups == 0,
            "{}: {outputs} labels do not fall into {groups} groups",
            dir.display()
        );
        let precision = runtime.precision.resolve();
        let mut vs = nn::VarStore::new(Device::Cpu);
        let net = TaggerNet::new(&vs.root(), &config);
        let hash = load_weights(&mut vs, &dir.join("model.safetensors"), precision)?;
        let runner = match precision {
            Precision::Int8 => Runner::Int8(int8::Int8Tagger::new(&vs.variables(), &config)?),
            _ => Runner::Float {
                net: Box::new(net),
                _vs: vs,
            },
        };
        Ok(Tagger {
            runner,
            encoder: Encoder::from_vocab(&dir.join("vocab.txt"), max_pieces)?,
            batch_size: runtime.batch_size.max(1),
            group: outputs / groups,
            outputs,
            config,
            precision,
            hash,
        })
    }

    pub fn encoder(&self) -> &Encoder {
        &self.encoder
    }

    /// Encoder layers.
    pub fn layers(&self) -> i64 {
        self.config.num_hidden_layers
    }

    /// Tags many sentences at once (each a list of words): `decode` turns a
    /// window's per-word log probabilities (`[words, outputs]`, row-major)
    /// into one tag per word; words without a window (none: every word has
    /// one) would keep `blank`.
    pub fn tag<S: AsRef<str>, T: Clone>(
        &self,
        sentences: &[Vec<S>],
        blank: T,
        decode: impl Fn(&[f32]) -> Vec<T>,
    ) -> Vec<Vec<T>> {
        let forward =
            |ids: &Tensor, mask: &Tensor, types: &Tensor| self.runner.forward(ids, mask, types);
        let shape = Shape {
            outputs: self.outputs,
            group: self.group,
        };
        tag_windows(
            forward,
            &self.encoder,
            self.batch_size,
            shape,
            sentences,
            blank,
            decode,
        )
    }
}

/// A head's outputs and how they group for normalisation.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub outputs: usize,
    /// Labels per group (`outputs` for one softmax over all of them).
    pub group: usize,
}

/// Windows from all sentences are sorted by length and cut into passes
/// where padding costs least (`batching`); each window's words are decoded
/// by `decode` from their log probabilities, and each word keeps the tag of
/// the window that holds it nearest its middle. Training's dev scoring runs
/// its network through here too.
pub fn tag_windows<S: AsRef<str>, T: Clone>(
    forward: impl Fn(&Tensor, &Tensor, &Tensor) -> Tensor,
    encoder: &Encoder,
    batch_size: usize,
    shape: Shape,
    sentences: &[Vec<S>],
    blank: T,
    decode: impl Fn(&[f32]) -> Vec<T>,
) -> Vec<Vec<T>> {
    let mut items: Vec<(usize, Piece)> = Vec::new();
    for (s, words) in sentences.iter().enumerate() {
        if !words.is_empty() {
            items.extend(encoder.encode(words).into_iter().map(|p| (s, p)));
        }
    }
    let mut out: Vec<Vec<T>> = sentences
        .iter()
        .map(|w| vec![blank.clone(); w.len()])
        .collect();
    let n = shape.outputs;
    let rows: Vec<(&[i64], &[i64])> = items
        .iter()
        .map(|(_, p)| (p.ids.as_slice(), p.types.as_slice()))
        .collect();
    batching::in_passes(&rows, batch_size, |pass, ids, mask, types| {
        let (b, longest) = ids.size2().expect("[rows, pieces] ids");
        let longest = longest as usize;
        // One copy out of libtorch per pass; the rest is plain Rust.
        let logits = forward(ids, mask, types).to_kind(Kind::Float);
        let grouped = if shape.group == n {
            logits.log_softmax(-1, Kind::Float)
        } else {
            logits
                .view([
                    b,
                    longest as i64,
                    (n / shape.group) as i64,
                    shape.group as i64,
                ])
                .log_softmax(-1, Kind::Float)
        };
        let log_probs: Vec<f32> =
            Vec::try_from(grouped.contiguous().view([-1])).expect("float log probabilities");
        for (row, &i) in pass.iter().enumerate() {
            let (s, piece) = &items[i];
            let word_scores: Vec<f32> = piece
                .firsts
                .iter()
                .flat_map(|&f| {
                    let at = (row * longest + f) * n;
                    log_probs[at..at + n].iter().copied()
                })
                .collect();
            let tags = decode(&word_scores);
            for w in piece.keep.clone() {
                out[*s][w] = tags[w - piece.words.start].clone();
            }
        }
    });
    out
}
