//! The real services, started in-process on port 0 against a test broker,
//! and helpers to read their records back.

use rdkafka::message::{Message, OwnedMessage};
use stancewire_entity_recognition::{config::EntityConfig, startup::EntityRecognition};
use stancewire_ingest::{config::IngestConfig, startup::Ingest as IngestService};
use stancewire_proto::v1;
use stancewire_stage::{codec, Record, Service, Shutdown};
use stancewire_stance_detection::{config::StanceConfig, startup::StanceDetection};

use crate::{header, post, Broker};

/// A running ingest service.
pub struct Ingest {
    pub base: String,
    pub config: IngestConfig,
    pub shutdown: Shutdown,
    pub task: tokio::task::JoinHandle<anyhow::Result<()>>,
    pub _dir: tempfile::TempDir,
}

/// Ingest's configuration for a test: the broker, port 0, a private dedup store.
pub fn config_for(broker: &Broker, dir: &tempfile::TempDir) -> IngestConfig {
    let mut config = IngestConfig::default();
    config.stage.kafka.brokers = broker.addr();
    config.stage.http.listen = "127.0.0.1:0".parse().unwrap();
    config.dedup.path = dir.path().join("dedup.sqlite").display().to_string();
    config.limits.max_body_bytes = 512 * 1024;
    config
}

/// A fetcher that may fetch from loopback, where the tests' sites run
/// (public addresses only is the default).
pub fn loopback_fetcher() -> stancewire_ingest::fetch::Fetcher {
    stancewire_ingest::fetch::Fetcher::new(&stancewire_ingest::fetch::FetchSettings {
        allow: vec!["127.0.0.1".into()],
        ..Default::default()
    })
    .expect("a valid allow list")
}

pub async fn spawn_ingest(broker: &Broker) -> Ingest {
    spawn_ingest_with(broker, |_| {}).await
}

/// Ingest with the test configuration changed by `change`.
pub async fn spawn_ingest_with(broker: &Broker, change: impl FnOnce(&mut IngestConfig)) -> Ingest {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config_for(broker, &dir);
    change(&mut config);
    let app = IngestService::build(&config).await.expect("ingest builds");
    let base = format!("http://127.0.0.1:{}", app.port());
    let shutdown = Shutdown::new();
    let task = tokio::spawn(app.run_until_stopped(shutdown.clone()));
    Ingest {
        base,
        config,
        shutdown,
        task,
        _dir: dir,
    }
}

