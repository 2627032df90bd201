//! Stances: who supports, denies, questions or comments on each claim.
//!
//! Two kinds of evidence, kept apart:
//!
//! 1. **Stated.** The speaker whose statement a claim is takes the stance
//!    its cue commits them to: "said", "confirmed", "reported" support;
//!    "denied that", "dismissed" deny; "asked whether" queries; a negated or
//!    refused cue takes no side ("did not deny", "could not confirm",
//!    "declined to say whether": a comment — to query is to ask). A
//!    statement that something is not so ("the video was not staged") is a
//!    claim kept positive ("the video was staged") and denied.
//!    These are exact, and decided here.
//! 2. **Read.** Every other statement about a claim — speech that holds it
//!    ("Reports that P are not true, Smith said"), that names the report it
//!    came from ("dismissed the Reuters report"), that answers it ("These
//!    claims are completely false", said after it), or that shares most of
//!    its key words — is linked to it here, and every statement leaves as a
//!    [`Statement`]: its sentence, to be read by the stance model against
//!    the claims it is linked to and those its sentence is most like
//!    (`crate::judge`). Whether a sentence supports or denies a claim is
//!    what that model learned; no word list decides it.
//!
//! Each (source, claim) pair keeps one stance: a stated one over a read
//! one, and the first, surest evidence.

use std::collections::BTreeMap;
use std::ops::Range;

use stancewire_proto::v1::{self, StanceLabel};

use super::attribution::{Attribution, Kind};
use super::cast::Cast;
use super::claims::{
    called_false, declines_comment, imperative, is_auxiliary, judges_another, main_negation, Claims,
};
use super::lexicon::{is_hedge, is_report_noun, CueClass};
use super::normalize::key_words;
use super::phrase::is_lower;
use super::speakers::Speaker;
use super::text::Text;

/// Confidence of an explicit denial, confirmation or question.
const EXPLICIT: f32 = 0.9;
/// Confidence of a claim's own speaker saying it.
const SAID: f32 = 0.8;
/// Confidence of a cue that commits to nothing.
const NEUTRAL: f32 = 0.5;
/// Confidence of a negated or refused cue that leaves the claim open ("could
/// not confirm": a comment, a little surer than "did not deny").
const UNCONFIRMED: f32 = 0.56;
/// Factor for a hedged evidence sentence ("allegedly", "reportedly").
const HEDGED: f32 = 0.8;
/// How many sentences after a claim an answer to it may come.
const ANSWER_REACH: usize = 3;
/// Share of a claim's key words a statement must have to be about it.
const SHARED_KEY_WORDS: f64 = 0.5;

/// The inputs every rule reads.
pub(crate) struct Evidence<'e, 't> {
    pub text: &'e Text<'t>,
    pub cast: &'e Cast,
    pub attributions: &'e [Attribution],
    pub speakers: &'e [Speaker],
    pub claims: &'e Claims,
}

/// What a named source says, for the stance model to read against the
/// claims of others (`crate::judge`): the claims it is plainly about
/// (`linked`), and its sentence, which the model also compares with every
/// other claim.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub source_entity_id: String,
    pub source_name: String,
    /// The key of the speaker (entity id, or "name:" and the name).
    pub speaker: String,
    /// Ids of the claims the statement holds, answers or names the report of.
    pub linked: Vec<String>,
    /// Of those, the ids of the claims stated inside its own words ("Reports
    /// that P are not true"): its most direct evidence on them.
    pub holds: Vec<String>,
    /// The statement's sentence, the evidence its stances cite.
    pub evidence: v1::Span,
    pub evidence_text: String,
    /// What the model reads against a claim, each on its own: all that was
    /// said (`said_in`) and, where that is more, its cue's sentence alone
    /// (the model learned on one-sentence statements); or only what was
    /// said, where the sentence also carries someone else's speech ("denied
    /// that P, after a newspaper said Q": Q read with the denial beside it
    /// reads as a denial).
    pub readings: Vec<String>,
    /// The statement's own cue denies ("denied", "dismissed") or asks.
    pub cue: Option<StanceLabel>,
    /// A verdict on what others said ("That is simply wrong"), not only a
    /// statement of its own that contradicts it.
    pub verdict: bool,
    /// Hedged ("allegedly", "reportedly"): the model's confidence is scaled.
    pub hedged: bool,
}

