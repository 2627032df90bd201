//! Speaker phrases: the words next to a reporting cue that name who spoke.
//!
//! Both finders need the same answer to "which words before `said` are its
//! subject?" (`Kremlin spokesman Dmitry Peskov said`, `the Reuters article
//! had suggested`, `Peskov did not confirm`) and "which words after it?"
//! (`said Peskov`, `according to the Kremlin representative`). Without a
//! parser, a phrase is the run of words up to the nearest clause boundary,
//! short enough to be a noun phrase, stripped of auxiliaries and adverbs.

use std::ops::Range;

use super::lexicon::{
    cue, is_be, is_clause_boundary, is_negation, is_noun_or_verb, is_refusal, is_verb_modifier,
    pronoun, Form,
};
use super::text::{Text, Token};

/// The longest speaker phrase, in words.
pub(crate) const MAX_WORDS: usize = 8;

/// A speaker phrase and what was stripped between it and its cue.
#[derive(Debug, Clone)]
pub(crate) struct Phrase {
    pub range: Range<usize>,
    /// The cue is negated or refused ("did not confirm", "declined to").
    pub negated: bool,
}

/// The subject phrase that ends right before `tokens[cue]`.
pub(crate) fn before(text: &Text, tokens: &[Token], cue_at: usize) -> Option<Phrase> {
    let mut start = cue_at;
    while start > 0 && cue_at - start <= MAX_WORDS + 3 {
        let token = &tokens[start - 1];
        if !token.word {
            break;
        }
        let word = text.lower(token);
        let other_verb =
            cue(&word).is_some_and(|(_, form)| form == Form::Verb) && !is_noun_or_verb(&word);
        if is_clause_boundary(&word) || other_verb {
            break;
        }
        start -= 1;
    }
    let mut words: Vec<&Token> = tokens[start..cue_at].iter().collect();
    let mut negated = false;
    while let Some(last) = words.last() {
        let word = text.lower(last);
        if !is_lower(text, last) || !is_verb_modifier(&word) {
            break;
        }
        negated |= is_negation(&word) || is_refusal(&word);
        words.pop();
    }
    let (first, last) = (words.first()?, words.last()?);
    let copula = words.iter().any(|t| is_be(&text.lower(t)));
    (!copula && words.len() <= MAX_WORDS).then_some(Phrase {
        range: pronoun_head(text, &(first.range.start..last.range.end)),
        negated,
    })
}

/// "But he had this to say:", "since he suspended his campaign, blasted":
/// a source the tagger runs on past its pronoun into the verb after it is
/// that pronoun. A source is a noun phrase; a pronoun followed by a
/// lower-case word has ended.
pub(crate) fn pronoun_head(text: &Text, source: &Range<usize>) -> Range<usize> {
    let tokens = text.tokens(source);
    match tokens.as_slice() {
        [first, second, ..]
            if first.word
                && pronoun(&text.lower(first)).is_some()
                && second.word
                && is_lower(text, second) =>
        {
            first.range.clone()
        }
        _ => source.clone(),
    }
}

/// The phrase of words right after `tokens[from - 1]`, up to the next
/// punctuation: "said Peskov.", "according to the Kremlin representative,".
pub(crate) fn after(tokens: &[Token], from: usize) -> Option<Range<usize>> {
    let words: Vec<&Token> = tokens.get(from..)?.iter().take_while(|t| t.word).collect();
    let (first, last) = (words.first()?, words.last()?);
    (words.len() <= MAX_WORDS).then_some(first.range.start..last.range.end)
}

/// Whether a token starts with a lower-case letter (or is not a word).
pub(crate) fn is_lower(text: &Text, token: &Token) -> bool {
    !text
        .slice(&token.range)
        .chars()
        .next()
        .is_some_and(char::is_uppercase)
}
