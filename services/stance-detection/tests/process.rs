//! The `stance-detection` binary as an operator runs it: a claim tracked
//! with `stance-detection track`, the service configured only through
//! `STANCEWIRE_*` variables, judging what arrives on `articles.entities`
//! against that claim, and on SIGTERM finishing its batch and exiting 0.

use std::{
    process::{Command, Stdio},
    time::Duration,
};

use stancewire_proto::v1;
use stancewire_stage::codec;
use stancewire_tests::{
    apps::{decode, entities_record, produce},
    free_port, read_topic, terminate, wait_ready, Broker,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tracked_claim_is_matched_and_sigterm_stops_the_service_cleanly() {
    let broker = Broker::start();
    let bin = env!("CARGO_BIN_EXE_stance-detection");
    let tracked = Command::new(bin)
        .args(["track", "dam-claim", "Israel opened dams and flooded Gaza"])
        .env("STANCEWIRE_KAFKA__BROKERS", broker.addr())
        .output()
        .expect("stance-detection track runs");
    assert!(
        tracked.status.success(),
        "{}",
        String::from_utf8_lossy(&tracked.stderr)
    );

    let body = "Israel has denied that it opened dams to flood the Gaza Strip.\n\
                An Israeli army spokesman said the reports were false and that there are no dams in southern Israel.";
    let record = entities_record("process-test", "Israel denies opening dams", body, "en");
    produce(
        &broker,
        "articles.entities",
        "process-test",
        serde_json::to_vec(&record).unwrap(),
        codec::JSON,
    )
    .await;

    let port = free_port();
    let mut child = Command::new(bin)
        .arg("serve")
        .env("STANCEWIRE_KAFKA__BROKERS", broker.addr())
        .env("STANCEWIRE_HTTP__LISTEN", format!("127.0.0.1:{port}"))
        .env("STANCEWIRE_MODEL__THREADS", "2")
        .env("STANCEWIRE_LOG__FORMAT", "json")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("stance-detection starts");
    wait_ready(&format!("http://127.0.0.1:{port}"), Duration::from_secs(90)).await;

    let out = read_topic(
        &broker.addr(),
        "articles.enriched",
        1,
        Duration::from_secs(60),
    )
    .await;
    assert_eq!(out.len(), 1);
    let enriched: v1::EnrichedArticle = decode(&out[0]);
    let matched: Vec<&str> = enriched
        .claim_matches
        .iter()
        .map(|m| m.claim_id.as_str())
        .collect();
    assert_eq!(matched, ["dam-claim"], "{:?}", enriched.claim_matches);

    let exit = terminate(&mut child, Duration::from_secs(20)).await;
    assert!(exit.success(), "exit status {exit}");
}
