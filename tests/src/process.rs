//! A service binary run as an operator runs it — configured only through
//! `STANCEWIRE_*` variables — and stopped with SIGTERM while it works: the
//! one harness every service's process test uses.
//!
//! A drain that works leaves no gap between what a stage produced and what
//! it committed, so [`assert_drained`] checks exactly that: every committed
//! input has its output, and nothing was produced past the commit.
//!
//! Each process logs to a file of its own; a test that fails prints the end
//! of every log still open, so that a stall or a wrong record comes with
//! what the services said about it (a passing test removes them).

use std::{
    collections::BTreeSet,
    fs::File,
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, ExitStatus},
    time::{Duration, Instant},
};

use rdkafka::{
    consumer::{BaseConsumer, Consumer},
    error::KafkaResult,
    message::Message,
    ClientConfig, TopicPartitionList,
};

use crate::{free_port, read_topic, terminate, wait_ready, Broker};

/// The three service binaries, built if need be, debug or release: the
/// directory they are in (beside the running test's own target directory).
pub fn service_binaries(release: bool) -> std::path::PathBuf {
    let mut cargo = Command::new(env!("CARGO"));
    cargo.current_dir(crate::project("")).args([
        "build",
        "-q",
        "--bin",
        "ingest",
        "--bin",
        "entity-recognition",
        "--bin",
        "stance-detection",
    ]);
    if release {
        cargo.arg("--release");
    }
    assert!(
        cargo.status().expect("cargo runs").success(),
        "the services build"
    );
    let exe = std::env::current_exe().expect("the test's own path");
    // target/{profile}/deps/<test> → target/{profile}
    let debug = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("a target directory")
        .to_path_buf();
    if release {
        debug.parent().expect("target/").join("release")
    } else {
        debug
    }
}

/// A running service process, killed if the test ends without stopping it.
pub struct ServiceProcess {
    child: Child,
    pub base: String,
    /// Its stdout and stderr: printed (the end) if the test fails.
    log: PathBuf,
}

impl ServiceProcess {
    /// Starts `bin serve` against `broker` on a free port, with the extra
    /// `env`, and waits until it is ready.
    pub async fn start(bin: &str, broker: &Broker, env: &[(&str, String)]) -> ServiceProcess {
        let port = free_port();
        let log = log_path(bin, port);
        let out = File::create(&log).unwrap_or_else(|e| panic!("{}: {e}", log.display()));
        let err = out.try_clone().expect("a second handle on the log");
        let mut command = Command::new(bin);
        command
            .arg("serve")
            .env("STANCEWIRE_KAFKA__BROKERS", broker.addr())
            .env("STANCEWIRE_HTTP__LISTEN", format!("127.0.0.1:{port}"))
            .env("STANCEWIRE_LOG__FORMAT", "json")
            .stdout(out)
            .stderr(err);
        for (k, v) in env {
            command.env(k, v);
        }
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("{bin} starts: {e}"));
        let process = ServiceProcess {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log,
        };
        wait_ready(&process.base, Duration::from_secs(120)).await;
        process
    }

    /// The process id (for its memory, say).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The sum of a Prometheus counter over its labels (0 if absent).
    pub async fn metric(&self, name: &str) -> f64 {
        let text = reqwest::get(format!("{}/metrics", self.base))
            .await
            .and_then(|r| r.error_for_status())
            .map(|r| r.text());
        let Ok(text) = text else { return 0.0 };
        text.await
            .unwrap_or_default()
            .lines()
            .filter(|l| l.starts_with(name))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    }

    /// Waits until `name` reaches `at_least` (the service is at work).
    pub async fn wait_for_metric(&self, name: &str, at_least: f64, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while self.metric(name).await < at_least {
            assert!(Instant::now() < deadline, "{name} never reached {at_least}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// SIGKILL: no drain, no flush, no commit — a crash.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then waits for the exit.
    pub async fn terminate(mut self) -> ExitStatus {
        terminate(&mut self.child, Duration::from_secs(60)).await
    }
}

impl Drop for ServiceProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            print_tail(&self.log, LOG_TAIL);
        } else {
            let _ = std::fs::remove_file(&self.log);
        }
    }
}

/// How many of its last log lines a failed test prints per process.
const LOG_TAIL: usize = 40;

/// A fresh log file for `bin` listening on `port` (the port tells apart
/// the instances of one service), in the system's temporary folder.
fn log_path(bin: &str, port: u16) -> PathBuf {
    let dir = std::env::temp_dir().join("stancewire-service-logs");
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let name = Path::new(bin)
        .file_name()
        .map_or_else(|| "service".into(), |n| n.to_string_lossy());
    dir.join(format!("{name}-{port}.log"))
}

