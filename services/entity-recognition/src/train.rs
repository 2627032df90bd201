//! Fine-tunes the NER model from all-MiniLM-L6-v2 on a CoNLL-format training
//! file, choosing the checkpoint by entity F1 on a dev file (never training
//! on it). Seeded; resumable from the last finished epoch; shows progress and
//! logs loss and dev scores per epoch (also to `CHECKPOINTS/log.jsonl`).
//!
//! The best epoch is exported to the output directory in half precision,
//! with its `config.json`, `vocab.txt` and `training.json` (settings and the
//! per-epoch history).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use rand::{rngs::StdRng, SeedableRng};
use serde::{Deserialize, Serialize};
use tch::{nn, nn::OptimizerConfig, Device, Kind, Tensor};

use crate::conll;
use crate::eval::{self, LabelMap};
use crate::fine_tune::{self, Schedule};
use crate::model::{self, encode::Encoder, labels, net};

#[derive(Debug, Clone, Serialize, clap::Args)]
pub struct TrainArgs {
    #[arg(long, default_value = "../shared/data/conll2003/train.conll")]
    pub train: PathBuf,
    /// Chooses the checkpoint; never trained on.
    #[arg(long, default_value = "../shared/data/conll2003/dev.conll")]
    pub dev: PathBuf,
    /// The all-MiniLM-L6-v2 directory (model.safetensors, config.json, vocab.txt).
    #[arg(long, env = "STANCEWIRE_BASE_MODEL")]
    pub base: PathBuf,
    /// Where the best model goes.
    #[arg(long, default_value = "models/ner")]
    pub out: PathBuf,
    #[arg(long, default_value = ".stancewire/train-ner")]
    pub checkpoints: PathBuf,
    #[arg(long, default_value_t = 6)]
    pub epochs: usize,
    #[arg(long, default_value_t = 32)]
    pub batch_size: usize,
    /// Peak learning rate of the encoder.
    #[arg(long, default_value_t = 1e-4)]
    pub lr: f64,
    /// Peak learning rate of the tag head.
    #[arg(long, default_value_t = 1e-3)]
    pub head_lr: f64,
    /// Share of steps spent warming up (then linear decay to zero).
    #[arg(long, default_value_t = 0.1)]
    pub warmup: f64,
    #[arg(long, default_value_t = 0.01)]
    pub weight_decay: f64,
    #[arg(long, default_value_t = 128)]
    pub max_pieces: usize,
    #[arg(long, default_value_t = 13)]
    pub seed: u64,
    /// libtorch threads (0: one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Continue from the last finished epoch in CHECKPOINTS.
    #[arg(long)]
    pub resume: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct EpochLog {
    epoch: usize,
    loss: f64,
    dev_f1: f64,
    dev_per_type: std::collections::BTreeMap<String, f64>,
    seconds: f64,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct State {
    history: Vec<EpochLog>,
    best_epoch: Option<usize>,
    best_f1: f64,
}

/// A training window with its per-piece labels (-100 where not scored).
struct Item {
    piece: model::encode::Piece,
    labels: Vec<i64>,
}

pub fn run(args: &TrainArgs) -> anyhow::Result<()> {
    model::Runtime {
        threads: args.threads,
        ..Default::default()
    }
    .apply();
    tch::manual_seed(args.seed as i64);
    std::fs::create_dir_all(&args.checkpoints)?;
    let encoder = Encoder::from_vocab(&args.base.join("vocab.txt"), args.max_pieces)?;
    let train = conll::read(&args.train)?;
    let dev = conll::read(&args.dev)?;
    let items = build_items(&encoder, &train)?;
    tracing::info!(
        sentences = train.len(),
        windows = items.len(),
        dev_sentences = dev.len(),
        "training data read"
    );

    let config = net::config_from_base(&args.base.join("config.json"))?;
    let mut vs = nn::VarStore::new(Device::Cpu);
    let ner = net::NerNet::new(&vs.root(), &config);
    net::init_from_base(&vs, &args.base.join("model.safetensors"))?;

    let state_path = args.checkpoints.join("state.json");
    let mut state: State = if args.resume && state_path.exists() {
        serde_json::from_slice(&std::fs::read(&state_path)?)?
    } else {
        State::default()
    };
    let start_epoch = state.history.len();
    if start_epoch > 0 {
        let last = checkpoint(&args.checkpoints, start_epoch);
        vs.load(&last)
            .with_context(|| format!("resuming from {}", last.display()))?;
        tracing::info!(
            epoch = start_epoch,
            "resumed (optimizer moments start afresh)"
        );
    }

    let mut opt = nn::AdamW::default()
        .wd(args.weight_decay)
        .build(&vs, args.lr)?;
    let steps_per_epoch = items.len().div_ceil(args.batch_size);
    let schedule = Schedule::new(
        args.lr,
        args.head_lr,
        args.warmup,
        steps_per_epoch * args.epochs,
    );

    for epoch in start_epoch + 1..=args.epochs {
        let started = Instant::now();
        let mut rng = StdRng::seed_from_u64(args.seed.wrapping_add(epoch as u64));
        let batches =
            fine_tune::bucketed(items.iter().collect(), args.batch_size, &mut rng, |it| {
                it.piece.ids.len()
            });
        let first_step = (epoch - 1) * steps_per_epoch;
        let loss = fine_tune::epoch(&mut opt, &schedule, epoch, first_step, &batches, |batch| {
            let (ids, types, mask) = model::pad(batch.iter().map(|it| &it.piece));
            let longest = ids.size()[1] as usize;
            let mut lab = vec![-100i64; batch.len() * longest];
            for (row, it) in batch.iter().enumerate() {
                lab[row * longest..row * longest + it.labels.len()].copy_from_slice(&it.labels);
            }
            let lab = Tensor::from_slice(&lab);
            ner.forward_t(&ids, &mask, &types, true)
                .view([-1, labels::TAGS.len() as i64])
                .cross_entropy_loss::<Tensor>(&lab, None, tch::Reduction::Mean, -100, 0.0)
        });

        let dev_report = score_dev(&ner, &encoder, &dev);
        let log = EpochLog {
            epoch,
            loss,
            dev_f1: dev_report.f1,
            dev_per_type: dev_report
                .per_type
                .iter()
                .map(|(k, v)| (k.clone(), v.f1))
                .collect(),
            seconds: started.elapsed().as_secs_f64(),
        };
        tracing::info!(
            epoch,
            loss = log.loss,
            dev_f1 = log.dev_f1,
            per_type = ?log.dev_per_type,
            seconds = log.seconds,
            "epoch done"
        );
        fine_tune::append_log(&args.checkpoints, &log)?;
        vs.save(checkpoint(&args.checkpoints, epoch))?;
        if log.dev_f1 > state.best_f1 {
            state.best_f1 = log.dev_f1;
            state.best_epoch = Some(epoch);
            export(&vs, &config, args, &encoder_vocab(args), &state, &log)?;
            tracing::info!(epoch, dev_f1 = log.dev_f1, out = %args.out.display(), "new best model exported");
        }
        state.history.push(log);
        std::fs::write(&state_path, serde_json::to_vec_pretty(&state)?)?;
    }
    Ok(())
}

fn encoder_vocab(args: &TrainArgs) -> PathBuf {
    args.base.join("vocab.txt")
}

fn checkpoint(dir: &Path, epoch: usize) -> PathBuf {
    dir.join(format!("epoch-{epoch}.safetensors"))
}

fn build_items(encoder: &Encoder, sentences: &[conll::Sentence]) -> anyhow::Result<Vec<Item>> {
    let mut items = Vec::new();
    for s in sentences {
        let tags: Vec<i64> = s
            .tags
            .iter()
            .map(|t| labels::tag_id(t).with_context(|| format!("unknown tag {t}")))
            .collect::<anyhow::Result<_>>()?;
        for piece in encoder.encode(&s.words) {
            let mut lab = vec![-100i64; piece.ids.len()];
            for (k, &first) in piece.firsts.iter().enumerate() {
                lab[first] = tags[piece.words.start + k];
            }
            items.push(Item { piece, labels: lab });
        }
    }
    Ok(items)
}

fn score_dev(ner: &net::NerNet, encoder: &Encoder, dev: &[conll::Sentence]) -> eval::Report {
    eval::tag_and_score(dev, LabelMap::Conll, |words| {
        model::tag_sentences(ner, encoder, 64, words)
    })
}

/// Writes the model directory: half-precision weights, config, vocabulary,
/// and how it was trained.
fn export(
    vs: &nn::VarStore,
    config: &rust_bert::bert::BertConfig,
    args: &TrainArgs,
    vocab: &Path,
    state: &State,
    best: &EpochLog,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.out)?;
    let mut named: Vec<(String, Tensor)> = vs
        .variables()
        .into_iter()
        .map(|(k, v)| (k, v.to_kind(Kind::Half)))
        .collect();
    named.sort_by(|a, b| a.0.cmp(&b.0));
    Tensor::write_safetensors(&named, args.out.join("model.safetensors"))?;
    std::fs::write(
        args.out.join("config.json"),
        serde_json::to_vec_pretty(config)?,
    )?;
    std::fs::copy(vocab, args.out.join("vocab.txt"))?;
    let mut history = state.history.clone();
    history.push(best.clone());
    let training = serde_json::json!({
        "settings": args,
        "best_epoch": best.epoch,
        "best_dev_f1": best.dev_f1,
        "history": history,
    });
    std::fs::write(
        args.out.join("training.json"),
        serde_json::to_vec_pretty(&training)?,
    )?;
    Ok(())
}
