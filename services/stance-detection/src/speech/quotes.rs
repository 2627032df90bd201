//! Direct quotes: words in quotation marks, and the attribution next to them.
//!
//! News prose marks quotes with curly “…” or straight "…" double marks and,
//! less often, with ‘…’ single marks, whose closing mark is also the
//! apostrophe of "let’s" and "Araghchi’s". Marks are paired within a
//! paragraph by a small state machine that only takes ’ as a closing mark
//! where no letter follows it, and takes ” as an opening mark where a word
//! starts right after it and no quote is open (”Fear. …”: auto-correction
//! turned the wrong way). Attribution sits beside the quote:
//! `“…,” Peskov stated.`, `“…,” said Peskov.`, `Peskov said: “…”`, or signs
//! it: `“…” ― Pamela Padilla`. A quote
//! without one continues the attributed quote before it in the paragraph;
//! short unattributed quotes inside a sentence are scare quotes and dropped,
//! but their marks still hide their words from the reported-speech rules.

use std::ops::Range;

use super::attribution::{Attribution, Cue, Kind, SpeakerRef};
use super::lexicon::{cue, CueClass, Form};
use super::phrase::{self, Phrase};
use super::text::{Text, Token};

/// Fewer words than this, unattributed and inside a sentence: a scare quote.
const MIN_QUOTE_WORDS: usize = 4;
/// The most words between a cue and the colon that opens its quote
/// ("Peskov told reporters on Monday: “…”").
const MAX_WORDS_BEFORE_COLON: usize = 5;
/// The most words in the name that signs a quote (`“…” ― Edwin G. Monroy`).
const MAX_SIGNATURE_WORDS: usize = 5;

/// What the quote finder found.
pub(crate) struct Quoted {
    /// Direct quotes worth keeping, in text order.
    pub attributions: Vec<Attribution>,
    /// Every paired quote, marks included, scare quotes too.
    pub regions: Vec<Range<usize>>,
    /// Byte ranges of the cue words used as quote attributions.
    pub cues: Vec<Range<usize>>,
}

/// A pair of quotation marks.
#[derive(Debug, Clone)]
struct Marks {
    open: Range<usize>,
    close: Range<usize>,
}

impl Marks {
    fn inner(&self) -> Range<usize> {
        self.open.end..self.close.start
    }
    fn outer(&self) -> Range<usize> {
        self.open.start..self.close.end
    }
}

/// An attribution found next to a quote: the speaker phrase and its cue.
struct Beside {
    phrase: Phrase,
    cue: Token,
    class: CueClass,
}

pub(crate) fn find(text: &Text) -> Quoted {
    let mut found = Quoted {
        attributions: Vec::new(),
        regions: Vec::new(),
        cues: Vec::new(),
    };
    for (p, paragraph) in text.paragraphs.iter().enumerate() {
        let marks = pair(text, paragraph);
        // The attributed quote the next unattributed one continues.
        let mut previous: Option<usize> = None;
        for (i, m) in marks.iter().enumerate() {
            found.regions.push(m.outer());
            let next_open = marks.get(i + 1).map_or(paragraph.end, |n| n.open.start);
            let last_close = i
                .checked_sub(1)
                .map_or(paragraph.start, |j| marks[j].close.end);
            let beside = attribution_after(text, m.close.end..next_open)
                .or_else(|| attribution_before(text, last_close..m.open.start))
                .or_else(|| {
                    let opens_paragraph = text
                        .slice(&(paragraph.start..m.open.start))
                        .trim()
                        .is_empty();
                    let prior = p.checked_sub(1).and_then(|q| text.paragraphs.get(q));
                    prior
                        .filter(|_| opens_paragraph)
                        .and_then(|q| attribution_before(text, q.clone()))
                });
            let Some(sentence) = text.sentence_at(m.open.start) else {
                continue;
            };
            let (speaker, cue) = match (&beside, previous) {
                (Some(b), _) => {
                    found.cues.push(b.cue.range.clone());
                    let cue = Cue {
                        word: text.lower(&b.cue),
                        class: b.class,
                        negated: b.phrase.negated,
                        nominal: false,
                        range: Some(b.cue.range.clone()),
                    };
                    (SpeakerRef::Phrase(b.phrase.range.clone()), cue)
                }
                (None, _) if is_scare_quote(text, m) => continue,
                (None, Some(j)) => (SpeakerRef::Continues(j), found.attributions[j].cue.clone()),
                (None, None) => (SpeakerRef::Enclosing, unattributed()),
            };
            if matches!(speaker, SpeakerRef::Phrase(_) | SpeakerRef::Continues(_)) {
                previous = Some(found.attributions.len());
            }
            found.attributions.push(Attribution {
                kind: Kind::Direct,
                content: m.inner(),
                cue,
                speaker,
                sentence,
                confidence: 1.0,
            });
        }
    }
    found
}

