//! The article's stance toward a claim, from two readings of it: the stance
//! model's (the body's sentences most about the claim, read against it) and
//! the article's sources' (the rule-based stances of `speech`).
//!
//! They disagree in a known way: a denial reported in the same sentence as
//! the claim it denies ("the report that P is not true, X said") repeats P
//! word for word, and the model, trained on 10k pairs, leans on that overlap
//! toward "agree". The FNC-1 annotators labelled an article that reports a
//! denial, and no confirmation, "disagree"; the sources' stances say exactly
//! that. So the two are averaged, each a distribution over agree / disagree
//! / discuss.

use stancewire_proto::v1;

use crate::model::{Judgement, Relation};

/// What the article's sources say about `claim`, as agree / disagree /
/// discuss weights; `None` when no source other than the claim's own
/// originator supports or denies it (the originator's support is the claim
/// itself, not a stance the article reports about it).
pub fn of_sources(claim: &v1::Claim, stances: &[v1::Stance]) -> Option<[f32; 3]> {
    let (mut support, mut deny) = (0.0f32, 0.0f32);
    for s in stances.iter().filter(|s| s.claim_id == claim.id) {
        let originator =
            !claim.source_entity_id.is_empty() && s.source_entity_id == claim.source_entity_id;
        if s.source_name.is_empty() || originator {
            continue;
        }
        match s.label() {
            v1::StanceLabel::Support => support = support.max(s.confidence),
            v1::StanceLabel::Deny => deny = deny.max(s.confidence),
            _ => {}
        }
    }
    if support == 0.0 && deny == 0.0 {
        return None;
    }
    let p = [support, deny, 1.0 - support.max(deny)];
    let total: f32 = p.iter().sum();
    Some(p.map(|x| x / total))
}

/// `judged`, with its agree / disagree / discuss share averaged with the
/// sources' verdict. An unrelated judgement stays unrelated.
pub fn blend(judged: &Judgement, sources: Option<[f32; 3]>) -> Judgement {
    let Some(rules) = sources else {
        return judged.clone();
    };
    if judged.relation == Relation::Unrelated {
        return judged.clone();
    }
    let related = 1.0 - judged.probabilities[3];
    let mut p = judged.probabilities;
    for k in 0..3 {
        let model = if related > 0.0 { p[k] / related } else { 0.0 };
        p[k] = related * (model + rules[k]) / 2.0;
    }
    let best = (0..3).max_by(|&a, &b| p[a].total_cmp(&p[b])).unwrap_or(2);
    Judgement {
        relation: Relation::RELATED[best],
        confidence: p[best],
        probabilities: p,
        evidence: judged.evidence.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stance(source: &str, id: &str, label: v1::StanceLabel, confidence: f32) -> v1::Stance {
        v1::Stance {
            source_entity_id: id.into(),
            source_name: source.into(),
            claim_id: "c".into(),
            label: label as i32,
            confidence,
            ..Default::default()
        }
    }

    fn claim() -> v1::Claim {
        v1::Claim {
            id: "c".into(),
            source_entity_id: "e-reuters".into(),
            ..Default::default()
        }
    }

    fn judged(p: [f32; 4]) -> Judgement {
        Judgement {
            relation: Relation::Agree,
            confidence: p[0],
            probabilities: p,
            evidence: vec![0],
        }
    }

    #[test]
    fn a_reported_denial_outweighs_lexical_agreement() {
        let stances = [
            stance("Reuters", "e-reuters", v1::StanceLabel::Support, 0.8),
            stance("Dmitry Peskov", "e-peskov", v1::StanceLabel::Deny, 0.95),
        ];
        let rules = of_sources(&claim(), &stances).unwrap();
        assert!(rules[1] > 0.9, "{rules:?}");
        let j = blend(&judged([0.45, 0.3, 0.25, 0.0]), Some(rules));
        assert_eq!(j.relation, Relation::Disagree);
        assert!((j.probabilities.iter().sum::<f32>() - 1.0).abs() < 1e-5);
    }

    #[test]
    fn the_originator_and_the_article_itself_are_not_reported_stances() {
        let stances = [
            stance("Reuters", "e-reuters", v1::StanceLabel::Support, 0.8),
            stance("", "", v1::StanceLabel::Deny, 0.9),
            stance("A blogger", "", v1::StanceLabel::Comment, 0.5),
        ];
        assert_eq!(of_sources(&claim(), &stances), None);
        let j = judged([0.45, 0.3, 0.25, 0.0]);
        assert_eq!(blend(&j, None), j);
    }

    #[test]
    fn unrelated_stays_unrelated() {
        let mut j = judged([0.05, 0.05, 0.1, 0.8]);
        j.relation = Relation::Unrelated;
        assert_eq!(
            blend(&j, Some([0.0, 1.0, 0.0])).relation,
            Relation::Unrelated
        );
    }
}
