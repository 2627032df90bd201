//! Topics are created by the project, never by a client's first use
//! (brokers in production run with `auto.create.topics.enable=false`).
//!
//! Each service creates the topics it reads and writes at start-up, when
//! `kafka.create_topics` is on (the default): those missing are created with
//! the settings below, those present are left as they are. Where an operator
//! owns the topics, they switch it off and create them from the README's
//! topic table.
//!
//! | kind | partitions | cleanup | retention | max.message.bytes |
//! |---|---|---|---|---|
//! | article stream | `kafka.partitions` | delete | 7 days | 8 MiB |
//! | dead letters | `kafka.partitions` | delete | 30 days | 8 MiB |
//! | table (claims) | 1 | compact | forever | 1 MiB |
//!
//! Replication is `kafka.replication_factor` for all (1 for one broker, 3 on
//! a cluster, where the brokers' `min.insync.replicas=2` applies).

use std::time::Duration;

use rdkafka::{
    admin::{AdminClient, AdminOptions, NewTopic, TopicReplication},
    client::DefaultClientContext,
    types::RDKafkaErrorCode,
};

use crate::{config::KafkaSettings, kafka};

/// Largest record an article topic takes: the enriched record nests the
/// whole article, and ingest's largest article is well under this.
pub const MAX_MESSAGE_BYTES: usize = 8 * 1024 * 1024;

/// What a topic holds, which decides how it is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopicKind {
    /// Articles and the records derived from them, keyed by article id.
    Stream,
    /// Records a stage could not handle, with their reasons: kept longer.
    DeadLetter,
    /// The latest value per key (tracked claims): compacted, one partition
    /// so a reader loads it in order.
    Table,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicSpec {
    pub name: String,
    pub kind: TopicKind,
}

impl TopicSpec {
    pub fn stream(name: impl Into<String>) -> Self {
        TopicSpec {
            name: name.into(),
            kind: TopicKind::Stream,
        }
    }

    pub fn dead_letter(name: impl Into<String>) -> Self {
        TopicSpec {
            name: name.into(),
            kind: TopicKind::DeadLetter,
        }
    }

    pub fn table(name: impl Into<String>) -> Self {
        TopicSpec {
            name: name.into(),
            kind: TopicKind::Table,
        }
    }

    /// Partitions and topic configs under `settings`.
    pub fn layout(&self, settings: &KafkaSettings) -> (i32, Vec<(&'static str, String)>) {
        const DAY_MS: u64 = 24 * 3600 * 1000;
        let max = ("max.message.bytes", MAX_MESSAGE_BYTES.to_string());
        match self.kind {
            TopicKind::Stream => (
                settings.partitions,
                vec![
                    ("cleanup.policy", "delete".into()),
                    ("retention.ms", (7 * DAY_MS).to_string()),
                    max,
                ],
            ),
            TopicKind::DeadLetter => (
                settings.partitions,
                vec![
                    ("cleanup.policy", "delete".into()),
                    ("retention.ms", (30 * DAY_MS).to_string()),
                    max,
                ],
            ),
            TopicKind::Table => (
                1,
                vec![
                    ("cleanup.policy", "compact".into()),
                    ("retention.ms", "-1".into()),
                ],
            ),
        }
    }
}

/// Creates those of `topics` that do not exist yet (when
/// `kafka.create_topics` is on). A topic that exists is left alone.
pub async fn ensure(settings: &KafkaSettings, topics: &[TopicSpec]) -> anyhow::Result<()> {
    if !settings.create_topics || topics.is_empty() {
        return Ok(());
    }
    let mut config = kafka::client_config(settings);
    kafka::apply_overrides(&mut config, settings)?;
    let admin: AdminClient<DefaultClientContext> = config.create()?;
    let layouts: Vec<_> = topics.iter().map(|t| (t, t.layout(settings))).collect();
    let new: Vec<NewTopic> = layouts
        .iter()
        .map(|(t, (partitions, configs))| {
            configs.iter().fold(
                NewTopic::new(
                    &t.name,
                    *partitions,
                    TopicReplication::Fixed(settings.replication_factor),
                ),
                |topic, (k, v)| topic.set(k, v),
            )
        })
        .collect();
    let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(30)));
    for result in admin.create_topics(&new, &options).await? {
        match result {
            Ok(name) => tracing::info!(topic = %name, "topic created"),
            Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((name, code)) => anyhow::bail!("creating topic {name} failed: {code}"),
        }
    }
    Ok(())
}
