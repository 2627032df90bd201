//! Who said what in an article: direct quotes, reported speech, the claims
//! they carry and each source's stance toward each claim.
//!
//! The attributions themselves come from the attribution tagger
//! (`crate::attribution`); everything after is rules, so it explains itself
//! (every stance names its evidence sentence) and is deterministic: the same
//! `ArticleEntities` and attributions always give the same [`Speech`], byte
//! for byte, which the pipeline's repeat detection relies on. The steps,
//! each in its own module:
//!
//! 1. `learned` turns the tagger's attributions into `Attribution`s (kind,
//!    cue class, speaker phrase); `quotes` pairs quotation marks and finds
//!    the attribution beside them, for the quotes the tagger missed or left
//!    without a source (speaker phrases found by `phrase`).
//! 2. `speakers` resolves each speaker phrase to an entity of the article
//!    (`cast`): by name, by role, or by pronoun.
//! 3. `claims` turns the propositions of reported speech into claims with
//!    stable, normalised keys ([`normalize()`], [`claim_id`]).
//! 4. `stances` gives each claim's own speaker the stance of their cue, and
//!    hands every statement on as a [`Statement`], linked to the claims
//!    it is plainly about, for the stance model to read (`crate::judge`).
//!
//! Internally everything works in byte ranges of the body (`text`); the
//! records carry character spans, as every record does.

mod attribution;
mod cast;
mod claims;
mod learned;
mod lexicon;
mod normalize;
mod phrase;
mod quotes;
mod speakers;
mod stances;
mod text;

use std::ops::Range;

use stancewire_proto::v1;

use crate::attribution::Found;
pub(crate) use lexicon::{is_negation, is_refutation};
pub(crate) use normalize::key_words;
pub use normalize::{claim_id, normalize};
pub use stances::{pair_key, Statement};

use attribution::{Attribution, Kind, SpeakerRef};
use cast::Cast;
use speakers::Speaker;
use text::Text;

/// Everything said in one article.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Speech {
    pub quotes: Vec<v1::Quote>,
    pub claims: Vec<v1::Claim>,
    /// The stances the claims' own speakers state, one per (source, claim)
    /// pair: label from the cue, confidence, evidence sentence.
    pub stances: Vec<v1::Stance>,
    /// What each named source says, for the stance model to read against
    /// the claims of others (`crate::judge`).
    pub statements: Vec<Statement>,
}

/// Everything said in one article. `doc` is the entity-recognition output
/// (it holds the Article in `doc.article`, with body, title, sentences
/// (spans), paragraphs; and mentions/entities with entity ids, canonical
/// names, roles, aliases); `found` what the attribution tagger found in its
/// body (`crate::attribution::find`).
pub fn analyse(doc: &v1::ArticleEntities, found: &[Found]) -> Speech {
    let Some(article) = doc.article.as_ref() else {
        return Speech::default();
    };
    let text = Text::new(article);
    let cast = Cast::new(doc, &text);
    let quoted = quotes::find(&text);
    let attributions = learned::attributions(&text, found, &quoted);
    let speakers = speakers::resolve(&text, &cast, &attributions, &quoted.regions);
    let claims = claims::extract(&text, &cast, &attributions, &speakers);
    let judged = stances::judge(&stances::Evidence {
        text: &text,
        cast: &cast,
        attributions: &attributions,
        speakers: &speakers,
        claims: &claims,
    });
    Speech {
        quotes: quote_records(&text, &cast, &attributions, &speakers),
        claims: claims.records,
        stances: judged.stances,
        statements: judged.statements,
    }
}

/// The quote records: direct quotes, and reported speech with a speaker,
/// ordered by position and numbered in that order.
fn quote_records(
    text: &Text,
    cast: &Cast,
    attributions: &[Attribution],
    speakers: &[Speaker],
) -> Vec<v1::Quote> {
    let mut quotes: Vec<v1::Quote> = attributions
        .iter()
        .zip(speakers)
        .enumerate()
        .filter_map(|(i, (a, s))| {
            // A proposition inside the speaker's own quote ("Do you really
            // think that P?") is a claim of the quote, not a second quote.
            let inside_own_quote = a.kind == Kind::Proposition
                && attributions.iter().zip(speakers).any(|(b, t)| {
                    b.kind == Kind::Direct
                        && b.content.start <= a.content.start
                        && a.content.end <= b.content.end
                        && t.key(cast) == s.key(cast)
                });
            if inside_own_quote {
                return None;
            }
            let kind = match a.kind {
                Kind::Direct => v1::QuoteKind::Direct,
                Kind::Proposition | Kind::Reported if !s.is_nobody() => v1::QuoteKind::Reported,
                _ => return None,
            };
            Some(v1::Quote {
                id: String::new(),
                kind: kind.into(),
                span: Some(text.span(&a.content)),
                text: text.slice(&a.content).to_string(),
                speaker_entity_id: s.id(cast).to_string(),
                speaker_name: s.name.clone(),
                cue: a.cue.word.clone(),
                source_span: source_phrase(attributions, i, 0).map(|r| text.span(&r)),
                cue_span: a.cue.range.as_ref().map(|r| text.span(r)),
                confidence: a.confidence,
            })
        })
        .collect();
    let key = |q: &v1::Quote| {
        let span = q.span.unwrap_or_default();
        (span.start, span.end, q.kind, q.speaker_name.clone())
    };
    quotes.sort_by_key(key);
    quotes.dedup_by(|a, b| key(a) == key(b));
    for (i, q) in quotes.iter_mut().enumerate() {
        q.id = format!("q{}", i + 1);
    }
    quotes
}

/// Where attribution `i`'s source is named: its own phrase, or that of the
/// quote it continues or the speech that encloses it.
fn source_phrase(attributions: &[Attribution], i: usize, depth: usize) -> Option<Range<usize>> {
    if depth > attributions.len() {
        return None;
    }
    let a = &attributions[i];
    match &a.speaker {
        SpeakerRef::Phrase(range) | SpeakerRef::Subject(range) => Some(range.clone()),
        SpeakerRef::Continues(j) => source_phrase(attributions, *j, depth + 1),
        SpeakerRef::Enclosing => attributions
            .iter()
            .enumerate()
            .filter(|(k, outer)| {
                *k != i
                    && outer.kind != Kind::Direct
                    && outer.content.start <= a.content.start
                    && a.content.end <= outer.content.end
            })
            .min_by_key(|(_, outer)| outer.content.len())
            .and_then(|(k, _)| source_phrase(attributions, k, depth + 1)),
        SpeakerRef::Nobody => None,
    }
}
