//! The attribution tagger's findings, in the speech rules' terms.
//!
//! The tagger (`crate::attribution`) finds each attribution's source, cue
//! and content; the rest of speech analysis — resolving speakers, making
//! claims, judging stances — reads `Attribution`s. This module makes them:
//! the content's kind (a direct quote, a proposition, other reported speech,
//! or the object of a cue like "denied the report"), the cue's class and
//! negation from the lexicon, and who it names. A content with no source of
//! its own continues the quote before it when it is a quote that opens its
//! paragraph or follows a quote (the unattributed quote paragraph), else it
//! belongs to the speech that encloses it, if any.
//!
//! The quotation-mark rules (`quotes`) stay where they are exact: a quote
//! the tagger missed but the marks and an attribution beside them show is
//! kept, and a tagged quote with no source takes the one the rules found.

use std::ops::Range;

use stancewire_proto::v1;

use super::attribution::{Attribution, Cue, Kind, SpeakerRef};
use super::lexicon::{
    cue, is_affirmation, is_be, is_determiner, is_negation, is_refusal, is_refutation,
    is_report_noun, is_sentence_opener, is_verb_modifier, pronoun, CueClass, Form,
};
use super::phrase::{self, is_lower};
use super::quotes::Quoted;
use super::text::Text;
use crate::attribution::Found;

/// Contents of at most this many words that name a report are the object
/// of their cue ("denied the report"), not speech.
const MAX_OBJECT_WORDS: usize = 6;
/// Reported speech the tagger is less sure of is left out: on PolNeAR dev,
/// most such attributions match nothing an annotator marked (content F1
/// 0.786 with them, 0.795 without them and without one-word contents).
const MIN_REPORTED_CONFIDENCE: f32 = 0.7;
/// Reported speech of fewer words ("the", "him") is left out likewise.
const MIN_REPORTED_WORDS: usize = 2;
/// The most words between a report noun and the "that" of its proposition
/// ("rumours *circulating on social media* that").
const MAX_MODIFIER_WORDS: usize = 6;
/// The most capitalised words a sentence's subject runs to ("Secretary of
/// State John Kerry" is four: "of" is not capitalised, so it ends there).
const MAX_SUBJECT_WORDS: usize = 5;

const OPENING: &[char] = &['“', '"', '‘', '«'];
const CLOSING: &[char] = &['”', '"', '’', '»'];

