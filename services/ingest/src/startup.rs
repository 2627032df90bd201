//! Start-up: the producer, dead-letter sink and dedup store behind one
//! [`Ingestor`], its HTTP API and feed pollers on the service skeleton
//! (`stancewire_stage::service`); and the `files` command.

use std::{sync::Arc, time::Duration};

use rdkafka::producer::Producer;
use stancewire_stage::{
    config::LogSettings, dead_letter::DeadLetters, metrics::Metrics, publisher::Publisher, topics,
    App, Service, Shutdown,
};

use crate::{
    access::Access, api, config::IngestConfig, dedup::Dedup, feeds::FeedPoller, fetch::Fetcher,
    files, ingestor::Ingestor, recovery,
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
        config.limits.limits(),
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
        let access = Access::new(&config.api)?;
        let fetcher = Fetcher::new(&config.fetch)?;
        let app = App::bind(Self::NAME, config.stage.http.listen).await?;
        let ingestor = ingestor(config, app.metrics()).await?;
        let limits = config.limits.limits();
        let readiness = app.readiness().clone();
        let mut app = app
            .routes(api::router(ingestor.clone(), limits, access))
            .task("readiness", {
                let producer = ingestor.publisher().producer().clone();
                move |shutdown| async move {
                    let probe = move || {
                        producer
                            .client()
                            .fetch_metadata(None, Duration::from_secs(5))
                            .is_ok()
                    };
                    readiness.follow(probe, shutdown).await;
                    Ok(())
                }
            })
            .task("dedup-prune", {
                let ingestor = ingestor.clone();
                move |shutdown| prune_hourly(ingestor, shutdown)
            });
        for feed in &config.feeds {
            let poller = FeedPoller::new(feed.clone(), ingestor.clone(), limits, fetcher.clone());
            app = app.supervised("feed", move |shutdown| {
                let poller = poller.clone();
                async move {
                    poller.run(shutdown).await;
                    Ok(())
                }
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
        // Articles the pipeline could not take are not ingested: say so in
        // the exit status, for scripts that run this unattended.
        anyhow::ensure!(
            report.unavailable == 0,
            "{} articles could not be produced (the broker did not take them); run again to retry them",
            report.unavailable
        );
        Ok(())
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
