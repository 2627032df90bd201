//! The attack suite: what careless or hostile clients, feeds and pages send
//! ingest, sent for real against the running service (a real broker, the
//! real HTTP server on a free port, real sockets). Each attack gets its
//! answer, and the service stays up and answers the next request. Peak
//! memory of the process is printed by each test (`peak RSS`), for the
//! README's security section.

use std::{
    io::{Read, Write},
    net::TcpStream,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use axum::{http::header, response::IntoResponse, routing::get, Router};
use rdkafka::Message;
use serde_json::{json, Value};
use stancewire_ingest::{
    feeds::{FeedPoller, FeedSettings},
    fetch::{FetchSettings, Fetcher},
    startup,
};
use stancewire_proto::v1;
use stancewire_stage::metrics::Metrics;
use stancewire_tests::{
    apps::{config_for, decode, spawn_ingest_with},
    peak_rss_mb, post, read_topic, shared, Broker,
};

fn bbc(path: &str) -> String {
    std::fs::read_to_string(shared(&format!("data/corpora/bbc/{path}"))).unwrap()
}

/// POSTs `body` as JSON: the status and the JSON answer.
async fn post_json(url: &str, body: &Value) -> (u16, Value) {
    post(url, "application/json", body.to_string()).await
}

/// Serves `router` on loopback; returns its address.
async fn serve(router: Router) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

/// An RSS feed on disk (a `file://` feed may be read; its links are
/// fetched like any remote feed's), one item per link.
fn feed_file(dir: &tempfile::TempDir, links: &[String]) -> String {
    let items: String = links
        .iter()
        .enumerate()
        .map(|(i, l)| {
            format!("<item><title>Item {i}</title><link>{l}</link><guid>g{i}</guid><description>Teaser.</description></item>")
        })
        .collect();
    let path = dir.path().join("feed.xml");
    std::fs::write(
        &path,
        format!(r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Hostile</title><link>http://example.com/</link><description>x</description>{items}</channel></rss>"#),
    )
    .unwrap();
    format!("file://{}", path.display())
}

async fn dead_letters(broker: &Broker, at_least: usize) -> Vec<v1::DeadLetter> {
    read_topic(
        &broker.addr(),
        "articles.raw.dlq",
        at_least + 5,
        Duration::from_secs(5),
    )
    .await
    .iter()
    .map(decode::<v1::DeadLetter>)
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feed_cannot_make_ingest_fetch_private_addresses() {
    let broker = Broker::start();
    let dir = tempfile::tempdir().unwrap();
    let config = config_for(&broker, &dir);
    let ingestor = startup::ingestor(&config, &Metrics::new("ingest"))
        .await
        .unwrap();

    // An internal page, and a public-looking page that redirects to it.
    let secret_hits = Arc::new(AtomicUsize::new(0));
    let secret = serve(Router::new().route(
        "/secret",
        get({
            let hits = secret_hits.clone();
            move || async move {
                hits.fetch_add(1, Ordering::SeqCst);
                (
                    [(header::CONTENT_TYPE, "text/html")],
                    format!(
                        "<html><body><p>{}</p></body></html>",
                        "internal admin page, root password hunter2. ".repeat(50)
                    ),
                )
            }
        }),
    ))
    .await;
    let redirect_hits = Arc::new(AtomicUsize::new(0));
    let redirector = serve(Router::new().route(
        "/story",
        get({
            let hits = redirect_hits.clone();
            move || async move {
                hits.fetch_add(1, Ordering::SeqCst);
                (
                    axum::http::StatusCode::FOUND,
                    [(
                        header::LOCATION,
                        format!("http://127.0.0.1:{}/secret", secret.port()),
                    )],
                )
            }
        }),
    ))
    .await;
    let port = secret.port();
    let links = vec![
        format!("http://127.0.0.1:{port}/secret"),
        format!("http://localhost:{port}/secret"),
        format!("http://[::ffff:127.0.0.1]:{port}/secret"),
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/".to_string(),
        format!("http://{redirector}/story"),
        "file:///etc/passwd".to_string(),
    ];
    let feed_dir = tempfile::tempdir().unwrap();
    let feed = FeedSettings {
        url: feed_file(&feed_dir, &links),
        interval_secs: 60,
        allow_file_links: false,
    };
    // Only the redirector itself is allowed (as an operator might allow a
    // feed server inside their network): what it redirects to is not.
    let fetcher = Fetcher::new(&FetchSettings {
        allow: vec![redirector.to_string()],
        ..Default::default()
    })
    .unwrap();
    let mut poller = FeedPoller::new(feed, ingestor, config.limits.limits(), fetcher);
    let report = poller.poll_once().await;
    assert_eq!(
        (report.items, report.accepted, report.failed),
        (6, 0, 6),
        "{report:?}"
    );
    let again = poller.poll_once().await;
    assert_eq!((again.accepted, again.failed), (0, 6), "{again:?}");

    assert_eq!(
        secret_hits.load(Ordering::SeqCst),
        0,
        "the internal page was never fetched"
    );
    assert_eq!(
        redirect_hits.load(Ordering::SeqCst),
        2,
        "the redirect was fetched, not followed"
    );
    let raw = read_topic(&broker.addr(), "articles.raw", 1, Duration::from_secs(3)).await;
    assert!(raw.is_empty(), "nothing was published");
    let letters = dead_letters(&broker, 6).await;
    assert_eq!(
        letters.len(),
        6,
        "each refused item once, not once per poll"
    );
    for dl in &letters {
        assert_eq!(
            dl.error_kind, "fetch_refused",
            "{}: {}",
            dl.origin, dl.error
        );
    }
    println!("peak RSS {:.0} MB", peak_rss_mb());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_that_never_ends_is_cut_off_at_the_cap() {
    let broker = Broker::start();
    let dir = tempfile::tempdir().unwrap();
    let config = config_for(&broker, &dir);
    let ingestor = startup::ingestor(&config, &Metrics::new("ingest"))
        .await
        .unwrap();
    // A gigabyte, chunked, with no length: read whole, it would be 1 GiB
    // in memory.
    let served = Arc::new(AtomicUsize::new(0));
    let site = serve(Router::new().route(
        "/endless",
        get({
            let served = served.clone();
            move || async move {
                let chunk = bytes_of(64 * 1024);
                let stream = futures::stream::iter((0..16 * 1024).map(move |_| {
                    served.fetch_add(chunk.len(), Ordering::SeqCst);
                    Ok::<_, std::io::Error>(chunk.clone())
                }));
                (
                    [(header::CONTENT_TYPE, "text/html")],
                    axum::body::Body::from_stream(stream),
                )
                    .into_response()
            }
        }),
    ))
    .await;
    let feed_dir = tempfile::tempdir().unwrap();
    let feed = FeedSettings {
        url: feed_file(&feed_dir, &[format!("http://{site}/endless")]),
        interval_secs: 60,
        allow_file_links: false,
    };
    let fetcher = Fetcher::new(&FetchSettings {
        allow: vec![site.to_string()],
        ..Default::default()
    })
    .unwrap();
    let started = Instant::now();
    let report = FeedPoller::new(feed, ingestor, config.limits.limits(), fetcher)
        .poll_once()
        .await;
    assert_eq!((report.accepted, report.failed), (0, 1), "{report:?}");
    let letters = dead_letters(&broker, 1).await;
    assert_eq!(letters[0].error_kind, "too_large", "{}", letters[0].error);
    let sent = served.load(Ordering::SeqCst);
    assert!(
        sent < 64 << 20,
        "reading stopped near the {} byte cap, not at 1 GiB: {sent} bytes were sent",
        config.limits.max_body_bytes
    );
    println!(
        "endless page: cut off after {:.1} MB sent, in {:.1} s; peak RSS {:.0} MB",
        sent as f64 / 1e6,
        started.elapsed().as_secs_f64(),
        peak_rss_mb()
    );
}

fn bytes_of(n: usize) -> axum::body::Bytes {
    axum::body::Bytes::from("<p>and on and on </p>".repeat(n / 21 + 1))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_refuses_what_it_must_and_stays_up() {
    const TOKEN: &str = "test-token-0123456789abcdef";
    let broker = Broker::start();
    let ingest = spawn_ingest_with(&broker, |c| {
        c.api.tokens = vec![TOKEN.into()];
        c.api.max_concurrent_requests = 1;
        c.api.request_timeout_secs = 5;
        c.limits.max_body_bytes = 2 << 20;
    })
    .await;
    let url = format!("{}/v1/articles", ingest.base);
    let client = reqwest::Client::new();
    let article = json!({"url": "https://news.example/one", "text": bbc("politics/010.txt")});

    // Tokens: none, a wrong one, the right one. Probes need none.
    let no_token = client.post(&url).json(&article).send().await.unwrap();
    assert_eq!(no_token.status(), 401);
    assert_eq!(no_token.headers()[header::WWW_AUTHENTICATE], "Bearer");
    assert_eq!(
        no_token.json::<Value>().await.unwrap()["error"],
        "unauthorized"
    );
    let wrong = client
        .post(&url)
        .bearer_auth("test-token-0123456789abcdeX")
        .json(&article)
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let right = client
        .post(&url)
        .bearer_auth(TOKEN)
        .json(&article)
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), 202);
    let health = client
        .get(format!("{}/healthz", ingest.base))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);

    // Unknown paths and methods, and a bad query string, answer JSON.
    let (status, body) = get_json(&client, &format!("{}/nope", ingest.base)).await;
    assert_eq!((status, body["error"].as_str()), (404, Some("not_found")));
    let (status, body) = get_json(&client, &url).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (405, Some("method_not_allowed"))
    );
    let bad_query = client
        .post(format!("{url}?url=a&url=b"))
        .bearer_auth(TOKEN)
        .header(header::CONTENT_TYPE, "text/plain")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(bad_query.status(), 400);
    assert_eq!(
        bad_query.json::<Value>().await.unwrap()["error"],
        "invalid_field"
    );

    // The deep-HTML bypass: 1.3 MB of `<div></x>`, refused at once.
    let deep = "<html><body>".to_string() + &"<div></x>".repeat(145_000);
    let started = Instant::now();
    let resp = client
        .post(&url)
        .bearer_auth(TOKEN)
        .header(header::CONTENT_TYPE, "text/html")
        .body(deep)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"],
        "html_too_deep"
    );
    println!(
        "deep HTML refused in {:.2} s",
        started.elapsed().as_secs_f64()
    );

    // Slowloris: headers begun and never finished. The server hangs up.
    let addr = ingest.base.trim_start_matches("http://").to_string();
    let started = Instant::now();
    let closed = tokio::task::spawn_blocking({
        let addr = addr.clone();
        move || {
            let mut s = TcpStream::connect(&addr).unwrap();
            s.write_all(b"POST /v1/articles HTTP/1.1\r\nHost: x\r\n")
                .unwrap();
            s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
            let mut buf = [0u8; 256];
            // Closed (end of stream, or reset) rather than still waiting
            // when the read timeout ends.
            loop {
                match s.read(&mut buf) {
                    Ok(0) => return true,
                    Ok(n) => assert!(n <= buf.len()),
                    Err(e) => return e.kind() == std::io::ErrorKind::ConnectionReset,
                }
            }
        }
    });
    // A body that stops after three bytes: it holds the only request slot
    // until its time is up, so another request meanwhile is turned away.
    let slow_body = tokio::task::spawn_blocking({
        let addr = addr.clone();
        move || {
            let mut s = TcpStream::connect(&addr).unwrap();
            write!(
                s,
                "POST /v1/articles HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n\
                 Content-Type: text/plain\r\nContent-Length: 1000\r\n\r\nabc"
            )
            .unwrap();
            s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
            let mut answer = String::new();
            let mut buf = [0u8; 1024];
            while let Ok(n) = s.read(&mut buf) {
                if n == 0 {
                    break;
                }
                answer.push_str(&String::from_utf8_lossy(&buf[..n]));
                if answer.contains("}") {
                    break;
                }
            }
            answer
        }
    });
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let busy = client
        .post(&url)
        .bearer_auth(TOKEN)
        .json(&article)
        .send()
        .await
        .unwrap();
    assert_eq!(busy.status(), 503, "one request slot, and it is taken");
    assert!(busy.headers().contains_key(header::RETRY_AFTER));
    let answer = slow_body.await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("request_timeout"), "{answer}");
    assert!(closed.await.unwrap());
    let held = started.elapsed();
    assert!(
        held < Duration::from_secs(45),
        "the half-sent request was cut off ({held:?})"
    );
    println!(
        "slowloris connection closed after {:.1} s",
        held.as_secs_f64()
    );

    // Still up, still taking stories.
    let again = client
        .post(&url)
        .bearer_auth(TOKEN)
        .json(&json!({"text": bbc("tech/020.txt")}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 202);
    println!("peak RSS {:.0} MB", peak_rss_mb());
    ingest.stop().await;
}