pub(crate) fn attributions(text: &Text, found: &[Found], quoted: &Quoted) -> Vec<Attribution> {
    let bytes = |r: &Range<usize>| {
        text.range(&v1::Span {
            start: r.start as u32,
            end: r.end as u32,
        })
    };
    let mut out: Vec<Attribution> = Vec::new();
    for f in found {
        let mut raw = bytes(&f.content);
        let cue_range = f.cue.as_ref().map(&bytes);
        // "The Journal reported, citing people familiar with the matter,
        // that P": the tagger gives the citation and P to "citing"; what
        // was reported is P.
        if let Some(that) = cue_range
            .as_ref()
            .and_then(|c| cited_proposition(text, c, &raw))
        {
            raw = that..raw.end;
        }
        // "demanded answers on whether P": what was asked is P.
        let asked = asked_proposition(text, &raw);
        if let Some(whether) = asked {
            raw = whether..raw.end;
        }
        let kind = kind(text, &raw, f.cue.is_some());
        let mut cue = cue_range.as_ref().map_or_else(no_cue, |r| cue_of(text, r));
        if asked.is_some() && !cue.negated {
            cue.class = CueClass::Query;
        }
        let mut content = trimmed(text, &raw, kind);
        if kind == Kind::Proposition && cue.nominal {
            // "report claiming that P are not true": P ends where the
            // sentence's own verdict on it starts.
            if let Some(end) = judgement_start(text, &content) {
                content = text.trim_clause(&(content.start..end));
            }
        }
        // "called a Bloomberg report that P “a complete fabrication”": to
        // call what was said false is to deny it.
        if cue.class == CueClass::Say && !cue.negated && calls_false(text, &cue, &raw) {
            cue.class = CueClass::Deny;
        }
        let words = text.tokens(&content).iter().filter(|t| t.word).count();
        let unsure = f.confidence < MIN_REPORTED_CONFIDENCE || words < MIN_REPORTED_WORDS;
        if content.is_empty() || (kind != Kind::Direct && unsure) {
            continue;
        }
        let at = cue_range.as_ref().map_or(content.start, |c| c.start);
        let Some(sentence) = text.sentence_at(at) else {
            continue;
        };
        let put_to_speaker = cue_range
            .as_ref()
            .is_some_and(|c| was_asked(text, sentence, c));
        if put_to_speaker {
            // Still what the speaker spoke about, but no question of theirs.
            cue.class = CueClass::Say;
        }
        if cue_range
            .as_ref()
            .is_some_and(|c| spent(text, found, f, c, &bytes))
        {
            cue.class = CueClass::Say;
            cue.negated = false;
        }
        let speaker = match (&f.source, &cue_range) {
            // "Asked whether P, Quinn said: …": P is the question put to
            // the speaker, neither said nor asked by them; their answer is
            // a statement of its own, read against it.
            _ if put_to_speaker && kind == Kind::Proposition => SpeakerRef::Nobody,
            (Some(s), _) => SpeakerRef::Phrase(phrase::pronoun_head(text, &bytes(s))),
            // "Earlier Reuters report claiming that": the report's source
            // is named in its own noun phrase.
            (None, Some(c)) if cue.nominal => {
                report_phrase(text, sentence, c).map_or(SpeakerRef::Nobody, SpeakerRef::Phrase)
            }
            // "Authorities announced an arrest and said P": the second
            // verb's subject is the sentence's.
            (None, Some(c)) if content.start >= c.end => coordinated_subject(text, sentence, c)
                .map_or_else(|| unnamed(text, &out, &content, kind), SpeakerRef::Subject),
            (None, _) => unnamed(text, &out, &content, kind),
        };
        // "“I've heard that he's suspended,” Olsen said. “I heard he's on a
        // month's suspension.”": a quote that starts after its cue's
        // sentence is said in its own, which is its evidence.
        let sentence = text
            .sentence_at(content.start)
            .filter(|&own| own > sentence)
            .unwrap_or(sentence);
        out.push(Attribution {
            kind,
            content,
            cue,
            speaker,
            sentence,
            confidence: f.confidence,
        });
    }
    // Propositions inside what was said: "dismissed a Reuters report that
    // P", "Reports that P are not true, he said".
    // Or between the cue and what was said: "confirmed on Friday a Reuters
    // report that P" (the tagger gives P to "confirmed" alone).
    let inner: Vec<Attribution> = out
        .iter()
        .filter(|a| a.kind != Kind::Direct)
        .flat_map(|a| {
            let mut found = reports_inside(text, a);
            if let Some(cue) = a.cue.range.as_ref().filter(|c| c.end <= a.content.start) {
                let widened = Attribution {
                    content: cue.end..a.content.end,
                    ..a.clone()
                };
                found.extend(reports_inside(text, &widened));
            }
            found
        })
        .collect();
    // Questions inside what was said: "Mr. Trump, do you really think that
    // billionaires need a massive tax break?" asks whether P.
    let asked: Vec<Attribution> = out
        .iter()
        .filter(|a| matches!(a.kind, Kind::Direct | Kind::Reported))
        .flat_map(|a| questions_inside(text, a))
        .collect();
    let inner = inner.into_iter().chain(asked);
    for a in inner {
        let speaker = |b: &Attribution| match &b.speaker {
            SpeakerRef::Phrase(r) => Some(r.clone()),
            _ => None,
        };
        let known = out.iter().any(|b| {
            b.content == a.content
                && match (speaker(b), speaker(&a)) {
                    (Some(x), Some(y)) => x.start < y.end && y.start < x.end,
                    _ => true,
                }
        });
        if !known {
            out.push(a);
        }
    }
    // The quotation-mark rules: quotes the tagger missed, and speakers for
    // tagged quotes that have none, or only the guess that they continue
    // the quote before (a quote signed "― Name" names its own).
    for rule in &quoted.attributions {
        let mut overlapping = out
            .iter_mut()
            .filter(|a| overlap(&a.content, &rule.content));
        let named = matches!(rule.speaker, SpeakerRef::Phrase(_));
        match overlapping.next() {
            Some(a)
                if named
                    && matches!(
                        a.speaker,
                        SpeakerRef::Nobody
                            | SpeakerRef::Enclosing
                            | SpeakerRef::Continues(_)
                            | SpeakerRef::Subject(_)
                    ) =>
            {
                a.speaker = rule.speaker.clone();
                a.cue = rule.cue.clone();
            }
            Some(_) => {}
            None if named => out.push(rule.clone()),
            None => {}
        }
    }
    out.sort_by_key(|a| (a.content.start, a.content.end));
    // `Continues` indexes the list: resolve it after sorting.
    let starts: Vec<usize> = out.iter().map(|a| a.content.start).collect();
    for i in 0..out.len() {
        if out[i].speaker == SpeakerRef::Continues(usize::MAX) {
            out[i].speaker = (0..i)
                .rev()
                .find(|&j| {
                    starts[j] < starts[i]
                        && matches!(
                            out[j].speaker,
                            SpeakerRef::Phrase(_)
                                | SpeakerRef::Subject(_)
                                | SpeakerRef::Continues(_)
                        )
                })
                .map_or(SpeakerRef::Nobody, SpeakerRef::Continues);
        }
    }
    out
}

