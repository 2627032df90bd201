//! How a batch's outputs and its input offsets are made durable together.
//!
//! * [`DeliveryMode::AtLeastOnce`] (the default, and the only mode the
//!   brokers that run here support): the producer is idempotent
//!   (`enable.idempotence=true`, `acks=all`), every output of a batch is
//!   acknowledged before the batch's offsets are committed, and a crash in
//!   between replays the batch. Replays are identical (deterministic
//!   transforms, `(article_id, version)` in every record) and consumers drop
//!   them with [`crate::repeat::RepeatFilter`].
//! * [`DeliveryMode::ExactlyOnce`]: the same loop inside a Kafka transaction
//!   per batch — begin, produce, send the offsets to the transaction, commit.
//!   For brokers that implement transactions (Apache Kafka); nisshi refuses
//!   `InitProducerId` with a transactional id, and the service then fails at
//!   start-up with that error rather than silently downgrading.

use std::{sync::Arc, time::Duration};

use crate::{config::DeliveryMode, kafka::StageConsumer, publisher::Publisher};
use rdkafka::{
    consumer::{CommitMode, Consumer},
    producer::Producer,
    TopicPartitionList,
};

const TXN_TIMEOUT: Duration = Duration::from_secs(30);

/// Starts a batch: opens a transaction in exactly-once mode.
pub fn begin_batch(mode: DeliveryMode, publisher: &Publisher) -> anyhow::Result<()> {
    if mode == DeliveryMode::ExactlyOnce {
        publisher.producer().begin_transaction()?;
    }
    Ok(())
}

/// Ends a batch whose outputs have all been acknowledged: commits the input
/// offsets (directly, or through the transaction).
pub async fn commit_batch(
    mode: DeliveryMode,
    publisher: &Publisher,
    consumer: &Arc<StageConsumer>,
    offsets: TopicPartitionList,
) -> anyhow::Result<()> {
    let consumer = consumer.clone();
    let producer = publisher.producer().clone();
    tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        match mode {
            DeliveryMode::AtLeastOnce => {
                if offsets.count() > 0 {
                    consumer.commit(&offsets, CommitMode::Sync)?;
                }
            }
            DeliveryMode::ExactlyOnce => {
                let group = consumer
                    .group_metadata()
                    .ok_or_else(|| anyhow::anyhow!("consumer has no group metadata"))?;
                producer.send_offsets_to_transaction(&offsets, &group, TXN_TIMEOUT)?;
                producer.commit_transaction(TXN_TIMEOUT)?;
            }
        }
        Ok(())
    })
    .await?
}

/// Gives up on a batch: aborts its transaction (exactly-once); in
/// at-least-once mode nothing is committed, so the batch is replayed.
pub fn abort_batch(mode: DeliveryMode, publisher: &Publisher) {
    if mode == DeliveryMode::ExactlyOnce {
        if let Err(e) = publisher.producer().abort_transaction(TXN_TIMEOUT) {
            tracing::error!(error = %e, "aborting transaction failed");
        }
    }
}