async fn get_json(client: &reqwest::Client, url: &str) -> (u16, Value) {
    let resp = client.get(url).send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_over_its_rate_is_told_to_wait() {
    let broker = Broker::start();
    let ingest = spawn_ingest_with(&broker, |c| {
        c.api.rate_per_s = 0.5;
        c.api.burst = 2;
    })
    .await;
    let url = format!("{}/v1/articles", ingest.base);
    let client = reqwest::Client::new();
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let resp = client
            .post(&url)
            .header(header::CONTENT_TYPE, "image/png")
            .body("x")
            .send()
            .await
            .unwrap();
        statuses.push(resp.status().as_u16());
        if resp.status() == 429 {
            assert!(resp.headers().contains_key(header::RETRY_AFTER));
            assert_eq!(resp.json::<Value>().await.unwrap()["error"], "rate_limited");
        }
    }
    assert_eq!(
        statuses,
        vec![415, 415, 429],
        "a burst of two, then the rate"
    );
    ingest.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_large_batches_at_once_are_bounded() {
    let broker = Broker::start();
    let ingest = spawn_ingest_with(&broker, |c| c.api.max_concurrent_batches = 2).await;
    let url = format!("{}/v1/articles/batch", ingest.base);
    // Eight batches of 200 real articles each (~0.5 MB), all at once.
    let mut files: Vec<_> = std::fs::read_dir(shared("data/corpora/bbc/business"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let lines: Vec<String> = files
        .iter()
        .take(200)
        .map(|p| json!({"text": std::fs::read_to_string(p).unwrap()}).to_string())
        .collect();
    let batch = lines.join("\n");
    let answers = futures::future::join_all((0..8).map(|_| {
        let (url, batch) = (url.clone(), batch.clone());
        async move {
            let resp = reqwest::Client::new()
                .post(url)
                .header(header::CONTENT_TYPE, "application/x-ndjson")
                .body(batch)
                .send()
                .await
                .unwrap();
            resp.status().as_u16()
        }
    }))
    .await;
    assert!(
        answers.iter().all(|s| *s == 200 || *s == 503),
        "each batch taken or turned away: {answers:?}"
    );
    assert!(answers.contains(&200), "{answers:?}");
    let health = reqwest::get(format!("{}/healthz", ingest.base))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    println!(
        "8 concurrent batches: {} taken, {} turned away; peak RSS {:.0} MB",
        answers.iter().filter(|s| **s == 200).count(),
        answers.iter().filter(|s| **s == 503).count(),
        peak_rss_mb()
    );
    ingest.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_cannot_claim_another_sites_story() {
    let broker = Broker::start();
    let ingest = spawn_ingest_with(&broker, |_| {}).await;
    let url = format!("{}/v1/articles", ingest.base);
    let real_url = "https://www.reuters.com/world/real-story-2025";
    let page = |text: &str| {
        let paragraphs: String = text.split("\n\n").map(|p| format!("<p>{p}</p>")).collect();
        format!(
            r#"<html><head><title>Story</title><link rel="canonical" href="{real_url}"></head><body><article>{paragraphs}</article></body></html>"#
        )
    };
    // The attacker's page names Reuters' URL as its canonical one.
    let (status, attacker) = post_json(
        &url,
        &json!({"url": "https://attacker.example/a", "html": page(&bbc("entertainment/003.txt"))}),
    )
    .await;
    assert_eq!(status, 202, "{attacker}");
    // The real story, from Reuters, is its own story, not an update of
    // the attacker's nor a duplicate of it.
    let (status, real) = post_json(
        &url,
        &json!({"url": real_url, "html": page(&bbc("entertainment/004.txt"))}),
    )
    .await;
    assert_eq!(status, 202, "{real}");
    assert_eq!(real["updated"], false, "{real}");
    assert_ne!(real["article_id"], attacker["article_id"]);
    let raw = read_topic(&broker.addr(), "articles.raw", 2, Duration::from_secs(5)).await;
    let urls: std::collections::BTreeSet<String> = raw
        .iter()
        .map(|m| {
            let a = decode::<v1::Article>(m);
            assert_eq!(
                m.key().unwrap(),
                a.meta.as_ref().unwrap().article_id.as_bytes()
            );
            a.source.unwrap().canonical_url
        })
        .collect();
    assert_eq!(
        urls,
        [
            "https://attacker.example/a".to_string(),
            real_url.replace("www.", "")
        ]
        .into(),
        "each story keeps the URL it came from"
    );
    ingest.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_leaves_and_twins_that_wait_lose_and_double_nothing() {
    let mut broker = Broker::start();
    let ingest = spawn_ingest_with(&broker, |c| c.stage.kafka.message_timeout_ms = 120_000).await;
    let url = format!("{}/v1/articles", ingest.base);
    let story_url = "https://news.example/2025/06/talks";
    let original = json!({"url": story_url, "text": bbc("politics/020.txt")});
    let correction = json!({"url": story_url, "text": bbc("politics/021.txt")});

    broker.kill(1);
    // The first client gives up after a second, while its story waits for
    // the broker: leaving must neither lose the story nor block its twins.
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    assert!(impatient.post(&url).json(&original).send().await.is_err());
    let twin = tokio::spawn({
        let (url, body) = (url.clone(), original.clone());
        async move { post_json(&url, &body).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let fix = tokio::spawn({
        let (url, body) = (url.clone(), correction.clone());
        async move { post_json(&url, &body).await }
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    tokio::task::block_in_place(|| broker.restart(1));

    let (status, twin) = twin.await.unwrap();
    assert_eq!(
        (status, twin["status"].as_str()),
        (200, Some("duplicate")),
        "{twin}"
    );
    assert_eq!(
        twin["reason"], "same_content",
        "a duplicate of a story produced, not in flight"
    );
    let (status, fix) = fix.await.unwrap();
    assert_eq!(status, 202, "{fix}");
    assert_eq!(
        fix["updated"], true,
        "a correction at the same URL is an update: {fix}"
    );
    assert_eq!(fix["article_id"], twin["article_id"]);

    let raw = read_topic(&broker.addr(), "articles.raw", 3, Duration::from_secs(5)).await;
    assert_eq!(raw.len(), 2, "the story once, its correction once");
    let versions: std::collections::HashSet<String> = raw
        .iter()
        .map(|m| decode::<v1::Article>(m).meta.unwrap().version)
        .collect();
    assert_eq!(versions.len(), 2);
    let (status, again) = post_json(&url, &original).await;
    assert_eq!(
        (status, again["status"].as_str()),
        (200, Some("duplicate")),
        "{again}"
    );
    ingest.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_twin_of_a_story_that_failed_is_not_called_a_duplicate() {
    let mut broker = Broker::start();
    let ingest = spawn_ingest_with(&broker, |c| c.stage.kafka.message_timeout_ms = 3_000).await;
    let url = format!("{}/v1/articles", ingest.base);
    let story =
        json!({"url": "https://news.example/2025/06/vote", "text": bbc("politics/030.txt")});

    broker.kill(1);
    let first = tokio::spawn({
        let (url, body) = (url.clone(), story.clone());
        async move { post_json(&url, &body).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (status, twin) = post_json(&url, &story).await;
    let (first_status, first) = first.await.unwrap();
    assert_eq!(first_status, 503, "{first}");
    assert_eq!(
        status, 503,
        "the twin waited for the first copy, which failed, then failed itself: {twin}"
    );

    tokio::task::block_in_place(|| broker.restart(1));
    // A client retries a 503; the producer reconnects within seconds.
    let deadline = Instant::now() + Duration::from_secs(90);
    let retried = loop {
        let (status, answer) = post_json(&url, &story).await;
        if status != 503 || Instant::now() > deadline {
            break (status, answer);
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    };
    assert_eq!(retried.0, 202, "a retry produces the story: {}", retried.1);
    // If an attempt that timed out reached the broker after all, the story
    // is there twice, and then as the same bytes (ingested_at is the time
    // of the first reservation), which consumers drop as a repeat.
    let raw = read_topic(&broker.addr(), "articles.raw", 3, Duration::from_secs(5)).await;
    assert!(!raw.is_empty());
    for m in &raw {
        assert_eq!(
            m.payload(),
            raw[0].payload(),
            "every copy is the same bytes"
        );
    }
    println!("{} cop(ies) of the story on the topic", raw.len());
    ingest.stop().await;
}