/// The propositions a report noun introduces inside an attribution's
/// content: "[a Reuters report] that P", "[reports] claiming that P", "[the
/// allegation] that P". Each is a proposition of its own, whose source is
/// whoever its noun phrase names (Reuters), or no one ("reports").
fn reports_inside(text: &Text, outer: &Attribution) -> Vec<Attribution> {
    let tokens = text.tokens(&outer.content);
    let words: Vec<String> = tokens.iter().map(|t| text.lower(t)).collect();
    let mut out = Vec::new();
    for i in 0..tokens.len() {
        let noun =
            is_report_noun(&words[i]) || cue(&words[i]).is_some_and(|(_, form)| form != Form::Verb);
        // "told The Washington Post that P": a capitalised noun inside the
        // sentence is part of a name.
        let opens_sentence = text
            .tokens(&text.sentences[outer.sentence].range)
            .iter()
            .find(|t| t.word)
            .is_some_and(|t| t.range == tokens[i].range);
        if !noun || !(is_lower(text, &tokens[i]) || opens_sentence) {
            continue;
        }
        // "report that", "report claiming that", "reports saying that",
        // "rumours circulating on social media that", "a report in the
        // Financial Times that".
        let that = match words.get(i + 1).map(String::as_str) {
            Some("that") => i + 1,
            Some(w)
                if cue(w).is_some_and(|(_, f)| f == Form::Participle)
                    && words.get(i + 2).is_some_and(|n| n == "that") =>
            {
                i + 2
            }
            Some(w) if is_noun_modifier_start(w) => {
                let Some(at) = (i + 2..words.len().min(i + 2 + MAX_MODIFIER_WORDS))
                    .take_while(|&j| tokens[j].word)
                    .find(|&j| words[j] == "that")
                else {
                    continue;
                };
                at
            }
            _ => continue,
        };
        let mut content = tokens[that].range.end..outer.content.end;
        if let Some(end) = judgement_start(text, &content) {
            content.end = end;
        }
        let content = text.trim_clause(&content);
        if text.tokens(&content).iter().filter(|t| t.word).count() < 3 {
            continue;
        }
        let cue_token = &tokens[that - 1];
        let (class, _) = cue(&words[that - 1]).unwrap_or((CueClass::Report, Form::Noun));
        let speaker = report_phrase(text, outer.sentence, &cue_token.range)
            .map_or(SpeakerRef::Nobody, SpeakerRef::Phrase);
        out.push(Attribution {
            kind: Kind::Proposition,
            content,
            cue: Cue {
                word: words[that - 1].clone(),
                class,
                negated: false,
                nominal: true,
                range: Some(cue_token.range.clone()),
            },
            speaker,
            sentence: outer.sentence,
            confidence: outer.confidence,
        });
    }
    out
}

