//! Who said what, learned: the attribution tagger ([`model`], trained on
//! PolNeAR's annotations of real news) finds each attribution's source, cue
//! and content in a paragraph ([`labels`]), and [`link`] pairs them up. The
//! speech rules (`crate::speech`) take it from there: they resolve each
//! source to an entity, and turn contents into claims and stances.

pub mod labels;
pub mod link;
pub mod model;

use std::ops::Range;

use stancewire_proto::v1;
use stancewire_text::words::{self, Word};

pub use model::{shipped_dir, AttributionModel};

/// One attribution in a body, in code points of the body.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub content: Range<usize>,
    pub cue: Option<Range<usize>>,
    pub source: Option<Range<usize>>,
    pub confidence: f32,
    /// Index of the paragraph it was found in.
    pub paragraph: usize,
}

/// An article's paragraphs, as code-point ranges of its body: its
/// paragraph spans, or, for a record without them, its non-empty lines.
pub fn paragraphs(article: &v1::Article) -> Vec<Range<usize>> {
    if !article.paragraphs.is_empty() {
        return article
            .paragraphs
            .iter()
            .map(|p| p.start as usize..p.end as usize)
            .collect();
    }
    let mut out = Vec::new();
    let mut at = 0usize;
    for line in article.body.split('\n') {
        let len = line.chars().count();
        if !line.trim().is_empty() {
            out.push(at..at + len);
        }
        at += len + 1;
    }
    out
}

/// The words of each paragraph (given as code-point ranges of `body`), with
/// offsets into the body.
pub fn paragraph_words<'a>(body: &'a str, paragraphs: &[Range<usize>]) -> Vec<Vec<Word<'a>>> {
    let index = stancewire_text::CharIndex::new(body);
    paragraphs
        .iter()
        .map(|p| {
            words::split(index.slice(p.start, p.end))
                .into_iter()
                .map(|w| Word {
                    start: w.start + p.start,
                    end: w.end + p.start,
                    ..w
                })
                .collect()
        })
        .collect()
}

/// Every attribution in a body, paragraph by paragraph, in text order.
pub fn find(model: &AttributionModel, body: &str, paragraphs: &[Range<usize>]) -> Vec<Found> {
    let words = paragraph_words(body, paragraphs);
    let texts: Vec<Vec<&str>> = words
        .iter()
        .map(|p| p.iter().map(|w| w.text).collect())
        .collect();
    let tags = model.tag(&texts);
    let mut out = Vec::new();
    for (p, (words, tags)) in words.iter().zip(&tags).enumerate() {
        let chars = |r: &Range<usize>| words[r.start].start..words[r.end - 1].end;
        for l in link::link(&texts[p], tags) {
            out.push(Found {
                content: chars(&l.content),
                cue: l.cue.as_ref().map(chars),
                source: l.source.as_ref().map(chars),
                confidence: l.confidence,
                paragraph: p,
            });
        }
    }
    out
}
