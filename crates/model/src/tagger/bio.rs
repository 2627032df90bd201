//! BIO tag sequences: decoding the best well-formed sequence from per-word
//! scores (an `I-X` only after `B-X` or `I-X`), and reading typed spans
//! (chunks) from tags, the conlleval way. Any tag set laid out `O, B-1, I-1,
//! B-2, I-2, …` decodes here: the NER tags, each attribution layer.

/// A typed span over word indices, `end` exclusive.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Chunk {
    pub kind: String,
    pub start: usize,
    pub end: usize,
}

/// Chunks from a BIO (or IOB1) tag sequence, the conlleval way: an `I-X`
/// that does not continue an `X` starts a new chunk.
pub fn chunks<S: AsRef<str>>(tags: &[S]) -> Vec<Chunk> {
    let mut out: Vec<Chunk> = Vec::new();
    let mut open: Option<Chunk> = None;
    for (i, tag) in tags.iter().enumerate() {
        let tag = tag.as_ref();
        let (prefix, kind) = match tag.split_once('-') {
            Some((p, k)) => (p, k),
            None => ("O", ""),
        };
        let continues = prefix == "I" && open.as_ref().is_some_and(|c| c.kind == kind);
        if continues {
            if let Some(c) = open.as_mut() {
                c.end = i + 1;
            }
            continue;
        }
        if let Some(c) = open.take() {
            out.push(c);
        }
        if prefix == "B" || prefix == "I" {
            open = Some(Chunk {
                kind: kind.to_string(),
                start: i,
                end: i + 1,
            });
        }
    }
    out.extend(open);
    out
}

/// The best tag sequence under BIO constraints (Viterbi over per-word log
/// probabilities, row-major `[words, n]`, tags laid out `O, B-1, I-1, B-2,
/// I-2, …`): the model scores each word alone, this makes the sequence
/// well-formed.
pub fn decode(scores: &[f32], n: usize) -> Vec<usize> {
    let words = scores.len() / n;
    if words == 0 {
        return Vec::new();
    }
    let allowed = |from: Option<usize>, to: usize| -> bool {
        // I-X (even ids but O) only after B-X or I-X (same type: id.div_ceil(2)).
        if to == 0 || to % 2 == 1 {
            return true;
        }
        match from {
            None => false,
            Some(f) => f != 0 && f.div_ceil(2) == to.div_ceil(2),
        }
    };
    let mut best = vec![f32::NEG_INFINITY; n];
    let mut back = vec![vec![0usize; n]; words];
    for (t, b) in best.iter_mut().enumerate() {
        if allowed(None, t) {
            *b = scores[t];
        }
    }
    for w in 1..words {
        let mut next = vec![f32::NEG_INFINITY; n];
        for to in 0..n {
            for (from, &prev) in best.iter().enumerate() {
                if prev.is_finite() && allowed(Some(from), to) {
                    let s = prev + scores[w * n + to];
                    if s > next[to] {
                        next[to] = s;
                        back[w][to] = from;
                    }
                }
            }
        }
        best = next;
    }
    let mut tag = (0..n)
        .max_by(|a, b| best[*a].total_cmp(&best[*b]))
        .unwrap_or(0);
    let mut path = vec![0usize; words];
    for w in (0..words).rev() {
        path[w] = tag;
        tag = back[w][tag];
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_follow_conlleval() {
        let tags = ["B-PER", "I-PER", "O", "I-LOC", "I-LOC", "B-LOC", "I-ORG"];
        let got: Vec<(String, usize, usize)> = chunks(&tags)
            .into_iter()
            .map(|c| (c.kind, c.start, c.end))
            .collect();
        assert_eq!(
            got,
            vec![
                ("PER".into(), 0, 2),
                ("LOC".into(), 3, 5),
                ("LOC".into(), 5, 6),
                ("ORG".into(), 6, 7)
            ]
        );
    }

    #[test]
    fn decoding_never_starts_with_inside() {
        // Word 0 prefers I-PER, word 1 I-PER: the best legal path is B-PER I-PER.
        let lp = [
            -5.0f32, -1.0, -0.5, -5.0, -5.0, -5.0, -5.0, -5.0, -5.0, //
            -5.0, -5.0, -0.1, -5.0, -5.0, -5.0, -5.0, -5.0, -5.0,
        ];
        assert_eq!(decode(&lp, 9), vec![1, 2]);
    }
}
