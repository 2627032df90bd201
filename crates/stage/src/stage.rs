//! The stage loop, written once: consume a batch → decode → drop repeats →
//! transform → produce outputs and dead letters → wait for every ack →
//! commit the batch's offsets → repeat, until shutdown.
//!
//! Back-pressure is structural: the next batch is not fetched until the
//! current one is acknowledged and committed, so a slow model or a slow
//! broker slows consumption instead of growing a queue. Services scale out by
//! running more instances in the same consumer group: the input topic's
//! partitions are split between them, and one article (one key) always stays
//! in one partition, hence with one instance at a time.

use std::{
    collections::HashMap,
    panic::{catch_unwind, AssertUnwindSafe},
    sync::Arc,
    time::{Duration, Instant},
};

use rdkafka::{
    consumer::Consumer,
    message::{Message, OwnedMessage},
    Offset, TopicPartitionList,
};

use crate::{
    codec,
    config::{DeliveryMode, KafkaSettings},
    dead_letter::DeadLetters,
    delivery::{self, Recovery},
    failure::{Failure, FailureKind},
    http::Readiness,
    kafka::{self, StageConsumer},
    metrics::Metrics,
    publisher::{Outgoing, Publisher},
    record::Record,
    repeat::RepeatFilter,
    shutdown::Shutdown,
    topics::MAX_MESSAGE_BYTES,
};

/// Aborted batches in a row after which the stage gives up (and the
/// service restarts) rather than retrying forever.
const MAX_ABORTS_IN_A_ROW: u32 = 5;

/// A record a transform wants produced, with the topic it goes to.
pub struct Emit {
    topic: String,
    record: Box<dyn Encodable>,
}

impl Emit {
    pub fn new<R: Record>(topic: impl Into<String>, record: R) -> Self {
        Emit {
            topic: topic.into(),
            record: Box::new(record),
        }
    }
}

trait Encodable: Send {
    fn encode_for(&self, publisher: &Publisher, topic: &str) -> Outgoing;
}

impl<R: Record> Encodable for R {
    fn encode_for(&self, publisher: &Publisher, topic: &str) -> Outgoing {
        publisher.encode(topic, self)
    }
}

/// A service's one job: turn a batch of input records into output records.
///
/// It must be deterministic — the same input gives byte-identical outputs —
/// because that is what makes a replay after a crash harmless. It runs on a
/// blocking thread, so CPU-heavy work (a model) belongs here.
pub trait Transform: Send + Sync + 'static {
    type Input: Record;

    /// One result per input, in order: the records to emit, or the reason
    /// the input goes to the dead-letter topic.
    fn transform(&self, batch: &[Self::Input]) -> Vec<Result<Vec<Emit>, Failure>>;
}

/// Which topics a stage reads and dead-letters to.
#[derive(Debug, Clone)]
pub struct Topics {
    pub input: String,
    pub dead_letter: String,
}

