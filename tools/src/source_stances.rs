//! Scoring source stances against the project's own dev set
//! (`tests/data/source-stances.jsonl`): (source, claim, stance) judgments
//! made by reading real articles — FNC-1 bodies of the body-disjoint dev
//! split (rumours and their denials; never trained on) and PolNeAR dev —
//! each with its evidence sentence's offsets in the article's text. The
//! articles are read from `../shared/data`; only the judgments live in the
//! project.
//!
//! A judgment is found when the pipeline gives a stance whose source shares
//! a name word with the judgment's source (as the attribution scorer
//! matches speakers; a source that is an entity goes by all the forms the
//! article gives it, so "DHS" is the "Department of Homeland Security") and whose claim is the judgment's: its evidence
//! sentence overlaps the judgment's, or its claim text holds at least half
//! of the judgment's claim words. Of those, the one whose claim is most like
//! the judgment's is compared (of equally like ones, the one the pipeline is
//! surest of). A judgment not found counts as wrong.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};
use stancewire_proto::v1;

use crate::quotes::Pipeline;

/// One judgment of the dev set.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Judgment {
    /// `fnc-1:<body id>` or `polnear-dev:<file name>`.
    pub doc: String,
    pub source: String,
    pub claim: String,
    /// support, deny, query or comment.
    pub label: String,
    pub evidence: String,
    /// Code points of the article's text.
    pub evidence_start: usize,
    pub evidence_end: usize,
}

/// What the pipeline said about one judgment.
#[derive(Debug, Serialize)]
pub struct Outcome {
    pub doc: String,
    pub source: String,
    pub claim: String,
    pub label: String,
    /// The pipeline's label, or "" when it gave no stance for the pair.
    pub predicted: String,
    pub predicted_claim: String,
    /// When nothing was found: the sources the pipeline named in the article.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources_found: Vec<String>,
}

pub fn read(path: &Path) -> anyhow::Result<Vec<Judgment>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| {
            serde_json::from_str(l).with_context(|| format!("{}:{}", path.display(), i + 1))
        })
        .collect()
}

/// The articles' texts, by doc key, from the shared data folder.
pub fn texts(judgments: &[Judgment], shared: &Path) -> anyhow::Result<BTreeMap<String, String>> {
    let docs: BTreeSet<&str> = judgments.iter().map(|j| j.doc.as_str()).collect();
    let mut fnc: Option<BTreeMap<String, String>> = None;
    let mut out = BTreeMap::new();
    for doc in docs {
        let (kind, name) = doc
            .split_once(':')
            .with_context(|| format!("bad doc key {doc:?}"))?;
        let text = match kind {
            "fnc-1" => {
                let bodies = match &mut fnc {
                    Some(b) => b,
                    None => fnc.insert(fnc_bodies(&shared.join("fnc-1/train_bodies.csv"))?),
                };
                bodies
                    .get(name)
                    .with_context(|| format!("no FNC-1 body {name}"))?
                    .clone()
            }
            "polnear-dev" => std::fs::read_to_string(shared.join("polnear/dev/text").join(name))
                .with_context(|| format!("reading PolNeAR dev {name}"))?,
            other => anyhow::bail!("unknown source of articles {other:?}"),
        };
        out.insert(doc.to_string(), text);
    }
    Ok(out)
}

fn fnc_bodies(path: &Path) -> anyhow::Result<BTreeMap<String, String>> {
    let mut reader =
        csv::Reader::from_path(path).with_context(|| format!("opening {}", path.display()))?;
    let mut out = BTreeMap::new();
    for row in reader.records() {
        let row = row?;
        out.insert(row[0].to_string(), row[1].to_string());
    }
    Ok(out)
}

/// Checks that each judgment's evidence is where its offsets say.
pub fn validate(judgments: &[Judgment], texts: &BTreeMap<String, String>) -> anyhow::Result<()> {
    for j in judgments {
        let text = &texts[&j.doc];
        let found: String = text
            .chars()
            .skip(j.evidence_start)
            .take(j.evidence_end - j.evidence_start)
            .collect();
        anyhow::ensure!(
            found == j.evidence,
            "{}: the evidence of {:?} is not at {}..{}",
            j.doc,
            j.claim,
            j.evidence_start,
            j.evidence_end
        );
        anyhow::ensure!(
            ["support", "deny", "query", "comment"].contains(&j.label.as_str()),
            "{}: unknown label {:?}",
            j.doc,
            j.label
        );
    }
    Ok(())
}

/// Lower-case words of three letters or more.
fn words(s: &str) -> BTreeSet<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3)
        .map(str::to_lowercase)
        .collect()
}

/// The share of `gold`'s words that `predicted` has.
fn coverage(gold: &str, predicted: &str) -> f64 {
    let g = words(gold);
    if g.is_empty() {
        return 0.0;
    }
    let p = words(predicted);
    g.intersection(&p).count() as f64 / g.len() as f64
}

