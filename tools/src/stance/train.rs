//! Trains the stance model on FNC-1 train, holding out a body-disjoint dev
//! split (`talos_holdout_body_ids.txt`) that it never trains on and scores
//! every epoch on. Seeded; resumable (sentence embeddings are cached, and
//! the cross-encoder checkpoints after each epoch); shows progress and logs
//! per-epoch loss and dev scores (also to `CHECKPOINTS/log.jsonl`).
//!
//! 1. Embeds every body sentence and headline once with the frozen
//!    all-MiniLM-L6-v2 (the `embedder`).
//! 2. Fits the `relate` MLP on the overlap features of all train pairs.
//! 3. Fine-tunes the `cross` encoder on the related train pairs, with class
//!    weights so that the rare `disagree` counts.
//! 4. Exports the best epoch (by dev FNC score + macro-F1) in half precision.
//!
//! With `--teacher`, it distils the cross-encoder instead: the embedder and
//! `relate` are the teacher's, unchanged (so a pair is found related, and
//! its evidence chosen, exactly as the teacher's model does), and a
//! shallower cross-encoder — the teacher's embeddings, head and bottom
//! `--layers` layers — learns the teacher's agree / disagree / discuss
//! distributions (softened by `--temperature`) beside the gold labels. On a
//! CPU a pair's cost scales with depth, and the cross-encoder is the largest
//! share of what an article costs stance-detection.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rand::{rngs::StdRng, SeedableRng};
use rust_bert::bert::BertConfig;
use rust_bert::Config;
use serde::{Deserialize, Serialize};
use stancewire_model::fine_tune::{self, Schedule};
use stancewire_stance_detection::model::{
    self,
    encode::{pad, Encoded, TextEncoder},
    net::{self, CrossNet, Embedder, RelateNet},
    Body, Claim, InputSettings, Parts,
};
use tch::{nn, nn::OptimizerConfig, Device, Kind, Tensor};

use crate::distil::{self, DistilArgs};
use crate::run_args::RunArgs;

use super::eval::{self, Task};
use super::fnc::{self, Dataset, Relation, Scores};

#[derive(Debug, Clone, Serialize, clap::Args)]
pub struct TrainArgs {
    #[command(flatten)]
    #[serde(flatten)]
    pub fnc: fnc::TrainFiles,
    /// With `--teacher` (a trained stance model directory), only the
    /// cross-encoder is distilled; the other two networks are the teacher's.
    #[command(flatten)]
    #[serde(flatten)]
    pub distil: DistilArgs,
    /// Encoder layers of the distilled cross-encoder (the teacher's bottom layers).
    #[arg(long, default_value_t = 3)]
    pub layers: usize,
    #[arg(long, default_value = "models/stance")]
    pub out: PathBuf,
    #[arg(long, default_value = ".stancewire/train-stance")]
    pub checkpoints: PathBuf,
    #[arg(long, default_value_t = 2)]
    pub epochs: usize,
    #[arg(long, default_value_t = 16)]
    pub batch_size: usize,
    /// Peak learning rate of the cross-encoder's BERT.
    #[arg(long, default_value_t = 5e-5)]
    pub lr: f64,
    /// Peak learning rate of its classifier head.
    #[arg(long, default_value_t = 1e-3)]
    pub head_lr: f64,
    /// Share of `discuss` training pairs kept each epoch (the majority class;
    /// fewer of them make epochs cheaper).
    #[arg(long, default_value_t = 1.0)]
    pub discuss_keep: f64,
    #[command(flatten)]
    #[serde(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct EpochLog {
    epoch: usize,
    loss: f64,
    dev_fnc_score: f64,
    dev_macro_f1: f64,
    dev_per_class_f1: BTreeMap<String, f64>,
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
    let data = fnc::read_fnc(&args.fnc.bodies, &args.fnc.stances)?;
    let holdout = fnc::read_ids(&args.fnc.holdout)?;
    let all_bodies = data.bodies.clone();
    let train = Dataset {
        bodies: all_bodies.clone(),
        pairs: data.pairs.clone(),
    }
    .split(&holdout, false);
    let dev = data.split(&holdout, true);
    anyhow::ensure!(
        train.bodies.keys().all(|id| !dev.bodies.contains_key(id)),
        "train and dev share bodies"
    );
    tracing::info!(
        train_pairs = train.pairs.len(),
        train_bodies = train.bodies.len(),
        dev_pairs = dev.pairs.len(),
        dev_bodies = dev.bodies.len(),
        train_classes = ?fnc::class_counts(&train.pairs),
        "FNC-1 read; dev is body-disjoint"
    );

