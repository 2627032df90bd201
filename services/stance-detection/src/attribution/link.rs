//! From tagged spans to attributions: which content each cue introduces and
//! who its source is.
//!
//! The tagger marks sources, cues and contents in a paragraph, each layer on
//! its own; the attributions are how they pair up. News writes them in a few
//! shapes — "SOURCE CUE CONTENT", "CONTENT, CUE SOURCE", "CONTENT, SOURCE
//! CUE", "CUE SOURCE, CONTENT" ("according to …") — and in all of them the
//! parts sit next to each other, so each content takes the nearest cue
//! outside it, and each cue the nearest source outside its content. A quote
//! split around its attribution ("“…,” he said, “…”") has two content spans
//! with one cue: they become one attribution, the span from the first to the
//! last. A cue inside another attribution's content with no content of its
//! own ("Peskov said *Reuters claimed* P") introduces the rest of that
//! content. A content with no cue is left without a source; the caller
//! gives a quote paragraph the speaker of the paragraph before.

use std::ops::Range;

use super::labels::Layer;
use super::model::{spans, WordTags};

/// The farthest a cue may be from its content, in words.
const MAX_CUE_GAP: usize = 25;
/// The farthest a source may be from its cue, in words.
const MAX_SOURCE_GAP: usize = 12;
/// The most words between a cue and the content it introduces when it
/// takes that content back from a later cue ("denied *on Friday* that",
/// "tweeted *in the early morning hours* that").
const MAX_LEAD_GAP: usize = 8;
/// The most words between two parts of one split quote.
const MAX_PART_GAP: usize = 15;

/// One attribution in a paragraph, in word indexes.
#[derive(Debug, Clone, PartialEq)]
pub struct Linked {
    /// What was said: from its first part to its last.
    pub content: Range<usize>,
    pub cue: Option<Range<usize>>,
    pub source: Option<Range<usize>>,
    /// The tagger's mean probability over the content's (and cue's) words.
    pub confidence: f32,
}

fn gap(a: &Range<usize>, b: &Range<usize>) -> usize {
    if a.end <= b.start {
        b.start - a.end
    } else {
        a.start.saturating_sub(b.end)
    }
}

fn inside(x: &Range<usize>, outer: &Range<usize>) -> bool {
    outer.start <= x.start && x.end <= outer.end
}

fn overlaps(a: &Range<usize>, b: &Range<usize>) -> bool {
    a.start < b.end && b.start < a.end
}

/// Words that end a sentence: a quote part after one is a new quote.
fn ends_sentence(word: &str) -> bool {
    matches!(word, "." | "?" | "!" | "…")
}

/// A word that is only punctuation (commas, quotation marks).
fn is_punctuation(word: &str) -> bool {
    !word.is_empty() && word.chars().all(|c| !c.is_alphanumeric())
}

