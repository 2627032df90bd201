//! Dead letters: a record that cannot be decoded or processed is published,
//! unchanged, to the stage's dead-letter topic together with the reason, where
//! it came from and which service gave up on it. The stage then carries on;
//! nothing is dropped silently, and a fixed record can be replayed from there.

use rdkafka::message::{Headers, Message, OwnedMessage};
use stancewire_proto::{v1, Named};

use crate::{
    clock, codec,
    failure::{Failure, FailureKind},
    metrics::Metrics,
    publisher::{Outgoing, PublishError, Publisher},
};

/// The most payload bytes a dead letter carries.
pub const MAX_PAYLOAD_BYTES: usize = 256 * 1024;

#[derive(Clone)]
pub struct DeadLetters {
    publisher: Publisher,
    topic: String,
    service: String,
    metrics: Metrics,
}

impl DeadLetters {
    pub fn new(publisher: Publisher, topic: impl Into<String>, metrics: Metrics) -> Self {
        DeadLetters {
            publisher,
            topic: topic.into(),
            service: metrics.service().to_string(),
            metrics,
        }
    }

    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// A dead letter for a consumed Kafka message.
    pub fn for_message(&self, msg: &OwnedMessage, failure: &Failure) -> Outgoing {
        let headers = msg
            .headers()
            .map(|hs| {
                hs.iter()
                    .map(|h| v1::Header {
                        key: h.key.to_string(),
                        value: h.value.map(<[u8]>::to_vec).unwrap_or_default(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        self.build(
            v1::DeadLetter {
                source_topic: msg.topic().to_string(),
                source_partition: msg.partition(),
                source_offset: msg.offset(),
                key: msg.key().map(<[u8]>::to_vec).unwrap_or_default(),
                payload: msg.payload().map(<[u8]>::to_vec).unwrap_or_default(),
                headers,
                ..Default::default()
            },
            failure,
        )
    }

    /// A dead letter for input that never was a Kafka message: a feed item,
    /// a line of a file. `origin` says where it came from (`feed:URL`,
    /// `file:PATH:LINE`).
    pub fn for_origin(&self, origin: &str, payload: &[u8], failure: &Failure) -> Outgoing {
        self.build(
            v1::DeadLetter {
                origin: origin.to_string(),
                key: origin.as_bytes().to_vec(),
                payload: payload.to_vec(),
                source_partition: -1,
                source_offset: -1,
                ..Default::default()
            },
            failure,
        )
    }

    fn build(&self, mut dl: v1::DeadLetter, failure: &Failure) -> Outgoing {
        dl.service = self.service.clone();
        dl.service_version = env!("CARGO_PKG_VERSION").to_string();
        dl.error_kind = failure.kind.as_str().to_string();
        dl.error = failure.message.clone();
        // A record refused for its size must still fit on the dead-letter
        // topic (brokers cap messages, 1 MB by default): keep its head and
        // say where the whole of it is.
        if dl.payload.len() > MAX_PAYLOAD_BYTES {
            let whole = dl.payload.len();
            dl.payload.truncate(MAX_PAYLOAD_BYTES);
            dl.error.push_str(&format!(
                " [payload truncated to its first {MAX_PAYLOAD_BYTES} of {whole} bytes; the whole record is at {}/{}/{}]",
                dl.source_topic, dl.source_partition, dl.source_offset
            ));
        }
        dl.failed_at = Some(clock::now());
        let format = self.publisher.format();
        Outgoing {
            topic: self.topic.clone(),
            key: dl.key.clone(),
            version: String::new(),
            payload: codec::encode(&dl, format),
            type_name: v1::DeadLetter::TYPE_NAME,
            content_type: format.content_type(),
        }
    }

    /// Publishes a dead letter and counts it.
    pub async fn send(&self, dl: &Outgoing, kind: FailureKind) -> Result<(), PublishError> {
        // Counted in stancewire_dead_letters_total; bulk sources (a corpus with
        // thousands of empty documents) would drown a warn-level log.
        tracing::debug!(topic = %self.topic, %kind, "dead-lettering a record");
        self.publisher.send(dl).await?;
        self.metrics.dead_letter(kind.as_str());
        Ok(())
    }
}
