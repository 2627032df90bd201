//! Reported speech: "X said (that) …", "…, X said.", "according to X, …",
//! "X denied that …", "X's report claiming that …".
//!
//! Without a parser, each sentence is read around its reporting cues. The
//! sentence-final attribution ("…, Kremlin spokesman Dmitry Peskov said.")
//! is found first, because it bounds every other clause in the sentence:
//! what comes before its comma is its content, and no that-clause runs past
//! that comma. Then each remaining cue is read with what follows it: a
//! that- or whether-clause (a proposition, which becomes a claim), a colon,
//! a bare clause after "said", or the object of "denied". A that-clause
//! inside a noun phrase ("report claiming that P are not true") ends where
//! the sentence's own predicate starts, so that P is the report's claim and
//! "are not true" is what the speaker says of it. Cues inside quotation
//! marks belong to the quote, and cues already used to attribute a quote
//! are skipped.

use std::ops::Range;

use super::attribution::{Attribution, Cue, Kind, SpeakerRef};
use super::lexicon::{
    blocks_bare_clause, cue, is_affirmation, is_be, is_determiner, is_noun_or_verb, is_refutation,
    is_report_noun, is_stop_word, is_trailing_adjunct, is_verb_modifier, pronoun, CueClass, Form,
};
use super::phrase::{self, is_lower};
use super::text::{Text, Token};

/// The most words between a cue and its "that" ("told reporters on Monday that").
const MAX_OBJECT_WORDS: usize = 5;
/// The most words after a sentence-final cue ("said in a statement on Monday").
const MAX_TRAILING_WORDS: usize = 5;
/// Reported content shorter than this is not worth a quote.
const MIN_CONTENT_WORDS: usize = 3;

pub(crate) fn find(
    text: &Text,
    quoted: &[Range<usize>],
    used: &[Range<usize>],
) -> Vec<Attribution> {
    (0..text.sentences.len())
        .flat_map(|index| Reader::new(text, index, quoted, used).read())
        .collect()
}

/// One sentence being read.
struct Reader<'r, 't> {
    text: &'r Text<'t>,
    index: usize,
    tokens: Vec<Token>,
    quoted: &'r [Range<usize>],
    used: &'r [Range<usize>],
    /// Where clauses end: the sentence's last word, or the comma before a
    /// sentence-final attribution.
    limit: usize,
}

impl<'r, 't> Reader<'r, 't> {
    fn new(
        text: &'r Text<'t>,
        index: usize,
        quoted: &'r [Range<usize>],
        used: &'r [Range<usize>],
    ) -> Self {
        let range = &text.sentences[index].range;
        Reader {
            text,
            index,
            tokens: text.tokens(range),
            quoted,
            used,
            limit: text.trim_clause(range).end,
        }
    }

    fn read(mut self) -> Vec<Attribution> {
        let mut out = Vec::new();
        // Token indexes of the cues already read.
        let mut taken = Vec::new();
        if let Some((attribution, cue_at, comma)) = self.tail() {
            self.limit = comma;
            taken.push(cue_at);
            out.push(attribution);
        }
        if let Some(attribution) = self.according_to_first() {
            out.push(attribution);
        }
        for at in 0..self.tokens.len() {
            if taken.contains(&at) || !self.free(at) {
                continue;
            }
            if let Some(attribution) = self.around_cue(at) {
                out.push(attribution);
            }
        }
        out
    }

    fn word(&self, at: usize) -> String {
        self.tokens
            .get(at)
            .map_or_else(String::new, |t| self.text.lower(t))
    }

    fn is(&self, at: usize, s: &str) -> bool {
        self.tokens
            .get(at)
            .is_some_and(|t| self.text.slice(&t.range) == s)
    }

    /// A word that is neither quoted nor already a quote's attribution.
    fn free(&self, at: usize) -> bool {
        let token = &self.tokens[at];
        let inside = |r: &Range<usize>| r.start <= token.range.start && token.range.end <= r.end;
        token.word && !self.quoted.iter().any(inside) && !self.used.iter().any(inside)
    }

    fn start(&self) -> usize {
        self.tokens.first().map_or(self.limit, |t| t.range.start)
    }

    /// The sentence-final attribution, its cue's token index and the byte
    /// offset of the comma before it.
    fn tail(&self) -> Option<(Attribution, usize, usize)> {
        self.according_to_last().or_else(|| self.said_last())
    }

