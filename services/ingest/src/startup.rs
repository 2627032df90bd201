//! Wiring: the producer, dead-letter sink and dedup store behind one
//! [`Ingestor`], the HTTP server (API + health + metrics) and the feed
//! pollers — built apart from running, so tests can bind port 0 and learn
//! the port before the service starts.

use std::{sync::Arc, time::Duration};

use axum::Router;
use rdkafka::producer::Producer;
use stancewire_stage::{
    dead_letter::DeadLetters,
    http::{self, Readiness},
    metrics::Metrics,
    publisher::Publisher,
    Shutdown,
};
use tokio::net::TcpListener;

use crate::{api, config::IngestConfig, dedup::Dedup, feeds::FeedPoller, ingestor::Ingestor};

/// The ingestor every source shares.
pub fn ingestor(config: &IngestConfig, metrics: &Metrics) -> anyhow::Result<Arc<Ingestor>> {
    let publisher = Publisher::new(&config.stage.kafka, metrics.clone())?;
    let dead_letters = DeadLetters::new(
        publisher.clone(),
        &config.topics.dead_letter,
        metrics.clone(),
    );
    let dedup = Arc::new(Dedup::open(&config.dedup)?);
    Ok(Arc::new(Ingestor::new(
        publisher,
        dead_letters,
        dedup,
        metrics.clone(),
        config.topics.output.clone(),
    )))
}

pub struct Application {
    listener: TcpListener,
    router: Router,
    ingestor: Arc<Ingestor>,
    pollers: Vec<FeedPoller>,
    readiness: Readiness,
}

impl Application {
    pub async fn build(config: &IngestConfig) -> anyhow::Result<Self> {
        let metrics = Metrics::new("ingest");
        let ingestor = ingestor(config, &metrics)?;
        let readiness = Readiness::default();
        let limits = config.limits.limits();
        let router = api::router(ingestor.clone(), limits)
            .merge(http::ops_router(readiness.clone(), metrics.clone()));
        let listener = http::bind(config.stage.http.listen).await?;
        let pollers = config
            .feeds
            .iter()
            .map(|f| FeedPoller::new(f.clone(), ingestor.clone(), limits))
            .collect();
        Ok(Application {
            listener,
            router,
            ingestor,
            pollers,
            readiness,
        })
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// Serves until `shutdown` fires, then drains requests and flushes.
    pub async fn run_until_stopped(self, shutdown: Shutdown) -> anyhow::Result<()> {
        let mut tasks = tokio::task::JoinSet::new();
        for poller in self.pollers {
            tasks.spawn(poller.run(shutdown.clone()));
        }
        tasks.spawn(watch_readiness(
            self.ingestor.publisher().clone(),
            self.readiness.clone(),
            shutdown.clone(),
        ));
        tasks.spawn(prune_hourly(self.ingestor.clone(), shutdown.clone()));
        let served = http::serve(self.listener, self.router, shutdown.clone()).await;
        shutdown.trigger();
        while tasks.join_next().await.is_some() {}
        self.ingestor.flush();
        tracing::info!("ingest stopped");
        Ok(served?)
    }
}

/// Ready while the broker answers metadata requests.
async fn watch_readiness(probe: Publisher, readiness: Readiness, shutdown: Shutdown) {
    loop {
        let producer = probe.producer().clone();
        let ok = tokio::task::spawn_blocking(move || {
            producer
                .client()
                .fetch_metadata(None, Duration::from_secs(5))
                .is_ok()
        })
        .await
        .unwrap_or(false);
        if ok != readiness.is_ready() {
            tracing::info!(ready = ok, "broker readiness changed");
        }
        readiness.set(ok);
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(if ok { 10 } else { 1 })) => {}
            _ = shutdown.triggered() => return,
        }
    }
}

async fn prune_hourly(ingestor: Arc<Ingestor>, shutdown: Shutdown) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(3600)) => {}
            _ = shutdown.triggered() => return,
        }
        match ingestor.dedup().prune() {
            Ok(n) => tracing::info!(pruned = n, "dedup window pruned"),
            Err(e) => tracing::error!(error = %e, "dedup prune failed"),
        }
    }
}
