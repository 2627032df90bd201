//! `stancewire-load`: drives the whole pipeline — a fresh Apache Kafka
//! broker and the three services as release processes, configured as an
//! operator configures them — with real articles, and measures what a user
//! of it would ask: how many articles a second come out enriched, how long
//! one takes from ingest's "accepted" to its enriched record being
//! committed, how far behind each consuming stage falls, how much memory
//! each service holds, over time, and how much CPU each process of the
//! run (the broker and this driver included) spends per article.
//!
//! Two measurements (`scripts/load` wraps this binary):
//! * no `--rate`: the maximum throughput. `--articles` articles are posted
//!   as fast as ingest takes them; the pipeline works off the backlog, and
//!   the articles over the time from the first accepted to the last
//!   enriched is the figure.
//! * `--rate R --minutes M`: R articles a second for M minutes, then the
//!   backlog drained; the latency percentiles are the figures.
//!
//! It prints a row per `--window` seconds as it goes (the progress), then a
//! summary, writes the chart (SVG) and the figures (JSON) under `--out`,
//! and ends with one JSON line: `articles_per_s`, `p50_ms`, `p99_ms`,
//! `max_ms`, `max_rss_mb` and the rest (`steady_articles_per_s`: the rate
//! over the middle 80% of deliveries, the pipeline full).
//!
//! Before either, `--warm-up` articles (20) go through the whole pipeline
//! and out, and are left out of the figures: a service's first articles pay
//! for its first passes (seconds), which is start-up, not the steady state.
//!
//! Articles are the BBC corpus's (2,225, news of BBC length), and when a
//! run needs more, Reuters-21578's stories of 1,000 characters or more
//! (about 4,900; mean 1,921 characters against the BBC's 2,266) spread evenly
//! among them, so that every stretch of a long run carries the same mix and
//! a soak's memory curve shows the services, not a change of corpus. 50
//! FNC-1 headlines (`--claims`) are tracked, as in the stance bench.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use rdkafka::consumer::{BaseConsumer, Consumer, StreamConsumer};
use rdkafka::message::Message;
use rdkafka::ClientConfig;
use stancewire_proto::v1;
use stancewire_tests::{
    apps::{decode, fnc_headlines, track_claim},
    chart::{self, Panel, Series},
    cpu_seconds, free_port,
    process::{committed_once, group_reader, ServiceProcess},
    project, shared, status_mb, Broker,
};

#[derive(Parser, Debug)]
#[command(about = "Drive the whole pipeline with real articles and measure it")]
struct Args {
    /// Articles a second to post; without it, as fast as ingest takes them
    /// (the maximum-throughput measurement).
    #[arg(long)]
    rate: Option<f64>,
    /// Minutes to post at `--rate`.
    #[arg(long, default_value_t = 2.0)]
    minutes: f64,
    /// Articles the maximum-throughput measurement posts.
    #[arg(long, default_value_t = 300)]
    articles: usize,
    /// Tracked claims (FNC-1 headlines).
    #[arg(long, default_value_t = 50)]
    claims: usize,
    /// entity-recognition instances (one consumer group).
    #[arg(long, default_value_t = 1)]
    entity_instances: usize,
    /// stance-detection instances (one consumer group); default: one per
    /// core, each single-threaded — on 2 cores, 2 instances of 1 thread did
    /// 2.1× the work of one with 2 threads, and 3 less than 2.
    #[arg(long)]
    stance_instances: Option<usize>,
    /// stance-detection's records per batch (per transaction); default:
    /// the service's own.
    #[arg(long)]
    stance_batch_size: Option<usize>,
    /// libtorch threads of each model service instance (0: one per core).
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Number precision of the model services (default: `auto`, as they
    /// choose it on this CPU).
    #[arg(long, value_enum, default_value = "auto")]
    precision: stancewire_model::Precision,
    /// Seconds per row of the table (and point of the chart).
    #[arg(long, default_value_t = 10.0)]
    window: f64,
    /// Articles sent through the whole pipeline before the measurement
    /// starts (not among the measured ones): a service's first articles pay
    /// for its first passes (seconds each), which is start-up, not the
    /// steady state a rate is measured in.
    #[arg(long, default_value_t = 20)]
    warm_up: usize,
    /// Most minutes to wait for the backlog once posting is done.
    #[arg(long, default_value_t = 20.0)]
    drain_minutes: f64,
    /// Where the chart and the figures go.
    #[arg(long, default_value = "target/load")]
    out: PathBuf,
    /// Where the service binaries are.
    #[arg(long, default_value = "target/release")]
    bin: PathBuf,
}

/// One article to post: `title\n\nbody`, as `text/plain`.
fn corpus(n: usize) -> Vec<String> {
    let root = shared("data/corpora/bbc");
    let mut categories: Vec<Vec<PathBuf>> = std::fs::read_dir(&root)
        .expect("the BBC corpus (../shared/data/corpora/bbc)")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .map(|d| {
            let mut files: Vec<PathBuf> = std::fs::read_dir(d)
                .unwrap()
                .filter_map(|e| e.ok().map(|e| e.path()))
                .collect();
            files.sort();
            files
        })
        .collect();
    categories.sort();
    // Categories in turn, so that any prefix is a mix of the news.
    let longest = categories.iter().map(Vec::len).max().unwrap_or(0);
    let bbc: Vec<String> = (0..longest)
        .flat_map(|i| categories.iter().filter_map(move |c| c.get(i)))
        .filter_map(|p| stancewire_ingest::files::read_text_file(p).ok())
        .take(n)
        .collect();
    if bbc.len() == n {
        return bbc;
    }
    let more = reuters(n - bbc.len());
    spread(bbc, more)
}

/// `a` and `b` merged so that every prefix holds them in the proportion of
/// the whole (each keeps its own order).
fn spread<T>(a: Vec<T>, b: Vec<T>) -> Vec<T> {
    let (na, total) = (a.len(), a.len() + b.len());
    let (mut a, mut b) = (a.into_iter(), b.into_iter());
    let mut taken_a = 0;
    (1..=total)
        .filter_map(|k| {
            // Take from `a` while it is behind its share of the first k.
            if taken_a * total < k * na {
                taken_a += 1;
                a.next()
            } else {
                b.next()
            }
        })
        .collect()
}

/// Reuters-21578 stories with a title and a body of news length (≥ 1,000
/// characters; about one BBC story in fifteen is shorter), as `title\n\nbody`.
fn reuters(n: usize) -> Vec<String> {
    use stancewire_ingest::submission::{Content, Limits};
    let mut files: Vec<PathBuf> = std::fs::read_dir(shared("data/corpora/reuters21578"))
        .expect("the Reuters-21578 corpus")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "sgm"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let bytes = std::fs::read(&f).unwrap();
        let name = f.display().to_string();
        for sub in stancewire_ingest::files::parse_file(&name, &bytes, &Limits::default())
            .into_iter()
            .flatten()
        {
            let (Some(title), Content::Text(body)) = (sub.hints.title, sub.content) else {
                continue;
            };
            if body.chars().count() >= 1000 {
                out.push(format!("{title}\n\n{body}"));
                if out.len() == n {
                    return out;
                }
            }
        }
    }
    out
}