    /// "…, according to X." The whole sentence when the attribution is an
    /// aside ("The leader, according to the Kremlin, welcomed the visit.").
    fn according_to_last(&self) -> Option<(Attribution, usize, usize)> {
        let at = (1..self.tokens.len()).find(|&i| {
            self.word(i) == "according" && self.word(i + 1) == "to" && self.is(i - 1, ",")
        })?;
        let speaker = phrase::after(&self.tokens, at + 2)?;
        let aside = self
            .tokens
            .iter()
            .position(|t| t.range.start >= speaker.end)
            .is_some_and(|i| self.is(i, ",") && self.tokens[i..].iter().any(|t| t.word));
        let end = if aside {
            self.limit
        } else {
            self.tokens[at - 1].range.start
        };
        let content = self.content(self.start()..end)?;
        let cue = plain_cue("according to", false);
        Some((
            self.attribution(Kind::Reported, content, cue, speaker),
            at,
            end,
        ))
    }

    /// "…, X said." or "…, said X."
    fn said_last(&self) -> Option<(Attribution, usize, usize)> {
        let last = self.tokens.iter().rposition(|t| t.word)?;
        let lowest = last.saturating_sub(MAX_TRAILING_WORDS + 1);
        (lowest..=last).rev().find_map(|at| {
            if !self.free(at) {
                return None;
            }
            let (class, form) = cue(&self.word(at))?;
            if form != Form::Verb || !self.tokens[at + 1..=last].iter().all(|t| t.word) {
                return None;
            }
            let trailing = last - at;
            let (speaker, comma_at, negated) = if at > 0 && self.is(at - 1, ",") {
                // "…, said Peskov."
                let speaker = phrase::after(&self.tokens, at + 1)?;
                (speaker, at - 1, false)
            } else {
                // "…, Peskov said (on Monday)."
                let adjunct = trailing == 0 || is_trailing_adjunct(&self.word(at + 1));
                let phrase = phrase::before(self.text, &self.tokens, at).filter(|_| adjunct)?;
                let first = self
                    .tokens
                    .iter()
                    .position(|t| t.range.start == phrase.range.start)?;
                let comma_at = first.checked_sub(1).filter(|&c| self.is(c, ","))?;
                (phrase.range, comma_at, phrase.negated)
            };
            if !phrase::plausible(self.text, &speaker) {
                return None;
            }
            let comma = self.tokens[comma_at].range.start;
            let content = self.content(self.start()..comma)?;
            let cue = Cue {
                word: self.word(at),
                class,
                negated,
                nominal: false,
            };
            Some((
                self.attribution(Kind::Reported, content, cue, speaker),
                at,
                comma,
            ))
        })
    }

    /// "According to X, …" at the start of the sentence.
    fn according_to_first(&self) -> Option<Attribution> {
        let at = usize::from(matches!(self.word(0).as_str(), "but" | "and" | "yet"));
        if self.word(at) != "according" || self.word(at + 1) != "to" || !self.free(at) {
            return None;
        }
        let speaker = phrase::after(&self.tokens, at + 2)?;
        let comma = self
            .tokens
            .iter()
            .position(|t| t.range.start >= speaker.end)
            .filter(|&c| self.is(c, ","))?;
        let content = self.content(self.tokens[comma].range.end..self.limit)?;
        let cue = plain_cue("according to", false);
        Some(self.attribution(Kind::Reported, content, cue, speaker))
    }

    /// The speech a cue word introduces, if it is one.
    fn around_cue(&self, at: usize) -> Option<Attribution> {
        let word = self.word(at);
        let (class, form) = self.classify(at)?;
        if form == Form::Verb && self.passive_or_infinitive(at, &word) {
            return None;
        }
        let object = if form == Form::Verb {
            self.object_words(at)
        } else {
            0
        };
        let next = at + 1 + object;
        let phrase = phrase::before(self.text, &self.tokens, at)
            .filter(|p| phrase::plausible(self.text, &p.range));
        let negated = phrase.as_ref().is_some_and(|p| p.negated);
        let cue = Cue {
            word: word.clone(),
            class,
            negated,
            nominal: false,
        };
        let nominal = form != Form::Verb;
        let follows = self.word(next);
        let whether = follows == "whether" || (follows == "if" && class == CueClass::Query);
        if follows == "that" || whether {
            let start = self.tokens[next].range.end;
            let end = if nominal {
                self.predicate_start(next + 1).unwrap_or(self.limit)
            } else {
                self.limit
            };
            let content = self.content(start..end)?;
            let speaker = match phrase {
                Some(p) => SpeakerRef::Phrase(p.range),
                None if nominal => SpeakerRef::Nobody,
                None => return None,
            };
            return Some(Attribution {
                kind: Kind::Proposition,
                content,
                cue: Cue { nominal, ..cue },
                speaker,
                sentence: self.index,
            });
        }
        let speaker = phrase?.range;
        if nominal {
            return None;
        }
        if follows == ":" {
            let opens_quote = self
                .tokens
                .get(next + 1)
                .is_some_and(|t| !t.word && "“\"‘«".contains(self.text.slice(&t.range)));
            let from = self.tokens[next].range.end;
            let content = self.content(from..self.limit).filter(|_| !opens_quote)?;
            return Some(self.attribution(Kind::Reported, content, cue, speaker));
        }
        if object > 0 || !self.tokens.get(at + 1).is_some_and(|t| t.word) {
            return None;
        }
        let kind = match class {
            CueClass::Say if !blocks_bare_clause(&follows) => Kind::Reported,
            CueClass::Assert | CueClass::Deny => Kind::Object,
            _ => return None,
        };
        let content = self.content(self.tokens[at + 1].range.start..self.limit)?;
        Some(self.attribution(kind, content, cue, speaker))
    }

