//! The service skeleton, written once: every service's `main` is a call to
//! [`main`], and every service runs as an [`App`].
//!
//! [`main`] parses the command line (`--config`, `serve` or the service's
//! own commands), loads the configuration (defaults → TOML file →
//! `STANCEWIRE_*` variables), starts logging, and for `serve` builds the
//! service, shuts it down on SIGINT or SIGTERM and exits 0 once it has
//! drained. [`App`] is what `serve` runs: the HTTP routes (`/healthz`,
//! `/readyz`, `/metrics` and the service's own), its background tasks and,
//! for a consuming service, the stage loop, stopped in one order:
//!
//! 1. shutdown fires (a signal, a test, or any part ending on its own);
//! 2. the HTTP server stops taking connections and finishes the requests in
//!    hand; background tasks return; the stage loop finishes its batch,
//!    commits it and flushes its producer;
//! 3. the service's last step runs (ingest flushes its producer);
//! 4. `run_until_stopped` returns the first error any part had, if any.
//!
//! An app is built apart from running it, so tests bind port 0 and learn
//! the port before anything runs.

use std::{future::Future, path::PathBuf, pin::Pin, sync::Arc};

use axum::Router;
use clap::{Parser, Subcommand};
use serde::{de::DeserializeOwned, Serialize};
use tokio::net::TcpListener;

use crate::{
    config::{self, LogSettings},
    http::{self, Readiness},
    metrics::Metrics,
    shutdown::Shutdown,
    stage::{self, Topics, Transform},
    telemetry, KafkaSettings,
};

type Task = Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send>>;
type Start = Box<dyn FnOnce(Shutdown) -> Task + Send>;

/// A deployable service: its configuration, how it is built, and the
/// commands it has besides `serve`.
pub trait Service {
    /// Its name: logs, metrics, the default consumer group.
    const NAME: &'static str;
    type Config: Serialize + DeserializeOwned + Default + Send + Sync + 'static;
    /// Commands besides `serve` ([`NoCommand`] for none).
    type Command: Subcommand + Send + 'static;

    fn log(config: &Self::Config) -> &LogSettings;

    /// Builds the app `serve` runs.
    fn build(config: &Self::Config) -> impl Future<Output = anyhow::Result<App>> + Send;

    /// Runs one of the service's own commands.
    fn command(
        config: Self::Config,
        command: Self::Command,
    ) -> impl Future<Output = anyhow::Result<()>> + Send;
}

/// The commands of a service that has only `serve`.
#[derive(Subcommand, Debug, Clone, Copy)]
pub enum NoCommand {}

#[derive(Parser)]
#[command(version)]
struct Cli<C: Subcommand> {
    /// TOML configuration file (default: $STANCEWIRE_CONFIG, else built-in defaults).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command<C>>,
}

#[derive(Subcommand)]
enum Command<C: Subcommand> {
    /// Run the service (the default): its work, /healthz, /readyz, /metrics.
    Serve,
    #[command(flatten)]
    Own(C),
}

/// A service's `main`: parse, configure, log, then serve until SIGINT or
/// SIGTERM (or run one of its commands).
pub fn main<S: Service>() -> anyhow::Result<()> {
    let cli = Cli::<S::Command>::parse_from(std::env::args_os());
    let config: S::Config = config::load(S::Config::default(), cli.config.as_deref())?;
    telemetry::init(S::log(&config));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let result = runtime.block_on(async move {
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => {
                let app = S::build(&config).await?;
                app.run_until_stopped(Shutdown::on_signals()).await
            }
            Command::Own(command) => S::command(config, command).await,
        }
    });
    // Work that cannot be interrupted (an extraction past its deadline)
    // may still hold a blocking thread: it does not hold up the exit.
    runtime.shutdown_timeout(std::time::Duration::from_secs(5));
    result
}

/// A task's result, a panic included as an error (a panic would otherwise
/// end the task without a word until shutdown).
async fn guarded(task: impl Future<Output = anyhow::Result<()>>) -> anyhow::Result<()> {
    use futures::FutureExt;
    std::panic::AssertUnwindSafe(task)
        .catch_unwind()
        .await
        .unwrap_or_else(|panic| {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic".into());
            Err(anyhow::anyhow!("panicked: {what}"))
        })
}

