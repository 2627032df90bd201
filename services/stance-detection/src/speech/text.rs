//! The article body, indexed once for speech analysis.
//!
//! Record spans count characters (code points) while string slicing and
//! regular expressions count bytes. Converting at every use is slow and easy
//! to get wrong, so this module converts once: every other module of
//! [`super`] works in byte ranges of the body, and only the records it emits
//! convert back to character spans. It also gives the few word-level views
//! the rules need (sentences, paragraphs, tokens).

use std::ops::Range;

use stancewire_proto::v1;
use stancewire_text::CharIndex;

/// The body with a character index, its sentences and paragraphs.
pub(crate) struct Text<'a> {
    pub body: &'a str,
    index: CharIndex<'a>,
    pub sentences: Vec<Sentence>,
    pub paragraphs: Vec<Range<usize>>,
}

/// One sentence of the body, in bytes.
#[derive(Debug, Clone)]
pub(crate) struct Sentence {
    pub range: Range<usize>,
}

/// A word or a single punctuation character.
#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub range: Range<usize>,
    pub word: bool,
}

impl<'a> Text<'a> {
    pub fn new(article: &'a v1::Article) -> Text<'a> {
        let body = article.body.as_str();
        let mut text = Text {
            body,
            index: CharIndex::new(body),
            sentences: Vec::new(),
            paragraphs: Vec::new(),
        };
        text.paragraphs = article
            .paragraphs
            .iter()
            .map(|p| text.range(p))
            .filter(|r| !r.is_empty())
            .collect();
        if text.paragraphs.is_empty() && !body.trim().is_empty() {
            text.paragraphs.push(0..body.len());
        }
        let mut sentences: Vec<Range<usize>> = article
            .sentences
            .iter()
            .filter_map(|s| s.span.as_ref())
            .map(|s| text.range(s))
            .filter(|r| !r.is_empty())
            .collect();
        if sentences.is_empty() {
            sentences = text.paragraphs.clone();
        }
        sentences.sort_by_key(|r| (r.start, r.end));
        text.sentences = sentences
            .into_iter()
            .map(|range| Sentence { range })
            .collect();
        text
    }

    /// The byte range of a record span, clamped to the body.
    pub fn range(&self, span: &v1::Span) -> Range<usize> {
        let start = self.byte(span.start);
        start..self.byte(span.end).max(start)
    }

    /// The record span of a byte range.
    pub fn span(&self, range: &Range<usize>) -> v1::Span {
        v1::Span {
            start: self.char_offset(range.start),
            end: self.char_offset(range.end),
        }
    }

    fn byte(&self, char_offset: u32) -> usize {
        self.index
            .byte(usize::try_from(char_offset).unwrap_or(usize::MAX))
    }

    fn char_offset(&self, byte: usize) -> u32 {
        u32::try_from(self.index.char_at(byte)).unwrap_or(u32::MAX)
    }

    pub fn slice(&self, range: &Range<usize>) -> &'a str {
        self.body.get(range.clone()).unwrap_or("")
    }

    /// Index of the sentence holding byte `at` (or the last one before it).
    pub fn sentence_at(&self, at: usize) -> Option<usize> {
        self.sentences
            .partition_point(|s| s.range.start <= at)
            .checked_sub(1)
    }

    /// `range` without surrounding whitespace, and without the trailing
    /// punctuation and closing marks that end a sentence or clause.
    pub fn trim_clause(&self, range: &Range<usize>) -> Range<usize> {
        let s = self.slice(range);
        let lead = s.len() - s.trim_start().len();
        let rest = s.trim_start().trim_end_matches(|c: char| {
            c.is_whitespace() || matches!(c, '.' | ',' | ';' | ':' | '!' | '”' | '"' | '’')
        });
        range.start + lead..range.start + lead + rest.len()
    }

