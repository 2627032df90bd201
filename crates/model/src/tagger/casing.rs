//! The casing feature. all-MiniLM-L6-v2 is uncased: its tokenizer lower-cases
//! every word, and with it goes most of what tells "Apple" the company from
//! "apple" the fruit. We give the case back through BERT's token-type
//! (segment) embeddings, which single-sentence tagging never uses: each word
//! piece gets the casing class of its word as its token type. The model
//! itself is rust-bert's `BertModel`, unchanged, with a larger
//! `type_vocab_size`.

/// Casing classes; the numbers are token-type ids and part of the trained
/// model, so they must never be renumbered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i64)]
pub enum Casing {
    /// No letters or digits: punctuation, symbols.
    Other = 0,
    /// "lamb", "said".
    Lower = 1,
    /// "Putin" (not the first word of a sentence).
    Title = 2,
    /// "BRICS", "EU", "I".
    Upper = 3,
    /// "McDonald", "iPhone", "al-Assad".
    Mixed = 4,
    /// Any digit: "1996-08-22", "3,000", "G7".
    Numeric = 5,
    /// A title-case first word of a sentence, where capitals say little.
    TitleFirst = 6,
}

/// How many casing classes there are (the model's `type_vocab_size`).
pub const CLASSES: i64 = 7;

impl Casing {
    pub fn of(word: &str, first_in_sentence: bool) -> Casing {
        let mut letters = 0usize;
        let mut upper = 0usize;
        let mut digits = false;
        let mut first_upper = false;
        let mut rest_lower = true;
        for (i, c) in word.chars().enumerate() {
            if c.is_numeric() {
                digits = true;
            }
            if c.is_alphabetic() {
                letters += 1;
                if c.is_uppercase() {
                    upper += 1;
                    if i == 0 {
                        first_upper = true;
                    } else {
                        rest_lower = false;
                    }
                }
            }
        }
        if digits {
            Casing::Numeric
        } else if letters == 0 {
            Casing::Other
        } else if upper == 0 {
            Casing::Lower
        } else if upper == letters && (letters > 1 || !first_in_sentence) {
            Casing::Upper
        } else if first_upper && rest_lower {
            if first_in_sentence {
                Casing::TitleFirst
            } else {
                Casing::Title
            }
        } else {
            Casing::Mixed
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Casing::{self, *};

    #[test]
    fn classes() {
        let cases = [
            ("lamb", false, Lower),
            ("Putin", false, Title),
            ("The", true, TitleFirst),
            ("BRICS", false, Upper),
            ("McDonald", false, Mixed),
            ("1996-08-22", false, Numeric),
            ("—", false, Other),
            ("I", false, Upper),
            ("A", true, TitleFirst),
        ];
        for (word, first, want) in cases {
            assert_eq!(Casing::of(word, first), want, "{word}");
        }
    }
}
