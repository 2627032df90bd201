//! Trains the statement-stance model: the stance model's cross-encoder,
//! fine-tuned further to read one statement against a claim — does the
//! statement support it, deny it, or only discuss it? — the way
//! stance-detection reads a source's sentence against someone else's
//! claim (`services/stance-detection/src/judge.rs`).
//!
//! Data: Emergent (Ferreira & Vlachos 2016): claims with article headlines
//! labelled for / against / observing — one-sentence statements about a
//! claim ("Joan Rivers Doctor Denies Selfie"). Claims whose stories the
//! FNC-1 dev bodies tell are left out, so the project's source-stance dev
//! set, read from those bodies, stays unseen; a claim-disjoint tenth of the
//! rest chooses the epoch. It starts from the shipped stance model's
//! cross-encoder (FNC-1). Seeded, resumable, per-epoch progress and log.
//!
//! With `--teacher` (a model this command trained) it distils instead: a
//! student of the teacher's bottom `--layers` layers (or those
//! `--teacher-layers` names) learns the teacher's
//! softened readings — of the Emergent pairs, beside their gold labels, and
//! of `--unlabelled` pairs, the ones stance-detection reads in real news
//! (`quotes --statement-pairs`: a student learns the teacher where it will
//! be used, which 909 headline pairs alone do not show it).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::distil::DistilLoss;
use crate::run_args::RunArgs;
use anyhow::Context;
use rand::{rngs::StdRng, SeedableRng};
use rust_bert::bert::BertConfig;
use rust_bert::Config;
use serde::{Deserialize, Serialize};
use stancewire_model::fine_tune::{self, Schedule};
use stancewire_model::{load_weights, Precision};
use stancewire_stance_detection::model::{
    classify_with,
    encode::{pad, Encoded, TextEncoder},
    net::{self, CrossNet},
    InputSettings,
};
use tch::{nn, nn::OptimizerConfig, Device, Kind, Tensor};

#[derive(Debug, Clone, Serialize, clap::Args)]
pub struct TrainArgs {
    #[arg(long, default_value = "../shared/data/emergent/train.csv")]
    pub emergent: PathBuf,
    /// FNC-1 stances and the dev body ids: Emergent claims whose headlines
    /// FNC-1 pairs with a dev body are left out.
    #[arg(long, default_value = "../shared/data/fnc-1/train_stances.csv")]
    pub fnc_stances: PathBuf,
    #[arg(
        long,
        default_value = "../shared/data/fnc-1/talos_holdout_body_ids.txt"
    )]
    pub holdout: PathBuf,
    /// The stance model whose cross-encoder this starts from.
    #[arg(long, default_value = "models/stance")]
    pub from: PathBuf,
    #[arg(long, default_value = "models/statement-stance")]
    pub out: PathBuf,
    #[arg(long, default_value = ".stancewire/train-statement-stance")]
    pub checkpoints: PathBuf,
    #[arg(long, default_value_t = 4)]
    pub epochs: usize,
    #[arg(long, default_value_t = 16)]
    pub batch_size: usize,
    #[arg(long, default_value_t = 3e-5)]
    pub lr: f64,
    #[arg(long, default_value_t = 3e-4)]
    pub head_lr: f64,
    /// Most pieces of a (claim, statement) pair.
    #[arg(long, default_value_t = 128)]
    pub pair_pieces: usize,
    /// Distil this statement-stance model (a directory this command wrote)
    /// into a student that starts from its bottom `--layers` layers (not
    /// from `--from`).
    #[arg(long)]
    pub teacher: Option<PathBuf>,
    /// Encoder layers of the distilled student.
    #[arg(long, default_value_t = 3)]
    pub layers: usize,
    /// The teacher's layers the student's start from, in order (`0,2,5`:
    /// spread through the teacher, its last kept next to the head); default
    /// the bottom `--layers`.
    #[arg(long, requires = "teacher", value_delimiter = ',')]
    pub teacher_layers: Option<Vec<usize>>,
    /// Pairs the pipeline read (`quotes --statement-pairs`), without labels:
    /// with `--teacher`, the student learns the teacher's readings of them.
    #[arg(long, requires = "teacher")]
    pub unlabelled: Option<PathBuf>,
    /// Train nothing: export the checkpoint of this finished epoch to
    /// `--out` (an epoch chosen by another measure than Emergent dev's,
    /// e.g. `source-stances`).
    #[arg(long)]
    pub export_epoch: Option<usize>,
    #[command(flatten)]
    #[serde(flatten)]
    pub loss: DistilLoss,
    #[command(flatten)]
    #[serde(flatten)]
    pub run: RunArgs,
}

/// One (claim, statement) pair: label 0 support, 1 deny, 2 comment, or
/// [`UNLABELLED`]; when distilling, the teacher's logits.
struct Item {
    input: Encoded,
    label: i64,
    teacher: [f32; 3],
}

