//! Words → word pieces, casing types and the index of each word's first
//! piece; long sentences are cut into overlapping windows that fit the model.
//! Training and tagging both go through here, so the model always sees its
//! input built the same way.

use rust_tokenizers::tokenizer::{BertTokenizer, Tokenizer};
use rust_tokenizers::vocab::Vocab;

use super::casing::Casing;

/// One window of one sentence, ready for the model.
#[derive(Debug, Clone)]
pub struct Piece {
    /// `[CLS] pieces… [SEP]`.
    pub ids: Vec<i64>,
    /// Casing class per piece (0 for `[CLS]`/`[SEP]`).
    pub types: Vec<i64>,
    /// Piece index of the first piece of each word in `words`.
    pub firsts: Vec<usize>,
    /// The words of the sentence this window covers.
    pub words: std::ops::Range<usize>,
    /// The words whose tags this window decides (the middle, away from the cut).
    pub keep: std::ops::Range<usize>,
}

pub struct Encoder {
    tokenizer: BertTokenizer,
    cls: i64,
    sep: i64,
    unk: i64,
    /// Most pieces per window, `[CLS]` and `[SEP]` included.
    pub max_pieces: usize,
}

impl Encoder {
    pub fn from_vocab(vocab: &std::path::Path, max_pieces: usize) -> anyhow::Result<Encoder> {
        let tokenizer = BertTokenizer::from_file(vocab, true, true)
            .map_err(|e| anyhow::anyhow!("reading vocabulary {}: {e}", vocab.display()))?;
        let v = tokenizer.vocab();
        let id = |t: &str| v.token_to_id(t);
        Ok(Encoder {
            cls: id(v.get_cls_value()),
            sep: id(v.get_sep_value()),
            unk: id(v.get_unknown_value()),
            tokenizer,
            max_pieces: max_pieces.max(8),
        })
    }

    /// The piece ids of one word (at least one: `[UNK]` for what the
    /// tokenizer drops, such as control characters).
    pub fn word_pieces(&self, word: &str) -> Vec<i64> {
        let tokens = self.tokenizer.tokenize(word);
        if tokens.is_empty() {
            return vec![self.unk];
        }
        self.tokenizer.convert_tokens_to_ids(&tokens)
    }

    /// Encodes a sentence's words into one or more windows.
    pub fn encode<S: AsRef<str>>(&self, words: &[S]) -> Vec<Piece> {
        let pieces: Vec<Vec<i64>> = words.iter().map(|w| self.word_pieces(w.as_ref())).collect();
        let casing: Vec<i64> = words
            .iter()
            .enumerate()
            .map(|(i, w)| Casing::of(w.as_ref(), i == 0) as i64)
            .collect();
        let budget = self.max_pieces - 2;
        // Word ranges of the windows: as many words as fit, the next window
        // starting a quarter back so that every word is decided with context.
        let mut ranges: Vec<(usize, usize)> = Vec::new();
        let mut start = 0usize;
        loop {
            let mut end = start;
            let mut used = 0usize;
            while end < words.len() {
                let n = pieces[end].len().min(budget);
                if used + n > budget && end > start {
                    break;
                }
                used += n;
                end += 1;
            }
            ranges.push((start, end));
            if end >= words.len() {
                break;
            }
            let back = ((end - start) / 4).max(1);
            start = if end - back > start { end - back } else { end };
        }
        // Where windows overlap, each decides the half nearer its middle.
        let mut keeps: Vec<std::ops::Range<usize>> = Vec::with_capacity(ranges.len());
        for (i, &(s, e)) in ranges.iter().enumerate() {
            let from = if i == 0 {
                s
            } else {
                let (_, prev_end) = ranges[i - 1];
                (s + prev_end.max(s)) / 2
            };
            let to = match ranges.get(i + 1) {
                Some(&(next_start, _)) => (next_start.min(e) + e) / 2,
                None => e,
            };
            keeps.push(from..to);
        }
        ranges
            .into_iter()
            .zip(keeps)
            .map(|((start, end), keep)| {
                let mut ids = vec![self.cls];
                let mut types = vec![0];
                let mut firsts = Vec::with_capacity(end - start);
                for w in start..end {
                    firsts.push(ids.len());
                    for &p in pieces[w].iter().take(budget) {
                        ids.push(p);
                        types.push(casing[w]);
                    }
                }
                ids.push(self.sep);
                types.push(0);
                Piece {
                    ids,
                    types,
                    firsts,
                    words: start..end,
                    keep,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoder(max: usize) -> Encoder {
        let vocab = crate::models_dir().join("ner-fast/vocab.txt");
        Encoder::from_vocab(&vocab, max).unwrap()
    }

    #[test]
    fn long_sentences_are_windowed_and_every_word_kept_once() {
        let enc = encoder(16);
        let words: Vec<String> = (0..40).map(|i| format!("Word{i}")).collect();
        let windows = enc.encode(&words);
        assert!(windows.len() > 2);
        let mut kept = Vec::new();
        for w in &windows {
            assert!(w.ids.len() <= 16);
            assert_eq!(w.firsts.len(), w.words.len());
            kept.extend(w.keep.clone());
        }
        assert_eq!(kept, (0..40).collect::<Vec<_>>());
    }
}
