//! Wiring: load the model, bind the HTTP port (health, readiness, metrics),
//! load the tracked claims, then run the shared stage loop from
//! `articles.entities` to `articles.enriched` and `stances`. Built apart
//! from running, so tests can bind port 0 and learn the port.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use stancewire_stage::{
    http::{self, Readiness},
    metrics::Metrics,
    stage::{self, Topics},
    Shutdown,
};
use tokio::net::TcpListener;

use crate::{
    config::StanceConfig, model::StanceModel, tracked, tracked::TrackedClaims, transform::Detect,
};

/// Longest wait for the tracked claims before judging articles without them.
const CLAIMS_LOAD_LIMIT: Duration = Duration::from_secs(60);

pub struct Application {
    config: StanceConfig,
    listener: TcpListener,
    router: Router,
    metrics: Metrics,
    readiness: Readiness,
    transform: Arc<Detect>,
    tracked: Arc<TrackedClaims>,
}

impl Application {
    pub async fn build(config: &StanceConfig) -> anyhow::Result<Self> {
        let threads = config.model.runtime.apply();
        let dir = config.model.dir();
        let runtime = config.model.runtime.clone();
        let model =
            tokio::task::spawn_blocking(move || StanceModel::load(&dir, &runtime)).await??;
        tracing::info!(
            model = %model.version,
            precision = ?model.precision,
            threads,
            "stance model loaded"
        );
        let tracked = TrackedClaims::new(config.limits.max_claim_chars);
        let transform = Arc::new(Detect::new(
            model,
            config.limits.clone(),
            config.topics.clone(),
            tracked.clone(),
        ));
        let metrics = Metrics::new("stance-detection");
        let readiness = Readiness::default();
        let router = http::ops_router(readiness.clone(), metrics.clone());
        let listener = http::bind(config.stage.http.listen).await?;
        Ok(Application {
            config: config.clone(),
            listener,
            router,
            metrics,
            readiness,
            transform,
            tracked,
        })
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// Runs the claims table, the stage and the HTTP server until `shutdown` fires.
    pub async fn run_until_stopped(self, shutdown: Shutdown) -> anyhow::Result<()> {
        let server = tokio::spawn(http::serve(self.listener, self.router, shutdown.clone()));
        let claims = tokio::spawn(tracked::follow(
            self.config.stage.kafka.clone(),
            self.config.topics.claims.clone(),
            self.tracked.clone(),
            shutdown.clone(),
        ));
        if !self.tracked.wait_caught_up(CLAIMS_LOAD_LIMIT).await {
            tracing::warn!(topic = %self.config.topics.claims, "tracked claims not loaded yet; judging articles with what has arrived");
        }
        let topics = Topics {
            input: self.config.topics.input.clone(),
            dead_letter: self.config.topics.dead_letter.clone(),
        };
        let ran = stage::run(
            self.config.stage.kafka.clone(),
            topics,
            self.transform,
            self.metrics,
            self.readiness,
            shutdown.clone(),
        )
        .await;
        shutdown.trigger();
        server.await??;
        claims.await??;
        tracing::info!("stance-detection stopped");
        ran
    }
}
