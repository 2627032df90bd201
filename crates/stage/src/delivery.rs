//! How a batch's outputs and its input offsets are made durable together.
//!
//! * [`DeliveryMode::ExactlyOnce`] (the default): one Kafka transaction per
//!   batch — begin, produce outputs and dead letters, send the input offsets
//!   to the transaction with the consumer's group metadata (KIP-447, so a
//!   zombie of an earlier group generation is fenced), commit. Consumers
//!   read `read_committed`: an aborted batch is never seen downstream. A
//!   transactional call that times out (a retriable error) is made again; an
//!   abortable error aborts and the stage reads the batch again; a fatal one
//!   (fenced, unknown producer id) stops the stage, and the service exits
//!   for its supervisor to restart it with a fresh producer.
//! * [`DeliveryMode::AtLeastOnce`], for brokers without transactions: the
//!   producer is idempotent (`enable.idempotence=true`, `acks=all`), every output of a batch is
//!   acknowledged before the batch's offsets are committed, and a crash in
//!   between replays the batch. Replays are identical (deterministic
//!   transforms, `(article_id, version)` in every record) and consumers drop
//!   them with [`crate::repeat::RepeatFilter`].
//!   A broker without transactions refuses the transactional producer at
//!   start-up, and the service stops with that error rather than silently
//!   downgrading.

use std::{sync::Arc, time::Duration};

use crate::{
    config::DeliveryMode,
    kafka::StageConsumer,
    publisher::{PublishError, Publisher},
};
use rdkafka::{
    consumer::{CommitMode, Consumer},
    error::KafkaError,
    producer::Producer,
    types::RDKafkaErrorCode,
    TopicPartitionList,
};

/// How long one transactional call may block. Not librdkafka's -1 (its
/// header's advice, "the remaining transaction time"): in librdkafka 2.12
/// that caps only `send_offsets_to_transaction`, and a commit or abort
/// would wait without end on a coordinator that never answers. A call
/// that times out is made again ([`again_while_retriable`]).
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
                again_while_retriable("sending offsets", || {
                    producer.send_offsets_to_transaction(&offsets, &group, TXN_TIMEOUT)
                })?;
                again_while_retriable("committing", || producer.commit_transaction(TXN_TIMEOUT))?;
            }
        }
        Ok(())
    })
    .await?
}

/// How many times a transactional call that timed out is made again
/// (each waits up to [`TXN_TIMEOUT`]) before the batch counts as failed.
const TXN_TRIES: u32 = 10;

/// Makes a transactional call again while librdkafka says the same call is
/// to be retried (a retriable error: it timed out, e.g. while the
/// transaction coordinator moves after a broker failure). Aborting instead
/// is refused while a commit is in flight, and a producer left mid-commit
/// then fails every later batch: the stage would stall with the service up.
fn again_while_retriable(
    what: &str,
    mut call: impl FnMut() -> rdkafka::error::KafkaResult<()>,
) -> rdkafka::error::KafkaResult<()> {
    let mut tries = 1;
    loop {
        match call() {
            Err(KafkaError::Transaction(e)) if e.is_retriable() && tries < TXN_TRIES => {
                tracing::warn!(error = %e, tries, "{what} the transaction: retriable, trying again");
                tries += 1;
            }
            other => return other,
        }
    }
}

/// What the stage does after a batch failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recovery {
    /// The transaction was aborted and nothing of the batch is visible:
    /// read the batch again.
    Retry,
    /// Go on with the next batch: an at-least-once commit refused because
    /// the group is rebalancing. The outputs are out; the partition's next
    /// owner reads the batch again from the last commit, and its outputs
    /// are identical repeats that consumers drop.
    Proceed,
    /// Stop the stage; the service exits and its restart replays the batch
    /// (at-least-once), or a fresh producer fences this one (a fatal
    /// transaction error: fenced, unknown producer id).
    Stop,
}

/// Decides what a failed batch calls for. In exactly-once mode an
/// abortable transaction error, or an output the broker would not take
/// within the transaction, is retried; a fatal error stops the stage.
pub fn recovery(mode: DeliveryMode, error: &anyhow::Error) -> Recovery {
    if mode == DeliveryMode::AtLeastOnce {
        let rebalancing = error.chain().any(|c| {
            matches!(
                c.downcast_ref::<KafkaError>(),
                Some(KafkaError::ConsumerCommit(
                    RDKafkaErrorCode::RebalanceInProgress
                        | RDKafkaErrorCode::IllegalGeneration
                        | RDKafkaErrorCode::UnknownMemberId
                ))
            )
        });
        return if rebalancing {
            Recovery::Proceed
        } else {
            Recovery::Stop
        };
    }
    for cause in error.chain() {
        if let Some(KafkaError::Transaction(e)) = cause.downcast_ref::<KafkaError>() {
            return if e.is_fatal() {
                Recovery::Stop
            } else {
                Recovery::Retry
            };
        }
        if cause.downcast_ref::<PublishError>().is_some() {
            return Recovery::Retry;
        }
    }
    Recovery::Stop
}

/// Gives up on a batch: aborts its transaction (exactly-once); in
/// at-least-once mode nothing is committed, so the batch is replayed.
pub fn abort_batch(mode: DeliveryMode, publisher: &Publisher) {
    if mode == DeliveryMode::ExactlyOnce {
        let producer = publisher.producer();
        if let Err(e) =
            again_while_retriable("aborting", || producer.abort_transaction(TXN_TIMEOUT))
        {
            tracing::error!(error = %e, "aborting transaction failed");
        }
    }
}