/// What the run saw, shared by the poster, the reader and the sampler.
#[derive(Default)]
struct Log {
    /// Posted, by the second they were posted at.
    posted: Vec<f64>,
    /// Accepted article ids, and when (seconds since the start).
    accepted: HashMap<String, f64>,
    /// Characters of each accepted article as posted.
    chars: HashMap<String, usize>,
    /// Refused or unanswered posts.
    refused: usize,
    duplicates: usize,
    /// First enriched record of each article id: when.
    enriched: HashMap<String, f64>,
    /// Articles a model service gave up on (its dead-letter topic): the
    /// error kind and message. Accounted for, not lost; not in the latency
    /// figures.
    dead_lettered: HashMap<String, (String, String)>,
    samples: Vec<Sample>,
}

impl Log {
    /// Each accepted article that came out enriched: its latency (ms),
    /// characters and when it was accepted (s).
    fn timed(&self) -> Vec<(f64, usize, f64)> {
        self.accepted
            .iter()
            .filter_map(|(id, a)| {
                let e = self.enriched.get(id)?;
                Some((
                    (e - a) * 1000.0,
                    self.chars.get(id).copied().unwrap_or(0),
                    *a,
                ))
            })
            .collect()
    }

    /// Accepted articles that have come out: enriched or dead-lettered.
    fn out(&self) -> usize {
        self.accepted
            .keys()
            .filter(|id| self.enriched.contains_key(*id) || self.dead_lettered.contains_key(*id))
            .count()
    }
}

