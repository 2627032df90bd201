//! Scoring article extraction the way the public article-extraction
//! benchmark does: the true and the predicted body are split into `\w+`
//! tokens and compared as multisets of 4-token shingles; each page's true
//! positives, false positives and false negatives are normalised to sum to
//! one (so long pages do not weigh more); precision and recall are averaged
//! over pages (a page counts toward precision only if it has predicted or
//! matched shingles, toward recall only if it has true ones) and F1 is taken
//! from the two averages.

use std::{collections::HashMap, sync::LazyLock};

use regex::Regex;

static WORD: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\w+").expect("valid regex"));

fn shingles(text: &str) -> HashMap<Vec<&str>, u32> {
    let tokens: Vec<&str> = WORD.find_iter(text).map(|m| m.as_str()).collect();
    let mut out = HashMap::new();
    if tokens.is_empty() {
        return out;
    }
    for i in 0..tokens.len().saturating_sub(3).max(1) {
        *out.entry(tokens[i..(i + 4).min(tokens.len())].to_vec())
            .or_insert(0) += 1;
    }
    out
}

/// (tp, fp, fn) for one page, normalised to sum to 1 (all 0 if both are empty).
pub fn page_counts(truth: &str, predicted: &str) -> (f64, f64, f64) {
    let t = shingles(truth);
    let p = shingles(predicted);
    let (mut tp, mut fp, mut fn_) = (0f64, 0f64, 0f64);
    for (k, &tc) in &t {
        let pc = p.get(k).copied().unwrap_or(0);
        tp += tc.min(pc) as f64;
        fn_ += tc.saturating_sub(pc) as f64;
    }
    for (k, &pc) in &p {
        fp += pc.saturating_sub(t.get(k).copied().unwrap_or(0)) as f64;
    }
    let s = tp + fp + fn_;
    if s > 0.0 {
        (tp / s, fp / s, fn_ / s)
    } else {
        (0.0, 0.0, 0.0)
    }
}

fn precision(tp: f64, fp: f64, fn_: f64) -> f64 {
    if fp == 0.0 && fn_ == 0.0 {
        1.0
    } else if tp == 0.0 && fp == 0.0 {
        0.0
    } else {
        tp / (tp + fp)
    }
}

fn recall(tp: f64, fp: f64, fn_: f64) -> f64 {
    if fp == 0.0 && fn_ == 0.0 {
        1.0
    } else if tp == 0.0 && fn_ == 0.0 {
        0.0
    } else {
        tp / (tp + fn_)
    }
}

/// (precision, recall, F1) over pages.
pub fn score(pages: &[(f64, f64, f64)]) -> (f64, f64, f64) {
    let mean = |xs: Vec<f64>| {
        if xs.is_empty() {
            0.0
        } else {
            xs.iter().sum::<f64>() / xs.len() as f64
        }
    };
    let p = mean(
        pages
            .iter()
            .filter(|(tp, fp, _)| tp + fp > 0.0)
            .map(|&(a, b, c)| precision(a, b, c))
            .collect(),
    );
    let r = mean(
        pages
            .iter()
            .filter(|(tp, _, fn_)| tp + fn_ > 0.0)
            .map(|&(a, b, c)| recall(a, b, c))
            .collect(),
    );
    let f1 = if p + r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    };
    (p, r, f1)
}

/// Precision, recall and F1 of one page (for listing the worst pages).
pub fn page_f1(counts: (f64, f64, f64)) -> f64 {
    let (p, r) = (
        precision(counts.0, counts.1, counts.2),
        recall(counts.0, counts.1, counts.2),
    );
    if p + r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_text_scores_one_and_extra_text_lowers_precision() {
        let truth = "one two three four five six seven eight";
        assert_eq!(score(&[page_counts(truth, truth)]), (1.0, 1.0, 1.0));
        let (tp, fp, fn_) = page_counts(truth, &format!("{truth} menu home login subscribe now"));
        assert_eq!(fn_, 0.0);
        assert!(fp > 0.0 && tp > 0.0);
        let (p, r, _) = score(&[(tp, fp, fn_)]);
        assert!(p < 1.0 && r == 1.0);
        // Nothing predicted: counts toward recall (0), not precision.
        let (p, r, f1) = score(&[page_counts(truth, ""), page_counts(truth, truth)]);
        assert_eq!((p, r, f1), (1.0, 0.5, 2.0 / 3.0));
    }
}
