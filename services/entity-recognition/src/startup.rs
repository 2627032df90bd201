//! Wiring: load the model, bind the HTTP port (health, readiness, metrics),
//! then run the shared stage loop from `articles.raw` to `articles.entities`.
//! Built apart from running, so tests can bind port 0 and learn the port.

use std::sync::Arc;

use axum::Router;
use stancewire_stage::{
    http::{self, Readiness},
    metrics::Metrics,
    stage::{self, Topics},
    Shutdown,
};
use tokio::net::TcpListener;

use crate::{config::EntityConfig, model::NerModel, transform::Recognize};

pub struct Application {
    config: EntityConfig,
    listener: TcpListener,
    router: Router,
    metrics: Metrics,
    readiness: Readiness,
    transform: Arc<Recognize>,
}

impl Application {
    pub async fn build(config: &EntityConfig) -> anyhow::Result<Self> {
        let threads = config.model.runtime.apply();
        let dir = config.model.dir();
        let runtime = config.model.runtime.clone();
        let model = tokio::task::spawn_blocking(move || NerModel::load(&dir, &runtime)).await??;
        tracing::info!(
            model = %model.version,
            precision = ?model.precision,
            threads,
            "NER model loaded"
        );
        let transform = Arc::new(Recognize::new(
            model,
            config.limits.clone(),
            config.topics.output.clone(),
        ));
        let metrics = Metrics::new("entity-recognition");
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
        })
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// Runs the stage and the HTTP server until `shutdown` fires.
    pub async fn run_until_stopped(self, shutdown: Shutdown) -> anyhow::Result<()> {
        let server = tokio::spawn(http::serve(self.listener, self.router, shutdown.clone()));
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
        tracing::info!("entity-recognition stopped");
        ran
    }
}