/// The propositions a question inside an attribution's content asks about:
/// "do you (really) think (that) P?", "is it true that P?". Each is asked
/// by the attribution's speaker: a query of P, which asserts nothing.
fn questions_inside(text: &Text, outer: &Attribution) -> Vec<Attribution> {
    if !matches!(
        outer.speaker,
        SpeakerRef::Phrase(_) | SpeakerRef::Subject(_)
    ) {
        return Vec::new();
    }
    let tokens = text.tokens(&outer.content);
    let words: Vec<String> = tokens.iter().map(|t| text.lower(t)).collect();
    let mut out = Vec::new();
    let mut start = 0;
    for (end, word) in words.iter().enumerate() {
        if !matches!(word.as_str(), "?" | "." | "!") {
            continue;
        }
        let sentence = &words[start..end];
        let opens = start;
        start = end + 1;
        if word != "?" {
            continue;
        }
        // "think"/"believe" after "you" (with "do", "really" between), or
        // "true" in "is it true".
        let Some(verb) = sentence.iter().enumerate().position(|(i, w)| {
            let think = matches!(w.as_str(), "think" | "believe")
                && sentence[..i].iter().rev().take(3).any(|b| b == "you");
            let true_that =
                w == "true" && i >= 2 && sentence[i - 2] == "is" && sentence[i - 1] == "it";
            think || true_that
        }) else {
            continue;
        };
        let mut from = opens + verb + 1;
        if words.get(from).is_some_and(|w| w == "that") {
            from += 1;
        }
        if from >= end {
            continue;
        }
        let content = text.trim_clause(&(tokens[from].range.start..tokens[end].range.start));
        if text.tokens(&content).iter().filter(|t| t.word).count() < 3 {
            continue;
        }
        let Some(sentence) = text.sentence_at(content.start) else {
            continue;
        };
        let verb_token = &tokens[opens + verb];
        out.push(Attribution {
            kind: Kind::Proposition,
            content,
            cue: Cue {
                word: words[opens + verb].clone(),
                class: CueClass::Query,
                negated: false,
                nominal: false,
                range: Some(verb_token.range.clone()),
            },
            speaker: outer.speaker.clone(),
            sentence,
            confidence: outer.confidence,
        });
    }
    out
}

/// A word that opens a modifier of a report noun: a preposition ("a report
/// in the Times") or a participle ("rumours circulating online").
fn is_noun_modifier_start(word: &str) -> bool {
    matches!(word, "in" | "on" | "by" | "from" | "of" | "at")
        || (word.len() > 4 && (word.ends_with("ing") || word.ends_with("ed")))
}

/// The noun phrase before a nominal cue ("Earlier Reuters report" before
/// "claiming"), if it names someone: it holds a capitalised word.
fn report_phrase(text: &Text, sentence: usize, cue: &Range<usize>) -> Option<Range<usize>> {
    let tokens = text.tokens(&text.sentences[sentence].range);
    let at = tokens.iter().position(|t| t.range.start >= cue.start)?;
    let phrase = phrase::before(text, &tokens, at)
        .map(|p| p.range)
        .or_else(|| article_phrase(text, &tokens[..at]))?;
    let named = text
        .tokens(&phrase)
        .iter()
        .any(|t| t.word && !is_lower(text, t));
    named.then_some(phrase)
}

