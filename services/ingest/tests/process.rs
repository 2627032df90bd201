//! The `ingest` binary as an operator runs it: configured only through
//! `STANCEWIRE_*` variables, ready once the broker answers, and on SIGTERM
//! draining its work and exiting 0.

use std::{
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use stancewire_tests::{free_port, project, read_topic, Broker};

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

    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let ready = reqwest::get(format!("{base}/readyz"))
            .await
            .map(|r| r.status().as_u16())
            .ok();
        if ready == Some(200) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "ingest never became ready: {ready:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let text = std::fs::read_to_string(project("examples/kremlin-denial.txt")).unwrap();
    let resp = reqwest::Client::new()
        .post(format!("{base}/v1/articles"))
        .header("content-type", "text/plain")
        .body(text)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 202);

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(Instant::now() < deadline, "ingest did not stop on SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(exit.success(), "exit status {exit}");
    assert_eq!(
        read_topic(&broker.addr(), "articles.raw", 1, Duration::from_secs(5))
            .await
            .len(),
        1
    );
}
