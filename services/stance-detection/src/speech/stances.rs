//! Stances: who supports, denies, questions or merely reports each claim.
//!
//! A stance comes from the speech a claim is stated in. The speaker whose
//! proposition it is takes the stance of the cue ("confirmed" supports,
//! "denied" denies, "asked whether" queries). A speaker whose reported
//! speech holds the claim, as in "Earlier Reuters report claiming that P
//! are not true, Peskov said", takes the stance of the words around it, and
//! only those: negations inside P are part of the claim, not a judgement of
//! it, and the inner speaker's own cue is not the outer speaker's. Confidence
//! follows cue strength, drops for hedged sentences ("alleged",
//! "reportedly"), and rises when the same speaker denies the claim again in
//! another sentence (negating its main verb, or calling "the report" false),
//! while each (source, claim) pair keeps one stance with its first, strongest
//! evidence.

use std::collections::BTreeMap;
use std::ops::Range;

use stancewire_proto::v1::{self, StanceLabel};

use super::attribution::{Attribution, Kind, SpeakerRef};
use super::cast::Cast;
use super::claims::{ClaimInfo, Claims, Occurrence};
use super::lexicon::{
    is_affirmation, is_hedge, is_light_verb, is_negation, is_question_word, is_refutation,
    is_report_noun, CueClass,
};
use super::normalize::{key_words, lemma};
use super::phrase::is_lower;
use super::speakers::Speaker;
use super::text::Text;

/// Confidence of an explicit denial or confirmation.
const EXPLICIT: f32 = 0.9;
/// Confidence of a stance read from the words around a claim.
const CONTEXTUAL: f32 = 0.7;
/// Confidence of neutral reporting.
const NEUTRAL: f32 = 0.5;
/// Factor for a hedged evidence sentence.
const HEDGED: f32 = 0.8;
/// The highest confidence corroboration can reach.
const CEILING: f32 = 0.99;
/// How many words before a judgement a negation reaches ("not entirely true").
const NEGATION_REACH: usize = 3;

/// The inputs every rule reads.
pub(crate) struct Evidence<'e, 't> {
    pub text: &'e Text<'t>,
    pub cast: &'e Cast,
    pub attributions: &'e [Attribution],
    pub speakers: &'e [Speaker],
    pub claims: &'e Claims,
}

/// One stance before the records are made.
#[derive(Debug, Clone)]
struct Candidate {
    speaker: Speaker,
    claim: usize,
    label: StanceLabel,
    confidence: f32,
    sentence: usize,
}

pub(crate) fn judge(e: &Evidence) -> Vec<v1::Stance> {
    let mut best: BTreeMap<(String, usize), Candidate> = BTreeMap::new();
    let found = e
        .claims
        .occurrences
        .iter()
        .flat_map(|o| stated(e, o).into_iter().chain(enclosing(e, o)))
        .chain(about_reports(e))
        .chain(answers(e));
    for candidate in found {
        let key = (candidate.speaker.key(e.cast), candidate.claim);
        match best.get(&key) {
            Some(kept) if kept.confidence >= candidate.confidence => {}
            _ => {
                best.insert(key, candidate);
            }
        }
    }
    let mut stances: Vec<v1::Stance> = best
        .into_values()
        .map(|mut c| {
            if c.label == StanceLabel::Deny {
                c.confidence = corroborated(e, &c);
            }
            record(e, &c)
        })
        .collect();
    stances.sort_by(|a, b| {
        let start = |s: &v1::Stance| s.evidence.as_ref().map_or(0, |s| s.start);
        (start(a), &a.source_name, &a.claim_id).cmp(&(start(b), &b.source_name, &b.claim_id))
    });
    stances
}

