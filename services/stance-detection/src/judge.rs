//! Reading statements against the claims of others, with the stance model.
//!
//! A statement about someone else's claim — "These claims are absolutely
//! false", "The Batmobile is safe in the Batcave where it belongs", "The
//! Banksy arrest is a hoax" — supports, denies or merely discusses it in
//! ways no word list captures. Each statement is read against the claims
//! the speech rules linked it to (it holds them, answers them, or names
//! their report) and against every claim its sentence is most like (the
//! stance model's sentence embeddings); the statement-stance model
//! (`model::statement`, a cross-encoder trained to read one statement
//! against a claim) reads the claim with the statement's sentence: support,
//! deny, or a comment. A statement
//! whose own cue denies, asks or takes no side ("denied", "asked whether",
//! "neither confirmed nor denied") says so, and that decides; one that
//! restates the claim in its own words with nothing against it is no denial,
//! whatever the model reads.

use std::collections::{BTreeMap, BTreeSet};

use stancewire_proto::v1::{self, StanceLabel};

use crate::model::StatementModel;
use crate::speech::{is_negation, is_refutation, key_words, pair_key, Statement};

/// Confidence of a stance its cue states explicitly.
const EXPLICIT: f32 = 0.9;
/// Factor for a hedged evidence sentence.
const HEDGED: f32 = 0.8;
/// Cosine similarity of a statement's sentence with a claim above which
/// the statement is read against it though nothing else links them.
pub const LINK_SIMILARITY: f32 = 0.6;
/// A read stance is kept when the model is at least this sure of it, and
/// only when it takes a side (or its cue says it takes none): a statement
/// that merely discusses someone else's claim is not a stance on it worth
/// a record.
pub const MIN_READ_CONFIDENCE: f32 = 0.6;

/// The stances statements take toward the claims of others: one per
/// (source, claim) pair, the surest. `similarity` gives the cosine of a
/// statement's sentence with a claim (the index into `claims`), where known.
pub fn read(
    model: &StatementModel,
    statements: &[Statement],
    claims: &[v1::Claim],
    stated: &[v1::Stance],
    similarity: impl Fn(&Statement, usize) -> Option<f32>,
) -> Vec<v1::Stance> {
    // Who states each claim: they are not read against their own.
    let own: BTreeSet<String> = stated
        .iter()
        .map(|s| pair_key(&s.source_entity_id, &s.source_name, &s.claim_id))
        .collect();
    // Each pair is read with each of the statement's readings (`Statement::
    // readings`) against each of the claim's first sentences; the surest
    // sided reading is kept.
    let sentences: Vec<Vec<&str>> = claims.iter().map(|c| claim_sentences(&c.text)).collect();
    let spaced: Vec<String> = claims.iter().map(|c| single_spaced(&c.text)).collect();
    let mut pairs: Vec<(&Statement, usize, &str, &str)> = Vec::new();
    for s in statements {
        let evidence = single_spaced(&s.evidence_text);
        for (c, claim) in claims.iter().enumerate() {
            if own.contains(&pair_key(&s.source_entity_id, &s.source_name, &claim.id)) {
                continue;
            }
            // A title-less article's headline claim is its first line: the
            // lead's own sentence is no claim for its speaker to answer.
            if !evidence.is_empty() && spaced[c].contains(&evidence) {
                continue;
            }
            let linked = s.linked.contains(&claim.id);
            if linked || similarity(s, c).is_some_and(|x| x >= LINK_SIMILARITY) {
                for &sentence in &sentences[c] {
                    pairs.extend(s.readings.iter().map(|r| (s, c, sentence, r.as_str())));
                }
            }
        }
    }
    if pairs.is_empty() {
        return Vec::new();
    }
    let texts: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(_, _, claim, said)| (*claim, *said))
        .collect();
    let read = model.read(&texts);
    // Of a pair's readings, the one its cue states, then a verdict's, then
    // the surest: "denied the Reuters report" over a contradicting
    // sentence the model is surer of.
    let mut best: BTreeMap<String, ((bool, bool, bool), v1::Stance)> = BTreeMap::new();
    for ((s, c, claim, said), p) in pairs.into_iter().zip(read) {
        tracing::debug!(
            source = %s.source_name,
            claim,
            said,
            support = p[0],
            deny = p[1],
            discuss = p[2],
            cue = ?s.cue,
            linked = s.linked.contains(&claims[c].id),
            verdict = s.verdict,
            "statement read"
        );
        let (label, confidence) = match s.cue {
            // The model's surety counts for the denial it can read.
            Some(StanceLabel::Deny) => (StanceLabel::Deny, EXPLICIT.max(p[1])),
            Some(label) => (label, EXPLICIT),
            // Saying what the claim says, in its words, and nothing against
            // it, is no denial, whatever the model reads ("He said paradise
            // is open to all creatures" against "Paradise is open to all of
            // God's creatures": 0.86 deny).
            None if restates(claim, said) && p[1] > p[0] => (StanceLabel::Support, p[0] + p[1]),
            None => {
                let top = (0..3).max_by(|&a, &b| p[a].total_cmp(&p[b])).unwrap_or(2);
                let label = [
                    StanceLabel::Support,
                    StanceLabel::Deny,
                    StanceLabel::Comment,
                ][top];
                (label, p[top])
            }
        };
        // A comment its cue states on a claim it is plainly about ("neither
        // confirmed nor denied the report") is a record; one only the model
        // reads, or on a claim only its meaning is near, is not.
        let sided = matches!(
            label,
            StanceLabel::Support | StanceLabel::Deny | StanceLabel::Query
        );
        let stated_comment = s.cue.is_some() && s.linked.contains(&claims[c].id);
        if !(sided || stated_comment) || confidence < MIN_READ_CONFIDENCE {
            continue;
        }
        let stance = v1::Stance {
            source_entity_id: s.source_entity_id.clone(),
            source_name: s.source_name.clone(),
            claim_id: claims[c].id.clone(),
            label: label.into(),
            confidence: if s.hedged {
                confidence * HEDGED
            } else {
                confidence
            },
            evidence: Some(s.evidence),
            evidence_text: s.evidence_text.clone(),
        };
        let key = pair_key(&s.source_entity_id, &s.source_name, &claims[c].id);
        // Of equal rank, the statement that holds the claim in its own words
        // ("Reports that P are not true, Peskov said") is the evidence, over
        // a later verdict the model reads as a little surer.
        let rank = (s.cue.is_some(), s.verdict, s.holds.contains(&claims[c].id));
        match best.get(&key) {
            Some((kept_rank, kept))
                if (*kept_rank, kept.confidence) >= (rank, stance.confidence) => {}
            _ => {
                best.insert(key, (rank, stance));
            }
        }
    }
    best.into_values().map(|(_, stance)| stance).collect()
}