    let source = args.distil.source_dir();
    let config = BertConfig::from_file(source.join("config.json"));
    let encoder = TextEncoder::from_vocab(&source.join("vocab.txt"))?;
    let teacher_settings = args
        .distil
        .teacher
        .as_deref()
        .map(InputSettings::read)
        .transpose()?;
    let settings = match &teacher_settings {
        None => InputSettings::default(),
        Some(teacher) => InputSettings {
            cross_layers: Some(args.layers),
            ..teacher.clone()
        },
    };
    let mut embed_vs = nn::VarStore::new(Device::Cpu);
    let embedder = Embedder::new(
        &(embed_vs.root() / net::EMBEDDER),
        &settings.embedder_config(&config),
    );
    let mut relate_vs = nn::VarStore::new(Device::Cpu);
    let mut relate = RelateNet::new(&(relate_vs.root() / net::RELATE));
    let mut cross_vs = nn::VarStore::new(Device::Cpu);
    let cross = CrossNet::new(
        &(cross_vs.root() / net::CROSS),
        &settings.cross_config(&config),
    );
    match &args.distil.teacher {
        None => {
            let base = source.join("model.safetensors");
            net::init_from_base(&embed_vs, &base, net::EMBEDDER)?;
            net::init_from_base(&cross_vs, &base, &format!("{}.bert", net::CROSS))?;
        }
        Some(teacher) => {
            // The student's layers are named as the teacher's bottom ones.
            let weights = teacher.join("model.safetensors");
            for vs in [&mut embed_vs, &mut relate_vs, &mut cross_vs] {
                load_teacher(vs, &weights)?;
            }
        }
    }
    embed_vs.freeze();
    let frozen = Frozen {
        embedder: &embedder,
        encoder: &encoder,
        settings: &settings,
    };

    // 1. Embeddings, cached.
    let both = Dataset {
        bodies: all_bodies,
        pairs: Vec::new(),
    };
    let bodies = cached_bodies(&frozen.with(&relate, &cross), &both, &args.checkpoints)?;
    let headlines = Dataset {
        bodies: BTreeMap::new(),
        pairs: train.pairs.iter().chain(&dev.pairs).cloned().collect(),
    };
    let claims = eval::prepare_claims(&frozen.with(&relate, &cross), &headlines);

    // 2. Stage one (a student keeps its teacher's).
    if args.distil.teacher.is_none() {
        fit_relate(
            &mut relate,
            &relate_vs,
            &train,
            &bodies,
            &claims,
            args.run.seed,
        )?;
    }
    relate_vs.freeze();

