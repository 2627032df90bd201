//! Who may submit articles, and how much: the guard in front of the API.
//!
//! Every `/v1/*` request passes, in this order:
//!
//! 1. **Authentication.** With tokens configured (`api.tokens`, or
//!    `api.tokens_file`, one per line), a request must carry
//!    `Authorization: Bearer <token>`; else `401`. Tokens are kept as
//!    BLAKE3 digests and compared in constant time, all of them every time,
//!    so neither timing nor the number of tokens tells a guess apart. With
//!    none configured (the embedded demo), anyone may submit; the service
//!    says so in its log at start-up.
//! 2. **Rate.** Each client (its token when authenticated, else its
//!    address) has a token bucket: `api.rate_per_s` requests a second, in
//!    bursts of `api.burst`; over it, `429` with `Retry-After`.
//! 3. **Concurrency.** At most `api.max_concurrent_requests` requests are
//!    handled at once, and `api.max_concurrent_batches` of them batches
//!    (each up to `limits.max_batch_bytes` in memory); over it, `503` with
//!    `Retry-After` at once rather than a queue that grows.
//! 4. **Time.** A request has `api.request_timeout_secs`, reading its body
//!    included (a client that sends its headers and then trickles or stops
//!    is cut off with `408`). Cutting a request off never cuts off an
//!    article already being produced: that runs on its own task.
//!
//! The operational routes (`/healthz`, `/readyz`, `/metrics`) are not
//! guarded: probes and scrapers carry no token.

use std::{
    collections::HashMap,
    net::SocketAddr,
    path::PathBuf,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{
    extract::{ConnectInfo, Request, State},
    http::{header, HeaderValue, StatusCode},
    middleware::Next,
    response::Response,
};
use serde::{Deserialize, Serialize};
use stancewire_stage::http::error_response;
use tokio::sync::Semaphore;

#[derive(Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ApiSettings {
    /// Bearer tokens accepted (`STANCEWIRE_API__TOKENS='["t1","t2"]'`).
    /// With none here nor in `tokens_file`, the API is open.
    pub tokens: Vec<String>,
    /// A file of bearer tokens, one per line (blank lines and `#` comments
    /// ignored): the way to keep them out of the environment.
    pub tokens_file: Option<PathBuf>,
    /// Requests a second each client may make; 0 turns the limit off.
    pub rate_per_s: f64,
    /// How many requests a client may make at once before its rate applies.
    pub burst: u32,
    /// Requests handled at once.
    pub max_concurrent_requests: usize,
    /// Batch requests handled at once.
    pub max_concurrent_batches: usize,
    /// Longest a request may take, reading its body included.
    pub request_timeout_secs: u64,
}

impl Default for ApiSettings {
    fn default() -> Self {
        ApiSettings {
            tokens: Vec::new(),
            tokens_file: None,
            rate_per_s: 0.0,
            burst: 100,
            max_concurrent_requests: 256,
            max_concurrent_batches: 4,
            request_timeout_secs: 60,
        }
    }
}

/// Never prints a token.
impl std::fmt::Debug for ApiSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiSettings")
            .field("tokens", &format_args!("[{} redacted]", self.tokens.len()))
            .field("tokens_file", &self.tokens_file)
            .field("rate_per_s", &self.rate_per_s)
            .field("burst", &self.burst)
            .field("max_concurrent_requests", &self.max_concurrent_requests)
            .field("max_concurrent_batches", &self.max_concurrent_batches)
            .field("request_timeout_secs", &self.request_timeout_secs)
            .finish()
    }
}

/// The guard's state, shared by every request.
#[derive(Clone)]
pub struct Access {
    tokens: Arc<Vec<blake3::Hash>>,
    rates: Option<Arc<Rates>>,
    requests: Arc<Semaphore>,
    batches: Arc<Semaphore>,
    timeout: Duration,
}