/// The stated stances and the read ones together: one per (source, claim),
/// a stated one over a read one; in order of their evidence.
pub fn merge(stated: Vec<v1::Stance>, read: Vec<v1::Stance>) -> Vec<v1::Stance> {
    let mut out = stated;
    let mut seen: BTreeSet<String> = out
        .iter()
        .map(|s| pair_key(&s.source_entity_id, &s.source_name, &s.claim_id))
        .collect();
    for s in read {
        if seen.insert(pair_key(&s.source_entity_id, &s.source_name, &s.claim_id)) {
            out.push(s);
        }
    }
    out.sort_by(|a, b| {
        let start = |s: &v1::Stance| s.evidence.as_ref().map_or(0, |s| s.start);
        (start(a), &a.source_name, &a.claim_id).cmp(&(start(b), &b.source_name, &b.claim_id))
    });
    out
}

/// `text` with each run of whitespace one space, so that a claim that is a
/// statement's whole sentence, or more (a title-less article's first line
/// standing as its headline claim), is found in it whatever its line breaks.
fn single_spaced(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Share of a claim's key words a statement must repeat to restate it.
const RESTATED_WORDS: f64 = 0.6;

/// Whether `said` restates `claim`: it has most of the claim's key words
/// (at least three of them) and no word of negation or refutation the claim
/// does not have.
fn restates(claim: &str, said: &str) -> bool {
    let claim_words = key_words(claim);
    let said_words = key_words(said);
    let shared = claim_words
        .iter()
        .filter(|w| said_words.contains(w))
        .count();
    let against = |text: &str| -> BTreeSet<String> {
        text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’'))
            .map(|w| w.to_lowercase().replace('’', "'"))
            .filter(|w| is_negation(w) || is_refutation(w))
            .collect()
    };
    shared >= 3
        && shared as f64 >= RESTATED_WORDS * claim_words.len() as f64
        && against(said).is_subset(&against(claim))
}

/// Most sentences of one claim read against a statement.
const CLAIM_SENTENCES: usize = 3;

/// A claim as the model reads it: the model learned on one-sentence claims,
/// so a quote of several sentences is read by each of its first
/// [`CLAIM_SENTENCES`] (of four words or more; a shorter one stays with the
/// next). The proposition a verdict answers is not always the first: "I've
/// heard that he's suspended. I heard he's on a month's suspension."
fn claim_sentences(claim: &str) -> Vec<&str> {
    let ends = claim
        .match_indices(". ")
        .map(|(i, _)| i + 1)
        .chain([claim.len()]);
    let mut out = Vec::new();
    let mut start = 0;
    for end in ends {
        let sentence = claim[start..end].trim();
        if sentence.split_whitespace().count() >= 4 {
            out.push(sentence);
            start = end;
        }
        if out.len() == CLAIM_SENTENCES {
            break;
        }
    }
    if out.is_empty() {
        out.push(claim.trim());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_statement_restates_a_claim_in_its_words_with_nothing_against_it() {
        let claim = "Paradise is open to all of God's creatures";
        assert!(restates(
            claim,
            "\"He said paradise is open to all creatures,\" James Martin told the Times."
        ));
        assert!(!restates(claim, "Paradise is not open to all creatures."));
        assert!(!restates(
            claim,
            "That paradise is open to all creatures is false."
        ));
        assert!(!restates(claim, "The pope spoke about paradise."));
    }

    #[test]
    fn a_claim_is_read_by_its_first_sentences_short_ones_kept_with_the_next() {
        assert_eq!(
            claim_sentences("I've heard that he's suspended. I heard he's on a month's suspension. It's a lie. It is not testosterone at all. And more besides this one."),
            [
                "I've heard that he's suspended.",
                "I heard he's on a month's suspension.",
                "It's a lie. It is not testosterone at all.",
            ]
        );
        assert_eq!(
            claim_sentences("Mr. Smith resigned today"),
            ["Mr. Smith resigned today"]
        );
        assert_eq!(claim_sentences("No. "), ["No."]);
    }
}
