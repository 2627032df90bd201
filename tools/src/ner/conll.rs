//! Reads CoNLL-format files: one token per line, the word in the first
//! column and its tag in the last (space or tab separated), blank lines
//! between sentences, `-DOCSTART-` lines ignored.

use std::path::Path;

use anyhow::Context;

#[derive(Debug, Clone, Default)]
pub struct Sentence {
    pub words: Vec<String>,
    pub tags: Vec<String>,
}

pub fn read(path: &Path) -> anyhow::Result<Vec<Sentence>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    parse(&text).with_context(|| format!("parsing {}", path.display()))
}

pub fn parse(text: &str) -> anyhow::Result<Vec<Sentence>> {
    let mut out = Vec::new();
    let mut current = Sentence::default();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            if !current.words.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            continue;
        }
        let cols: Vec<&str> = line.split(['\t', ' ']).filter(|c| !c.is_empty()).collect();
        if cols[0] == "-DOCSTART-" {
            continue;
        }
        anyhow::ensure!(cols.len() >= 2, "line {}: expected a word and a tag", n + 1);
        current.words.push(cols[0].to_string());
        current.tags.push(cols[cols.len() - 1].to_string());
    }
    if !current.words.is_empty() {
        out.push(current);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_both_separators() {
        let s =
            super::parse("-DOCSTART- -X- O O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP O\n\nHi\tO\n")
                .unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].words, ["EU", "rejects"]);
        assert_eq!(s[0].tags, ["B-ORG", "O"]);
        assert_eq!(s[1].tags, ["O"]);
    }
}
