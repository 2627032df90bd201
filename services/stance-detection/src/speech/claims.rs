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
use super::lexicon::{cue, is_affirmation, is_refusal, is_refutation, is_report_noun, CueClass};
use super::normalize::{claim_id, normalize};
use super::speakers::Speaker;
use super::text::Text;

/// The most words before a colon that only lead in to the statement
/// ("Simply put:", "The bottom line:"), rather than state a clause of their
/// own.
const MAX_LEAD_IN_WORDS: usize = 3;
/// Claims with fewer words than this are too trivial to track.
const MIN_CLAIM_WORDS: usize = 4;
/// The most words a statement that only declines to comment runs to ("We
/// do not comment on market rumours or speculation" is eight).
const MAX_NO_COMMENT_WORDS: usize = 12;

/// The article's claims and where each is stated.
pub(crate) struct Claims {
    /// In order of first statement.
    pub records: Vec<v1::Claim>,
    /// Per record: its entities, its main verb and who asserts it.
    pub info: Vec<ClaimInfo>,
    pub occurrences: Vec<Occurrence>,
}

pub(crate) struct ClaimInfo {
    /// The speaker who asserts the claim, if any.
    pub source: Option<Speaker>,
}

/// One statement of a claim.
pub(crate) struct Occurrence {
    pub claim: usize,
    pub range: Range<usize>,
    /// The attribution whose proposition it is.
    pub attribution: usize,
    /// The statement says the claim is not so ("the video was not
    /// staged" states the claim "the video was staged", negated).
    pub negated: bool,
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
    // Every statement is a claim its speaker makes, except a verdict on
    // another claim ("these claims are false", "the report is not true"):
    // that is a stance, read against the claim it judges.
    let mut order: Vec<usize> = (0..attributions.len())
        .filter(|&i| {
            let a = &attributions[i];
            match a.kind {
                // "a report claiming that P": P is the report's claim; "said
                // that the allegations were unfounded": a verdict.
                Kind::Proposition => a.cue.nominal || !judges_another_in(text, a),
                // "Please do not share it": a request is no proposition.
                Kind::Reported | Kind::Direct => {
                    !speakers[i].is_nobody()
                        && (!judges_another_in(text, a) || self_contained_verdict(text, a))
                        && !declines_comment(text, &a.content)
                        && !imperative(&text.lower_words(&a.content))
                }
                Kind::Object => false,
            }
        })
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
        let negation = main_negation(text, &range);
        let (rewritten, entities) = rewrite(text, cast, &range, negation.as_ref());
        if rewritten.split_whitespace().count() < MIN_CLAIM_WORDS {
            continue;
        }
        let normalized = normalize(&rewritten);
        if normalized.is_empty() {
            continue;
        }
        let claim = *by_key.entry(normalized.clone()).or_insert_with(|| {
            let source = asserter(attribution, &speakers[i]).filter(|_| negation.is_none());
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
            claims.info.push(ClaimInfo { source });
            claims.records.len() - 1
        });
        claims.occurrences.push(Occurrence {
            claim,
            range,
            attribution: i,
            negated: negation.is_some(),
        });
    }
    claims
}

/// Whether speech only declines to comment: "We do not comment on market
/// rumours", "we never speculate", "We decline to comment", "No comment."
/// It is neither a claim of its own nor a stance on anyone's: read as a
/// negation it would deny that the speaker comments, and read against a
/// claim it would deny the claim.
pub(crate) fn declines_comment(text: &Text, content: &Range<usize>) -> bool {
    let words = text.lower_words(content);
    if words.len() > MAX_NO_COMMENT_WORDS {
        return false;
    }
    words.iter().enumerate().any(|(i, w)| {
        if !matches!(
            w.as_str(),
            "comment" | "comments" | "speculate" | "speculates" | "elaborate"
        ) {
            return false;
        }
        let before = words[..i].iter().rev().find(|b| {
            !matches!(
                b.as_str(),
                "ever" | "generally" | "usually" | "publicly" | "further"
            )
        });
        match before.map(String::as_str) {
            Some("not" | "never" | "no") => true,
            // "did not respond to a request for comment".
            Some("for") => words[..i.saturating_sub(1)]
                .last()
                .is_some_and(|r| r == "request" || r == "requests"),
            Some("to") => words[..i.saturating_sub(1)].last().is_some_and(|v| {
                is_refusal(v) || matches!(v.as_str(), "decline" | "declines" | "refuse" | "refuses")
            }),
            Some(b) => contracted_auxiliary(b).is_some(),
            None => false,
        }
    })
}