/// "The White House on Monday called [a New York Times] report": when the
/// words before a report noun run on past a subject phrase, the noun's own
/// phrase opens at the article before it — "a", "an" or "the", then only
/// capitalised words (the name), ending where `before` ends.
fn article_phrase(text: &Text, before: &[super::text::Token]) -> Option<Range<usize>> {
    let article = |t: &&super::text::Token| matches!(text.lower(t).as_str(), "a" | "an" | "the");
    let last = before.last()?;
    let opens = before
        .iter()
        .rev()
        .take_while(|t| t.word)
        .take(phrase::MAX_WORDS)
        .take_while(|t| !is_lower(text, t) || article(t))
        .find(article)?;
    (opens.range.start < last.range.start).then_some(opens.range.start..last.range.end)
}

/// Where a verdict on a proposition starts inside it: a form of "be" or
/// "do" followed, within a few words, by a word that refutes or affirms
/// ("are not true", "was false", "is accurate"), or "as" followed by one
/// ("dismissed a report that P as “completely false”").
fn judgement_start(text: &Text, content: &Range<usize>) -> Option<usize> {
    let tokens = text.tokens(content);
    let words: Vec<String> = tokens.iter().map(|t| text.lower(t)).collect();
    (1..tokens.len()).find_map(|i| {
        let w = words[i].as_str();
        let auxiliary = is_be(w)
            || matches!(w, "does" | "do" | "did")
            || (matches!(w, "has" | "have" | "had")
                && words.get(i + 1).is_some_and(|n| n == "been"));
        let judged = auxiliary
            && words[i + 1..]
                .iter()
                .take(4)
                .find(|n| !is_verb_modifier(n) && *n != "been")
                .is_some_and(|n| is_refutation(n) || is_affirmation(n));
        // A verdict among the next two words that are not an article or an
        // adverb ("as “a complete fabrication”").
        let verdict_follows = || {
            tokens[i + 1..]
                .iter()
                .zip(&words[i + 1..])
                .filter(|(t, n)| t.word && !is_verb_modifier(n) && !is_determiner(n))
                .take(2)
                .any(|(_, n)| is_refutation(n) || is_affirmation(n))
        };
        // "dismissed a report that P as “completely false”".
        let called = w == "as" && verdict_follows();
        // "called a report that P “fake news”": a quoted verdict closing
        // the content.
        let quoted = OPENING
            .iter()
            .any(|&c| text.slice(&tokens[i].range).starts_with(c))
            && quoted_to_the_end(text.slice(&(tokens[i].range.start..content.end)).trim())
            && verdict_follows();
        (judged || called || quoted).then_some(tokens[i].range.start)
    })
}

/// Whether a cue of naming ("called", "labelled", "branded", "termed")
/// gives what it names a refuting verdict: "called the report “fake news”",
/// "branded the claims false".
fn calls_false(text: &Text, cue: &Cue, content: &Range<usize>) -> bool {
    let naming = cue.word.split_whitespace().last().is_some_and(|w| {
        matches!(
            w,
            "call"
                | "calls"
                | "called"
                | "calling"
                | "label"
                | "labels"
                | "labelled"
                | "labeled"
                | "brand"
                | "brands"
                | "branded"
                | "term"
                | "terms"
                | "termed"
        )
    });
    naming
        && judgement_start(text, content).is_some_and(|at| {
            text.lower_words(&(at..content.end))
                .iter()
                .take(4)
                .any(|w| is_refutation(w))
        })
}

fn overlap(a: &Range<usize>, b: &Range<usize>) -> bool {
    let shared = a.end.min(b.end).saturating_sub(a.start.max(b.start));
    2 * shared > a.len().min(b.len())
}

/// The most words after a direct quote's closing mark in its content.
const MAX_WORDS_AFTER_QUOTE: usize = 3;

