//! The stance datasets and their scores: FNC-1 (headline, body, stance) pairs
//! read from its two CSV files, SemEval-2016 Task 6 tweets and Emergent
//! headline pairs, with FNC-1's official weighted score, per-class F1 and
//! macro-F1. Training and `eval` read data and score through here only.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use anyhow::Context;
use serde::Serialize;
pub use stancewire_stance_detection::model::Relation;

/// FNC-1's train files and the body-disjoint dev split held out of them:
/// what every command that trains on FNC-1 reads.
#[derive(Debug, Clone, Serialize, clap::Args)]
pub struct TrainFiles {
    #[arg(long, default_value = "../shared/data/fnc-1/train_bodies.csv")]
    pub bodies: std::path::PathBuf,
    #[arg(long, default_value = "../shared/data/fnc-1/train_stances.csv")]
    pub stances: std::path::PathBuf,
    /// Body ids held out as dev: never trained on, scored on.
    #[arg(
        long,
        default_value = "../shared/data/fnc-1/talos_holdout_body_ids.txt"
    )]
    pub holdout: std::path::PathBuf,
}

/// One labelled (claim, text) pair.
#[derive(Debug, Clone)]
pub struct Pair {
    pub headline: String,
    pub body_id: String,
    pub relation: Relation,
}

/// A dataset: bodies by id and the labelled pairs over them.
#[derive(Debug, Default)]
pub struct Dataset {
    pub bodies: BTreeMap<String, String>,
    pub pairs: Vec<Pair>,
}

impl Dataset {
    /// The pairs whose body is (`keep` true) or is not in `ids`.
    pub fn split(self, ids: &BTreeSet<String>, keep: bool) -> Dataset {
        let pairs: Vec<Pair> = self
            .pairs
            .into_iter()
            .filter(|p| ids.contains(&p.body_id) == keep)
            .collect();
        let used: BTreeSet<&String> = pairs.iter().map(|p| &p.body_id).collect();
        let bodies = self
            .bodies
            .iter()
            .filter(|(id, _)| used.contains(id))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Dataset { bodies, pairs }
    }
}

fn reader(path: &Path) -> anyhow::Result<csv::Reader<std::fs::File>> {
    csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .with_context(|| format!("opening {}", path.display()))
}

/// Finds a column by name (case-insensitive), with a clear error.
fn column(headers: &csv::StringRecord, names: &[&str], path: &Path) -> anyhow::Result<usize> {
    headers
        .iter()
        .position(|h| names.iter().any(|n| h.trim().eq_ignore_ascii_case(n)))
        .with_context(|| {
            format!(
                "{}: no column {:?} (columns: {:?})",
                path.display(),
                names,
                headers.iter().collect::<Vec<_>>()
            )
        })
}

/// Reads FNC-1's `*_bodies.csv` and `*_stances.csv`.
pub fn read_fnc(bodies: &Path, stances: &Path) -> anyhow::Result<Dataset> {
    let mut data = Dataset::default();
    let mut r = reader(bodies)?;
    let h = r.headers()?.clone();
    let (id, text) = (
        column(&h, &["Body ID"], bodies)?,
        column(&h, &["articleBody"], bodies)?,
    );
    for row in r.records() {
        let row = row.with_context(|| format!("reading {}", bodies.display()))?;
        data.bodies
            .insert(row[id].trim().to_string(), row[text].to_string());
    }
    let mut r = reader(stances)?;
    let h = r.headers()?.clone();
    let (headline, body, stance) = (
        column(&h, &["Headline"], stances)?,
        column(&h, &["Body ID"], stances)?,
        column(&h, &["Stance"], stances)?,
    );
    for (n, row) in r.records().enumerate() {
        let row = row.with_context(|| format!("reading {}", stances.display()))?;
        let relation = Relation::parse(&row[stance]).with_context(|| {
            format!(
                "{} row {}: stance {:?}",
                stances.display(),
                n + 2,
                &row[stance]
            )
        })?;
        let body_id = row[body].trim().to_string();
        anyhow::ensure!(
            data.bodies.contains_key(&body_id),
            "{} row {}: body {body_id} is not in {}",
            stances.display(),
            n + 2,
            bodies.display()
        );
        data.pairs.push(Pair {
            headline: row[headline].to_string(),
            body_id,
            relation,
        });
    }
    Ok(data)
}

/// Reads a file of body ids, one per line (FNC-1's `talos_holdout_body_ids.txt`).
pub fn read_ids(path: &Path) -> anyhow::Result<BTreeSet<String>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect())
}

/// Emergent: claim headline vs article headline (for / against / observing),
/// as pairs whose "body" is the article headline.
pub fn read_emergent(path: &Path) -> anyhow::Result<Dataset> {
    let columns = ["claimHeadline", "articleHeadline", "articleHeadlineStance"];
    read_pairs(reader(path)?, path, columns, "e")
}

/// SemEval-2016 Task 6: (target, tweet) with FAVOR / AGAINST / NONE, read as
/// agree / disagree / discuss. The file is Latin-1 in places; bytes that are
/// not UTF-8 are replaced.
pub fn read_semeval(path: &Path) -> anyhow::Result<Dataset> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let text = String::from_utf8_lossy(&bytes);
    let r = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    read_pairs(r, path, ["Target", "Tweet", "Stance"], "t")
}