/// The stated stances, and every statement for the model.
pub(crate) struct Judged {
    pub stances: Vec<v1::Stance>,
    pub statements: Vec<Statement>,
}

pub(crate) fn judge(e: &Evidence) -> Judged {
    let mut stances = stated(e);
    stances.sort_by(|a, b| {
        let start = |s: &v1::Stance| s.evidence.as_ref().map_or(0, |s| s.start);
        (start(a), &a.source_name, &a.claim_id).cmp(&(start(b), &b.source_name, &b.claim_id))
    });
    Judged {
        stances,
        statements: statements(e).collect(),
    }
}

/// What identifies a (source, claim) pair.
pub fn pair_key(source_entity_id: &str, source_name: &str, claim_id: &str) -> String {
    if source_entity_id.is_empty() {
        format!("name:{source_name}\u{0}{claim_id}")
    } else {
        format!("{source_entity_id}\u{0}{claim_id}")
    }
}

/// The stances of the speakers whose statements the claims are.
fn stated(e: &Evidence) -> Vec<v1::Stance> {
    let mut best: BTreeMap<(String, usize), v1::Stance> = BTreeMap::new();
    for o in &e.claims.occurrences {
        let a = &e.attributions[o.attribution];
        let speaker = &e.speakers[o.attribution];
        if speaker.is_nobody() {
            continue;
        }
        let (label, confidence) = match (a.cue.class, a.cue.negated) {
            // "did not deny that": no denial, and no support either.
            (CueClass::Deny, true) => (StanceLabel::Comment, NEUTRAL),
            // "could not confirm that", "declined to say whether": the
            // claim left open, no side taken and nothing asked.
            (_, true) => (StanceLabel::Comment, UNCONFIRMED),
            (CueClass::Deny, false) => (StanceLabel::Deny, EXPLICIT),
            (CueClass::Query, false) => (StanceLabel::Query, EXPLICIT),
            (CueClass::Assert, false) => (StanceLabel::Support, EXPLICIT),
            (CueClass::Report | CueClass::Say | CueClass::Suggest, false) => {
                (StanceLabel::Support, SAID)
            }
        };
        // "He maintains that the video was not staged": he denies that it
        // was; denying that something is not so supports it.
        let label = match (label, o.negated) {
            (StanceLabel::Support, true) => StanceLabel::Deny,
            (StanceLabel::Deny, true) => StanceLabel::Support,
            (label, _) => label,
        };
        let stance = record(e, speaker, o.claim, label, confidence, a.sentence);
        let key = (speaker.key(e.cast), o.claim);
        match best.get(&key) {
            Some(kept) if kept.confidence >= stance.confidence => {}
            _ => {
                best.insert(key, stance);
            }
        }
    }
    best.into_values().collect()
}

