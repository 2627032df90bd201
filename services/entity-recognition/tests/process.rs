//! The `entity-recognition` binary as an operator runs it: configured only
//! through `STANCEWIRE_*` variables, tagging what arrives on `articles.raw`,
//! and on SIGTERM — sent while it works — finishing the batch in hand,
//! committing it and exiting 0, with every committed article's entities on
//! `articles.entities` and nothing produced past the commit.

use std::time::Duration;

use stancewire_tests::{
    apps::{article, decode, send_article},
    process::{assert_drained, ServiceProcess},
    read_topic, Broker,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_mid_work_drains_the_batch_and_exits_0() {
    let broker = Broker::start();
    for i in 0..200 {
        let a = article(
            &format!("process-{i:03}"),
            "Talks in Geneva",
            "Antony Blinken met Sergei Lavrov in Geneva on Friday.",
            "en",
        );
        send_article(&broker, &a).await;
    }
    let service = ServiceProcess::start(
        env!("CARGO_BIN_EXE_entity-recognition"),
        &broker,
        &[
            ("STANCEWIRE_MODEL__THREADS", "2".into()),
            ("STANCEWIRE_KAFKA__BATCH_SIZE", "4".into()),
            ("STANCEWIRE_KAFKA__GROUP_ID", "er-process".into()),
        ],
    )
    .await;
    service
        .wait_for_metric("stancewire_records_out_total", 1.0, Duration::from_secs(60))
        .await;
    let exit = service.terminate().await;
    assert!(exit.success(), "exit status {exit}");

    assert_drained(&broker, "er-process", "articles.raw", "articles.entities").await;
    let out = read_topic(
        &broker.addr(),
        "articles.entities",
        1,
        Duration::from_secs(10),
    )
    .await;
    let record: stancewire_proto::v1::ArticleEntities = decode(&out[0]);
    let names: Vec<&str> = record
        .entities
        .iter()
        .map(|e| e.canonical_name.as_str())
        .collect();
    assert!(
        names.contains(&"Sergei Lavrov") && names.contains(&"Geneva"),
        "{names:?}"
    );
}

/// The model process runs with jemalloc's options for keeping freed pages
/// between purges, rather than handing them back and faulting them in
/// again on the next pass (`stancewire_model::allocator`).
#[test]
fn jemalloc_keeps_the_pages_it_frees() {
    stancewire_tests::process::assert_jemalloc_options(env!("CARGO_BIN_EXE_entity-recognition"));
}
