//! End-to-end tests of entity-recognition: a real broker, ingest and
//! entity-recognition running with the shipped model, the example article in,
//! its entities read back from `articles.entities`; bad records dead-lettered
//! while the service stays up.

use std::{collections::BTreeSet, time::Duration};

use serde_json::Value;
use stancewire_proto::v1::{self, EntityType};
use stancewire_stage::codec;
use stancewire_tests::{
    apps::{
        self, assert_restart_loses_nothing, chars, decode, entity_config, one_entities_record,
        produce, send_article, spawn_entity_recognition, spawn_ingest,
    },
    project, read_topic, wait_ready, Broker,
};

fn entity<'a>(out: &'a v1::ArticleEntities, name: &str) -> &'a v1::Entity {
    out.entities
        .iter()
        .find(|e| e.canonical_name == name)
        .unwrap_or_else(|| {
            let names: Vec<(&str, i32)> = out
                .entities
                .iter()
                .map(|e| (e.canonical_name.as_str(), e.r#type))
                .collect();
            panic!("no entity {name:?} among {names:?}")
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn example_article_entities_come_out_grouped_with_roles_and_offsets() {
    let broker = Broker::start();
    let ingest = spawn_ingest(&broker).await;
    let er = spawn_entity_recognition(&entity_config(&broker)).await;
    wait_ready(&er.base, Duration::from_secs(30)).await;
    let text = std::fs::read_to_string(project("examples/kremlin-denial.txt")).unwrap();
    let expect: Value = serde_json::from_str(
        &std::fs::read_to_string(project("examples/kremlin-denial.expect.json")).unwrap(),
    )
    .unwrap();
    let (status, answer) = ingest.post("text/plain", text).await;
    assert_eq!(status, 202, "{answer}");

    let msgs = read_topic(
        &broker.addr(),
        "articles.entities",
        1,
        Duration::from_secs(60),
    )
    .await;
    assert_eq!(msgs.len(), 1, "one record on articles.entities");
    let out: v1::ArticleEntities = decode(&msgs[0]);
    let article = out.article.as_ref().expect("the article travels along");
    let meta = out.meta.as_ref().unwrap();
    assert_eq!(meta.article_id, answer["article_id"].as_str().unwrap());
    assert_eq!(meta.input_version, article.meta.as_ref().unwrap().version);
    assert_eq!(meta.producer.as_ref().unwrap().stage, "entity-recognition");
    assert!(meta
        .producer
        .as_ref()
        .unwrap()
        .model_version
        .starts_with("ner-minilm-casing-l"));

    for e in &out.entities {
        let roles: Vec<&str> = e.roles.iter().map(|r| r.text.as_str()).collect();
        eprintln!(
            "{} {:?} {} {:?} {:?} {}",
            e.id,
            e.r#type(),
            e.canonical_name,
            e.aliases,
            roles,
            e.salience
        );
    }
    // Every mention's text is exactly what its offsets cover.
    for m in &out.mentions {
        let within = if m.in_title {
            &article.title
        } else {
            &article.body
        };
        assert_eq!(chars(within, m.span.as_ref().unwrap()), m.text, "{m:?}");
    }
    // People: one entity each, all surface forms grouped, with their roles.
    let roles = [
        ("Vladimir Putin", "Russian President"),
        ("Ali Khamenei", "Supreme Leader"),
        ("Abbas Araghchi", "Iranian Foreign Minister"),
        ("Dmitry Peskov", "Kremlin spokesman"),
    ];
    for (name, forms) in expect["entities"]["PER"].as_object().unwrap() {
        let e = entity(&out, name);
        assert_eq!(e.r#type, EntityType::Per as i32, "{name}");
        for form in forms.as_array().unwrap() {
            let form = form.as_str().unwrap();
            assert!(
                e.aliases.iter().any(|a| a == form),
                "{name}: no alias {form:?} in {:?}",
                e.aliases
            );
        }
        let role = roles.iter().find(|(n, _)| n == name).unwrap().1;
        assert!(
            e.roles.iter().any(|r| r.text.contains(role)),
            "{name}: no role {role:?} in {:?}",
            e.roles
        );
        for r in &e.roles {
            assert_eq!(chars(&article.body, r.span.as_ref().unwrap()), r.text);
        }
        let people = out
            .entities
            .iter()
            .filter(|x| x.r#type == EntityType::Per as i32);
        assert_eq!(
            people
                .filter(|x| x.aliases.iter().any(|a| a == name))
                .count(),
            1,
            "{name} is one entity"
        );
    }
    for (kind, ty) in [("ORG", EntityType::Org), ("LOC", EntityType::Loc)] {
        for name in expect["entities"][kind].as_array().unwrap() {
            let e = entity(&out, name.as_str().unwrap());
            assert_eq!(e.r#type, ty as i32, "{name}");
        }
    }
    let dates: BTreeSet<&str> = out
        .entities
        .iter()
        .filter(|e| e.r#type == EntityType::Date as i32)
        .map(|e| e.canonical_name.as_str())
        .collect();
    for d in ["June 23", "August 2024", "5 December 1962"] {
        assert!(dates.contains(d), "date {d} in {dates:?}");
    }
    // The byline's people are metadata, not story entities.
    for name in expect["entities"]["not_story_people"].as_array().unwrap() {
        let name = name.as_str().unwrap();
        assert!(
            out.entities
                .iter()
                .all(|e| !e.aliases.iter().any(|a| a == name)),
            "{name} is not a story entity"
        );
    }
    // Title presence and salience: Putin and Khamenei are in the headline,
    // and the story's people outrank a place named once in the background box.
    assert!(entity(&out, "Vladimir Putin").in_title);
    assert!(entity(&out, "Ali Khamenei").in_title);
    assert!(entity(&out, "Dmitry Peskov").salience > entity(&out, "Finland").salience);
    // Ids follow first mention; mention indexes point back at the entity.
    for (i, e) in out.entities.iter().enumerate() {
        assert_eq!(e.id, format!("e{i}"));
        for &m in &e.mention_indexes {
            assert_eq!(out.mentions[m as usize].entity_id, e.id);
        }
    }
    er.stop().await;
    ingest.stop().await;
}

fn article(id: &str, body: &str, language: &str) -> v1::Article {
    apps::article(id, "A title", body, language)
}

async fn send(broker: &Broker, a: &v1::Article) {
    send_article(broker, a).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_articles_are_dead_lettered_and_the_service_stays_up() {
    let broker = Broker::start();
    let er = spawn_entity_recognition(&entity_config(&broker)).await;
    wait_ready(&er.base, Duration::from_secs(30)).await;

    produce(
        &broker,
        "articles.raw",
        "garbage",
        b"{not json".to_vec(),
        codec::JSON,
    )
    .await;
    send(&broker, &article("empty", "   ", "en")).await;
    let huge = "Word after word in a very long body. ".repeat(1_000_000 / 37 + 1);
    send(&broker, &article("huge", &huge, "en")).await;
    send(
        &broker,
        &article(
            "german",
            "Der Bundeskanzler Olaf Scholz sprach am Montag in Berlin mit Journalisten.",
            "de",
        ),
    )
    .await;
    send(
        &broker,
        &article(
            "good",
            "Angela Merkel met Emmanuel Macron in Paris on Monday.",
            "en",
        ),
    )
    .await;

    let dead = read_topic(
        &broker.addr(),
        "articles.entities.dlq",
        4,
        Duration::from_secs(60),
    )
    .await;
    let mut kinds: Vec<(String, String)> = dead
        .iter()
        .map(|m| {
            let d: v1::DeadLetter = decode(m);
            (
                String::from_utf8_lossy(&d.key).into_owned(),
                d.error_kind.clone(),
            )
        })
        .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        vec![
            ("empty".to_string(), "empty_body".to_string()),
            ("garbage".to_string(), "decode".to_string()),
            ("german".to_string(), "unsupported_language".to_string()),
            ("huge".to_string(), "body_too_large".to_string()),
        ]
    );
    let huge_letter: v1::DeadLetter = dead
        .iter()
        .map(decode::<v1::DeadLetter>)
        .find(|d| d.key == b"huge")
        .unwrap();
    assert!(
        huge_letter.error.contains("payload truncated"),
        "{}",
        huge_letter.error
    );
    let (good, names) = one_entities_record(&broker).await;
    assert_eq!(good.meta.unwrap().article_id, "good");
    assert!(
        names.contains("Angela Merkel") && names.contains("Paris"),
        "{names:?}"
    );
    er.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_loses_nothing_and_repeats_are_identical() {
    let broker = Broker::start();
    let texts = [
        "Angela Merkel met Emmanuel Macron in Paris on Monday to discuss the European Union budget.",
        "Apple Inc. said on Tuesday its chief executive Tim Cook would visit China next month.",
        "The United Nations Security Council met in New York after Russia vetoed the resolution.",
        "Barcelona beat Real Madrid 2-1 at the Camp Nou, with Lionel Messi scoring twice.",
    ];
    let articles: Vec<v1::Article> = (0..24)
        .map(|i| article(&format!("a{i:02}"), texts[i % texts.len()], "en"))
        .collect();
    for a in &articles {
        send(&broker, a).await;
    }
    let config = entity_config(&broker);
    let want: BTreeSet<String> = articles
        .iter()
        .map(|a| a.meta.as_ref().unwrap().article_id.clone())
        .collect();
    assert_restart_loses_nothing(&broker, "articles.entities", &want, || {
        spawn_entity_recognition(&config)
    })
    .await;
}