/// What a service runs until shutdown.
pub struct App {
    name: &'static str,
    listener: TcpListener,
    router: Router,
    readiness: Readiness,
    metrics: Metrics,
    parts: Vec<(&'static str, Start)>,
    last: Option<Box<dyn FnOnce() + Send>>,
}

impl App {
    /// Binds the service's HTTP port (port 0 picks a free one) and sets up
    /// its health, readiness and metrics routes.
    pub async fn bind(name: &'static str, listen: std::net::SocketAddr) -> anyhow::Result<App> {
        let metrics = Metrics::new(name);
        let readiness = Readiness::default();
        Ok(App {
            name,
            listener: http::bind(listen).await?,
            router: http::ops_router(readiness.clone(), metrics.clone()),
            readiness,
            metrics,
            parts: Vec::new(),
            last: None,
        })
    }

    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    pub fn readiness(&self) -> &Readiness {
        &self.readiness
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// Adds the service's own routes.
    pub fn routes(mut self, router: Router) -> App {
        self.router = self.router.merge(router);
        self
    }

    /// Adds a task that runs until shutdown, and that the service cannot
    /// do without (the stage loop, a table follower). If it ends before
    /// shutdown, returns an error or panics, the service shuts down and
    /// exits with the error, for its supervisor to restart it: a task that
    /// died must not go unnoticed.
    pub fn task<F>(
        mut self,
        name: &'static str,
        run: impl FnOnce(Shutdown) -> F + Send + 'static,
    ) -> App
    where
        F: Future<Output = anyhow::Result<()>> + Send + 'static,
    {
        self.parts
            .push((name, Box::new(move |shutdown| Box::pin(run(shutdown)))));
        self
    }

    /// Adds a task that runs until shutdown and that the service can
    /// carry on without for a while (a feed poller): if it fails or panics,
    /// it is logged, counted (`stancewire_task_restarts_total`) and started
    /// again after a backoff (1 s, doubling to 60 s; back to 1 s after it
    /// ran a minute).
    pub fn supervised<F>(
        self,
        name: &'static str,
        start: impl Fn(Shutdown) -> F + Send + Sync + 'static,
    ) -> App
    where
        F: Future<Output = anyhow::Result<()>> + Send + 'static,
    {
        let metrics = self.metrics.clone();
        self.task(name, move |shutdown| async move {
            let mut backoff = std::time::Duration::from_secs(1);
            loop {
                let started = std::time::Instant::now();
                let ended = guarded(start(shutdown.clone())).await;
                if shutdown.is_triggered() {
                    return Ok(());
                }
                match ended {
                    Ok(()) => tracing::error!(part = name, "stopped on its own; restarting"),
                    Err(e) => tracing::error!(part = name, error = %e, "failed; restarting"),
                }
                metrics.task_restart(name);
                if started.elapsed() > std::time::Duration::from_secs(60) {
                    backoff = std::time::Duration::from_secs(1);
                }
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = shutdown.triggered() => return Ok(()),
                }
                backoff = (backoff * 2).min(std::time::Duration::from_secs(60));
            }
        })
    }

    /// The stage settings of this instance: `settings` with the exactly-once
    /// producer's transactional id filled in from the host name and this
    /// app's HTTP port where the operator set none.
    pub fn stage_settings(&self, mut settings: KafkaSettings) -> KafkaSettings {
        settings.transactional_id = settings.transactional_id_for(self.port());
        settings
    }

    /// Runs the shared stage loop: `transform` from `topics.input`, dead
    /// letters to `topics.dead_letter`. The service is ready once the
    /// broker answers.
    pub fn consume<T: Transform>(
        self,
        settings: KafkaSettings,
        topics: Topics,
        transform: Arc<T>,
    ) -> App {
        let settings = self.stage_settings(settings);
        let (metrics, readiness) = (self.metrics.clone(), self.readiness.clone());
        self.task("stage", move |shutdown| {
            stage::run(settings, topics, transform, metrics, readiness, shutdown)
        })
    }

    /// The last step, after every part has stopped.
    pub fn finally(mut self, last: impl FnOnce() + Send + 'static) -> App {
        self.last = Some(Box::new(last));
        self
    }

    /// Runs until `shutdown` fires (or a part stops on its own), then drains
    /// in the order the module says.
    pub async fn run_until_stopped(self, shutdown: Shutdown) -> anyhow::Result<()> {
        let mut parts = tokio::task::JoinSet::new();
        for (name, start) in self.parts {
            let task = start(shutdown.clone());
            let shutdown = shutdown.clone();
            parts.spawn(async move {
                let result = guarded(task).await;
                if !shutdown.is_triggered() {
                    match &result {
                        Ok(()) => {
                            tracing::error!(part = name, "stopped before shutdown; shutting down")
                        }
                        Err(e) => tracing::error!(part = name, error = %e, "failed; shutting down"),
                    }
                    shutdown.trigger();
                }
                result.map_err(|e| e.context(name))
            });
        }
        let served = http::serve(self.listener, self.router, shutdown.clone()).await;
        shutdown.trigger();
        let mut first_error: Option<anyhow::Error> = served.err().map(Into::into);
        while let Some(done) = parts.join_next().await {
            let result = done.map_err(anyhow::Error::from).and_then(|r| r);
            if let Err(e) = result {
                first_error.get_or_insert(e);
            }
        }
        self.readiness.set(false);
        if let Some(last) = self.last {
            last();
        }
        tracing::info!(service = self.name, "stopped");
        first_error.map_or(Ok(()), Err)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    };

    use super::*;

    async fn app() -> App {
        App::bind("test", "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_supervised_task_that_panics_is_restarted_and_counted() {
        let starts = Arc::new(AtomicUsize::new(0));
        let shutdown = Shutdown::new();
        let app = app().await.supervised("poller", {
            let (starts, shutdown) = (starts.clone(), shutdown.clone());
            move |stop| {
                let (starts, shutdown) = (starts.clone(), shutdown.clone());
                async move {
                    if starts.fetch_add(1, Ordering::SeqCst) == 0 {
                        panic!("a poller bug");
                    }
                    // The second start runs until shutdown, which the test
                    // then asks for.
                    shutdown.trigger();
                    stop.triggered().await;
                    Ok(())
                }
            }
        });
        let metrics = app.metrics().clone();
        app.run_until_stopped(shutdown)
            .await
            .expect("the service kept going");
        assert_eq!(starts.load(Ordering::SeqCst), 2, "restarted once");
        assert!(
            metrics
                .render()
                .contains("stancewire_task_restarts_total{service=\"test\",task=\"poller\"} 1"),
            "{}",
            metrics.render()
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_part_that_panics_stops_the_service_with_the_error() {
        let app = app().await.task("stage", |_| async {
            panic!("a stage bug");
        });
        let err = app
            .run_until_stopped(Shutdown::new())
            .await
            .expect_err("a panic is an error, not a silent end");
        assert!(format!("{err:#}").contains("a stage bug"), "{err:#}");
    }
}