/// What kind of content a tagged span is.
fn kind(text: &Text, raw: &Range<usize>, has_cue: bool) -> Kind {
    if quoted_to_the_end(text.slice(raw).trim()) {
        return Kind::Direct;
    }
    let words = text.lower_words(raw);
    match words.first().map(String::as_str) {
        Some("that" | "whether") => Kind::Proposition,
        Some(first)
            if has_cue
                && words.len() <= MAX_OBJECT_WORDS
                && (is_determiner(first) || is_report_noun(first))
                && words.iter().any(|w| is_report_noun(w)) =>
        {
            Kind::Object
        }
        _ => Kind::Reported,
    }
}

/// The content without its "that" or its quotation marks, and without
/// trailing punctuation: a direct quote is what stands inside its marks; a
/// quote inside reported speech keeps both its marks.
fn trimmed(text: &Text, raw: &Range<usize>, kind: Kind) -> Range<usize> {
    let s = text.slice(raw);
    let mut start = raw.start + (s.len() - s.trim_start().len());
    match kind {
        Kind::Direct => {
            let rest = text.slice(&(start..raw.end));
            let opening = opening_mark(rest);
            if let Some(c) = opening {
                start += c.len_utf8();
            }
            let inner = text.slice(&(start..raw.end));
            let end = opening
                .and_then(|c| inner.rfind(closer(c)))
                .filter(|&i| i > 0)
                .unwrap_or(inner.trim_end().len());
            start..start + end
        }
        Kind::Proposition | Kind::Reported | Kind::Object => {
            if kind == Kind::Proposition {
                if let Some(that) = text.tokens(&(start..raw.end)).first() {
                    start = that.range.end;
                }
            }
            let clause = text.trim_clause(&(start..raw.end));
            // "called the plan “a good start”": the closing mark stays.
            let inside = text.slice(&clause);
            let open = inside.matches(OPENING).count() > inside.matches(CLOSING).count();
            let after = text.slice(&(clause.end..raw.end));
            match after.chars().next().filter(|c| open && CLOSING.contains(c)) {
                Some(c) => clause.start..clause.end + c.len_utf8(),
                None => clause,
            }
        }
    }
}

/// Whether `s` is a direct quote: it opens with a quotation mark and its
/// last closing mark (if it has one) ends it, but for a word or two. A
/// content that only starts with a quoted name runs on as reported speech:
/// "“Big Bank Hank,” whose real name was Henry Jackson, died early Tuesday,
/// according to …".
fn quoted_to_the_end(s: &str) -> bool {
    let Some(open) = opening_mark(s) else {
        return false;
    };
    let close = closer(open);
    let after = s[open.len_utf8()..]
        .rfind(close)
        .map(|i| &s[open.len_utf8() + i + close.len_utf8()..]);
    after.is_none_or(|rest| {
        rest.split_whitespace()
            .filter(|w| w.chars().any(char::is_alphanumeric))
            .count()
            < MAX_WORDS_AFTER_QUOTE
    })
}

/// The quotation mark that opens `s`, if one does: an opening mark, or a
/// closing ” with a word right after it (auto-correction turned the wrong
/// way, as `quotes` reads it too).
fn opening_mark(s: &str) -> Option<char> {
    let mut chars = s.chars();
    let first = chars.next()?;
    let reversed = first == '”' && chars.next().is_some_and(char::is_alphanumeric);
    (OPENING.contains(&first) || reversed).then_some(first)
}

/// The mark that closes a quote opened by `open`.
fn closer(open: char) -> char {
    match open {
        '“' => '”',
        '‘' => '’',
        '«' => '»',
        other => other,
    }
}

/// Whether `f` borrows a cue from another sentence whose meaning is spent
/// on a content of its own there: in "He didn't suggest retaliation. “Our
/// goal is not to …”", the quote is his, but it is not something he did not
/// suggest. The borrowed cue names the speaker and nothing more.
fn spent(
    text: &Text,
    found: &[Found],
    f: &Found,
    cue: &Range<usize>,
    bytes: &dyn Fn(&Range<usize>) -> Range<usize>,
) -> bool {
    let sentence = |r: &Range<usize>| text.sentence_at(r.start);
    let own = sentence(cue);
    sentence(&bytes(&f.content)) != own
        && found.iter().any(|g| {
            !std::ptr::eq(g, f)
                && g.cue.as_ref().is_some_and(|c| bytes(c) == *cue)
                && sentence(&bytes(&g.content)) == own
        })
}