/// Whether what `a` says is a verdict on some report or claim: any of its
/// sentences is one ([`judges_another`]). Sentence by sentence, so that a
/// long quote with "news anchors" in one sentence and "see if that's true"
/// in another stays a claim.
pub(crate) fn judges_another_in(text: &Text, a: &Attribution) -> bool {
    text.said_sentences(&a.content, a.kind == Kind::Direct)
        .iter()
        .any(|words| judges_another(words))
}

/// Whether a sentence of speech (its lower-cased words) is a verdict on some
/// report or claim rather than a claim of its own: it names a report, a
/// claim or a rumour, or opens with a word that points back ("that",
/// "this", "it"), and calls it true or false;
/// or it points back at what it calls false ("victimized by this hoax",
/// "these lies").
pub(crate) fn judges_another(words: &[String]) -> bool {
    // "That is not true", "this is false": "that" or "this" as the subject;
    // "that false accounts were set up" opens a clause of its own.
    let points_back = match words {
        [first, next, ..] if first == "that" || first == "this" => {
            is_auxiliary(next) || next.starts_with('\'')
        }
        [first, ..] => matches!(
            first.as_str(),
            "that's" | "this's" | "these" | "those" | "it" | "it's" | "they"
        ),
        [] => false,
    };
    let names_report = words.iter().any(|w| is_report_noun(w) || cue(w).is_some());
    let verdict = words.iter().any(|w| is_refutation(w) || is_affirmation(w));
    // Not "that": "said that false accounts were set up" is a claim.
    let called_false = words.windows(2).any(|pair| {
        matches!(pair[0].as_str(), "this" | "these" | "those") && is_refutation(&pair[1])
    });
    (points_back || names_report) && verdict || called_false
}

/// A verdict that names in full what it judges and is worded as a
/// proposition of its own ("Online rumors of Macaulay Culkin's death have
/// been revealed to be a hoax"): a claim its speaker makes, as well as a
/// stance on the claims it answers. One that points back ("These claims are
/// false", "It is not true"), negates, or holds the proposition it judges
/// ("The suggestion that P is false") is only the stance.
fn self_contained_verdict(text: &Text, a: &Attribution) -> bool {
    let words = text.lower_words(&a.content);
    // "It is not true", "targeted by this hoax": it points at what it judges
    // (an opening "that" is any "that", below).
    let points_back = words
        .first()
        .is_some_and(|w| matches!(w.as_str(), "it" | "it's" | "they" | "that's" | "such"))
        || words
            .iter()
            .any(|w| matches!(w.as_str(), "this" | "these" | "those"));
    // "The suggestion that P is categorically false": a verdict on the P it
    // holds, which is the claim.
    let holds_proposition = words.iter().any(|w| w == "that" || w == "whether");
    !points_back
        && !holds_proposition
        && words.len() >= 6
        && main_negation(text, &a.content).is_none()
}

