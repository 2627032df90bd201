//! Claims: the propositions an article reports, asserts or disputes.
//!
//! A claim is the that- or whether-clause of reported speech ("Reuters
//! report claiming that P", "Peskov confirmed that P", "X denied that P").
//! Its text is made readable and comparable across articles: each entity
//! mention, with the role written before it, becomes the entity's canonical
//! name ("Iranian Foreign Minister Abbas Araghchi" → "Abbas Araghchi"). Its
//! source is the speaker who asserts it; a denial or a question asserts
//! nothing, so such a claim has no source of its own. One article states a
//! claim once: later wordings with the same key are occurrences of it.

use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::ops::Range;

use stancewire_proto::v1;

use super::attribution::{Attribution, Kind};
use super::cast::{Cast, Mention};
use super::lexicon::CueClass;
use super::normalize::{claim_id, is_past_form, lemma, normalize};
use super::phrase::is_lower;
use super::speakers::Speaker;
use super::text::Text;

/// Claims with fewer words than this are too trivial to track.
const MIN_CLAIM_WORDS: usize = 4;

/// The article's claims and where each is stated.
pub(crate) struct Claims {
    /// In order of first statement.
    pub records: Vec<v1::Claim>,
    /// Per record: its entities, its main verb and who asserts it.
    pub info: Vec<ClaimInfo>,
    pub occurrences: Vec<Occurrence>,
}

pub(crate) struct ClaimInfo {
    pub entities: Vec<usize>,
    /// Lemma of the claim's first past-tense verb ("deliver").
    pub main_verb: Option<String>,
    /// The speaker who asserts the claim, if any.
    pub source: Option<Speaker>,
}

/// One statement of a claim.
pub(crate) struct Occurrence {
    pub claim: usize,
    pub range: Range<usize>,
    /// The attribution whose proposition it is.
    pub attribution: usize,
}

pub(crate) fn extract(
    text: &Text,
    cast: &Cast,
    attributions: &[Attribution],
    speakers: &[Speaker],
) -> Claims {
    let mut claims = Claims {
        records: Vec::new(),
        info: Vec::new(),
        occurrences: Vec::new(),
    };
    let mut by_key: BTreeMap<String, usize> = BTreeMap::new();
    let mut order: Vec<usize> = (0..attributions.len())
        .filter(|&i| attributions[i].kind == Kind::Proposition)
        .collect();
    order.sort_by_key(|&i| {
        (
            attributions[i].content.start,
            attributions[i].content.end,
            i,
        )
    });
    for i in order {
        let attribution = &attributions[i];
        let range = attribution.content.clone();
        let (rewritten, entities) = rewrite(text, cast, &range);
        if rewritten.split_whitespace().count() < MIN_CLAIM_WORDS {
            continue;
        }
        let normalized = normalize(&rewritten);
        if normalized.is_empty() {
            continue;
        }
        let claim = *by_key.entry(normalized.clone()).or_insert_with(|| {
            let source = asserter(attribution, &speakers[i]);
            claims.records.push(v1::Claim {
                id: claim_id(&normalized),
                text: rewritten,
                normalized,
                source_entity_id: source.as_ref().map_or("", |s| s.id(cast)).to_string(),
                entity_ids: entities
                    .iter()
                    .map(|&e| cast.entities[e].id.clone())
                    .collect(),
                span: Some(text.span(&range)),
            });
            claims.info.push(ClaimInfo {
                entities,
                main_verb: main_verb(text, &range),
                source,
            });
            claims.records.len() - 1
        });
        claims.occurrences.push(Occurrence {
            claim,
            range,
            attribution: i,
        });
    }
    claims
}

/// Who asserts a proposition: its speaker, unless the cue denies, questions
/// or is negated ("denied that", "asked whether", "could not confirm that").
fn asserter(attribution: &Attribution, speaker: &Speaker) -> Option<Speaker> {
    let asserts = !attribution.cue.negated
        && !matches!(attribution.cue.class, CueClass::Deny | CueClass::Query)
        && !speaker.is_nobody();
    asserts.then(|| speaker.clone())
}

/// The claim text: each mention (with the role written before it) replaced
/// by its entity's canonical name, whitespace collapsed, end punctuation
/// trimmed; and the entities it mentions, in order, once each.
fn rewrite(text: &Text, cast: &Cast, range: &Range<usize>) -> (String, Vec<usize>) {
    let mut pieces: Vec<(Range<usize>, usize)> = cast
        .within(range)
        .map(|m| (with_role(text, cast, m, range.start), m.entity))
        .collect();
    pieces.sort_by_key(|(r, e)| (r.start, Reverse(r.end), *e));
    let mut out = String::new();
    let mut entities = Vec::new();
    let mut cursor = range.start;
    for (piece, entity) in pieces {
        if piece.start < cursor {
            continue;
        }
        out.push_str(text.slice(&(cursor..piece.start)));
        out.push_str(&cast.entities[entity].name);
        cursor = piece.end;
        if !entities.contains(&entity) {
            entities.push(entity);
        }
    }
    out.push_str(text.slice(&(cursor..range.end)));
    let out = out.split_whitespace().collect::<Vec<_>>().join(" ");
    let out = out.trim_end_matches(|c: char| c.is_ascii_punctuation() || "”’".contains(c));
    (out.to_string(), entities)
}

/// A mention's range, extended left over one of its entity's roles written
/// right before it, and over a "the" before that role.
fn with_role(text: &Text, cast: &Cast, mention: &Mention, floor: usize) -> Range<usize> {
    let before = text.slice(&(floor..mention.range.start));
    let trimmed = before.trim_end();
    if trimmed.len() == before.len() {
        return mention.range.clone();
    }
    let role_start = cast.entities[mention.entity]
        .roles
        .iter()
        .filter_map(|role| ends_with_words(trimmed, role))
        .min();
    let Some(start) = role_start else {
        return mention.range.clone();
    };
    let lead = &trimmed[..start];
    let the = lead
        .len()
        .checked_sub(4)
        .filter(|&i| lead.is_char_boundary(i) && lead[i..].eq_ignore_ascii_case("the "))
        .filter(|&i| i == 0 || lead[..i].ends_with(char::is_whitespace));
    floor + the.unwrap_or(start)..mention.range.end
}

/// Where `needle` starts if `hay` ends with it as whole words, ignoring case
/// and the apostrophe's form.
fn ends_with_words(hay: &str, needle: &str) -> Option<usize> {
    let fold = |c: char| if c == '’' { '\'' } else { c };
    let mut h = hay.char_indices().rev();
    let mut start = hay.len();
    for n in needle.chars().rev() {
        let (i, c) = h.next()?;
        if !fold(c).to_lowercase().eq(fold(n).to_lowercase()) {
            return None;
        }
        start = i;
    }
    let boundary = hay[..start]
        .chars()
        .next_back()
        .is_none_or(|c| !c.is_alphanumeric());
    (boundary && !needle.is_empty()).then_some(start)
}

/// The lemma of the first lower-case past-tense verb of the claim: what a
/// denial negates ("did not deliver").
fn main_verb(text: &Text, range: &Range<usize>) -> Option<String> {
    text.tokens(range)
        .iter()
        .filter(|t| t.word && is_lower(text, t))
        .map(|t| text.lower(t))
        .find(|w| is_past_form(w))
        .map(|w| lemma(&w))
}
