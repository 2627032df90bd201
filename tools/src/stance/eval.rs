//! Scoring the stance model on labelled pairs: FNC-1 (official weighted
//! score, macro-F1, per-class F1, confusion matrix), SemEval-2016 Task 6
//! (F_avg of FAVOR and AGAINST) and Emergent. Training scores itself on dev
//! through the same `predict`, so the figures always agree.

use std::collections::BTreeMap;

use stancewire_stance_detection::model::{Body, Claim, Judgement, Parts};

use super::fnc::{self, Dataset, Relation, Scores};

/// A body's sentences, as ingest splits an article's.
pub fn sentences_of(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    stancewire_text::sentences::split(text)
        .into_iter()
        .map(|(s, e)| chars[s..e].iter().collect::<String>())
        .filter(|s| !s.trim().is_empty())
        .collect()
}

/// Embeds every body of `data`, with progress.
pub fn prepare_bodies(parts: &Parts, data: &Dataset) -> BTreeMap<String, Body> {
    let bar = stancewire_model::progress::bar(data.bodies.len() as u64, "bodies");
    let out = data
        .bodies
        .iter()
        .map(|(id, text)| {
            bar.inc(1);
            (id.clone(), parts.body(sentences_of(text)))
        })
        .collect();
    bar.finish_and_clear();
    out
}

/// Embeds every distinct claim (headline) of `data`.
pub fn prepare_claims(parts: &Parts, data: &Dataset) -> BTreeMap<String, Claim> {
    let mut texts: Vec<&str> = data.pairs.iter().map(|p| p.headline.as_str()).collect();
    texts.sort_unstable();
    texts.dedup();
    let mut out = BTreeMap::new();
    for chunk in texts.chunks(256) {
        let e = parts.embed(chunk);
        for (i, t) in chunk.iter().enumerate() {
            out.insert(t.to_string(), Claim::new(t, e.get(i as i64)));
        }
    }
    out
}

/// The model's judgement of every pair, with progress.
pub fn predict(
    parts: &Parts,
    data: &Dataset,
    task: Task,
    bodies: &BTreeMap<String, Body>,
    claims: &BTreeMap<String, Claim>,
) -> Vec<Judgement> {
    let bar = stancewire_model::progress::bar(data.pairs.len() as u64, "pairs");
    let mut out = Vec::with_capacity(data.pairs.len());
    for chunk in data.pairs.chunks(256) {
        let pairs: Vec<(&Claim, &Body)> = chunk
            .iter()
            .map(|p| (&claims[&p.headline], &bodies[&p.body_id]))
            .collect();
        out.extend(parts.judge_staged(&pairs, task == Task::Fnc));
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    out
}

/// How a dataset is scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Task {
    /// FNC-1: four classes, related/unrelated stage included.
    Fnc,
    /// SemEval-2016 Task 6 / Emergent: every pair is about its target, so
    /// only the three-way stage is judged.
    ThreeWay,
}

/// Predicts and scores `data`.
pub fn evaluate(parts: &Parts, data: &Dataset, task: Task) -> Scores {
    let bodies = prepare_bodies(parts, data);
    let claims = prepare_claims(parts, data);
    let judged = predict(parts, data, task, &bodies, &claims);
    score(data, &judged)
}

pub fn score(data: &Dataset, judged: &[Judgement]) -> Scores {
    let gold: Vec<Relation> = data.pairs.iter().map(|p| p.relation).collect();
    let pred: Vec<Relation> = judged.iter().map(|j| j.relation).collect();
    fnc::score(&gold, &pred)
}

/// Prints the scores as a table, then one JSON line (the last line).
pub fn print(s: &Scores, extra: serde_json::Value) {
    println!("pairs: {}", s.pairs);
    println!(
        "FNC-1 score: {:.2}% of max   macro-F1: {:.4}   accuracy: {:.4}   related/unrelated accuracy: {:.4}",
        s.fnc_score, s.macro_f1, s.accuracy, s.related_accuracy
    );
    println!("{:<10} {:>8}", "class", "F1");
    for (k, v) in &s.per_class_f1 {
        println!("{k:<10} {v:>8.4}");
    }
    println!("confusion (rows gold, columns predicted):");
    print!("{:<10}", "");
    for r in Relation::ALL {
        print!(" {:>9}", r.name());
    }
    println!();
    for r in Relation::ALL {
        print!("{:<10}", r.name());
        for c in &s.confusion[r.index()] {
            print!(" {c:>9}");
        }
        println!();
    }
    let mut json = serde_json::to_value(s).unwrap_or_default();
    if let (Some(obj), serde_json::Value::Object(more)) = (json.as_object_mut(), extra) {
        obj.extend(more);
    }
    println!("{json}");
}
