//! stance-detection throughput: BBC business articles (cleaned by ingest,
//! tagged by entity-recognition through a fresh nisshi broker first) from
//! `articles.entities` to `articles.enriched` and `stances`, against a table
//! of tracked claims: FNC-1 headlines (mostly about other stories) and some
//! of the corpus's own headlines (which its articles are about).
//!
//! `cargo bench -p stancewire-tests --bench stance` prints articles/s, what
//! was found per article (quotes, claims, stances, tracked-claim matches)
//! and the peak RSS of this process.
//! `STANCEWIRE_BENCH_ARTICLES` (default 150) sets how many articles.

use std::time::{Duration, Instant};

use stancewire_proto::v1;
use stancewire_tests::{
    apps::{
        clean_corpus, decode, entity_config, produce, spawn_entity_recognition,
        spawn_stance_detection, stance_config, track_claim,
    },
    peak_rss_mb, read_topic, shared, Broker,
};

/// Tracked claims: `fnc` FNC-1 headlines and `own` of the articles' titles.
async fn track(broker: &Broker, articles: &[v1::Article], fnc: usize, own: usize) -> usize {
    let mut reader = csv::Reader::from_path(shared("data/fnc-1/train_stances.csv")).unwrap();
    let mut headlines: Vec<String> = reader
        .records()
        .map(|r| r.unwrap()[0].to_string())
        .collect();
    headlines.sort();
    headlines.dedup();
    let step = (headlines.len() / fnc.max(1)).max(1);
    let mut n = 0;
    for h in headlines.iter().step_by(step).take(fnc) {
        n += 1;
        track_claim(broker, &format!("fnc-{n}"), h).await;
    }
    for a in articles
        .iter()
        .step_by((articles.len() / own.max(1)).max(1))
        .take(own)
    {
        n += 1;
        track_claim(broker, &format!("own-{n}"), &a.title).await;
    }
    n
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let want: usize = std::env::var("STANCEWIRE_BENCH_ARTICLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(150);
    rt.block_on(async {
        let broker = Broker::start();
        let mut articles = clean_corpus(&broker, "data/corpora/bbc/business").await;
        articles.truncate(want);
        // Only these go on to entity-recognition.
        for a in &articles {
            let key = a.meta.as_ref().unwrap().article_id.clone();
            produce(&broker, "articles.selected", &key, serde_json::to_vec(a).unwrap(), stancewire_stage::codec::JSON).await;
        }
        let mut er_config = entity_config(&broker);
        er_config.topics.input = "articles.selected".into();
        er_config.stage.log.filter = "warn".into();
        let er = spawn_entity_recognition(&er_config).await;
        let tagged = read_topic(&broker.addr(), "articles.entities", articles.len(), Duration::from_secs(900)).await;
        er.stop().await;
        println!("{} BBC business articles cleaned and tagged", tagged.len());
        let claims = track(&broker, &articles, 40, 10).await;

        let mut config = stance_config(&broker);
        config.stage.log.filter = "warn".into();
        let started = Instant::now();
        let sd = spawn_stance_detection(&config).await;
        let out = read_topic(&broker.addr(), "articles.enriched", tagged.len(), Duration::from_secs(900)).await;
        let secs = started.elapsed().as_secs_f64();
        sd.stop().await;
        let records: Vec<v1::EnrichedArticle> = out.iter().map(decode).collect();
        let n = records.len().max(1) as f64;
        let per = |f: &dyn Fn(&v1::EnrichedArticle) -> usize| records.iter().map(f).sum::<usize>() as f64 / n;
        println!(
            "service articles.entities → articles.enriched {:>4} articles in {:>6.2} s (model loading included): {:>5.2} articles/s ({} threads), {} tracked claims",
            records.len(),
            secs,
            records.len() as f64 / secs,
            config.model.runtime.threads,
            claims,
        );
        println!(
            "per article: {:.2} quotes, {:.2} claims, {:.2} stances, {:.2} tracked claims matched; peak RSS {:.0} MB",
            per(&|r| r.quotes.len()),
            per(&|r| r.claims.len()),
            per(&|r| r.stances.len()),
            per(&|r| r.claim_matches.len()),
            peak_rss_mb(),
        );
    });
}
