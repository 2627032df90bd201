//! The stage's pieces that talk to a broker, each on its own against a real
//! one: the publisher (keys, headers, both wire formats), dead letters (the
//! record, its reason and origin; an oversized record cut to fit) and
//! delivery (at-least-once commits exactly the offsets it is given).

use std::time::Duration;

use rdkafka::{consumer::Consumer, message::Message, Offset, TopicPartitionList};
use stancewire_proto::v1;
use stancewire_stage::{
    codec::{self, WireFormat},
    config::{DeliveryMode, KafkaSettings},
    dead_letter::{DeadLetters, MAX_PAYLOAD_BYTES},
    delivery, kafka,
    metrics::Metrics,
    publisher::Publisher,
    Failure, FailureKind,
};
use stancewire_tests::{
    apps::{article, decode},
    header,
    process::committed,
    read_topic, Broker,
};

fn settings(broker: &Broker, format: WireFormat) -> KafkaSettings {
    KafkaSettings {
        brokers: broker.addr(),
        wire_format: format,
        group_id: "pieces".into(),
        ..KafkaSettings::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_publisher_keys_records_and_names_them_in_headers_in_both_formats() {
    let broker = Broker::start();
    broker.create_topics(&["out.json", "out.pb"]).await;
    for (format, topic) in [
        (WireFormat::Json, "out.json"),
        (WireFormat::Protobuf, "out.pb"),
    ] {
        let publisher = Publisher::new(&settings(&broker, format), Metrics::new("pieces")).unwrap();
        let record = article("story-1", "Title", "Body “quoted”.", "en");
        publisher.publish(topic, &record).await.unwrap();
        let out = read_topic(&broker.addr(), topic, 1, Duration::from_secs(20)).await;
        assert_eq!(out.len(), 1);
        let m = &out[0];
        assert_eq!(m.key(), Some("story-1".as_bytes()));
        assert_eq!(
            header(m, codec::CONTENT_TYPE).as_deref(),
            Some(format.content_type())
        );
        assert_eq!(
            header(m, codec::RECORD_TYPE).as_deref(),
            Some("stancewire.v1.Article")
        );
        assert_eq!(
            header(m, codec::RECORD_VERSION).as_deref(),
            Some("v-story-1")
        );
        assert!(header(m, codec::PRODUCED_AT).is_some());
        let back: v1::Article = decode(m);
        assert_eq!(back, record, "{format:?} round-trips");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_letter_carries_the_record_its_reason_and_origin_and_fits() {
    let broker = Broker::start();
    broker
        .create(&[stancewire_stage::topics::TopicSpec::dead_letter(
            "pieces.dlq",
        )])
        .await;
    let metrics = Metrics::new("pieces");
    let publisher = Publisher::new(&settings(&broker, WireFormat::Json), metrics.clone()).unwrap();
    let dead = DeadLetters::new(publisher, "pieces.dlq", metrics.clone());
    let payload = vec![b'x'; MAX_PAYLOAD_BYTES + 10];
    let failure = Failure::new(FailureKind::TooLarge, "far too long");
    let letter = dead.for_origin("file:big.txt:3", &payload, &failure);
    dead.send(&letter, failure.kind).await.unwrap();
    let out = read_topic(&broker.addr(), "pieces.dlq", 1, Duration::from_secs(20)).await;
    assert_eq!(out.len(), 1);
    let dl: v1::DeadLetter = decode(&out[0]);
    assert_eq!(dl.error_kind, "too_large");
    assert!(dl.error.starts_with("far too long"), "{}", dl.error);
    assert!(dl.error.contains("truncated"), "{}", dl.error);
    assert_eq!(dl.payload.len(), MAX_PAYLOAD_BYTES, "cut to fit the topic");
    assert_eq!(dl.origin, "file:big.txt:3");
    assert_eq!(dl.service, "pieces");
    assert!(dl.failed_at.is_some());
    assert!(metrics.render().contains("stancewire_dead_letters_total"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_least_once_commits_exactly_the_offsets_it_is_given() {
    let broker = Broker::start();
    broker.create_topics(&["input"]).await;
    let settings = settings(&broker, WireFormat::Json);
    let publisher = Publisher::new(&settings, Metrics::new("pieces")).unwrap();
    // One key: one partition, in order.
    for _ in 0..3 {
        let record = article("k", "T", "B.", "en");
        publisher.publish("input", &record).await.unwrap();
    }
    let consumer =
        std::sync::Arc::new(kafka::consumer(&settings, &Metrics::new("pieces")).unwrap());
    consumer.subscribe(&["input"]).unwrap();
    // The first two records, as one batch.
    let mut batch: Vec<rdkafka::message::OwnedMessage> = Vec::new();
    while batch.len() < 2 {
        let m = tokio::time::timeout(Duration::from_secs(20), consumer.recv())
            .await
            .expect("a record")
            .expect("no consumer error");
        batch.push(m.detach());
    }
    assert_eq!(
        committed(&broker, "pieces", "input"),
        0,
        "nothing is committed before the batch is"
    );
    delivery::begin_batch(DeliveryMode::AtLeastOnce, &publisher).unwrap();
    let last = batch.last().unwrap();
    let mut offsets = TopicPartitionList::new();
    offsets
        .add_partition_offset("input", last.partition(), Offset::Offset(last.offset() + 1))
        .unwrap();
    delivery::commit_batch(DeliveryMode::AtLeastOnce, &publisher, &consumer, offsets)
        .await
        .unwrap();
    assert_eq!(
        committed(&broker, "pieces", "input"),
        last.offset() + 1,
        "the batch's partition is committed up to the record after it"
    );
}