/// Reads one labelled pair per row from the `[claim, text, stance]`
/// columns; each text becomes a body of its own, `{prefix}{row}`.
fn read_pairs<R: std::io::Read>(
    mut r: csv::Reader<R>,
    path: &Path,
    [claim, text, stance]: [&str; 3],
    prefix: &str,
) -> anyhow::Result<Dataset> {
    let h = r.headers()?.clone();
    let (claim, text, stance) = (
        column(&h, &[claim], path)?,
        column(&h, &[text], path)?,
        column(&h, &[stance], path)?,
    );
    let mut data = Dataset::default();
    for (n, row) in r.records().enumerate() {
        let row = row?;
        let relation = Relation::parse(&row[stance]).with_context(|| {
            format!(
                "{} row {}: stance {:?}",
                path.display(),
                n + 2,
                &row[stance]
            )
        })?;
        let body_id = format!("{prefix}{n}");
        data.bodies.insert(body_id.clone(), row[text].to_string());
        data.pairs.push(Pair {
            headline: row[claim].to_string(),
            body_id,
            relation,
        });
    }
    Ok(data)
}

/// Scores of predictions against gold labels.
#[derive(Debug, Clone, Serialize)]
pub struct Scores {
    pub pairs: usize,
    /// FNC-1's weighted score as a percentage of the best possible.
    pub fnc_score: f64,
    /// Mean F1 over the classes present in gold or predictions (0–1).
    pub macro_f1: f64,
    pub accuracy: f64,
    pub per_class_f1: BTreeMap<&'static str, f64>,
    /// confusion[gold][predicted], classes in `Relation::ALL` order.
    pub confusion: Vec<Vec<usize>>,
    /// Related vs unrelated accuracy (stage one).
    pub related_accuracy: f64,
}

/// FNC-1's official weighting: 0.25 for related/unrelated right, 0.75 more
/// for the right class among agree/disagree/discuss.
fn fnc_points(gold: Relation, pred: Relation) -> f64 {
    let mut s = 0.0;
    let related = |r: Relation| r != Relation::Unrelated;
    if gold == pred {
        s += 0.25;
        if related(gold) {
            s += 0.5;
        }
    }
    if related(gold) && related(pred) {
        s += 0.25;
    }
    s
}

pub fn score(gold: &[Relation], pred: &[Relation]) -> Scores {
    assert_eq!(gold.len(), pred.len(), "one prediction per pair");
    let mut confusion = vec![vec![0usize; 4]; 4];
    let (mut got, mut best) = (0.0, 0.0);
    for (&g, &p) in gold.iter().zip(pred) {
        confusion[g.index()][p.index()] += 1;
        got += fnc_points(g, p);
        best += fnc_points(g, g);
    }
    let mut per_class_f1 = BTreeMap::new();
    for r in Relation::ALL {
        let i = r.index();
        let tp = confusion[i][i] as f64;
        let gold_n: usize = confusion[i].iter().sum();
        let pred_n: usize = confusion.iter().map(|row| row[i]).sum();
        if gold_n + pred_n == 0 {
            continue;
        }
        per_class_f1.insert(r.name(), 2.0 * tp / (gold_n + pred_n) as f64);
    }
    let n = gold.len().max(1) as f64;
    let correct = (0..4).map(|i| confusion[i][i]).sum::<usize>() as f64;
    let related_right = gold
        .iter()
        .zip(pred)
        .filter(|(g, p)| (**g == Relation::Unrelated) == (**p == Relation::Unrelated))
        .count() as f64;
    Scores {
        pairs: gold.len(),
        fnc_score: if best > 0.0 { 100.0 * got / best } else { 0.0 },
        macro_f1: per_class_f1.values().sum::<f64>() / per_class_f1.len().max(1) as f64,
        accuracy: correct / n,
        per_class_f1,
        confusion,
        related_accuracy: related_right / n,
    }
}

/// SemEval-2016 Task 6's measure: the mean of FAVOR's and AGAINST's F1.
pub fn semeval_f_avg(s: &Scores) -> f64 {
    let f = |k: &str| s.per_class_f1.get(k).copied().unwrap_or(0.0);
    (f("agree") + f("disagree")) / 2.0
}

/// Counts pairs per class, for logs.
pub fn class_counts(pairs: &[Pair]) -> HashMap<Relation, usize> {
    let mut m = HashMap::new();
    for p in pairs {
        *m.entry(p.relation).or_insert(0) += 1;
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use Relation::*;

    #[test]
    fn fnc_score_weights_related_classes() {
        let gold = [Agree, Disagree, Discuss, Unrelated];
        assert_eq!(score(&gold, &gold).fnc_score, 100.0);
        // Related but wrong class: 0.25 of 1.0 for each related pair.
        let s = score(&gold, &[Discuss, Agree, Agree, Unrelated]);
        assert!((s.fnc_score - 100.0 * (0.25 * 3.0 + 0.25) / 3.25).abs() < 1e-9);
        // All unrelated: only the unrelated pair scores.
        let s = score(&gold, &[Unrelated; 4]);
        assert!((s.fnc_score - 100.0 * 0.25 / 3.25).abs() < 1e-9);
        assert_eq!(s.per_class_f1["agree"], 0.0);
        assert_eq!(s.confusion[Agree.index()][Unrelated.index()], 1);
    }

    #[test]
    fn labels_of_all_three_datasets_parse() {
        assert_eq!(Relation::parse("for"), Some(Agree));
        assert_eq!(Relation::parse("AGAINST"), Some(Disagree));
        assert_eq!(Relation::parse("observing"), Some(Discuss));
        assert_eq!(Relation::parse("unrelated"), Some(Unrelated));
        assert_eq!(Relation::parse("maybe"), None);
    }
}
