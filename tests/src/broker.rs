//! Apache Kafka for the tests: one node, or a cluster of three, of each
//! test's own, on free loopback ports, from the project's own
//! `deploy/kafka/server.properties` (auto-creation off, as in production).

use std::{
    collections::HashSet,
    path::{Path, PathBuf},
    process::{Child, Command},
    sync::Mutex,
    time::{Duration, Instant},
};

use rdkafka::{
    consumer::{BaseConsumer, Consumer},
    ClientConfig,
};
use stancewire_stage::topics::TopicSpec;

use crate::{free_port, project};

/// The Apache Kafka release `scripts/setup` installs (scripts/lib.sh).
pub const KAFKA_VERSION: &str = "4.1.1";

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

/// One Kafka process (KRaft: broker and controller in one).
struct Node {
    id: usize,
    port: u16,
    controller_port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

impl Node {
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
        .current_dir(&self.dir);
        java
    }

    /// Writes server.properties from the project's template and formats
    /// the node's storage.
    fn configure(&self, voters: &str, replication: usize) {
        std::fs::create_dir_all(&self.dir).expect("node dir");
        let template = std::fs::read_to_string(project("deploy/kafka/server.properties"))
            .expect("deploy/kafka/server.properties");
        let props = template
            .replace("@NODE_ID@", &self.id.to_string())
            .replace("@VOTERS@", voters)
            .replace("@PORT@", &self.port.to_string())
            .replace("@CONTROLLER_PORT@", &self.controller_port.to_string())
            .replace("@DATA@", &self.dir.join("data").display().to_string())
            .replace("@REPLICATION@", &replication.to_string())
            .replace("@MIN_ISR@", &replication.min(2).to_string());
        std::fs::write(self.dir.join("server.properties"), props).expect("properties");
        let out = self
            .java()
            .args(["kafka.tools.StorageTool", "format"])
            .args(["-t", "c3RhbmNld2lyZS10ZXN0cw", "-c", "server.properties"])
            .output()
            .expect("java runs the Kafka storage tool");
        assert!(
            out.status.success(),
            "formatting node {}'s storage failed: {}",
            self.id,
            String::from_utf8_lossy(&out.stdout)
        );
    }

    fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("kafka.log"))
            .expect("log file");
        self.child = Some(
            self.java()
                .args(["kafka.Kafka", "server.properties"])
                .stdout(log.try_clone().expect("log file"))
                .stderr(log)
                .spawn()
                .expect("java starts Kafka"),
        );
    }

    /// False once the process has exited (for example: a port was taken).
    fn alive(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| c.try_wait().ok().flatten().is_none())
    }

    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("kafka.log")).unwrap_or_default()
    }
}

/// Kafka for one test: a single node ([`Broker::start`]) or three
/// ([`Broker::cluster`]), stopped when dropped. Topics are not
/// auto-created: the services create theirs, and tests create the topics
/// they write to first with [`Broker::create_topics`].
pub struct Broker {
    nodes: Vec<Node>,
    dir: tempfile::TempDir,
    /// Topics this test created already (creating is idempotent; this
    /// only saves the round trips).
    created: Mutex<HashSet<String>>,
}

impl Broker {
    /// One node, replication factor 1.
    pub fn start() -> Broker {
        Broker::start_nodes(1)
    }

    /// Three nodes, each a broker and a controller: replication factor 3,
    /// `min.insync.replicas=2`, so one node may be down at any time.
    pub fn cluster() -> Broker {
        Broker::start_nodes(3)
    }

    /// Starts `n` nodes on ports of their own: if a port turns out to be
    /// taken by another process (a node exits instead of listening), all
    /// start again on others, so a test never talks to someone else's
    /// broker.
    fn start_nodes(n: usize) -> Broker {
        for _ in 0..5 {
            let dir = tempfile::tempdir().expect("temp dir");
            let mut nodes: Vec<Node> = (1..=n)
                .map(|id| Node {
                    id,
                    port: free_port(),
                    controller_port: free_port(),
                    dir: dir.path().join(id.to_string()),
                    child: None,
                })
                .collect();
            let voters: Vec<String> = nodes
                .iter()
                .map(|n| format!("{}@127.0.0.1:{}", n.id, n.controller_port))
                .collect();
            for node in &nodes {
                node.configure(&voters.join(","), n);
            }
            for node in &mut nodes {
                node.spawn();
            }
            let mut broker = Broker {
                nodes,
                dir,
                created: Mutex::default(),
            };
            if broker.wait_up(Duration::from_secs(120)) {
                return broker;
            }
        }
        panic!("no broker could start on ports of its own");
    }

