//! Trains the attribution tagger on PolNeAR's train split, choosing the
//! checkpoint by span F1 on its dev split (never trained on). Each paragraph
//! of an article is one input; each word gets a BIO tag in each of three
//! layers (source, cue, content). Seeded; resumable from the last finished
//! epoch; progress shown, loss and dev scores logged per epoch (also to
//! `CHECKPOINTS/log.jsonl`). The best epoch goes to the output directory in
//! half precision with `config.json`, `vocab.txt` and `training.json`.
//!
//! With `--teacher`, it distils instead, as `ner-train` does: a student of
//! the teacher's bottom `--layers` layers (its head kept) learns the
//! teacher's tag distributions in each layer, softened by `--temperature`,
//! beside the gold tags — the tagger is a fixed share of every article's
//! time in stance-detection, and depth is what that time scales with.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rand::{rngs::StdRng, SeedableRng};
use rust_bert::{bert::BertConfig, Config};
use serde::{Deserialize, Serialize};
use stancewire_model::batching::pad_rows;
use stancewire_model::fine_tune::{self, Schedule};
use stancewire_model::tagger::{encode::Encoder, encode::Piece, net, tag_windows, Shape};
use stancewire_stance_detection::attribution::{
    labels::{self, Layer, LABELS, PER_LAYER},
    model::{decode, spans, WordTags, MAX_PIECES},
};
use stancewire_text::{words, CharIndex};
use tch::{nn, nn::OptimizerConfig, Device, Tensor};

use crate::distil::DistilArgs;
use crate::run_args::RunArgs;

use super::polnear::{self, Article};

#[derive(Debug, Clone, Serialize, clap::Args)]
pub struct TrainArgs {
    #[arg(long, default_value = "../shared/data/polnear/train")]
    pub train: PathBuf,
    /// Chooses the checkpoint; never trained on.
    #[arg(long, default_value = "../shared/data/polnear/dev")]
    pub dev: PathBuf,
    #[command(flatten)]
    #[serde(flatten)]
    pub distil: DistilArgs,
    /// Start the encoder from this trained tagger instead of the base (its
    /// casing embeddings are trained); the head starts fresh.
    #[arg(long, conflicts_with = "teacher")]
    pub init_tagger: Option<PathBuf>,
    /// Keep only the bottom N encoder layers (default: all; a student's
    /// depth with --teacher).
    #[arg(long)]
    pub layers: Option<usize>,
    /// Unlabelled paragraphs, one per line, that the student also learns
    /// the teacher's tags on (with --teacher): news beside PolNeAR, so that
    /// a shallower student sees more of how attributions are written.
    #[arg(long, requires = "teacher")]
    pub transfer: Option<PathBuf>,
    #[arg(long, default_value = "models/attribution")]
    pub out: PathBuf,
    #[arg(long, default_value = ".stancewire/train-attribution")]
    pub checkpoints: PathBuf,
    #[arg(long, default_value_t = 4)]
    pub epochs: usize,
    #[arg(long, default_value_t = 16)]
    pub batch_size: usize,
    /// Peak learning rate of the encoder.
    #[arg(long, default_value_t = 8e-5)]
    pub lr: f64,
    /// Peak learning rate of the tag head.
    #[arg(long, default_value_t = 1e-3)]
    pub head_lr: f64,
    #[arg(long, default_value_t = MAX_PIECES)]
    pub max_pieces: usize,
    /// Train on the first N articles only (a quick check of the recipe).
    #[arg(long)]
    pub limit: Option<usize>,
    #[command(flatten)]
    #[serde(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct EpochLog {
    epoch: usize,
    loss: f64,
    /// Exact span F1 per layer on dev, and their mean (the selection score).
    dev_f1: BTreeMap<String, f64>,
    dev_mean_f1: f64,
    seconds: f64,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct State {
    history: Vec<EpochLog>,
    best_epoch: Option<usize>,
    best_f1: f64,
}

/// A paragraph's words and their gold tags (`[O|B|I; 3]` per word), or
/// none (a transfer paragraph, which only the teacher labels).
pub struct Paragraph {
    pub words: Vec<String>,
    pub tags: Option<Vec<[u8; 3]>>,
}

/// A training window with its labels (`[pieces, 3]`, -100 where not scored)
/// and, when distilling, the teacher's logits at each word's first piece
/// (`[words, 3 × PER_LAYER]`).
struct Item {
    piece: Piece,
    labels: Vec<i64>,
    teacher: Vec<f32>,
}

pub fn run(args: &TrainArgs) -> anyhow::Result<()> {
    args.run.begin(&args.checkpoints)?;
    let source = args.distil.source_dir();
    let vocab = source.join("vocab.txt");
    let encoder = Encoder::from_vocab(&vocab, args.max_pieces)?;
    let mut train = polnear::read_split(&args.train)?;
    if let Some(n) = args.limit {
        train.truncate(n);
    }
    let dev = polnear::read_split(&args.dev)?;
    let train: Vec<Paragraph> = train.iter().flat_map(paragraphs).collect();
    let dev: Vec<Paragraph> = dev.iter().flat_map(paragraphs).collect();
    let mut items: Vec<Item> = train.iter().flat_map(|p| windows(&encoder, p)).collect();
    let transfer: Vec<Paragraph> = match &args.transfer {
        Some(path) => crate::distil::transfer_texts(path)?
            .into_iter()
            .map(|words| Paragraph { words, tags: None })
            .collect(),
        None => Vec::new(),
    };
    items.extend(transfer.iter().flat_map(|p| windows(&encoder, p)));
    tracing::info!(
        paragraphs = train.len(),
        transfer_paragraphs = transfer.len(),
        windows = items.len(),
        dev_paragraphs = dev.len(),
        "training data read"
    );

    let mut config = match &args.distil.teacher {
        Some(teacher) => {
            let config = BertConfig::from_file(teacher.join("config.json"));
            let pieces: Vec<&Piece> = items.iter().map(|it| &it.piece).collect();
            let logits = crate::distil::tagger_logits(&pieces, teacher, &config)?;
            for (it, l) in items.iter_mut().zip(logits) {
                it.teacher = l;
            }
            config
        }
        None => net::config_from_base(&source.join("config.json"), &LABELS)?,
    };
    if let Some(n) = args.layers {
        config.num_hidden_layers = n as i64;
    }
    let mut vs = nn::VarStore::new(Device::Cpu);
    let tagger = net::TaggerNet::new(&vs.root(), &config);
    match (&args.distil.teacher, &args.init_tagger) {
        (Some(dir), _) => net::init_from_tagger(&vs, &dir.join("model.safetensors"), true)?,
        (None, Some(dir)) => net::init_from_tagger(&vs, &dir.join("model.safetensors"), false)?,
        (None, None) => net::init_from_base(&vs, &source.join("model.safetensors"))?,
    }

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
            batch_loss(&tagger, batch, &args.distil)
        });
        let dev_f1 = score_dev(&tagger, &encoder, &dev);
        let dev_mean_f1 = dev_f1.values().sum::<f64>() / dev_f1.len() as f64;
        let log = EpochLog {
            epoch,
            loss,
            dev_f1,
            dev_mean_f1,
            seconds: started.elapsed().as_secs_f64(),
        };
        tracing::info!(epoch, loss, dev_f1 = ?log.dev_f1, dev_mean_f1, seconds = log.seconds, "epoch done");
        fine_tune::append_log(&args.checkpoints, &log)?;
        vs.save(checkpoint(&args.checkpoints, epoch))?;
        if log.dev_mean_f1 > state.best_f1 {
            state.best_f1 = log.dev_mean_f1;
            state.best_epoch = Some(epoch);
            export(&vs, &config, args, &vocab, &state, &log)?;
            tracing::info!(epoch, dev_mean_f1, out = %args.out.display(), "new best model exported");
        }
        state.history.push(log);
        fine_tune::write_state(&args.checkpoints, &state)?;
    }
    Ok(())
}