fn unattributed() -> Cue {
    Cue {
        word: String::new(),
        class: CueClass::Say,
        negated: false,
        nominal: false,
        range: None,
    }
}

/// Pairs the quotation marks of one paragraph. An opening mark with no
/// closing mark in the paragraph is dropped.
fn pair(text: &Text, paragraph: &Range<usize>) -> Vec<Marks> {
    let s = text.slice(paragraph);
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let at = |i: usize| {
        let (b, c) = chars[i];
        paragraph.start + b..paragraph.start + b + c.len_utf8()
    };
    let mut out = Vec::new();
    // The open mark: its char index and whether it is a single mark.
    let mut open: Option<(usize, bool)> = None;
    for i in 0..chars.len() {
        let c = chars[i].1;
        let prev = i.checked_sub(1).map(|j| chars[j].1);
        let next = chars.get(i + 1).map(|(_, c)| *c);
        match (c, open) {
            ('“' | '«', _) | ('"', None) => open = Some((i, false)),
            // A closing mark where an opening one belongs, as a word
            // processor's auto-correction leaves it: ”Fear. I am …”.
            ('”', None)
                if prev.is_none_or(|p| p.is_whitespace() || "([—–―".contains(p))
                    && next.is_some_and(char::is_alphanumeric) =>
            {
                open = Some((i, false))
            }
            ('”' | '"' | '»', Some((o, false))) => {
                out.push(Marks {
                    open: at(o),
                    close: at(i),
                });
                open = None;
            }
            ('‘', None) if prev.is_none_or(|p| p.is_whitespace() || "([—–".contains(p)) => {
                open = Some((i, true));
            }
            ('’', Some((o, true)))
                if !next.is_some_and(char::is_alphanumeric)
                    && prev.is_some_and(|p| !p.is_whitespace()) =>
            {
                out.push(Marks {
                    open: at(o),
                    close: at(i),
                });
                open = None;
            }
            _ => {}
        }
    }
    out
}

/// `“…,” Peskov stated.` or `“…,” said Peskov.`: the words after the
/// closing mark, up to the end of the sentence or the next quote.
fn attribution_after(text: &Text, range: Range<usize>) -> Option<Beside> {
    let tokens = text.tokens(&range);
    if let Some(signed) = signature(text, &tokens) {
        return Some(signed);
    }
    let skip = usize::from(tokens.first().is_some_and(|t| text.slice(&t.range) == ","));
    let first = tokens.get(skip).filter(|t| t.word)?;
    if let Some(class) = verb_cue(text, first) {
        let range = phrase::after(&tokens, skip + 1)?;
        let phrase = Phrase {
            range,
            negated: false,
        };
        return Some(beside(phrase, first, class));
    }
    let words = tokens[skip..].iter().take_while(|t| t.word).count();
    (skip..skip + words).find_map(|at| {
        let class = verb_cue(text, &tokens[at])?;
        let phrase = phrase::before(text, &tokens, at)?;
        (phrase.range.start == tokens[skip].range.start).then(|| beside(phrase, &tokens[at], class))
    })
}

/// `“…” ― Pamela Padilla`: a quote signed with a dash and a name, as vox
/// pops, pull quotes and epigraphs are. The name is capitalised words
/// (initials too), then nothing but an optional description after a comma
/// ("― Jane Doe, a nurse") or a full stop. The dash stands as the cue.
fn signature(text: &Text, tokens: &[Token]) -> Option<Beside> {
    let (dash, rest) = tokens.split_first()?;
    if !matches!(text.slice(&dash.range), "―" | "—" | "–") {
        return None;
    }
    let name = rest
        .iter()
        .take_while(|t| {
            let s = text.slice(&t.range);
            (t.word && s.starts_with(char::is_uppercase)) || s == "."
        })
        .count();
    let words = rest[..name].iter().filter(|t| t.word).count();
    let ends = match rest.get(name) {
        None => true,
        Some(t) => text.slice(&t.range) == ",",
    };
    if words == 0 || words > MAX_SIGNATURE_WORDS || !ends || !rest[0].word {
        return None;
    }
    let last = rest[..name].iter().rposition(|t| t.word)?;
    let phrase = Phrase {
        range: rest[0].range.start..rest[last].range.end,
        negated: false,
    };
    Some(beside(phrase, dash, CueClass::Say))
}

