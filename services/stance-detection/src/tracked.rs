//! The claims users track, kept as a table from the compacted `claims`
//! topic (key: claim id; a record with no payload deletes its claim).
//!
//! Every instance reads the whole topic from the beginning, outside any
//! consumer group (it assigns all partitions itself and never commits), so
//! each holds the full table whatever articles it is given. The stage waits
//! for the first catch-up to the end of the topic before judging articles,
//! then the table follows new records as they come.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use rdkafka::producer::FutureRecord;
use rdkafka::{
    consumer::{BaseConsumer, Consumer},
    message::Message,
    Offset, TopicPartitionList,
};
use stancewire_proto::v1;
use stancewire_stage::{
    codec,
    kafka::{apply_overrides, client_config},
    metrics::Metrics,
    publisher::Publisher,
    KafkaSettings, Shutdown,
};
use tokio::sync::watch;

/// The current tracked claims, by id.
#[derive(Debug)]
pub struct TrackedClaims {
    claims: RwLock<BTreeMap<String, v1::TrackedClaim>>,
    /// The table as every article is judged against it, made once per
    /// change rather than copied for each article (10,000 claims are
    /// ~1 MB).
    snapshot: Mutex<Option<Arc<Snapshot>>>,
    caught_up: watch::Sender<bool>,
    max_chars: usize,
}

/// The table at one moment.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// In claim-id order.
    pub claims: Vec<v1::TrackedClaim>,
    /// Each claim's id and text, NUL-separated: what an article's content
    /// version includes, so that a replay against the same table is
    /// byte-identical and one against another table is not.
    pub fingerprint: Vec<u8>,
}

impl TrackedClaims {
    pub fn new(max_chars: usize) -> Arc<TrackedClaims> {
        Arc::new(TrackedClaims {
            claims: RwLock::new(BTreeMap::new()),
            snapshot: Mutex::new(None),
            caught_up: watch::channel(false).0,
            max_chars,
        })
    }