/// Prints the last `n` lines of `log` to stderr (the test's output).
fn print_tail(log: &Path, n: usize) {
    let Ok(file) = File::open(log) else { return };
    let lines: Vec<String> = BufReader::new(file).lines().map_while(Result::ok).collect();
    eprintln!(
        "--- the last {} of {} lines of {} ---",
        n.min(lines.len()),
        lines.len(),
        log.display()
    );
    for line in &lines[lines.len().saturating_sub(n)..] {
        eprintln!("{line}");
    }
}

/// A client that reads `group`'s committed offsets; it never joins the
/// group nor commits.
pub fn group_reader(broker: &Broker, group: &str) -> BaseConsumer {
    ClientConfig::new()
        .set("bootstrap.servers", broker.addr())
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .create()
        .expect("consumer")
}

/// How many records the reader's group has committed on `topic` (all its
/// partitions), asked once.
pub fn committed_once(reader: &BaseConsumer, topic: &str) -> KafkaResult<i64> {
    let timeout = Duration::from_secs(10);
    let metadata = reader.fetch_metadata(Some(topic), timeout)?;
    let mut tpl = TopicPartitionList::new();
    for t in metadata.topics() {
        for p in t.partitions() {
            tpl.add_partition(topic, p.id());
        }
    }
    let offsets = reader.committed_offsets(tpl, timeout)?;
    Ok(offsets
        .elements()
        .iter()
        .filter_map(|e| e.offset().to_raw())
        .filter(|&o| o > 0)
        .sum())
}

/// How many records `group` has committed on `topic` (all partitions).
/// While a broker restarts, the group's coordinator moves and the brokers
/// answer `NotCoordinator` (and the like) for a while: asked again until it
/// has settled, for up to two minutes.
pub fn committed(broker: &Broker, group: &str, topic: &str) -> i64 {
    let reader = group_reader(broker, group);
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    loop {
        match committed_once(&reader, topic) {
            Ok(n) => return n,
            Err(e) if std::time::Instant::now() < deadline => {
                eprintln!("committed offsets of {group} on {topic} not available yet: {e}");
                std::thread::sleep(Duration::from_secs(1));
            }
            Err(e) => panic!("committed offsets of {group} on {topic}: {e}"),
        }
    }
}

/// After a stage stopped mid-work: it committed some input, and its output
/// holds exactly one record for each committed input — nothing committed
/// without its output, nothing produced past the commit. (The inputs are
/// one per key on a topic the test filled, so counts are comparable.)
pub async fn assert_drained(broker: &Broker, group: &str, input: &str, output: &str) {
    let committed = committed(broker, group, input);
    assert!(committed > 0, "nothing committed on {input}");
    let out = read_topic(
        &broker.addr(),
        output,
        committed as usize + 1,
        Duration::from_secs(10),
    )
    .await;
    let keys: BTreeSet<Vec<u8>> = out
        .iter()
        .map(|m| m.key().unwrap_or_default().to_vec())
        .collect();
    assert_eq!(
        keys.len() as i64,
        committed,
        "{committed} inputs committed on {input}, {} outputs on {output}",
        keys.len()
    );
}

/// Asserts that `bin` runs with the jemalloc options of every model process
/// (`stancewire_model::allocator::CONF`), read back from the statistics
/// jemalloc prints at exit (`MALLOC_CONF=stats_print:true`, which adds to
/// the options the binary carries and changes none of them) after
/// `bin --version`.
pub fn assert_jemalloc_options(bin: &str) {
    let out = Command::new(bin)
        .arg("--version")
        .env("MALLOC_CONF", "stats_print:true")
        .output()
        .expect("the binary runs");
    assert!(out.status.success(), "{bin} --version: {}", out.status);
    let stats = String::from_utf8_lossy(&out.stderr);
    let options: Vec<&str> = stats
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("opt."))
        .collect();
    let conf = stancewire_model::allocator::CONF.to_str().expect("ASCII");
    assert!(!conf.is_empty());
    for option in conf.split(',') {
        let (name, value) = option.split_once(':').expect("name:value");
        let line = format!("opt.{name}: {value}");
        assert!(
            options.iter().any(|o| o.starts_with(&line)),
            "{bin}: {line} not among jemalloc's options {options:?}"
        );
    }
}
