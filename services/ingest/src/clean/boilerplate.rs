//! What news sites put inside the article text that is not the story:
//! bylines and editor lines, subscribe/share/follow calls, separators, and
//! related-story teasers at the foot of the article.
//!
//! Extractors (and readers who copy a page) keep these because they sit in
//! the same container as the story. They matter downstream: an author's name
//! in the body becomes a false "person in the story", a teaser headline adds
//! entities and claims from another story. Both the plain-text and the HTML
//! path run their paragraphs through [`strip`].

use std::sync::LazyLock;

use regex::Regex;

/// What [`strip`] found besides the story.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Furniture {
    pub authors: Vec<String>,
    pub editors: Vec<String>,
    /// A publisher named by a subscribe line ("Subscribe to Pravda.Ru …").
    pub publisher: Option<String>,
}

/// A person's name as bylines write it: two to four capitalised words,
/// allowing initials, particles and hyphens.
const NAME: &str = r"(\p{Lu}[\p{L}'’.\-]*(?:\s+(?:(?:de|da|di|du|dos|van|von|der|den|ter|bin|ibn|al|el|le|la)\s+)*\p{Lu}[\p{L}'’.\-]*){1,3})";

static AUTHOR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^(?i:author[`'’]?s?\s+name|authors?|written\s+by|reporting\s+by|by)\s*:?\s+{NAME}(?:\s*(?:,|and|&)\s*{NAME})?\s*$"
    ))
    .expect("valid regex")
});

static EDITOR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^(?i:editor|edited\s+by|editing\s+by)\s*:?\s+{NAME}(?:\s*(?:,|and|&)\s*{NAME})?\s*$"
    ))
    .expect("valid regex")
});

static SEPARATOR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[\s*\-–—_=•·~#+|]*$").expect("valid regex"));

static CALL_TO_ACTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^(?:subscribe\b|follow us\b|follow .{1,40} on (?:twitter|x|facebook|instagram|telegram)\b|sign up\b|share (?:this|on)\b|click here\b|read more\b|read also\b|see also\b|related:|related (?:stories|articles|news|coverage)\b|popular on\b|tags?:|filed under\b|share this:?|\d+ comments?\b|post comment\b|advertisement$|download (?:our|the) app\b|join our\b|like us on\b|all rights reserved|copyright\b|©|get our newsletter\b|(?:listen|watch)(?: to)? (?:the|this|our) \w+\s*$)",
    )
    .expect("valid regex")
});

/// Page furniture that is not a call to action: gallery and media captions,
/// comment-form and citation blocks, reporter contact lines.
static FURNITURE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^(?:back to gallery|photo gallery|image \d+ of \d+|(?:video|audio) \d+:\d+|this (?:slideshow|video|content) requires javascript|advert(?:isement)?s?|explore further|citation:|leave a (?:reply|comment)\b|you must be logged in\b|you have been successfully subscribed|there was a problem subscribing\b|this document is subject to copyright|(?:listen|download|itunes|spotify):|you may also like|more from\b|read next\b|related tags:|(?:email|reach|contact) (?:the reporters?|.{1,40} at)\b|follow .{1,60} on (?:twitter|facebook|instagram|x)\b|get .{1,60} delivered\b|let our news meet your inbox|this site is protected by recaptcha)",
    )
    .expect("valid regex")
});

/// Words that make up a dateline or time stamp ("Updated: Nov 20 2019,
/// 11:06am IST"), lower-case.
const DATE_WORDS: &[&str] = &[
    "jan",
    "january",
    "feb",
    "february",
    "mar",
    "march",
    "apr",
    "april",
    "may",
    "jun",
    "june",
    "jul",
    "july",
    "aug",
    "august",
    "sep",
    "sept",
    "september",
    "oct",
    "october",
    "nov",
    "november",
    "dec",
    "december",
    "mon",
    "monday",
    "tue",
    "tuesday",
    "wed",
    "wednesday",
    "thu",
    "thursday",
    "fri",
    "friday",
    "sat",
    "saturday",
    "sun",
    "sunday",
    "am",
    "pm",
    "ist",
    "gmt",
    "utc",
    "est",
    "edt",
    "pst",
    "pdt",
    "cet",
    "bst",
    "updated",
    "published",
    "posted",
    "first",
    "last",
    "modified",
    "on",
    "at",
    "date",
];

/// A line that is only a date and/or time, possibly with an "Updated:" label.
pub fn is_timestamp(p: &str) -> bool {
    if p.chars().count() > 80 {
        return false;
    }
    let words: Vec<String> = p
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let dateish = |w: &String| {
        w.chars().all(|c| c.is_ascii_digit())
            || DATE_WORDS.contains(&w.as_str())
            || (w.chars().next().is_some_and(|c| c.is_ascii_digit())
                && (w.ends_with("am")
                    || w.ends_with("pm")
                    || w.ends_with("th")
                    || w.ends_with("st")
                    || w.ends_with("nd")
                    || w.ends_with("rd")))
    };
    let has_number = words.iter().any(|w| w.chars().any(|c| c.is_ascii_digit()));
    has_number && words.len() >= 2 && words.iter().all(dateish)
}

static SUBSCRIBE_PUBLISHER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?i:subscribe\s+to)\s+(\p{Lu}[\w.\-]*(?:\s\p{Lu}[\w.\-]*)*?)(?:'s|’s)?\s+(?i:telegram|channel|newsletter|youtube|on\b|for\b|rss|feed|facebook|twitter)")
        .expect("valid regex")
});

/// Ends like a sentence: final punctuation, optionally inside quotes/brackets.
pub fn ends_like_sentence(s: &str) -> bool {
    let t = s.trim_end_matches(['"', '”', '’', '\'', ')', ']', '»']);
    t.ends_with(['.', '!', '?', '…', ':', ';'])
}

/// A line that reads like a headline: 3–25 words, no final punctuation, most
/// words capitalised (title case), and not a sentence.
pub fn looks_like_headline(s: &str) -> bool {
    let s = s.trim();
    if ends_like_sentence(s) {
        return false;
    }
    let words: Vec<&str> = s.split_whitespace().collect();
    if !(3..=25).contains(&words.len()) {
        return false;
    }
    let capitalised = words
        .iter()
        .filter(|w| {
            w.chars()
                .next()
                .is_some_and(|c| c.is_uppercase() || c.is_numeric())
        })
        .count();
    capitalised * 10 >= words.len() * 6
}

#[derive(Debug, PartialEq, Eq)]
enum Line {
    Story,
    Author(Vec<String>),
    Editor(Vec<String>),
    Separator,
    CallToAction,
}

fn classify(p: &str) -> Line {
    let p = p.trim();
    if SEPARATOR.is_match(p) {
        return Line::Separator;
    }
    if p.chars().count() <= 120 {
        if let Some(c) = EDITOR.captures(p) {
            return Line::Editor(names(&c));
        }
        if let Some(c) = AUTHOR.captures(p) {
            return Line::Author(names(&c));
        }
    }
    if p.chars().count() <= 200 && CALL_TO_ACTION.is_match(p) {
        return Line::CallToAction;
    }
    if (p.chars().count() <= 200 && FURNITURE.is_match(p)) || is_timestamp(p) {
        return Line::Separator;
    }
    Line::Story
}

/// A short label at the foot of a page: a tag, a section name ("Delhi
/// Smog", "Science Fiction"): one to three words, no sentence punctuation.
fn is_label(p: &str) -> bool {
    let words = p.split_whitespace().count();
    (1..=3).contains(&words) && !ends_like_sentence(p)
}

/// A byline or editor line.
pub fn looks_like_byline(p: &str) -> bool {
    matches!(classify(p), Line::Author(_) | Line::Editor(_))
}

fn names(c: &regex::Captures<'_>) -> Vec<String> {
    c.iter()
        .skip(1)
        .flatten()
        .map(|m| m.as_str().trim().to_string())
        .collect()
}

/// More headline-like lines than this at the foot of an article are a list
/// that belongs to the story, not related-story teasers.
const MAX_TEASERS: usize = 6;

/// Removes the furniture from a story's paragraphs and returns what it said.
///
/// Bylines, editor lines, separators and calls to action go wherever they
/// are. Headline-like lines go only from the foot of the article — after the
/// last paragraph that ends like a sentence — where they are teasers for
/// other stories; inside the story they are section headings and stay.
pub fn strip(paragraphs: Vec<String>) -> (Vec<String>, Furniture) {
    let mut furniture = Furniture::default();
    let mut kept: Vec<String> = Vec::with_capacity(paragraphs.len());
    for p in paragraphs {
        match classify(&p) {
            Line::Story => kept.push(p),
            Line::Author(names) => push_unique(&mut furniture.authors, names),
            Line::Editor(names) => push_unique(&mut furniture.editors, names),
            Line::Separator => {}
            Line::CallToAction => {
                if furniture.publisher.is_none() {
                    furniture.publisher = SUBSCRIBE_PUBLISHER
                        .captures(p.trim())
                        .map(|c| c[1].to_string());
                }
            }
        }
    }
    let last_sentence = kept.iter().rposition(|p| ends_like_sentence(p));
    if let Some(last) = last_sentence {
        let tail = kept.split_off(last + 1);
        // A handful of headlines is a teaser block; a long run of short
        // lines (tour dates, a table of results) is the story's own list.
        let headlines = tail.iter().filter(|p| looks_like_headline(p)).count();
        let teasers = headlines <= MAX_TEASERS;
        kept.extend(
            tail.into_iter()
                .filter(|p| !(is_label(p) || (teasers && looks_like_headline(p)))),
        );
    }
    (kept, furniture)
}

fn push_unique(into: &mut Vec<String>, names: Vec<String>) {
    for n in names {
        if !into.contains(&n) {
            into.push(n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paras(s: &[&str]) -> Vec<String> {
        s.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn strips_the_foot_of_a_pravda_article() {
        let (kept, f) = strip(paras(&[
            "Peskov said the report was not true.",
            "Details",
            "Abbas Araghchi is an Iranian diplomat.",
            "Subscribe to Pravda.Ru Telegram channel, Facebook, RSS!",
            "Iranian Foreign Minister Abbas Araghchi Meets With Russian President Vladimir Putin",
            "Author`s name Pavel Morozov",
            "*",
            "Editor Dmitry Sudakov",
            "*",
        ]));
        assert_eq!(
            kept,
            paras(&[
                "Peskov said the report was not true.",
                "Details",
                "Abbas Araghchi is an Iranian diplomat."
            ])
        );
        assert_eq!(f.authors, vec!["Pavel Morozov"]);
        assert_eq!(f.editors, vec!["Dmitry Sudakov"]);
        assert_eq!(f.publisher.as_deref(), Some("Pravda.Ru"));
    }

    #[test]
    fn bylines_in_various_forms() {
        for (line, want) in [
            ("By John Smith", vec!["John Smith"]),
            (
                "By Jane van der Berg and Tom O’Neil",
                vec!["Jane van der Berg", "Tom O’Neil"],
            ),
            ("Written by: Anna Karenina", vec!["Anna Karenina"]),
            ("Reporting by Guy Faulconbridge", vec!["Guy Faulconbridge"]),
        ] {
            assert_eq!(
                classify(line),
                Line::Author(want.iter().map(|s| s.to_string()).collect()),
                "{line}"
            );
        }
        // A sentence that starts with "By" is story text.
        assert_eq!(
            classify("By the end of the week, prices had fallen."),
            Line::Story
        );
        assert_eq!(
            classify("Editing by Alison Williams"),
            Line::Editor(vec!["Alison Williams".into()])
        );
    }

    #[test]
    fn timestamps_and_page_furniture_go() {
        for line in [
            "Updated: 18 Nov 2019,",
            "5:45 AM PST 11/19/2019",
            "First Published: Tuesday, November 19, 2019 08:38 AM",
            "November 15, 2019",
        ] {
            assert!(is_timestamp(line), "{line}");
        }
        assert!(!is_timestamp("The vote on November 15, 2019 was close."));
        assert!(!is_timestamp("2019"));
        let (kept, _) = strip(paras(&[
            "Story text.",
            "Back to Gallery",
            "Image 2 of 5",
            "Leave a Reply Cancel reply",
            "More text.",
            "Delhi Smog",
        ]));
        assert_eq!(kept, paras(&["Story text.", "More text."]));
    }

    #[test]
    fn headings_inside_the_story_stay() {
        let (kept, _) = strip(paras(&[
            "Intro sentence.",
            "A Section Heading Here",
            "More text.",
        ]));
        assert_eq!(kept.len(), 3);
    }
}