    /// The cue class and form of a word. "report(s)" and "claim(s)" are
    /// verbs after a name or pronoun ("Reuters reports that"), nouns
    /// otherwise ("the report that", "Reports that").
    fn classify(&self, at: usize) -> Option<(CueClass, Form)> {
        let word = self.word(at);
        if !is_noun_or_verb(&word) {
            return cue(&word);
        }
        if matches!(word.as_str(), "report" | "claim") {
            return Some((CueClass::Report, Form::Noun));
        }
        let subject = at.checked_sub(1).is_some_and(|p| {
            let prev = &self.tokens[p];
            let w = self.text.lower(prev);
            let name = !is_lower(self.text, prev) && !is_determiner(&w) && !is_stop_word(&w);
            prev.word && (pronoun(&w).is_some() || name)
        });
        Some((
            CueClass::Report,
            if subject { Form::Verb } else { Form::Noun },
        ))
    }

    /// "was said", "is reported" (passive: no speaker) and "said to
    /// contain" (not speech).
    fn passive_or_infinitive(&self, at: usize, word: &str) -> bool {
        let passive = at
            .checked_sub(1)
            .is_some_and(|p| self.tokens[p].word && is_be(&self.word(p)));
        let infinitive = self.word(at + 1) == "to" && !matches!(word, "told" | "asked");
        passive || infinitive
    }

    /// Words between a verb cue and its "that", "whether" or colon.
    fn object_words(&self, at: usize) -> usize {
        let mut n = 0;
        while n < MAX_OBJECT_WORDS {
            let i = at + 1 + n;
            let Some(token) = self.tokens.get(i).filter(|t| t.word) else {
                break;
            };
            let w = self.text.lower(token);
            if matches!(w.as_str(), "that" | "whether" | "if")
                || cue(&w).is_some()
                || is_report_noun(&w)
            {
                break;
            }
            n += 1;
        }
        let stops = matches!(self.word(at + 1 + n).as_str(), "that" | "whether" | "if")
            || self.is(at + 1 + n, ":");
        if stops {
            n
        } else {
            0
        }
    }

    /// Where the sentence's own predicate starts after a nominal
    /// that-clause: "(report claiming that P) are not true", "(the claim
    /// that P) has been denied", "(the report) does not reflect".
    fn predicate_start(&self, from: usize) -> Option<usize> {
        (from + 1..self.tokens.len()).find_map(|i| {
            let token = &self.tokens[i];
            if !token.word || token.range.start >= self.limit {
                return None;
            }
            let w = self.word(i);
            let auxiliary = is_be(&w)
                || matches!(w.as_str(), "does" | "do" | "did")
                || (matches!(w.as_str(), "has" | "have" | "had") && self.word(i + 1) == "been");
            if !auxiliary {
                return None;
            }
            let judged = (i + 1..self.tokens.len())
                .take(4)
                .map(|j| self.word(j))
                .find(|w| !is_verb_modifier(w) && w != "been")
                .is_some_and(|w| is_refutation(&w) || is_affirmation(&w));
            judged.then_some(token.range.start)
        })
    }

    /// Trimmed content, if it has enough words and is not a direct quote.
    fn content(&self, range: Range<usize>) -> Option<Range<usize>> {
        let range = self.text.trim_clause(&range);
        let tokens = self.text.tokens(&range);
        let words = tokens.iter().filter(|t| t.word).count();
        let quote = tokens
            .first()
            .is_some_and(|t| !t.word && "“\"‘«".contains(self.text.slice(&t.range)));
        (words >= MIN_CONTENT_WORDS && !quote).then_some(range)
    }

    fn attribution(
        &self,
        kind: Kind,
        content: Range<usize>,
        cue: Cue,
        speaker: Range<usize>,
    ) -> Attribution {
        Attribution {
            kind,
            content,
            cue,
            speaker: SpeakerRef::Phrase(speaker),
            sentence: self.index,
        }
    }
}

fn plain_cue(word: &str, negated: bool) -> Cue {
    Cue {
        word: word.to_string(),
        class: CueClass::Say,
        negated,
        nominal: false,
    }
}