/// `Peskov said: “…”` or `Peskov said, “…”`: the words before the opening
/// mark, which must end with a colon or a comma.
fn attribution_before(text: &Text, range: Range<usize>) -> Option<Beside> {
    let tokens = text.tokens(&range);
    let (last, words) = tokens.split_last()?;
    if !matches!(text.slice(&last.range), ":" | ",") {
        return None;
    }
    let tail = words.iter().rev().take_while(|t| t.word).count();
    let at = (words.len() - tail..words.len())
        .rev()
        .take(MAX_WORDS_BEFORE_COLON + 1)
        .find(|&i| verb_cue(text, &words[i]).is_some())?;
    let class = verb_cue(text, &words[at])?;
    let phrase = phrase::before(text, words, at)?;
    Some(beside(phrase, &words[at], class))
}

fn beside(phrase: Phrase, cue: &Token, class: CueClass) -> Beside {
    Beside {
        phrase,
        cue: cue.clone(),
        class,
    }
}

/// The class of a token that is a reporting verb.
fn verb_cue(text: &Text, token: &Token) -> Option<CueClass> {
    cue(&text.lower(token))
        .filter(|(_, form)| *form == Form::Verb)
        .map(|(class, _)| class)
}

/// A short quote inside a sentence: "called the report “fake news”".
fn is_scare_quote(text: &Text, marks: &Marks) -> bool {
    let words = text
        .tokens(&marks.inner())
        .iter()
        .filter(|t| t.word)
        .count();
    words < MIN_QUOTE_WORDS && !stands_alone(text, marks)
}

/// Whether the quote is its whole sentence.
fn stands_alone(text: &Text, marks: &Marks) -> bool {
    let Some(sentence) = text.sentence_at(marks.open.start) else {
        return false;
    };
    let range = &text.sentences[sentence].range;
    let before = text.slice(&(range.start..marks.open.start));
    let after = text.slice(&(marks.close.end..range.end.max(marks.close.end)));
    before.trim().is_empty() && after.chars().all(|c| !c.is_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::speech::text::read_body;

    /// The words inside each pair of marks of a one-paragraph body.
    fn quoted(body: &str) -> Vec<String> {
        read_body(body, |text| {
            pair(text, &(0..body.len()))
                .iter()
                .map(|m| text.slice(&m.inner()).to_string())
                .collect()
        })
    }

    #[test]
    fn marks_pair_curly_straight_and_single() {
        assert_eq!(
            quoted("“Not true,” he said. \"No talks.\" ‘Let’s see,’ she said."),
            ["Not true,", "No talks.", "Let’s see,"]
        );
    }

    /// Each quote's text and the words of its speaker phrase, if any.
    fn signed(body: &str) -> Vec<(String, Option<String>)> {
        read_body(body, |text| {
            find(text)
                .attributions
                .iter()
                .map(|a| {
                    let speaker = match &a.speaker {
                        SpeakerRef::Phrase(r) => Some(text.slice(r).to_string()),
                        _ => None,
                    };
                    (text.slice(&a.content).to_string(), speaker)
                })
                .collect()
        })
    }

    #[test]
    fn a_quote_signed_with_a_dash_is_the_signers() {
        let found = signed("“He is not fit to lead our nation.” ― Edwin G. Monroy");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].1.as_deref(), Some("Edwin G. Monroy"));
        let found = signed("“We need a leader with integrity.” — Jane Doe, a nurse in Ohio");
        assert_eq!(found[0].1.as_deref(), Some("Jane Doe"));
        // A dash that goes on with the sentence signs nothing.
        let found = signed("“We will win this state” — Trump then left the stage.");
        assert_eq!(found[0].1, None);
    }

    #[test]
    fn a_closing_mark_that_opens_a_quote_opens_it() {
        assert_eq!(
            quoted("”Fear. I am truly afraid.” ― Edwin G. Monroy"),
            ["Fear. I am truly afraid."]
        );
        // Where a quote is open, ” closes it, and a ” after a word closes
        // nothing new.
        assert_eq!(quoted("“He is here,” she said”"), ["He is here,"]);
    }
}