/// The label of a pair only the teacher reads (cross-entropy ignores it).
const UNLABELLED: i64 = -100;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct EpochLog {
    epoch: usize,
    loss: f64,
    dev_macro_f1: f64,
    dev_f1: [f64; 3],
    seconds: f64,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct State {
    history: Vec<EpochLog>,
    best_epoch: Option<usize>,
    best: f64,
}

pub fn run(args: &TrainArgs) -> anyhow::Result<()> {
    args.run.begin(&args.checkpoints)?;
    // Where the vocabulary, configuration and first weights come from.
    let source = args.teacher.as_deref().unwrap_or(&args.from);
    let teacher_config = args
        .teacher
        .as_ref()
        .map(|teacher| BertConfig::from_file(teacher.join("config.json")));
    let config = match &teacher_config {
        // The student: the teacher's network, its bottom layers.
        Some(teacher) => BertConfig {
            num_hidden_layers: args.layers as i64,
            ..teacher.clone()
        },
        // The cross-encoder's own depth: a distilled stance model's is less
        // than its config's.
        None => InputSettings::read(&args.from)?
            .cross_config(&BertConfig::from_file(args.from.join("config.json"))),
    };
    if let Some(epoch) = args.export_epoch {
        return export_epoch(args, &config, epoch);
    }
    let rows = emergent_rows(args)?;
    let encoder = TextEncoder::from_vocab(&source.join("vocab.txt"))?;
    // Claim-disjoint: every tenth claim (by id hash) is dev.
    let is_dev = |claim_id: &str| blake3::hash(claim_id.as_bytes()).as_bytes()[0] % 10 == 0;
    let (mut train, mut dev) = (Vec::new(), Vec::new());
    for (claim_id, claim, statement, label) in &rows {
        let item = Item {
            input: encoder.pair(claim, statement, args.pair_pieces),
            label: *label,
            teacher: [0.0; 3],
        };
        if is_dev(claim_id) {
            dev.push(item);
        } else {
            train.push(item);
        }
    }
    tracing::info!(train = train.len(), dev = dev.len(), "Emergent pairs read");
    if let Some(path) = &args.unlabelled {
        let pairs = super::statement_pairs::read(path)?;
        tracing::info!(pairs = pairs.len(), file = %path.display(), "unlabelled pairs read");
        train.extend(pairs.iter().map(|p| Item {
            input: encoder.pair(&p.claim, &p.said, args.pair_pieces),
            label: UNLABELLED,
            teacher: [0.0; 3],
        }));
    }

    if let (Some(teacher), Some(teacher_config)) = (&args.teacher, &teacher_config) {
        super::train::teach(
            &mut train,
            |it| &it.input,
            |it| &mut it.teacher,
            teacher,
            teacher_config,
            &args.checkpoints,
        )?;
    }
    let mut vs = nn::VarStore::new(Device::Cpu);
    let cross = CrossNet::new(&(vs.root() / net::CROSS), &config);
    let layer_map = match &args.teacher_layers {
        Some(map) if map.len() != args.layers => {
            anyhow::bail!(
                "--teacher-layers names {} layers, --layers {}",
                map.len(),
                args.layers
            )
        }
        Some(map) => map.clone(),
        None => (0..config.num_hidden_layers as usize).collect(),
    };
    init_from_stance_model(&vs, &source.join("model.safetensors"), &layer_map)?;

    let mut state: State = fine_tune::read_state(&args.checkpoints, args.run.resume)?;
    let start_epoch = state.history.len();
    if start_epoch > 0 {
        fine_tune::resume(
            &mut vs,
            &checkpoint(&args.checkpoints, start_epoch),
            start_epoch,
        )?;
    }
    let distil = args.teacher.is_some();
    let counts = (0..3)
        .map(|k| train.iter().filter(|i| i.label == k).count().max(1) as f32)
        .collect::<Vec<_>>();
    let total: f32 = counts.iter().sum();
    let weights = Tensor::from_slice(&counts.iter().map(|c| total / (3.0 * c)).collect::<Vec<_>>());
    let mut opt = nn::AdamW::default()
        .wd(args.run.weight_decay)
        .build(&vs, args.lr)?;
    let steps_per_epoch = train.len().div_ceil(args.batch_size);
    let schedule = Schedule::new(
        args.lr,
        args.head_lr,
        args.run.warmup,
        steps_per_epoch * args.epochs,
    );
    for epoch in start_epoch + 1..=args.epochs {
        let started = Instant::now();
        let mut rng = StdRng::seed_from_u64(args.run.seed.wrapping_add(epoch as u64));
        let batches =
            fine_tune::bucketed(train.iter().collect(), args.batch_size, &mut rng, |it| {
                it.input.ids.len()
            });
        let first_step = (epoch - 1) * steps_per_epoch;
        let loss = fine_tune::epoch(&mut opt, &schedule, epoch, first_step, &batches, |batch| {
            let inputs: Vec<&Encoded> = batch.iter().map(|it| &it.input).collect();
            let (ids, types, mask) = pad(&inputs);
            let labels: Vec<i64> = batch.iter().map(|it| it.label).collect();
            let logits = cross.forward_t(&ids, &mask, &types, true);
            // A batch of unlabelled pairs only has no gold loss (its mean
            // over no pairs would be NaN).
            let gold = labels.iter().any(|&l| l != UNLABELLED).then(|| {
                logits.cross_entropy_loss(
                    &Tensor::from_slice(&labels),
                    Some(&weights),
                    tch::Reduction::Mean,
                    UNLABELLED,
                    0.0,
                )
            });
            if !distil {
                return gold.expect("without a teacher every pair is labelled");
            }
            let taught: Vec<f32> = batch.iter().flat_map(|it| it.teacher).collect();
            let taught = Tensor::from_slice(&taught).view([-1, 3]);
            args.loss.mix(&logits, &taught, gold)
        });
        let inputs: Vec<Encoded> = dev.iter().map(|it| it.input.clone()).collect();
        let predicted = classify_with(&cross, &inputs, 32);
        let dev_f1 = f1_per_class(&dev, &predicted);
        let log = EpochLog {
            epoch,
            loss,
            dev_macro_f1: dev_f1.iter().sum::<f64>() / 3.0,
            dev_f1,
            seconds: started.elapsed().as_secs_f64(),
        };
        tracing::info!(epoch, loss, dev_macro_f1 = log.dev_macro_f1, dev_f1 = ?log.dev_f1, seconds = log.seconds, "epoch done");
        fine_tune::append_log(&args.checkpoints, &log)?;
        vs.save(checkpoint(&args.checkpoints, epoch))?;
        if log.dev_macro_f1 > state.best {
            state.best = log.dev_macro_f1;
            state.best_epoch = Some(epoch);
            export(&vs, &config, args, &state, &log)?;
            tracing::info!(epoch, out = %args.out.display(), "new best model exported");
        }
        state.history.push(log);
        fine_tune::write_state(&args.checkpoints, &state)?;
    }
    Ok(())
}

/// Emergent rows (claim id, claim, headline, label) whose claims FNC-1 does
/// not pair with a dev body.
fn emergent_rows(args: &TrainArgs) -> anyhow::Result<Vec<(String, String, String, i64)>> {
    let holdout: BTreeSet<String> = std::fs::read_to_string(&args.holdout)?
        .split_whitespace()
        .map(String::from)
        .collect();
    let mut dev_headlines = BTreeSet::new();
    let mut reader = csv::Reader::from_path(&args.fnc_stances)
        .with_context(|| format!("opening {}", args.fnc_stances.display()))?;
    for row in reader.records() {
        let row = row?;
        if holdout.contains(&row[1]) && &row[2] != "unrelated" {
            dev_headlines.insert(row[0].trim().to_string());
        }
    }
    let mut reader = csv::Reader::from_path(&args.emergent)
        .with_context(|| format!("opening {}", args.emergent.display()))?;
    let headers = reader.headers()?.clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .context(name.to_string())
    };
    let (claim, headline, stance, claim_id) = (
        col("claimHeadline")?,
        col("articleHeadline")?,
        col("articleHeadlineStance")?,
        col("claimId")?,
    );
    let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>()?;
    let touched: BTreeSet<String> = rows
        .iter()
        .filter(|r| dev_headlines.contains(r[headline].trim()))
        .map(|r| r[claim_id].to_string())
        .collect();
    let mut out = Vec::new();
    for r in &rows {
        if touched.contains(&r[claim_id]) {
            continue;
        }
        let label = match &r[stance] {
            "for" => 0,
            "against" => 1,
            "observing" => 2,
            other => anyhow::bail!("unknown Emergent stance {other:?}"),
        };
        out.push((
            r[claim_id].to_string(),
            r[claim].to_string(),
            r[headline].to_string(),
            label,
        ));
    }
    tracing::info!(
        kept = out.len(),
        left_out_claims = touched.len(),
        "Emergent claims told by FNC-1 dev bodies left out"
    );
    Ok(out)
}