/// Cross-entropy over each layer's O/B/I at every word's first piece and,
/// when distilling, the teacher's distributions there.
fn batch_loss(tagger: &net::TaggerNet, batch: &[&Item], distil: &DistilArgs) -> Tensor {
    let (ids, types, mask) = pad_rows(
        batch
            .iter()
            .map(|it| (it.piece.ids.as_slice(), it.piece.types.as_slice())),
    );
    let longest = ids.size()[1] as usize;
    let layers = Layer::ALL.len();
    let mut lab = vec![-100i64; batch.len() * longest * layers];
    for (row, it) in batch.iter().enumerate() {
        let at = row * longest * layers;
        lab[at..at + it.labels.len()].copy_from_slice(&it.labels);
    }
    let scored = lab.iter().filter(|&&l| l != -100).count();
    let logits = tagger.forward_t(&ids, &mask, &types, true);
    let gold = logits
        .view([-1, PER_LAYER as i64])
        .cross_entropy_loss::<Tensor>(
            &Tensor::from_slice(&lab),
            None,
            tch::Reduction::Sum,
            -100,
            0.0,
        )
        / scored.max(1) as f64;
    if distil.teacher.is_none() {
        return gold;
    }
    crate::distil::tagger_loss(
        distil,
        gold,
        &logits.view([-1, LABELS.len() as i64]),
        longest,
        PER_LAYER as i64,
        batch.iter().map(|it| (&it.piece, it.teacher.as_slice())),
    )
}

