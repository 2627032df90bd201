//! `stancewire-lab`: the project's offline tools — training and evaluating
//! its models, and the commands that show what the pipeline makes of files.
//! Every command prints its figures, the last line one JSON object.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use stancewire_lab::{attribution, extraction, ner, quotes, source_stances, stance};
use stancewire_model::{Precision, Runtime};
use tracing_subscriber::{layer::SubscriberExt, util::SubscriberInitExt, Layer};

// jemalloc, libtorch's tensors included, keeping freed pages between
// purges every 10 s: see `stancewire_model::allocator`.
stancewire_model::jemalloc!();

#[derive(Parser)]
#[command(
    name = "stancewire-lab",
    version,
    about = "stancewire's offline tools: train and evaluate models, show what the pipeline finds"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// How a command runs the models.
#[derive(clap::Args, Clone)]
struct RuntimeArgs {
    /// Number precision (default: auto, as the services choose it).
    #[arg(long, value_enum, default_value = "auto")]
    precision: Precision,
    /// libtorch threads (0: one per core).
    #[arg(long, default_value_t = 0)]
    threads: usize,
}

impl RuntimeArgs {
    fn runtime(&self, batch_size: usize) -> Runtime {
        let runtime = Runtime {
            threads: self.threads,
            precision: self.precision,
            batch_size,
        };
        runtime.apply();
        runtime
    }
}