    /// Words and punctuation in `range`. A word is a run of letters and
    /// digits, with apostrophes, hyphens and points kept inside it
    /// ("Araghchi’s", "co-operation", "U.S").
    pub fn tokens(&self, range: &Range<usize>) -> Vec<Token> {
        let s = self.slice(range);
        let chars: Vec<(usize, char)> = s.char_indices().collect();
        let mut out = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            let (at, c) = chars[i];
            if c.is_alphanumeric() {
                let mut j = i + 1;
                while j < chars.len() {
                    let joins = matches!(chars[j].1, '\'' | '’' | '-' | '.')
                        && chars.get(j + 1).is_some_and(|(_, n)| n.is_alphanumeric());
                    if chars[j].1.is_alphanumeric() || joins {
                        j += 1;
                    } else {
                        break;
                    }
                }
                let end = chars.get(j).map_or(s.len(), |(e, _)| *e);
                out.push(Token {
                    range: range.start + at..range.start + end,
                    word: true,
                });
                i = j;
            } else {
                if !c.is_whitespace() {
                    out.push(Token {
                        range: range.start + at..range.start + at + c.len_utf8(),
                        word: false,
                    });
                }
                i += 1;
            }
        }
        out
    }

    /// The lower-cased text of a token, with typographic apostrophes made
    /// plain so the word lists need one spelling.
    pub fn lower(&self, token: &Token) -> String {
        self.slice(&token.range).to_lowercase().replace('’', "'")
    }

    /// The words of `range` (punctuation left out), lower-cased.
    pub fn lower_words(&self, range: &Range<usize>) -> Vec<String> {
        self.tokens(range)
            .iter()
            .filter(|t| t.word)
            .map(|t| self.lower(t))
            .collect()
    }

    /// The words of what was said at `range`, lower-cased, sentence by
    /// sentence (split at full stops, question and exclamation marks). A
    /// direct quote (`direct`: `range` starts inside its marks) split around
    /// its attribution — “I think Holt will be very fair,” Trump said during
    /// a rally, “but a lot of people …” — is its quoted words only.
    pub fn said_sentences(&self, range: &Range<usize>, direct: bool) -> Vec<Vec<String>> {
        let mut inside = true;
        let mut sentences = vec![Vec::new()];
        for t in self.tokens(range) {
            let s = self.slice(&t.range);
            if t.word {
                if inside || !direct {
                    sentences.last_mut().expect("one open").push(self.lower(&t));
                }
                continue;
            }
            match s {
                "." | "?" | "!" if !sentences.last().expect("one open").is_empty() => {
                    sentences.push(Vec::new())
                }
                "\"" | "”" if direct && inside => inside = false,
                "\"" | "“" if direct && !inside => inside = true,
                _ => {}
            }
        }
        sentences.retain(|s| !s.is_empty());
        sentences
    }
}

/// Reads `body` as an article's whole text (one paragraph, no sentence
/// spans), for the tests of the rules that read a `Text`.
#[cfg(test)]
pub(crate) fn read_body<R>(body: &str, read: impl FnOnce(&Text) -> R) -> R {
    let article = v1::Article {
        body: body.into(),
        ..Default::default()
    };
    read(&Text::new(&article))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article(body: &str) -> v1::Article {
        v1::Article {
            body: body.into(),
            ..Default::default()
        }
    }

    #[test]
    fn what_was_said_leaves_out_the_attribution_inside_a_split_quote() {
        let body = "I think Holt will be fair,” Trump said at a rally, “but people will see. It is the news";
        read_body(body, |text| {
            let range = 0..body.len();
            assert_eq!(
                text.said_sentences(&range, true),
                [
                    vec![
                        "i", "think", "holt", "will", "be", "fair", "but", "people", "will", "see"
                    ],
                    vec!["it", "is", "the", "news"],
                ]
            );
            assert_eq!(text.said_sentences(&range, false)[0].len(), 15);
        });
    }

    #[test]
    fn converts_between_characters_and_bytes() {
        let a = article("“Let’s go,” he said.");
        let text = Text::new(&a);
        let span = v1::Span { start: 1, end: 9 };
        let range = text.range(&span);
        assert_eq!(text.slice(&range), "Let’s go");
        assert_eq!(text.span(&range), span);
        // Out-of-range spans clamp instead of panicking.
        let wild = text.range(&v1::Span {
            start: 90,
            end: 100,
        });
        assert_eq!(text.slice(&wild), "");
    }

    #[test]
    fn tokens_keep_apostrophes_inside_words() {
        let a = article("Araghchi’s visit, he said — twice.");
        let text = Text::new(&a);
        let words: Vec<&str> = text
            .tokens(&(0..a.body.len()))
            .iter()
            .map(|t| text.slice(&t.range))
            .collect();
        assert_eq!(
            words,
            ["Araghchi’s", "visit", ",", "he", "said", "—", "twice", "."]
        );
    }
}