/// Copies the stance model's `cross.*` weights into `vs`: encoder layer `i`
/// from the saved model's layer `layers[i]` (a student's: some of its
/// teacher's layers).
fn init_from_stance_model(
    vs: &nn::VarStore,
    weights: &Path,
    layers: &[usize],
) -> anyhow::Result<()> {
    let saved: BTreeMap<String, Tensor> = Tensor::read_safetensors(weights)?.into_iter().collect();
    tch::no_grad(|| -> anyhow::Result<()> {
        for (name, dst) in vs.variables() {
            let name = teacher_name(&name, layers);
            let src = saved
                .get(&name)
                .with_context(|| format!("the stance model has no {name}"))?;
            dst.shallow_clone().copy_(&src.to_kind(Kind::Float));
        }
        Ok(())
    })
}

/// The saved weight a student's `name` starts from: the same, but in
/// encoder layer `layers[i]` where `name` is in layer `i`.
fn teacher_name(name: &str, layers: &[usize]) -> String {
    const LAYER: &str = "encoder.layer.";
    let Some(at) = name.find(LAYER).map(|at| at + LAYER.len()) else {
        return name.to_string();
    };
    let (index, rest) = name[at..].split_once('.').unwrap_or((&name[at..], ""));
    match index.parse::<usize>().ok().and_then(|i| layers.get(i)) {
        Some(from) => format!("{}{from}.{rest}", &name[..at]),
        None => name.to_string(),
    }
}

