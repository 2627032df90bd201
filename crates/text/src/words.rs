//! Splits text into words the way CoNLL-2003 was tokenised, keeping each
//! word's character offsets, so that the model sees at run time the same kind
//! of words it was trained on and every entity maps back to exact offsets.
//!
//! Whitespace separates chunks; leading and trailing punctuation, the
//! possessive `'s` and dashes become words of their own; internal periods of
//! abbreviations ("U.S.", "Mr.") and hyphens ("Anglo-Dutch") stay inside.

/// A word and its place in the text, in characters (Unicode code points).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word<'a> {
    pub text: &'a str,
    pub start: usize,
    pub end: usize,
}

const LEADING: &[char] = &['"', '\'', '“', '‘', '«', '(', '[', '{', '¿', '¡', '„'];
const TRAILING: &[char] = &[
    '"', '\'', '”', '’', '»', ')', ']', '}', ',', ';', ':', '!', '?', '…',
];
const DASHES: &[char] = &['—', '–', '―'];
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "inc", "corp", "co", "ltd", "gen", "gov",
    "sen", "rep", "col", "lt", "sgt", "capt", "maj", "rev", "vs", "no", "jan", "feb", "mar", "apr",
    "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "u.k", "u.n", "e.u", "etc", "mt", "ft",
];

/// The words of `text`, with offsets relative to its start.
pub fn split(text: &str) -> Vec<Word<'_>> {
    let mut words = Vec::new();
    // Byte offset and char offset, walked once.
    let mut chunk_start: Option<(usize, usize)> = None;
    for (chars, (byte, c)) in text.char_indices().enumerate() {
        if c.is_whitespace() {
            if let Some((b, ch)) = chunk_start.take() {
                split_chunk(&text[b..byte], ch, &mut words);
            }
        } else if chunk_start.is_none() {
            chunk_start = Some((byte, chars));
        }
    }
    if let Some((b, ch)) = chunk_start {
        split_chunk(&text[b..], ch, &mut words);
    }
    words
}

fn char_len(s: &str) -> usize {
    s.chars().count()
}

/// Appends `text` as a word at char offset `at`; returns the offset after it.
fn emit<'a>(out: &mut Vec<Word<'a>>, text: &'a str, at: usize) -> usize {
    let end = at + char_len(text);
    out.push(Word {
        text,
        start: at,
        end,
    });
    end
}

/// Splits one whitespace-free chunk starting at char offset `start`.
fn split_chunk<'a>(chunk: &'a str, start: usize, out: &mut Vec<Word<'a>>) {
    // Dashes split a chunk into parts ("reality—the" → reality, —, the).
    if let Some((byte, dash)) = chunk.char_indices().find(|(_, c)| DASHES.contains(c)) {
        let before = &chunk[..byte];
        let after = &chunk[byte + dash.len_utf8()..];
        if !before.is_empty() {
            split_chunk(before, start, out);
        }
        let at = emit(
            out,
            &chunk[byte..byte + dash.len_utf8()],
            start + char_len(before),
        );
        if !after.is_empty() {
            split_chunk(after, at, out);
        }
        return;
    }
    let mut s = chunk;
    let mut at = start;
    // Leading punctuation, one word per character.
    while let Some(c) = s.chars().next() {
        if s.chars().count() > 1 && LEADING.contains(&c) {
            at = emit(out, &s[..c.len_utf8()], at);
            s = &s[c.len_utf8()..];
        } else {
            break;
        }
    }
    // Trailing punctuation, collected right to left.
    let mut tail: Vec<&'a str> = Vec::new();
    while let Some(c) = s.chars().next_back() {
        if s.chars().count() <= 1 {
            break;
        }
        let cut = s.len() - c.len_utf8();
        if TRAILING.contains(&c) || (c == '.' && !is_abbreviation(&s[..cut])) {
            tail.push(&s[cut..]);
            s = &s[..cut];
        } else {
            break;
        }
    }
    // Possessive 's (straight or curly apostrophe).
    if let Some(suffix) = ["'s", "’s", "'S", "’S"]
        .into_iter()
        .find(|suffix| s.len() > suffix.len() && s.ends_with(suffix))
    {
        tail.push(&s[s.len() - suffix.len()..]);
        s = &s[..s.len() - suffix.len()];
    }
    if !s.is_empty() {
        at = emit(out, s, at);
    }
    for t in tail.into_iter().rev() {
        at = emit(out, t, at);
    }
}

/// "U.S", "Mr", "p.m" (the text before a final period) keep their period.
fn is_abbreviation(before_period: &str) -> bool {
    let lower = before_period.to_lowercase();
    if ABBREVIATIONS.contains(&lower.as_str()) {
        return true;
    }
    // Initials and dotted abbreviations: "J", "U.S", "a.m".
    let parts: Vec<&str> = before_period.split('.').collect();
    parts.len() > 1 && parts.iter().all(|p| p.chars().count() == 1)
        || (before_period.chars().count() == 1 && before_period.chars().all(|c| c.is_uppercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<&str> {
        split(s).into_iter().map(|w| w.text).collect()
    }

    #[test]
    fn splits_like_conll() {
        assert_eq!(
            texts("Peskov's statement, \"not true.\" U.S. officials met Mr. Smith."),
            vec![
                "Peskov",
                "'s",
                "statement",
                ",",
                "\"",
                "not",
                "true",
                ".",
                "\"",
                "U.S.",
                "officials",
                "met",
                "Mr.",
                "Smith",
                "."
            ]
        );
        assert_eq!(
            texts("signals—let’s put it"),
            vec!["signals", "—", "let", "’s", "put", "it"]
        );
        assert_eq!(
            texts("Anglo-Dutch (BRICS)"),
            vec!["Anglo-Dutch", "(", "BRICS", ")"]
        );
    }

    #[test]
    fn offsets_are_characters() {
        let text = "«Iran’s» leader — Khamenei.";
        for w in split(text) {
            let got: String = text.chars().skip(w.start).take(w.end - w.start).collect();
            assert_eq!(got, w.text);
        }
    }
}
