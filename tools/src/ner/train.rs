//! Fine-tunes the NER model from all-MiniLM-L6-v2 on a CoNLL-format training
//! file, choosing the checkpoint by entity F1 on a dev file (never training
//! on it). Seeded; resumable from the last finished epoch; shows progress and
//! logs loss and dev scores per epoch (also to `CHECKPOINTS/log.jsonl`).
//!
//! With `--teacher`, it distils instead: a shallower student starts from a
//! trained model's embeddings, head and bottom `--layers` layers, and learns
//! the teacher's tag distributions (softened by `--temperature`) beside the
//! gold tags. Depth is what inference time scales with on a CPU, so this is
//! how `models/ner-fast` trades a little F1 for speed (see its model card).
//!
//! The best epoch is exported to the output directory in half precision,
//! with its `config.json`, `vocab.txt` and `training.json` (settings and the
//! per-epoch history).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use rand::{rngs::StdRng, SeedableRng};
use serde::{Deserialize, Serialize};
use tch::{nn, nn::OptimizerConfig, Device, Tensor};

use rust_bert::{bert::BertConfig, Config};
use stancewire_entity_recognition::model::{self, labels};
use stancewire_model::batching::pad_rows;
use stancewire_model::fine_tune::{self, Schedule};
use stancewire_model::tagger::{encode::Encoder, net, tag_windows, Shape};

use crate::distil::DistilArgs;
use crate::run_args::RunArgs;

use super::conll;
use super::eval::{self, LabelMap};

