//! Lexical view of a text for the relatedness features: lower-cased word
//! stems without stop words, so that "Reports", "reported" and "report"
//! overlap while "the" and "of" never do.

use std::collections::BTreeSet;

const STOP: &[&str] = &[
    "a", "about", "after", "all", "also", "an", "and", "any", "are", "as", "at", "be", "been",
    "but", "by", "can", "could", "did", "do", "does", "for", "from", "had", "has", "have", "he",
    "her", "his", "how", "i", "if", "in", "into", "is", "it", "its", "may", "more", "new", "not",
    "of", "on", "one", "or", "our", "out", "over", "said", "says", "she", "so", "some", "than",
    "that", "the", "their", "them", "there", "they", "this", "to", "up", "was", "we", "were",
    "what", "when", "which", "who", "will", "with", "would", "you",
];

/// A crude suffix stemmer: enough to make inflections meet.
pub fn stem(word: &str) -> String {
    let w = word;
    for (suffix, min) in [("ing", 5), ("ed", 4), ("es", 5), ("s", 4), ("ly", 5)] {
        if w.len() >= min + suffix.len() - 1 && w.ends_with(suffix) && !w.ends_with("ss") {
            return w[..w.len() - suffix.len()].to_string();
        }
    }
    w.to_string()
}

/// Content-word stems in text order.
pub fn stems(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .filter(|w| !STOP.contains(&w.as_str()))
        .map(|w| stem(&w))
        .collect()
}

/// Stems and adjacent-stem pairs of one text.
#[derive(Debug, Clone, Default)]
pub struct Bag {
    pub words: BTreeSet<String>,
    pub bigrams: BTreeSet<(String, String)>,
}

impl Bag {
    pub fn of(text: &str) -> Bag {
        let s = stems(text);
        Bag {
            bigrams: s.windows(2).map(|w| (w[0].clone(), w[1].clone())).collect(),
            words: s.into_iter().collect(),
        }
    }

    /// Share of `self`'s words found in `other`.
    pub fn coverage(&self, other: &Bag) -> f32 {
        if self.words.is_empty() {
            return 0.0;
        }
        self.words.intersection(&other.words).count() as f32 / self.words.len() as f32
    }

    /// Share of `self`'s bigrams found in `other`.
    pub fn bigram_coverage(&self, other: &Bag) -> f32 {
        if self.bigrams.is_empty() {
            return 0.0;
        }
        self.bigrams.intersection(&other.bigrams).count() as f32 / self.bigrams.len() as f32
    }

    pub fn extend(&mut self, other: &Bag) {
        self.words.extend(other.words.iter().cloned());
        self.bigrams.extend(other.bigrams.iter().cloned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inflections_meet_and_stop_words_go() {
        assert_eq!(stems("The Reports reported"), vec!["report", "report"]);
        let claim = Bag::of("Kremlin denies the report");
        let body = Bag::of("The Kremlin denied reports on Monday");
        assert_eq!(claim.coverage(&body), 1.0);
        assert_eq!(Bag::of("").coverage(&body), 0.0);
    }
}