/// The paragraphs of an article (its non-empty lines), with gold tags.
pub fn paragraphs(article: &Article) -> Vec<Paragraph> {
    let index = CharIndex::new(&article.text);
    let mut out = Vec::new();
    let mut at = 0usize;
    for line in article.text.split('\n') {
        let len = line.chars().count();
        let range = at..at + len;
        at += len + 1;
        if line.trim().is_empty() {
            continue;
        }
        let words: Vec<(Range<usize>, String)> = words::split(index.slice(range.start, range.end))
            .into_iter()
            .map(|w| {
                (
                    range.start + w.start..range.start + w.end,
                    w.text.to_string(),
                )
            })
            .collect();
        let mut tags = vec![[labels::O; 3]; words.len()];
        for layer in Layer::ALL {
            let mut parts: Vec<&Range<usize>> = article
                .attributions
                .iter()
                .flat_map(|a| match layer {
                    Layer::Source => &a.source,
                    Layer::Cue => &a.cue,
                    Layer::Content => &a.content,
                })
                .filter(|p| p.start < range.end && range.start < p.end)
                .collect();
            // Outermost first: a nested span inside a tagged one is left out.
            parts.sort_by_key(|p| (std::cmp::Reverse(p.len()), p.start));
            for part in parts {
                let covered: Vec<usize> = words
                    .iter()
                    .enumerate()
                    .filter(|(_, (w, _))| {
                        let overlap = w.end.min(part.end).saturating_sub(w.start.max(part.start));
                        2 * overlap >= w.len() && overlap > 0
                    })
                    .map(|(i, _)| i)
                    .collect();
                let l = layer as usize;
                if covered.is_empty() || covered.iter().any(|&i| tags[i][l] != labels::O) {
                    continue;
                }
                for (k, &i) in covered.iter().enumerate() {
                    tags[i][l] = if k == 0 { labels::B } else { labels::I };
                }
            }
        }
        out.push(Paragraph {
            words: words.into_iter().map(|(_, w)| w).collect(),
            tags: Some(tags),
        });
    }
    out
}

/// A paragraph's windows: each word's first piece labelled in each layer
/// (unlabelled, -100, where the paragraph has no gold tags).
fn windows<'a>(encoder: &Encoder, p: &'a Paragraph) -> impl Iterator<Item = Item> + 'a {
    let layers = Layer::ALL.len();
    encoder.encode(&p.words).into_iter().map(move |piece| {
        let mut labels = vec![-100i64; piece.ids.len() * layers];
        if let Some(gold) = &p.tags {
            for (k, &first) in piece.firsts.iter().enumerate() {
                let tags = gold[piece.words.start + k];
                for l in 0..layers {
                    labels[first * layers + l] = tags[l] as i64;
                }
            }
        }
        Item {
            piece,
            labels,
            teacher: Vec::new(),
        }
    })
}

/// Exact span F1 per layer on dev paragraphs.
fn score_dev(
    tagger: &net::TaggerNet,
    encoder: &Encoder,
    dev: &[Paragraph],
) -> BTreeMap<String, f64> {
    let words: Vec<Vec<&str>> = dev
        .iter()
        .map(|p| p.words.iter().map(String::as_str).collect())
        .collect();
    let shape = Shape {
        outputs: LABELS.len(),
        group: PER_LAYER,
    };
    let predicted = tag_windows(
        |ids, mask, types| tagger.forward_t(ids, mask, types, false),
        encoder,
        64,
        shape,
        &words,
        WordTags::default(),
        decode,
    );
    Layer::ALL
        .iter()
        .map(|&layer| {
            let (mut tp, mut n_pred, mut n_gold) = (0usize, 0usize, 0usize);
            for (p, tags) in dev.iter().zip(&predicted) {
                let gold: Vec<WordTags> = p
                    .tags
                    .as_deref()
                    .expect("dev paragraphs have gold tags")
                    .iter()
                    .map(|&tags| WordTags {
                        tags,
                        probs: [1.0; 3],
                    })
                    .collect();
                let g: Vec<Range<usize>> = spans(&gold, layer).into_iter().map(|s| s.0).collect();
                let s: Vec<Range<usize>> = spans(tags, layer).into_iter().map(|s| s.0).collect();
                tp += s.iter().filter(|x| g.contains(x)).count();
                n_pred += s.len();
                n_gold += g.len();
            }
            let p = tp as f64 / n_pred.max(1) as f64;
            let r = tp as f64 / n_gold.max(1) as f64;
            let f = if p + r > 0.0 {
                2.0 * p * r / (p + r)
            } else {
                0.0
            };
            (layer.name().to_string(), (f * 10000.0).round() / 100.0)
        })
        .collect()
}

fn checkpoint(dir: &Path, epoch: usize) -> PathBuf {
    dir.join(format!("epoch-{epoch}.safetensors"))
}

/// Writes the model directory: half-precision weights, config, vocabulary,
/// and how it was trained.
fn export(
    vs: &nn::VarStore,
    config: &BertConfig,
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
        "best_dev_mean_f1": best.dev_mean_f1,
        "history": history,
    });
    std::fs::write(
        args.out.join("training.json"),
        serde_json::to_vec_pretty(&training)?,
    )?;
    Ok(())
}