fn record(e: &Evidence, c: &Candidate) -> v1::Stance {
    let range = &e.text.sentences[c.sentence].range;
    v1::Stance {
        source_entity_id: c.speaker.id(e.cast).to_string(),
        source_name: c.speaker.name.clone(),
        claim_id: e.claims.records[c.claim].id.clone(),
        label: c.label.into(),
        confidence: c.confidence,
        evidence: Some(e.text.span(range)),
        evidence_text: e.text.slice(range).to_string(),
    }
}

/// The stance of the speaker whose proposition the claim is.
fn stated(e: &Evidence, o: &Occurrence) -> Option<Candidate> {
    let attribution = &e.attributions[o.attribution];
    let speaker = &e.speakers[o.attribution];
    if speaker.is_nobody() {
        return None;
    }
    let (label, confidence) = match (attribution.cue.class, attribution.cue.negated) {
        (CueClass::Deny, false) => (StanceLabel::Deny, EXPLICIT),
        (CueClass::Deny, true) => (StanceLabel::Comment, NEUTRAL),
        // "could not confirm that", "declined to say whether".
        (_, true) => (StanceLabel::Query, CONTEXTUAL * HEDGED),
        (CueClass::Query, false) => (StanceLabel::Query, CONTEXTUAL),
        (CueClass::Assert, false) => (StanceLabel::Support, EXPLICIT),
        (CueClass::Report, false) => (StanceLabel::Support, 0.8),
        (CueClass::Say, false) => (StanceLabel::Support, 0.75),
        (CueClass::Suggest, false) => (StanceLabel::Support, 0.6),
    };
    Some(candidate(
        e,
        speaker,
        o.claim,
        label,
        confidence,
        attribution.sentence,
    ))
}

/// The stances of speakers whose reported speech holds the claim.
fn enclosing<'e>(e: &'e Evidence, o: &'e Occurrence) -> impl Iterator<Item = Candidate> + 'e {
    e.attributions
        .iter()
        .enumerate()
        .filter(move |(k, outer)| {
            *k != o.attribution && !e.speakers[*k].is_nobody() && contains(&outer.content, &o.range)
        })
        .map(move |(k, outer)| {
            let words = context(e, k, o);
            let (label, confidence) = match (verdict(&words), outer.cue.class, outer.cue.negated) {
                (_, CueClass::Deny, false) => (StanceLabel::Deny, EXPLICIT),
                (Some(StanceLabel::Deny), _, _) => (StanceLabel::Deny, EXPLICIT),
                (Some(label), _, _) => (label, CONTEXTUAL),
                (None, CueClass::Query, _) => (StanceLabel::Query, CONTEXTUAL),
                (None, CueClass::Assert, false) => (StanceLabel::Support, CONTEXTUAL),
                (None, _, _) => (StanceLabel::Comment, NEUTRAL),
            };
            candidate(
                e,
                &e.speakers[k],
                o.claim,
                label,
                confidence,
                outer.sentence,
            )
        })
}

/// "Peskov denied the Reuters report": a stance on every claim of the
/// source the report is from.
fn about_reports<'e>(e: &'e Evidence) -> impl Iterator<Item = Candidate> + 'e {
    e.attributions
        .iter()
        .enumerate()
        .filter(|(k, a)| {
            a.kind == Kind::Object && !a.cue.negated && e.speakers[*k].entity.is_some()
        })
        .flat_map(move |(k, a)| {
            let (label, confidence) = match a.cue.class {
                CueClass::Deny => (StanceLabel::Deny, EXPLICIT),
                CueClass::Query => (StanceLabel::Query, CONTEXTUAL),
                _ => (StanceLabel::Support, CONTEXTUAL),
            };
            let named = report_sources(e, &a.content);
            e.claims
                .info
                .iter()
                .enumerate()
                .filter(move |(_, info)| {
                    info.source
                        .as_ref()
                        .and_then(|s| s.entity)
                        .is_some_and(|s| named.contains(&s))
                })
                .map(move |(c, _)| candidate(e, &e.speakers[k], c, label, confidence, a.sentence))
        })
}

