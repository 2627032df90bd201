//! stance-detection throughput: BBC business articles (cleaned by ingest,
//! tagged by entity-recognition through a fresh Apache Kafka broker first) from
//! `articles.entities` to `articles.enriched` and `stances`, against a table
//! of tracked claims: FNC-1 headlines (mostly about other stories) and some
//! of the corpus's own headlines (which its articles are about).
//!
//! `cargo bench -p stancewire-tests --bench stance` prints articles/s, what
//! was found per article (quotes, claims, stances, tracked-claim matches)
//! and the peak RSS of this process; then the model alone, stage by stage,
//! and what reading whole bodies instead of four evidence sentences would
//! cost (the design choice in `models/stance/MODEL_CARD.md`).
//! `STANCEWIRE_BENCH_ARTICLES` (default 150) sets how many articles.

use std::time::{Duration, Instant};

use stancewire_proto::v1;
use stancewire_tests::{
    apps::{
        chars, clean_corpus, decode, entity_config, fnc_headlines, produce,
        spawn_entity_recognition, spawn_stance_detection, stance_config, track_claim,
    },
    peak_rss_mb, read_topic, Broker,
};

/// Tracked claims: `fnc` FNC-1 headlines and `own` of the articles' titles.
async fn track(
    broker: &Broker,
    articles: &[v1::Article],
    fnc: usize,
    own: usize,
) -> (usize, Vec<String>) {
    let mut texts = Vec::new();
    let mut n = 0;
    for h in fnc_headlines(fnc) {
        n += 1;
        track_claim(broker, &format!("fnc-{n}"), &h).await;
        texts.push(h);
    }
    for a in articles
        .iter()
        .step_by((articles.len() / own.max(1)).max(1))
        .take(own)
    {
        n += 1;
        texts.push(a.title.clone());
        track_claim(broker, &format!("own-{n}"), &a.title).await;
    }
    (n, texts)
}

/// Seconds per call of each part of the model, on the tagged articles.
fn model_alone(records: &[v1::EnrichedArticle], claims: &[String]) {
    use stancewire_stance_detection::model::{classify_with, StanceModel};
    let runtime = stancewire_model::Runtime {
        threads: 2,
        batch_size: 32,
        ..Default::default()
    };
    runtime.apply();
    let model =
        StanceModel::load(&stancewire_stance_detection::model::shipped_dir(), &runtime).unwrap();
    let bodies: Vec<Vec<String>> = records
        .iter()
        .map(|r| {
            let a = r.entities.as_ref().unwrap().article.as_ref().unwrap();
            a.sentences
                .iter()
                .map(|s| chars(&a.body, s.span.as_ref().unwrap()))
                .collect()
        })
        .collect();
    let sentences: usize = bodies
        .iter()
        .map(|b| b.len().min(model.settings.max_sentences))
        .sum();
    let started = Instant::now();
    let prepared: Vec<_> = bodies.iter().map(|b| model.body(b.clone())).collect();
    let embed = started.elapsed().as_secs_f64();
    let prepared_claims: Vec<_> = claims.iter().map(|c| model.claim(c)).collect();
    let pairs: Vec<_> = prepared
        .iter()
        .flat_map(|b| prepared_claims.iter().map(move |c| (c, b)))
        .collect();
    let started = Instant::now();
    let judged = model.judge(&pairs);
    let judge = started.elapsed().as_secs_f64();
    let related = judged
        .iter()
        .filter(|j| j.relation != stancewire_stance_detection::model::Relation::Unrelated)
        .count();
    println!(
        "model: embedding {} articles ({} sentences) {:.3} s/article; judging {} (article, claim) pairs {:.2} ms/pair ({} related, read by the cross-encoder)",
        bodies.len(),
        sentences,
        embed / bodies.len() as f64,
        pairs.len(),
        1000.0 * judge / pairs.len() as f64,
        related,
    );
    // The cross-encoder over four evidence sentences (as shipped) vs over the whole body.
    let parts = model.parts();
    let n = bodies.len().min(60);
    for (what, max) in [
        (
            "4 evidence sentences, ≤160 pieces",
            parts.settings.pair_pieces,
        ),
        ("whole body, ≤512 pieces", 512),
    ] {
        let inputs: Vec<_> = (0..n)
            .map(|i| {
                let text = if max == 512 {
                    bodies[i].join(" ")
                } else {
                    let claim = &prepared_claims[i % prepared_claims.len()];
                    let sims =
                        stancewire_stance_detection::model::similarities(claim, &prepared[i]);
                    let chosen = stancewire_stance_detection::model::evidence(
                        &prepared[i],
                        &sims,
                        parts.settings.evidence_sentences,
                    );
                    stancewire_stance_detection::model::evidence_text(&prepared[i], &chosen)
                };
                parts.encoder.pair(&claims[i % claims.len()], &text, max)
            })
            .collect();
        let pieces: usize = inputs.iter().map(|e| e.ids.len()).sum();
        let started = Instant::now();
        classify_with(parts.cross, &inputs, 16);
        let secs = started.elapsed().as_secs_f64();
        println!(
            "cross-encoder on {what:<34} {n} pairs, {:>5.0} pieces/pair: {:>6.1} ms/pair",
            pieces as f64 / n as f64,
            1000.0 * secs / n as f64
        );
    }
}

