//! Dates the model does not tag (CoNLL-2003 has no dates): explicit calendar
//! dates in the common English forms — "5 December 1962", "June 23",
//! "June 23, 2025", "August 2024", "2024-08-01". A month name alone, or a
//! weekday, is not a date here: "May" is too often a verb.

use std::sync::LazyLock;

use regex::Regex;

const MONTHS: &str = "January|February|March|April|May|June|July|August|September|October|November|December|Jan\\.|Feb\\.|Aug\\.|Sept?\\.|Oct\\.|Nov\\.|Dec\\.";

static DATE: LazyLock<Regex> = LazyLock::new(|| {
    let m = MONTHS;
    Regex::new(&format!(
        r"\b(?:\d{{1,2}} (?:{m})(?:,? \d{{4}})?|(?:{m}) \d{{1,2}}(?:st|nd|rd|th)?(?:, \d{{4}})?|(?:{m}) \d{{4}}|\d{{4}}-\d{{2}}-\d{{2}})\b"
    ))
    .expect("date pattern")
});

/// Byte ranges of the dates in `text`.
pub fn find(text: &str) -> Vec<std::ops::Range<usize>> {
    DATE.find_iter(text)
        .filter(|m| {
            // "June 23" must not be the start of "June 230"; \b handles that.
            // Reject a day above 31 ("June 45").
            let day: Option<u32> = m
                .as_str()
                .split(|c: char| !c.is_ascii_digit())
                .filter(|d| d.len() <= 2 && !d.is_empty())
                .find_map(|d| d.parse().ok());
            day.is_none_or(|d| (1..=31).contains(&d))
        })
        .map(|m| m.range())
        .collect()
}

#[cfg(test)]
mod tests {
    fn dates(text: &str) -> Vec<&str> {
        super::find(text).into_iter().map(|r| &text[r]).collect()
    }

    #[test]
    fn finds_the_common_forms() {
        assert_eq!(
            dates(
                "visit to Moscow (on June 23). Born 5 December 1962, minister since August 2024."
            ),
            vec!["June 23", "5 December 1962", "August 2024"]
        );
        assert_eq!(
            dates("On June 23, 2025 and 2024-08-01."),
            vec!["June 23, 2025", "2024-08-01"]
        );
    }

    #[test]
    fn ignores_month_words_alone() {
        assert!(dates("They May decide in May. March on.").is_empty());
        assert!(dates("June 45 is not a day").is_empty());
    }
}
