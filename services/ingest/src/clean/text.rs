//! The layout of a plain-text article: a headline on the first line, maybe a
//! sub-headline, then paragraphs separated by blank lines (or one per line,
//! or hard-wrapped with indented first lines, as old wire copy is).

use super::boilerplate::ends_like_sentence;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Layout {
    pub title: Option<String>,
    pub subtitle: Option<String>,
    pub paragraphs: Vec<String>,
}

/// Splits `text` into headline, sub-headline and paragraphs. When the
/// submitter gave a title, a first line repeating it is dropped and no other
/// line is taken as the title.
pub fn layout(text: &str, known_title: Option<&str>) -> Layout {
    let mut paragraphs = paragraphs(text);
    let mut out = Layout::default();
    match known_title {
        Some(t) => {
            if paragraphs.first().is_some_and(|p| same_text(p, t)) {
                paragraphs.remove(0);
            }
        }
        None => {
            if paragraphs.len() > 1 && is_heading(&paragraphs[0]) {
                out.title = Some(paragraphs.remove(0));
            }
        }
    }
    if paragraphs.len() > 1
        && is_heading(&paragraphs[0])
        && !super::boilerplate::looks_like_byline(&paragraphs[0])
    {
        out.subtitle = Some(paragraphs.remove(0));
    }
    out.paragraphs = paragraphs;
    out
}

/// A short line that does not end like a sentence.
fn is_heading(p: &str) -> bool {
    p.chars().count() <= 300 && !ends_like_sentence(p)
}

fn same_text(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    norm(a) == norm(b)
}

/// Paragraphs: blocks separated by blank lines; inside a block, each line is
/// its own paragraph unless the block is hard-wrapped, in which case lines
/// are joined and an indented line starts a new paragraph.
pub fn paragraphs(text: &str) -> Vec<String> {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut out = Vec::new();
    for block in text.split("\n\n") {
        let lines: Vec<&str> = block.lines().filter(|l| !l.trim().is_empty()).collect();
        if lines.is_empty() {
            continue;
        }
        if is_hard_wrapped(&lines) {
            let mut current = String::new();
            for line in lines {
                let indented = line.starts_with("  ") || line.starts_with('\t');
                if indented && !current.is_empty() {
                    out.push(normalise_space(&current));
                    current.clear();
                }
                current.push(' ');
                current.push_str(line.trim());
            }
            if !current.trim().is_empty() {
                out.push(normalise_space(&current));
            }
        } else {
            out.extend(lines.into_iter().map(normalise_space));
        }
    }
    out
}

/// Hard-wrapped: several lines, none very long, at least half of them (the
/// last aside) of a typical wrap width, and most stopping mid-sentence. A
/// stack of short lines (a byline block, a list of links) is not wrapped.
fn is_hard_wrapped(lines: &[&str]) -> bool {
    if lines.len() < 3 || lines.iter().any(|l| l.trim_end().chars().count() > 110) {
        return false;
    }
    let body = &lines[..lines.len() - 1];
    let wrap_width = body
        .iter()
        .filter(|l| l.trim_end().chars().count() >= 45)
        .count();
    let open = body.iter().filter(|l| !ends_like_sentence(l)).count();
    wrap_width * 2 >= body.len() && open * 2 > body.len()
}

/// Collapses runs of white space (including non-breaking spaces) to one space.
pub fn normalise_space(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split(|c: char| c.is_whitespace() || c == '\u{a0}') {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headline_subheadline_and_paragraphs() {
        let l = layout(
            "Kremlin Denies Reports\n\nKremlin: Putin Did Not Receive Message\n\nFirst para.\n\nSecond para.\n",
            None,
        );
        assert_eq!(l.title.as_deref(), Some("Kremlin Denies Reports"));
        assert_eq!(
            l.subtitle.as_deref(),
            Some("Kremlin: Putin Did Not Receive Message")
        );
        assert_eq!(l.paragraphs, vec!["First para.", "Second para."]);
    }

    #[test]
    fn hard_wrapped_wire_copy_is_unwrapped() {
        let text = "Showers continued throughout the week in the Bahia cocoa\nzone, alleviating the drought since early January and\nimproving prospects for the coming temporao.\n    The dry period means the temporao will be late this year.\n";
        assert_eq!(
            paragraphs(text),
            vec![
                "Showers continued throughout the week in the Bahia cocoa zone, alleviating the drought since early January and improving prospects for the coming temporao.",
                "The dry period means the temporao will be late this year."
            ]
        );
    }

    #[test]
    fn a_given_title_is_not_repeated_in_the_body() {
        let l = layout("Big News\n\nIt happened today.", Some("Big  news"));
        assert_eq!(l.title, None);
        assert_eq!(l.paragraphs, vec!["It happened today."]);
    }
}