/// The attributions of one tagged paragraph (`words` its words, `tags`
/// their tags), in text order of their content.
pub fn link(words: &[&str], tags: &[WordTags]) -> Vec<Linked> {
    let sources = spans(tags, Layer::Source);
    let cues = spans(tags, Layer::Cue);
    let contents = spans(tags, Layer::Content);

    // Between two spans, a sentence ends.
    let crosses = |a: &Range<usize>, b: &Range<usize>| {
        let (from, to) = if a.end <= b.start {
            (a.end, b.start)
        } else {
            (b.end, a.start)
        };
        from < to && words[from..to].iter().any(|w| ends_sentence(w))
    };
    // Each content's cue: the nearest one outside it, in its own sentence
    // if there is one.
    let cue_of: Vec<Option<usize>> = contents
        .iter()
        .map(|(content, _)| {
            cues.iter()
                .enumerate()
                .filter(|(_, (cue, _))| !overlaps(cue, content))
                .map(|(k, (cue, _))| {
                    let key = (crosses(cue, content), gap(cue, content));
                    (key, cue.start > content.start, k)
                })
                .filter(|&((_, g), _, _)| g <= MAX_CUE_GAP)
                .min()
                .map(|(_, _, k)| k)
        })
        .collect();
    let cue_of = reclaim(&cues, &contents, cue_of, &crosses);

    let mut out: Vec<Linked> = Vec::new();
    let mut used = vec![false; contents.len()];
    for i in 0..contents.len() {
        if used[i] {
            continue;
        }
        used[i] = true;
        let (mut content, mut score) = contents[i].clone();
        let mut parts = 1.0;
        // Later parts of the same quote: same cue, close by, in the same
        // sentence ("“…,” he said, “…”", "But to prevent problems, he said,
        // officials should …"; not "“…,” he said. “…”").
        if let Some(k) = cue_of[i] {
            for j in i + 1..contents.len() {
                let next = &contents[j].0;
                let same_sentence = !words[content.end..next.start]
                    .iter()
                    .any(|w| ends_sentence(w));
                if !used[j]
                    && cue_of[j] == Some(k)
                    && gap(&content, next) <= MAX_PART_GAP
                    && same_sentence
                {
                    used[j] = true;
                    content = content.start..contents[j].0.end;
                    score += contents[j].1;
                    parts += 1.0;
                }
            }
        }
        let cue = cue_of[i].map(|k| &cues[k]);
        let confidence = match cue {
            Some((_, p)) => (score / parts + p) / 2.0,
            None => score / parts,
        };
        out.push(Linked {
            source: cue.and_then(|(c, _)| source_of(&sources, c, &content, &crosses)),
            cue: cue.map(|(c, _)| c.clone()),
            content,
            confidence,
        });
    }

    // A sentence-final attribution whose content the tagger gave to a cue
    // inside it ("[Reuters' report claiming that P] are not true, Peskov
    // said"): the sentence up to its source is what it says.
    let mut sentence_final = vec![false; cues.len()];
    for (k, (cue, p)) in cues.iter().enumerate() {
        if cue_of.contains(&Some(k)) {
            continue;
        }
        let Some(source) = sources
            .iter()
            .map(|(s, _)| s)
            .find(|s| gap(s, cue) == 0 && !overlaps(s, cue))
        else {
            continue;
        };
        let phrase = source.start.min(cue.start);
        let mut end = phrase;
        while end > 0 && is_punctuation(words[end - 1]) {
            end -= 1;
        }
        // "“…stable.” The central bank declined to comment": a sentence
        // ended before the source, so the content is not its to take.
        if words[end..phrase].iter().any(|w| ends_sentence(w)) {
            continue;
        }
        let Some((content, _)) = contents
            .iter()
            .find(|(c, _)| end <= c.end && c.end <= phrase && c.start < end)
        else {
            continue;
        };
        let start = (0..content.start)
            .rev()
            .find(|&i| ends_sentence(words[i]))
            .map_or(0, |i| i + 1);
        sentence_final[k] = true;
        out.push(Linked {
            content: start..content.end,
            cue: Some(cue.clone()),
            source: Some(source.clone()),
            confidence: *p,
        });
    }

    // Cues inside a content with no content of their own introduce the
    // rest of it.
    for (k, (cue, p)) in cues.iter().enumerate() {
        if cue_of.contains(&Some(k)) || sentence_final[k] {
            continue;
        }
        let Some(outer) = out
            .iter()
            .filter(|l| inside(cue, &l.content) && cue.end < l.content.end)
            .min_by_key(|l| l.content.len())
        else {
            continue;
        };
        let content = cue.end..outer.content.end;
        if content.len() < 2 {
            continue;
        }
        let source = sources
            .iter()
            .map(|(s, _)| s)
            .filter(|s| s.end <= cue.start && s.start >= outer.content.start)
            .filter(|s| gap(s, cue) <= MAX_SOURCE_GAP)
            .max_by_key(|s| s.end)
            .cloned();
        out.push(Linked {
            content,
            cue: Some(cue.clone()),
            source,
            confidence: *p,
        });
    }
    out.sort_by_key(|l| (l.content.start, l.content.end));
    out
}

/// A cue the nearest-cue rule left without a content (or with one word of
/// it) takes the content right after it, when that content had taken a
/// later cue that introduces a content of its own: in "X denied on Friday
/// that P, contradicting a report by Y", P is nearer "contradicting" (one
/// comma) than "denied" (two words), and would otherwise become one content
/// with "a report by Y", leaving X's denial unsaid.
fn reclaim(
    cues: &[(Range<usize>, f32)],
    contents: &[(Range<usize>, f32)],
    mut cue_of: Vec<Option<usize>>,
    crosses: &impl Fn(&Range<usize>, &Range<usize>) -> bool,
) -> Vec<Option<usize>> {
    for (k, (cue, _)) in cues.iter().enumerate() {
        // "Nestle rejected [a] Bloomberg report [that P], calling it …": a
        // one-word content of its own does not count.
        let own: Vec<usize> = (0..contents.len())
            .filter(|&i| cue_of[i] == Some(k))
            .collect();
        if own.iter().any(|&i| contents[i].0.len() > 1) {
            continue;
        }
        let next = contents.iter().enumerate().find(|(i, (c, _))| {
            !own.contains(i)
                && c.start >= cue.end
                && gap(cue, c) <= MAX_LEAD_GAP
                && !crosses(cue, c)
        });
        let Some((i, _)) = next else {
            continue;
        };
        let Some(taken) = cue_of[i] else {
            continue;
        };
        let later = cues[taken].0.start >= contents[i].0.end;
        let keeps_another = (0..contents.len()).any(|j| {
            j != i && cue_of[j] == Some(taken) && contents[j].0.start >= cues[taken].0.end
        });
        if later && keeps_another {
            cue_of[i] = Some(k);
        }
    }
    cue_of
}

