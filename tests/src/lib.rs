//! Helpers for the end-to-end tests: a real Apache Kafka broker (or
//! cluster) of each test's own on free loopback ports ([`broker`]), the real
//! services started in-process on port 0 ([`apps`]) or as processes
//! ([`process`]), and a reader that collects what arrived on a topic.

pub mod apps;
pub mod broker;
pub mod chart;
pub mod process;

pub use broker::{kafka_home, Broker, KAFKA_VERSION};

use std::{
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command},
    time::{Duration, Instant},
};

use rdkafka::{
    consumer::{Consumer, StreamConsumer},
    message::{Message, OwnedMessage},
    ClientConfig,
};

/// A loopback port that was free a moment ago and that this process has
/// never handed out before: two tests running side by side never get the
/// same one (the kernel may offer a just-released port again).
pub fn free_port() -> u16 {
    static GIVEN: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    let mut given = GIVEN.lock().unwrap_or_else(|p| p.into_inner());
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        if !given.contains(&port) {
            given.push(port);
            return port;
        }
    }
}

/// Reads `topic` from the beginning until `want` messages have arrived or
/// `timeout` has passed, and returns what arrived.
pub async fn read_topic(
    brokers: &str,
    topic: &str,
    want: usize,
    timeout: Duration,
) -> Vec<OwnedMessage> {
    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("group.id", format!("test-reader-{}", free_port()))
        .set("enable.auto.commit", "false")
        .set("auto.offset.reset", "earliest")
        .set("fetch.wait.max.ms", "20")
        // Notice a topic created after we subscribed within half a second.
        .set("topic.metadata.refresh.interval.ms", "500")
        .create()
        .expect("consumer");
    consumer.subscribe(&[topic]).expect("subscribe");
    let mut out = Vec::new();
    let deadline = tokio::time::Instant::now() + timeout;
    while out.len() < want {
        match tokio::time::timeout_at(deadline, consumer.recv()).await {
            Ok(Ok(m)) => out.push(m.detach()),
            // The topic may not exist yet (it is created by its first
            // producer); keep waiting.
            Ok(Err(_)) => tokio::time::sleep(Duration::from_millis(50)).await,
            Err(_) => break,
        }
    }
    out
}

/// The value of a header, as text.
pub fn header(msg: &OwnedMessage, name: &str) -> Option<String> {
    stancewire_stage::codec::header(msg.headers(), name)
}

/// Path of a file under the shared data folder beside the checkout.
pub fn shared(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared")
        .join(path)
}

/// Path of a file in the project.
pub fn project(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

/// POSTs `body` to a service and returns the status and the JSON answer
/// (`null` if the answer is not JSON).
pub async fn post(
    url: &str,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> (u16, serde_json::Value) {
    let resp = reqwest::Client::new()
        .post(url)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("request");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(serde_json::Value::Null))
}

/// Polls `{base}/readyz` until it answers 200; panics after `timeout`.
pub async fn wait_ready(base: &str, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    loop {
        let ready = reqwest::get(format!("{base}/readyz"))
            .await
            .map(|r| r.status().as_u16())
            .ok();
        if ready == Some(200) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{base} never became ready: {ready:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Peak resident memory of this process so far (VmHWM), in MB.
pub fn peak_rss_mb() -> f64 {
    status_mb("self", "VmHWM").unwrap_or(f64::NAN)
}

/// CPU time a process has used so far, user and system, in seconds
/// (`/proc/{process}/stat`, in the kernel's clock ticks: 100 a second on
/// Linux's mainstream architectures); `None` if the process is gone.
pub fn cpu_seconds(process: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{process}/stat")).ok()?;
    // After the command name (which may hold spaces, in parentheses): the
    // state is the first field, utime the 12th and stime the 13th.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

/// A memory figure of `/proc/{process}/status` (`VmRSS`, `VmHWM`, …), in MB;
/// `None` if the process is gone.
pub fn status_mb(process: &str, field: &str) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{process}/status")).ok()?;
    let line = status
        .lines()
        .find(|l| l.split(':').next() == Some(field))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Sends SIGTERM to a service process and waits for it to exit; panics if it
/// has not within `timeout`.
pub async fn terminate(child: &mut Child, timeout: Duration) -> std::process::ExitStatus {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(exit) = child.try_wait().unwrap() {
            return exit;
        }
        assert!(
            Instant::now() < deadline,
            "the service did not stop on SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