#[derive(Subcommand)]
enum Command {
    /// Score the NER model on a CoNLL-format file (conlleval rules: exact
    /// span and type); prints a table, then one JSON line.
    NerEval {
        file: PathBuf,
        /// Model directory (default: the shipped model, models/ner-fast).
        #[arg(long)]
        model: Option<PathBuf>,
        /// How the file's entity types map onto PER/ORG/LOC/MISC.
        #[arg(long, value_enum, default_value = "auto")]
        labels: ner::eval::LabelMap,
        #[command(flatten)]
        runtime: RuntimeArgs,
    },
    /// Fine-tune the NER model from all-MiniLM-L6-v2, or distil a trained
    /// one into fewer layers (`--teacher`).
    NerTrain(Box<ner::train::TrainArgs>),
    /// Score the stance model on labelled data; prints tables, then one JSON line.
    StanceEval {
        #[command(subcommand)]
        data: StanceData,
        /// Model directory (default: the shipped model, models/stance-fast).
        #[arg(long, global = true)]
        model: Option<PathBuf>,
        #[command(flatten)]
        runtime: RuntimeArgs,
    },
    /// Train the stance model on FNC-1.
    StanceTrain(Box<stance::train::TrainArgs>),
    /// Train the statement-stance model (the stance cross-encoder, fine-tuned
    /// on Emergent to read one statement against a claim).
    StatementStanceTrain(Box<stance::statement_train::TrainArgs>),
    /// Distil the stance model's sentence embedder into fewer layers (the
    /// relatedness MLP and cross-encoder stay the teacher model's).
    EmbedderDistil(Box<stance::embedder_distil::DistilArgs>),
    /// Train the attribution tagger on PolNeAR.
    AttributionTrain(Box<attribution::train::TrainArgs>),
    /// Who said what in text files (the headline on the first line): each
    /// through ingest's cleaning, entity-recognition and stance-detection
    /// in this process; one JSON line per file with its quotes, claims and
    /// stances, offsets in code points of the file.
    Quotes {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// After the files, print to stderr where stance-detection's time
        /// went, phase by phase (and the whole time per file).
        #[arg(long)]
        profile: bool,
        /// Also write each (claim, statement) pair the statement reader
        /// reads to this file, one JSON line each: the unlabelled pairs a
        /// smaller reader learns its teacher's readings on
        /// (`statement-stance-train --unlabelled`).
        #[arg(long)]
        statement_pairs: Option<PathBuf>,
        #[command(flatten)]
        models: quotes::ModelPaths,
        #[command(flatten)]
        runtime: RuntimeArgs,
    },
    /// Score source stances on the project's dev set of (source, claim,
    /// stance) judgments: accuracy overall and per label, then one JSON
    /// line; `--details` prints each judgment's outcome first.
    SourceStances {
        /// The judgments (default: tests/data/source-stances.jsonl).
        #[arg(long)]
        data: Option<PathBuf>,
        /// Where the articles are (FNC-1 bodies, PolNeAR dev).
        #[arg(long, default_value = "../shared/data")]
        shared: PathBuf,
        #[arg(long)]
        details: bool,
        #[command(flatten)]
        models: quotes::ModelPaths,
        #[command(flatten)]
        runtime: RuntimeArgs,
    },
    /// How far a statement reader reads as another (a student against its
    /// teacher) on pairs `quotes --statement-pairs` caught: top labels in
    /// common, and per label, of the pairs the reference reads surely
    /// (≥ 0.6), how many the candidate reads surely the same way; a table,
    /// then one JSON line.
    StatementAgreement {
        /// The pairs (JSON Lines of `{"claim", "said"}`).
        pairs: PathBuf,
        /// The candidate reader's directory (a student).
        #[arg(long)]
        model: PathBuf,
        /// The reference reader's directory (default: models/statement-stance).
        #[arg(long)]
        reference: Option<PathBuf>,
        #[command(flatten)]
        runtime: RuntimeArgs,
    },
    /// What the attribution tagger alone finds in text files (no cleaning:
    /// each non-empty line a paragraph): per attribution its source, cue and
    /// content, offsets in code points of the file. For looking at the
    /// tagger; `quotes` shows what the pipeline makes of it.
    Attributions {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Model directory (default: the shipped model, models/attribution).
        #[arg(long)]
        model: Option<PathBuf>,
        #[command(flatten)]
        runtime: RuntimeArgs,
    },
    /// Extract articles from HTML files (.html, .html.gz) through ingest's
    /// path: one JSON object per file per line with file, title, body,
    /// authors, published, language.
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

#[derive(Subcommand)]
enum StanceData {
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

fn main() -> anyhow::Result<()> {
    stancewire_model::allocator::start_purging();
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,rdkafka=warn".into());
    let recorder = match &cli.command {
        Command::Quotes {
            statement_pairs: Some(path),
            ..
        } => Some(stance::statement_pairs::Recorder::create(path)?),
        _ => None,
    };
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_filter(filter),
        )
        .with(recorder.map(|r| r.with_filter(stance::statement_pairs::Recorder::filter())))
        .init();
    match cli.command {
        Command::NerEval {
            file,
            model,
            labels,
            runtime,
        } => {
            let runtime = runtime.runtime(16);
            let dir = model.unwrap_or_else(stancewire_entity_recognition::model::shipped_dir);
            let model = stancewire_entity_recognition::model::NerModel::load(
                &dir,
                &runtime,
                stancewire_entity_recognition::model::MAX_PIECES,
            )?;
            tracing::info!(model = %model.version, "evaluating");
            let report = ner::eval::evaluate(&model, &file, labels)?;
            ner::eval::print(&report);
            Ok(())
        }
        Command::NerTrain(args) => ner::train::run(&args),
        Command::StanceEval {
            data,
            model,
            runtime,
        } => {
            use stance::{eval, fnc};
            let runtime = runtime.runtime(32);
            let dir = model.unwrap_or_else(stancewire_stance_detection::model::shipped_dir);
            let m = stancewire_stance_detection::model::StanceModel::load(&dir, &runtime)?;
            tracing::info!(model = %m.version, "evaluating");
            let (set, task) = match data {
                StanceData::Fnc {
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
                StanceData::Semeval { file } => (fnc::read_semeval(&file)?, eval::Task::ThreeWay),
                StanceData::Emergent { file } => (fnc::read_emergent(&file)?, eval::Task::ThreeWay),
            };
            let scores = eval::evaluate(&m.parts(), &set, task);
            let extra = match task {
                eval::Task::Fnc => serde_json::json!({}),
                eval::Task::ThreeWay => {
                    serde_json::json!({"semeval_f_avg": fnc::semeval_f_avg(&scores)})
                }
            };
            eval::print(&scores, extra);
            Ok(())
        }
        Command::StanceTrain(args) => stance::train::run(&args),
        Command::AttributionTrain(args) => attribution::train::run(&args),
        Command::StatementStanceTrain(args) => stance::statement_train::run(&args),
        Command::EmbedderDistil(args) => stance::embedder_distil::run(&args),
        Command::Quotes {
            files,
            profile,
            statement_pairs: _,
            models,
            runtime,
        } => {
            let pipeline = quotes::Pipeline::load(&runtime.runtime(16), &models)?;
            let bar = stancewire_model::progress::bar(files.len() as u64, "files");
            let started = std::time::Instant::now();
            for file in &files {
                println!("{}", serde_json::to_string(&pipeline.file(file))?);
                bar.inc(1);
            }
            bar.finish_and_clear();
            if profile {
                eprint!("{}", pipeline.profile(started.elapsed(), files.len()));
            }
            Ok(())
        }
        Command::StatementAgreement {
            pairs,
            model,
            reference,
            runtime,
        } => {
            use stancewire_stance_detection::model::{statement, StatementModel};
            let runtime = runtime.runtime(32);
            let pairs = stance::statement_pairs::read(&pairs)?;
            let texts = stance::agreement::texts(&pairs);
            let reference = reference.unwrap_or_else(statement::shipped_dir);
            let read = |dir: &PathBuf| -> anyhow::Result<Vec<[f32; 3]>> {
                let reader = StatementModel::load(dir, &runtime)?;
                tracing::info!(model = %reader.version, pairs = texts.len(), "reading");
                Ok(reader.read(&texts))
            };
            let a = stance::agreement::compare(&read(&reference)?, &read(&model)?);
            println!(
                "{} pairs, the same top label in {} ({:.3})",
                a.pairs,
                a.same_top_label,
                a.same_top_label as f64 / a.pairs.max(1) as f64
            );
            for l in &a.per_label {
                println!(
                    "{:>8}: the reference sure of {:>5}, the candidate too of {:>5} ({:.3}); the candidate sure of {:>5}",
                    l.label,
                    l.reference_sure,
                    l.candidate_too,
                    l.candidate_too as f64 / l.reference_sure.max(1) as f64,
                    l.candidate_sure
                );
            }
            println!("{}", serde_json::to_string(&a)?);
            Ok(())
        }
        Command::SourceStances {
            data,
            shared,
            details,
            models,
            runtime,
        } => {
            let judgments =
                source_stances::read(&data.unwrap_or_else(source_stances::default_path))?;
            let texts = source_stances::texts(&judgments, &shared)?;
            source_stances::validate(&judgments, &texts)?;
            let pipeline = quotes::Pipeline::load(&runtime.runtime(16), &models)?;
            let outcomes = source_stances::evaluate(&pipeline, &judgments, &texts)?;
            if details {
                for o in &outcomes {
                    println!("{}", serde_json::to_string(o)?);
                }
            }
            let report = source_stances::report(&outcomes);
            for (label, s) in &report.per_label {
                println!(
                    "{label:>8}: {:>3}/{:<3} {:.3}  instead: {:?}",
                    s.right, s.judgments, s.accuracy, s.confused_with
                );
            }
            println!("{}", serde_json::to_string(&report)?);
            Ok(())
        }
        Command::Attributions {
            files,
            model,
            runtime,
        } => {
            use stancewire_stance_detection::attribution;
            let dir = model.unwrap_or_else(attribution::shipped_dir);
            let model = attribution::AttributionModel::load(&dir, &runtime.runtime(16))?;
            for file in files {
                let text = std::fs::read_to_string(&file)?;
                let article = stancewire_proto::v1::Article {
                    body: text.clone(),
                    ..Default::default()
                };
                let index = stancewire_text::CharIndex::new(&text);
                let slice = |r: &std::ops::Range<usize>| index.slice(r.start, r.end).to_string();
                let found: Vec<serde_json::Value> =
                    attribution::find(&model, &text, &attribution::paragraphs(&article))
                        .iter()
                        .map(|f| {
                            serde_json::json!({
                                "source": f.source.as_ref().map(slice),
                                "cue": f.cue.as_ref().map(slice),
                                "content": slice(&f.content),
                                "start": f.content.start,
                                "end": f.content.end,
                                "confidence": f.confidence,
                            })
                        })
                        .collect();
                println!(
                    "{}",
                    serde_json::json!({"file": file.display().to_string(), "attributions": found})
                );
            }
            Ok(())
        }
        Command::Extract { files } => {
            for file in files {
                println!(
                    "{}",
                    serde_json::to_string(&extraction::extract_file(&file))?
                );
            }
            Ok(())
        }
        Command::ScoreExtraction {
            ground_truth,
            pages,
        } => {
            println!("{}", extraction::score_pages(&ground_truth, &pages)?);
            Ok(())
        }
    }
}
