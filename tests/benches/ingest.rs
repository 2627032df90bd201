//! Ingest throughput: the BBC corpus (2,225 articles) and Reuters-21578
//! (21,578 documents) and the 60 real web pages of the article-extraction
//! benchmark (HTML, extraction included) through the file path, and the BBC
//! corpus over HTTP,
//! against a real Apache Kafka broker (a fresh one per run) on loopback.
//!
//! `cargo bench -p stancewire-tests --bench ingest` prints articles/s, MB/s
//! and the peak RSS of this process (service and client share it here; the
//! peak only grows, so later runs report the highest so far).

use std::{path::PathBuf, time::Instant};

use futures::StreamExt;
use stancewire_ingest::{config::IngestConfig, files, startup};
use stancewire_stage::Service;
use stancewire_stage::{metrics::Metrics, Shutdown};
use stancewire_tests::{peak_rss_mb, shared, Broker};

/// Requests in flight at once over HTTP.
const HTTP_CONCURRENCY: usize = 64;

fn config(broker: &Broker, dedup: &tempfile::TempDir) -> IngestConfig {
    let mut c = IngestConfig::default();
    c.stage.kafka.brokers = broker.addr();
    c.stage.http.listen = "127.0.0.1:0".parse().unwrap();
    c.dedup.path = dedup.path().join("dedup.sqlite").display().to_string();
    c.stage.log.filter = "warn".into();
    c
}

async fn file_path(broker: &Broker, name: &str, path: PathBuf) {
    let dedup = tempfile::tempdir().unwrap();
    let c = config(broker, &dedup);
    let ingestor = startup::ingestor(&c, &Metrics::new("ingest"))
        .await
        .unwrap();
    let r = files::ingest(&[path], ingestor, c.limits.limits(), 128, false)
        .await
        .unwrap();
    println!(
        "file  {name:<10} {:>6} units ({:>5} produced, {:>4} duplicates, {:>4} dead letters) in {:>6.2} s: {:>7.0} articles/s, {:>6.2} MB/s, peak RSS {:.0} MB",
        r.units,
        r.accepted,
        r.duplicates,
        r.dead_lettered,
        r.seconds,
        r.units as f64 / r.seconds,
        r.bytes as f64 / 1e6 / r.seconds,
        peak_rss_mb()
    );
}

async fn http_path(broker: &Broker, dir: PathBuf) {
    let dedup = tempfile::tempdir().unwrap();
    let c = config(broker, &dedup);
    let app = startup::Ingest::build(&c).await.unwrap();
    let url = format!("http://127.0.0.1:{}/v1/articles", app.port());
    let shutdown = Shutdown::new();
    let server = tokio::spawn(app.run_until_stopped(shutdown.clone()));
    let bodies: Vec<Vec<u8>> = files::expand(&[dir])
        .unwrap()
        .into_iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    let bytes: usize = bodies.iter().map(Vec::len).sum();
    let client = reqwest::Client::new();
    let started = Instant::now();
    let statuses: Vec<u16> = futures::stream::iter(bodies)
        .map(|body| {
            let (client, url) = (client.clone(), url.clone());
            async move {
                client
                    .post(&url)
                    .header("content-type", "text/plain")
                    .body(body)
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
                    .unwrap_or(0)
            }
        })
        .buffer_unordered(HTTP_CONCURRENCY)
        .collect()
        .await;
    let secs = started.elapsed().as_secs_f64();
    let accepted = statuses.iter().filter(|&&s| s == 202).count();
    let duplicates = statuses.iter().filter(|&&s| s == 200).count();
    println!(
        "http  {:<10} {:>6} requests, {HTTP_CONCURRENCY} in flight ({:>5} produced, {:>4} duplicates, {:>4} other) in {:>6.2} s: {:>7.0} articles/s, {:>6.2} MB/s, peak RSS {:.0} MB",
        "bbc",
        statuses.len(),
        accepted,
        duplicates,
        statuses.len() - accepted - duplicates,
        secs,
        statuses.len() as f64 / secs,
        bytes as f64 / 1e6 / secs,
        peak_rss_mb()
    );
    shutdown.trigger();
    server.await.unwrap().unwrap();
}

/// Articles per `POST /v1/articles/batch` request.
const BATCH: usize = 100;

async fn http_batch_path(broker: &Broker, dir: PathBuf) {
    let dedup = tempfile::tempdir().unwrap();
    let c = config(broker, &dedup);
    let app = startup::Ingest::build(&c).await.unwrap();
    let url = format!("http://127.0.0.1:{}/v1/articles/batch", app.port());
    let shutdown = Shutdown::new();
    let server = tokio::spawn(app.run_until_stopped(shutdown.clone()));
    let lines: Vec<String> = files::expand(&[dir])
        .unwrap()
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(p).unwrap();
            serde_json::json!({ "text": String::from_utf8_lossy(&bytes) }).to_string()
        })
        .collect();
    let articles = lines.len();
    let bodies: Vec<String> = lines.chunks(BATCH).map(|c| c.join("\n")).collect();
    let bytes: usize = bodies.iter().map(String::len).sum();
    let client = reqwest::Client::new();
    let started = Instant::now();
    let summaries: Vec<serde_json::Value> = futures::stream::iter(bodies)
        .map(|body| {
            let (client, url) = (client.clone(), url.clone());
            async move {
                client
                    .post(&url)
                    .header("content-type", "application/x-ndjson")
                    .body(body)
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap()
            }
        })
        .buffer_unordered(4)
        .collect()
        .await;
    let secs = started.elapsed().as_secs_f64();
    let sum = |k: &str| {
        summaries
            .iter()
            .map(|s| s[k].as_u64().unwrap_or(0))
            .sum::<u64>()
    };
    println!(
        "http  {:<10} {:>6} articles in batches of {BATCH}, 4 in flight ({:>5} produced, {:>4} duplicates, {:>4} rejected) in {:>6.2} s: {:>7.0} articles/s, {:>6.2} MB/s, peak RSS {:.0} MB",
        "bbc",
        articles,
        sum("accepted"),
        sum("duplicates"),
        sum("rejected"),
        secs,
        articles as f64 / secs,
        bytes as f64 / 1e6 / secs,
        peak_rss_mb()
    );
    shutdown.trigger();
    server.await.unwrap().unwrap();
}

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        println!(
            "ingest benchmark: {} cores, a fresh Apache Kafka broker on loopback per run",
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(0)
        );
        // A fresh broker per run: no run pays for a topic an earlier one grew.
        file_path(&Broker::start(), "bbc", shared("data/corpora/bbc")).await;
        file_path(
            &Broker::start(),
            "reuters",
            shared("data/corpora/reuters21578"),
        )
        .await;
        // Real web pages (gzipped HTML): extraction dominates here.
        file_path(
            &Broker::start(),
            "web pages",
            shared("data/article-extraction/html"),
        )
        .await;
        http_path(&Broker::start(), shared("data/corpora/bbc")).await;
        http_batch_path(&Broker::start(), shared("data/corpora/bbc")).await;
    });
}
