//! The file source: directories, JSON Lines, JSON, plain text, HTML
//! (`.html`, `.html.gz`) and Reuters-21578 SGML (`.sgm`), ingested with
//! bounded concurrency and a progress bar. Every unit that cannot be ingested
//! goes to the dead-letter topic with its file (and line) as origin.

use std::{
    path::{Path, PathBuf},
    sync::{
        atomic::{AtomicU64, AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use futures::StreamExt;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use stancewire_stage::{Failure, FailureKind};

use crate::{
    feeds::gunzip,
    ingestor::{IngestError, Ingestor, Outcome},
    submission::{decode_text, parse_date, Content, Hints, Limits, Origin, Submission},
};

/// One thing to ingest, read from a file.
struct Unit {
    origin: String,
    payload: Vec<u8>,
    parsed: Result<Submission, Failure>,
}

#[derive(Debug, Default, Serialize)]
pub struct FileReport {
    pub files: usize,
    pub bytes: u64,
    pub units: usize,
    pub accepted: usize,
    pub duplicates: usize,
    pub dead_lettered: usize,
    pub unavailable: usize,
    pub seconds: f64,
}

/// Files under `paths`, in a stable order. Hidden files and READMEs/licences
/// that sit beside corpora are skipped.
pub fn expand(paths: &[PathBuf]) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(p)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .collect();
            entries.sort();
            out.extend(expand(&entries)?);
        } else if !skipped(p) || paths.len() == 1 {
            out.push(p.clone());
        }
    }
    Ok(out)
}

fn skipped(p: &Path) -> bool {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let upper = name.to_ascii_uppercase();
    name.starts_with('.')
        || upper.starts_with("README")
        || upper.starts_with("LICENSE")
        || upper.ends_with(".DTD")
}

/// Ingests every file under `paths`, `concurrency` units at a time.
pub async fn ingest(
    paths: &[PathBuf],
    ingestor: Arc<Ingestor>,
    limits: Limits,
    concurrency: usize,
    progress: bool,
) -> anyhow::Result<FileReport> {
    let files = expand(paths)?;
    let total_bytes: u64 = files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    let bar = if progress {
        ProgressBar::with_draw_target(Some(total_bytes), ProgressDrawTarget::stderr())
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} ({bytes_per_sec}, {msg})",
        )
        .expect("valid template"),
    );
    let started = Instant::now();
    let units_done = Arc::new(AtomicUsize::new(0));
    let bytes_read = Arc::new(AtomicU64::new(0));

    // Without a terminal, the bar cannot draw: log progress instead.
    let ticker = (progress && bar.is_hidden()).then(|| {
        let (units_done, bytes_read) = (units_done.clone(), bytes_read.clone());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(5)).await;
                tracing::info!(
                    units = units_done.load(Ordering::Relaxed),
                    mb = bytes_read.load(Ordering::Relaxed) as f64 / 1e6,
                    total_mb = total_bytes as f64 / 1e6,
                    "file ingest progress"
                );
            }
        })
    });

    // A reader task turns files into units; a bounded channel keeps it from
    // running ahead of the broker.
    let (tx, rx) = tokio::sync::mpsc::channel::<Unit>(concurrency * 4);
    let reader = {
        let files = files.clone();
        let (bar, bytes_read) = (bar.clone(), bytes_read.clone());
        tokio::spawn(async move {
            for file in files {
                let units = tokio::task::spawn_blocking({
                    let file = file.clone();
                    move || read_units(&file, &limits)
                })
                .await
                .unwrap_or_default();
                for unit in units {
                    if tx.send(unit).await.is_err() {
                        return;
                    }
                }
                let len = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
                bar.inc(len);
                bytes_read.fetch_add(len, Ordering::Relaxed);
            }
        })
    };

    let mut report = FileReport {
        files: files.len(),
        bytes: total_bytes,
        ..Default::default()
    };
    let mut results = tokio_stream_from(rx)
        .map(|unit| {
            let ingestor = ingestor.clone();
            async move {
                let outcome = match unit.parsed {
                    Ok(sub) => ingestor.ingest(sub).await,
                    Err(f) => Err(IngestError::Rejected(f)),
                };
                if let Err(IngestError::Rejected(f)) = &outcome {
                    ingestor.dead_letter(&unit.origin, &unit.payload, f).await;
                }
                outcome
            }
        })
        .buffer_unordered(concurrency.max(1));
    while let Some(outcome) = results.next().await {
        report.units += 1;
        units_done.fetch_add(1, Ordering::Relaxed);
        match outcome {
            Ok(Outcome::Accepted { .. }) => report.accepted += 1,
            Ok(Outcome::Duplicate { .. }) => report.duplicates += 1,
            Err(IngestError::Rejected(_)) => report.dead_lettered += 1,
            Err(IngestError::Unavailable(e)) => {
                report.unavailable += 1;
                tracing::error!(error = %e, "pipeline unavailable");
            }
        }
        bar.set_message(format!("{} articles", report.units));
    }
    reader.await?;
    if let Some(t) = ticker {
        t.abort();
    }
    bar.finish();
    ingestor.flush();
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