/// Runs the stage until `shutdown` fires, then finishes the batch in hand,
/// commits it, flushes the producer and returns. An error (the broker will
/// not take outputs, a commit fails) returns early without committing, so a
/// restart replays the batch.
pub async fn run<T: Transform>(
    settings: KafkaSettings,
    topics: Topics,
    transform: Arc<T>,
    metrics: Metrics,
    readiness: Readiness,
    shutdown: Shutdown,
) -> anyhow::Result<()> {
    let publisher = match settings.delivery {
        DeliveryMode::AtLeastOnce => Publisher::new(&settings, metrics.clone())?,
        DeliveryMode::ExactlyOnce => {
            anyhow::ensure!(
                !settings.transactional_id.is_empty(),
                "kafka.delivery = \"exactly-once\" needs kafka.transactional_id \
                 (App::stage_settings derives one)"
            );
            Publisher::transactional(&settings, &settings.transactional_id, metrics.clone())?
        }
    };
    let dead_letters = DeadLetters::new(publisher.clone(), &topics.dead_letter, metrics.clone());
    let consumer = Arc::new(kafka::consumer(&settings, &metrics)?);
    consumer.subscribe(&[&topics.input])?;
    tracing::info!(input = %topics.input, group = %settings.group_id, "stage subscribed");

    // Ready while the broker answers metadata requests, checked all along
    // (not once at start): /readyz follows the broker going and coming.
    let following = tokio::spawn(readiness.clone().follow(
        {
            let consumer = consumer.clone();
            move || {
                consumer
                    .fetch_metadata(None, Duration::from_secs(5))
                    .is_ok()
            }
        },
        shutdown.clone(),
    ));

    let mut repeats = RepeatFilter::new(settings.repeat_window);
    let linger = Duration::from_millis(settings.batch_linger_ms);
    let mut aborted_in_a_row = 0;
    let result = loop {
        let batch = next_batch(&consumer, &settings, linger, &shutdown).await;
        let batch = owned_only(&consumer, batch);
        if batch.is_empty() {
            if shutdown.is_triggered() {
                break Ok(());
            }
            continue;
        }
        let started = Instant::now();
        let mut admitted = Vec::new();
        let committed = async {
            delivery::begin_batch(settings.delivery, &publisher)?;
            handle_batch(
                &batch,
                &transform,
                &publisher,
                &dead_letters,
                &mut repeats,
                &mut admitted,
                &metrics,
            )
            .await?;
            delivery::commit_batch(settings.delivery, &publisher, &consumer, offsets(&batch)?).await
        }
        .await;
        metrics.batch_seconds("batch", started.elapsed().as_secs_f64());
        let Err(e) = committed else {
            aborted_in_a_row = 0;
            tracing::debug!(records = batch.len(), elapsed = ?started.elapsed(), "batch committed");
            continue;
        };
        metrics.error("commit");
        delivery::abort_batch(settings.delivery, &publisher);
        match delivery::recovery(settings.delivery, &e) {
            Recovery::Proceed => {
                tracing::warn!(error = %e, "commit refused in a rebalance; the batch's next owner reads it again");
            }
            Recovery::Retry if aborted_in_a_row < MAX_ABORTS_IN_A_ROW => {
                aborted_in_a_row += 1;
                tracing::warn!(error = %e, attempt = aborted_in_a_row, "batch aborted; reading it again");
                for (key, version) in &admitted {
                    repeats.forget(key, version);
                }
                rewind(&consumer, &batch)?;
            }
            _ => break Err(e),
        }
    };
    following.abort();
    readiness.set(false);
    publisher.flush(Duration::from_secs(10));
    consumer.unsubscribe();
    tracing::info!("stage stopped");
    result
}

async fn handle_batch<T: Transform>(
    batch: &[OwnedMessage],
    transform: &Arc<T>,
    publisher: &Publisher,
    dead_letters: &DeadLetters,
    repeats: &mut RepeatFilter,
    admitted: &mut Vec<(String, String)>,
    metrics: &Metrics,
) -> anyhow::Result<()> {
    let mut outgoing = Vec::new();
    let mut dead = Vec::new();
    let mut inputs = Vec::new();
    let mut origin = Vec::new();
    for (i, msg) in batch.iter().enumerate() {
        metrics.record_in(msg.topic(), 1);
        let content_type = codec::header(msg.headers(), codec::CONTENT_TYPE);
        match codec::decode::<T::Input>(msg.payload().unwrap_or_default(), content_type.as_deref())
        {
            Ok(record) => {
                if repeats.first_time(record.key(), record.version()) {
                    admitted.push((record.key().to_string(), record.version().to_string()));
                    inputs.push(record);
                    origin.push(i);
                } else {
                    metrics.repeat("input");
                }
            }
            Err(e) => {
                metrics.error(FailureKind::Decode.as_str());
                tracing::warn!(topic = msg.topic(), partition = msg.partition(), offset = msg.offset(), error = %e, "undecodable record dead-lettered");
                let failure = Failure::new(FailureKind::Decode, e.to_string());
                dead.push((dead_letters.for_message(msg, &failure), failure.kind));
            }
        }
    }

    let results = transform_isolated(transform.clone(), inputs).await;
    for (result, i) in results.into_iter().zip(origin) {
        let result = result.and_then(|emits| {
            let encoded: Vec<Outgoing> = emits
                .iter()
                .map(|e| e.record.encode_for(publisher, &e.topic))
                .collect();
            match encoded.iter().find(|o| o.wire_size() > MAX_MESSAGE_BYTES) {
                // No broker would ever take it: the input is dead-lettered
                // and the partition moves on, instead of the batch failing
                // for ever.
                Some(o) => Err(Failure::new(
                    FailureKind::OutputTooLarge,
                    format!(
                        "its output to {} would be {} bytes, over the {MAX_MESSAGE_BYTES}-byte limit of the topics",
                        o.topic,
                        o.wire_size()
                    ),
                )),
                None => Ok(encoded),
            }
        });
        match result {
            Ok(encoded) => outgoing.extend(encoded),
            Err(failure) => {
                metrics.error(failure.kind.as_str());
                let m = &batch[i];
                tracing::warn!(topic = m.topic(), partition = m.partition(), offset = m.offset(), reason = %failure, "record dead-lettered");
                dead.push((dead_letters.for_message(m, &failure), failure.kind));
            }
        }
    }

    publisher.send_all(&outgoing).await?;
    for (dl, kind) in &dead {
        dead_letters.send(dl, *kind).await?;
    }
    Ok(())
}

