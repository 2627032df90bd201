//! Kafka clients, set up once: the settings every producer and consumer
//! shares, the operator's pass-through properties, the stage consumer, and
//! the client context that turns librdkafka's statistics into the
//! consumer-lag gauge and logs rebalances.

use rdkafka::{
    config::ClientConfig,
    consumer::{ConsumerContext, Rebalance, StreamConsumer},
    ClientContext, Statistics,
};

use crate::{config::KafkaSettings, metrics::Metrics};

/// The consumer every stage runs.
pub type StageConsumer = StreamConsumer<StatsContext>;

/// The librdkafka settings shared by producers and consumers.
pub fn client_config(settings: &KafkaSettings) -> ClientConfig {
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", &settings.brokers)
        .set("client.id", &settings.client_id)
        .set("statistics.interval.ms", "5000");
    config
}

/// Properties the delivery guarantees rest on: the stage sets them, and an
/// operator's `kafka.librdkafka` may not undo them.
pub const GUARDED: &[&str] = &[
    "enable.auto.commit",
    "enable.auto.offset.store",
    "isolation.level",
    "enable.idempotence",
    "acks",
    "request.required.acks",
    "transactional.id",
    "group.id",
    "auto.offset.reset",
];

/// Applies the operator's security settings (`kafka.security`, secrets
/// read from their files) and `kafka.librdkafka` properties last, refusing
/// any property in [`GUARDED`]: `enable.auto.commit=true`, `acks=1` or
/// `enable.idempotence=false` would silently undo the delivery guarantees.
pub fn apply_overrides(config: &mut ClientConfig, settings: &KafkaSettings) -> anyhow::Result<()> {
    for (k, v) in settings.security.properties()? {
        config.set(k, v);
    }
    for (k, v) in settings.librdkafka.iter() {
        let key = k.trim().to_ascii_lowercase();
        anyhow::ensure!(
            !GUARDED.contains(&key.as_str()),
            "kafka.librdkafka may not set {k}: the delivery guarantees rest on it \
             (kafka.delivery chooses them)"
        );
        config.set(k, v);
    }
    Ok(())
}

/// The stage's consumer: offsets committed by the stage only (after its
/// outputs are acknowledged), reading only committed transactions.
pub fn consumer(settings: &KafkaSettings, metrics: &Metrics) -> anyhow::Result<StageConsumer> {
    let mut config = client_config(settings);
    config
        .set("group.id", &settings.group_id)
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        .set("auto.offset.reset", "earliest")
        .set("fetch.wait.max.ms", settings.fetch_wait_max_ms.to_string())
        .set("isolation.level", "read_committed")
        // A member joining or leaving moves only the partitions that must
        // move; the others keep being read through the rebalance.
        .set("partition.assignment.strategy", "cooperative-sticky")
        // A batch (bounded by records and bytes) must finish within this,
        // or the member is evicted and its batch replayed elsewhere.
        .set("max.poll.interval.ms", settings.max_batch_ms.to_string())
        // An input topic created after start-up is picked up within seconds.
        .set("topic.metadata.refresh.interval.ms", "5000");
    apply_overrides(&mut config, settings)?;
    Ok(config.create_with_context(StatsContext::new(metrics.clone()))?)
}

/// The librdkafka client context: turns its periodic statistics into the
/// consumer-lag gauge and logs rebalances.
pub struct StatsContext {
    metrics: Metrics,
}

impl StatsContext {
    pub fn new(metrics: Metrics) -> Self {
        StatsContext { metrics }
    }
}

impl ClientContext for StatsContext {
    fn stats(&self, stats: Statistics) {
        for (topic, t) in &stats.topics {
            for (partition, p) in &t.partitions {
                if *partition >= 0 && p.consumer_lag >= 0 {
                    self.metrics.consumer_lag(topic, *partition, p.consumer_lag);
                }
            }
        }
    }
}

impl ConsumerContext for StatsContext {
    fn post_rebalance(
        &self,
        _base: &rdkafka::consumer::BaseConsumer<Self>,
        rebalance: &Rebalance<'_>,
    ) {
        match rebalance {
            Rebalance::Assign(tpl) => {
                tracing::info!(partitions = tpl.count(), "partitions assigned")
            }
            Rebalance::Revoke(tpl) => {
                tracing::info!(partitions = tpl.count(), "partitions revoked")
            }
            Rebalance::Error(e) => tracing::warn!(error = %e, "rebalance error"),
        }
    }
}