fn tokio_stream_from<T: Send + 'static>(
    mut rx: tokio::sync::mpsc::Receiver<T>,
) -> impl futures::Stream<Item = T> {
    futures::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

/// The units in one file, by its extension.
fn read_units(path: &Path, limits: &Limits) -> Vec<Unit> {
    let origin = format!("file:{}", path.display());
    let name = path.to_string_lossy().to_ascii_lowercase();
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            return vec![Unit {
                origin,
                payload: Vec::new(),
                parsed: Err(Failure::new(
                    FailureKind::UnreadableFile,
                    format!("cannot read {}: {e}", path.display()),
                )),
            }]
        }
    };
    units_of(
        &name,
        &origin,
        bytes,
        || Origin::file(path.display().to_string()),
        limits,
    )
}

/// What `ingest files` finds in a file named `name` holding `bytes`: one
/// submission, or the reason it was refused, per article in it (for the
/// fuzz targets, which must see exactly what the command sees).
pub fn parse_file(name: &str, bytes: &[u8], limits: &Limits) -> Vec<Result<Submission, Failure>> {
    units_of(name, name, bytes.to_vec(), || Origin::file(name), limits)
        .into_iter()
        .map(|u| u.parsed)
        .collect()
}

/// The units in `bytes`, read as the file `name` (lower-cased) says.
fn units_of(
    name: &str,
    origin: &str,
    bytes: Vec<u8>,
    file_origin: impl Fn() -> Origin,
    limits: &Limits,
) -> Vec<Unit> {
    let origin = origin.to_string();
    if name.ends_with(".jsonl") || name.ends_with(".ndjson") {
        return bytes
            .split(|&b| b == b'\n')
            .enumerate()
            .filter(|(_, line)| !line.iter().all(u8::is_ascii_whitespace))
            .map(|(i, line)| Unit {
                origin: format!("{origin}:{}", i + 1),
                payload: line.to_vec(),
                parsed: Submission::from_json(line, file_origin(), limits),
            })
            .collect();
    }
    if name.ends_with(".sgm") || name.ends_with(".sgml") {
        let text = decode_latin1_or_utf8(&bytes);
        return reuters_units(&text, &origin, file_origin, limits);
    }
    let parsed = if name.ends_with(".json") {
        Submission::from_json(&bytes, file_origin(), limits)
    } else if name.ends_with(".html.gz") || name.ends_with(".htm.gz") {
        gunzip(&bytes, limits)
            .and_then(|b| decode_text(&b))
            .and_then(|h| {
                Submission::new(Content::Html(h), Hints::default(), file_origin(), limits)
            })
    } else if name.ends_with(".html") || name.ends_with(".htm") {
        decode_text(&bytes).and_then(|h| {
            Submission::new(Content::Html(h), Hints::default(), file_origin(), limits)
        })
    } else {
        decode_legacy_text(&bytes).and_then(|t| {
            Submission::new(Content::Text(t), Hints::default(), file_origin(), limits)
        })
    };
    vec![Unit {
        origin,
        payload: bytes,
        parsed,
    }]
}

/// A plain-text file's text as `ingest files` reads it (UTF-8, else
/// Windows-1252): for tools that map what the pipeline found back to it.
pub fn read_text_file(path: &Path) -> Result<String, Failure> {
    let bytes = std::fs::read(path).map_err(|e| {
        Failure::new(
            FailureKind::UnreadableFile,
            format!("cannot read {}: {e}", path.display()),
        )
    })?;
    decode_legacy_text(&bytes)
}

/// Text files carry no charset: UTF-8, else Windows-1252 (a superset of
/// Latin-1, the usual legacy encoding of English text corpora — one BBC
/// article spells "£" as byte 0xA3). Binary data is still refused.
fn decode_legacy_text(bytes: &[u8]) -> Result<String, Failure> {
    match decode_text(bytes) {
        Err(f) if f.kind == FailureKind::InvalidUtf8 => {
            Ok(encoding_rs::WINDOWS_1252.decode(bytes).0.into_owned())
        }
        other => other,
    }
}

/// Reuters-21578 is ASCII with a few stray Latin-1 bytes.
fn decode_latin1_or_utf8(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => bytes.iter().map(|&b| b as char).collect(),
    }
}

