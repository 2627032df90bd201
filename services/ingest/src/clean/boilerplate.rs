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
        r"(?i)^(?:subscribe\b|follow us\b|follow .{1,40} on (?:twitter|x|facebook|instagram|telegram)\b|sign up\b|share (?:this|on)\b|click here\b|read more\b|read also\b|see also\b|related:|related (?:stories|articles|news)\b|advertisement$|download (?:our|the) app\b|join our\b|like us on\b|all rights reserved|copyright\b|©|get our newsletter\b|(?:listen|watch)(?: to)? (?:the|this|our) \w+\s*$)",
    )
    .expect("valid regex")
});

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
    Line::Story
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
        kept.extend(tail.into_iter().filter(|p| !looks_like_headline(p)));
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
    fn headings_inside_the_story_stay() {
        let (kept, _) = strip(paras(&[
            "Intro sentence.",
            "A Section Heading Here",
            "More text.",
        ]));
        assert_eq!(kept.len(), 3);
    }
}