/// "“That is simply wrong,” a spokeswoman said": speech that judges what
/// the sentence before it claimed, by a demonstrative ("that", "this", "it")
/// or by naming "the report" or "the claims".
fn answers<'e>(e: &'e Evidence) -> impl Iterator<Item = Candidate> + 'e {
    e.attributions
        .iter()
        .enumerate()
        .filter(|(k, a)| a.kind != Kind::Object && !e.speakers[*k].is_nobody() && a.sentence > 0)
        .filter_map(move |(k, a)| {
            let words = words(e.text, &a.content);
            let first = words.first()?;
            let refers = matches!(
                first.as_str(),
                "that" | "this" | "it" | "these" | "those" | "such"
            ) || (first == "the" && words.get(1).is_some_and(|w| is_report_noun(w)));
            let label = verdict(&words).filter(|l| *l != StanceLabel::Query && refers)?;
            Some((k, a, label))
        })
        .flat_map(move |(k, a, label)| {
            let speaker = &e.speakers[k];
            e.claims
                .occurrences
                .iter()
                .filter(move |o| e.attributions[o.attribution].sentence + 1 == a.sentence)
                .filter(move |o| {
                    let source = e.claims.info[o.claim].source.as_ref();
                    source.is_none_or(|s| s.key(e.cast) != speaker.key(e.cast))
                })
                .map(move |o| candidate(e, speaker, o.claim, label, CONTEXTUAL, a.sentence))
        })
}

/// The entities a phrase names as the source of a report, if it names a report.
fn report_sources(e: &Evidence, range: &Range<usize>) -> Vec<usize> {
    let words = words(e.text, range);
    if !words.iter().any(|w| is_report_noun(w)) {
        return Vec::new();
    }
    e.cast.within(range).map(|m| m.entity).collect()
}

fn candidate(
    e: &Evidence,
    speaker: &Speaker,
    claim: usize,
    label: StanceLabel,
    confidence: f32,
    sentence: usize,
) -> Candidate {
    let hedged = e
        .text
        .tokens(&e.text.sentences[sentence].range)
        .iter()
        .any(|t| t.word && is_lower(e.text, t) && is_hedge(&e.text.lower(t)));
    Candidate {
        speaker: speaker.clone(),
        claim,
        label,
        confidence: if hedged {
            confidence * HEDGED
        } else {
            confidence
        },
        sentence,
    }
}

fn contains(outer: &Range<usize>, inner: &Range<usize>) -> bool {
    outer.start <= inner.start && inner.end <= outer.end
}

/// The words of attribution `k`'s content that judge occurrence `o`: the
/// claim itself left out, and so is any speech nested between them, with its
/// speaker and cue ("Reuters report claiming that").
fn context(e: &Evidence, k: usize, o: &Occurrence) -> Vec<String> {
    let outer = &e.attributions[k].content;
    let mut hidden = vec![o.range.clone()];
    for (j, inner) in e.attributions.iter().enumerate() {
        if j != k && contains(outer, &inner.content) && contains(&inner.content, &o.range) {
            let from = match &inner.speaker {
                SpeakerRef::Phrase(p) => p.start.min(inner.content.start),
                _ => inner.content.start,
            };
            hidden.push(from..inner.content.end);
        }
    }
    e.text
        .tokens(outer)
        .iter()
        .filter(|t| !hidden.iter().any(|h| contains(h, &t.range)))
        .map(|t| e.text.lower(t))
        .collect()
}

/// What words say of a proposition: refuted ("false", "not true", "does not
/// reflect"), affirmed ("true", "accurate"), or questioned ("whether", "?").
fn verdict(words: &[String]) -> Option<StanceLabel> {
    words.iter().enumerate().find_map(|(i, w)| {
        let negated = words[i.saturating_sub(NEGATION_REACH)..i]
            .iter()
            .any(|n| is_negation(n));
        let label = if is_refutation(w) {
            if negated {
                StanceLabel::Support
            } else {
                StanceLabel::Deny
            }
        } else if is_affirmation(w) {
            if negated {
                StanceLabel::Deny
            } else {
                StanceLabel::Support
            }
        } else if is_question_word(w) {
            StanceLabel::Query
        } else {
            return None;
        };
        Some(label)
    })
}

