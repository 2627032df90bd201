//! The `ingest` binary as an operator runs it: configured only through
//! `STANCEWIRE_*` variables, ready once the broker answers, and on SIGTERM —
//! sent while a batch request is being ingested — finishing that request,
//! flushing what it accepted to `articles.raw` and exiting 0.

use std::time::Duration;

use stancewire_tests::{post, process::ServiceProcess, read_topic, shared, Broker};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_mid_request_finishes_it_flushes_and_exits_0() {
    let broker = Broker::start();
    let state = tempfile::tempdir().unwrap();
    let service = ServiceProcess::start(
        env!("CARGO_BIN_EXE_ingest"),
        &broker,
        &[(
            "STANCEWIRE_DEDUP__PATH",
            state.path().join("dedup.sqlite").display().to_string(),
        )],
    )
    .await;

    // 300 real articles in one batch request.
    let dir = shared("data/corpora/bbc/politics");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let lines: Vec<String> = files
        .iter()
        .take(300)
        .map(|f| {
            let text = String::from_utf8_lossy(&std::fs::read(f).unwrap()).into_owned();
            serde_json::json!({ "text": text }).to_string()
        })
        .collect();
    let url = format!("{}/v1/articles/batch", service.base);
    let request =
        tokio::spawn(async move { post(&url, "application/x-ndjson", lines.join("\n")).await });

    service
        .wait_for_metric("stancewire_records_in_total", 1.0, Duration::from_secs(30))
        .await;
    let exit = service.terminate().await;
    assert!(exit.success(), "exit status {exit}");

    let (status, answer) = request.await.unwrap();
    assert_eq!(status, 200, "the request in flight was finished: {answer}");
    let accepted = answer["accepted"]
        .as_u64()
        .expect("a count of accepted articles");
    assert!(accepted > 0, "{answer}");
    let out = read_topic(
        &broker.addr(),
        "articles.raw",
        accepted as usize + 1,
        Duration::from_secs(10),
    )
    .await;
    let keys: std::collections::BTreeSet<Vec<u8>> = out
        .iter()
        .map(|m| {
            rdkafka::message::Message::key(m)
                .unwrap_or_default()
                .to_vec()
        })
        .collect();
    assert_eq!(
        keys.len() as u64,
        accepted,
        "every accepted article was flushed to articles.raw, and nothing else"
    );
}
