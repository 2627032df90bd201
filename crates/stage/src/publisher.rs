//! Producing records: one idempotent producer per service, used by sources
//! (ingest) directly and by the stage loop for outputs and dead letters.
//!
//! Every message is keyed by the article id (one story, one partition) and
//! carries headers naming its encoding, type and version; the wall-clock
//! production time goes in a header, never in the record, so a repeat's
//! payload is byte-identical to the original.

use std::time::Duration;

use futures::future::try_join_all;
use rdkafka::{
    message::{Header, OwnedHeaders},
    producer::{FutureProducer, FutureRecord, Producer},
};

use crate::{
    clock,
    codec::{self, WireFormat},
    config::KafkaSettings,
    kafka::{apply_overrides, client_config, StatsContext},
    metrics::Metrics,
    record::Record,
};

/// An encoded record on its way to a topic.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub topic: String,
    pub key: Vec<u8>,
    pub payload: Vec<u8>,
    pub type_name: &'static str,
    pub version: String,
    pub content_type: &'static str,
}

#[derive(Debug, thiserror::Error)]
#[error("producing to {topic} failed: {source}")]
pub struct PublishError {
    pub topic: String,
    #[source]
    pub source: rdkafka::error::KafkaError,
}

#[derive(Clone)]
pub struct Publisher {
    producer: FutureProducer<StatsContext>,
    format: WireFormat,
    metrics: Metrics,
    timeout: Duration,
}

impl Outgoing {
    /// Its size on the wire, near enough to compare with a topic's
    /// `max.message.bytes` (key, payload and a margin for headers).
    pub fn wire_size(&self) -> usize {
        self.key.len() + self.payload.len() + 512
    }
}

impl Publisher {
    /// An idempotent producer: what sources (ingest, the `track` command)
    /// and at-least-once stages use.
    pub fn new(settings: &KafkaSettings, metrics: Metrics) -> anyhow::Result<Self> {
        Publisher::create(settings, metrics, None)
    }

    /// A transactional producer for an exactly-once stage: it registers
    /// `transactional_id` with the broker (fencing any earlier producer of
    /// the same id, a zombie of this instance) before returning.
    pub fn transactional(
        settings: &KafkaSettings,
        transactional_id: &str,
        metrics: Metrics,
    ) -> anyhow::Result<Self> {
        Publisher::create(settings, metrics, Some(transactional_id))
    }

    fn create(
        settings: &KafkaSettings,
        metrics: Metrics,
        transactional_id: Option<&str>,
    ) -> anyhow::Result<Self> {
        let mut config = client_config(settings);
        config
            .set("enable.idempotence", "true")
            .set("acks", "all")
            .set("compression.type", "lz4")
            .set("linger.ms", "5")
            // As large as the topics take (librdkafka's own default is 1 MB,
            // which an enriched long article can exceed).
            .set(
                "message.max.bytes",
                (crate::topics::MAX_MESSAGE_BYTES + 64 * 1024).to_string(),
            )
            .set(
                "message.timeout.ms",
                settings.message_timeout_ms.to_string(),
            );
        apply_overrides(&mut config, settings)?;
        if let Some(id) = transactional_id {
            config.set("transactional.id", id);
        }
        let producer: FutureProducer<StatsContext> =
            config.create_with_context(StatsContext::new(metrics.clone()))?;
        if let Some(id) = transactional_id {
            tracing::info!(transactional_id = id, "initialising transactions");
            producer
                .init_transactions(Duration::from_secs(30))
                .map_err(|e| {
                    anyhow::anyhow!(
                        "kafka.delivery = \"exactly-once\" needs a broker with transactions: {e}"
                    )
                })?;
        }
        Ok(Publisher {
            producer,
            format: settings.wire_format,
            metrics,
            timeout: Duration::from_millis(settings.message_timeout_ms),
        })
    }

    pub fn producer(&self) -> &FutureProducer<StatsContext> {
        &self.producer
    }

    pub fn format(&self) -> WireFormat {
        self.format
    }

    /// Encodes `record` for `topic` in this service's wire format.
    pub fn encode<R: Record>(&self, topic: &str, record: &R) -> Outgoing {
        Outgoing {
            topic: topic.to_string(),
            key: record.key().as_bytes().to_vec(),
            payload: codec::encode(record, self.format),
            type_name: R::TYPE_NAME,
            version: record.version().to_string(),
            content_type: self.format.content_type(),
        }
    }

    /// Sends one message and waits for the broker's acknowledgement.
    pub async fn send(&self, msg: &Outgoing) -> Result<(i32, i64), PublishError> {
        let produced_at = clock::now_rfc3339();
        let headers = OwnedHeaders::new()
            .insert(Header {
                key: codec::CONTENT_TYPE,
                value: Some(msg.content_type),
            })
            .insert(Header {
                key: codec::RECORD_TYPE,
                value: Some(msg.type_name),
            })
            .insert(Header {
                key: codec::RECORD_VERSION,
                value: Some(&msg.version),
            })
            .insert(Header {
                key: codec::PRODUCED_AT,
                value: Some(&produced_at),
            });
        let record = FutureRecord::to(&msg.topic)
            .key(&msg.key)
            .payload(&msg.payload)
            .headers(headers);
        match self.producer.send(record, self.timeout).await {
            Ok(delivery) => {
                self.metrics.record_out(&msg.topic, 1);
                Ok((delivery.partition, delivery.offset))
            }
            Err((e, _)) => {
                self.metrics.error("produce");
                Err(PublishError {
                    topic: msg.topic.clone(),
                    source: e,
                })
            }
        }
    }

    /// Sends every message concurrently; succeeds only when all are acknowledged.
    pub async fn send_all(&self, msgs: &[Outgoing]) -> Result<(), PublishError> {
        try_join_all(msgs.iter().map(|m| self.send(m))).await?;
        Ok(())
    }

    /// Encodes and sends one record.
    pub async fn publish<R: Record>(
        &self,
        topic: &str,
        record: &R,
    ) -> Result<(i32, i64), PublishError> {
        self.send(&self.encode(topic, record)).await
    }

    /// Waits for everything queued to be delivered (on shutdown).
    pub fn flush(&self, timeout: Duration) {
        if let Err(e) = self.producer.flush(timeout) {
            tracing::error!(error = %e, "producer flush failed");
        }
    }
}
