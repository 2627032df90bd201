//! entity-recognition throughput on the BBC business articles (510 stories,
//! cleaned by ingest into a fresh Apache Kafka broker first):
//!
//! * the model alone: every sentence of every article tagged in passes of
//!   at most `batch_size` windows sorted by length across articles, and the
//!   service's way (one article at a time, so that an article's output never
//!   depends on its neighbours) — words/s and sentences/s;
//! * the service through the broker: articles/s from `articles.raw` to
//!   `articles.entities`, model loading included.
//!
//! `cargo bench -p stancewire-tests --bench entities` prints the figures,
//! the libtorch threads and precision, and the peak RSS of this process.
//! `STANCEWIRE_BENCH_MODEL` (a model directory, default the shipped one),
//! `STANCEWIRE_BENCH_PRECISION` (auto, float32, bfloat16, int8) and
//! `STANCEWIRE_BENCH_BATCH` (windows per forward pass) measure other choices.

use std::time::{Duration, Instant};

use stancewire_entity_recognition::{config::ModelSettings, entities, model::NerModel};
use stancewire_model::Runtime;
use stancewire_proto::v1;
use stancewire_tests::{
    apps::{clean_corpus, decode, entity_config, spawn_entity_recognition},
    peak_rss_mb, read_topic, Broker,
};

fn model_alone(articles: &[v1::Article], settings: &ModelSettings) {
    let runtime = &settings.runtime;
    let threads = runtime.apply();
    let model = NerModel::load(&settings.dir(), runtime, settings.max_pieces).unwrap();
    println!("model {} ({:?})", model.version, settings.dir());
    let sentences: Vec<Vec<Vec<&str>>> = articles
        .iter()
        .map(|a| {
            entities::sentence_words(a)
                .iter()
                .map(|s| s.words.iter().map(|w| w.text).collect())
                .collect()
        })
        .collect();
    let all: Vec<Vec<&str>> = sentences.iter().flatten().cloned().collect();
    let words: usize = all.iter().map(Vec::len).sum();
    // Warm up (first calls allocate and pick kernels).
    model.tag(&all[..all.len().min(256)]);

    let started = Instant::now();
    model.tag(&all);
    let across = started.elapsed().as_secs_f64();
    let started = Instant::now();
    for s in &sentences {
        model.tag(s);
    }
    let per_article = started.elapsed().as_secs_f64();
    for (how, secs) in [
        ("batched across articles", across),
        ("one batch per article (the service)", per_article),
    ] {
        println!(
            "model {how:<36} {:>6} sentences, {:>7} words in {:>6.2} s: {:>7.0} words/s, {:>5.0} sentences/s ({} threads, {:?}, batch {})",
            all.len(),
            words,
            secs,
            words as f64 / secs,
            all.len() as f64 / secs,
            threads,
            model.precision,
            runtime.batch_size,
        );
    }
}

async fn service(broker: &Broker, articles: usize, settings: &ModelSettings) {
    let mut config = entity_config(broker);
    config.stage.log.filter = "warn".into();
    config.model = settings.clone();
    let started = Instant::now();
    let er = spawn_entity_recognition(&config).await;
    let out = read_topic(
        &broker.addr(),
        "articles.entities",
        articles,
        Duration::from_secs(600),
    )
    .await;
    let secs = started.elapsed().as_secs_f64();
    let entities: usize = out
        .iter()
        .map(|m| decode::<v1::ArticleEntities>(m).entities.len())
        .sum();
    println!(
        "service articles.raw → articles.entities {:>5} articles in {:>6.2} s: {:>6.1} articles/s, {:.1} entities/article ({} threads, batch {}), peak RSS {:.0} MB",
        out.len(),
        secs,
        out.len() as f64 / secs,
        entities as f64 / out.len().max(1) as f64,
        config.model.runtime.threads,
        config.stage.kafka.batch_size,
        peak_rss_mb()
    );
    er.stop().await;
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let broker = Broker::start();
    let articles = rt.block_on(clean_corpus(&broker, "data/corpora/bbc/business"));
    println!("{} BBC business articles cleaned by ingest", articles.len());
    let mut settings = ModelSettings {
        path: std::env::var_os("STANCEWIRE_BENCH_MODEL").map(Into::into),
        runtime: Runtime {
            threads: 2,
            ..Runtime::default()
        },
        ..ModelSettings::default()
    };
    if let Ok(p) = std::env::var("STANCEWIRE_BENCH_PRECISION") {
        settings.runtime.precision = serde_json::from_value(p.into()).expect("a precision");
    }
    if let Ok(b) = std::env::var("STANCEWIRE_BENCH_BATCH") {
        settings.runtime.batch_size = b.parse().expect("a batch size");
    }
    model_alone(&articles, &settings);
    println!("peak RSS after the model alone: {:.0} MB", peak_rss_mb());
    rt.block_on(service(&broker, articles.len(), &settings));
}
