//! The HTTP source: `POST /v1/articles`.
//!
//! Accepts `application/json` (`{"url", "title", "html" | "text",
//! "published", "source", "authors"}`), or a raw `text/html` / `text/plain`
//! body with optional `url`, `title`, `source` and `published` query
//! parameters. Answers `202` with the article id for a new story, `200` with
//! the original's id for a duplicate, and a JSON error naming the problem
//! otherwise: `400` malformed, `413` too large, `415` wrong content type,
//! `422` nothing usable in it, `503` the pipeline cannot take it now.
//!
//! Every request passes [`crate::access`] first: a bearer token when
//! tokens are configured (`401`), a rate per client (`429`), a bound on
//! requests in hand (`503`) and a time limit (`408`).
//!
//! `POST /v1/articles/batch` takes many JSON submissions at once as JSON
//! Lines (`application/x-ndjson`), for backfills: each line is ingested on
//! its own and the answer lists one result per line, in order, so one bad
//! line does not fail the others.

use std::sync::Arc;

use axum::{
    body::Body,
    extract::{rejection::QueryRejection, Query, State},
    http::{header::CONTENT_TYPE, HeaderMap, StatusCode},
    middleware,
    response::{IntoResponse, Response},
    routing::post,
    Json, Router,
};
use futures::StreamExt;
use serde::Deserialize;
use serde_json::json;
use stancewire_stage::{http::error_response, Failure, FailureKind};

use crate::{
    access::{self, Access},
    article::Built,
    ingestor::{IngestError, Ingestor, Outcome},
    submission::{parse_date, Hints, Limits, Origin, Submission},
};

#[derive(Clone)]
struct Api {
    ingestor: Arc<Ingestor>,
    limits: Limits,
}

pub fn router(ingestor: Arc<Ingestor>, limits: Limits, access: Access) -> Router {
    Router::new()
        .route("/v1/articles", post(submit))
        .route("/v1/articles/batch", post(submit_batch))
        .route_layer(middleware::from_fn_with_state(access, access::guard))
        .with_state(Api { ingestor, limits })
}

#[derive(Debug, Deserialize, Default)]
struct RawParams {
    url: Option<String>,
    title: Option<String>,
    source: Option<String>,
    published: Option<String>,
}

async fn submit(
    State(api): State<Api>,
    params: Result<Query<RawParams>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let params = match params {
        Ok(Query(params)) => params,
        Err(e) => {
            return rejected(
                &api,
                Failure::new(FailureKind::InvalidField, format!("bad query string: {e}")),
            )
        }
    };
    match parse(&api, params, &headers, body).await {
        Ok(sub) => match ingest_detached(&api.ingestor, sub).await {
            Ok(outcome @ Outcome::Accepted { .. }) => {
                (StatusCode::ACCEPTED, Json(outcome)).into_response()
            }
            Ok(outcome @ Outcome::Duplicate { .. }) => {
                (StatusCode::OK, Json(outcome)).into_response()
            }
            Err(IngestError::Rejected(f)) => rejected(&api, f),
            Err(IngestError::Unavailable(msg)) => {
                tracing::error!(error = %msg, "cannot ingest now");
                error_response(StatusCode::SERVICE_UNAVAILABLE, "unavailable", &msg)
            }
        },
        Err(f) => rejected(&api, f),
    }
}

async fn parse(
    api: &Api,
    params: RawParams,
    headers: &HeaderMap,
    body: Body,
) -> Result<Submission, Failure> {
    let media_type = media_type(headers).ok_or_else(|| {
        Failure::new(
            FailureKind::UnsupportedContentType,
            "missing Content-Type: send application/json, text/html or text/plain",
        )
    })?;
    // Read at most one byte past the limit, so an oversized body is refused
    // without being held in memory.
    let bytes = axum::body::to_bytes(body, api.limits.max_body_bytes + 1)
        .await
        .map_err(|_| {
            Failure::new(
                FailureKind::TooLarge,
                format!(
                    "body is over the limit of {} bytes",
                    api.limits.max_body_bytes
                ),
            )
        })?;
    if media_type == "application/json" {
        return Submission::from_json(&bytes, Origin::http(), &api.limits);
    }
    let hints = Hints {
        url: params.url,
        title: params.title,
        source_name: params.source,
        published_at: params.published.as_deref().map(parse_date).transpose()?,
        authors: Vec::new(),
    };
    Submission::from_raw(&media_type, &bytes, hints, Origin::http(), &api.limits)
}

/// Articles of one batch ingested at once.
const BATCH_CONCURRENCY: usize = 32;

