//! Distils the stance model's sentence embedder (frozen all-MiniLM-L6-v2)
//! into its own bottom `--layers` layers: on a CPU an embedding pass costs
//! in proportion to depth, and stance-detection embeds every body sentence
//! of every article (a third of what an article costs it).
//!
//! The student starts as the teacher's embeddings and bottom layers and
//! learns to put each sentence where the teacher does: the loss is the
//! squared distance between the two unit embeddings (2 − 2·cos), over news
//! sentences the stance model is never scored on — FNC-1's train bodies and
//! headlines (not the dev bodies, nor any body of the source-stance dev
//! set), PolNeAR's train split and the BBC corpus. What the stance model
//! reads off embeddings is cosines (which body sentences are about a claim,
//! how related a body is, which claims are one), so the dev measure is how
//! closely the student's claim–sentence cosines follow the teacher's on
//! FNC-1 dev pairs. The relatedness MLP and the cross-encoder stay the
//! teacher model's; `stance-eval` then says what the whole model scores.
//!
//! Seeded; the teacher's embeddings are computed once and cached, and each
//! epoch checkpoints, so `--resume` continues after the last finished one.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use rand::{rngs::StdRng, seq::SliceRandom, SeedableRng};
use rust_bert::bert::BertConfig;
use rust_bert::Config;
use serde::{Deserialize, Serialize};
use stancewire_model::fine_tune::{self, Schedule};
use stancewire_stance_detection::model::{
    encode::{pad, Encoded, TextEncoder},
    net::{self, CrossNet, Embedder, RelateNet},
    InputSettings,
};
use tch::{nn, nn::OptimizerConfig, Device, Kind, Tensor};

use crate::run_args::RunArgs;

use super::train::load_teacher;
use super::{eval, fnc};

