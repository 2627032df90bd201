//! Offsets in a clean body, mapped back to the file it came from.
//!
//! Ingest's cleaning keeps the words of every paragraph it keeps but not
//! its layout: line breaks inside a paragraph become spaces, runs of white
//! space one space, the headline and boilerplate lines drop out. Each
//! paragraph of the body is found in the file (after the previous one),
//! comparing text with white space collapsed, and every character of it is
//! mapped to the file character it came from; white space the cleaning
//! added maps to the next character that follows in the file.

use std::ops::Range;

/// A map from body code points to file code points.
pub struct Alignment {
    /// For every body code point, and one past the end.
    to_file: Vec<usize>,
}

impl Alignment {
    /// Aligns `body`, made of `paragraphs` (code-point ranges of `body`), to
    /// `file`.
    pub fn new(file: &str, body: &str, paragraphs: &[Range<usize>]) -> Alignment {
        let file: Vec<char> = file.chars().collect();
        let body: Vec<char> = body.chars().collect();
        // File characters without white space, and where each sits.
        let (squeezed, at): (Vec<char>, Vec<usize>) = file
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.is_whitespace())
            .map(|(i, &c)| (c, i))
            .unzip();
        let mut to_file: Vec<Option<usize>> = vec![None; body.len() + 1];
        let mut from = 0usize; // in `squeezed`
        for p in paragraphs {
            let chars: Vec<(usize, char)> = (p.start..p.end.min(body.len()))
                .filter(|&i| !body[i].is_whitespace())
                .map(|i| (i, body[i]))
                .collect();
            if chars.is_empty() {
                continue;
            }
            let needle: Vec<char> = chars.iter().map(|&(_, c)| c).collect();
            let Some(found) = find(&squeezed[from..], &needle).map(|k| k + from) else {
                continue;
            };
            for (k, &(i, _)) in chars.iter().enumerate() {
                to_file[i] = Some(at[found + k]);
            }
            from = found + needle.len();
        }
        // White space and anything unmatched: the file position of the next
        // mapped character (or the end).
        let mut next = file.len();
        let mut out = vec![0usize; body.len() + 1];
        out[body.len()] = file.len();
        for i in (0..body.len()).rev() {
            match to_file[i] {
                Some(f) => {
                    out[i] = f;
                    next = f;
                }
                None => out[i] = next,
            }
        }
        Alignment { to_file: out }
    }

    /// The file range of a body range: from its first character to just
    /// after its last.
    pub fn range(&self, r: &Range<usize>) -> Range<usize> {
        let last = self.to_file.len() - 1;
        let start = self.to_file[r.start.min(last)];
        let end = if r.end > r.start {
            self.to_file[(r.end - 1).min(last)] + 1
        } else {
            start
        };
        start..end.max(start)
    }
}

/// Where `needle` first occurs in `hay`.
fn find(hay: &[char], needle: &[char]) -> Option<usize> {
    if needle.len() > hay.len() {
        return None;
    }
    (0..=hay.len() - needle.len()).find(|&i| hay[i..i + needle.len()] == *needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_offsets_map_back_through_changed_layout() {
        let file = "Headline here\n\nFirst line of a\nwrapped   paragraph.\n\nSubscribe now!\n\n“Quoted,” he said.\n";
        let body = "First line of a wrapped paragraph.\n\n“Quoted,” he said.";
        let p1 = 0..34;
        let p2 = 36..body.chars().count();
        let a = Alignment::new(file, body, &[p1, p2.clone()]);
        let file_chars: Vec<char> = file.chars().collect();
        let slice = |r: Range<usize>| file_chars[r].iter().collect::<String>();
        // "wrapped paragraph" spans the file's line break and extra spaces.
        assert_eq!(slice(a.range(&(16..33))), "wrapped   paragraph");
        assert_eq!(slice(a.range(&(37..43))), "Quoted");
        assert_eq!(slice(a.range(&p2)), "“Quoted,” he said.");
    }
}