/// The source of a cue: the nearest source span outside the content (a
/// source inside its own content only when the cue is inside it too).
fn source_of(
    sources: &[(Range<usize>, f32)],
    cue: &Range<usize>,
    content: &Range<usize>,
    crosses: &impl Fn(&Range<usize>, &Range<usize>) -> bool,
) -> Option<Range<usize>> {
    sources
        .iter()
        .map(|(s, _)| s)
        .filter(|s| !overlaps(s, content) || inside(cue, content))
        .map(|s| ((crosses(s, cue), gap(s, cue)), s.start > cue.start, s))
        .filter(|&((_, g), _, _)| g <= MAX_SOURCE_GAP)
        .min_by_key(|&(key, after, s)| (key, after, s.start))
        .map(|(_, _, s)| s.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attribution::labels::{B, I, O};

    /// Links tags given as one string per layer ('B', 'I' or '.' per word)
    /// over `words` (space-separated).
    fn link_tags(words: &str, source: &str, cue: &str, content: &str) -> Vec<Linked> {
        let words: Vec<&str> = words.split(' ').collect();
        let tags = tags(source, cue, content);
        assert_eq!(words.len(), tags.len());
        link(&words, &tags)
    }

    fn tags(source: &str, cue: &str, content: &str) -> Vec<WordTags> {
        let t = |c: char| match c {
            'B' => B,
            'I' => I,
            _ => O,
        };
        source
            .chars()
            .zip(cue.chars())
            .zip(content.chars())
            .map(|((s, c), x)| WordTags {
                tags: [t(s), t(c), t(x)],
                probs: [0.9; 3],
            })
            .collect()
    }

    #[test]
    fn source_cue_content() {
        let found = link_tags(
            "Peskov said the report was false",
            "B.....",
            ".B....",
            "..BIII",
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].content, 2..6);
        assert_eq!(found[0].cue, Some(1..2));
        assert_eq!(found[0].source, Some(0..1));
    }

    #[test]
    fn a_split_quote_is_one_attribution() {
        let found = link_tags(
            "“ A b , ” he said , “ c d . ”",
            ".....B.......",
            "......B......",
            "BIIII...BIIII",
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].content, 0..13);
        assert_eq!(found[0].cue, Some(6..7));
        assert_eq!(found[0].source, Some(5..6));
    }

    #[test]
    fn a_quote_after_the_attributions_sentence_is_a_quote_of_its_own() {
        let found = link_tags(
            "“ A b , ” he said . “ c d . ”",
            ".....B.......",
            "......B......",
            "BIIII...BIIII",
        );
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].content, 0..5);
        assert_eq!(found[1].content, 8..13);
        assert_eq!(found[1].source, Some(5..6), "the same speaker");
    }

    #[test]
    fn a_nested_cue_introduces_the_rest_of_its_content() {
        let found = link_tags(
            "Peskov said Reuters claimed Araghchi delivered it .",
            "B.B.....",
            ".B.B....",
            "..BIIIII",
        );
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].source, Some(0..1));
        let inner = &found[1];
        assert_eq!(inner.content, 4..8);
        assert_eq!(inner.source, Some(2..3));
    }

    #[test]
    fn a_sentence_final_attribution_takes_the_sentence_whose_content_a_cue_inside_took() {
        let found = link_tags(
            "Reuters report claiming that P is false , Peskov said .",
            "B.......B..",
            "..B......B.",
            "...BIII....",
        );
        assert_eq!(found.len(), 2, "{found:?}");
        let outer = found.iter().find(|l| l.cue == Some(9..10)).unwrap();
        assert_eq!(outer.content, 0..7);
        assert_eq!(outer.source, Some(8..9));
    }

    #[test]
    fn a_quote_split_around_its_cue_takes_that_cue_not_the_last_sentences() {
        let found = link_tags(
            "“ x , ” he said . But y , he said , z .",
            "....B.....B....",
            ".....B.....B...",
            "BIII...BI....B.",
        );
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[1].content, 7..14, "both parts, around their cue");
        assert_eq!(found[1].cue, Some(11..12));
        assert_eq!(found[1].source, Some(10..11));
    }

    #[test]
    fn a_cue_a_few_words_before_its_content_keeps_it_from_a_later_cue() {
        let found = link_tags(
            "Germany denied on Friday that it was investigating Tesla , contradicting a report by Spiegel .",
            "B...............",
            ".B........B.....",
            "....BIIII..BIII.",
        );
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].content, 4..9);
        assert_eq!(found[0].cue, Some(1..2));
        assert_eq!(found[0].source, Some(0..1));
        assert_eq!(found[1].content, 11..15);
        assert_eq!(found[1].cue, Some(10..11));
    }

    #[test]
    fn a_content_without_a_cue_has_no_source() {
        let found = link_tags("“ Never , ever . ”", "......", "......", "BIIIII");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].source, None);
        assert_eq!(found[0].cue, None);
    }
}
