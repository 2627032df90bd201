//! entity-recognition scaled out: 1, 2 and 3 instances (release binaries,
//! as processes) in one consumer group on a 6-partition topic, each count
//! on a topic pair of its own, fed the BBC business articles (510 stories)
//! once every instance is ready. Prints articles/s, the rebalance it took,
//! and what came out: every article once (lost and duplicates, read
//! `read_committed`).
//!
//! `cargo bench -p stancewire-tests --bench scaling`. With more instances
//! than cores, libtorch threads are split (`model.threads` = 2 / instances,
//! at least 1), as an operator on this machine would set them.

use std::{
    collections::BTreeSet,
    process::Command,
    time::{Duration, Instant},
};

use rdkafka::message::Message;
use stancewire_stage::topics::TopicSpec;
use stancewire_tests::{apps::clean_corpus, process::ServiceProcess, project, read_topic, Broker};

fn main() {
    assert!(
        Command::new(env!("CARGO"))
            .current_dir(project(""))
            .args(["build", "-q", "--release", "--bin", "entity-recognition"])
            .status()
            .expect("cargo runs")
            .success(),
        "entity-recognition builds"
    );
    let bin = project("target/release/entity-recognition");
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    println!("scaling benchmark: {cores} cores, one Apache Kafka node on loopback, 6 partitions");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let broker = Broker::start();
        // Cleaned by ingest into articles.raw once, then copied to each
        // run's own input.
        let articles = clean_corpus(&broker, "data/corpora/bbc/business").await;
        for instances in 1..=3usize {
            let (input, output) = (format!("raw-{instances}"), format!("entities-{instances}"));
            broker
                .create(&[TopicSpec::stream(&input), TopicSpec::stream(&output)])
                .await;
            let threads = (cores / instances).max(1);
            let mut running = Vec::new();
            for i in 0..instances {
                running.push(
                    ServiceProcess::start(
                        bin.to_str().unwrap(),
                        &broker,
                        &[
                            ("STANCEWIRE_KAFKA__GROUP_ID", format!("scale-{instances}")),
                            ("STANCEWIRE_KAFKA__TRANSACTIONAL_ID", format!("scale-{instances}-{i}")),
                            ("STANCEWIRE_TOPICS__INPUT", input.clone()),
                            ("STANCEWIRE_TOPICS__OUTPUT", output.clone()),
                            ("STANCEWIRE_MODEL__THREADS", threads.to_string()),
                        ],
                    )
                    .await,
                );
            }
            // Every member has joined before the articles arrive.
            tokio::time::sleep(Duration::from_secs(3)).await;
            let started = Instant::now();
            let publisher = stancewire_stage::publisher::Publisher::new(
                &stancewire_stage::KafkaSettings {
                    brokers: broker.addr(),
                    ..Default::default()
                },
                stancewire_stage::metrics::Metrics::new("bench"),
            )
            .unwrap();
            for a in &articles {
                publisher.publish(&input, a).await.unwrap();
            }
            let want: BTreeSet<String> = articles
                .iter()
                .map(|a| a.meta.as_ref().unwrap().article_id.clone())
                .collect();
            let out = read_topic(&broker.addr(), &output, want.len(), Duration::from_secs(600)).await;
            let secs = started.elapsed().as_secs_f64();
            let late = read_topic(&broker.addr(), &output, usize::MAX, Duration::from_secs(5)).await;
            let got: BTreeSet<String> = late
                .iter()
                .map(|m| String::from_utf8_lossy(m.key().unwrap_or_default()).into_owned())
                .collect();
            println!(
                "{instances} instance(s), {threads} libtorch thread(s) each: {} articles in {secs:>6.1} s: {:>5.2} articles/s; lost {}, duplicates {}",
                out.len(),
                out.len() as f64 / secs,
                want.difference(&got).count(),
                late.len() - got.len(),
            );
            for p in running {
                p.terminate().await;
            }
        }
    });
}
