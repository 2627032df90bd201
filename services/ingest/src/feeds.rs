//! The feed source: RSS and Atom feeds polled on an interval (parsed with
//! `feed-rs`). Each item's page is taken from the item's own content when it
//! carries the article, else fetched from its link; items whose URL is
//! already known to the dedup store are skipped without fetching, so a feed's
//! items are ingested once however often it is polled.
//!
//! Feeds and pages are fetched by [`Fetcher`]: public addresses only
//! (unless `fetch.allow` says otherwise), every redirect checked, bodies
//! read with a cap.
//!
//! A feed that cannot be fetched or parsed, or an item that cannot be
//! ingested, goes to the dead-letter topic with the reason, once per change
//! of error (remembered in the dedup store, so a restart does not repeat
//! it), not once per poll, and polling carries on. A failed item is tried
//! again on the next poll: the page may be fixed.

use std::{sync::Arc, time::Duration};

use serde::{Deserialize, Serialize};
use stancewire_stage::{Failure, FailureKind, Shutdown};
use time::OffsetDateTime;

use crate::{
    fetch::{FetchError, Fetcher},
    fingerprint::normalise_url,
    ingestor::{IngestError, Ingestor, Outcome},
    submission::{decode_text, Content, Hints, Limits, Origin, Submission},
};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FeedSettings {
    pub url: String,
    #[serde(default = "default_interval")]
    pub interval_secs: u64,
    /// Follow `file://` item links (for feeds of local pages). Off by
    /// default: a remote feed must not be able to make ingest read local files.
    #[serde(default)]
    pub allow_file_links: bool,
}

fn default_interval() -> u64 {
    300
}

/// Item content shorter than this is a teaser; the linked page is fetched instead.
const MIN_INLINE_ARTICLE_CHARS: usize = 1500;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PollReport {
    pub items: usize,
    pub accepted: usize,
    pub duplicates: usize,
    pub skipped_known: usize,
    pub failed: usize,
}

#[derive(Clone)]
pub struct FeedPoller {
    feed: FeedSettings,
    ingestor: Arc<Ingestor>,
    fetcher: Fetcher,
    limits: Limits,
}

impl FeedPoller {
    pub fn new(
        feed: FeedSettings,
        ingestor: Arc<Ingestor>,
        limits: Limits,
        fetcher: Fetcher,
    ) -> Self {
        FeedPoller {
            feed,
            ingestor,
            fetcher,
            limits,
        }
    }

