//! The attribution tagger's labels: three layers — the source (who), the
//! cue (the words of saying, "said", "according to", "denied") and the
//! content (what was said) — each tagged BIO on its own, so a word can be
//! inside one attribution's content and another's source at once ("Peskov
//! said *Reuters* claimed …"). Part of the trained model: never reorder.

/// The layers, in the head's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    Source = 0,
    Cue = 1,
    Content = 2,
}

impl Layer {
    pub const ALL: [Layer; 3] = [Layer::Source, Layer::Cue, Layer::Content];

    /// The layer's name in PolNeAR's annotations.
    pub fn name(self) -> &'static str {
        match self {
            Layer::Source => "Source",
            Layer::Cue => "Cue",
            Layer::Content => "Content",
        }
    }
}

/// BIO tags within one layer.
pub const O: u8 = 0;
pub const B: u8 = 1;
pub const I: u8 = 2;

/// The head's labels, layer by layer, each `O, B, I`.
pub const LABELS: [&str; 9] = [
    "O-SOURCE",
    "B-SOURCE",
    "I-SOURCE",
    "O-CUE",
    "B-CUE",
    "I-CUE",
    "O-CONTENT",
    "B-CONTENT",
    "I-CONTENT",
];

/// Labels per layer.
pub const PER_LAYER: usize = 3;

/// The head output of `tag` (O, B or I) in `layer`.
pub fn label(layer: Layer, tag: u8) -> i64 {
    (layer as usize * PER_LAYER + tag as usize) as i64
}