    // 3. Stage two.
    let mut items = cross_items(&frozen.with(&relate, &cross), &train, &bodies, &claims);
    if let (Some(teacher), Some(taught)) = (&args.distil.teacher, &teacher_settings) {
        // The teacher's cross-encoder at its own depth: a distilled teacher
        // (`models/stance-fast`) has fewer layers than its `config.json`.
        teach(
            &mut items,
            |it| &it.input,
            |it| &mut it.teacher,
            teacher,
            &taught.cross_config(&config),
            &args.checkpoints,
        )?;
    }
    let teacher_training = args
        .distil
        .teacher
        .as_deref()
        .and_then(distil::teacher_training);
    let mut state: State = fine_tune::read_state(&args.checkpoints, args.run.resume)?;
    let start_epoch = state.history.len();
    if start_epoch > 0 {
        let last = checkpoint(&args.checkpoints, start_epoch);
        fine_tune::resume(&mut cross_vs, &last, start_epoch)?;
    }
    let weights = class_weights(&items);
    tracing::info!(pairs = items.len(), weights = ?weights, "cross-encoder training pairs");
    let weights = Tensor::from_slice(&weights);
    let mut opt = nn::AdamW::default()
        .wd(args.run.weight_decay)
        .build(&cross_vs, args.lr)?;
    let per_epoch = epoch_items(&items, args.discuss_keep, &mut StdRng::seed_from_u64(0)).len();
    let steps_per_epoch = per_epoch.div_ceil(args.batch_size);
    let schedule = Schedule::new(
        args.lr,
        args.head_lr,
        args.run.warmup,
        steps_per_epoch * args.epochs,
    );
    for epoch in start_epoch + 1..=args.epochs {
        let started = Instant::now();
        let mut rng = StdRng::seed_from_u64(args.run.seed.wrapping_add(epoch as u64));
        let chosen = epoch_items(&items, args.discuss_keep, &mut rng);
        let batches =
            fine_tune::bucketed(chosen, args.batch_size, &mut rng, |it| it.input.ids.len());
        let first_step = (epoch - 1) * steps_per_epoch;
        let loss = fine_tune::epoch(&mut opt, &schedule, epoch, first_step, &batches, |batch| {
            let inputs: Vec<&Encoded> = batch.iter().map(|it| &it.input).collect();
            let (ids, types, mask) = pad(&inputs);
            let labels: Vec<i64> = batch.iter().map(|it| it.label).collect();
            let logits = cross.forward_t(&ids, &mask, &types, true);
            let gold = logits.cross_entropy_loss(
                &Tensor::from_slice(&labels),
                Some(&weights),
                tch::Reduction::Mean,
                -100,
                0.0,
            );
            if args.distil.teacher.is_none() {
                return gold;
            }
            let taught: Vec<f32> = batch.iter().flat_map(|it| it.teacher).collect();
            let taught = Tensor::from_slice(&taught).view([-1, 3]);
            args.distil.loss.mix(&logits, &taught, Some(gold))
        });
        let judged = eval::predict(
            &frozen.with(&relate, &cross),
            &dev,
            Task::Fnc,
            &bodies,
            &claims,
        );
        let scores = eval::score(&dev, &judged);
        let log = epoch_log(epoch, loss, &scores, started);
        tracing::info!(
            epoch,
            loss = log.loss,
            dev_fnc_score = log.dev_fnc_score,
            dev_macro_f1 = log.dev_macro_f1,
            per_class = ?log.dev_per_class_f1,
            confusion = ?scores.confusion,
            seconds = log.seconds,
            "epoch done"
        );
        fine_tune::append_log(&args.checkpoints, &log)?;
        cross_vs.save(checkpoint(&args.checkpoints, epoch))?;
        let merit = log.dev_fnc_score / 100.0 + log.dev_macro_f1;
        if merit > state.best {
            state.best = merit;
            state.best_epoch = Some(epoch);
            export(
                &[&embed_vs, &relate_vs, &cross_vs],
                &config,
                &settings,
                args,
                &state,
                &log,
                teacher_training.as_ref(),
            )?;
            tracing::info!(epoch, out = %args.out.display(), "new best model exported");
        }
        state.history.push(log);
        fine_tune::write_state(&args.checkpoints, &state)?;
    }
    Ok(())
}

/// The parts that training does not change.
struct Frozen<'a> {
    embedder: &'a Embedder,
    encoder: &'a TextEncoder,
    settings: &'a InputSettings,
}

impl<'a> Frozen<'a> {
    fn with<'b>(&self, relate: &'b RelateNet, cross: &'b CrossNet) -> Parts<'b>
    where
        'a: 'b,
    {
        Parts {
            embedder: self.embedder,
            relate,
            cross,
            encoder: self.encoder,
            settings: self.settings,
            batch_size: 32,
        }
    }
}

fn epoch_log(epoch: usize, loss: f64, s: &Scores, started: Instant) -> EpochLog {
    EpochLog {
        epoch,
        loss,
        dev_fnc_score: s.fnc_score,
        dev_macro_f1: s.macro_f1,
        dev_per_class_f1: s
            .per_class_f1
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect(),
        seconds: started.elapsed().as_secs_f64(),
    }
}

/// Sentence embeddings of every body, from the cache when it has them all.
fn cached_bodies(
    parts: &Parts,
    data: &Dataset,
    dir: &Path,
) -> anyhow::Result<BTreeMap<String, Body>> {
    let cache = dir.join("bodies.safetensors");
    if cache.exists() {
        let stored: BTreeMap<String, Tensor> =
            Tensor::read_safetensors(&cache)?.into_iter().collect();
        if data.bodies.keys().all(|id| stored.contains_key(id)) {
            tracing::info!(cache = %cache.display(), "body embeddings from cache");
            return Ok(data
                .bodies
                .iter()
                .map(|(id, text)| {
                    let mut sentences = eval::sentences_of(text);
                    sentences.truncate(parts.settings.max_sentences);
                    (id.clone(), Body::new(sentences, stored[id].shallow_clone()))
                })
                .collect());
        }
    }
    let started = Instant::now();
    let bodies = eval::prepare_bodies(parts, data);
    let named: Vec<(String, Tensor)> = bodies
        .iter()
        .map(|(id, b)| (id.clone(), b.embeddings.shallow_clone()))
        .collect();
    Tensor::write_safetensors(&named, &cache)?;
    tracing::info!(
        bodies = bodies.len(),
        seconds = started.elapsed().as_secs_f64(),
        "bodies embedded"
    );
    Ok(bodies)
}

