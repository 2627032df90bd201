//! PolNeAR (Newell, Margolin & Ruths, LREC 2018): US political news with
//! every attribution annotated — source, cue, content — in BRAT standoff.
//! `text/<article>.txt` holds an article; `attributions/<article>_<annotator>.ann`
//! its spans (`T` lines, code-point ranges of the text, discontinuous parts
//! joined by `;`) and how they form attributions (`E` lines). Where several
//! annotators read an article, the first file (by name) counts, as the
//! project's scorer counts it.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::{Path, PathBuf};

use anyhow::Context;

/// One annotated attribution; each part a list of code-point ranges.
#[derive(Debug, Clone, Default)]
pub struct Attribution {
    pub source: Vec<Range<usize>>,
    pub cue: Vec<Range<usize>>,
    pub content: Vec<Range<usize>>,
}

#[derive(Debug, Clone)]
pub struct Article {
    pub name: String,
    pub text: String,
    pub attributions: Vec<Attribution>,
}

/// Every article of a split (`DIR/text`, `DIR/attributions`), by name.
pub fn read_split(dir: &Path) -> anyhow::Result<Vec<Article>> {
    let mut files: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for entry in std::fs::read_dir(dir.join("attributions"))
        .with_context(|| format!("reading {}/attributions", dir.display()))?
    {
        let path = entry?.path();
        let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        if let Some((article, _annotator)) = name.rsplit_once('_') {
            files.entry(article.to_string()).or_default().push(path);
        }
    }
    let mut names: Vec<String> = std::fs::read_dir(dir.join("text"))?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".txt"))
                .map(String::from)
        })
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let text = std::fs::read_to_string(dir.join("text").join(format!("{name}.txt")))?;
            let attributions = match files.get_mut(&name) {
                Some(anns) => {
                    anns.sort();
                    parse_ann(&std::fs::read_to_string(&anns[0])?)
                }
                None => Vec::new(),
            };
            Ok(Article {
                name,
                text,
                attributions,
            })
        })
        .collect()
}

/// The attributions of one `.ann` file. A `T` line's covered text can hold
/// line breaks, so lines that start neither `T`, `E` nor `#` continue it.
pub fn parse_ann(ann: &str) -> Vec<Attribution> {
    let mut spans: HashMap<&str, Vec<Range<usize>>> = HashMap::new();
    let mut events: Vec<Vec<(&str, &str)>> = Vec::new();
    for line in ann.lines() {
        let mut fields = line.split('\t');
        let (Some(id), Some(body)) = (fields.next(), fields.next()) else {
            continue;
        };
        if id.starts_with('T') {
            let Some((_, ranges)) = body.split_once(' ') else {
                continue;
            };
            let parts: Option<Vec<Range<usize>>> = ranges
                .split(';')
                .map(|r| {
                    let (a, b) = r.trim().split_once(' ')?;
                    Some(a.parse().ok()?..b.parse().ok()?)
                })
                .collect();
            if let Some(parts) = parts {
                spans.insert(id, parts);
            }
        } else if id.starts_with('E') {
            events.push(body.split(' ').filter_map(|a| a.split_once(':')).collect());
        }
    }
    events
        .into_iter()
        .filter(|args| {
            args.iter()
                .any(|(role, _)| *role == "Attribution" || *role == "Attribution-no-source")
        })
        .filter_map(|args| {
            let mut a = Attribution::default();
            for (role, id) in args {
                let parts = spans.get(id).cloned().unwrap_or_default();
                match role {
                    "Source" => a.source = parts,
                    "Cue" => a.cue = parts,
                    "Content" => a.content = parts,
                    _ => {}
                }
            }
            (!a.content.is_empty()).then_some(a)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_spans_events_and_continued_lines() {
        let ann = "T1\tSource 0 6\tPeskov\nT2\tCue 7 11\tsaid\nT3\tContent 12 20;25 30\tit was\nnot true\nT4\tAttribution 7 11\tsaid\nE1\tAttribution:T4 Content:T3 Cue:T2 Source:T1\n#1\tAnnotatorNotes T3\tcheck\n";
        let got = parse_ann(ann);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].source, vec![0..6]);
        assert_eq!(got[0].cue, vec![7..11]);
        assert_eq!(got[0].content, vec![12..20, 25..30]);
    }
}