/// Runs the transform on a blocking thread. If the batch panics, each record
/// is retried alone so that one poisonous record is dead-lettered instead of
/// stopping the stage forever.
async fn transform_isolated<T: Transform>(
    transform: Arc<T>,
    inputs: Vec<T::Input>,
) -> Vec<Result<Vec<Emit>, Failure>> {
    if inputs.is_empty() {
        return Vec::new();
    }
    tokio::task::spawn_blocking(move || {
        match catch_unwind(AssertUnwindSafe(|| transform.transform(&inputs))) {
            Ok(results) if results.len() == inputs.len() => results,
            Ok(results) => {
                let msg = format!(
                    "transform returned {} results for {} inputs",
                    results.len(),
                    inputs.len()
                );
                inputs
                    .iter()
                    .map(|_| Err(Failure::new(FailureKind::Transform, msg.clone())))
                    .collect()
            }
            Err(_) => inputs
                .iter()
                .map(|input| {
                    catch_unwind(AssertUnwindSafe(|| {
                        transform.transform(std::slice::from_ref(input))
                    }))
                    .ok()
                    .and_then(|mut r| r.pop())
                    .unwrap_or_else(|| {
                        Err(Failure::new(
                            FailureKind::Panic,
                            "the transform panicked on this record",
                        ))
                    })
                })
                .collect(),
        }
    })
    .await
    .unwrap_or_else(|e| panic!("transform thread failed: {e}"))
}

/// Drops the records of partitions revoked while the batch was being
/// collected (a rebalance runs only while the consumer is polled, which is
/// only then): their new owner reads them from the last commit, and handling
/// them here too would produce them twice.
fn owned_only(consumer: &StageConsumer, batch: Vec<OwnedMessage>) -> Vec<OwnedMessage> {
    let Ok(assignment) = consumer.assignment() else {
        return batch;
    };
    let before = batch.len();
    let owned: Vec<OwnedMessage> = batch
        .into_iter()
        .filter(|m| {
            assignment
                .find_partition(m.topic(), m.partition())
                .is_some()
        })
        .collect();
    if owned.len() < before {
        tracing::info!(
            dropped = before - owned.len(),
            "records of revoked partitions left to their new owner"
        );
    }
    owned
}

/// Collects up to `batch_size` messages and `batch_max_bytes` of payload:
/// waits for the first (or shutdown), then takes whatever else arrives
/// within `linger`.
async fn next_batch(
    consumer: &StageConsumer,
    settings: &KafkaSettings,
    linger: Duration,
    shutdown: &Shutdown,
) -> Vec<OwnedMessage> {
    let max = settings.batch_size;
    let mut bytes = 0;
    let mut batch = Vec::new();
    tokio::select! {
        biased;
        _ = shutdown.triggered() => return batch,
        m = consumer.recv() => match m {
            Ok(m) => {
                bytes += m.payload_len();
                batch.push(m.detach())
            }
            Err(e) => {
                tracing::warn!(error = %e, "consumer error");
                return batch;
            }
        },
    }
    let deadline = tokio::time::Instant::now() + linger;
    while batch.len() < max.max(1) && bytes < settings.batch_max_bytes {
        match tokio::time::timeout_at(deadline, consumer.recv()).await {
            Ok(Ok(m)) => {
                bytes += m.payload_len();
                batch.push(m.detach())
            }
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "consumer error");
                break;
            }
            Err(_) => break,
        }
    }
    batch
}

/// Sets every partition of an aborted batch back to its first record, so
/// the batch is read again.
fn rewind(consumer: &StageConsumer, batch: &[OwnedMessage]) -> anyhow::Result<()> {
    let mut first: HashMap<(&str, i32), i64> = HashMap::new();
    for m in batch {
        let e = first.entry((m.topic(), m.partition())).or_insert(i64::MAX);
        *e = (*e).min(m.offset());
    }
    for ((topic, partition), offset) in first {
        consumer.seek(
            topic,
            partition,
            Offset::Offset(offset),
            Duration::from_secs(10),
        )?;
    }
    Ok(())
}

/// The next offset to read for every partition in the batch.
fn offsets(batch: &[OwnedMessage]) -> anyhow::Result<TopicPartitionList> {
    let mut next: HashMap<(&str, i32), i64> = HashMap::new();
    for m in batch {
        let e = next.entry((m.topic(), m.partition())).or_insert(0);
        *e = (*e).max(m.offset() + 1);
    }
    let mut tpl = TopicPartitionList::new();
    for ((topic, partition), offset) in next {
        tpl.add_partition_offset(topic, partition, Offset::Offset(offset))?;
    }
    Ok(tpl)
}