fn label_name(l: v1::StanceLabel) -> &'static str {
    match l {
        v1::StanceLabel::Support => "support",
        v1::StanceLabel::Deny => "deny",
        v1::StanceLabel::Query => "query",
        v1::StanceLabel::Comment => "comment",
        v1::StanceLabel::Unspecified => "",
    }
}

/// Runs the pipeline on every article and compares its stances with the
/// judgments.
pub fn evaluate(
    pipeline: &Pipeline,
    judgments: &[Judgment],
    texts: &BTreeMap<String, String>,
) -> anyhow::Result<Vec<Outcome>> {
    let mut out = Vec::new();
    let bar = stancewire_model::progress::bar(texts.len() as u64, "articles");
    for (doc, text) in texts {
        let enriched = pipeline.enrich(text, doc)?;
        let record = &enriched.record;
        // A stance's source goes by its name and, when it is an entity of
        // the article, by every form the article gives it ("DHS" is the
        // "Department of Homeland Security").
        let names = |s: &v1::Stance| -> BTreeSet<String> {
            let mut names = words(&s.source_name);
            let entity = record.entities.as_ref().and_then(|e| {
                e.entities
                    .iter()
                    .find(|e| !s.source_entity_id.is_empty() && e.id == s.source_entity_id)
            });
            for alias in entity.iter().flat_map(|e| &e.aliases) {
                names.extend(words(alias));
            }
            names
        };
        for j in judgments.iter().filter(|j| &j.doc == doc) {
            let gold_source = words(&j.source);
            let best = record
                .stances
                .iter()
                .filter(|s| !names(s).is_disjoint(&gold_source))
                .filter_map(|s| {
                    let claim = record.claims.iter().find(|c| c.id == s.claim_id)?;
                    let similarity = coverage(&j.claim, &claim.text);
                    let overlaps = s.evidence.as_ref().is_some_and(|e| {
                        let r = enriched.align.range(&(e.start as usize..e.end as usize));
                        r.start < j.evidence_end && j.evidence_start < r.end
                    });
                    (overlaps || similarity >= 0.5).then_some((similarity, overlaps, s, claim))
                })
                // Equally like the judgment's claim: the one that cites the
                // judgment's sentence, then the pipeline's surest.
                .max_by(|a, b| {
                    a.0.total_cmp(&b.0)
                        .then(a.1.cmp(&b.1))
                        .then(a.2.confidence.total_cmp(&b.2.confidence))
                });
            out.push(Outcome {
                doc: doc.clone(),
                source: j.source.clone(),
                claim: j.claim.clone(),
                label: j.label.clone(),
                predicted: best
                    .map_or("", |(_, _, s, _)| label_name(s.label()))
                    .to_string(),
                predicted_claim: best.map_or(String::new(), |(_, _, _, c)| c.text.clone()),
                sources_found: if best.is_none() {
                    let names: BTreeSet<&str> = record
                        .stances
                        .iter()
                        .map(|s| s.source_name.as_str())
                        .filter(|n| !n.is_empty())
                        .collect();
                    names.into_iter().map(String::from).collect()
                } else {
                    Vec::new()
                },
            });
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(out)
}

/// Accuracy overall and per gold label, and how often no stance was found.
#[derive(Debug, Serialize)]
pub struct Report {
    pub judgments: usize,
    pub accuracy: f64,
    pub per_label: BTreeMap<String, LabelScore>,
    pub not_found: usize,
}

#[derive(Debug, Serialize)]
pub struct LabelScore {
    pub judgments: usize,
    pub right: usize,
    pub accuracy: f64,
    /// What the pipeline said instead, by label ("" for no stance).
    pub confused_with: BTreeMap<String, usize>,
}

pub fn report(outcomes: &[Outcome]) -> Report {
    let mut per_label: BTreeMap<String, LabelScore> = BTreeMap::new();
    for o in outcomes {
        let s = per_label.entry(o.label.clone()).or_insert(LabelScore {
            judgments: 0,
            right: 0,
            accuracy: 0.0,
            confused_with: BTreeMap::new(),
        });
        s.judgments += 1;
        if o.predicted == o.label {
            s.right += 1;
        } else {
            *s.confused_with.entry(o.predicted.clone()).or_default() += 1;
        }
    }
    for s in per_label.values_mut() {
        s.accuracy = round(s.right as f64 / s.judgments.max(1) as f64);
    }
    let right: usize = per_label.values().map(|s| s.right).sum();
    Report {
        judgments: outcomes.len(),
        accuracy: round(right as f64 / outcomes.len().max(1) as f64),
        not_found: outcomes.iter().filter(|o| o.predicted.is_empty()).count(),
        per_label,
    }
}

fn round(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// The dev set that ships with the project.
pub fn default_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/source-stances.jsonl")
}