    /// Polls until shutdown.
    pub async fn run(mut self, shutdown: Shutdown) {
        let interval = Duration::from_secs(self.feed.interval_secs.max(1));
        loop {
            let report = self.poll_once().await;
            tracing::info!(feed = %self.feed.url, ?report, "feed polled");
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = shutdown.triggered() => break,
            }
        }
    }

    pub async fn poll_once(&mut self) -> PollReport {
        let mut report = PollReport::default();
        let origin = format!("feed:{}", self.feed.url);
        let bytes = match self
            .fetch(&self.feed.url, FailureKind::FeedUnreachable)
            .await
        {
            Ok(b) => b,
            Err(f) => {
                self.feed_failed(&origin, &[], f).await;
                return report;
            }
        };
        let feed = match feed_rs::parser::parse(bytes.as_slice()) {
            Ok(feed) => feed,
            Err(e) => {
                let f = Failure::new(
                    FailureKind::MalformedFeed,
                    format!("{} is not a valid RSS/Atom feed: {e}", self.feed.url),
                );
                self.feed_failed(&origin, &bytes, f).await;
                return report;
            }
        };
        self.forget_failure(&origin);
        let feed_title = feed.title.map(|t| t.content);
        for entry in feed.entries {
            report.items += 1;
            let link = entry.links.first().map(|l| l.href.clone());
            if let Some(url) = link.as_deref().and_then(normalise_url) {
                if self.ingestor.dedup().knows_url(&url).unwrap_or(false) {
                    report.skipped_known += 1;
                    continue;
                }
            }
            let item_origin = format!("{origin}#{}", link.as_deref().unwrap_or(&entry.id));
            let inline = entry
                .content
                .and_then(|c| c.body)
                .or_else(|| entry.summary.map(|s| s.content));
            let page = match (&inline, &link) {
                (Some(html), _) if html.chars().count() >= MIN_INLINE_ARTICLE_CHARS => {
                    Ok(html.clone())
                }
                (_, Some(link)) => self.page(link).await,
                (Some(html), None) => Ok(html.clone()),
                (None, None) => Err(Failure::new(
                    FailureKind::MissingContent,
                    "feed item has neither content nor a link",
                )),
            };
            let hints = Hints {
                url: link.clone().filter(|l| l.starts_with("http")),
                title: entry.title.map(|t| t.content),
                published_at: entry
                    .published
                    .or(entry.updated)
                    .and_then(|d| OffsetDateTime::from_unix_timestamp(d.timestamp()).ok()),
                source_name: feed_title.clone(),
                authors: entry.authors.into_iter().map(|p| p.name).collect(),
            };
            let submission = page.and_then(|html| {
                Submission::new(
                    Content::Html(html),
                    hints,
                    Origin::feed(&self.feed.url),
                    &self.limits,
                )
            });
            let result = match submission {
                Ok(sub) => self.ingestor.ingest(sub).await,
                Err(f) => Err(IngestError::Rejected(f)),
            };
            match result {
                Ok(Outcome::Accepted { .. }) => report.accepted += 1,
                Ok(Outcome::Duplicate { .. }) => report.duplicates += 1,
                Err(IngestError::Rejected(f)) => {
                    report.failed += 1;
                    let payload = link.as_deref().unwrap_or("").as_bytes().to_vec();
                    self.failed(&item_origin, &payload, f).await;
                }
                Err(IngestError::Unavailable(e)) => {
                    // Not the item's fault: stop here and retry on the next poll.
                    tracing::error!(error = %e, feed = %self.feed.url, "pipeline unavailable; retrying next poll");
                    report.failed += 1;
                    break;
                }
            }
        }
        report
    }

    async fn feed_failed(&mut self, origin: &str, payload: &[u8], f: Failure) {
        tracing::warn!(feed = %self.feed.url, error = %f, "feed poll failed");
        self.failed(origin, payload, f).await;
    }

    /// Dead-letters a failure of `origin` (the feed, or one item) unless
    /// it is the same failure as last time.
    async fn failed(&self, origin: &str, payload: &[u8], f: Failure) {
        let new = self
            .ingestor
            .dedup()
            .note_failure(origin, &f.to_string())
            .unwrap_or(true);
        if new {
            self.ingestor.dead_letter(origin, payload, &f).await;
        } else {
            self.ingestor.metrics().error(f.kind.as_str());
        }
    }

    fn forget_failure(&self, origin: &str) {
        if let Err(e) = self.ingestor.dedup().forget_failure(origin) {
            tracing::warn!(error = %e, origin, "could not clear a feed's last failure");
        }
    }

    /// The linked page: fetched over HTTP(S), or read from disk for
    /// `file://` links when the feed allows them.
    async fn page(&self, link: &str) -> Result<String, Failure> {
        let bytes = self.fetch(link, FailureKind::PageUnreachable).await?;
        let bytes = if link.ends_with(".gz") {
            gunzip(&bytes, &self.limits)?
        } else {
            bytes
        };
        decode_text(&bytes)
    }

    async fn fetch(&self, url: &str, kind: FailureKind) -> Result<Vec<u8>, Failure> {
        let parsed = url::Url::parse(url)
            .map_err(|e| Failure::new(kind, format!("bad URL {url:?}: {e}")))?;
        match parsed.scheme() {
            "http" | "https" => self
                .fetcher
                .get(url, self.limits.max_body_bytes)
                .await
                .map_err(|e| match e {
                    FetchError::Refused(m) => Failure::new(FailureKind::FetchRefused, m),
                    FetchError::TooLarge { .. } => Failure::new(FailureKind::TooLarge, e.to_string()),
                    FetchError::Unreachable(m) => Failure::new(kind, m),
                }),
            "file" if self.feed.allow_file_links || url == self.feed.url => {
                let path = parsed
                    .to_file_path()
                    .map_err(|_| Failure::new(kind, format!("bad file URL {url}")))?;
                read_file_capped(&path, self.limits.max_body_bytes)
                    .await
                    .map_err(|e| Failure::new(kind, format!("cannot read {}: {e}", path.display())))?
                    .ok_or_else(|| {
                        Failure::new(
                            FailureKind::TooLarge,
                            format!("{} is over the size limit", path.display()),
                        )
                    })
            }
            other => Err(Failure::new(
                FailureKind::FetchRefused,
                format!("{other}: links are not followed for this feed (file: needs allow_file_links = true): {url}"),
            )),
        }
    }
}

/// A file's bytes, or `None` if it is over `max_bytes` (read no further).
async fn read_file_capped(
    path: &std::path::Path,
    max_bytes: usize,
) -> std::io::Result<Option<Vec<u8>>> {
    use tokio::io::AsyncReadExt;
    let mut out = Vec::new();
    tokio::fs::File::open(path)
        .await?
        .take(max_bytes as u64 + 1)
        .read_to_end(&mut out)
        .await?;
    Ok((out.len() <= max_bytes).then_some(out))
}

pub fn gunzip(bytes: &[u8], limits: &Limits) -> Result<Vec<u8>, Failure> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .take(limits.max_body_bytes as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| Failure::new(FailureKind::InvalidGzip, format!("not valid gzip: {e}")))?;
    if out.len() > limits.max_body_bytes {
        return Err(Failure::new(
            FailureKind::TooLarge,
            "decompressed page is over the size limit",
        ));
    }
    Ok(out)
}