impl Ingest {
    pub async fn post(
        &self,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> (u16, serde_json::Value) {
        post(&format!("{}/v1/articles", self.base), content_type, body).await
    }

    pub async fn stop(self) {
        self.shutdown.trigger();
        self.task.await.unwrap().expect("ingest exits cleanly");
    }
}

/// A running consuming stage (entity-recognition, stance-detection).
pub struct Stage {
    pub base: String,
    pub shutdown: Shutdown,
    pub task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Stage {
    /// Runs a built service (`run` is its `run_until_stopped`) on `port`.
    fn start<F>(port: u16, run: impl FnOnce(Shutdown) -> F) -> Stage
    where
        F: std::future::Future<Output = anyhow::Result<()>> + Send + 'static,
    {
        let shutdown = Shutdown::new();
        Stage {
            base: format!("http://127.0.0.1:{port}"),
            task: tokio::spawn(run(shutdown.clone())),
            shutdown,
        }
    }

    pub async fn stop(mut self) {
        self.shutdown.trigger();
        (&mut self.task)
            .await
            .unwrap()
            .expect("the stage exits cleanly");
    }
}

/// A test that fails mid-way drops its services without `stop`: shut them
/// down anyway, or the blocking work they run (stance-detection's claims
/// follower) keeps the test's runtime from ever finishing, and a failing
/// test hangs instead of failing.
impl Drop for Stage {
    fn drop(&mut self) {
        self.shutdown.trigger();
    }
}

/// A consuming service's shared settings for a test: the broker, port 0, a
/// consumer group of its own (`{group}-test-PORT`).
fn test_settings(stage: &mut stancewire_stage::StageSettings, broker: &Broker, group: &str) {
    stage.kafka.brokers = broker.addr();
    stage.kafka.group_id = format!("{group}-test-{}", crate::free_port());
    stage.http.listen = "127.0.0.1:0".parse().unwrap();
}

/// entity-recognition's configuration for a test: the broker, port 0, a
/// consumer group of its own, the shipped model on two threads.
pub fn entity_config(broker: &Broker) -> EntityConfig {
    let mut config = EntityConfig::default();
    test_settings(&mut config.stage, broker, "er");
    config.model.runtime.threads = 2;
    config
}

pub async fn spawn_entity_recognition(config: &EntityConfig) -> Stage {
    let app = EntityRecognition::build(config)
        .await
        .expect("entity-recognition builds");
    Stage::start(app.port(), |shutdown| app.run_until_stopped(shutdown))
}

/// stance-detection's configuration for a test: the broker, port 0, a
/// consumer group of its own, the shipped model on two threads.
pub fn stance_config(broker: &Broker) -> StanceConfig {
    let mut config = StanceConfig::default();
    test_settings(&mut config.stage, broker, "sd");
    config.model.runtime.threads = 2;
    config
}

pub async fn spawn_stance_detection(config: &StanceConfig) -> Stage {
    let app = StanceDetection::build(config)
        .await
        .expect("stance-detection builds");
    Stage::start(app.port(), |shutdown| app.run_until_stopped(shutdown))
}

/// Publishes a claim to track on the compacted `claims` topic, as a user would.
pub async fn track_claim(broker: &Broker, claim_id: &str, text: &str) {
    let claim = v1::TrackedClaim {
        claim_id: claim_id.into(),
        text: text.into(),
        ..Default::default()
    };
    broker
        .create(&[stancewire_stage::topics::TopicSpec::table("claims")])
        .await;
    produce(
        broker,
        "claims",
        claim_id,
        serde_json::to_vec(&claim).unwrap(),
        codec::JSON,
    )
    .await;
}

/// `n` FNC-1 headlines, spread evenly over the sorted distinct headlines of
/// its train split: claims to track, mostly about other stories than the
/// corpora's (what a table of tracked claims holds).
pub fn fnc_headlines(n: usize) -> Vec<String> {
    let mut reader = csv::Reader::from_path(crate::shared("data/fnc-1/train_stances.csv"))
        .expect("FNC-1 train stances");
    let mut headlines: Vec<String> = reader
        .records()
        .map(|r| r.expect("a CSV record")[0].to_string())
        .collect();
    headlines.sort();
    headlines.dedup();
    let step = (headlines.len() / n.max(1)).max(1);
    headlines.into_iter().step_by(step).take(n).collect()
}

/// A record, decoded by its content-type header.
pub fn decode<R: Record>(m: &OwnedMessage) -> R {
    codec::decode(
        m.payload().unwrap(),
        header(m, codec::CONTENT_TYPE).as_deref(),
    )
    .unwrap_or_else(|e| panic!("a {}: {e}", std::any::type_name::<R>()))
}

/// The text of a span (character offsets).
pub fn chars(s: &str, span: &v1::Span) -> String {
    s.chars()
        .skip(span.start as usize)
        .take((span.end - span.start) as usize)
        .collect()
}

/// Produces one raw record to `topic`, as a client outside the pipeline
/// would (records up to 4 MB).
pub async fn produce(
    broker: &Broker,
    topic: &str,
    key: &str,
    payload: Vec<u8>,
    content_type: &str,
) {
    use rdkafka::producer::{FutureProducer, FutureRecord};
    broker.create_topics(&[topic]).await;
    let producer: FutureProducer = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", broker.addr())
        .set("message.max.bytes", "4194304")
        .create()
        .unwrap();
    let headers = rdkafka::message::OwnedHeaders::new().insert(rdkafka::message::Header {
        key: codec::CONTENT_TYPE,
        value: Some(content_type),
    });
    producer
        .send(
            FutureRecord::to(topic)
                .key(key)
                .payload(&payload)
                .headers(headers),
            std::time::Duration::from_secs(10),
        )
        .await
        .map_err(|(e, _)| e)
        .unwrap();
}

/// A clean article as ingest would produce it, with only what the later
/// stages read.
pub fn article(id: &str, title: &str, body: &str, language: &str) -> v1::Article {
    v1::Article {
        meta: Some(v1::RecordMeta {
            article_id: id.into(),
            version: format!("v-{id}"),
            ..Default::default()
        }),
        title: title.into(),
        body: body.into(),
        language: Some(v1::Language {
            code: language.into(),
            confidence: 0.9,
        }),
        ..Default::default()
    }
}

/// What entity-recognition would produce for an article with no entities:
/// each non-empty line of `body` one sentence, as ingest would split them.
pub fn entities_record(id: &str, title: &str, body: &str, language: &str) -> v1::ArticleEntities {
    let mut a = article(id, title, body, language);
    let mut at = 0u32;
    for line in body.split('\n') {
        let n = line.chars().count() as u32;
        if n > 0 {
            a.sentences.push(v1::Sentence {
                span: Some(v1::Span {
                    start: at,
                    end: at + n,
                }),
                paragraph: 0,
            });
        }
        at += n + 1;
    }
    v1::ArticleEntities {
        meta: a.meta.clone(),
        article: Some(a),
        ..Default::default()
    }
}

/// Produces an article to `articles.raw` (JSON), keyed by its id.
pub async fn send_article(broker: &Broker, a: &v1::Article) {
    let payload = serde_json::to_vec(a).unwrap();
    let key = a.meta.as_ref().unwrap().article_id.clone();
    produce(broker, "articles.raw", &key, payload, codec::JSON).await;
}

/// The one record expected on `articles.entities`, and its entities' names.
pub async fn one_entities_record(
    broker: &Broker,
) -> (v1::ArticleEntities, std::collections::BTreeSet<String>) {
    let out = crate::read_topic(
        &broker.addr(),
        "articles.entities",
        1,
        std::time::Duration::from_secs(60),
    )
    .await;
    assert_eq!(out.len(), 1, "one record on articles.entities");
    let record: v1::ArticleEntities = decode(&out[0]);
    let names = record
        .entities
        .iter()
        .map(|e| e.canonical_name.clone())
        .collect();
    (record, names)
}

/// Every article of a corpus folder under `../shared/`, cleaned by ingest
/// into `articles.raw` (duplicates dropped) and read back.
pub async fn clean_corpus(broker: &Broker, folder: &str) -> Vec<v1::Article> {
    use stancewire_ingest::{files, startup};
    let dedup = tempfile::tempdir().unwrap();
    let mut c = IngestConfig::default();
    c.stage.kafka.brokers = broker.addr();
    c.dedup.path = dedup.path().join("dedup.sqlite").display().to_string();
    let ingestor = startup::ingestor(&c, &stancewire_stage::metrics::Metrics::new("ingest"))
        .await
        .unwrap();
    let report = files::ingest(
        &[crate::shared(folder)],
        ingestor,
        c.limits.limits(),
        64,
        false,
    )
    .await
    .unwrap();
    let msgs = crate::read_topic(
        &broker.addr(),
        "articles.raw",
        report.accepted,
        std::time::Duration::from_secs(60),
    )
    .await;
    msgs.iter().map(decode::<v1::Article>).collect()
}

/// A consuming service stopped as soon as its first output has appeared on
/// `output`, then started again in the same consumer group (`spawn` starts
/// it): every key in `want` must come out, exactly once.
pub async fn assert_restart_loses_nothing<F, Fut>(
    broker: &Broker,
    output: &str,
    want: &std::collections::BTreeSet<String>,
    spawn: F,
) where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Stage>,
{
    let first = spawn().await;
    let early = crate::read_topic(
        &broker.addr(),
        output,
        1,
        std::time::Duration::from_secs(60),
    )
    .await;
    assert!(
        !early.is_empty(),
        "no output on {output} before the restart"
    );
    first.stop().await;
    // Same consumer group: it resumes from the committed offsets.
    let second = spawn().await;
    assert_every_key_exactly_once(broker, output, want).await;
    second.stop().await;
}

/// Reads `topic` until every key in `want` has arrived (repeats count toward
/// what arrived, so it reads on while keys are missing), then checks that no
/// key is missing and none came twice. Returns how many messages were read.
pub async fn assert_every_key_exactly_once(
    broker: &Broker,
    topic: &str,
    want: &std::collections::BTreeSet<String>,
) -> usize {
    use std::collections::{BTreeMap, BTreeSet};
    let key_of =
        |m: &OwnedMessage| String::from_utf8_lossy(m.key().unwrap_or_default()).into_owned();
    let mut all = crate::read_topic(
        &broker.addr(),
        topic,
        want.len(),
        std::time::Duration::from_secs(90),
    )
    .await;
    for _ in 0..3 {
        let keys: BTreeSet<String> = all.iter().map(key_of).collect();
        if want.is_subset(&keys) {
            break;
        }
        let more = all.len() + want.difference(&keys).count();
        all = crate::read_topic(
            &broker.addr(),
            topic,
            more,
            std::time::Duration::from_secs(30),
        )
        .await;
    }
    let mut by_key: BTreeMap<String, Vec<Vec<u8>>> = BTreeMap::new();
    for m in &all {
        by_key
            .entry(key_of(m))
            .or_default()
            .push(m.payload().unwrap_or_default().to_vec());
    }
    assert_eq!(
        &by_key.keys().cloned().collect::<BTreeSet<_>>(),
        want,
        "no record lost on {topic}"
    );
    for (key, copies) in &by_key {
        // The services run exactly-once: a restart repeats nothing that
        // a read_committed reader sees.
        assert_eq!(copies.len(), 1, "{key}: {} copies on {topic}", copies.len());
    }
    all.len()
}
