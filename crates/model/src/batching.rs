//! Inputs into forward passes: sorted by length, cut where padding costs
//! least, padded into tensors, and run without gradients.
//!
//! A pass costs every
//! row as much as its longest one (padding), plus a fixed cost of its own;
//! fixed-size chunks of one article's sentences mix 8-piece datelines with
//! 60-piece sentences and spend most of the pass on padding. The cut that
//! costs least is found exactly (dynamic programming over the sorted
//! lengths), and depends only on the lengths: the same sentences always
//! make the same passes, so replays stay byte-identical.

use std::ops::Range;

use tch::Tensor;

/// The fixed cost of one forward pass, in padded pieces: the per-pass work
/// (a few dozen small libtorch ops, the copy out) against the per-piece
/// cost. Chosen with the entities bench (one batch per article, 2-layer
/// int8 tagger, 2 cores): 4 → 5,112 words/s, 16 → 5,393, 48 → 5,287,
/// 128 → 4,865; fixed chunks of 16 ran at 4,335.
pub const PASS_COST: usize = 16;

/// The inputs of `lengths`, as indexes, shortest first (equal lengths in
/// input order), cut into the passes of at most `max_rows` that cost least:
/// what the taggers and the stance model run their forward passes over.
pub fn by_length(lengths: &[usize], max_rows: usize) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..lengths.len()).collect();
    order.sort_by_key(|&i| lengths[i]);
    let sorted: Vec<usize> = order.iter().map(|&i| lengths[i]).collect();
    passes(&sorted, max_rows, PASS_COST)
        .into_iter()
        .map(|range| order[range].to_vec())
        .collect()
}

/// Ranges of `lengths` (ascending) of at most `max_rows` each, minimising
/// the sum over passes of `pass_cost + rows × longest`.
pub fn passes(lengths: &[usize], max_rows: usize, pass_cost: usize) -> Vec<Range<usize>> {
    debug_assert!(lengths.windows(2).all(|w| w[0] <= w[1]), "sorted lengths");
    let max_rows = max_rows.max(1);
    let n = lengths.len();
    // best[i]: the least cost of the first i windows; from[i]: where its last pass starts.
    let mut best = vec![0usize; n + 1];
    let mut from = vec![0usize; n + 1];
    for i in 1..=n {
        let longest = lengths[i - 1];
        let (cost, start) = (i.saturating_sub(max_rows)..i)
            .map(|j| (best[j] + pass_cost + (i - j) * longest, j))
            .min()
            .expect("at least one start");
        best[i] = cost;
        from[i] = start;
    }
    let mut out = Vec::new();
    let mut end = n;
    while end > 0 {
        out.push(from[end]..end);
        end = from[end];
    }
    out.reverse();
    out
}

/// Runs `forward` over `inputs` (each its piece ids and token types),
/// sorted by length and cut into the passes where padding costs least,
/// without gradients; `forward` gets each pass's input indexes and its
/// padded `(ids, mask, types)`. The taggers and the stance model all run
/// their forward passes through here.
pub fn in_passes(
    inputs: &[(&[i64], &[i64])],
    max_rows: usize,
    mut forward: impl FnMut(&[usize], &Tensor, &Tensor, &Tensor),
) {
    let lengths: Vec<usize> = inputs.iter().map(|(ids, _)| ids.len()).collect();
    tch::no_grad(|| {
        for pass in by_length(&lengths, max_rows) {
            let (ids, types, mask) = pad_rows(pass.iter().map(|&i| inputs[i]));
            forward(&pass, &ids, &mask, &types);
        }
    });
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

#[cfg(test)]
mod tests {
    use super::*;

    fn cost(lengths: &[usize], passes: &[Range<usize>], pass_cost: usize) -> usize {
        passes
            .iter()
            .map(|r| pass_cost + r.len() * lengths[r.end - 1])
            .sum()
    }

    #[test]
    fn inputs_are_passed_shortest_first_whatever_their_order() {
        let lengths = [60, 8, 61, 9, 58, 10, 64, 9];
        assert_eq!(
            by_length(&lengths, 16),
            [vec![1, 3, 7, 5], vec![4, 0, 2, 6]]
        );
    }

    #[test]
    fn short_and_long_windows_go_in_separate_passes() {
        let lengths = [8, 9, 9, 10, 58, 60, 61, 64];
        let cut = passes(&lengths, 16, 48);
        assert_eq!(cut, [0..4, 4..8]);
        let one_pass = vec![Range { start: 0, end: 8 }];
        assert!(cost(&lengths, &cut, 48) < cost(&lengths, &one_pass, 48));
    }

    #[test]
    fn similar_windows_share_one_pass_up_to_the_row_limit() {
        let lengths = [20; 40];
        let cut = passes(&lengths, 16, 48);
        assert_eq!(cut, [0..8, 8..24, 24..40]);
        assert_eq!(passes(&lengths[..10], 16, 48).len(), 1, "one pass");
    }

    #[test]
    fn the_cut_covers_every_window_once_and_is_never_worse_than_fixed_chunks() {
        let mut lengths: Vec<usize> = (0..97).map(|i| 5 + (i * 37 % 90)).collect();
        lengths.sort();
        for max_rows in [1, 4, 16, 32] {
            let cut = passes(&lengths, max_rows, PASS_COST);
            let covered: Vec<usize> = cut.iter().flat_map(|r| r.clone()).collect();
            assert_eq!(covered, (0..lengths.len()).collect::<Vec<_>>());
            assert!(cut.iter().all(|r| !r.is_empty() && r.len() <= max_rows));
            let fixed: Vec<Range<usize>> = (0..lengths.len())
                .step_by(max_rows)
                .map(|s| s..(s + max_rows).min(lengths.len()))
                .collect();
            assert!(cost(&lengths, &cut, PASS_COST) <= cost(&lengths, &fixed, PASS_COST));
        }
        assert!(passes(&[], 16, PASS_COST).is_empty());
    }
}