#[derive(Debug, Clone, Serialize, clap::Args)]
pub struct DistilArgs {
    /// The stance model whose embedder is distilled (its relatedness MLP and
    /// cross-encoder are kept as they are): `models/stance` (the 6-layer
    /// embedder), a cross-encoder student of it, or a model whose embedder
    /// is distilled already (`models/stance-fast`), for a shallower one.
    #[arg(long)]
    pub teacher: PathBuf,
    /// Encoder layers of the student embedder (the teacher's bottom layers).
    #[arg(long, default_value_t = 3)]
    pub layers: usize,
    #[command(flatten)]
    #[serde(flatten)]
    pub fnc: fnc::TrainFiles,
    /// The source-stance dev set: its FNC-1 bodies are not trained on either.
    #[arg(long, default_value = "tests/data/source-stances.jsonl")]
    pub source_stances: PathBuf,
    /// PolNeAR's train articles (one text file each).
    #[arg(long, default_value = "../shared/data/polnear/train/text")]
    pub polnear: PathBuf,
    /// The BBC corpus (a folder per topic, a text file per article).
    #[arg(long, default_value = "../shared/data/corpora/bbc")]
    pub bbc: PathBuf,
    /// Most training sentences (a seeded sample of all of them).
    #[arg(long, default_value_t = 80_000)]
    pub max_sentences: usize,
    /// Where the distilled model goes (a stance model directory).
    #[arg(long)]
    pub out: PathBuf,
    #[arg(long, default_value = ".stancewire/distil-embedder")]
    pub checkpoints: PathBuf,
    #[arg(long, default_value_t = 2)]
    pub epochs: usize,
    #[arg(long, default_value_t = 32)]
    pub batch_size: usize,
    #[arg(long, default_value_t = 1e-4)]
    pub lr: f64,
    #[command(flatten)]
    #[serde(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct EpochLog {
    epoch: usize,
    loss: f64,
    /// Mean cosine between the student's and the teacher's embedding of a
    /// dev sentence.
    dev_self_cosine: f64,
    /// Mean absolute difference of the claim–sentence cosines, student
    /// against teacher, over FNC-1 dev pairs.
    dev_pair_cosine_mae: f64,
    /// Mean of the same differences with their sign (how far the student's
    /// cosines sit above the teacher's, where thresholds read them).
    #[serde(default)]
    dev_pair_cosine_bias: f64,
    seconds: f64,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct State {
    history: Vec<EpochLog>,
    best_epoch: Option<usize>,
}

/// Dev texts: sentences, and (claim row, sentence row) pairs among them.
struct Dev {
    texts: Vec<Encoded>,
    pairs: Vec<(usize, usize)>,
}

pub fn run(args: &DistilArgs) -> anyhow::Result<()> {
    args.run.begin(&args.checkpoints)?;
    let config = BertConfig::from_file(args.teacher.join("config.json"));
    let settings = InputSettings::read(&args.teacher)?;
    // The teacher's embedder at its own depth: 6 layers, or fewer where it
    // was distilled already (a student of a student).
    let teacher_config = settings.embedder_config(&config);
    anyhow::ensure!(
        (args.layers as i64) < teacher_config.num_hidden_layers,
        "the student needs fewer layers than the teacher's embedder ({})",
        teacher_config.num_hidden_layers
    );
    let encoder = TextEncoder::from_vocab(&args.teacher.join("vocab.txt"))?;
    let weights = args.teacher.join("model.safetensors");
    let (train, dev) = texts(args)?;
    let encode = |t: &String| encoder.single(t, settings.sentence_pieces);
    let train: Vec<Encoded> = train.iter().map(encode).collect();
    let dev = Dev {
        texts: dev.0.iter().map(encode).collect(),
        pairs: dev.1,
    };
    tracing::info!(
        train = train.len(),
        dev = dev.texts.len(),
        dev_pairs = dev.pairs.len(),
        "sentences read"
    );

    let mut teacher_vs = nn::VarStore::new(Device::Cpu);
    let teacher = Embedder::new(&(teacher_vs.root() / net::EMBEDDER), &teacher_config);
    load_teacher(&mut teacher_vs, &weights)?;
    let target = cached(&args.checkpoints.join("teacher.safetensors"), || {
        embed(&teacher, &train, "teacher")
    })?;
    let dev_target = embed(&teacher, &dev.texts, "teacher (dev)");
    drop(teacher);

    let student_config = InputSettings {
        embedder_layers: Some(args.layers),
        ..settings.clone()
    };
    let mut student_vs = nn::VarStore::new(Device::Cpu);
    let student = Embedder::new(
        &(student_vs.root() / net::EMBEDDER),
        &student_config.embedder_config(&config),
    );
    load_teacher(&mut student_vs, &weights)?;

    let teacher_training = crate::distil::teacher_training(&args.teacher);
    let mut state: State = fine_tune::read_state(&args.checkpoints, args.run.resume)?;
    let start_epoch = state.history.len();
    if start_epoch > 0 {
        let last = checkpoint(&args.checkpoints, start_epoch);
        fine_tune::resume(&mut student_vs, &last, start_epoch)?;
    } else {
        let log = score(0, 0.0, &student, &dev, &dev_target, Instant::now());
        tracing::info!(?log, "the student before training");
    }
    let mut opt = nn::AdamW::default()
        .wd(args.run.weight_decay)
        .build(&student_vs, args.lr)?;
    let rows: Vec<usize> = (0..train.len()).collect();
    let steps_per_epoch = rows.len().div_ceil(args.batch_size);
    let schedule = Schedule::encoder_only(args.lr, args.run.warmup, steps_per_epoch * args.epochs);
    for epoch in start_epoch + 1..=args.epochs {
        let started = Instant::now();
        let mut rng = StdRng::seed_from_u64(args.run.seed.wrapping_add(epoch as u64));
        let batches = fine_tune::bucketed(rows.iter().collect(), args.batch_size, &mut rng, |&i| {
            train[i].ids.len()
        });
        let first_step = (epoch - 1) * steps_per_epoch;
        let loss = fine_tune::epoch(&mut opt, &schedule, epoch, first_step, &batches, |batch| {
            let inputs: Vec<&Encoded> = batch.iter().map(|&&i| &train[i]).collect();
            let (ids, types, mask) = pad(&inputs);
            let index: Vec<i64> = batch.iter().map(|&&i| i as i64).collect();
            let goal = target.index_select(0, &Tensor::from_slice(&index));
            let got = student.forward(&ids, &mask, &types);
            (got - goal)
                .square()
                .sum_dim_intlist(1, false, Kind::Float)
                .mean(Kind::Float)
        });
        let log = score(epoch, loss, &student, &dev, &dev_target, started);
        tracing::info!(?log, "epoch done");
        fine_tune::append_log(&args.checkpoints, &log)?;
        student_vs.save(checkpoint(&args.checkpoints, epoch))?;
        let best = state
            .best_epoch
            .and_then(|e| state.history.iter().find(|h| h.epoch == e))
            .map_or(f64::MIN, |h| h.dev_self_cosine);
        if log.dev_self_cosine > best {
            state.best_epoch = Some(epoch);
            export(
                args,
                &student_vs,
                &config,
                &student_config,
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

/// The training sentences (seeded sample, at most `max_sentences`), and
/// the dev sentences with their (claim, sentence) pairs.
#[allow(clippy::type_complexity)]
fn texts(args: &DistilArgs) -> anyhow::Result<(Vec<String>, (Vec<String>, Vec<(usize, usize)>))> {
    let data = fnc::read_fnc(&args.fnc.bodies, &args.fnc.stances)?;
    let holdout = fnc::read_ids(&args.fnc.holdout)?;
    let judged = source_stance_bodies(&args.source_stances)?;
    let mut seen = BTreeSet::new();
    let mut train = Vec::new();
    let mut keep = |text: &str, train: &mut Vec<String>| {
        let text = text.trim();
        if text.chars().count() >= 12 && seen.insert(text.to_string()) {
            train.push(text.to_string());
        }
    };
    for (id, body) in &data.bodies {
        if !holdout.contains(id) && !judged.contains(id) {
            eval::sentences_of(body)
                .iter()
                .for_each(|s| keep(s, &mut train));
        }
    }
    for pair in data.pairs.iter().filter(|p| !holdout.contains(&p.body_id)) {
        keep(&pair.headline, &mut train);
    }
    let mut files = text_files(&args.polnear)?;
    for topic in std::fs::read_dir(&args.bbc)? {
        let topic = topic?.path();
        if topic.is_dir() {
            files.extend(text_files(&topic)?);
        }
    }
    for file in files {
        // A few BBC files are Latin-1: their odd characters matter little here.
        let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
        let text = String::from_utf8_lossy(&bytes);
        eval::sentences_of(&text)
            .iter()
            .for_each(|s| keep(s, &mut train));
    }
    let mut rng = StdRng::seed_from_u64(args.run.seed);
    train.shuffle(&mut rng);
    train.truncate(args.max_sentences);

    // Dev: related FNC-1 dev pairs, each headline with its body's sentences.
    let mut dev: Vec<String> = Vec::new();
    let mut pairs = Vec::new();
    let mut related: Vec<&fnc::Pair> = data
        .pairs
        .iter()
        .filter(|p| holdout.contains(&p.body_id) && p.relation != fnc::Relation::Unrelated)
        .collect();
    related.shuffle(&mut rng);
    for pair in related.into_iter().take(150) {
        let claim = dev.len();
        dev.push(pair.headline.clone());
        for s in eval::sentences_of(&data.bodies[&pair.body_id])
            .into_iter()
            .take(20)
        {
            pairs.push((claim, dev.len()));
            dev.push(s);
        }
    }
    Ok((train, (dev, pairs)))
}

fn text_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    files.retain(|f| f.extension().is_some_and(|x| x == "txt"));
    files.sort();
    Ok(files)
}

/// The FNC-1 body ids the source-stance dev set reads ("fnc-1:ID").
fn source_stance_bodies(path: &Path) -> anyhow::Result<BTreeSet<String>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut ids = BTreeSet::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line)?;
        if let Some(id) = v["doc"].as_str().and_then(|d| d.strip_prefix("fnc-1:")) {
            ids.insert(id.to_string());
        }
    }
    Ok(ids)
}

/// Unit embeddings of `texts`, `[n, hidden]`, without gradients.
fn embed(embedder: &Embedder, texts: &[Encoded], what: &str) -> Tensor {
    let bar = stancewire_model::progress::bar(texts.len() as u64, what);
    let mut order: Vec<usize> = (0..texts.len()).collect();
    order.sort_by_key(|&i| texts[i].ids.len());
    let mut rows: Vec<Option<Tensor>> = (0..texts.len()).map(|_| None).collect();
    tch::no_grad(|| {
        for (n, chunk) in order.chunks(64).enumerate() {
            let inputs: Vec<&Encoded> = chunk.iter().map(|&i| &texts[i]).collect();
            let (ids, types, mask) = pad(&inputs);
            let e = embedder.forward(&ids, &mask, &types);
            for (row, &i) in chunk.iter().enumerate() {
                rows[i] = Some(e.get(row as i64));
            }
            bar.inc(chunk.len() as u64);
            if bar.is_hidden() && n % 100 == 0 {
                tracing::info!(done = bar.position(), of = texts.len(), "{what}");
            }
        }
    });
    bar.finish_and_clear();
    let rows: Vec<Tensor> = rows.into_iter().flatten().collect();
    Tensor::stack(&rows, 0)
}

/// `make()`, kept in `path` for the next run.
fn cached(path: &Path, make: impl FnOnce() -> Tensor) -> anyhow::Result<Tensor> {
    if path.exists() {
        let mut saved = Tensor::read_safetensors(path)?;
        if let Some((_, t)) = saved.pop() {
            tracing::info!(path = %path.display(), "teacher embeddings from the cache");
            return Ok(t);
        }
    }
    let t = make();
    Tensor::write_safetensors(&[("embeddings", &t)], path)?;
    Ok(t)
}

fn score(
    epoch: usize,
    loss: f64,
    student: &Embedder,
    dev: &Dev,
    target: &Tensor,
    started: Instant,
) -> EpochLog {
    let got = embed(student, &dev.texts, "dev");
    let self_cosine = (&got * target)
        .sum_dim_intlist(1, false, Kind::Float)
        .mean(Kind::Float)
        .double_value(&[]);
    let (claims, sentences): (Vec<i64>, Vec<i64>) =
        dev.pairs.iter().map(|&(c, s)| (c as i64, s as i64)).unzip();
    let (claims, sentences) = (Tensor::from_slice(&claims), Tensor::from_slice(&sentences));
    let cosines = |e: &Tensor| {
        (e.index_select(0, &claims) * e.index_select(0, &sentences)).sum_dim_intlist(
            1,
            false,
            Kind::Float,
        )
    };
    let diff = cosines(&got) - cosines(target);
    let mae = diff.abs().mean(Kind::Float).double_value(&[]);
    let bias = diff.mean(Kind::Float).double_value(&[]);
    EpochLog {
        epoch,
        loss,
        dev_self_cosine: self_cosine,
        dev_pair_cosine_mae: mae,
        dev_pair_cosine_bias: bias,
        seconds: started.elapsed().as_secs_f64(),
    }
}

fn checkpoint(dir: &Path, epoch: usize) -> PathBuf {
    dir.join(format!("embedder-epoch-{epoch}.safetensors"))
}

/// Writes the model directory: the student embedder beside the teacher's
/// relatedness MLP and cross-encoder, in half precision.
fn export(
    args: &DistilArgs,
    student: &nn::VarStore,
    config: &BertConfig,
    settings: &InputSettings,
    state: &State,
    best: &EpochLog,
    teacher_training: Option<&serde_json::Value>,
) -> anyhow::Result<()> {
    let mut rest = nn::VarStore::new(Device::Cpu);
    let _relate = RelateNet::new(&(rest.root() / net::RELATE));
    let _cross = CrossNet::new(&(rest.root() / net::CROSS), &settings.cross_config(config));
    load_teacher(&mut rest, &args.teacher.join("model.safetensors"))?;
    stancewire_model::weights::export(
        &args.out,
        &[student, &rest],
        config,
        &args.teacher.join("vocab.txt"),
    )?;
    std::fs::write(
        args.out.join("stance.json"),
        serde_json::to_vec_pretty(settings)?,
    )?;
    let mut history = state.history.clone();
    history.push(best.clone());
    let training = serde_json::json!({
        "embedder_distillation": {
            "settings": args,
            "best_epoch": best.epoch,
            "history": history,
        },
        "teacher_training": teacher_training,
    });
    std::fs::write(
        args.out.join("training.json"),
        serde_json::to_vec_pretty(&training)?,
    )?;
    Ok(())
}