impl Access {
    /// Reads the tokens (the file must exist and be readable if named).
    pub fn new(settings: &ApiSettings) -> anyhow::Result<Access> {
        let mut tokens: Vec<String> = settings.tokens.clone();
        if let Some(path) = &settings.tokens_file {
            let text = std::fs::read_to_string(path)
                .map_err(|e| anyhow::anyhow!("api.tokens_file {}: {e}", path.display()))?;
            tokens.extend(
                text.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with('#'))
                    .map(str::to_string),
            );
        }
        if tokens.iter().any(|t| t.len() < 16) {
            anyhow::bail!("api tokens must be at least 16 characters long");
        }
        if tokens.is_empty() {
            tracing::warn!(
                "no api tokens configured: anyone who reaches the API can submit articles"
            );
        }
        Ok(Access {
            tokens: Arc::new(tokens.iter().map(|t| blake3::hash(t.as_bytes())).collect()),
            rates: (settings.rate_per_s > 0.0).then(|| {
                Arc::new(Rates {
                    per_s: settings.rate_per_s,
                    burst: f64::from(settings.burst.max(1)),
                    buckets: Mutex::new(HashMap::new()),
                })
            }),
            requests: Arc::new(Semaphore::new(settings.max_concurrent_requests.max(1))),
            batches: Arc::new(Semaphore::new(settings.max_concurrent_batches.max(1))),
            timeout: Duration::from_secs(settings.request_timeout_secs.max(1)),
        })
    }

    /// Which client this is: its token's digest, else `None` if it has no
    /// valid one while tokens are required.
    fn authenticate(&self, request: &Request) -> Result<String, &'static str> {
        let peer = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_default();
        if self.tokens.is_empty() {
            return Ok(peer);
        }
        let presented = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or("send Authorization: Bearer <token>")?;
        let digest = blake3::hash(presented.trim().as_bytes());
        // blake3::Hash compares in constant time; every token is compared.
        let known = self.tokens.iter().fold(false, |ok, t| ok | (*t == digest));
        if known {
            Ok(format!("token:{}", &digest.to_hex()[..16]))
        } else {
            Err("the token is not valid")
        }
    }
}

/// The guard, as axum middleware over the API's routes.
pub async fn guard(State(access): State<Access>, request: Request, next: Next) -> Response {
    let client = match access.authenticate(&request) {
        Ok(client) => client,
        Err(why) => {
            let mut response = error_response(StatusCode::UNAUTHORIZED, "unauthorized", why);
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return response;
        }
    };
    if let Some(rates) = &access.rates {
        if let Err(wait) = rates.take(&client) {
            return with_retry_after(
                error_response(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate_limited",
                    &format!("over {} requests a second", rates.per_s),
                ),
                wait,
            );
        }
    }
    let is_batch = request.uri().path().ends_with("/batch");
    let Ok(_request_slot) = access.requests.try_acquire() else {
        return busy("requests");
    };
    let _batch_slot = if is_batch {
        match access.batches.try_acquire() {
            Ok(slot) => Some(slot),
            Err(_) => return busy("batch requests"),
        }
    } else {
        None
    };
    match tokio::time::timeout(access.timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => error_response(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            &format!(
                "the request took over {} s (a body sent too slowly?)",
                access.timeout.as_secs()
            ),
        ),
    }
}

fn busy(what: &str) -> Response {
    with_retry_after(
        error_response(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            &format!("too many {what} in hand; retry shortly"),
        ),
        Duration::from_secs(1),
    )
}

fn with_retry_after(mut response: Response, wait: Duration) -> Response {
    let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
    if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response
}

/// Token buckets, one per client.
struct Rates {
    per_s: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

/// Clients remembered at once; past it, the full buckets are forgotten.
const MAX_CLIENTS: usize = 100_000;

impl Rates {
    /// Takes one request from `client`'s bucket, or says how long to wait.
    fn take(&self, client: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().expect("rate buckets");
        if buckets.len() >= MAX_CLIENTS {
            let (per_s, burst) = (self.per_s, self.burst);
            buckets.retain(|_, (level, at)| {
                *level + now.duration_since(*at).as_secs_f64() * per_s < burst
            });
        }
        let (level, at) = buckets
            .entry(client.to_string())
            .or_insert((self.burst, now));
        *level = (*level + now.duration_since(*at).as_secs_f64() * self.per_s).min(self.burst);
        *at = now;
        if *level >= 1.0 {
            *level -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - *level) / self.per_s))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_gets_its_burst_then_its_rate() {
        let rates = Rates {
            per_s: 2.0,
            burst: 3.0,
            buckets: Mutex::new(HashMap::new()),
        };
        for _ in 0..3 {
            rates.take("a").unwrap();
        }
        let wait = rates.take("a").unwrap_err();
        assert!(wait <= Duration::from_millis(500), "{wait:?}");
        rates.take("b").expect("another client has its own bucket");
    }

    #[test]
    fn tokens_are_never_printed_and_short_ones_refused() {
        let settings = ApiSettings {
            tokens: vec!["s3cret-s3cret-s3cret".into()],
            ..Default::default()
        };
        assert!(!format!("{settings:?}").contains("s3cret"));
        assert!(Access::new(&settings).is_ok());
        assert!(Access::new(&ApiSettings {
            tokens: vec!["short".into()],
            ..Default::default()
        })
        .is_err());
    }
}