#[derive(Debug, Clone, Serialize, clap::Args)]
pub struct TrainArgs {
    #[arg(long, default_value = "../shared/data/conll2003/train.conll")]
    pub train: PathBuf,
    /// Chooses the checkpoint; never trained on.
    #[arg(long, default_value = "../shared/data/conll2003/dev.conll")]
    pub dev: PathBuf,
    #[command(flatten)]
    #[serde(flatten)]
    pub distil: DistilArgs,
    /// Encoder layers of the distilled student (the teacher's bottom layers).
    #[arg(long, default_value_t = 2)]
    pub layers: usize,
    /// Unlabelled sentences, one per line, that the student also learns the
    /// teacher's tags on (with --teacher; `scripts/ner-transfer-text.py`).
    #[arg(long, requires = "teacher")]
    pub transfer: Option<PathBuf>,
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
    #[arg(long, default_value_t = 128)]
    pub max_pieces: usize,
    #[command(flatten)]
    #[serde(flatten)]
    pub run: RunArgs,
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

/// A training window with its per-piece labels (-100 where not scored) and,
/// when distilling, the teacher's tag logits at each word's first piece.
struct Item {
    piece: stancewire_model::tagger::encode::Piece,
    labels: Vec<i64>,
    teacher: Vec<f32>,
}

pub fn run(args: &TrainArgs) -> anyhow::Result<()> {
    args.run.begin(&args.checkpoints)?;
    let source = args.distil.source_dir();
    let encoder = Encoder::from_vocab(&source.join("vocab.txt"), args.max_pieces)?;
    let train = conll::read(&args.train)?;
    let dev = conll::read(&args.dev)?;
    let mut items = build_items(&encoder, &train)?;
    if let Some(path) = &args.transfer {
        let added = transfer_items(&encoder, path)?;
        tracing::info!(windows = added.len(), file = %path.display(), "transfer sentences read");
        items.extend(added);
    }
    tracing::info!(
        sentences = train.len(),
        windows = items.len(),
        dev_sentences = dev.len(),
        "training data read"
    );

    let (config, mut vs, ner) = match &args.distil.teacher {
        None => {
            let config = net::config_from_base(&source.join("config.json"), &labels::TAGS)?;
            let vs = nn::VarStore::new(Device::Cpu);
            let ner = net::TaggerNet::new(&vs.root(), &config);
            net::init_from_base(&vs, &source.join("model.safetensors"))?;
            (config, vs, ner)
        }
        Some(teacher) => {
            let mut config = BertConfig::from_file(teacher.join("config.json"));
            teach(&mut items, teacher, &config)?;
            config.num_hidden_layers = args.layers as i64;
            let vs = nn::VarStore::new(Device::Cpu);
            let ner = net::TaggerNet::new(&vs.root(), &config);
            net::init_from_tagger(&vs, &teacher.join("model.safetensors"), true)?;
            (config, vs, ner)
        }
    };

    let mut state: State = fine_tune::read_state(&args.checkpoints, args.run.resume)?;
    let start_epoch = state.history.len();
    if start_epoch > 0 {
        let last = checkpoint(&args.checkpoints, start_epoch);
        fine_tune::resume(&mut vs, &last, start_epoch)?;
    }

    let mut opt = nn::AdamW::default()
        .wd(args.run.weight_decay)
        .build(&vs, args.lr)?;
    let steps_per_epoch = items.len().div_ceil(args.batch_size);
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
            fine_tune::bucketed(items.iter().collect(), args.batch_size, &mut rng, |it| {
                it.piece.ids.len()
            });
        let first_step = (epoch - 1) * steps_per_epoch;
        let loss = fine_tune::epoch(&mut opt, &schedule, epoch, first_step, &batches, |batch| {
            batch_loss(&ner, batch, args)
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
        fine_tune::write_state(&args.checkpoints, &state)?;
    }
    Ok(())
}

/// The loss of one batch: cross-entropy on the gold tags and, when
/// distilling, the teacher's tag distributions at each word's first piece.
fn batch_loss(ner: &net::TaggerNet, batch: &[&Item], args: &TrainArgs) -> Tensor {
    let tags = labels::TAGS.len() as i64;
    let (ids, types, mask) = pad(batch.iter().map(|it| &it.piece));
    let longest = ids.size()[1] as usize;
    let mut lab = vec![-100i64; batch.len() * longest];
    for (row, it) in batch.iter().enumerate() {
        lab[row * longest..row * longest + it.labels.len()].copy_from_slice(&it.labels);
    }
    // Mean over the gold-tagged words; transfer windows have none.
    let gold_words = lab.iter().filter(|&&l| l != -100).count();
    let logits = ner.forward_t(&ids, &mask, &types, true).view([-1, tags]);
    let gold = logits.cross_entropy_loss::<Tensor>(
        &Tensor::from_slice(&lab),
        None,
        tch::Reduction::Sum,
        -100,
        0.0,
    ) / gold_words.max(1) as f64;
    if args.distil.teacher.is_none() {
        return gold;
    }
    crate::distil::tagger_loss(
        &args.distil,
        gold,
        &logits,
        longest,
        tags,
        batch.iter().map(|it| (&it.piece, it.teacher.as_slice())),
    )
}

/// Where the vocabulary and starting weights come from.
fn encoder_vocab(args: &TrainArgs) -> PathBuf {
    args.distil.source_dir().join("vocab.txt")
}

/// The teacher's logits at each word's first piece, for every window.
fn teach(items: &mut [Item], teacher: &Path, config: &BertConfig) -> anyhow::Result<()> {
    let pieces: Vec<&_> = items.iter().map(|it| &it.piece).collect();
    let logits = crate::distil::tagger_logits(&pieces, teacher, config)?;
    for (it, l) in items.iter_mut().zip(logits) {
        debug_assert_eq!(l.len(), it.piece.firsts.len() * labels::TAGS.len());
        it.teacher = l;
    }
    Ok(())
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
        items.extend(windows(encoder, &s.words, Some(&tags)));
    }
    Ok(items)
}

/// A sentence's training windows: each word's first piece labelled with its
/// gold tag where there are gold tags, everything else -100 (not scored).
fn windows<'a, S: AsRef<str>>(
    encoder: &Encoder,
    words: &[S],
    tags: Option<&'a [i64]>,
) -> impl Iterator<Item = Item> + 'a {
    encoder.encode(words).into_iter().map(move |piece| {
        let mut labels = vec![-100i64; piece.ids.len()];
        if let Some(tags) = tags {
            for (k, &first) in piece.firsts.iter().enumerate() {
                labels[first] = tags[piece.words.start + k];
            }
        }
        Item {
            piece,
            labels,
            teacher: Vec::new(),
        }
    })
}

/// Windows of unlabelled sentences (one per line), split into words the way
/// the service splits article text.
fn transfer_items(encoder: &Encoder, path: &Path) -> anyhow::Result<Vec<Item>> {
    Ok(crate::distil::transfer_texts(path)?
        .iter()
        .flat_map(|words| windows(encoder, words, None))
        .collect())
}

fn score_dev(ner: &net::TaggerNet, encoder: &Encoder, dev: &[conll::Sentence]) -> eval::Report {
    let shape = Shape {
        outputs: labels::TAGS.len(),
        group: labels::TAGS.len(),
    };
    eval::tag_and_score(dev, LabelMap::Conll, |words| {
        tag_windows(
            |ids, mask, types| ner.forward_t(ids, mask, types, false),
            encoder,
            64,
            shape,
            words,
            model::Tagged { tag: 0, score: 1.0 },
            model::decode,
        )
    })
}

/// Pads training windows into `(ids, types, mask)` tensors.
fn pad<'a>(
    pieces: impl Iterator<Item = &'a stancewire_model::tagger::encode::Piece> + Clone,
) -> (Tensor, Tensor, Tensor) {
    pad_rows(pieces.map(|p| (p.ids.as_slice(), p.types.as_slice())))
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
    stancewire_model::weights::export(&args.out, &[vs], config, vocab)?;
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