    /// Waits until every running node is alive and listed by the cluster's
    /// metadata; false if one exited first.
    fn wait_up(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if self
                .nodes
                .iter_mut()
                .any(|n| n.child.is_some() && !n.alive())
            {
                for n in &mut self.nodes {
                    n.kill();
                }
                return false;
            }
            let want: HashSet<i32> = self
                .nodes
                .iter()
                .filter(|n| n.child.is_some())
                .map(|n| n.port as i32)
                .collect();
            if self
                .listed_ports()
                .is_some_and(|ports| want.is_subset(&ports))
            {
                return true;
            }
            if Instant::now() > deadline {
                let logs: Vec<String> = self.nodes.iter().map(|n| n.log()).collect();
                panic!("the broker did not start: {}", logs.join("\n---\n"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn metadata_client(&self) -> Option<BaseConsumer> {
        ClientConfig::new()
            .set("bootstrap.servers", self.addr())
            .set("log_level", "0")
            .create()
            .ok()
    }

    fn listed_ports(&self) -> Option<HashSet<i32>> {
        let metadata = self
            .metadata_client()?
            .fetch_metadata(None, Duration::from_secs(2))
            .ok()?;
        Some(metadata.brokers().iter().map(|b| b.port()).collect())
    }

    /// The nodes' process ids (of those running).
    pub fn pids(&self) -> Vec<u32> {
        self.nodes
            .iter()
            .filter_map(|n| n.child.as_ref().map(Child::id))
            .collect()
    }

    /// The bootstrap list of the nodes.
    pub fn addr(&self) -> String {
        self.nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.port))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The replication factor topics get here (1 or 3).
    pub fn replication(&self) -> usize {
        self.nodes.len()
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn log(&self) -> String {
        self.nodes
            .iter()
            .map(|n| n.log())
            .collect::<Vec<_>>()
            .join("\n---\n")
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
            replication_factor: self.replication() as i32,
            ..Default::default()
        };
        stancewire_stage::topics::ensure(&settings, &missing)
            .await
            .expect("topics created");
        let mut created = self.created.lock().unwrap_or_else(|p| p.into_inner());
        created.extend(missing.into_iter().map(|s| s.name));
    }

    /// The node (1-based) leading `topic`'s `partition`.
    pub fn leader(&self, topic: &str, partition: i32) -> Option<usize> {
        let metadata = self
            .metadata_client()?
            .fetch_metadata(Some(topic), Duration::from_secs(5))
            .ok()?;
        let leader = metadata
            .topics()
            .first()?
            .partitions()
            .iter()
            .find(|p| p.id() == partition)?
            .leader();
        usize::try_from(leader).ok()
    }

    /// Kills node `id` (SIGKILL: no chance to flush).
    pub fn kill(&mut self, id: usize) {
        self.nodes[id - 1].kill();
    }

    /// Starts node `id` again on its ports and storage, and waits until
    /// the cluster lists it.
    pub fn restart(&mut self, id: usize) {
        let node = &mut self.nodes[id - 1];
        node.kill();
        node.spawn();
        assert!(
            self.wait_up(Duration::from_secs(120)),
            "node {id} restarts on its port: {}",
            self.log()
        );
    }

    /// Kills every node (SIGKILL) and starts them again on the same ports
    /// and storage.
    pub fn crash_and_restart(&mut self) {
        for n in &mut self.nodes {
            n.kill();
        }
        for n in &mut self.nodes {
            n.spawn();
        }
        assert!(
            self.wait_up(Duration::from_secs(120)),
            "the broker restarts on its ports: {}",
            self.log()
        );
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        for n in &mut self.nodes {
            n.kill();
        }
    }
}