/// Fits stage one (related or not) on all training pairs.
fn fit_relate(
    relate: &mut RelateNet,
    vs: &nn::VarStore,
    train: &Dataset,
    bodies: &BTreeMap<String, Body>,
    claims: &BTreeMap<String, Claim>,
    seed: u64,
) -> anyhow::Result<()> {
    tch::manual_seed(seed as i64);
    let n = train.pairs.len() as i64;
    let x: Vec<f32> = train
        .pairs
        .iter()
        .flat_map(|p| {
            let (claim, body) = (&claims[&p.headline], &bodies[&p.body_id]);
            model::features(claim, body, &model::similarities(claim, body))
        })
        .collect();
    let y: Vec<f32> = train
        .pairs
        .iter()
        .map(|p| (p.relation != Relation::Unrelated) as u8 as f32)
        .collect();
    let x = Tensor::from_slice(&x).view([n, net::FEATURES]);
    let y = Tensor::from_slice(&y);
    relate.fit_scale(&x);
    let mut opt = nn::Adam::default().build(vs, 1e-2)?;
    for step in 0..400 {
        let loss = relate
            .forward(&x)
            .binary_cross_entropy_with_logits::<Tensor>(&y, None, None, tch::Reduction::Mean);
        opt.backward_step(&loss);
        if step % 100 == 99 {
            tracing::info!(
                step = step + 1,
                loss = loss.double_value(&[]),
                "stage one fitting"
            );
        }
    }
    let right = tch::no_grad(|| {
        relate
            .forward(&x)
            .ge(0.0)
            .to_kind(Kind::Float)
            .eq_tensor(&y)
    })
    .to_kind(Kind::Float)
    .mean(Kind::Float)
    .double_value(&[]);
    tracing::info!(train_accuracy = right, "stage one (related or not) fitted");
    Ok(())
}

struct Item {
    input: Encoded,
    label: i64,
    /// The teacher's agree / disagree / discuss logits, when distilling.
    teacher: [f32; 3],
}

/// (claim, evidence) inputs of the related training pairs.
fn cross_items(
    parts: &Parts,
    train: &Dataset,
    bodies: &BTreeMap<String, Body>,
    claims: &BTreeMap<String, Claim>,
) -> Vec<Item> {
    train
        .pairs
        .iter()
        .filter(|p| p.relation != Relation::Unrelated)
        .map(|p| {
            let (claim, body) = (&claims[&p.headline], &bodies[&p.body_id]);
            let sims = model::similarities(claim, body);
            let chosen = model::evidence(body, &sims, parts.settings.evidence_sentences);
            Item {
                input: parts.encoder.pair(
                    &claim.text,
                    &model::evidence_text(body, &chosen),
                    parts.settings.pair_pieces,
                ),
                label: p.relation.index() as i64,
                teacher: [0.0; 3],
            }
        })
        .collect()
}

/// Inverse square-root class frequencies, `discuss` = 1.
fn class_weights(items: &[Item]) -> Vec<f32> {
    let mut n = [0f32; 3];
    for it in items {
        n[it.label as usize] += 1.0;
    }
    let max = n.iter().copied().fold(1.0, f32::max);
    n.iter().map(|&c| (max / c.max(1.0)).sqrt()).collect()
}

/// This epoch's pairs: all agree and disagree, a share of discuss.
fn epoch_items<'a>(items: &'a [Item], discuss_keep: f64, rng: &mut StdRng) -> Vec<&'a Item> {
    use rand::Rng;
    items
        .iter()
        .filter(|it| {
            it.label != Relation::Discuss.index() as i64 || rng.gen::<f64>() < discuss_keep
        })
        .collect()
}

