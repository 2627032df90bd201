//! The attribution tagger: a MiniLM word tagger (`stancewire_model::tagger`)
//! trained by this project on PolNeAR's attributions in real news (see
//! `models/attribution/MODEL_CARD.md`; its 4-layer student, opt-in, is in
//! `models/attribution-fast`). It reads a paragraph at a time —
//! attributions rarely cross paragraphs, and often cross sentences — and
//! tags each word in the three layers of [`super::labels`].

use std::path::{Path, PathBuf};

use stancewire_model::tagger::{bio, Tagger};
use stancewire_model::{models_dir, Runtime};

use super::labels::{Layer, PER_LAYER};

/// Most word pieces per window: a long paragraph is cut into overlapping
/// windows (PolNeAR's paragraphs: median 34 words, 99% under 105).
pub const MAX_PIECES: usize = 256;

/// The model that ships with the project as the default: the 6-layer
/// tagger (`models/attribution-fast` holds its opt-in 4-layer student).
pub fn shipped_dir() -> PathBuf {
    models_dir().join("attribution")
}

/// One word's tags, per layer, and the model's probability for each.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct WordTags {
    pub tags: [u8; 3],
    pub probs: [f32; 3],
}

impl WordTags {
    pub fn tag(&self, layer: Layer) -> u8 {
        self.tags[layer as usize]
    }
}

pub struct AttributionModel {
    tagger: Tagger,
    /// A short name for records' `model_version`: layers, weights hash and
    /// the precision it ran in.
    pub version: String,
}

impl AttributionModel {
    pub fn load(dir: &Path, runtime: &Runtime) -> anyhow::Result<AttributionModel> {
        let tagger = Tagger::load(dir, runtime, MAX_PIECES, Layer::ALL.len())?;
        let version = format!(
            "attribution-minilm-casing-l{}@{}-{}",
            tagger.layers(),
            tagger.hash,
            tagger.precision.name()
        );
        Ok(AttributionModel { tagger, version })
    }

    /// Tags paragraphs (each a list of words).
    pub fn tag<S: AsRef<str>>(&self, paragraphs: &[Vec<S>]) -> Vec<Vec<WordTags>> {
        self.tagger.tag(paragraphs, WordTags::default(), decode)
    }
}

/// Decodes a window's per-word log probabilities (`[words, 9]`, each layer
/// normalised on its own) into well-formed BIO tags, layer by layer.
pub fn decode(scores: &[f32]) -> Vec<WordTags> {
    let n = PER_LAYER * Layer::ALL.len();
    let words = scores.len() / n;
    let mut out = vec![WordTags::default(); words];
    for layer in Layer::ALL {
        let at = layer as usize * PER_LAYER;
        let layer_scores: Vec<f32> = (0..words)
            .flat_map(|w| scores[w * n + at..w * n + at + PER_LAYER].iter().copied())
            .collect();
        for (w, tag) in bio::decode(&layer_scores, PER_LAYER)
            .into_iter()
            .enumerate()
        {
            out[w].tags[layer as usize] = tag as u8;
            out[w].probs[layer as usize] = layer_scores[w * PER_LAYER + tag].exp();
        }
    }
    out
}

/// The spans of one layer, as word ranges, with the mean probability of
/// their words' tags.
pub fn spans(tags: &[WordTags], layer: Layer) -> Vec<(std::ops::Range<usize>, f32)> {
    let mut out: Vec<(std::ops::Range<usize>, f32)> = Vec::new();
    let mut open: Option<(usize, f32)> = None;
    let close = |open: &mut Option<(usize, f32)>, end: usize, out: &mut Vec<_>| {
        if let Some((start, sum)) = open.take() {
            out.push((start..end, sum / (end - start) as f32));
        }
    };
    for (w, t) in tags.iter().enumerate() {
        let tag = t.tag(layer);
        let p = t.probs[layer as usize];
        match tag {
            super::labels::B => {
                close(&mut open, w, &mut out);
                open = Some((w, p));
            }
            super::labels::I if open.is_some() => {
                if let Some((_, sum)) = open.as_mut() {
                    *sum += p;
                }
            }
            _ => close(&mut open, w, &mut out),
        }
    }
    close(&mut open, tags.len(), &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_layer_decodes_on_its_own() {
        // Two words: word 0 is B-source and B-content, word 1 I-content.
        let lp = |p: [f32; 3]| p.map(f32::ln);
        let mut scores = Vec::new();
        for layers in [
            [[0.1, 0.8, 0.1], [0.9, 0.05, 0.05], [0.1, 0.8, 0.1]],
            [[0.9, 0.05, 0.05], [0.9, 0.05, 0.05], [0.1, 0.1, 0.8]],
        ] {
            for l in layers {
                scores.extend(lp(l));
            }
        }
        let tags = decode(&scores);
        assert_eq!(tags[0].tags, [1, 0, 1]);
        assert_eq!(tags[1].tags, [0, 0, 2]);
        assert_eq!(spans(&tags, Layer::Content)[0].0, 0..2);
        assert_eq!(spans(&tags, Layer::Source)[0].0, 0..1);
        assert!(spans(&tags, Layer::Cue).is_empty());
    }
}
