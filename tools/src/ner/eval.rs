//! Scores tagging against a CoNLL-format file by the conlleval rules: an
//! entity counts only when its span and type both match exactly. Other tag
//! sets are mapped onto ours first (WNUT-17: see `LabelMap::Wnut17`).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use stancewire_entity_recognition::model::{labels, NerModel, Tagged};

use super::conll::{self, Sentence};

/// How a file's entity types map onto the model's PER/ORG/LOC/MISC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LabelMap {
    /// Pick by the tags found in the file.
    Auto,
    /// PER, ORG, LOC, MISC as they are.
    Conll,
    /// WNUT-17: person→PER, location→LOC, corporation→ORG, group→ORG,
    /// product→MISC, creative-work→MISC.
    Wnut17,
}

impl LabelMap {
    fn detect(sentences: &[Sentence]) -> LabelMap {
        let wnut = sentences
            .iter()
            .flat_map(|s| &s.tags)
            .any(|t| t.ends_with("-person") || t.ends_with("-corporation"));
        if wnut {
            LabelMap::Wnut17
        } else {
            LabelMap::Conll
        }
    }

    fn map_type(self, kind: &str) -> Option<&'static str> {
        match self {
            LabelMap::Wnut17 => match kind {
                "person" => Some("PER"),
                "location" => Some("LOC"),
                "corporation" | "group" => Some("ORG"),
                "product" | "creative-work" => Some("MISC"),
                _ => None,
            },
            _ => labels::TYPES.iter().copied().find(|t| *t == kind),
        }
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    correct: usize,
    predicted: usize,
    gold: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct TypeScore {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Gold entities of this type.
    pub support: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub per_type: BTreeMap<String, TypeScore>,
    pub sentences: usize,
    pub tokens: usize,
    pub label_map: LabelMap,
}

impl Counts {
    fn score(self) -> TypeScore {
        let p = ratio(self.correct, self.predicted);
        let r = ratio(self.correct, self.gold);
        let f1 = if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        };
        TypeScore {
            precision: round2(p * 100.0),
            recall: round2(r * 100.0),
            f1: round2(f1 * 100.0),
            support: self.gold,
        }
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Scores predicted tags against gold tags (both per sentence, per word).
pub fn score<G: AsRef<str>, P: AsRef<str>>(
    gold: &[Vec<G>],
    predicted: &[Vec<P>],
    map: LabelMap,
) -> Report {
    let mut per: BTreeMap<String, Counts> = BTreeMap::new();
    let mut total = Counts::default();
    let mut tokens = 0;
    for (g, p) in gold.iter().zip(predicted) {
        tokens += g.len();
        let g: Vec<labels::Chunk> = labels::chunks(g)
            .into_iter()
            .filter_map(|mut c| {
                c.kind = map.map_type(&c.kind)?.to_string();
                Some(c)
            })
            .collect();
        let p = labels::chunks(p);
        for c in &g {
            per.entry(c.kind.clone()).or_default().gold += 1;
            total.gold += 1;
        }
        for c in &p {
            let counts = per.entry(c.kind.clone()).or_default();
            counts.predicted += 1;
            total.predicted += 1;
            if g.contains(c) {
                counts.correct += 1;
                total.correct += 1;
            }
        }
    }
    let overall = total.score();
    Report {
        precision: overall.precision,
        recall: overall.recall,
        f1: overall.f1,
        per_type: per.into_iter().map(|(k, c)| (k, c.score())).collect(),
        sentences: gold.len(),
        tokens,
        label_map: map,
    }
}

/// Tags every sentence of `file` with `model` and scores it.
pub fn evaluate(model: &NerModel, file: &Path, map: LabelMap) -> anyhow::Result<Report> {
    let sentences = conll::read(file)?;
    Ok(tag_and_score(&sentences, map, |words| model.tag(words)))
}

/// Tags `sentences` with `tag` (in chunks, with a progress bar) and scores
/// the result against their gold tags. Evaluation and training's dev
/// scoring both go through here.
pub fn tag_and_score(
    sentences: &[Sentence],
    map: LabelMap,
    tag: impl Fn(&[Vec<&str>]) -> Vec<Vec<Tagged>>,
) -> Report {
    let map = match map {
        LabelMap::Auto => LabelMap::detect(sentences),
        m => m,
    };
    let words: Vec<Vec<&str>> = sentences
        .iter()
        .map(|s| s.words.iter().map(String::as_str).collect())
        .collect();
    let bar = stancewire_model::progress::bar(words.len() as u64, "tagging");
    let mut predicted: Vec<Vec<&str>> = Vec::with_capacity(words.len());
    for chunk in words.chunks(512) {
        for tags in tag(chunk) {
            predicted.push(tags.into_iter().map(|t| labels::TAGS[t.tag]).collect());
        }
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    let gold: Vec<Vec<&str>> = sentences
        .iter()
        .map(|s| s.tags.iter().map(String::as_str).collect())
        .collect();
    score(&gold, &predicted, map)
}

/// The human-readable table, then the report as one JSON line (last).
pub fn print(report: &Report) {
    println!(
        "{:<6} {:>9} {:>9} {:>9} {:>8}",
        "type", "precision", "recall", "f1", "support"
    );
    for (kind, s) in &report.per_type {
        println!(
            "{:<6} {:>9.2} {:>9.2} {:>9.2} {:>8}",
            kind, s.precision, s.recall, s.f1, s.support
        );
    }
    println!(
        "{:<6} {:>9.2} {:>9.2} {:>9.2} {:>8}",
        "all",
        report.precision,
        report.recall,
        report.f1,
        report.per_type.values().map(|s| s.support).sum::<usize>()
    );
    println!(
        "{}",
        serde_json::to_string(report).expect("report serialises")
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_span_and_type() {
        let gold = vec![vec!["B-PER", "I-PER", "O", "B-LOC"]];
        // One exact PER, a LOC with the wrong type, one spurious ORG.
        let pred = vec![vec!["B-PER", "I-PER", "B-ORG", "B-MISC"]];
        let r = score(&gold, &pred, LabelMap::Conll);
        assert_eq!(r.precision, 33.33);
        assert_eq!(r.recall, 50.0);
        assert_eq!(r.f1, 40.0);
        assert_eq!(r.per_type["PER"].f1, 100.0);
        assert_eq!(r.per_type["LOC"].recall, 0.0);
    }

    #[test]
    fn wnut_types_are_mapped() {
        let gold = vec![vec![
            "B-corporation",
            "O",
            "B-creative-work",
            "I-creative-work",
        ]];
        let pred = vec![vec!["B-ORG", "O", "B-MISC", "I-MISC"]];
        assert_eq!(score(&gold, &pred, LabelMap::Wnut17).f1, 100.0);
    }
}
