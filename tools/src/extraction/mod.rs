//! The `extract` and `score-extraction` commands: ingest's own HTML path
//! (decode, extract, strip furniture, build the record) run over files, so
//! what is measured is exactly what the service produces.

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    time::Instant,
};

use serde::Serialize;
use serde_json::json;
use stancewire_stage::{Failure, FailureKind};
use time::format_description::well_known::Rfc3339;

use stancewire_ingest::{
    article, clean,
    clean::html::decode_html,
    feeds::gunzip,
    submission::{Content, Hints, Limits, Origin, Submission},
};

pub mod score;

use score::{page_counts, page_f1, score};

/// What `extract` prints for one file.
#[derive(Debug, Serialize)]
pub struct Extraction {
    pub file: String,
    pub title: String,
    pub body: String,
    pub authors: Vec<String>,
    pub published: Option<String>,
    pub language: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Extracts the article from one `.html` or `.html.gz` file.
pub fn extract_file(path: &Path) -> Extraction {
    let mut out = Extraction {
        file: path.display().to_string(),
        title: String::new(),
        body: String::new(),
        authors: Vec::new(),
        published: None,
        language: "und".into(),
        error: None,
    };
    match extract_article(path) {
        Ok(a) => {
            out.title = a.title;
            out.body = a.body;
            out.authors = a.authors;
            out.published = a.published_at.and_then(|t| {
                time::OffsetDateTime::from_unix_timestamp(t.seconds)
                    .ok()
                    .and_then(|t| t.format(&Rfc3339).ok())
            });
            out.language = a.language.map(|l| l.code).unwrap_or(out.language);
        }
        Err(f) => out.error = Some(f.to_string()),
    }
    out
}

fn extract_article(path: &Path) -> Result<stancewire_proto::v1::Article, Failure> {
    let limits = Limits {
        max_body_bytes: 32 << 20,
        ..Limits::default()
    };
    let bytes = std::fs::read(path).map_err(|e| {
        Failure::new(
            FailureKind::UnreadableFile,
            format!("cannot read {}: {e}", path.display()),
        )
    })?;
    let bytes = if path.extension().is_some_and(|e| e == "gz") {
        gunzip(&bytes, &limits)?
    } else {
        bytes
    };
    let origin = Origin::file(path.display().to_string());
    let sub = Submission::new(
        Content::Html(decode_html(&bytes)),
        Hints::default(),
        origin,
        &limits,
    )?;
    let clean = clean::clean(&sub)?;
    Ok(article::build(clean, &sub.origin, None).article)
}

/// Scores extraction over the benchmark's pages: prints the ten worst pages
/// and, last, one JSON line with precision, recall, F1 and speed.
pub fn score_pages(ground_truth: &Path, pages: &Path) -> anyhow::Result<serde_json::Value> {
    let truth: HashMap<String, serde_json::Value> =
        serde_json::from_slice(&std::fs::read(ground_truth)?)?;
    let mut ids: Vec<&String> = truth.keys().collect();
    ids.sort();
    let started = Instant::now();
    let mut bytes = 0u64;
    let mut rows = Vec::new();
    for id in ids {
        let file: PathBuf = pages.join(format!("{id}.html.gz"));
        bytes += std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
        let e = extract_file(&file);
        let counts = page_counts(truth[id]["articleBody"].as_str().unwrap_or(""), &e.body);
        rows.push((page_f1(counts), id.clone(), counts, e.error));
    }
    let seconds = started.elapsed().as_secs_f64();
    let (p, r, f1) = score(&rows.iter().map(|r| r.2).collect::<Vec<_>>());
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (f, id, (tp, fp, fn_), error) in rows.iter().take(10) {
        eprintln!(
            "{f:.3}  {id:.16}  tp={tp:.2} fp={fp:.2} fn={fn_:.2}  {}",
            error.as_deref().unwrap_or(""),
        );
    }
    Ok(json!({
        "pages": rows.len(),
        "precision": p,
        "recall": r,
        "f1": f1,
        "seconds": seconds,
        "pages_per_sec": rows.len() as f64 / seconds,
        "mb_per_sec": bytes as f64 / 1e6 / seconds,
    }))
}