fn f1_per_class(dev: &[Item], predicted: &[[f32; 3]]) -> [f64; 3] {
    let mut out = [0.0; 3];
    for (k, f) in out.iter_mut().enumerate() {
        let (mut tp, mut fp, mut fn_) = (0.0, 0.0, 0.0);
        for (it, p) in dev.iter().zip(predicted) {
            let best = (0..3).max_by(|&a, &b| p[a].total_cmp(&p[b])).unwrap_or(2) as i64;
            match (best == k as i64, it.label == k as i64) {
                (true, true) => tp += 1.0,
                (true, false) => fp += 1.0,
                (false, true) => fn_ += 1.0,
                _ => {}
            }
        }
        *f = if tp > 0.0 {
            2.0 * tp / (2.0 * tp + fp + fn_)
        } else {
            0.0
        };
    }
    out
}

/// `--export-epoch`: the checkpoint of a finished epoch exported as the
/// model, with the history up to it; no data read, no teacher pass.
fn export_epoch(args: &TrainArgs, config: &BertConfig, epoch: usize) -> anyhow::Result<()> {
    let mut state: State = fine_tune::read_state(&args.checkpoints, true)?;
    let log = state
        .history
        .iter()
        .find(|l| l.epoch == epoch)
        .cloned()
        .with_context(|| format!("{} has no epoch {epoch}", args.checkpoints.display()))?;
    state.history.retain(|l| l.epoch < epoch);
    let mut vs = nn::VarStore::new(Device::Cpu);
    let _ = CrossNet::new(&(vs.root() / net::CROSS), config);
    vs.load(checkpoint(&args.checkpoints, epoch))?;
    export(&vs, config, args, &state, &log)?;
    tracing::info!(epoch, out = %args.out.display(), "epoch exported");
    Ok(())
}

fn checkpoint(dir: &Path, epoch: usize) -> PathBuf {
    dir.join(format!("epoch-{epoch}.safetensors"))
}

fn export(
    vs: &nn::VarStore,
    config: &BertConfig,
    args: &TrainArgs,
    state: &State,
    best: &EpochLog,
) -> anyhow::Result<()> {
    let source = args.teacher.as_deref().unwrap_or(&args.from);
    stancewire_model::weights::export(&args.out, &[vs], config, &source.join("vocab.txt"))?;
    let mut history: Vec<&EpochLog> = state.history.iter().collect();
    history.push(best);
    std::fs::write(
        args.out.join("training.json"),
        serde_json::to_vec_pretty(&serde_json::json!({
            "settings": args,
            "best_epoch": best.epoch,
            "best_dev_macro_f1": best.dev_macro_f1,
            "history": history,
        }))?,
    )?;
    // A model is loaded and run the way the service will: check it loads.
    let mut check = nn::VarStore::new(Device::Cpu);
    let _ = CrossNet::new(&(check.root() / net::CROSS), config);
    load_weights(
        &mut check,
        &args.out.join("model.safetensors"),
        Precision::Float32,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::teacher_name;

    #[test]
    fn a_students_layers_start_from_the_teachers_it_names() {
        let layers = [0, 2, 5];
        assert_eq!(
            teacher_name("cross.bert.encoder.layer.2.output.dense.weight", &layers),
            "cross.bert.encoder.layer.5.output.dense.weight"
        );
        assert_eq!(
            teacher_name(
                "cross.bert.encoder.layer.1.attention.self.query.bias",
                &layers
            ),
            "cross.bert.encoder.layer.2.attention.self.query.bias"
        );
        assert_eq!(
            teacher_name("cross.bert.embeddings.word_embeddings.weight", &layers),
            "cross.bert.embeddings.word_embeddings.weight"
        );
        assert_eq!(
            teacher_name("cross.classifier.weight", &layers),
            "cross.classifier.weight"
        );
    }
}