/// Whether a sentence of speech calls something false in so many words:
/// a definite subject, a copula and a word of refutation ("the $72 million
/// figure is totally bogus", "the account is a fake"). It may be a claim of
/// its own about a thing (the account), but it also answers whoever gave
/// the thing out as true, so it is read against their claims as well.
pub(crate) fn called_false(words: &[String]) -> bool {
    const SUBJECT_WORDS: usize = 8;
    let definite = words.first().is_some_and(|w| {
        matches!(
            w.as_str(),
            "the" | "this" | "that" | "these" | "those" | "its" | "his" | "her" | "their"
        )
    });
    let Some(copula) = words
        .iter()
        .take(SUBJECT_WORDS)
        .position(|w| matches!(w.as_str(), "is" | "are" | "was" | "were"))
    else {
        return false;
    };
    definite
        && words[copula + 1..]
            .iter()
            .take(3)
            .any(|w| is_refutation(w) && cue(w).is_none())
}

/// "Please do not share it", "Don't panic": a request, not a statement
/// that something is not so.
pub(crate) fn imperative(words: &[String]) -> bool {
    match words {
        [first, ..] if first == "please" || first == "don't" || first == "let's" => true,
        [first, second, ..] => first == "do" && (second == "not" || second == "n't"),
        _ => false,
    }
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
fn rewrite(
    text: &Text,
    cast: &Cast,
    range: &Range<usize>,
    negation: Option<&Negation>,
) -> (String, Vec<usize>) {
    let mut pieces: Vec<(Range<usize>, Option<usize>)> = cast
        .within(range)
        .map(|m| (with_role(text, cast, m, range.start), Some(m.entity)))
        .collect();
    pieces.extend(negation.map(|n| (n.range.clone(), None)));
    pieces.sort_by_key(|(r, e)| (r.start, Reverse(r.end), *e));
    let mut out = String::new();
    let mut entities = Vec::new();
    let mut cursor = range.start;
    for (piece, entity) in pieces {
        if piece.start < cursor {
            continue;
        }
        out.push_str(text.slice(&(cursor..piece.start)));
        match entity {
            Some(entity) => {
                out.push_str(&cast.entities[entity].name);
                if !entities.contains(&entity) {
                    entities.push(entity);
                }
            }
            None => out.push_str(negation.map_or("", |n| n.positive)),
        }
        cursor = piece.end;
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

/// A statement's main-clause negation: where it is, and what the positive
/// statement has there instead ("was not staged" → "was staged", "don't
/// burrow" → "do burrow").
pub(crate) struct Negation {
    pub range: Range<usize>,
    pub positive: &'static str,
}

/// The negation of a statement's main clause, if it has one: "not" or
/// "never" after an auxiliary, or an auxiliary's "n't", among its first
/// words and before any subordinate clause begins. A negation inside a
/// subordinate clause ("he said that it had not …") is part of what is
/// said, not a denial of it.
pub(crate) fn main_negation(text: &Text, range: &Range<usize>) -> Option<Negation> {
    const REACH: usize = 12;
    let tokens = text.tokens(range);
    let words: Vec<String> = tokens.iter().map(|t| text.lower(t)).collect();
    let mut previous: Option<&str> = None;
    for (i, t) in tokens.iter().enumerate().take(REACH) {
        let word = words[i].as_str();
        if !t.word {
            // "Simply put: it is not …": the statement starts after a colon.
            // After a clause of its own ("he had high hopes for Bale: there
            // isn't a scene he's not in"), what follows elaborates it, and
            // a negation there denies none of the statement's claim.
            // "I heard he's on a month's suspension. And it's not, …": a
            // later sentence's negation is not the statement's.
            if matches!(word, "." | "!" | "?") {
                return None;
            }
            if matches!(word, ";" | ":") {
                let before = tokens[..i].iter().filter(|t| t.word).count();
                if before > MAX_LEAD_IN_WORDS {
                    return None;
                }
                previous = None;
            }
            continue;
        }
        let next = words.get(i + 1).map(String::as_str);
        // A subordinate clause starts ("…that it had not…"); "that" or
        // "which" as a subject ("that is not what happened") does not.
        // A conjunction that only ever opens an adverbial clause does so
        // even as the first word ("since she is not running, …").
        let subordinate = (matches!(word, "that" | "which" | "who" | "whose")
            && i > 0
            && !next.is_some_and(is_auxiliary))
            || matches!(
                word,
                "because"
                    | "if"
                    | "whether"
                    | "although"
                    | "though"
                    | "since"
                    | "unless"
                    | "while"
                    | "whereas"
            );
        // "Bale decided he was not right": a complement clause without
        // "that" starts at a pronoun subject after a verb.
        let complement = i >= 2
            && matches!(word, "he" | "she" | "they" | "we" | "i")
            && previous.is_some_and(|p| {
                cue(p).is_some()
                    || (p.ends_with("ed") && !is_auxiliary(p))
                    || matches!(
                        p,
                        "think"
                            | "thinks"
                            | "believe"
                            | "believes"
                            | "feel"
                            | "feels"
                            | "know"
                            | "knows"
                            | "hope"
                            | "hopes"
                            | "fear"
                            | "fears"
                            | "expect"
                            | "expects"
                            | "suspect"
                            | "suspects"
                    )
            });
        if subordinate || complement {
            return None;
        }
        if let Some(positive) = contracted_auxiliary(word) {
            if emphatic(&words[i + 1..]) {
                return None;
            }
            return Some(Negation {
                range: t.range.clone(),
                positive,
            });
        }
        let after_auxiliary = previous.is_some_and(|p| {
            is_auxiliary(p) || p.ends_with("'s") || p.ends_with("'re") || p.ends_with("'m")
        });
        // "not" or "never" after an auxiliary; "not" opening the statement
        // ("not all creatures are …"); "no" as the determiner of the
        // subject or after "there is" ("No talks are taking place", "there
        // was no evidence").
        // "it's not just …", "not only …": a negation that adds, not denies.
        let additive = next.is_some_and(|n| matches!(n, "just" | "only" | "merely" | "simply"));
        let negation = match word {
            "not" if additive => false,
            "not" if previous.is_some_and(is_auxiliary) && emphatic(&words[i + 1..]) => false,
            "not" | "never" => after_auxiliary || previous.is_none(),
            "no" => previous.is_none() || after_auxiliary,
            _ => false,
        };
        if negation {
            let end = tokens.get(i + 1).map_or(t.range.end, |n| n.range.start);
            return Some(Negation {
                range: t.range.start..end,
                positive: "",
            });
        }
        previous = Some(word);
    }
    None
}

/// What follows a negated auxiliary makes it emphatic, not negative:
/// "couldn't be more excited", "could not be happier", "can't agree more".
fn emphatic(after: &[String]) -> bool {
    let comparative = |w: &str| {
        matches!(w, "more" | "better" | "prouder")
            || (w.len() > 4 && w.ends_with("ier") && w != "earlier")
    };
    matches!(after.first().map(String::as_str), Some("be" | "agree"))
        && after.iter().skip(1).take(2).any(|w| comparative(w))
}

pub(crate) fn is_auxiliary(word: &str) -> bool {
    matches!(
        word,
        "is" | "are"
            | "was"
            | "were"
            | "be"
            | "been"
            | "am"
            | "'s"
            | "do"
            | "does"
            | "did"
            | "has"
            | "have"
            | "had"
            | "will"
            | "would"
            | "can"
            | "could"
            | "should"
            | "must"
            | "may"
            | "might"
            | "shall"
    )
}

/// The auxiliary a negative contraction stands for ("didn't" → "did").
fn contracted_auxiliary(word: &str) -> Option<&'static str> {
    Some(match word {
        "isn't" => "is",
        "aren't" => "are",
        "wasn't" => "was",
        "weren't" => "were",
        "don't" => "do",
        "doesn't" => "does",
        "didn't" => "did",
        "hasn't" => "has",
        "haven't" => "have",
        "hadn't" => "had",
        "won't" => "will",
        "wouldn't" => "would",
        "can't" => "can",
        "couldn't" => "could",
        "shouldn't" => "should",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::speech::text::read_body;

    /// The negated words of `statement`'s main clause, if it has any.
    fn negation(statement: &str) -> Option<String> {
        read_body(statement, |text| {
            main_negation(text, &(0..statement.len())).map(|n| text.slice(&n.range).to_string())
        })
    }

    #[test]
    fn a_negation_in_a_complement_without_that_is_what_was_decided() {
        assert_eq!(negation("Bale decided he was not right for the part"), None);
        assert_eq!(negation("the minister thinks they will not resign"), None);
        assert_eq!(
            negation("he was not right for the part").as_deref(),
            Some("not ")
        );
    }

    #[test]
    fn a_main_clause_negation_is_found() {
        assert_eq!(
            negation("the video was not staged").as_deref(),
            Some("not ")
        );
        assert_eq!(negation("spiders don't burrow").as_deref(), Some("don't"));
        assert_eq!(
            negation("No talks are taking place").as_deref(),
            Some("No ")
        );
        assert_eq!(
            negation("I heard he's on a month's suspension. And it's not a rumour").as_deref(),
            None
        );
        assert_eq!(
            negation("Simply put: it is not true").as_deref(),
            Some("not ")
        );
        assert_eq!(
            negation("he had high hopes for Bale: \"There isn't a scene he's not in\"").as_deref(),
            None
        );
    }

    fn no_comment(statement: &str) -> bool {
        read_body(statement, |text| {
            declines_comment(text, &(0..statement.len()))
        })
    }

    #[test]
    fn declining_to_comment_is_told_from_a_denial() {
        for s in [
            "We do not comment on market rumours",
            "The company doesn't comment on speculation",
            "we never comment on rumours or speculation",
            "We decline to comment",
            "No comment.",
            "a request for comment",
            "It would not elaborate",
        ] {
            assert!(no_comment(s), "{s}");
        }
        for s in [
            "No talks are taking place",
            "the minister did not attend the meeting",
            "critics said the comment was not appropriate",
        ] {
            assert!(!no_comment(s), "{s}");
        }
    }

    #[test]
    fn a_request_is_no_proposition() {
        let words = |s: &str| read_body(s, |text| text.lower_words(&(0..s.len())));
        for s in ["Please do not share it", "Do not panic", "Don't believe it"] {
            assert!(imperative(&words(s)), "{s}");
        }
        for s in [
            "Do they know",
            "The police do not know",
            "Donations are not taxed",
        ] {
            assert!(!imperative(&words(s)), "{s}");
        }
    }

    #[test]
    fn verdicts_on_what_others_said_are_told_from_claims() {
        let verdict = |statement: &str| {
            read_body(statement, |text| {
                judges_another(&text.lower_words(&(0..statement.len())))
            })
        };
        for s in [
            "These claims are absolutely, unequivocally and completely false",
            "They are unsourced, unverified and completely ridiculous.",
            "There is no truth whatsoever to these allegations",
            "Tom is one of many artists who have been targeted by this hoax",
        ] {
            assert!(verdict(s), "{s}");
        }
        for s in [
            "that false accounts had been set up in his name",
            "the minister will resign on Friday",
            "They are ridiculously expensive to run",
        ] {
            assert!(!verdict(s), "{s}");
        }
    }

    #[test]
    fn negations_that_do_not_deny_are_left_alone() {
        for statement in [
            // inside a subordinate clause, even one that opens the statement
            "he said that it had not happened",
            "since she is not running for office, she should keep her privacy",
            "because it was not ready, the launch moved",
            // additive, not negative
            "it's not just no-go zones, there are whole cities",
            "the plan is not only cheaper but faster",
            // emphatic
            "he couldn't be more excited to have cast him",
            "we could not be happier with the result",
            "I can't agree more",
        ] {
            assert_eq!(negation(statement), None, "{statement}");
        }
    }
}
