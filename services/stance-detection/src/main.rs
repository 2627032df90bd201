//! `stance-detection`: articles with their entities in (`articles.entities`);
//! the same articles with quotes, claims, stances and tracked-claim matches
//! out (`articles.enriched`), and one record per stance (`stances`).
//!
//! * `stance-detection serve` (the default) runs the service.
//! * `stance-detection eval fnc BODIES STANCES` scores the model on FNC-1
//!   files (also `eval semeval FILE`, `eval emergent FILE`); the last line
//!   of output is one JSON object.
//! * `stance-detection train` trains the model (see `models/stance/MODEL_CARD.md`).

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use stancewire_entity_recognition::model::Precision;
use stancewire_proto::v1;
use stancewire_stage::{config, telemetry, Shutdown};
use stancewire_stance_detection::{
    config::StanceConfig, eval, fnc, model, startup, tracked, train,
};

#[derive(Parser)]
#[command(
    name = "stance-detection",
    version,
    about = "stancewire stance detection: articles with entities in, quotes, claims and stances out"
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
    /// Score the model on labelled data; prints tables, then one JSON line.
    Eval {
        #[command(subcommand)]
        data: EvalData,
        /// Model directory (default: the shipped model).
        #[arg(long, global = true)]
        model: Option<PathBuf>,
        #[arg(long, value_enum, global = true)]
        precision: Option<Precision>,
        /// libtorch threads (default: model.threads from the configuration; 0 = one per core).
        #[arg(long, global = true)]
        threads: Option<usize>,
    },
    /// Publish a claim to track on the claims topic (or, with --delete,
    /// stop tracking it); every stance-detection instance picks it up.
    Track {
        /// The claim's id (the topic's key).
        id: String,
        /// The claim, as a short sentence.
        #[arg(required_unless_present = "delete")]
        text: Option<String>,
        /// Free-form labels for analytics.
        #[arg(long)]
        tag: Vec<String>,
        #[arg(long)]
        delete: bool,
    },
    /// Train the stance model on FNC-1.
    Train(train::TrainArgs),
}

#[derive(Subcommand)]
enum EvalData {
    /// FNC-1 files: four classes, official weighted score.
    Fnc {
        bodies: PathBuf,
        stances: PathBuf,
        /// Only pairs whose body id is listed here (e.g. talos_holdout_body_ids.txt).
        #[arg(long)]
        only_bodies: Option<PathBuf>,
    },
    /// SemEval-2016 Task 6 tweets: F_avg of FAVOR and AGAINST.
    Semeval { file: PathBuf },
    /// Emergent claim/headline pairs: for / against / observing.
    Emergent { file: PathBuf },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config: StanceConfig = config::load(StanceConfig::default(), cli.config.as_deref())?;
    telemetry::init(&config.stage.log);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let app = startup::Application::build(&config).await?;
            app.run_until_stopped(Shutdown::on_signals()).await
        }
        Command::Eval {
            data,
            model: dir,
            precision,
            threads,
        } => {
            let mut runtime = config.model.runtime.clone();
            runtime.threads = threads.unwrap_or(runtime.threads);
            runtime.precision = precision.unwrap_or(runtime.precision);
            runtime.apply();
            let dir = dir.unwrap_or_else(|| config.model.dir());
            tokio::task::spawn_blocking(move || {
                let m = model::StanceModel::load(&dir, &runtime)?;
                tracing::info!(model = %m.version, "evaluating");
                let (set, task) = match data {
                    EvalData::Fnc {
                        bodies,
                        stances,
                        only_bodies,
                    } => {
                        let mut set = fnc::read_fnc(&bodies, &stances)?;
                        if let Some(ids) = only_bodies {
                            set = set.split(&fnc::read_ids(&ids)?, true);
                        }
                        (set, eval::Task::Fnc)
                    }
                    EvalData::Semeval { file } => (fnc::read_semeval(&file)?, eval::Task::ThreeWay),
                    EvalData::Emergent { file } => {
                        (fnc::read_emergent(&file)?, eval::Task::ThreeWay)
                    }
                };
                let scores = eval::evaluate(&m.parts(), &set, task);
                let extra = match task {
                    eval::Task::Fnc => serde_json::json!({}),
                    eval::Task::ThreeWay => {
                        serde_json::json!({"semeval_f_avg": fnc::semeval_f_avg(&scores)})
                    }
                };
                eval::print(&scores, extra);
                anyhow::Ok(())
            })
            .await?
        }
        Command::Track {
            id,
            text,
            tag,
            delete,
        } => {
            let claim = text.map(|text| v1::TrackedClaim {
                claim_id: id.clone(),
                text,
                created_at: Some(now()),
                tags: tag,
            });
            let claim = if delete { None } else { claim };
            tracked::publish(
                &config.stage.kafka,
                &config.topics.claims,
                &id,
                claim.as_ref(),
            )
            .await?;
            println!(
                "{} {id} on {}",
                if delete { "untracked" } else { "tracked" },
                config.topics.claims
            );
            Ok(())
        }
        Command::Train(args) => tokio::task::spawn_blocking(move || train::run(&args)).await?,
    }
}

fn now() -> stancewire_proto::Timestamp {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    stancewire_proto::timestamp(t.as_secs() as i64, t.subsec_nanos() as i32)
}
