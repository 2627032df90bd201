//! Producing a story and remembering it in the dedup store are two writes
//! to two systems; a crash can fall between them. The store therefore
//! writes a story down as *pending* before it is produced, and settles it
//! once produced (or released, if producing failed). At start-up, before
//! anything is ingested, each pending story left by a crash is looked up
//! in the output topic: found, it is remembered (a resubmission is a
//! duplicate, so nothing is doubled); not found, it is forgotten (a
//! resubmission produces it, so nothing is lost).

use std::{collections::HashSet, time::Duration};

use rdkafka::{
    consumer::{BaseConsumer, Consumer},
    message::Message,
    Offset, TopicPartitionList,
};
use stancewire_stage::{codec, kafka, KafkaSettings};

use crate::dedup::Dedup;

/// How far before the oldest pending story the topic is read: producers'
/// and brokers' clocks may differ a little.
const CLOCK_SLACK_MS: i64 = 60_000;

/// Settles every pending story against what `topic` holds.
pub async fn settle_pending(
    dedup: &Dedup,
    settings: &KafkaSettings,
    topic: &str,
) -> anyhow::Result<()> {
    let pending = dedup.pending()?;
    let Some(oldest) = pending.iter().map(|p| p.since).min() else {
        return Ok(());
    };
    tracing::warn!(
        stories = pending.len(),
        "stories left pending by a crash; looking them up in {topic}"
    );
    let (settings, name) = (settings.clone(), topic.to_string());
    let produced = tokio::task::spawn_blocking(move || {
        produced_since(&settings, &name, oldest * 1000 - CLOCK_SLACK_MS)
    })
    .await??;
    for p in &pending {
        let found = produced.contains(&(p.article_id.clone(), p.fingerprint.version.clone()));
        dedup.settle(p, found)?;
        tracing::info!(
            article_id = %p.article_id,
            version = %p.fingerprint.version,
            produced = found,
            "pending story settled"
        );
    }
    Ok(())
}

/// The (key, version) of every record on `topic` since `since_ms`.
fn produced_since(
    settings: &KafkaSettings,
    topic: &str,
    since_ms: i64,
) -> anyhow::Result<HashSet<(String, String)>> {
    let mut config = kafka::client_config(settings);
    config
        .set("group.id", format!("{}-recovery", settings.group_id))
        .set("enable.auto.commit", "false")
        .set("isolation.level", "read_committed");
    kafka::apply_overrides(&mut config, settings)?;
    let consumer: BaseConsumer = config.create()?;
    let timeout = Duration::from_secs(30);
    let metadata = consumer.fetch_metadata(Some(topic), timeout)?;
    let mut wanted = TopicPartitionList::new();
    for t in metadata.topics() {
        for p in t.partitions() {
            wanted.add_partition_offset(topic, p.id(), Offset::Offset(since_ms))?;
        }
    }
    let starts = consumer.offsets_for_times(wanted, timeout)?;
    let mut assignment = TopicPartitionList::new();
    let mut ends = std::collections::HashMap::new();
    for e in starts.elements() {
        let (_, high) = consumer.fetch_watermarks(topic, e.partition(), timeout)?;
        if let Offset::Offset(start) = e.offset() {
            if start < high {
                assignment.add_partition_offset(topic, e.partition(), Offset::Offset(start))?;
                ends.insert(e.partition(), high);
            }
        }
    }
    let mut seen = HashSet::new();
    if ends.is_empty() {
        return Ok(seen);
    }
    consumer.assign(&assignment)?;
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while !ends.is_empty() {
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "reading {topic} back took too long"
        );
        let Some(m) = consumer.poll(Duration::from_millis(500)) else {
            continue;
        };
        let m = m?;
        if let (Some(key), Some(version)) =
            (m.key(), codec::header(m.headers(), codec::RECORD_VERSION))
        {
            seen.insert((String::from_utf8_lossy(key).into_owned(), version));
        }
        if ends
            .get(&m.partition())
            .is_some_and(|&end| m.offset() + 1 >= end)
        {
            ends.remove(&m.partition());
        }
    }
    Ok(seen)
}
