//! Start-up: the producer, dead-letter sink and dedup store behind one
//! [`Ingestor`], its HTTP API and feed pollers on the service skeleton
//! (`stancewire_stage::service`); and the `files` command.

use std::{sync::Arc, time::Duration};

use rdkafka::producer::Producer;
use stancewire_stage::{
    config::LogSettings, dead_letter::DeadLetters, http::Readiness, metrics::Metrics,
    publisher::Publisher, topics, App, Service, Shutdown,
};

use crate::{
    api, config::IngestConfig, dedup::Dedup, feeds::FeedPoller, files, ingestor::Ingestor, recovery,
};

/// The ingestor every source shares, once the topics it writes exist and
/// any story a crash left pending is settled (`recovery`).
pub async fn ingestor(config: &IngestConfig, metrics: &Metrics) -> anyhow::Result<Arc<Ingestor>> {
    topics::ensure(&config.stage.kafka, &config.topics.specs()).await?;
    let publisher = Publisher::new(&config.stage.kafka, metrics.clone())?;
    let dead_letters = DeadLetters::new(
        publisher.clone(),
        &config.topics.dead_letter,
        metrics.clone(),
    );
    let dedup = Arc::new(Dedup::open(&config.dedup)?);
    recovery::settle_pending(&dedup, &config.stage.kafka, &config.topics.output).await?;
    Ok(Arc::new(Ingestor::new(
        publisher,
        dead_letters,
        dedup,
        metrics.clone(),
        config.topics.output.clone(),
    )))
}

pub struct Ingest;

/// ingest's commands besides `serve`.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Ingest files and directories (.txt, .html, .html.gz, .json, .jsonl, .sgm), then exit.
    Files {
        /// Files or directories.
        #[arg(required = true)]
        paths: Vec<std::path::PathBuf>,
        /// Articles in flight at once.
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
        /// Hide the progress bar.
        #[arg(long)]
        quiet: bool,
    },
}

impl Service for Ingest {
    const NAME: &'static str = "ingest";
    type Config = IngestConfig;
    type Command = Command;

    fn log(config: &IngestConfig) -> &LogSettings {
        &config.stage.log
    }

    /// The HTTP API, the feed pollers, readiness (the broker answers) and
    /// the dedup window's pruning; on shutdown, in-flight requests finish
    /// and the producer is flushed last.
    async fn build(config: &IngestConfig) -> anyhow::Result<App> {
        let app = App::bind(Self::NAME, config.stage.http.listen).await?;
        let ingestor = ingestor(config, app.metrics()).await?;
        let limits = config.limits.limits();
        let readiness = app.readiness().clone();
        let mut app = app
            .routes(api::router(ingestor.clone(), limits))
            .task("readiness", {
                let probe = ingestor.publisher().clone();
                move |shutdown| watch_readiness(probe, readiness, shutdown)
            })
            .task("dedup-prune", {
                let ingestor = ingestor.clone();
                move |shutdown| prune_hourly(ingestor, shutdown)
            });
        for feed in &config.feeds {
            let poller = FeedPoller::new(feed.clone(), ingestor.clone(), limits);
            app = app.task("feed", move |shutdown| async move {
                poller.run(shutdown).await;
                Ok(())
            });
        }
        Ok(app.finally(move || ingestor.flush()))
    }

    async fn command(config: IngestConfig, command: Command) -> anyhow::Result<()> {
        let Command::Files {
            paths,
            concurrency,
            quiet,
        } = command;
        let metrics = Metrics::new(Self::NAME);
        let ingestor = ingestor(&config, &metrics).await?;
        let report = files::ingest(
            &paths,
            ingestor,
            config.limits.limits(),
            concurrency,
            !quiet,
        )
        .await?;
        println!("{}", serde_json::to_string(&report)?);
        Ok(())
    }
}

/// Ready while the broker answers metadata requests.
async fn watch_readiness(
    probe: Publisher,
    readiness: Readiness,
    shutdown: Shutdown,
) -> anyhow::Result<()> {
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
            _ = shutdown.triggered() => return Ok(()),
        }
    }
}

async fn prune_hourly(ingestor: Arc<Ingestor>, shutdown: Shutdown) -> anyhow::Result<()> {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(3600)) => {}
            _ = shutdown.triggered() => return Ok(()),
        }
        match ingestor.dedup().prune() {
            Ok(n) => tracing::info!(pruned = n, "dedup window pruned"),
            Err(e) => tracing::error!(error = %e, "dedup prune failed"),
        }
    }
}
