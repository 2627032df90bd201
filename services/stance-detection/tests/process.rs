//! The `stance-detection` binary as an operator runs it: a claim tracked
//! with `stance-detection track`, the service configured only through
//! `STANCEWIRE_*` variables, judging what arrives on `articles.entities`
//! against that claim; and on SIGTERM — sent while it works — finishing the
//! batch in hand, committing it and exiting 0, with every committed
//! article's record on `articles.enriched` and nothing produced past the
//! commit.

use std::{process::Command, time::Duration};

use stancewire_proto::v1;
use stancewire_stage::codec;
use stancewire_tests::{
    apps::{decode, entities_record, produce},
    process::{assert_drained, ServiceProcess},
    read_topic, Broker,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tracked_claim_is_matched_and_sigterm_mid_work_drains_and_exits_0() {
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
    let send = |id: String, title: &'static str, body: &'static str| {
        let broker = &broker;
        async move {
            let record = entities_record(&id, title, body, "en");
            let payload = serde_json::to_vec(&record).unwrap();
            produce(broker, "articles.entities", &id, payload, codec::JSON).await;
        }
    };
    send("process-dam".into(), "Israel denies opening dams", body).await;

    let service = ServiceProcess::start(
        bin,
        &broker,
        &[
            ("STANCEWIRE_MODEL__THREADS", "2".into()),
            ("STANCEWIRE_KAFKA__BATCH_SIZE", "2".into()),
            ("STANCEWIRE_KAFKA__GROUP_ID", "sd-process".into()),
        ],
    )
    .await;
    let out = read_topic(
        &broker.addr(),
        "articles.enriched",
        1,
        Duration::from_secs(90),
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

    // More work, and SIGTERM while it is being done.
    for i in 0..40 {
        send(
            format!("process-{i:02}"),
            "Talks in Geneva",
            "Antony Blinken met Sergei Lavrov in Geneva on Friday, a spokesman said.",
        )
        .await;
    }
    service
        .wait_for_metric("stancewire_records_in_total", 3.0, Duration::from_secs(60))
        .await;
    let exit = service.terminate().await;
    assert!(exit.success(), "exit status {exit}");
    assert_drained(
        &broker,
        "sd-process",
        "articles.entities",
        "articles.enriched",
    )
    .await;
}

/// The model process runs with jemalloc's options for keeping freed pages
/// between purges, rather than handing them back and faulting them in
/// again on the next pass (`stancewire_model::allocator`).
#[test]
fn jemalloc_keeps_the_pages_it_frees() {
    stancewire_tests::process::assert_jemalloc_options(env!("CARGO_BIN_EXE_stance-detection"));
}
