//! `ingest`: takes articles from HTTP, RSS/Atom feeds and files, cleans them
//! and produces one clean article record per story to `articles.raw`.
//!
//! * `ingest serve` (the default) runs the service: `POST /v1/articles`,
//!   the configured feeds, `/healthz`, `/readyz`, `/metrics`.
//! * `ingest files PATH…` ingests files and directories, then exits.
//! * `ingest extract FILE…` prints what ingest extracts from HTML pages.
//! * `ingest score-extraction` scores that against the benchmark's dev pages.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use stancewire_ingest::{config::IngestConfig, extract, files, startup};
use stancewire_stage::{config, telemetry, Shutdown};

#[derive(Parser)]
#[command(
    name = "ingest",
    version,
    about = "stancewire ingest: articles in, clean article records out"
)]
struct Cli {
    /// TOML configuration file (default: $STANCEWIRE_CONFIG, else built-in defaults).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the service (HTTP API, feed pollers, health and metrics).
    Serve,
    /// Ingest files and directories (.txt, .html, .html.gz, .json, .jsonl, .sgm), then exit.
    Files {
        /// Files or directories.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Articles in flight at once.
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
        /// Hide the progress bar.
        #[arg(long)]
        quiet: bool,
    },
    /// Extract articles from HTML files (.html, .html.gz): one JSON object per
    /// file per line with file, title, body, authors, published, language.
    Extract {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Score extraction on the article-extraction dev pages (precision,
    /// recall, F1 the benchmark's way); the last line is JSON.
    ScoreExtraction {
        #[arg(
            long,
            default_value = "../shared/data/article-extraction/ground-truth.json"
        )]
        ground_truth: PathBuf,
        #[arg(long, default_value = "../shared/data/article-extraction/html")]
        pages: PathBuf,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config: IngestConfig = config::load(IngestConfig::default(), cli.config.as_deref())?;
    telemetry::init(&config.stage.log);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let app = startup::Application::build(&config).await?;
            app.run_until_stopped(Shutdown::on_signals()).await
        }
        Command::Files {
            paths,
            concurrency,
            quiet,
        } => {
            let metrics = stancewire_stage::metrics::Metrics::new("ingest");
            let ingestor = startup::ingestor(&config, &metrics)?;
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
        Command::Extract { files } => {
            for file in files {
                println!("{}", serde_json::to_string(&extract::extract_file(&file))?);
            }
            Ok(())
        }
        Command::ScoreExtraction {
            ground_truth,
            pages,
        } => {
            println!("{}", extract::score_pages(&ground_truth, &pages)?);
            Ok(())
        }
    }
}
