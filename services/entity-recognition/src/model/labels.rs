//! The tag set (BIO over PER, ORG, LOC, MISC), decoding tag sequences that
//! respect BIO (an `I-X` only after `B-X` or `I-X`), and turning tags into
//! entity spans over words.

/// Tags in the model's output order. Part of the trained model.
pub const TAGS: [&str; 9] = [
    "O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC",
];

/// Entity types the model knows, in `TAGS` order.
pub const TYPES: [&str; 4] = ["PER", "ORG", "LOC", "MISC"];

pub fn tag_id(tag: &str) -> Option<i64> {
    TAGS.iter().position(|t| *t == tag).map(|i| i as i64)
}

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
/// probabilities, row-major `[words, TAGS.len()]`): the model scores each
/// word alone, this makes the sequence well-formed.
pub fn decode(scores: &[f32]) -> Vec<usize> {
    let n = TAGS.len();
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
        assert_eq!(decode(&lp), vec![1, 2]);
    }
}