/// The cue's class from its words ("did not confirm", "declined to
/// comment", "according to"), and whether it is negated, refused or not yet
/// done ("has yet to confirm").
fn cue_of(text: &Text, range: &Range<usize>) -> Cue {
    let words = text.lower_words(range);
    let known = words.iter().find_map(|w| cue(w));
    // "is reporting that", "were claiming": a participle after an
    // auxiliary is the verb of the sentence, not a report noun's modifier
    // ("a report claiming that").
    let sentence_start = text
        .sentence_at(range.start)
        .map_or(range.start, |i| text.sentences[i].range.start);
    let before = text
        .tokens(&(sentence_start..range.start))
        .iter()
        .rev()
        .find(|t| t.word)
        .map(|t| text.lower(t));
    let progressive = words
        .iter()
        .map(String::as_str)
        .chain(before.as_deref())
        .any(|w| matches!(w, "is" | "are" | "was" | "were" | "been" | "be" | "am"));
    let known = known.map(|(class, form)| match form {
        Form::Participle if progressive => (class, Form::Verb),
        form => (class, form),
    });
    // "has yet to confirm", "is yet to say": not done, as "did not confirm".
    let not_yet = words.windows(2).any(|p| p[0] == "yet" && p[1] == "to");
    let negated = not_yet || words.iter().any(|w| is_negation(w) || is_refusal(w));
    let (class, form) = known.unwrap_or((CueClass::Say, Form::Verb));
    Cue {
        word: words.join(" "),
        class,
        negated,
        nominal: form != Form::Verb,
        range: Some(range.clone()),
    }
}

fn no_cue() -> Cue {
    Cue {
        word: String::new(),
        class: CueClass::Say,
        negated: false,
        nominal: false,
        range: None,
    }
}

/// Where the proposition starts in the content of a "citing" cue that
/// runs on past the citation: at the "that" after a comma ("citing people
/// familiar with the matter, that P").
fn cited_proposition(text: &Text, cue: &Range<usize>, content: &Range<usize>) -> Option<usize> {
    let word = text.slice(cue).to_lowercase();
    if !word.split_whitespace().any(|w| w == "citing") {
        return None;
    }
    let tokens = text.tokens(content);
    tokens.windows(2).find_map(|w| {
        (text.slice(&w[0].range) == "," && text.lower(&w[1]) == "that").then(|| w[1].range.start)
    })
}

/// Where the question starts in a content that asks for an answer to it:
/// "answers on whether P", "clarity about whether P", "an explanation of
/// whether P" — a noun of answering or asking, at most
/// [`MAX_ASKED_WORDS`] words, then "whether" (a "whether" of its own).
fn asked_proposition(text: &Text, content: &Range<usize>) -> Option<usize> {
    let tokens: Vec<_> = text
        .tokens(content)
        .into_iter()
        .filter(|t| t.word)
        .take(MAX_ASKED_WORDS + 1)
        .collect();
    let words: Vec<String> = tokens.iter().map(|t| text.lower(t)).collect();
    let asks = words
        .iter()
        .take(2)
        .any(|w| is_question_noun(w.trim_end_matches('s')));
    let whether = words.iter().position(|w| w == "whether")?;
    (asks && whether > 0).then(|| tokens[whether].range.start)
}

/// The most words before the "whether" of an asked question.
const MAX_ASKED_WORDS: usize = 4;

/// Nouns that ask for an answer ("demanded answers", "raised questions").
fn is_question_noun(word: &str) -> bool {
    matches!(
        word,
        "answer"
            | "question"
            | "clarity"
            | "clarification"
            | "explanation"
            | "assurance"
            | "inquiry"
            | "enquiry"
            | "investigation"
            | "probe"
    )
}

