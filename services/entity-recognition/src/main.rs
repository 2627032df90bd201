//! `entity-recognition`: clean articles in (`articles.raw`), the same
//! articles with their named entities out (`articles.entities`).
//!
//! * `entity-recognition serve` (the default) runs the service.
//! * `entity-recognition eval FILE` scores the model on a CoNLL-format file;
//!   the last line of output is one JSON object.
//! * `entity-recognition train` fine-tunes the 6-layer tagger from
//!   all-MiniLM-L6-v2 (`models/ner`), or with `--teacher` distils it into
//!   a shallower, faster one (`models/ner-fast`; see the model cards).

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use stancewire_entity_recognition::{config::EntityConfig, eval, model, startup, train};
use stancewire_stage::{config, telemetry, Shutdown};

#[derive(Parser)]
#[command(
    name = "entity-recognition",
    version,
    about = "stancewire entity recognition: clean articles in, entities out"
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
    /// Run the service (the stage loop, /healthz, /readyz, /metrics).
    Serve,
    /// Score the model on a CoNLL-format file (conlleval rules: exact span
    /// and type); prints a table, then one JSON line.
    Eval {
        file: PathBuf,
        /// Model directory (default: the shipped model, or model.path from the configuration).
        #[arg(long)]
        model: Option<PathBuf>,
        /// How the file's entity types map onto PER/ORG/LOC/MISC.
        #[arg(long, value_enum, default_value = "auto")]
        labels: eval::LabelMap,
        #[arg(long, value_enum)]
        precision: Option<model::Precision>,
        /// libtorch threads (default: model.threads from the configuration; 0 = one per core).
        #[arg(long)]
        threads: Option<usize>,
    },
    /// Fine-tune the NER model from all-MiniLM-L6-v2, or distil a trained one
    /// into fewer layers (`--teacher`).
    Train(Box<train::TrainArgs>),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config: EntityConfig = config::load(EntityConfig::default(), cli.config.as_deref())?;
    telemetry::init(&config.stage.log);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let app = startup::Application::build(&config).await?;
            app.run_until_stopped(Shutdown::on_signals()).await
        }
        Command::Eval {
            file,
            model: dir,
            labels,
            precision,
            threads,
        } => {
            let mut runtime = config.model.runtime.clone();
            runtime.precision = precision.unwrap_or(runtime.precision);
            runtime.threads = threads.unwrap_or(runtime.threads);
            runtime.apply();
            let dir = dir.unwrap_or_else(|| config.model.dir());
            tokio::task::spawn_blocking(move || {
                let model = model::NerModel::load(&dir, &runtime)?;
                tracing::info!(model = %model.version, precision = ?model.precision, "evaluating");
                let report = eval::evaluate(&model, &file, labels)?;
                eval::print(&report);
                anyhow::Ok(())
            })
            .await?
        }
        Command::Train(args) => tokio::task::spawn_blocking(move || train::run(&args)).await?,
    }
}