    /// The table now, shared until it next changes.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        let mut cached = self.snapshot.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(snapshot) = cached.as_ref() {
            return snapshot.clone();
        }
        let claims: Vec<v1::TrackedClaim> = self
            .claims
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .cloned()
            .collect();
        let fingerprint = claims
            .iter()
            .flat_map(|t| [t.claim_id.as_bytes(), b"\0", t.text.as_bytes(), b"\0"].concat())
            .collect();
        let snapshot = Arc::new(Snapshot {
            claims,
            fingerprint,
        });
        *cached = Some(snapshot.clone());
        snapshot
    }

    pub fn len(&self) -> usize {
        self.claims.read().unwrap_or_else(|p| p.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Applies one record of the topic: an upsert, or a delete (tombstone).
    pub fn apply(&self, key: &str, claim: Option<v1::TrackedClaim>) {
        self.change(key, claim);
        // After the table's lock is released: `snapshot` takes the two locks
        // the other way round.
        *self.snapshot.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    fn change(&self, key: &str, claim: Option<v1::TrackedClaim>) {
        let mut table = self.claims.write().unwrap_or_else(|p| p.into_inner());
        match claim {
            None => {
                table.remove(key);
            }
            Some(mut c) => {
                if c.claim_id.is_empty() {
                    c.claim_id = key.to_string();
                }
                let text = c.text.trim();
                if text.is_empty() || text.chars().count() > self.max_chars {
                    tracing::warn!(claim_id = %c.claim_id, chars = text.chars().count(), max = self.max_chars, "tracked claim ignored: empty or too long");
                    table.remove(&c.claim_id);
                    return;
                }
                table.insert(c.claim_id.clone(), c);
            }
        }
    }

    /// Waits until the table has read the topic to its end once, or `limit` passes.
    pub async fn wait_caught_up(&self, limit: Duration) -> bool {
        let mut rx = self.caught_up.subscribe();
        let caught_up = tokio::time::timeout(limit, rx.wait_for(|c| *c)).await;
        caught_up.is_ok()
    }

    fn mark_caught_up(&self) {
        if !*self.caught_up.borrow() {
            tracing::info!(claims = self.len(), "tracked claims loaded");
        }
        self.caught_up.send_replace(true);
    }
}

/// Reads the claims topic into `table` until `shutdown`.
pub async fn follow(
    settings: KafkaSettings,
    topic: String,
    table: Arc<TrackedClaims>,
    shutdown: Shutdown,
) -> anyhow::Result<()> {
    tokio::task::spawn_blocking(move || follow_blocking(&settings, &topic, &table, &shutdown))
        .await?
}

fn follow_blocking(
    settings: &KafkaSettings,
    topic: &str,
    table: &TrackedClaims,
    shutdown: &Shutdown,
) -> anyhow::Result<()> {
    let mut config = client_config(settings);
    config
        .set("group.id", format!("{}-claims-table", settings.group_id))
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false");
    apply_overrides(&mut config, settings)?;
    let consumer: BaseConsumer = config.create()?;
    let timeout = Duration::from_secs(5);

    // The topic may not exist yet: an empty table, until it does.
    let partitions = loop {
        if shutdown.is_triggered() {
            return Ok(());
        }
        let found = consumer
            .fetch_metadata(Some(topic), timeout)
            .ok()
            .and_then(|m| {
                m.topics()
                    .iter()
                    .find(|t| t.name() == topic && t.error().is_none())
                    .map(|t| t.partitions().iter().map(|p| p.id()).collect::<Vec<_>>())
            })
            .filter(|p| !p.is_empty());
        match found {
            Some(p) => break p,
            None => {
                table.mark_caught_up();
                std::thread::sleep(Duration::from_secs(2));
            }
        }
    };
    let mut assignment = TopicPartitionList::new();
    let mut pending = BTreeMap::new();
    for &p in &partitions {
        assignment.add_partition_offset(topic, p, Offset::Beginning)?;
        let (low, high) = consumer.fetch_watermarks(topic, p, timeout)?;
        if high > low {
            pending.insert(p, high);
        }
    }
    consumer.assign(&assignment)?;
    tracing::info!(
        topic,
        partitions = partitions.len(),
        "following tracked claims"
    );
    if pending.is_empty() {
        table.mark_caught_up();
    }
    while !shutdown.is_triggered() {
        let Some(result) = consumer.poll(Duration::from_millis(200)) else {
            continue;
        };
        let message = match result {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(error = %e, "claims topic read failed; retrying");
                continue;
            }
        };
        let key = message
            .key()
            .map(|k| String::from_utf8_lossy(k).into_owned())
            .unwrap_or_default();
        match message.payload() {
            None => table.apply(&key, None),
            Some(payload) => {
                let content_type = codec::header(message.headers(), codec::CONTENT_TYPE);
                match codec::decode::<v1::TrackedClaim>(payload, content_type.as_deref()) {
                    Ok(claim) => table.apply(&key, Some(claim)),
                    Err(e) => {
                        tracing::warn!(key, offset = message.offset(), error = %e, "undecodable tracked claim skipped")
                    }
                }
            }
        }
        if let Some(&high) = pending.get(&message.partition()) {
            if message.offset() + 1 >= high {
                pending.remove(&message.partition());
                if pending.is_empty() {
                    table.mark_caught_up();
                }
            }
        }
    }
    Ok(())
}

/// Publishes a claim to track (`None`: a tombstone that stops tracking it).
pub async fn publish(
    settings: &KafkaSettings,
    topic: &str,
    claim_id: &str,
    claim: Option<&v1::TrackedClaim>,
) -> anyhow::Result<()> {
    let publisher = Publisher::new(settings, Metrics::new("stance-detection-track"))?;
    match claim {
        Some(c) => {
            publisher.send(&publisher.encode(topic, c)).await?;
        }
        None => {
            let record: FutureRecord<'_, str, [u8]> = FutureRecord::to(topic).key(claim_id);
            publisher
                .producer()
                .send(record, Duration::from_secs(30))
                .await
                .map_err(|(e, _)| e)?;
        }
    }
    publisher.flush(Duration::from_secs(10));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(id: &str, text: &str) -> v1::TrackedClaim {
        v1::TrackedClaim {
            claim_id: id.into(),
            text: text.into(),
            ..Default::default()
        }
    }

    #[test]
    fn upserts_deletes_and_refuses_empty_claims() {
        let t = TrackedClaims::new(50);
        t.apply("a", Some(claim("a", "Putin received a letter")));
        t.apply("b", Some(claim("", "The dam opened")));
        assert_eq!(
            t.snapshot()
                .claims
                .iter()
                .map(|c| c.claim_id.as_str())
                .collect::<Vec<_>>(),
            ["a", "b"]
        );
        let before = t.snapshot();
        assert!(Arc::ptr_eq(&before, &t.snapshot()), "shared until a change");
        t.apply("a", Some(claim("a", "Putin received a message")));
        let after = t.snapshot();
        assert_eq!(after.claims[0].text, "Putin received a message");
        assert_eq!(before.claims[0].text, "Putin received a letter");
        assert_eq!(
            after.fingerprint,
            b"a\0Putin received a message\0b\0The dam opened\0"
        );
        t.apply("a", None);
        t.apply("b", Some(claim("b", "   ")));
        t.apply("c", Some(claim("c", &"x".repeat(51))));
        assert!(t.is_empty());
    }
}
