//! End-to-end tests of the shared stage loop on a real broker, with a small
//! transform of the kind every service has: consume, transform, produce,
//! commit, dead-letter, drop repeats, shut down cleanly, survive a crash.

use std::{sync::Arc, time::Duration};

use rdkafka::Message;
use stancewire_proto::v1;
use stancewire_stage::{
    codec::{self, WireFormat},
    config::DeliveryMode,
    config::KafkaSettings,
    http::Readiness,
    metrics::Metrics,
    stage::{self, Emit, Topics, Transform},
    Failure, FailureKind, Shutdown,
};
use stancewire_tests::{header, process::committed, read_topic, Broker};

/// Upper-cases titles. Refuses an article without one; panics on "POISON";
/// makes a body of "GROW" 9 MiB long (more than any topic takes).
struct Shout;

impl Transform for Shout {
    type Input = v1::Article;
    fn transform(&self, batch: &[v1::Article]) -> Vec<Result<Vec<Emit>, Failure>> {
        batch
            .iter()
            .map(|a| {
                if a.body.contains("POISON") {
                    panic!("poisoned record");
                }
                if a.title.is_empty() {
                    return Err(Failure::new(
                        FailureKind::InvalidRecord,
                        "article has no title",
                    ));
                }
                let mut out = a.clone();
                out.title = a.title.to_uppercase();
                if a.body == "GROW" {
                    out.body = "x".repeat(9 * 1024 * 1024);
                }
                Ok(vec![Emit::new("shouted", out)])
            })
            .collect()
    }
}

fn article(id: &str, title: &str, body: &str) -> v1::Article {
    v1::Article {
        meta: Some(v1::RecordMeta {
            article_id: id.into(),
            version: format!("v-{id}-{title}"),
            ..Default::default()
        }),
        title: title.into(),
        body: body.into(),
        ..Default::default()
    }
}

async fn produce(broker: &Broker, key: &str, payload: Vec<u8>, content_type: &str) {
    broker
        .create_topics(&["input", "shouted", "input.dlq"])
        .await;
    stancewire_tests::apps::produce(broker, "input", key, payload, content_type).await
}

async fn produce_article(broker: &Broker, a: &v1::Article, format: WireFormat) {
    produce(
        broker,
        &a.meta.as_ref().unwrap().article_id,
        codec::encode(a, format),
        format.content_type(),
    )
    .await;
}

fn settings(broker: &Broker) -> KafkaSettings {
    KafkaSettings {
        brokers: broker.addr(),
        group_id: "shout".into(),
        batch_size: 8,
        transactional_id: "shout-1".into(),
        ..Default::default()
    }
}