/// Every statement by a named source, with the claims of others it is
/// plainly about. A statement reported inside someone else's ("Peskov said
/// the Reuters report claiming that P is not true") is left out: its
/// sentence carries the reporter's verdict, not its own speaker's.
fn statements<'e>(e: &'e Evidence) -> impl Iterator<Item = Statement> + 'e {
    let reported_inside = move |k: usize| {
        let inner = &e.attributions[k].content;
        e.attributions.iter().enumerate().any(|(j, outer)| {
            j != k
                && outer.content.start <= inner.start
                && inner.end <= outer.content.end
                && outer.content != *inner
                && e.speakers[j].key(e.cast) != e.speakers[k].key(e.cast)
        })
    };
    e.attributions
        .iter()
        .enumerate()
        .filter(move |(k, a)| {
            !e.speakers[*k].is_nobody()
                && !a.content.is_empty()
                && !reported_inside(*k)
                && !declines_comment(e.text, &a.content)
        })
        .map(move |(k, a)| {
            let speaker = &e.speakers[k];
            let own = speaker.key(e.cast);
            let said = Said::new(e, a);
            let others = || {
                e.claims
                    .occurrences
                    .iter()
                    .filter(|o| o.attribution != k && e.speakers[o.attribution].key(e.cast) != own)
            };
            // "These claims are false": a verdict that points back answers
            // what the latest claimant before it claimed, however many
            // sentences of comment came between.
            let claimant = said
                .judges
                .then(|| {
                    others()
                        .filter(|o| o.range.end <= a.content.start)
                        .max_by_key(|o| o.range.end)
                })
                .flatten()
                .map(|o| e.speakers[o.attribution].key(e.cast));
            let (mut linked, mut holds) = (Vec::new(), Vec::new());
            for o in others() {
                let id = &e.claims.records[o.claim].id;
                let answered = o.range.end <= a.content.start
                    && claimant.as_ref() == Some(&e.speakers[o.attribution].key(e.cast));
                if answered || about(e, &said, o.claim, &o.range, &e.attributions[o.attribution]) {
                    linked.push(id.clone());
                }
                if holds_claim(a, &o.range) {
                    holds.push(id.clone());
                }
            }
            linked.dedup();
            holds.dedup();
            statement(e, speaker, a, linked, holds, said.judges)
        })
}

/// What `about` reads of a statement, worked out once per statement rather
/// than once per claim it is compared with.
struct Said<'a> {
    a: &'a Attribution,
    /// A verdict on something said ("these claims are false").
    judges: bool,
    /// It says something is not so ("No talks are taking place").
    negates: bool,
    /// The entities it names as the source of a report it mentions.
    names: Vec<usize>,
    /// Its key words.
    words: Vec<String>,
    /// It has a word that points back at what was said ("it", "that").
    points_back: bool,
    /// What its report nouns call what was said (`report_kind`).
    kinds: Vec<&'static str>,
}

