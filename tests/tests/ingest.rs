//! End-to-end tests of the ingest service: a real Apache Kafka broker, the real
//! service (in-process, HTTP on a free port), real articles in, records read
//! back from the topics.

use std::{sync::Arc, time::Duration};

use rdkafka::Message;
use serde_json::Value;
use stancewire_ingest::{
    config::IngestConfig,
    feeds::{gunzip, FeedPoller, FeedSettings},
    startup::{self, Ingest as IngestService},
    submission::Limits,
};
use stancewire_proto::v1;
use stancewire_stage::{metrics::Metrics, Service, Shutdown};
use stancewire_tests::{
    apps::{chars, config_for, decode, loopback_fetcher, spawn_ingest, spawn_ingest_with, Ingest},
    header, post, project, read_topic, shared, wait_ready, Broker,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn example_article_comes_out_clean_and_once() {
    let broker = Broker::start();
    let ingest = spawn_ingest(&broker).await;
    let text = std::fs::read_to_string(project("examples/kremlin-denial.txt")).unwrap();
    let expect: Value = serde_json::from_str(
        &std::fs::read_to_string(project("examples/kremlin-denial.expect.json")).unwrap(),
    )
    .unwrap();

    let (status, first) = ingest.post("text/plain", text.clone()).await;
    assert_eq!(status, 202, "{first}");
    assert_eq!(first["status"], "accepted");
    let (status, second) = ingest.post("text/plain", text.clone()).await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(second["status"], "duplicate");
    assert_eq!(second["article_id"], first["article_id"]);

    let msgs = read_topic(&broker.addr(), "articles.raw", 2, Duration::from_secs(5)).await;
    assert_eq!(msgs.len(), 1, "the duplicate produced nothing");
    let m = &msgs[0];
    assert_eq!(
        header(m, "content-type").as_deref(),
        Some("application/json")
    );
    assert_eq!(
        header(m, "stancewire-type").as_deref(),
        Some("stancewire.v1.Article")
    );
    let a = decode::<v1::Article>(m);
    let meta = a.meta.as_ref().unwrap();
    assert_eq!(
        m.key().unwrap(),
        meta.article_id.as_bytes(),
        "keyed by article id"
    );
    assert_eq!(first["article_id"], meta.article_id.as_str());
    assert_eq!(meta.producer.as_ref().unwrap().stage, "ingest");
    assert!(meta.ingested_at.is_some() && !meta.version.is_empty());

    let want = &expect["ingest"];
    assert_eq!(a.title, want["title"].as_str().unwrap());
    assert_eq!(
        a.subtitle,
        "Kremlin: Putin Did Not Receive Message from Iran's Supreme Leader Ali Khamenei"
    );
    assert_eq!(a.authors, vec![want["author"].as_str().unwrap()]);
    assert_eq!(a.editors, vec![want["editor"].as_str().unwrap()]);
    assert_eq!(a.publisher, want["publisher"].as_str().unwrap());
    assert_eq!(
        a.language.as_ref().unwrap().code,
        want["language"].as_str().unwrap()
    );
    for s in want["body_contains"].as_array().unwrap() {
        assert!(a.body.contains(s.as_str().unwrap()), "body lacks {s}");
    }
    for s in want["body_excludes"].as_array().unwrap() {
        assert!(!a.body.contains(s.as_str().unwrap()), "body keeps {s}");
    }
    assert!(
        !a.body.lines().any(|l| l.trim() == "*"),
        "lone * separators are dropped"
    );

    // Sentences: split around the curly quotes, kept whole across em dashes.
    let sentences: Vec<String> = a
        .sentences
        .iter()
        .map(|s| chars(&a.body, s.span.as_ref().unwrap()))
        .collect();
    assert!(sentences.contains(&"“There were indeed certain communications or signals — let’s put it that way — from the Iranian leadership,” Peskov stated.".to_string()), "{sentences:#?}");
    assert!(sentences.contains(&"“However, the specific report from Reuters does not reflect the reality of what occurred.”".to_string()));
    assert!(sentences.contains(&"According to the Kremlin representative, the Iranian foreign minister did not deliver any written document to the Russian leader.".to_string()));
    for p in &a.paragraphs {
        let para = chars(&a.body, p);
        assert!(!para.is_empty() && !para.contains("\n\n"));
    }
    ingest.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_republished_wire_story_with_a_new_byline_is_one_record() {
    let broker = Broker::start();
    let ingest = spawn_ingest(&broker).await;
    let bbc = std::fs::read_to_string(shared("data/corpora/bbc/business/001.txt")).unwrap();
    let (title, body) = bbc.split_once('\n').unwrap();
    let original = serde_json::json!({"url": "https://news.example/business/timewarner", "title": title, "text": body, "source": "BBC"});
    let (status, first) = ingest.post("application/json", original.to_string()).await;
    assert_eq!(status, 202, "{first}");

    // The same URL with tracking parameters: the same story.
    let tracked = serde_json::json!({"url": "https://news.example/business/timewarner/?utm_source=rss", "title": title, "text": body});
    let (status, dup) = ingest.post("application/json", tracked.to_string()).await;
    assert_eq!(
        (status, dup["reason"].as_str()),
        (200, Some("same_content")),
        "{dup}"
    );

    // Re-published elsewhere with another headline and a byline in the body.
    let republished = serde_json::json!({
        "url": "https://wire.example/2005/02/timewarner-profits",
        "title": "TimeWarner profits jump on advert sales",
        "text": format!("By Jane Smith\n\n{body}"),
        "source": "Wire Daily",
    });
    let (status, dup) = ingest
        .post("application/json", republished.to_string())
        .await;
    assert_eq!(status, 200, "{dup}");
    assert_eq!(dup["status"], "duplicate");
    assert_eq!(dup["article_id"], first["article_id"]);

    let msgs = read_topic(&broker.addr(), "articles.raw", 2, Duration::from_secs(4)).await;
    assert_eq!(msgs.len(), 1);
    ingest.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dedup_state_survives_a_restart() {
    let broker = Broker::start();
    let ingest = spawn_ingest(&broker).await;
    let text = std::fs::read_to_string(project("examples/kremlin-denial.txt")).unwrap();
    assert_eq!(ingest.post("text/plain", text.clone()).await.0, 202);
    let config = ingest.config.clone();
    let Ingest {
        shutdown,
        task,
        _dir: dedup_dir,
        ..
    } = ingest;
    shutdown.trigger();
    task.await.unwrap().unwrap();

    // Same dedup file, new process state.
    let app = IngestService::build(&config).await.unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    let shutdown = Shutdown::new();
    let task = tokio::spawn(app.run_until_stopped(shutdown.clone()));
    let (status, _) = post(&format!("{base}/v1/articles"), "text/plain", text).await;
    assert_eq!(status, 200);
    shutdown.trigger();
    task.await.unwrap().unwrap();
    drop(dedup_dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_a_named_error_and_the_service_stays_up() {
    let broker = Broker::start();
    let ingest = spawn_ingest(&broker).await;
    let deep = format!(
        "<html><body>{}x{}</body></html>",
        "<div>".repeat(5000),
        "</div>".repeat(5000)
    );
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        (
            "application/json",
            b"{\"text\": \"unterminated".to_vec(),
            400,
            "malformed_json",
        ),
        (
            "application/json",
            b"{\"title\": \"no content\"}".to_vec(),
            400,
            "missing_content",
        ),
        (
            "application/json",
            b"{\"text\": \"x\", \"published\": \"last week\"}".to_vec(),
            400,
            "invalid_field",
        ),
        (
            "image/png",
            b"\x89PNG\r\n".to_vec(),
            415,
            "unsupported_content_type",
        ),
        ("text/plain", Vec::new(), 422, "empty_body"),
        ("text/plain", b"  \n\t  \n".to_vec(), 422, "empty_body"),
        (
            "application/json",
            b"{\"text\": \"   \"}".to_vec(),
            422,
            "empty_body",
        ),
        ("text/plain", vec![b'a'; 600 * 1024], 413, "too_large"),
        (
            "text/plain",
            b"caf\xe9 \xff\xfe".to_vec(),
            400,
            "invalid_utf8",
        ),
        (
            "text/plain",
            b"\x00\x01\x02\x03binary\x00\x00".to_vec(),
            422,
            "binary_content",
        ),
        ("text/html", deep.into_bytes(), 422, "html_too_deep"),
        (
            "text/html",
            b"<html><body><nav><a href=/>Home</a></nav></body></html>".to_vec(),
            422,
            "no_text",
        ),
    ];
    for (content_type, body, status, kind) in cases {
        let (got, json) = ingest.post(content_type, body).await;
        assert_eq!(
            (got, json["error"].as_str()),
            (status, Some(kind)),
            "{content_type}: {json}"
        );
        assert!(!json["message"].as_str().unwrap_or("").is_empty(), "{json}");
    }
    // Still up, ready, still ingesting.
    let health = reqwest::get(format!("{}/healthz", ingest.base))
        .await
        .unwrap();
    assert_eq!(health.status().as_u16(), 200);
    wait_ready(&ingest.base, Duration::from_secs(5)).await;
    let text = std::fs::read_to_string(shared("data/corpora/bbc/tech/001.txt")).unwrap();
    assert_eq!(ingest.post("text/plain", text).await.0, 202);
    let metrics = reqwest::get(format!("{}/metrics", ingest.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("stancewire_errors_total{kind=\"malformed_json\",service=\"ingest\"} 1"),
        "{metrics}"
    );
    ingest.stop().await;
}

/// A tiny site on loopback: a feed and the pages it links to. `BASE` in the
/// feed stands for the site's own address, known once it is bound.
async fn serve_site(feed: &str, pages: Vec<(&'static str, String)>) -> String {
    use axum::{routing::get, Router};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let feed = feed.replace("BASE", &base);
    let mut router = Router::new().route(
        "/feed.xml",
        get(move || {
            let feed = feed.clone();
            async move { ([("content-type", "application/rss+xml")], feed) }
        }),
    );
    for (path, html) in pages {
        router = router.route(
            path,
            get(move || {
                let html = html.clone();
                async move { ([("content-type", "text/html")], html) }
            }),
        );
    }
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    base
}

/// The i-th real news page of the extraction benchmark's dev set.
fn page(i: usize) -> String {
    let mut files: Vec<_> = std::fs::read_dir(shared("data/article-extraction/html"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let limits = Limits {
        max_body_bytes: 16 << 20,
        ..Default::default()
    };
    String::from_utf8(gunzip(&std::fs::read(&files[i]).unwrap(), &limits).unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feed_items_are_ingested_once() {
    let broker = Broker::start();
    let dir = tempfile::tempdir().unwrap();
    let config = config_for(&broker, &dir);
    let ingestor = startup::ingestor(&config, &Metrics::new("ingest"))
        .await
        .unwrap();

    // Two real news pages behind an RSS feed with teaser descriptions.
    let feed = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Local News</title><link>BASE/</link><description>test</description>
        <item><title>First story</title><link>BASE/a.html</link><guid>a</guid><pubDate>Tue, 24 Jun 2025 10:00:00 GMT</pubDate><description>Teaser one.</description></item>
        <item><title>Second story</title><link>BASE/b.html</link><guid>b</guid><description>Teaser two.</description></item>
        </channel></rss>"#;
    let site = serve_site(feed, vec![("/a.html", page(0)), ("/b.html", page(1))]).await;
    let settings = FeedSettings {
        url: format!("{site}/feed.xml"),
        interval_secs: 60,
        allow_file_links: false,
    };

    let mut poller = FeedPoller::new(
        settings.clone(),
        Arc::clone(&ingestor),
        config.limits.limits(),
        loopback_fetcher(),
    );
    let first = poller.poll_once().await;
    assert_eq!(
        (first.items, first.accepted, first.failed),
        (2, 2, 0),
        "{first:?}"
    );
    let second = poller.poll_once().await;
    assert_eq!(
        (second.items, second.accepted, second.skipped_known),
        (2, 0, 2),
        "{second:?}"
    );

    let msgs = read_topic(&broker.addr(), "articles.raw", 3, Duration::from_secs(4)).await;
    assert_eq!(msgs.len(), 2);
    for m in &msgs {
        let a = decode::<v1::Article>(m);
        let source = a.source.unwrap();
        assert_eq!(source.kind, v1::SourceKind::Feed as i32);
        assert_eq!(source.feed_url, settings.url);
        assert_eq!(a.publisher, "Local News");
        assert!(a.title == "First story" || a.title == "Second story");
        assert!(
            a.word_count > 100,
            "the linked page's article was extracted, not the teaser"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_and_malformed_feeds_are_dead_lettered() {
    let broker = Broker::start();
    let dir = tempfile::tempdir().unwrap();
    let config = config_for(&broker, &dir);
    let ingestor = startup::ingestor(&config, &Metrics::new("ingest"))
        .await
        .unwrap();
    let site = serve_site("this is not xml <<<", vec![]).await;
    let dead_port = stancewire_tests::free_port();
    for url in [
        format!("http://127.0.0.1:{dead_port}/feed.xml"),
        format!("{site}/feed.xml"),
    ] {
        let settings = FeedSettings {
            url,
            interval_secs: 60,
            allow_file_links: false,
        };
        let mut poller = FeedPoller::new(
            settings,
            ingestor.clone(),
            config.limits.limits(),
            loopback_fetcher(),
        );
        assert_eq!(poller.poll_once().await.items, 0);
        assert_eq!(poller.poll_once().await.items, 0, "polling carries on");
    }
    let msgs = read_topic(
        &broker.addr(),
        "articles.raw.dlq",
        3,
        Duration::from_secs(4),
    )
    .await;
    let mut letters: Vec<v1::DeadLetter> = msgs.iter().map(decode::<v1::DeadLetter>).collect();
    letters.sort_by(|a, b| a.error_kind.cmp(&b.error_kind));
    let kinds: Vec<&str> = letters.iter().map(|d| d.error_kind.as_str()).collect();
    assert_eq!(
        kinds,
        vec!["feed_unreachable", "malformed_feed"],
        "one dead letter per failing feed, not per poll"
    );
    let malformed = &letters[1];
    assert_eq!(malformed.payload, b"this is not xml <<<");
    assert_eq!(malformed.service, "ingest");
    assert!(
        malformed.origin.starts_with("feed:http://127.0.0.1:"),
        "{}",
        malformed.origin
    );
    assert!(
        malformed.error.contains("not a valid RSS/Atom feed"),
        "{}",
        malformed.error
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_are_ingested_and_bad_lines_dead_lettered() {
    let broker = Broker::start();
    let dir = tempfile::tempdir().unwrap();
    let config = config_for(&broker, &dir);
    let ingestor = startup::ingestor(&config, &Metrics::new("ingest"))
        .await
        .unwrap();
    let input = tempfile::tempdir().unwrap();
    std::fs::copy(
        project("examples/kremlin-denial.txt"),
        input.path().join("kremlin.txt"),
    )
    .unwrap();
    let bbc = std::fs::read_to_string(shared("data/corpora/bbc/politics/001.txt")).unwrap();
    let good = serde_json::json!({"text": bbc}).to_string();
    std::fs::write(
        input.path().join("batch.jsonl"),
        format!("{good}\n{{\"text\": broken\n"),
    )
    .unwrap();

    let report = stancewire_ingest::files::ingest(
        &[input.path().to_path_buf()],
        ingestor,
        config.limits.limits(),
        8,
        false,
    )
    .await
    .unwrap();
    assert_eq!(
        (
            report.files,
            report.units,
            report.accepted,
            report.dead_lettered
        ),
        (2, 3, 2, 1),
        "{report:?}"
    );

    assert_eq!(
        read_topic(&broker.addr(), "articles.raw", 3, Duration::from_secs(4))
            .await
            .len(),
        2
    );
    let dl = read_topic(
        &broker.addr(),
        "articles.raw.dlq",
        1,
        Duration::from_secs(4),
    )
    .await;
    let dl = decode::<v1::DeadLetter>(&dl[0]);
    assert_eq!(dl.error_kind, "malformed_json");
    assert!(dl.origin.ends_with("batch.jsonl:2"), "{}", dl.origin);
    assert_eq!(dl.payload, b"{\"text\": broken");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feed_items_linking_to_local_page_files_are_extracted_when_allowed() {
    let broker = Broker::start();
    let dir = tempfile::tempdir().unwrap();
    let config = config_for(&broker, &dir);
    let ingestor = startup::ingestor(&config, &Metrics::new("ingest"))
        .await
        .unwrap();
    let mut files: Vec<_> = std::fs::read_dir(shared("data/article-extraction/html"))
        .unwrap()
        .map(|e| e.unwrap().path().canonicalize().unwrap())
        .collect();
    files.sort();
    let feed = format!(
        r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Archive</title><link>BASE/</link><description>local pages</description>
        <item><title>Archived page</title><link>file://{}</link><guid>p1</guid></item>
        </channel></rss>"#,
        files[2].display()
    );
    let site = serve_site(&feed, vec![]).await;
    let url = format!("{site}/feed.xml");

    // Refused unless the feed is trusted with local files.
    let mut refused = FeedPoller::new(
        FeedSettings {
            url: url.clone(),
            interval_secs: 60,
            allow_file_links: false,
        },
        ingestor.clone(),
        config.limits.limits(),
        loopback_fetcher(),
    );
    let report = refused.poll_once().await;
    assert_eq!((report.accepted, report.failed), (0, 1), "{report:?}");

    let mut allowed = FeedPoller::new(
        FeedSettings {
            url,
            interval_secs: 60,
            allow_file_links: true,
        },
        ingestor,
        config.limits.limits(),
        loopback_fetcher(),
    );
    let report = allowed.poll_once().await;
    assert_eq!((report.accepted, report.failed), (1, 0), "{report:?}");
    let msgs = read_topic(&broker.addr(), "articles.raw", 1, Duration::from_secs(4)).await;
    let a = decode::<v1::Article>(&msgs[0]);
    assert_eq!(a.title, "Archived page");
    assert!(a.word_count > 100);
    let dl = read_topic(
        &broker.addr(),
        "articles.raw.dlq",
        1,
        Duration::from_secs(4),
    )
    .await;
    assert_eq!(decode::<v1::DeadLetter>(&dl[0]).error_kind, "fetch_refused");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_reports_one_result_per_line() {
    let broker = Broker::start();
    let ingest = spawn_ingest(&broker).await;
    let bbc = std::fs::read_to_string(shared("data/corpora/bbc/sport/001.txt")).unwrap();
    let good = serde_json::json!({"text": bbc}).to_string();
    let batch = format!("{good}\n{{\"text\": oops\n\n{good}\n");
    let batch_url = format!("{}/v1/articles/batch", ingest.base);
    let (status, json) = post(&batch_url, "application/x-ndjson", batch).await;
    assert_eq!(status, 200, "{json}");
    let statuses: Vec<&str> = json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        vec!["accepted", "rejected", "duplicate"],
        "{json}"
    );
    assert_eq!(json["results"][1]["error"], "malformed_json");
    assert_eq!(
        (json["accepted"].as_u64(), json["rejected"].as_u64()),
        (Some(1), Some(1))
    );

    let (status, err) = ingest.post("text/plain", "x").await;
    assert_eq!(status, 202, "{err}");
    let (status, json) = post(&batch_url, "application/json", good).await;
    assert_eq!(status, 415, "{json}");
    assert_eq!(
        read_topic(&broker.addr(), "articles.raw", 3, Duration::from_secs(4))
            .await
            .len(),
        2
    );
    ingest.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_article_under_the_limit_is_accepted_over_a_megabyte() {
    // Real text, 1.6 MB: over librdkafka's default 1 MB message size, under
    // ingest's 2 MiB limit. It used to be refused with 503 for ever.
    let broker = Broker::start();
    let ingest = spawn_ingest_with(&broker, |c| {
        c.limits.max_body_bytes = IngestConfig::default().limits.max_body_bytes
    })
    .await;
    let mut files: Vec<_> = std::fs::read_dir(shared("data/corpora/bbc/politics"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut text = String::new();
    for f in files {
        if text.len() > 1_600_000 {
            break;
        }
        text.push_str(&std::fs::read_to_string(f).unwrap_or_default());
        text.push_str("\n\n");
    }
    let (status, answer) = ingest.post("text/plain", text).await;
    assert_eq!(status, 202, "{answer}");
    let msgs = read_topic(&broker.addr(), "articles.raw", 1, Duration::from_secs(20)).await;
    assert_eq!(msgs.len(), 1);
    assert!(msgs[0].payload().unwrap().len() > 1_500_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_between_producing_and_remembering_neither_loses_nor_doubles() {
    use stancewire_ingest::{
        ingestor::{Outcome, Reserved},
        submission::{Content, Hints, Origin, Submission},
    };
    let broker = Broker::start();
    let dir = tempfile::tempdir().unwrap();
    let config = config_for(&broker, &dir);
    let limits = config.limits.limits();
    let story = |file: &str| {
        let text = std::fs::read_to_string(shared(file)).unwrap();
        Submission::new(
            Content::Text(text),
            Hints::default(),
            Origin::http(),
            &limits,
        )
        .unwrap()
    };
    let (a, b) = (
        "data/corpora/bbc/tech/010.txt",
        "data/corpora/bbc/tech/011.txt",
    );

    // The crash, twice over: story A reserved and produced, but the process
    // died before remembering it; story B reserved, and it died before
    // producing it.
    {
        let ingestor = startup::ingestor(&config, &Metrics::new("ingest"))
            .await
            .unwrap();
        let built = ingestor.prepare(story(a)).await.unwrap();
        let Reserved::Produce { built, .. } = ingestor.reserve(built).await.unwrap() else {
            panic!("A is new");
        };
        ingestor
            .publisher()
            .publish("articles.raw", &built.article)
            .await
            .unwrap();
        let built = ingestor.prepare(story(b)).await.unwrap();
        let reserved = ingestor.reserve(built).await.unwrap();
        assert!(matches!(reserved, Reserved::Produce { .. }));
        // The crash: the reservation is never released.
        std::mem::forget(reserved);
    }

    // The restart settles both before taking anything: A, found on the
    // topic, is remembered; B, not found, is forgotten.
    let ingestor = startup::ingestor(&config, &Metrics::new("ingest"))
        .await
        .unwrap();
    let again_a = ingestor.ingest(story(a)).await.unwrap();
    assert!(
        matches!(again_a, Outcome::Duplicate { .. }),
        "A was produced before the crash: {again_a:?}"
    );
    let again_b = ingestor.ingest(story(b)).await.unwrap();
    assert!(
        matches!(again_b, Outcome::Accepted { .. }),
        "B never was: {again_b:?}"
    );
    let raw = read_topic(&broker.addr(), "articles.raw", 3, Duration::from_secs(8)).await;
    assert_eq!(raw.len(), 2, "A once, B once");
}
