//! `stancewire-tail`: prints the records on a topic as JSON, one per line
//! (or pretty with `--pretty`), whatever wire format they were produced in.
//! It is a consumer like any other: it drops repeats by (key, version).
//!
//! `stancewire-tail --topic articles.raw --from-beginning --idle-exit-ms 2000`

use std::time::Duration;

use clap::Parser;
use rdkafka::{
    consumer::{Consumer, StreamConsumer},
    message::Message,
    ClientConfig,
};
use stancewire_proto::{v1, Named};
use stancewire_stage::{codec, repeat::RepeatFilter, Record};

#[derive(Parser)]
#[command(
    name = "stancewire-tail",
    version,
    about = "Print stancewire records from a topic as JSON"
)]
struct Cli {
    #[arg(
        long,
        env = "STANCEWIRE_KAFKA__BROKERS",
        default_value = "127.0.0.1:9092"
    )]
    brokers: String,
    #[arg(long)]
    topic: String,
    /// Read from the start of the topic instead of only new records.
    #[arg(long)]
    from_beginning: bool,
    /// Only records with this key (article id).
    #[arg(long)]
    key: Option<String>,
    /// Stop after this many records.
    #[arg(long)]
    max: Option<usize>,
    /// Stop when no record has arrived for this long.
    #[arg(long)]
    idle_exit_ms: Option<u64>,
    /// Pretty-print each record.
    #[arg(long)]
    pretty: bool,
}

fn to_json(
    type_name: &str,
    payload: &[u8],
    content_type: Option<&str>,
) -> anyhow::Result<(serde_json::Value, String, String)> {
    fn one<R: Record>(
        payload: &[u8],
        ct: Option<&str>,
    ) -> anyhow::Result<(serde_json::Value, String, String)> {
        let r: R = codec::decode(payload, ct)?;
        Ok((
            serde_json::to_value(&r)?,
            r.key().to_string(),
            r.version().to_string(),
        ))
    }
    match type_name {
        t if t == v1::Article::TYPE_NAME => one::<v1::Article>(payload, content_type),
        t if t == v1::ArticleEntities::TYPE_NAME => {
            one::<v1::ArticleEntities>(payload, content_type)
        }
        t if t == v1::EnrichedArticle::TYPE_NAME => {
            one::<v1::EnrichedArticle>(payload, content_type)
        }
        t if t == v1::StanceRecord::TYPE_NAME => one::<v1::StanceRecord>(payload, content_type),
        t if t == v1::TrackedClaim::TYPE_NAME => one::<v1::TrackedClaim>(payload, content_type),
        t if t == v1::DeadLetter::TYPE_NAME => one::<v1::DeadLetter>(payload, content_type),
        other => anyhow::bail!("unknown record type {other:?}"),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", &cli.brokers)
        .set(
            "group.id",
            format!("stancewire-tail-{}", std::process::id()),
        )
        .set("enable.auto.commit", "false")
        .set(
            "auto.offset.reset",
            if cli.from_beginning {
                "earliest"
            } else {
                "latest"
            },
        )
        .set("fetch.wait.max.ms", "20")
        // Notice a topic that its first producer creates after we subscribed.
        .set("topic.metadata.refresh.interval.ms", "500")
        .create()?;
    consumer.subscribe(&[&cli.topic])?;
    let mut repeats = RepeatFilter::new(100_000);
    let mut printed = 0usize;
    let mut waiting_said = false;
    loop {
        let next = match cli.idle_exit_ms {
            Some(ms) => {
                match tokio::time::timeout(Duration::from_millis(ms), consumer.recv()).await {
                    Ok(m) => m,
                    Err(_) => break,
                }
            }
            None => consumer.recv().await,
        };
        // The topic may not exist yet (its first producer creates it): wait
        // for it, within --idle-exit-ms when given.
        let msg = match next {
            Ok(m) => m,
            Err(e) => {
                if !waiting_said {
                    eprintln!("waiting for {}: {e}", cli.topic);
                    waiting_said = true;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let header = |name: &str| codec::header(msg.headers(), name);
        let type_name = header(codec::RECORD_TYPE).unwrap_or_default();
        let payload = msg.payload().unwrap_or_default();
        let (json, key, version) =
            match to_json(&type_name, payload, header(codec::CONTENT_TYPE).as_deref()) {
                Ok(x) => x,
                Err(e) => {
                    eprintln!("partition {} offset {}: {e}", msg.partition(), msg.offset());
                    continue;
                }
            };
        if cli.key.as_deref().is_some_and(|k| k != key) || !repeats.first_time(&key, &version) {
            continue;
        }
        if cli.pretty {
            println!("{}", serde_json::to_string_pretty(&json)?);
        } else {
            println!("{json}");
        }
        printed += 1;
        if cli.max.is_some_and(|m| printed >= m) {
            break;
        }
    }
    Ok(())
}
