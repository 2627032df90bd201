//! How far one statement reader reads as another: a distilled student
//! against its teacher, on pairs neither trained on.
//!
//! The source-stance dev set (154 judgments) cannot tell a student from its
//! teacher: most of its judgments are decided by the speech rules' cues, and
//! a 3-layer student that matched all 154 still read "the $72 million figure
//! is totally bogus" as a comment where its teacher reads a denial. Reading
//! the same few thousand pairs with both (`quotes --statement-pairs` over
//! PolNeAR dev, say) shows how often they part, label by label: of the pairs
//! the reference reads surely as a denial, how many the candidate does too.

use serde::Serialize;
use stancewire_stance_detection::judge::MIN_READ_CONFIDENCE;

use super::statement_pairs::Pair;

const LABELS: [&str; 3] = ["support", "deny", "comment"];

/// One label's agreement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelAgreement {
    pub label: &'static str,
    /// Pairs the reference reads surely with this label.
    pub reference_sure: usize,
    /// Of those, the ones the candidate reads surely with it too.
    pub candidate_too: usize,
    /// Pairs the candidate reads surely with this label.
    pub candidate_sure: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Agreement {
    pub pairs: usize,
    /// Pairs whose top label the two share.
    pub same_top_label: usize,
    pub per_label: Vec<LabelAgreement>,
}

/// Compares two readings of the same pairs (support, deny, comment each);
/// a reading is sure of its top label when `judge::read` would keep it
/// ([`MIN_READ_CONFIDENCE`]).
pub fn compare(reference: &[[f32; 3]], candidate: &[[f32; 3]]) -> Agreement {
    assert_eq!(reference.len(), candidate.len(), "two readings of one set");
    let top = |p: &[f32; 3]| (0..3).max_by(|&a, &b| p[a].total_cmp(&p[b])).unwrap_or(2);
    let sure = |p: &[f32; 3], k: usize| top(p) == k && p[k] >= MIN_READ_CONFIDENCE;
    let both = || reference.iter().zip(candidate);
    Agreement {
        pairs: reference.len(),
        same_top_label: both().filter(|(r, c)| top(r) == top(c)).count(),
        per_label: (0..3)
            .map(|k| LabelAgreement {
                label: LABELS[k],
                reference_sure: reference.iter().filter(|r| sure(r, k)).count(),
                candidate_too: both().filter(|(r, c)| sure(r, k) && sure(c, k)).count(),
                candidate_sure: candidate.iter().filter(|c| sure(c, k)).count(),
            })
            .collect(),
    }
}

/// The pairs as the reader takes them.
pub fn texts(pairs: &[Pair]) -> Vec<(&str, &str)> {
    pairs
        .iter()
        .map(|p| (p.claim.as_str(), p.said.as_str()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agreement_counts_shared_top_labels_and_sure_readings_per_label() {
        let reference = [
            [0.1, 0.8, 0.1], // a sure denial
            [0.1, 0.9, 0.0], // another
            [0.7, 0.2, 0.1], // a sure support
            [0.3, 0.3, 0.4], // an unsure comment
        ];
        let candidate = [
            [0.1, 0.7, 0.2], // the same denial, sure
            [0.1, 0.4, 0.5], // read as a comment
            [0.5, 0.4, 0.1], // support, not sure
            [0.1, 0.1, 0.8], // a sure comment
        ];
        let a = compare(&reference, &candidate);
        assert_eq!(a.pairs, 4);
        assert_eq!(a.same_top_label, 3);
        let deny = &a.per_label[1];
        assert_eq!(
            (deny.reference_sure, deny.candidate_too, deny.candidate_sure),
            (2, 1, 1)
        );
        let support = &a.per_label[0];
        assert_eq!(
            (
                support.reference_sure,
                support.candidate_too,
                support.candidate_sure
            ),
            (1, 0, 0)
        );
        let comment = &a.per_label[2];
        assert_eq!(
            (
                comment.reference_sure,
                comment.candidate_too,
                comment.candidate_sure
            ),
            (0, 0, 1)
        );
    }

    #[test]
    fn a_reader_agrees_with_itself() {
        let r = [[0.9, 0.05, 0.05], [0.2, 0.7, 0.1]];
        let a = compare(&r, &r);
        assert_eq!(a.same_top_label, 2);
        assert!(a
            .per_label
            .iter()
            .all(|l| l.reference_sure == l.candidate_too && l.candidate_too == l.candidate_sure));
    }
}