impl<'a> Said<'a> {
    fn new(e: &Evidence, a: &'a Attribution) -> Said<'a> {
        let lower = e.text.lower_words(&a.content);
        Said {
            a,
            // A verdict in any of its sentences (`judges_another_in`), or a
            // thing it calls false, sentence by sentence.
            judges: a.kind == Kind::Object
                || e.text
                    .said_sentences(&a.content, a.kind == Kind::Direct)
                    .iter()
                    .any(|words| judges_another(words) || called_false(words))
                || rejects_report(a, &lower),
            negates: main_negation(e.text, &a.content).is_some() && !imperative(&lower),
            names: report_sources(e, a),
            words: key_words(e.text.slice(&a.content)),
            points_back: points_back(&lower),
            kinds: lower.iter().filter_map(|w| report_kind(w)).collect(),
        }
    }
}

/// Whether a statement (its lower-cased words) has a pronoun that points
/// back at what was said: "it" ("It never happened"), or a demonstrative
/// standing alone ("That is not true", "We never did that"), not one that
/// determines a noun ("In this war, …").
fn points_back(lower: &[String]) -> bool {
    let words: Vec<&str> = lower
        .iter()
        .map(String::as_str)
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .collect();
    words.iter().enumerate().any(|(i, &w)| match w {
        "it" | "it's" | "that's" => true,
        "that" | "this" | "these" | "those" => {
            words.get(i + 1).is_none_or(|&next| is_auxiliary(next))
        }
        _ => false,
    })
}

/// Whether statement `a` holds the claim stated at `range` in its own
/// words: "Reports that P are not true, Smith said".
fn holds_claim(a: &Attribution, range: &Range<usize>) -> bool {
    a.content.start <= range.start && range.end <= a.content.end
}

/// Whether statement `said` is about claim `claim`, stated at `range` by
/// attribution `stated`.
fn about(
    e: &Evidence,
    said: &Said,
    claim: usize,
    range: &Range<usize>,
    stated: &Attribution,
) -> bool {
    let a = said.a;
    let sentence = stated.sentence;
    let holds = holds_claim(a, range);
    // It names the report the claim came from: "dismissed the Reuters report".
    let source = e.claims.info[claim].source.as_ref().and_then(|s| s.entity);
    let names_report = source.is_some_and(|s| said.names.contains(&s));
    // It answers the claim: a verdict said soon after it, or one that
    // names it as what it was called when it was made, however far back
    // ("retracted claims that P" ... "there is no truth to these claims").
    // Soon after is counted from where the claim ends: a reply follows
    // the whole of a quote of several sentences, not its first.
    let ends = e
        .text
        .sentence_at(range.end.saturating_sub(1))
        .map_or(sentence, |end| end.max(sentence));
    let soon = a.sentence >= sentence && a.sentence <= ends + ANSWER_REACH;
    let called = a.sentence >= sentence
        && stated
            .cue
            .word
            .split_whitespace()
            .filter_map(report_kind)
            .any(|kind| said.kinds.contains(&kind));
    // It says much of what the claim says.
    let claim_words = key_words(&e.claims.records[claim].text);
    let shared = claim_words
        .iter()
        .filter(|w| said.words.contains(w))
        .count();
    // A statement that something is not so answers what was just claimed,
    // if it names something the claim names ("No talks are taking place")
    // or points back at it ("It never happened"); "In this war, there is
    // no going back" answers none of what was said before it.
    let answers = (said.judges && (soon || called))
        || (said.negates && soon && (shared > 0 || said.points_back));
    let similar =
        shared >= 2 && shared as f64 >= SHARED_KEY_WORDS * claim_words.len().max(1) as f64;
    holds || names_report || answers || similar
}

/// "rejected the accusations", "denied the reports": a denying cue whose
/// object is what others said, not a proposition of its own.
/// `lower` is the words of its content, lower-cased.
fn rejects_report(a: &Attribution, lower: &[String]) -> bool {
    a.cue.class == CueClass::Deny
        && !a.cue.negated
        && a.kind != Kind::Proposition
        && lower.iter().any(|w| is_report_noun(w))
}

/// Whether speech says its speaker cannot or did not confirm something:
/// the main clause's negation comes right before "confirm" or "verify".
fn cannot_confirm(text: &Text, content: &Range<usize>) -> bool {
    let Some(negation) = main_negation(text, content) else {
        return false;
    };
    text.tokens(&(negation.range.end..content.end))
        .iter()
        .find(|t| t.word)
        .is_some_and(|t| {
            matches!(
                text.lower(t).as_str(),
                "confirm" | "verify" | "corroborate" | "independently"
            )
        })
}

/// What a report noun calls what was said, so that a verdict's "these
/// claims" finds the "claims that P" it judges: a claim, a report, or a
/// rumour.
fn report_kind(noun: &str) -> Option<&'static str> {
    match noun {
        "claim" | "claims" | "allegation" | "allegations" | "accusation" | "accusations" => {
            Some("claim")
        }
        "report" | "reports" | "story" | "stories" | "article" | "articles" | "news" => {
            Some("report")
        }
        "rumor" | "rumors" | "rumour" | "rumours" | "speculation" => Some("rumour"),
        _ => None,
    }
}

/// The entities a statement names as the source of a report it mentions.
fn report_sources(e: &Evidence, a: &Attribution) -> Vec<usize> {
    let mentions_report = e
        .text
        .tokens(&a.content)
        .iter()
        .any(|t| is_report_noun(&e.text.lower(t)));
    if !mentions_report {
        return Vec::new();
    }
    e.cast.within(&a.content).map(|m| m.entity).collect()
}