/// One unit per `<REUTERS>` document: title, dateline date and body.
fn reuters_units(
    text: &str,
    origin: &str,
    file_origin: impl Fn() -> Origin,
    limits: &Limits,
) -> Vec<Unit> {
    text.split("<REUTERS")
        .skip(1)
        .map(|doc| {
            let doc = doc.split("</REUTERS>").next().unwrap_or(doc);
            let id = attr(doc, "NEWID").unwrap_or("?");
            let title = tag(doc, "TITLE").map(|t| unescape_sgml(t).trim().to_string());
            let body = tag(doc, "BODY").map(|b| {
                let b = unescape_sgml(b);
                let b = b.trim_end();
                let b = b
                    .strip_suffix("Reuter")
                    .or_else(|| b.strip_suffix("REUTER"))
                    .unwrap_or(b);
                b.trim_end().to_string()
            });
            let published_at = tag(doc, "DATE").and_then(reuters_date);
            let parsed = match body {
                Some(body) if !body.trim().is_empty() => Submission::new(
                    Content::Text(body),
                    Hints {
                        title,
                        published_at,
                        source_name: Some("Reuters".into()),
                        ..Default::default()
                    },
                    file_origin(),
                    limits,
                ),
                _ => Err(Failure::new(
                    FailureKind::EmptyBody,
                    "Reuters document has no <BODY>",
                )),
            };
            Unit {
                origin: format!("{origin}#NEWID={id}"),
                payload: doc.as_bytes().to_vec(),
                parsed,
            }
        })
        .collect()
}

fn attr<'a>(doc: &'a str, name: &str) -> Option<&'a str> {
    let head = doc.split('>').next()?;
    let start = head.find(&format!("{name}=\""))? + name.len() + 2;
    head[start..].split('"').next()
}

fn tag<'a>(doc: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("<{name}>");
    let start = doc.find(&open)? + open.len();
    let end = doc[start..].find(&format!("</{name}>"))? + start;
    Some(&doc[start..end])
}

fn unescape_sgml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest.find(';').filter(|&e| e <= 8);
        let entity = end.map(|e| &rest[1..e]);
        let replacement = match entity {
            Some("lt") => Some('<'),
            Some("gt") => Some('>'),
            Some("amp") => Some('&'),
            Some("quot") => Some('"'),
            Some(e) if e.starts_with('#') => e[1..]
                .parse::<u32>()
                .ok()
                .and_then(char::from_u32)
                .map(|c| if c.is_control() && c != '\n' { ' ' } else { c }),
            _ => None,
        };
        match (replacement, end) {
            (Some(c), Some(e)) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            _ => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// "26-FEB-1987 15:01:01.79" → UTC.
fn reuters_date(s: &str) -> Option<time::OffsetDateTime> {
    let s = s.trim();
    let (date, _) = s.split_once(' ').unwrap_or((s, ""));
    let mut parts = date.split('-');
    let day: u8 = parts.next()?.parse().ok()?;
    let month = match parts.next()?.to_ascii_uppercase().as_str() {
        "JAN" => 1,
        "FEB" => 2,
        "MAR" => 3,
        "APR" => 4,
        "MAY" => 5,
        "JUN" => 6,
        "JUL" => 7,
        "AUG" => 8,
        "SEP" => 9,
        "OCT" => 10,
        "NOV" => 11,
        "DEC" => 12,
        _ => return None,
    };
    let year: i32 = parts.next()?.parse().ok()?;
    parse_date(&format!("{year:04}-{month:02}-{day:02}")).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reuters_documents_become_units() {
        let sgml = r#"<!DOCTYPE lewis SYSTEM "lewis.dtd">
<REUTERS TOPICS="YES" NEWID="1">
<DATE>26-FEB-1987 15:01:01.79</DATE>
<TEXT>&#2;
<TITLE>BAHIA COCOA REVIEW</TITLE>
<DATELINE>    SALVADOR, Feb 26 - </DATELINE><BODY>Showers continued throughout the week in
the Bahia cocoa zone, alleviating the drought since early
January &amp; improving prospects for the coming temporao.
 Reuter
&#3;</BODY></TEXT>
</REUTERS>
<REUTERS TOPICS="NO" NEWID="2">
<TEXT TYPE="BRIEF">&#2;
<TITLE>SHORT</TITLE>
</TEXT>
</REUTERS>"#;
        let units = reuters_units(
            sgml,
            "file:x.sgm",
            || Origin::file("x.sgm"),
            &Limits::default(),
        );
        assert_eq!(units.len(), 2);
        let sub = units[0].parsed.as_ref().unwrap();
        assert_eq!(sub.hints.title.as_deref(), Some("BAHIA COCOA REVIEW"));
        assert_eq!(sub.hints.published_at.unwrap().year(), 1987);
        match &sub.content {
            Content::Text(t) => {
                assert!(t.contains("January & improving"), "{t}");
                assert!(!t.contains("Reuter"), "{t}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            units[1].parsed.as_ref().unwrap_err().kind,
            FailureKind::EmptyBody
        );
        assert_eq!(units[1].origin, "file:x.sgm#NEWID=2");
    }

    #[test]
    fn legacy_text_files_are_read_as_windows_1252() {
        assert_eq!(decode_legacy_text(b"costs \xa35m").unwrap(), "costs £5m");
        assert_eq!(decode_legacy_text("caf\u{e9}".as_bytes()).unwrap(), "café");
        assert_eq!(
            decode_legacy_text(b"\x00\x01bin").unwrap_err().kind,
            FailureKind::BinaryContent
        );
    }
}
