//! Text → word-piece ids for the two networks: single sentences for the
//! embedder, (claim, evidence) pairs for the cross-encoder, and padding into
//! batches. Training, evaluation and the service all encode through here.

use std::path::Path;

use rust_tokenizers::tokenizer::{BertTokenizer, Tokenizer, TruncationStrategy};
use stancewire_model::batching::pad_rows;
use tch::Tensor;

/// One encoded input: piece ids and segment (token type) ids.
#[derive(Debug, Clone)]
pub struct Encoded {
    pub ids: Vec<i64>,
    pub types: Vec<i64>,
}

pub struct TextEncoder {
    tokenizer: BertTokenizer,
}

impl TextEncoder {
    pub fn from_vocab(vocab: &Path) -> anyhow::Result<TextEncoder> {
        let tokenizer = BertTokenizer::from_file(vocab, true, true)
            .map_err(|e| anyhow::anyhow!("reading vocabulary {}: {e}", vocab.display()))?;
        Ok(TextEncoder { tokenizer })
    }

    /// `[CLS] text [SEP]`, at most `max` pieces.
    pub fn single(&self, text: &str, max: usize) -> Encoded {
        self.encode(text, None, max)
    }

    /// `[CLS] claim [SEP] evidence [SEP]`, at most `max` pieces, the longer
    /// side cut first.
    pub fn pair(&self, claim: &str, evidence: &str, max: usize) -> Encoded {
        self.encode(claim, Some(evidence), max)
    }

    fn encode(&self, a: &str, b: Option<&str>, max: usize) -> Encoded {
        let t = self
            .tokenizer
            .encode(a, b, max, &TruncationStrategy::LongestFirst, 0);
        Encoded {
            types: t.segment_ids.iter().map(|&s| s as i64).collect(),
            ids: t.token_ids,
        }
    }
}

/// Pads inputs into `(ids, types, mask)` tensors of shape `[batch, longest]`.
pub fn pad(items: &[&Encoded]) -> (Tensor, Tensor, Tensor) {
    pad_rows(items.iter().map(|e| (e.ids.as_slice(), e.types.as_slice())))
}

/// Mean of the hidden states over real (unmasked) pieces: `[batch, hidden]`.
pub fn mean_pool(hidden: &Tensor, mask: &Tensor) -> Tensor {
    let m = mask.unsqueeze(-1).to_kind(hidden.kind());
    (hidden * &m).sum_dim_intlist(1, false, None) / m.sum_dim_intlist(1, false, None).clamp_min(1.0)
}