/// What the service pays per article for its table of tracked claims, at
/// 50, 1,000 and 10,000 claims: stance-detection's own transform, in this
/// process, on `records`' articles (FNC-1 headlines, then paragraphs of the
/// BBC's other categories, as claims).
fn tracked_claims_cost(records: &[v1::EnrichedArticle]) {
    use stancewire_stance_detection::{
        config::StanceConfig,
        tracked::TrackedClaims,
        transform::{Detect, Models},
    };
    let mut texts = fnc_headlines(usize::MAX);
    let bbc = stancewire_tests::shared("data/corpora/bbc");
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(&bbc)
        .unwrap()
        .map(|d| d.unwrap().path())
        // Not the business news the articles are: claims about other stories.
        .filter(|d| d.is_dir() && !d.ends_with("business"))
        .flat_map(|d| std::fs::read_dir(d).unwrap())
        .map(|f| f.unwrap().path())
        .collect();
    files.sort();
    for f in files {
        let text = stancewire_ingest::files::read_text_file(&f).unwrap_or_default();
        texts.extend(
            text.lines()
                .skip(1)
                .map(str::trim)
                .filter(|l| (40..400).contains(&l.chars().count()))
                .map(String::from),
        );
        if texts.len() >= 10_000 {
            break;
        }
    }
    let articles: Vec<&v1::ArticleEntities> = records
        .iter()
        .take(20)
        .filter_map(|r| r.entities.as_ref())
        .collect();
    for n in [50, 1_000, 10_000] {
        let config = StanceConfig::default();
        let tracked = TrackedClaims::new(config.limits.max_claim_chars);
        for (i, t) in texts.iter().take(n).enumerate() {
            let claim = v1::TrackedClaim {
                claim_id: format!("c{i}"),
                text: t.clone(),
                ..Default::default()
            };
            tracked.apply(&claim.claim_id.clone(), Some(claim));
        }
        let detect = Detect::new(
            Models::load(&config.model).unwrap(),
            config.limits.clone(),
            config.topics.clone(),
            tracked,
        );
        // The first article embeds every claim (once, for all the others).
        let tracked_secs = || {
            let (_, shares) = detect.phases();
            shares
                .iter()
                .find(|s| s.phase == "tracked claims")
                .map_or(f64::NAN, |s| s.seconds)
        };
        let started = Instant::now();
        detect.detect(articles[0]).unwrap();
        let first = started.elapsed().as_secs_f64();
        let before = tracked_secs();
        let started = Instant::now();
        for a in &articles[1..] {
            detect.detect(a).unwrap();
        }
        let others = (articles.len() - 1).max(1) as f64;
        let rest = started.elapsed().as_secs_f64() / others;
        println!(
            "{n:>6} tracked claims: {:>7.1} ms/article, of which judging the tracked claims {:>6.1} ms; the first article {:>6.1} s (embeds every claim, once)",
            rest * 1000.0,
            (tracked_secs() - before) * 1000.0 / others,
            first
        );
    }
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
        let (claims, texts) = track(&broker, &articles, 40, 10).await;

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
        model_alone(&records, &texts);
        tracked_claims_cost(&records);
    });
}
