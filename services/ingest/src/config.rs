//! Ingest's configuration: the shared stage settings plus its topics,
//! input limits, dedup store and feeds. See `stancewire_stage::config` for
//! how defaults, the file and `STANCEWIRE_*` variables combine.

use serde::{Deserialize, Serialize};
use stancewire_stage::{topics::TopicSpec, StageSettings};

use crate::{
    access::ApiSettings, dedup::DedupSettings, feeds::FeedSettings, fetch::FetchSettings,
    submission::Limits,
};

pub const DEFAULT_HTTP_PORT: u16 = 8081;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct IngestConfig {
    #[serde(flatten)]
    pub stage: StageSettings,
    pub topics: Topics,
    pub limits: LimitSettings,
    pub dedup: DedupSettings,
    /// Who may submit, and how much (`crate::access`).
    pub api: ApiSettings,
    /// What feeds may make ingest fetch (`crate::fetch`).
    pub fetch: FetchSettings,
    /// Feeds to poll: `[[feeds]] url = "…" interval_secs = 300`.
    pub feeds: Vec<FeedSettings>,
}

impl Default for IngestConfig {
    fn default() -> Self {
        IngestConfig {
            stage: StageSettings::for_service("ingest", DEFAULT_HTTP_PORT),
            topics: Topics::default(),
            limits: LimitSettings::default(),
            dedup: DedupSettings::default(),
            api: ApiSettings::default(),
            fetch: FetchSettings::default(),
            feeds: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Topics {
    /// Clean articles, keyed by article id.
    pub output: String,
    /// Inputs that could not be ingested, with the reason.
    pub dead_letter: String,
}

impl Topics {
    /// The topics ingest writes, created at start-up if missing.
    pub fn specs(&self) -> Vec<TopicSpec> {
        vec![
            TopicSpec::stream(&self.output),
            TopicSpec::dead_letter(&self.dead_letter),
        ]
    }
}

impl Default for Topics {
    fn default() -> Self {
        Topics {
            output: "articles.raw".into(),
            dead_letter: "articles.raw.dlq".into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct LimitSettings {
    /// Largest body accepted, in bytes (HTTP bodies, files, fetched pages).
    pub max_body_bytes: usize,
    /// Deepest element nesting accepted in HTML.
    pub max_html_depth: usize,
    /// Largest `POST /v1/articles/batch` body, in bytes.
    pub max_batch_bytes: usize,
    /// Most articles in one batch request.
    pub max_batch_items: usize,
    /// Longest the extraction of one article may take, in milliseconds.
    pub extract_timeout_ms: u64,
}

impl Default for LimitSettings {
    fn default() -> Self {
        let l = Limits::default();
        LimitSettings {
            max_body_bytes: l.max_body_bytes,
            max_html_depth: l.max_html_depth,
            max_batch_bytes: l.max_batch_bytes,
            max_batch_items: l.max_batch_items,
            extract_timeout_ms: l.extract_timeout.as_millis() as u64,
        }
    }
}

impl LimitSettings {
    pub fn limits(&self) -> Limits {
        Limits {
            max_body_bytes: self.max_body_bytes,
            max_html_depth: self.max_html_depth,
            max_batch_bytes: self.max_batch_bytes,
            max_batch_items: self.max_batch_items,
            extract_timeout: std::time::Duration::from_millis(self.extract_timeout_ms.max(1)),
        }
    }
}
