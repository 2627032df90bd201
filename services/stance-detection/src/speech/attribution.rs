//! What the finders hand on: a piece of speech, its cue, and the phrase that
//! names its speaker, before that phrase is resolved to an entity.
//!
//! Direct quotes ([`super::quotes`]) and reported speech
//! ([`super::reported`]) are found by different rules but resolved, turned
//! into claims and judged the same way; this one type is what they share.

use std::ops::Range;

use super::lexicon::CueClass;

/// One piece of speech found in the body (byte ranges).
#[derive(Debug, Clone)]
pub(crate) struct Attribution {
    pub kind: Kind,
    /// What was said: inside the quotation marks, or the reported content.
    pub content: Range<usize>,
    pub cue: Cue,
    pub speaker: SpeakerRef,
    /// Index of the sentence the attribution is made in (the evidence).
    pub sentence: usize,
    /// How sure the finder is, 0..1.
    pub confidence: f32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Words in quotation marks.
    Direct,
    /// Reported content that is a proposition of its own: a that- or
    /// whether-clause. These become claims.
    Proposition,
    /// Other reported content: "according to X, …", "…, X said.", "X said: …".
    Reported,
    /// The object of a cue that is not speech: "Peskov denied the report".
    /// Never emitted as a quote; it can still deny a claim.
    Object,
}

/// The word that marks speech ("said", "according to").
#[derive(Debug, Clone)]
pub(crate) struct Cue {
    pub word: String,
    pub class: CueClass,
    /// Negated or refused: "did not confirm", "declined to comment".
    pub negated: bool,
    /// A noun or participle inside a noun phrase ("a report claiming that"):
    /// its phrase names a speaker only if it mentions one.
    pub nominal: bool,
    /// Where the cue is, if there is one (byte range of the body).
    pub range: Option<Range<usize>>,
}

/// Who the speech is attributed to, before resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SpeakerRef {
    /// A phrase naming the speaker: a name, a pronoun or a role.
    Phrase(Range<usize>),
    /// The subject of the sentence, taken for the speaker by its place
    /// alone ("Mr. Schultz supported Democrats and *said* P"): kept only
    /// where it names someone the article names, or is a pronoun.
    Subject(Range<usize>),
    /// An unattributed quote that continues the quote before it in the
    /// paragraph (index into the attribution list).
    Continues(usize),
    /// An unattributed quote: the speaker of the reported speech that holds
    /// it, if any.
    Enclosing,
    /// No one: "reports that …" with no source named.
    Nobody,
}