fn statement(
    e: &Evidence,
    speaker: &Speaker,
    a: &Attribution,
    linked: Vec<String>,
    holds: Vec<String>,
    verdict: bool,
) -> Statement {
    let range = &e.text.sentences[a.sentence].range;
    let cue = match (a.cue.class, a.cue.negated) {
        (CueClass::Deny, false) => Some(StanceLabel::Deny),
        (CueClass::Query, false) => Some(StanceLabel::Query),
        // "did not deny the report", "neither confirmed nor denied the
        // report", "would not confirm it": no side taken (a comment, kept
        // only on the claims the statement is plainly about: `judge`), as
        // with a claim of their own.
        (_, true) => Some(StanceLabel::Comment),
        // "said it could not confirm a report that P": no side either, as
        // "did not confirm" is when it is the cue.
        _ if cannot_confirm(e.text, &a.content) => Some(StanceLabel::Comment),
        _ => None,
    };
    Statement {
        source_entity_id: speaker.id(e.cast).to_string(),
        source_name: speaker.name.clone(),
        speaker: speaker.key(e.cast),
        linked,
        holds,
        evidence: e.text.span(range),
        evidence_text: e.text.slice(range).to_string(),
        readings: readings(e, speaker, a),
        cue,
        verdict,
        hedged: hedged(e, a.sentence),
    }
}

/// What the model reads of a statement (`Statement::readings`).
fn readings(e: &Evidence, speaker: &Speaker, a: &Attribution) -> Vec<String> {
    let sentence = e.text.slice(&e.text.sentences[a.sentence].range);
    let shared = e.attributions.iter().zip(e.speakers).any(|(b, other)| {
        b.sentence == a.sentence
            && !other.is_nobody()
            && other.key(e.cast) != speaker.key(e.cast)
            && b.content != a.content
    });
    if shared && a.kind != Kind::Direct {
        return vec![e.text.slice(&a.content).to_string()];
    }
    let whole = e.text.slice(&said_in(e.text, a));
    if whole == sentence {
        vec![whole.to_string()]
    } else {
        vec![whole.to_string(), sentence.to_string()]
    }
}

/// The sentences a statement is said in: its cue's, and every sentence of
/// what was said ("“Tom is one of many artists targeted by this hoax. He
/// is at home,” his manager said" is read whole, not by its last sentence).
fn said_in(text: &Text, a: &Attribution) -> Range<usize> {
    let cue = &text.sentences[a.sentence].range;
    let sentence = |at: usize| text.sentence_at(at).map(|s| &text.sentences[s].range);
    let start = sentence(a.content.start).map_or(cue.start, |s| s.start.min(cue.start));
    let end = sentence(a.content.end.saturating_sub(1)).map_or(cue.end, |s| s.end.max(cue.end));
    start..end
}

fn hedged(e: &Evidence, sentence: usize) -> bool {
    e.text
        .tokens(&e.text.sentences[sentence].range)
        .iter()
        .any(|t| t.word && is_lower(e.text, t) && is_hedge(&e.text.lower(t)))
}

fn record(
    e: &Evidence,
    speaker: &Speaker,
    claim: usize,
    label: StanceLabel,
    confidence: f32,
    sentence: usize,
) -> v1::Stance {
    let range = &e.text.sentences[sentence].range;
    v1::Stance {
        source_entity_id: speaker.id(e.cast).to_string(),
        source_name: speaker.name.clone(),
        claim_id: e.claims.records[claim].id.clone(),
        label: label.into(),
        confidence: if hedged(e, sentence) {
            confidence * HEDGED
        } else {
            confidence
        },
        evidence: Some(e.text.span(range)),
        evidence_text: e.text.slice(range).to_string(),
    }
}