fn words(text: &Text, range: &Range<usize>) -> Vec<String> {
    text.tokens(range).iter().map(|t| text.lower(t)).collect()
}

/// A denial's confidence, raised once for every other sentence in which the
/// same speaker denies the claim again.
fn corroborated(e: &Evidence, c: &Candidate) -> f32 {
    let speaker = c.speaker.key(e.cast);
    let claim = &e.claims.records[c.claim];
    let info = &e.claims.info[c.claim];
    let mut seen = vec![c.sentence];
    let mut confidence = c.confidence;
    for (k, a) in e.attributions.iter().enumerate() {
        if e.speakers[k].key(e.cast) != speaker || seen.contains(&a.sentence) {
            continue;
        }
        if denies_again(e, a, claim, info) {
            seen.push(a.sentence);
            confidence = (confidence + (1.0 - confidence) / 2.0).min(CEILING);
        }
    }
    confidence
}

/// Whether speech denies a claim without stating it: it calls the report
/// false, negates the claim's main verb about what the claim is about, or
/// negates a sentence about two of its entities.
fn denies_again(e: &Evidence, a: &Attribution, claim: &v1::Claim, info: &ClaimInfo) -> bool {
    let words = words(e.text, &a.content);
    let named: Vec<usize> = e.cast.within(&a.content).map(|m| m.entity).collect();
    let shared = info.entities.iter().filter(|x| named.contains(x)).count();
    let source_named = info
        .source
        .as_ref()
        .and_then(|s| s.entity)
        .is_some_and(|s| named.contains(&s));
    let refuted = verdict(&words) == Some(StanceLabel::Deny) || a.cue.class == CueClass::Deny;
    let about_report = words.iter().enumerate().any(|(i, w)| {
        let definite = words[i.saturating_sub(2)..i].iter().any(|d| {
            matches!(
                d.as_str(),
                "the" | "this" | "that" | "these" | "those" | "such"
            )
        });
        is_report_noun(w) && (definite || source_named)
    });
    let verb_negated = info
        .main_verb
        .as_deref()
        .filter(|v| !is_light_verb(v))
        .is_some_and(|verb| {
            words.iter().enumerate().any(|(i, w)| {
                is_negation(w)
                    && words[i + 1..]
                        .iter()
                        .take(NEGATION_REACH)
                        .any(|n| lemma(n) == verb)
            })
        });
    let about_it = shared > 0 || names_a_role(e, a, info) || shares_a_key_word(e, a, claim, info);
    let negated = words.iter().any(|w| is_negation(w));
    (about_report && refuted) || (verb_negated && about_it) || (negated && shared >= 2)
}

/// Whether speech shares a key word with the claim besides its verb and
/// negations ("the stake had not been sold" / "sold its stake").
fn shares_a_key_word(e: &Evidence, a: &Attribution, claim: &v1::Claim, info: &ClaimInfo) -> bool {
    let spoken = key_words(e.text.slice(&a.content));
    claim.normalized.split(' ').any(|w| {
        info.main_verb.as_deref() != Some(w) && !is_negation(w) && spoken.iter().any(|s| s == w)
    })
}

/// Whether speech names one of the claim's people by role ("the Iranian
/// foreign minister").
fn names_a_role(e: &Evidence, a: &Attribution, info: &ClaimInfo) -> bool {
    let fold = |s: &str| s.to_lowercase().replace('’', "'");
    let content = fold(e.text.slice(&a.content));
    info.entities
        .iter()
        .flat_map(|&x| &e.cast.entities[x].roles)
        .any(|role| content.contains(&fold(role)))
}