/// "Asked about the report, Sanders said …": a participle opening the
/// sentence says what the speaker was asked, not that they asked it.
fn was_asked(text: &Text, sentence: usize, cue: &Range<usize>) -> bool {
    let opens = text
        .tokens(&(text.sentences[sentence].range.start..cue.start))
        .iter()
        .all(|t| !t.word);
    let word = text.slice(cue).to_lowercase();
    opens && matches!(word.as_str(), "asked" | "pressed" | "questioned")
}

/// The subject a cue shares with the verb before it: in "Mr. Schultz
/// supported Democrats, and said P" or "Trump is telling veterans that …
/// and says P", the cue follows "and" or "but" (adverbs such as "also"
/// between), and its speaker is the sentence's subject — a pronoun, or the
/// run of capitalised words that opens the sentence ("The White House",
/// "Mr. Schultz") and ends where a lower-case word starts.
fn coordinated_subject(text: &Text, sentence: usize, cue: &Range<usize>) -> Option<Range<usize>> {
    let start = text.sentences[sentence].range.start;
    let tokens: Vec<_> = text
        .tokens(&(start..cue.start))
        .into_iter()
        .filter(|t| t.word)
        .collect();
    let joined = tokens
        .iter()
        .rev()
        .map(|t| text.lower(t))
        .find(|w| !is_verb_modifier(w))
        .is_some_and(|w| w == "and" || w == "but");
    if !joined {
        return None;
    }
    let first = tokens.first()?;
    if pronoun(&text.lower(first)).is_some() {
        return Some(first.range.clone());
    }
    let capitalised =
        |t: &&super::text::Token| text.slice(&t.range).starts_with(char::is_uppercase);
    // "The White House …": the article opens a name.
    let the = text.lower(first) == "the" && tokens.get(1).is_some_and(|t| capitalised(&t));
    let skip = usize::from(the);
    let run = tokens[skip..].iter().take_while(capitalised).count();
    let opener = !the && is_sentence_opener(&text.lower(first));
    if run == 0 || run > MAX_SUBJECT_WORDS || skip + run == tokens.len() || opener {
        return None;
    }
    Some(first.range.start..tokens[skip + run - 1].range.end)
}

/// Who speaks a content the tagger found no source for: a quote that opens
/// its paragraph or follows a quote continues the one before
/// (`Continues(usize::MAX)`, resolved once the list is sorted); other speech
/// belongs to the speech that encloses it, or to no one.
fn unnamed(text: &Text, before: &[Attribution], content: &Range<usize>, kind: Kind) -> SpeakerRef {
    let enclosed = before.iter().any(|a| {
        a.kind != Kind::Direct && a.content.start <= content.start && content.end <= a.content.end
    });
    if enclosed {
        return SpeakerRef::Enclosing;
    }
    if kind == Kind::Direct {
        let opens_paragraph = text.paragraphs.iter().any(|p| {
            p.start <= content.start
                && text
                    .slice(&(p.start..content.start))
                    .trim_matches(|c: char| c.is_whitespace() || OPENING.contains(&c))
                    .is_empty()
        });
        if opens_paragraph || before.last().is_some_and(|a| a.kind == Kind::Direct) {
            return SpeakerRef::Continues(usize::MAX);
        }
    }
    SpeakerRef::Nobody
}

#[cfg(test)]
mod tests {
    use super::quoted_to_the_end;

    #[test]
    fn a_content_is_a_direct_quote_only_if_its_quote_runs_to_its_end() {
        assert!(quoted_to_the_end("“We will win,”"));
        assert!(quoted_to_the_end("\"It felt like a new art form,\""));
        assert!(quoted_to_the_end("“It is early. We will win” next year"));
        assert!(quoted_to_the_end("“The quote runs on past the paragraph"));
        assert!(!quoted_to_the_end(
            "\"Big Bank Hank,\" whose real name was Henry Jackson, died early Tuesday"
        ));
        assert!(!quoted_to_the_end("the plan is “a good start”"));
    }
}
