//! The `ingest` binary as an operator runs it: configured only through
//! `STANCEWIRE_*` variables, ready once the broker answers, and on SIGTERM
//! draining its work and exiting 0.

use std::{
    process::{Command, Stdio},
    time::Duration,
};

use stancewire_tests::{free_port, post, project, read_topic, terminate, wait_ready, Broker};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_the_service_cleanly_after_its_work() {
    let broker = Broker::start();
    let state = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ingest"))
        .arg("serve")
        .env("STANCEWIRE_KAFKA__BROKERS", broker.addr())
        .env("STANCEWIRE_HTTP__LISTEN", format!("127.0.0.1:{port}"))
        .env("STANCEWIRE_DEDUP__PATH", state.path().join("dedup.sqlite"))
        .env("STANCEWIRE_LOG__FORMAT", "json")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("ingest starts");
    let base = format!("http://127.0.0.1:{port}");

    wait_ready(&base, Duration::from_secs(30)).await;
    let text = std::fs::read_to_string(project("examples/kremlin-denial.txt")).unwrap();
    let (status, json) = post(&format!("{base}/v1/articles"), "text/plain", text).await;
    assert_eq!(status, 202, "{json}");

    let exit = terminate(&mut child, Duration::from_secs(20)).await;
    assert!(exit.success(), "exit status {exit}");
    assert_eq!(
        read_topic(&broker.addr(), "articles.raw", 1, Duration::from_secs(5))
            .await
            .len(),
        1
    );
}
