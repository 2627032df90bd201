//! End-to-end tests of stance-detection: a real broker, ingest,
//! entity-recognition and stance-detection running with the shipped models,
//! the example article in, its quotes, claims and stances read back from
//! `articles.enriched` and `stances`; tracked claims from the compacted
//! `claims` topic matched; bad records dead-lettered while the service stays up.

use std::{collections::BTreeSet, time::Duration};

use rdkafka::Message;
use serde_json::Value;
use stancewire_proto::v1::{self, ClaimRelation, QuoteKind, StanceLabel};
use stancewire_stage::codec;
use stancewire_tests::{
    apps::{
        assert_restart_loses_nothing, chars, decode, entities_record, entity_config, produce,
        spawn_entity_recognition, spawn_ingest, spawn_stance_detection, stance_config, track_claim,
    },
    project, read_topic, wait_ready, Broker,
};

fn stance_of<'a>(out: &'a v1::EnrichedArticle, source: &str, claim_id: &str) -> &'a v1::Stance {
    out.stances
        .iter()
        .find(|s| s.source_name == source && s.claim_id == claim_id)
        .unwrap_or_else(|| {
            let all: Vec<(&str, &str, i32)> = out
                .stances
                .iter()
                .map(|s| (s.source_name.as_str(), s.claim_id.as_str(), s.label))
                .collect();
            panic!("no stance of {source:?} on {claim_id}; stances: {all:?}")
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn example_article_quotes_claims_and_stances_come_out_through_all_three_services() {
    let broker = Broker::start();
    let expect: Value = serde_json::from_str(
        &std::fs::read_to_string(project("examples/kremlin-denial.expect.json")).unwrap(),
    )
    .unwrap();
    let expect = &expect["stance"];
    let central = expect["claim"].as_str().unwrap();
    // Users track the central claim (as a rumour would be phrased) and one
    // the article is not about.
    track_claim(
        &broker,
        "araghchi-message",
        "Iran's foreign minister Araghchi handed Putin a message from Khamenei",
    )
    .await;
    track_claim(
        &broker,
        "apple-watch",
        "Apple will sell 19 million Apple Watches in 2015",
    )
    .await;

    let ingest = spawn_ingest(&broker).await;
    let er = spawn_entity_recognition(&entity_config(&broker)).await;
    let sd = spawn_stance_detection(&stance_config(&broker)).await;
    wait_ready(&er.base, Duration::from_secs(30)).await;
    wait_ready(&sd.base, Duration::from_secs(90)).await;
    let text = std::fs::read_to_string(project("examples/kremlin-denial.txt")).unwrap();
    let (status, answer) = ingest.post("text/plain", text).await;
    assert_eq!(status, 202, "{answer}");

    let msgs = read_topic(
        &broker.addr(),
        "articles.enriched",
        1,
        Duration::from_secs(120),
    )
    .await;
    assert_eq!(msgs.len(), 1, "one record on articles.enriched");
    let out: v1::EnrichedArticle = decode(&msgs[0]);
    let meta = out.meta.as_ref().unwrap();
    let entities = out.entities.as_ref().expect("the entities travel along");
    let article = entities.article.as_ref().unwrap();
    let body = &article.body;
    assert_eq!(meta.article_id, answer["article_id"].as_str().unwrap());
    assert_eq!(meta.input_version, entities.meta.as_ref().unwrap().version);
    let producer = meta.producer.as_ref().unwrap();
    assert_eq!(producer.stage, "stance-detection");
    assert!(producer.model_version.starts_with("stance-minilm-2stage@"));

    // Quotes: both direct quotes, Peskov's, with exact offsets.
    for q in &out.quotes {
        eprintln!(
            "quote {:?} {:?} by {:?} cue {:?}",
            q.kind(),
            q.text,
            q.speaker_name,
            q.cue
        );
        assert_eq!(
            chars(body, q.span.as_ref().unwrap()),
            q.text,
            "quote offsets"
        );
    }
    for want in expect["quotes"].as_array().unwrap() {
        let start = want["text_starts"].as_str().unwrap();
        let q = out
            .quotes
            .iter()
            .find(|q| q.kind() == QuoteKind::Direct && q.text.starts_with(start))
            .unwrap_or_else(|| panic!("no direct quote starting {start:?}"));
        assert_eq!(q.speaker_name, want["speaker"].as_str().unwrap());
        assert!(!q.speaker_entity_id.is_empty());
    }
    // Reported speech is Peskov's too, the role "the Kremlin representative" resolved.
    let reported: Vec<&v1::Quote> = out
        .quotes
        .iter()
        .filter(|q| q.kind() == QuoteKind::Reported)
        .collect();
    assert!(
        reported
            .iter()
            .any(|q| q.text.contains("did not deliver any written document")
                && q.speaker_name == "Dmitry Peskov"),
        "{reported:?}"
    );
    for q in &out.quotes {
        assert!(!["Pavel Morozov", "Dmitry Sudakov"].contains(&q.speaker_name.as_str()));
    }

    // The central claim, normalised, with its source and the denial.
    for c in &out.claims {
        eprintln!(
            "claim {} {:?} source {:?}",
            c.id, c.text, c.source_entity_id
        );
    }
    let claim = out
        .claims
        .iter()
        .find(|c| c.text == central)
        .unwrap_or_else(|| panic!("no claim {central:?}"));
    for s in &out.stances {
        eprintln!(
            "stance {:?} {:?} on {} ({}) evidence {:?}",
            s.source_name,
            s.label(),
            s.claim_id,
            s.confidence,
            s.evidence_text
        );
        let ev = s
            .evidence
            .as_ref()
            .expect("every stance names its evidence");
        assert_eq!(chars(body, ev), s.evidence_text, "evidence offsets");
        assert!(s.confidence > 0.0 && s.confidence <= 1.0);
    }
    for want in expect["stances"].as_array().unwrap() {
        let source = want["source"].as_str().unwrap();
        let s = stance_of(&out, source, &claim.id);
        let label = match want["stance"].as_str().unwrap() {
            "support" => StanceLabel::Support,
            "deny" => StanceLabel::Deny,
            "query" => StanceLabel::Query,
            _ => StanceLabel::Comment,
        };
        assert_eq!(s.label(), label, "{source}'s stance on {central:?}");
    }
    // Peskov confirms the continued consultations.
    assert!(out.stances.iter().any(|s| s.source_name == "Dmitry Peskov"
        && s.label() == StanceLabel::Support
        && out
            .claims
            .iter()
            .any(|c| c.id == s.claim_id && c.text.contains("continue to consult"))));

    // The article, toward its headline claim: it reports and backs the denial.
    let art = out.article_stance.as_ref().unwrap();
    eprintln!(
        "article stance {:?} {} on {} evidence {:?}",
        art.label(),
        art.confidence,
        art.claim_id,
        art.evidence_text
    );
    assert_eq!(art.claim_id, claim.id);
    assert_eq!(expect["article_stance_toward_claim"], "disagree");
    assert_eq!(art.label(), StanceLabel::Deny);
    assert_eq!(
        chars(body, art.evidence.as_ref().unwrap()),
        art.evidence_text
    );

    // Tracked claims: the rumour is matched (and disputed); the other is not.
    eprintln!("claim matches {:?}", out.claim_matches);
    let matched: Vec<&str> = out
        .claim_matches
        .iter()
        .map(|m| m.claim_id.as_str())
        .collect();
    assert_eq!(matched, ["araghchi-message"]);
    assert_eq!(out.claim_matches[0].relation(), ClaimRelation::Disagree);

    // One stance record per stance (the article's own among them), each
    // keyed by the article and versioned apart.
    assert!(out.stances.contains(art));
    let records = read_topic(
        &broker.addr(),
        "stances",
        out.stances.len(),
        Duration::from_secs(30),
    )
    .await;
    assert_eq!(records.len(), out.stances.len());
    let mut versions = BTreeSet::new();
    for m in &records {
        assert_eq!(m.key().unwrap(), meta.article_id.as_bytes());
        let r: v1::StanceRecord = decode(m);
        assert_eq!(r.article_title, article.title);
        assert_eq!(
            r.claim.as_ref().unwrap().id,
            r.stance.as_ref().unwrap().claim_id
        );
        versions.insert(r.meta.unwrap().version);
    }
    assert_eq!(versions.len(), records.len());

    sd.stop().await;
    er.stop().await;
    ingest.stop().await;
}

async fn send(broker: &Broker, r: &v1::ArticleEntities) {
    let key = r.meta.as_ref().unwrap().article_id.clone();
    produce(
        broker,
        "articles.entities",
        &key,
        serde_json::to_vec(r).unwrap(),
        codec::JSON,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_records_are_dead_lettered_and_the_service_stays_up() {
    let broker = Broker::start();
    let sd = spawn_stance_detection(&stance_config(&broker)).await;
    wait_ready(&sd.base, Duration::from_secs(90)).await;

    produce(
        &broker,
        "articles.entities",
        "garbage",
        b"\x00\x01not a record".to_vec(),
        codec::JSON,
    )
    .await;
    send(&broker, &entities_record("empty", "A title", "  ", "en")).await;
    let mut no_article = entities_record("no-article", "A title", "Some text.", "en");
    no_article.article = None;
    send(&broker, &no_article).await;
    send(
        &broker,
        &entities_record(
            "german",
            "Titel",
            "Der Sprecher sagte, der Bericht sei falsch.",
            "de",
        ),
    )
    .await;
    let mut bad_span = entities_record("bad-span", "A title", "A short body.", "en");
    bad_span.article.as_mut().unwrap().sentences[0].span = Some(v1::Span { start: 2, end: 400 });
    send(&broker, &bad_span).await;
    send(
        &broker,
        &entities_record(
            "good",
            "Minister denies resignation rumours",
            "The minister said on Monday that reports of her resignation were not true.\n\"I am staying,\" she said.",
            "en",
        ),
    )
    .await;

    let dead = read_topic(
        &broker.addr(),
        "articles.enriched.dlq",
        5,
        Duration::from_secs(60),
    )
    .await;
    let mut kinds: Vec<(String, String)> = dead
        .iter()
        .map(|m| {
            let d: v1::DeadLetter = decode(m);
            assert!(!d.error.is_empty());
            (
                String::from_utf8_lossy(&d.key).into_owned(),
                d.error_kind.clone(),
            )
        })
        .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        [
            ("bad-span", "invalid_record"),
            ("empty", "empty_body"),
            ("garbage", "decode"),
            ("german", "unsupported_language"),
            ("no-article", "invalid_record"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()))
    );
    let good = read_topic(
        &broker.addr(),
        "articles.enriched",
        1,
        Duration::from_secs(60),
    )
    .await;
    assert_eq!(good.len(), 1);
    let out: v1::EnrichedArticle = decode(&good[0]);
    assert_eq!(out.meta.unwrap().article_id, "good");
    assert!(out.article_stance.is_some());
    sd.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_loses_nothing_and_repeats_are_identical() {
    let broker = Broker::start();
    track_claim(&broker, "dams", "Israel opened dams and flooded Gaza").await;
    let bodies = [
        "Israel has denied that it opened dams to flood the Gaza Strip.\nAn army spokesman said the reports were false.",
        "The minister said on Monday that she would not resign.\n\"I am staying,\" she told reporters.",
        "Officials confirmed that the bridge would reopen next week.\nThe mayor said repairs had gone well.",
        "Apple will sell 19 million watches this year, an analyst said.\nThe company declined to comment.",
    ];
    let records: Vec<v1::ArticleEntities> = (0..16)
        .map(|i| entities_record(&format!("s{i:02}"), "News", bodies[i % bodies.len()], "en"))
        .collect();
    for r in &records {
        send(&broker, r).await;
    }
    let config = stance_config(&broker);
    let want: BTreeSet<String> = records
        .iter()
        .map(|r| r.meta.as_ref().unwrap().article_id.clone())
        .collect();
    // The same tracked claims both times, so repeats must match.
    assert_restart_loses_nothing(&broker, "articles.enriched", &want, || {
        spawn_stance_detection(&config)
    })
    .await;
}
