//! Helpers for the end-to-end tests: a real Apache Kafka broker of each
//! test's own on free loopback ports, the real services started in-process on port 0, and a
//! reader that collects what arrived on a topic.

pub mod apps;
pub mod process;

use std::{
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command},
    time::{Duration, Instant},
};

use stancewire_stage::topics::TopicSpec;

use rdkafka::{
    consumer::{Consumer, StreamConsumer},
    message::{Message, OwnedMessage},
    ClientConfig,
};

/// Where `scripts/setup` installed Apache Kafka: `$STANCEWIRE_KAFKA_HOME`,
/// else the pinned version in the cache.
pub fn kafka_home() -> PathBuf {
    if let Some(p) = std::env::var_os("STANCEWIRE_KAFKA_HOME") {
        return PathBuf::from(p);
    }
    let cache = std::env::var_os("STANCEWIRE_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache/stancewire")
        });
    let home = cache.join(format!("kafka-{KAFKA_VERSION}"));
    assert!(
        home.join("installed").exists(),
        "Apache Kafka not found in {}: run scripts/setup (or scripts/test) first",
        home.display()
    );
    home
}

/// The Apache Kafka release `scripts/setup` installs (scripts/lib.sh).
pub const KAFKA_VERSION: &str = "4.1.1";

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

/// An Apache Kafka node of one test's own (KRaft, broker and controller in
/// one process, `deploy/kafka/server.properties`), its data in a temporary
/// directory, stopped when dropped. Topics are not auto-created: the
/// services create theirs, and tests create the topics they write to
/// first with [`Broker::create_topics`].
pub struct Broker {
    child: Option<Child>,
    pub port: u16,
    controller_port: u16,
    dir: tempfile::TempDir,
    /// Topics this test created already (creating is idempotent; this
    /// only saves the round trips).
    created: std::sync::Mutex<std::collections::HashSet<String>>,
}

impl Broker {
    /// Starts a broker on ports of its own: if a port turns out to be
    /// taken by another process (the node exits instead of listening), it
    /// starts again on others, so a test never talks to someone else's
    /// broker.
    pub fn start() -> Broker {
        for _ in 0..5 {
            let mut b = Broker {
                child: None,
                port: free_port(),
                controller_port: free_port(),
                dir: tempfile::tempdir().expect("temp dir"),
                created: Default::default(),
            };
            b.configure();
            if b.spawn() {
                return b;
            }
        }
        panic!("no broker could start on ports of its own");
    }

    fn java(&self) -> Command {
        let mut java = Command::new("java");
        java.args([
            "-Xms64m",
            "-Xmx384m",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
        ])
        .arg(format!(
            "-Dlog4j2.configurationFile={}",
            project("deploy/kafka/log4j2.properties").display()
        ))
        .arg("-cp")
        .arg(kafka_home().join("libs/*"))
        .current_dir(self.dir.path());
        java
    }

    /// Writes server.properties from the project's template and formats
    /// the node's storage.
    fn configure(&self) {
        let template = std::fs::read_to_string(project("deploy/kafka/server.properties"))
            .expect("deploy/kafka/server.properties");
        let props = template
            .replace("@NODE_ID@", "1")
            .replace("@VOTERS@", &format!("1@127.0.0.1:{}", self.controller_port))
            .replace("@PORT@", &self.port.to_string())
            .replace("@CONTROLLER_PORT@", &self.controller_port.to_string())
            .replace(
                "@DATA@",
                &self.dir.path().join("data").display().to_string(),
            )
            .replace("@REPLICATION@", "1")
            .replace("@MIN_ISR@", "1");
        std::fs::write(self.dir.path().join("server.properties"), props).expect("properties");
        let out = self
            .java()
            .args([
                "kafka.tools.StorageTool",
                "format",
                "-t",
                "c3RhbmNld2lyZS10ZXN0cw",
            ])
            .args(["-c", "server.properties"])
            .output()
            .expect("java runs the Kafka storage tool");
        assert!(
            out.status.success(),
            "formatting the broker's storage failed: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }

    /// Starts the node; true once it is this process that answers on
    /// `self.port` with itself as the only broker, false if it exited
    /// first (a port was taken).
    fn spawn(&mut self) -> bool {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("kafka.log"))
            .expect("log file");
        let mut child = self
            .java()
            .args(["kafka.Kafka", "server.properties"])
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .expect("java starts Kafka");
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            if child.try_wait().expect("broker status").is_some() {
                return false;
            }
            if self.answers() {
                // Still ours: a node that lost a port has exited by now.
                std::thread::sleep(Duration::from_millis(100));
                if child.try_wait().expect("broker status").is_some() {
                    return false;
                }
                self.child = Some(child);
                return true;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("broker did not start: {}", self.log());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The node answers a metadata request and lists itself as a broker.
    fn answers(&self) -> bool {
        if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            return false;
        }
        let consumer: Result<rdkafka::consumer::BaseConsumer, _> = ClientConfig::new()
            .set("bootstrap.servers", self.addr())
            .set("log_level", "0")
            .create();
        consumer
            .ok()
            .and_then(|c| c.fetch_metadata(None, Duration::from_secs(2)).ok())
            .is_some_and(|m| m.brokers().iter().any(|b| b.port() == self.port as i32))
    }

    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("kafka.log")).unwrap_or_default()
    }

    /// Creates stream topics (article topics' settings) the way the
    /// services do, so that a test can write to them before any service
    /// has started.
    pub async fn create_topics(&self, names: &[&str]) {
        let specs: Vec<_> = names.iter().map(|n| TopicSpec::stream(*n)).collect();
        self.create(&specs).await
    }

    /// Creates topics with the project's own code (those missing only).
    pub async fn create(&self, specs: &[TopicSpec]) {
        let missing: Vec<TopicSpec> = {
            let created = self.created.lock().unwrap_or_else(|p| p.into_inner());
            specs
                .iter()
                .filter(|s| !created.contains(&s.name))
                .cloned()
                .collect()
        };
        let settings = stancewire_stage::KafkaSettings {
            brokers: self.addr(),
            ..Default::default()
        };
        stancewire_stage::topics::ensure(&settings, &missing)
            .await
            .expect("topics created");
        let mut created = self.created.lock().unwrap_or_else(|p| p.into_inner());
        created.extend(missing.into_iter().map(|s| s.name));
    }

    /// Kills the broker (SIGKILL: no chance to flush) and starts it again
    /// on the same ports and storage.
    pub fn crash_and_restart(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        assert!(
            self.spawn(),
            "the broker restarts on its port: {}",
            self.log()
        );
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
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
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|kb| kb.parse::<f64>().ok())
            })
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
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
