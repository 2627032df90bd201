//! The `entity-recognition` binary as an operator runs it: configured only
//! through `STANCEWIRE_*` variables, ready once the broker answers, tagging
//! what arrives on `articles.raw`, and on SIGTERM finishing its batch and
//! exiting 0.

use std::{
    process::{Command, Stdio},
    time::Duration,
};

use stancewire_tests::{
    apps::{article, one_entities_record, send_article},
    free_port, terminate, wait_ready, Broker,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_the_service_cleanly_after_its_work() {
    let broker = Broker::start();
    let article = article(
        "process-test",
        "Talks in Geneva",
        "Antony Blinken met Sergei Lavrov in Geneva on Friday.",
        "en",
    );
    send_article(&broker, &article).await;
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_entity-recognition"))
        .arg("serve")
        .env("STANCEWIRE_KAFKA__BROKERS", broker.addr())
        .env("STANCEWIRE_HTTP__LISTEN", format!("127.0.0.1:{port}"))
        .env("STANCEWIRE_MODEL__THREADS", "2")
        .env("STANCEWIRE_LOG__FORMAT", "json")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("entity-recognition starts");
    wait_ready(&format!("http://127.0.0.1:{port}"), Duration::from_secs(60)).await;

    let (_, names) = one_entities_record(&broker).await;
    assert!(
        names.contains("Sergei Lavrov") && names.contains("Geneva"),
        "{names:?}"
    );

    let exit = terminate(&mut child, Duration::from_secs(20)).await;
    assert!(exit.success(), "exit status {exit}");
}