async fn submit_batch(State(api): State<Api>, headers: HeaderMap, body: Body) -> Response {
    let media_type = media_type(&headers);
    if !matches!(
        media_type.as_deref(),
        Some("application/x-ndjson" | "application/jsonl" | "application/json-lines")
    ) {
        return rejected(
            &api,
            Failure::new(
                FailureKind::UnsupportedContentType,
                "a batch is JSON Lines: send Content-Type: application/x-ndjson",
            ),
        );
    }
    let limit = api.limits.max_batch_bytes;
    let Ok(bytes) = axum::body::to_bytes(body, limit + 1).await else {
        return rejected(
            &api,
            Failure::new(
                FailureKind::TooLarge,
                format!("batch is over the limit of {limit} bytes"),
            ),
        );
    };
    let lines: Vec<Vec<u8>> = bytes
        .split(|&b| b == b'\n')
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
        .map(<[u8]>::to_vec)
        .collect();
    if lines.is_empty() {
        return rejected(
            &api,
            Failure::new(FailureKind::EmptyBody, "the batch has no lines"),
        );
    }
    if lines.len() > api.limits.max_batch_items {
        return rejected(
            &api,
            Failure::new(
                FailureKind::TooLarge,
                format!(
                    "batch has {} articles; the limit is {}",
                    lines.len(),
                    api.limits.max_batch_items
                ),
            ),
        );
    }
    // Clean every line concurrently, decide duplicates in line order (so of
    // two twins in one batch the earlier wins), then produce concurrently.
    let prepared: Vec<Result<Built, IngestError>> = futures::stream::iter(lines)
        .map(|line| {
            let api = api.clone();
            async move {
                match Submission::from_json(&line, Origin::http(), &api.limits) {
                    Ok(sub) => api.ingestor.prepare(sub).await,
                    Err(f) => Err(IngestError::Rejected(f)),
                }
            }
        })
        .buffered(BATCH_CONCURRENCY)
        .collect()
        .await;
    // Each story is produced on a task of its own as soon as it is
    // reserved, so a later twin in the batch can wait for it.
    let mut producing = Vec::with_capacity(prepared.len());
    for p in prepared {
        let reserved = match p {
            Ok(built) => api.ingestor.reserve(built).await,
            Err(e) => Err(e),
        };
        let ingestor = Arc::clone(&api.ingestor);
        producing.push(tokio::spawn(async move {
            match reserved {
                Ok(reserved) => ingestor.produce(reserved).await,
                Err(e) => Err(e),
            }
        }));
    }
    let mut outcomes = Vec::with_capacity(producing.len());
    for task in producing {
        outcomes.push(task.await.unwrap_or_else(|e| Err(crashed(e))));
    }
    let results: Vec<serde_json::Value> = outcomes
        .into_iter()
        .map(|outcome| match outcome {
            Ok(o) => serde_json::to_value(o).unwrap_or_default(),
            Err(IngestError::Rejected(f)) => {
                api.ingestor.metrics().error(f.kind.as_str());
                json!({"status": "rejected", "error": f.kind, "message": f.message})
            }
            Err(IngestError::Unavailable(msg)) => {
                json!({"status": "unavailable", "error": "unavailable", "message": msg})
            }
        })
        .collect();
    let count = |status: &str| results.iter().filter(|r| r["status"] == status).count();
    let summary = json!({
        "accepted": count("accepted"),
        "duplicates": count("duplicate"),
        "rejected": count("rejected"),
        "unavailable": count("unavailable"),
        "results": results,
    });
    (StatusCode::OK, Json(summary)).into_response()
}

/// Ingests on a task of its own: a client that disconnects or times out
/// drops this future, not the work, which finishes and settles its
/// reservation either way.
async fn ingest_detached(
    ingestor: &Arc<Ingestor>,
    sub: Submission,
) -> Result<Outcome, IngestError> {
    let ingestor = Arc::clone(ingestor);
    tokio::spawn(async move { ingestor.ingest(sub).await })
        .await
        .unwrap_or_else(|e| Err(crashed(e)))
}

fn crashed(e: tokio::task::JoinError) -> IngestError {
    IngestError::Rejected(Failure::new(
        FailureKind::Panic,
        format!("ingesting crashed: {e}"),
    ))
}

/// The media type of the request, lower-cased, without parameters.
fn media_type(headers: &HeaderMap) -> Option<String> {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
}

fn rejected(api: &Api, f: Failure) -> Response {
    api.ingestor.metrics().error(f.kind.as_str());
    tracing::info!(kind = %f.kind, reason = %f.message, "submission rejected");
    error_response(status_of(f.kind), f.kind.as_str(), &f.message)
}

/// The HTTP status that answers a refused submission.
fn status_of(kind: FailureKind) -> StatusCode {
    match kind {
        FailureKind::TooLarge | FailureKind::OutputTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        FailureKind::UnsupportedContentType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        FailureKind::MalformedJson
        | FailureKind::InvalidUtf8
        | FailureKind::InvalidField
        | FailureKind::MissingContent => StatusCode::BAD_REQUEST,
        FailureKind::EmptyBody
        | FailureKind::BinaryContent
        | FailureKind::HtmlTooDeep
        | FailureKind::NoText
        | FailureKind::ExtractionFailed
        | FailureKind::InvalidGzip
        | FailureKind::UnreadableFile
        | FailureKind::MalformedFeed
        | FailureKind::FeedUnreachable
        | FailureKind::PageUnreachable
        | FailureKind::FetchRefused
        | FailureKind::ExtractionTimedOut
        | FailureKind::Decode
        | FailureKind::InvalidRecord
        | FailureKind::Transform
        | FailureKind::Panic
        | FailureKind::BodyTooLarge
        | FailureKind::UnsupportedLanguage => StatusCode::UNPROCESSABLE_ENTITY,
    }
}