/// Runs a teacher cross-encoder once over every training pair and keeps
/// its logits in the pair (`teacher_of`): cheaper than a teacher pass every
/// epoch, and cached beside the checkpoints (`teacher-logits.safetensors`,
/// used again only for the same teacher weights and the same inputs: its
/// one tensor is named by their fingerprint), as the body embeddings are.
/// What a distilled cross-encoder learns: the stance model's (`stance-train
/// --teacher`) and the statement reader's (`statement-stance-train
/// --teacher`).
pub(super) fn teach<T>(
    items: &mut [T],
    input: impl Fn(&T) -> &Encoded,
    teacher_of: impl Fn(&mut T) -> &mut [f32; 3],
    teacher: &Path,
    config: &BertConfig,
    dir: &Path,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let cache = dir.join("teacher-logits.safetensors");
    let weights = teacher.join("model.safetensors");
    let key = {
        let mut hasher = blake3::Hasher::new();
        hasher.update(&std::fs::read(&weights)?);
        hasher.update(&config.num_hidden_layers.to_le_bytes());
        for it in items.iter() {
            let Encoded { ids, types } = input(it);
            for piece in [ids, types] {
                hasher.update(&(piece.len() as u64).to_le_bytes());
                piece.iter().for_each(|x| {
                    hasher.update(&x.to_le_bytes());
                });
            }
        }
        format!("logits-{}", hasher.finalize().to_hex())
    };
    let cached: Option<Tensor> = cache
        .exists()
        .then(|| Tensor::read_safetensors(&cache))
        .transpose()?
        .and_then(|t| t.into_iter().find(|(name, _)| *name == key))
        .map(|(_, t)| t)
        .filter(|t| t.size() == [items.len() as i64, 3]);
    let logits = match cached {
        Some(t) => {
            tracing::info!(cache = %cache.display(), "teacher logits from cache");
            t
        }
        None => {
            let mut vs = nn::VarStore::new(Device::Cpu);
            let net = CrossNet::new(&(vs.root() / net::CROSS), config);
            load_teacher(&mut vs, &weights)?;
            vs.freeze();
            let inputs: Vec<Encoded> = items.iter().map(|it| input(it).clone()).collect();
            let started = Instant::now();
            let logits = model::logits_with(&net, &inputs, 32);
            tracing::info!(
                pairs = items.len(),
                seconds = started.elapsed().as_secs_f64(),
                "teacher logits computed"
            );
            Tensor::write_safetensors(&[(key.as_str(), &logits)], &cache)?;
            logits
        }
    };
    let flat: Vec<f32> = Vec::try_from(logits.contiguous().view([-1]))?;
    for (it, row) in items.iter_mut().zip(flat.chunks(3)) {
        teacher_of(it).copy_from_slice(row);
    }
    Ok(())
}

/// Loads every variable of `vs` from a teacher's `weights`, in float32:
/// loading takes the file's half precision, and half-precision matrix
/// products crawl on CPUs.
pub(super) fn load_teacher(vs: &mut nn::VarStore, weights: &Path) -> anyhow::Result<()> {
    let missing = vs.load_partial(weights)?;
    anyhow::ensure!(missing.is_empty(), "the teacher lacks {missing:?}");
    vs.float();
    Ok(())
}

fn checkpoint(dir: &Path, epoch: usize) -> PathBuf {
    dir.join(format!("cross-epoch-{epoch}.safetensors"))
}

/// Writes the model directory: all three networks' weights in half
/// precision, config, vocabulary, input settings and how it was trained
/// (a student's with its teacher's record under `teacher_training`).
fn export(
    stores: &[&nn::VarStore],
    config: &BertConfig,
    settings: &InputSettings,
    args: &TrainArgs,
    state: &State,
    best: &EpochLog,
    teacher_training: Option<&serde_json::Value>,
) -> anyhow::Result<()> {
    stancewire_model::weights::export(
        &args.out,
        stores,
        config,
        &args.distil.source_dir().join("vocab.txt"),
    )?;
    std::fs::write(
        args.out.join("stance.json"),
        serde_json::to_vec_pretty(settings)?,
    )?;
    let mut history = state.history.clone();
    history.push(best.clone());
    let mut training = serde_json::json!({
        "settings": args,
        "input": settings,
        "best_epoch": best.epoch,
        "best_dev_fnc_score": best.dev_fnc_score,
        "best_dev_macro_f1": best.dev_macro_f1,
        "history": history,
    });
    if let Some(teacher) = teacher_training {
        training["teacher_training"] = teacher.clone();
    }
    std::fs::write(
        args.out.join("training.json"),
        serde_json::to_vec_pretty(&training)?,
    )?;
    Ok(())
}