/// Waits until every accepted article is out, or `deadline`.
async fn wait_until_out(log: &Mutex<Log>, deadline: Instant) {
    loop {
        let done = {
            let log = log.lock().unwrap();
            log.out() == log.accepted.len()
        };
        if done || Instant::now() > deadline {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// CPU seconds used so far by each process of the run, summed by name (a
/// service's instances, the broker's nodes), in the order first named.
#[derive(Debug, Clone, Default, PartialEq)]
struct CpuUse(Vec<(String, f64)>);

impl CpuUse {
    fn now(processes: &[(&str, String)]) -> CpuUse {
        let mut out = CpuUse::default();
        for (name, pid) in processes {
            let seconds = cpu_seconds(pid).unwrap_or(0.0);
            match out.0.iter_mut().find(|(n, _)| n == name) {
                Some((_, total)) => *total += seconds,
                None => out.0.push((name.to_string(), seconds)),
            }
        }
        out
    }

    /// The CPU seconds used between `before` and this.
    fn since(&self, before: &CpuUse) -> CpuUse {
        CpuUse(
            self.0
                .iter()
                .map(|(name, s)| {
                    let was = before
                        .0
                        .iter()
                        .find(|(n, _)| n == name)
                        .map_or(0.0, |b| b.1);
                    (name.clone(), (s - was).max(0.0))
                })
                .collect(),
        )
    }

    fn total(&self) -> f64 {
        self.0.iter().map(|(_, s)| s).sum()
    }

    /// Milliseconds of CPU per article, by process, rounded to 0.1 ms.
    fn per_article_ms(&self, articles: usize) -> Vec<(String, f64)> {
        let n = articles.max(1) as f64;
        self.0
            .iter()
            .map(|(name, s)| (name.clone(), (s * 1000.0 / n * 10.0).round() / 10.0))
            .collect()
    }
}

/// The state of the services at one moment.
#[derive(Clone, Debug)]
struct Sample {
    at: f64,
    /// MB resident, per service (all its instances).
    rss: [f64; 3],
    /// Records waiting for entity-recognition and for stance-detection.
    lag: [f64; 2],
}

const SERVICES: [&str; 3] = ["ingest", "entity-recognition", "stance-detection"];

/// MB resident of a service process (0 once it is gone).
fn rss_mb(pid: u32) -> f64 {
    status_mb(&pid.to_string(), "VmRSS").unwrap_or(0.0)
}

/// Records of `topic` not yet committed by the reader's group (the end of
/// each partition less the group's committed offset), or NaN while unknown.
fn lag(reader: &BaseConsumer, topic: &str) -> f64 {
    let timeout = Duration::from_secs(5);
    let Ok(metadata) = reader.fetch_metadata(Some(topic), timeout) else {
        return f64::NAN;
    };
    let mut ends = 0i64;
    let mut partitions = 0;
    for t in metadata.topics() {
        for p in t.partitions() {
            partitions += 1;
            match reader.fetch_watermarks(topic, p.id(), timeout) {
                Ok((_, high)) => ends += high,
                Err(_) => return f64::NAN,
            }
        }
    }
    match committed_once(reader, topic) {
        Ok(done) if partitions > 0 => (ends - done).max(0) as f64,
        _ => f64::NAN,
    }
}

/// The model services' dead-letter topics: an accepted article ends either
/// enriched or in one of these, with its reason.
const DEAD_LETTER_TOPICS: [&str; 2] = ["articles.entities.dlq", "articles.enriched.dlq"];

/// Reads `articles.enriched` (committed records only) and notes when each
/// article first comes out; and the dead-letter topics, noting why an
/// article did not.
async fn read_enriched(
    broker: String,
    log: Arc<Mutex<Log>>,
    started: Instant,
    skip: Arc<HashSet<String>>,
) {
    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", &broker)
        .set("group.id", format!("stancewire-load-{}", free_port()))
        .set("enable.auto.commit", "false")
        .set("auto.offset.reset", "earliest")
        .set("isolation.level", "read_committed")
        .set("fetch.wait.max.ms", "10")
        .set("topic.metadata.refresh.interval.ms", "500")
        .create()
        .expect("consumer");
    consumer
        .subscribe(&[&["articles.enriched"][..], &DEAD_LETTER_TOPICS].concat())
        .expect("subscribe");
    loop {
        match consumer.recv().await {
            Ok(m) if m.topic() == "articles.enriched" => {
                let at = started.elapsed().as_secs_f64();
                let record: v1::EnrichedArticle = decode(&m.detach());
                let id = record.meta.map(|m| m.article_id).unwrap_or_default();
                if !skip.contains(&id) {
                    log.lock().unwrap().enriched.entry(id).or_insert(at);
                }
            }
            Ok(m) => {
                let letter: v1::DeadLetter = decode(&m.detach());
                let id = String::from_utf8_lossy(&letter.key).into_owned();
                if skip.contains(&id) {
                    continue;
                }
                let mut log = log.lock().unwrap();
                log.dead_lettered
                    .entry(id)
                    .or_insert((letter.error_kind, letter.error));
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

/// Sends `articles` through the whole pipeline at once and waits until
/// each is out (enriched or dead-lettered; at most five minutes). Returns
/// their ids, for the measurement to leave out.
async fn warm_up(broker: String, url: &str, articles: Vec<String>) -> HashSet<String> {
    let log = Arc::new(Mutex::new(Log::default()));
    let started = Instant::now();
    let reader = tokio::spawn(read_enriched(broker, log.clone(), started, Arc::default()));
    let http = reqwest::Client::new();
    let posts = articles
        .into_iter()
        .map(|text| post(&http, url, text, &log, started));
    futures::future::join_all(posts).await;
    wait_until_out(&log, started + Duration::from_secs(300)).await;
    reader.abort();
    let log = log.lock().unwrap();
    eprintln!(
        "warm-up: {} of {} articles through in {:.1} s",
        log.out(),
        log.accepted.len(),
        started.elapsed().as_secs_f64()
    );
    log.accepted.keys().cloned().collect()
}

/// Posts one article; notes the answer.
async fn post(http: &reqwest::Client, url: &str, text: String, log: &Mutex<Log>, started: Instant) {
    let chars = text.chars().count();
    let answer = http
        .post(url)
        .header("content-type", "text/plain")
        .body(text)
        .timeout(Duration::from_secs(60))
        .send()
        .await;
    let at = started.elapsed().as_secs_f64();
    let accepted = match answer {
        Ok(r) if r.status().as_u16() == 202 => {
            let v: serde_json::Value = r.json().await.unwrap_or_default();
            v["article_id"].as_str().map(|id| Ok(id.to_string()))
        }
        Ok(r) if r.status().as_u16() == 200 => Some(Err(())),
        _ => None,
    };
    let mut log = log.lock().unwrap();
    match accepted {
        Some(Ok(id)) => {
            log.chars.insert(id.clone(), chars);
            log.accepted.insert(id, at);
        }
        Some(Err(())) => log.duplicates += 1,
        None => log.refused += 1,
    }
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i]
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpu
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .unwrap_or("unknown CPU")
        .trim()
        .to_string();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let features: Vec<&str> = ["amx_bf16", "avx512_bf16", "avx512f", "avx2"]
        .into_iter()
        .filter(|f| cpu.contains(&format!(" {f}")))
        .collect();
    format!("{model}, {cores} cores ({})", features.join(", "))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    // Interrupted, the run is dropped: its services and broker with it.
    tokio::select! {
        done = run(args) => done,
        _ = tokio::signal::ctrl_c() => anyhow::bail!("interrupted; services and broker stopped"),
        _ = terminate.recv() => anyhow::bail!("terminated; services and broker stopped"),
    }
}

async fn run(mut args: Args) -> anyhow::Result<()> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let stance_instances = *args.stance_instances.get_or_insert(cores);
    let bin = if args.bin.is_absolute() {
        args.bin.clone()
    } else {
        project("").join(&args.bin)
    };
    for s in SERVICES {
        anyhow::ensure!(
            bin.join(s).exists(),
            "{} not found: build the services first (scripts/load does)",
            bin.join(s).display()
        );
    }
    let n = match args.rate {
        Some(rate) => (rate * args.minutes * 60.0).ceil() as usize,
        None => args.articles,
    };
    let mut articles = corpus(n + args.warm_up);
    anyhow::ensure!(
        articles.len() == n + args.warm_up,
        "the corpora hold {} articles of {n} (and {} to warm up)",
        articles.len(),
        args.warm_up
    );
    // The warm-up's articles are the last ones: the measured run starts
    // with the corpus's first.
    let warm_articles = articles.split_off(n);
    let machine = machine();
    let precision = args.precision.resolve().name();
    eprintln!("machine: {machine}; models in {precision}");

    eprintln!("starting Apache Kafka");
    let broker = Broker::start();
    let claims = fnc_headlines(args.claims);
    for (i, c) in claims.iter().enumerate() {
        track_claim(&broker, &format!("fnc-{}", i + 1), c).await;
    }
    let dedup = tempfile::tempdir()?;
    let threads = args.threads.to_string();
    let path = |s: &str| bin.join(s).display().to_string();
    eprintln!("starting the services");
    let ingest = ServiceProcess::start(
        &path("ingest"),
        &broker,
        &[(
            "STANCEWIRE_DEDUP__PATH",
            dedup.path().join("dedup.sqlite").display().to_string(),
        )],
    )
    .await;
    let mut model_services: Vec<(usize, ServiceProcess)> = Vec::new();
    for (k, count) in [(1, args.entity_instances), (2, stance_instances)] {
        for _ in 0..count {
            let mut env = vec![
                ("STANCEWIRE_MODEL__THREADS", threads.clone()),
                ("STANCEWIRE_MODEL__PRECISION", precision.to_string()),
            ];
            if let (2, Some(batch)) = (k, args.stance_batch_size) {
                env.push(("STANCEWIRE_KAFKA__BATCH_SIZE", batch.to_string()));
            }
            let p = ServiceProcess::start(&path(SERVICES[k]), &broker, &env).await;
            model_services.push((k, p));
        }
    }

    let url = format!("{}/v1/articles", ingest.base);
    let warmed = Arc::new(warm_up(broker.addr(), &url, warm_articles).await);
    let warmed_count = warmed.len();

    // Every process on the machine that the run keeps busy, this driver
    // included (it posts, reads and samples on the same cores).
    let mut processes: Vec<(&str, String)> = vec![("ingest", ingest.pid().to_string())];
    for (k, p) in &model_services {
        processes.push((SERVICES[*k], p.pid().to_string()));
    }
    for pid in broker.pids() {
        processes.push(("Apache Kafka", pid.to_string()));
    }
    processes.push(("load driver", "self".to_string()));
    let cpu_before = CpuUse::now(&processes);
    let log = Arc::new(Mutex::new(Log::default()));
    let started = Instant::now();
    let reader = tokio::spawn(read_enriched(broker.addr(), log.clone(), started, warmed));

    // The sampler: memory and lag once a second.
    let pids: Vec<(usize, u32)> = std::iter::once((0, ingest.pid()))
        .chain(model_services.iter().map(|(k, p)| (*k, p.pid())))
        .collect();
    let groups = [
        (
            group_reader(&broker, "stancewire-entity-recognition"),
            "articles.raw",
        ),
        (
            group_reader(&broker, "stancewire-stance-detection"),
            "articles.entities",
        ),
    ];
    let sampling = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = {
        let (log, sampling) = (log.clone(), sampling.clone());
        std::thread::spawn(move || {
            while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                let mut rss = [0.0; 3];
                for (k, pid) in &pids {
                    rss[*k] += rss_mb(*pid);
                }
                let lag = [
                    lag(&groups[0].0, groups[0].1),
                    lag(&groups[1].0, groups[1].1),
                ];
                let at = started.elapsed().as_secs_f64();
                log.lock().unwrap().samples.push(Sample { at, rss, lag });
                std::thread::sleep(Duration::from_secs(1));
            }
        })
    };

    // The table, a row per window, as the run goes.
    println!(
        "{:>7} {:>7} {:>8} {:>8} {:>9} {:>8} {:>8} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "t (s)",
        "posted",
        "accepted",
        "enriched",
        "per s",
        "p50 ms",
        "p99 ms",
        "lag ER",
        "lag SD",
        "ingest MB",
        "ER MB",
        "SD MB"
    );
    let table = {
        let log = log.clone();
        let window = args.window;
        tokio::spawn(async move {
            let mut rows = Vec::new();
            let mut t = 0.0;
            loop {
                t += window;
                tokio::time::sleep_until((started + Duration::from_secs_f64(t)).into()).await;
                let row = row(&log.lock().unwrap(), t - window, t);
                println!("{}", row.line());
                rows.push(row);
                if rows.len() > 100_000 {
                    break rows;
                }
            }
        })
    };

    // Posting.
    let http = reqwest::Client::new();
    match args.rate {
        Some(rate) => {
            let mut ticker = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
            let mut tasks = tokio::task::JoinSet::new();
            for text in articles {
                ticker.tick().await;
                log.lock()
                    .unwrap()
                    .posted
                    .push(started.elapsed().as_secs_f64());
                let (http, url, log) = (http.clone(), url.clone(), log.clone());
                tasks.spawn(async move { post(&http, &url, text, &log, started).await });
            }
            while tasks.join_next().await.is_some() {}
        }
        None => {
            let queue = Arc::new(Mutex::new(articles.into_iter()));
            let mut tasks = tokio::task::JoinSet::new();
            for _ in 0..4 {
                let (http, url, log, queue) =
                    (http.clone(), url.clone(), log.clone(), queue.clone());
                tasks.spawn(async move {
                    loop {
                        let Some(text) = queue.lock().unwrap().next() else {
                            break;
                        };
                        log.lock()
                            .unwrap()
                            .posted
                            .push(started.elapsed().as_secs_f64());
                        post(&http, &url, text, &log, started).await;
                    }
                });
            }
            while tasks.join_next().await.is_some() {}
        }
    }
    let posted_by = started.elapsed().as_secs_f64();
    eprintln!("posted {n} articles in {posted_by:.1} s; waiting for the backlog");

    // Until every accepted article is out, or the drain time is up.
    let deadline = Instant::now() + Duration::from_secs_f64(args.drain_minutes * 60.0);
    wait_until_out(&log, deadline).await;
    let ended = started.elapsed().as_secs_f64();
    let cpu = CpuUse::now(&processes).since(&cpu_before);
    // Until the table's row that shows the end.
    let shown = (ended / args.window).ceil() * args.window;
    tokio::time::sleep_until((started + Duration::from_secs_f64(shown + 0.05)).into()).await;
    table.abort();
    reader.abort();
    sampling.store(false, std::sync::atomic::Ordering::Relaxed);
    let _ = sampler.join();
    let log = log.lock().unwrap();

    // The figures.
    let timed = log.timed();
    let mut latencies: Vec<f64> = timed.iter().map(|t| t.0).collect();
    latencies.sort_by(f64::total_cmp);
    let tail = Tail::of(timed);
    let mut out_at: Vec<f64> = log
        .accepted
        .keys()
        .filter_map(|id| log.enriched.get(id).copied())
        .collect();
    out_at.sort_by(f64::total_cmp);
    let delivered = out_at.len();
    // Dead letters of accepted articles that never came out, by error kind.
    let mut dead_letter_kinds: std::collections::BTreeMap<&str, usize> = Default::default();
    let mut letters: Vec<(&str, &str)> = Vec::new();
    for (id, (kind, error)) in &log.dead_lettered {
        if log.accepted.contains_key(id) && !log.enriched.contains_key(id) {
            *dead_letter_kinds.entry(kind).or_default() += 1;
            letters.push((id, error));
        }
    }
    letters.sort();
    let dead_count: usize = dead_letter_kinds.values().sum();
    let lost = log.accepted.len() - delivered - dead_count;
    let first_in = log.accepted.values().copied().fold(f64::INFINITY, f64::min);
    let overall = if delivered > 0 {
        delivered as f64 / (out_at[delivered - 1] - first_in).max(1e-9)
    } else {
        0.0
    };
    let peak = |k: usize| log.samples.iter().map(|s| s.rss[k]).fold(0.0f64, f64::max);
    let rss: Vec<f64> = (0..3).map(peak).collect();
    let max_rss = rss.iter().copied().fold(0.0f64, f64::max);
    let drift = rss_drift(&log.samples);
    let cpu_ms = cpu.per_article_ms(delivered);
    let cores_busy = cpu.total() / ended.max(1e-9);
    // Stages commit a batch at a time, so deliveries come in bursts: the
    // rate is taken over the whole run, from the first article accepted to
    // the last one out (the pipeline's fill included, which a longer run
    // makes smaller).
    let articles_per_s = overall;
    // What the pipeline sustains once full: the middle 80% of deliveries
    // over the time between the first and the last of them (the fill, when
    // the first stage works alone, and the drain left out).
    let steady = if delivered >= 10 {
        let (a, b) = (delivered / 10, delivered * 9 / 10);
        (b - a) as f64 / (out_at[b] - out_at[a]).max(1e-9)
    } else {
        overall
    };
    let summary = serde_json::json!({
        "mode": if args.rate.is_some() { "rate" } else { "max" },
        "rate": args.rate,
        "minutes": args.rate.map(|_| args.minutes),
        "posted": log.posted.len(),
        "accepted": log.accepted.len(),
        "duplicates": log.duplicates,
        "refused": log.refused,
        "enriched": delivered,
        "dead_lettered": dead_count,
        "dead_letter_kinds": dead_letter_kinds,
        "lost": lost,
        "seconds": (ended * 10.0).round() / 10.0,
        "articles_per_s": (articles_per_s * 100.0).round() / 100.0,
        "steady_articles_per_s": (steady * 100.0).round() / 100.0,
        "p50_ms": percentile(&latencies, 0.5).round(),
        "p99_ms": percentile(&latencies, 0.99).round(),
        "max_ms": latencies.last().copied().unwrap_or(f64::NAN).round(),
        "max_rss_mb": max_rss.round(),
        "rss_first_last_fifth_mb": {
            "ingest": drift[0],
            "entity-recognition": drift[1],
            "stance-detection": drift[2],
        },
        "median_article_chars": tail.median_chars,
        "p99_article_chars": tail.median_chars_p99,
        "rss_mb": {
            "ingest": rss[0].round(),
            "entity-recognition": rss[1].round(),
            "stance-detection": rss[2].round(),
        },
        "cpu_ms_per_article": cpu_ms
            .iter()
            .map(|(name, ms)| (name.clone(), serde_json::json!(ms)))
            .collect::<serde_json::Map<_, _>>(),
        "cores_busy": (cores_busy * 100.0).round() / 100.0,
        "warm_up": warmed_count,
        "tracked_claims": claims.len(),
        "entity_instances": args.entity_instances,
        "stance_instances": stance_instances,
        "stance_batch_size": args.stance_batch_size.unwrap_or(stancewire_stance_detection::config::BATCH_SIZE),
        "threads": args.threads,
        "precision": precision,
        "machine": machine,
    });

    let name = match args.rate {
        Some(r) => format!("load-rate-{r}-{}min", args.minutes),
        None => "load-max".to_string(),
    };
    let out = if args.out.is_absolute() {
        args.out.clone()
    } else {
        project("").join(&args.out)
    };
    std::fs::create_dir_all(&out)?;
    let svg_path = out.join(format!("{name}.svg"));
    std::fs::write(&svg_path, draw(&log, &summary, args.window))?;
    std::fs::write(out.join(format!("{name}.json")), summary.to_string())?;

    println!();
    println!(
        "{} posted, {} accepted ({} duplicates, {} refused), {} enriched, {} dead-lettered{}, {} lost, in {:.0} s",
        log.posted.len(),
        log.accepted.len(),
        log.duplicates,
        log.refused,
        delivered,
        dead_count,
        if dead_letter_kinds.is_empty() {
            String::new()
        } else {
            let kinds: Vec<String> = dead_letter_kinds
                .iter()
                .map(|(k, n)| format!("{k} {n}"))
                .collect();
            format!(" ({})", kinds.join(", "))
        },
        lost,
        ended
    );
    for (id, error) in letters.iter().take(5) {
        println!("  dead letter {id}: {error}");
    }
    println!(
        "throughput {articles_per_s:.2} articles/s (first accepted → last enriched; posted {}); \
         {steady:.2}/s over the middle 80% of deliveries",
        match args.rate {
            Some(r) => format!("at {r}/s"),
            None => format!("at once, {} articles", log.posted.len()),
        }
    );
    println!(
        "latency, accepted → enriched committed: p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
        summary["p50_ms"].as_f64().unwrap_or(f64::NAN),
        summary["p99_ms"].as_f64().unwrap_or(f64::NAN),
        summary["max_ms"].as_f64().unwrap_or(f64::NAN),
    );
    println!(
        "peak RSS: ingest {:.0} MB, entity-recognition {:.0} MB, stance-detection {:.0} MB",
        rss[0], rss[1], rss[2]
    );
    println!(
        "mean RSS, first fifth of the run → last fifth: ingest {:.0} → {:.0} MB, \
         entity-recognition {:.0} → {:.0} MB, stance-detection {:.0} → {:.0} MB",
        drift[0][0], drift[0][1], drift[1][0], drift[1][1], drift[2][0], drift[2][1]
    );
    println!(
        "CPU per article enriched (all instances of each; {:.2} of {} cores busy): {}",
        cores_busy,
        std::thread::available_parallelism().map_or(0, usize::from),
        cpu_ms
            .iter()
            .map(|(name, ms)| format!("{name} {ms:.1} ms"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "the slowest 1% of articles: median {} characters (all: {}); the slowest:",
        tail.median_chars_p99, tail.median_chars
    );
    for (ms, chars, at) in &tail.slowest {
        println!("  {ms:.0} ms, {chars} characters, accepted at {at:.1} s");
    }
    println!("chart: {}", svg_path.display());
    drop(log);
    drop(ingest);
    drop(model_services);
    println!("{summary}");
    anyhow::ensure!(
        lost == 0,
        "{lost} accepted articles came out neither enriched nor dead-lettered within --drain-minutes"
    );
    Ok(())
}

/// What the slowest articles have in common: their length, and when they
/// came (a burst, a pause) — where the latency tail comes from.
struct Tail {
    median_chars: usize,
    /// Median length of the articles at or above the p99 latency.
    median_chars_p99: usize,
    /// The five slowest: latency (ms), characters, accepted at (s).
    slowest: Vec<(f64, usize, f64)>,
}

impl Tail {
    /// `timed`: as [`Log::timed`] gives it.
    fn of(mut timed: Vec<(f64, usize, f64)>) -> Tail {
        timed.sort_by(|x, y| y.0.total_cmp(&x.0));
        let median = |mut v: Vec<usize>| {
            v.sort_unstable();
            v.get(v.len() / 2).copied().unwrap_or(0)
        };
        let top = timed.len().div_ceil(100);
        Tail {
            median_chars: median(timed.iter().map(|t| t.1).collect()),
            median_chars_p99: median(timed[..top].iter().map(|t| t.1).collect()),
            slowest: timed.into_iter().take(5).collect(),
        }
    }
}

/// Mean RSS of each service over the first and the last fifth of the
/// samples, in MB: flat, or growing over the run.
fn rss_drift(samples: &[Sample]) -> [[f64; 2]; 3] {
    let fifth = (samples.len() / 5).max(1);
    let mean = |part: &[Sample], k: usize| {
        (part.iter().map(|s| s.rss[k]).sum::<f64>() / part.len().max(1) as f64).round()
    };
    let first = &samples[..fifth.min(samples.len())];
    let last = &samples[samples.len().saturating_sub(fifth)..];
    [0, 1, 2].map(|k| [mean(first, k), mean(last, k)])
}

/// One row of the table: the window `from..to`.
struct Row {
    to: f64,
    posted: usize,
    accepted: usize,
    enriched: usize,
    per_s: f64,
    p50: f64,
    p99: f64,
    lag: [f64; 2],
    rss: [f64; 3],
}

fn row(log: &Log, from: f64, to: f64) -> Row {
    let mut window: Vec<f64> = log
        .enriched
        .iter()
        .filter(|(_, &e)| e > from && e <= to)
        .filter_map(|(id, e)| log.accepted.get(id).map(|a| (e - a) * 1000.0))
        .collect();
    window.sort_by(f64::total_cmp);
    let sample = log.samples.iter().rev().find(|s| s.at <= to);
    Row {
        to,
        posted: log.posted.iter().filter(|&&p| p <= to).count(),
        accepted: log.accepted.values().filter(|&&a| a <= to).count(),
        enriched: log.enriched.values().filter(|&&e| e <= to).count(),
        per_s: window.len() as f64 / (to - from).max(1e-9),
        p50: percentile(&window, 0.5),
        p99: percentile(&window, 0.99),
        lag: sample.map_or([f64::NAN; 2], |s| s.lag),
        rss: sample.map_or([f64::NAN; 3], |s| s.rss),
    }
}

impl Row {
    fn line(&self) -> String {
        format!(
            "{:>7.0} {:>7} {:>8} {:>8} {:>9.2} {:>8.0} {:>8.0} {:>9.0} {:>9.0} {:>9.0} {:>9.0} {:>9.0}",
            self.to,
            self.posted,
            self.accepted,
            self.enriched,
            self.per_s,
            self.p50,
            self.p99,
            self.lag[0],
            self.lag[1],
            self.rss[0],
            self.rss[1],
            self.rss[2]
        )
    }
}

/// The chart: throughput, latency, lag and memory over the run.
fn draw(log: &Log, summary: &serde_json::Value, window: f64) -> String {
    let end = log.samples.last().map_or(0.0, |s| s.at);
    let rows: Vec<Row> = (1..=((end / window).ceil() as usize))
        .map(|i| row(log, (i - 1) as f64 * window, i as f64 * window))
        .collect();
    let series = |name: &str, f: &dyn Fn(&Row) -> f64| Series {
        name: name.to_string(),
        points: rows.iter().map(|r| (r.to, f(r))).collect(),
    };
    let sampled = |name: &str, f: &dyn Fn(&Sample) -> f64| Series {
        name: name.to_string(),
        points: log.samples.iter().map(|s| (s.at, f(s))).collect(),
    };
    let posted_per_s = |r: &Row| {
        log.posted
            .iter()
            .filter(|&&p| p > r.to - window && p <= r.to)
            .count() as f64
            / window
    };
    let panels = [
        Panel {
            title: "throughput".into(),
            unit: "articles/s".into(),
            series: vec![
                series("posted", &posted_per_s),
                series("enriched", &|r| r.per_s),
            ],
        },
        Panel {
            title: "latency, accepted → enriched".into(),
            unit: "ms".into(),
            series: vec![series("p50", &|r| r.p50), series("p99", &|r| r.p99)],
        },
        Panel {
            title: "consumer lag".into(),
            unit: "records".into(),
            series: vec![
                sampled("entity-recognition", &|s| s.lag[0]),
                sampled("stance-detection", &|s| s.lag[1]),
            ],
        },
        Panel {
            title: "resident memory".into(),
            unit: "MB".into(),
            series: (0..3)
                .map(|k| sampled(SERVICES[k], &|s| s.rss[k]))
                .collect(),
        },
    ];
    let title = format!(
        "stancewire load ({}): {} articles/s, p50 {} ms, p99 {} ms — {}",
        summary["mode"].as_str().unwrap_or_default(),
        summary["articles_per_s"],
        summary["p50_ms"],
        summary["p99_ms"],
        summary["machine"].as_str().unwrap_or_default(),
    );
    chart::svg(&title, "seconds since the start", &panels)
}

#[cfg(test)]
mod tests {
    use super::{rss_drift, spread, CpuUse, Log, Sample, Tail};

    #[test]
    fn cpu_is_summed_over_instances_and_taken_between_two_readings() {
        let this = std::process::id().to_string();
        let processes = [
            ("stance-detection", this.clone()),
            ("stance-detection", "self".to_string()),
            ("gone", "4294967295".to_string()),
        ];
        let before = CpuUse::now(&processes);
        assert_eq!(before.0.len(), 2, "{before:?}");
        assert_eq!(before.0[1], ("gone".to_string(), 0.0));
        // Work until the kernel has counted at least a tick more.
        let mut x = 0u64;
        while CpuUse::now(&processes).since(&before).total() < 0.02 {
            x = x.wrapping_add(std::hint::black_box(1));
        }
        let used = CpuUse::now(&processes).since(&before);
        // Counted twice (by pid and as self), the one process that worked;
        // the one that is gone counts nothing.
        assert!(used.0[0].1 >= 0.02 && used.0[1].1 == 0.0, "{used:?} {x}");
        let per = CpuUse(vec![("a".into(), 1.5), ("b".into(), 0.25)]).per_article_ms(10);
        assert_eq!(per, [("a".to_string(), 150.0), ("b".to_string(), 25.0)]);
        assert_eq!(
            CpuUse(vec![("a".into(), 2.0)])
                .since(&CpuUse::default())
                .total(),
            2.0
        );
    }

    #[test]
    fn spread_keeps_the_proportion_in_every_prefix() {
        let a: Vec<u32> = (0..4).collect();
        let b: Vec<u32> = (100..108).collect();
        let merged = spread(a, b);
        assert_eq!(merged, [0, 100, 101, 1, 102, 103, 2, 104, 105, 3, 106, 107]);
        assert_eq!(spread(vec![1, 2], Vec::new()), [1, 2]);
        assert_eq!(spread(Vec::new(), vec![7]), [7]);
    }

    #[test]
    fn the_drift_compares_the_first_and_last_fifth_of_the_samples() {
        let samples: Vec<Sample> = (0..10)
            .map(|i| Sample {
                at: i as f64,
                rss: [20.0, 100.0 + 10.0 * i as f64, 500.0],
                lag: [0.0; 2],
            })
            .collect();
        assert_eq!(
            rss_drift(&samples),
            [[20.0, 20.0], [105.0, 185.0], [500.0, 500.0]]
        );
        assert_eq!(rss_drift(&[]), [[0.0, 0.0]; 3]);
    }

    #[test]
    fn the_tail_is_the_slowest_articles_with_their_lengths() {
        let mut log = Log::default();
        for i in 0..200usize {
            let id = format!("a{i}");
            log.accepted.insert(id.clone(), i as f64);
            log.chars.insert(id.clone(), 1_000 + i);
            // Latency grows with length: the two slowest are the longest.
            log.enriched.insert(id, i as f64 + 0.1 + i as f64 / 1_000.0);
        }
        log.accepted.insert("lost".into(), 0.0);
        let tail = Tail::of(log.timed());
        assert_eq!(tail.median_chars, 1_100);
        assert_eq!(tail.median_chars_p99, 1_199);
        assert_eq!(tail.slowest.len(), 5);
        assert_eq!(tail.slowest[0].1, 1_199);
        assert!(
            (tail.slowest[0].0 - 299.0).abs() < 1e-6,
            "{:?}",
            tail.slowest
        );
    }
}