struct Running {
    shutdown: Shutdown,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

fn start(settings: KafkaSettings) -> Running {
    let shutdown = Shutdown::new();
    let topics = Topics {
        input: "input".into(),
        dead_letter: "input.dlq".into(),
    };
    let task = tokio::spawn(stage::run(
        settings,
        topics,
        Arc::new(Shout),
        Metrics::new("shout"),
        Readiness::default(),
        shutdown.clone(),
    ));
    Running { shutdown, task }
}

impl Running {
    async fn stop(self) {
        self.shutdown.trigger();
        self.task.await.unwrap().expect("stage stops cleanly");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_loop_transforms_dead_letters_and_commits() {
    let broker = Broker::start();
    for (i, format) in [WireFormat::Json, WireFormat::Protobuf, WireFormat::Json]
        .into_iter()
        .enumerate()
    {
        produce_article(
            &broker,
            &article(&format!("a{i}"), "quiet title", "text"),
            format,
        )
        .await;
    }
    produce(
        &broker,
        "garbage",
        b"{this is not a record".to_vec(),
        "application/json",
    )
    .await;
    produce_article(
        &broker,
        &article("p", "poison", "POISON pill"),
        WireFormat::Json,
    )
    .await;
    produce_article(&broker, &article("n", "", "no title"), WireFormat::Json).await;

    let running = start(settings(&broker));
    let out = read_topic(&broker.addr(), "shouted", 3, Duration::from_secs(15)).await;
    assert_eq!(out.len(), 3);
    for m in &out {
        let a: v1::Article =
            codec::decode(m.payload().unwrap(), header(m, "content-type").as_deref()).unwrap();
        assert_eq!(a.title, "QUIET TITLE");
        assert_eq!(m.key().unwrap(), a.meta.unwrap().article_id.as_bytes());
    }
    let dead = read_topic(&broker.addr(), "input.dlq", 3, Duration::from_secs(15)).await;
    let mut letters: Vec<v1::DeadLetter> = dead
        .iter()
        .map(|m| codec::decode(m.payload().unwrap(), header(m, "content-type").as_deref()).unwrap())
        .collect();
    letters.sort_by(|a, b| a.error_kind.cmp(&b.error_kind));
    let kinds: Vec<&str> = letters.iter().map(|d| d.error_kind.as_str()).collect();
    assert_eq!(kinds, vec!["decode", "invalid_record", "panic"]);
    let garbage = &letters[0];
    assert_eq!(garbage.payload, b"{this is not a record");
    assert_eq!(garbage.key, b"garbage");
    assert_eq!(garbage.source_topic, "input");
    assert!(garbage.source_offset >= 0 && garbage.source_partition >= 0);
    assert_eq!(garbage.service, "shout");
    assert!(
        garbage.error.starts_with("invalid JSON record"),
        "{}",
        garbage.error
    );
    assert!(garbage.headers.iter().any(|h| h.key == "content-type"));
    running.stop().await;

    // Restarted in the same group, the stage resumes after its commits:
    // only the new record is handled.
    produce_article(
        &broker,
        &article("late", "late title", "text"),
        WireFormat::Json,
    )
    .await;
    let running = start(settings(&broker));
    let out = read_topic(&broker.addr(), "shouted", 5, Duration::from_secs(8)).await;
    assert_eq!(out.len(), 4, "nothing lost, nothing handled twice");
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeats_are_dropped_by_key_and_version() {
    let broker = Broker::start();
    let a = article("same", "title", "text");
    produce_article(&broker, &a, WireFormat::Json).await;
    produce_article(&broker, &a, WireFormat::Protobuf).await; // a repeat, in the other encoding
    produce_article(
        &broker,
        &article("same", "new title", "text"),
        WireFormat::Json,
    )
    .await; // a new version
    let running = start(settings(&broker));
    let out = read_topic(&broker.addr(), "shouted", 3, Duration::from_secs(8)).await;
    assert_eq!(out.len(), 2);
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_output_no_broker_would_take_is_dead_lettered_and_the_partition_moves_on() {
    let broker = Broker::start();
    // One key, one partition: the record after the oversized one must
    // still come through.
    let mut big = article("same", "big", "GROW");
    big.meta.as_mut().unwrap().version = "v1".into();
    produce_article(&broker, &big, WireFormat::Json).await;
    produce_article(&broker, &article("same", "after", "text"), WireFormat::Json).await;
    let running = start(settings(&broker));
    let out = read_topic(&broker.addr(), "shouted", 1, Duration::from_secs(20)).await;
    assert_eq!(out.len(), 1);
    let a: v1::Article =
        codec::decode(out[0].payload().unwrap(), Some("application/json")).unwrap();
    assert_eq!(a.title, "AFTER");
    let dead = read_topic(&broker.addr(), "input.dlq", 1, Duration::from_secs(20)).await;
    let dl: v1::DeadLetter = codec::decode(
        dead[0].payload().unwrap(),
        header(&dead[0], "content-type").as_deref(),
    )
    .unwrap();
    assert_eq!(dl.error_kind, "output_too_large");
    assert!(dl.error.contains("shouted"), "{}", dl.error);
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_least_once_still_runs_for_brokers_without_transactions() {
    let broker = Broker::start();
    for i in 0..3 {
        produce_article(
            &broker,
            &article(&format!("a{i}"), "t", "x"),
            WireFormat::Json,
        )
        .await;
    }
    let settings = KafkaSettings {
        delivery: DeliveryMode::AtLeastOnce,
        transactional_id: String::new(),
        ..settings(&broker)
    };
    let running = start(settings);
    let out = read_topic(&broker.addr(), "shouted", 4, Duration::from_secs(8)).await;
    assert_eq!(out.len(), 3);
    running.stop().await;
    assert_eq!(committed(&broker, "shout", "input"), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_zombie_with_the_same_transactional_id_is_fenced() {
    let broker = Broker::start();
    produce_article(&broker, &article("a", "t", "x"), WireFormat::Json).await;
    // The first instance, then "the same instance restarted" while the
    // first is still alive (a paused process, a partitioned host).
    let zombie = start(settings(&broker));
    assert_eq!(
        read_topic(&broker.addr(), "shouted", 1, Duration::from_secs(20))
            .await
            .len(),
        1
    );
    let successor = start(settings(&broker));
    tokio::time::sleep(Duration::from_secs(3)).await;
    // Records on every partition, so the zombie gets some of them: its
    // next transaction is refused as fenced, and it stops with an error
    // instead of writing beside its successor, who then reads them.
    for i in 0..30 {
        produce_article(
            &broker,
            &article(&format!("b{i}"), "t", "x"),
            WireFormat::Json,
        )
        .await;
    }
    let out = read_topic(&broker.addr(), "shouted", 32, Duration::from_secs(30)).await;
    assert_eq!(out.len(), 31, "every record once");
    let zombie_result = tokio::time::timeout(Duration::from_secs(30), zombie.task)
        .await
        .expect("the zombie has stopped")
        .unwrap();
    successor.shutdown.trigger();
    let err = zombie_result.expect_err("the zombie is fenced");
    assert!(
        format!("{err:#}").to_lowercase().contains("fenced"),
        "{err:#}"
    );
    successor
        .task
        .await
        .unwrap()
        .expect("the successor stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broker_crash_loses_no_record() {
    let mut broker = Broker::start();
    for i in 0..10 {
        produce_article(
            &broker,
            &article(&format!("k{i}"), "before", "text"),
            WireFormat::Json,
        )
        .await;
    }
    let running = start(settings(&broker));
    assert_eq!(
        read_topic(&broker.addr(), "shouted", 10, Duration::from_secs(15))
            .await
            .len(),
        10
    );

    broker.crash_and_restart();
    for i in 10..20 {
        produce_article(
            &broker,
            &article(&format!("k{i}"), "after", "text"),
            WireFormat::Json,
        )
        .await;
    }
    let out = read_topic(&broker.addr(), "shouted", 40, Duration::from_secs(20)).await;
    let mut seen: Vec<(Vec<u8>, String)> = out
        .iter()
        .map(|m| {
            (
                m.key().unwrap().to_vec(),
                header(m, "stancewire-version").unwrap(),
            )
        })
        .collect();
    seen.sort();
    seen.dedup();
    assert_eq!(
        seen.len(),
        20,
        "every record arrived (repeats, if any, share key and version)"
    );
    running.stop().await;
}
