//! What distillation shares across `ner-train`, `attribution-train` and
//! `stance-train`: where a run starts from (the base model, or a trained
//! teacher whose bottom layers the student keeps), how it weighs the
//! teacher's softened outputs against the gold labels, and, for the two
//! taggers, the one teacher pass whose logits the student learns. The loss
//! itself is `stancewire_model::fine_tune::distillation_loss`.

use std::path::{Path, PathBuf};

use anyhow::Context;

use rust_bert::bert::BertConfig;
use serde::Serialize;
use stancewire_model::tagger::{encode::Piece, net};
use stancewire_model::{batching::pad_rows, load_weights, Precision};
use tch::{nn, Device, Kind, Tensor};

#[derive(Debug, Clone, Serialize, clap::Args)]
pub struct DistilArgs {
    /// The all-MiniLM-L6-v2 directory (model.safetensors, config.json, vocab.txt).
    #[arg(
        long,
        env = "STANCEWIRE_BASE_MODEL",
        required_unless_present = "teacher"
    )]
    pub base: Option<PathBuf>,
    /// Distil from this trained model directory (of the same command)
    /// instead of training from the base.
    #[arg(long)]
    pub teacher: Option<PathBuf>,
    #[command(flatten)]
    #[serde(flatten)]
    pub loss: DistilLoss,
}

/// How a student weighs its teacher's softened outputs against the gold
/// labels: the flags every distilling command takes.
#[derive(Debug, Clone, Serialize, clap::Args)]
pub struct DistilLoss {
    /// Softmax temperature of the distillation loss.
    #[arg(long, default_value_t = 2.0)]
    pub temperature: f64,
    /// Weight of the distillation loss; the gold labels' loss gets the rest
    /// (inputs without gold labels have only the first).
    #[arg(long, default_value_t = 0.7)]
    pub distil_weight: f64,
}

impl DistilLoss {
    /// The student's loss on a batch: the distillation loss of its
    /// `logits` against the teacher's (`taught`, the same shape), weighed
    /// with the `gold` labels' loss where the batch has any.
    pub fn mix(&self, logits: &Tensor, taught: &Tensor, gold: Option<Tensor>) -> Tensor {
        let soft = stancewire_model::fine_tune::distillation_loss(logits, taught, self.temperature);
        match gold {
            Some(gold) => soft * self.distil_weight + gold * (1.0 - self.distil_weight),
            None => soft,
        }
    }
}

impl DistilArgs {
    /// Where the vocabulary, configuration and starting weights come from.
    pub fn source_dir(&self) -> &Path {
        self.teacher
            .as_deref()
            .or(self.base.as_deref())
            .expect("clap requires --base or --teacher")
    }
}

/// How `teacher` was trained (its `training.json`), for a student's record;
/// `None` when it has none. Read before the student's first export: a run
/// may write its student over its teacher's directory.
pub fn teacher_training(teacher: &Path) -> Option<serde_json::Value> {
    let bytes = std::fs::read(teacher.join("training.json")).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The texts of a transfer file (`--transfer` of the taggers' training:
/// unlabelled text the student learns its teacher's tags on), one a line,
/// each split into words the way the service splits article text; lines
/// without words are left out.
pub fn transfer_texts(path: &Path) -> anyhow::Result<Vec<Vec<String>>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(text
        .lines()
        .map(|line| {
            stancewire_text::words::split(line)
                .iter()
                .map(|w| w.text.to_string())
                .collect::<Vec<String>>()
        })
        .filter(|words| !words.is_empty())
        .collect())
}

/// Runs a trained tagger (`teacher`, of `config`) once over every window and
/// returns its logits at each word's first piece, flattened word by word
/// (cheaper than a teacher pass every epoch). Windows go shortest first, 64
/// at a time, with progress shown.
pub fn tagger_logits(
    pieces: &[&Piece],
    teacher: &Path,
    config: &BertConfig,
) -> anyhow::Result<Vec<Vec<f32>>> {
    let mut vs = nn::VarStore::new(Device::Cpu);
    let net = net::TaggerNet::new(&vs.root(), config);
    load_weights(
        &mut vs,
        &teacher.join("model.safetensors"),
        Precision::Float32,
    )?;
    let mut order: Vec<usize> = (0..pieces.len()).collect();
    order.sort_by_key(|&i| pieces[i].ids.len());
    let mut out = vec![Vec::new(); pieces.len()];
    let bar = stancewire_model::progress::bar(pieces.len() as u64, "teacher");
    tch::no_grad(|| {
        for (c, chunk) in order.chunks(64).enumerate() {
            let (ids, types, mask) = pad_rows(
                chunk
                    .iter()
                    .map(|&i| (pieces[i].ids.as_slice(), pieces[i].types.as_slice())),
            );
            let logits = net.forward_t(&ids, &mask, &types, false);
            for (row, &i) in chunk.iter().enumerate() {
                let firsts: Vec<i64> = pieces[i].firsts.iter().map(|&f| f as i64).collect();
                let at = logits
                    .get(row as i64)
                    .index_select(0, &Tensor::from_slice(&firsts))
                    .to_kind(Kind::Float)
                    .contiguous()
                    .view([-1]);
                out[i] = Vec::try_from(at).expect("float logits");
            }
            bar.inc(chunk.len() as u64);
            if bar.is_hidden() && (c + 1) % 50 == 0 {
                tracing::info!(done = bar.position(), of = pieces.len(), "teacher tagging");
            }
        }
    });
    bar.finish_and_clear();
    tracing::info!(windows = pieces.len(), "teacher logits computed");
    Ok(out)
}

/// A tagger student's loss on one batch: `gold` (its gold-tag loss) mixed
/// with the distillation loss between its `logits` (`[rows × longest,
/// outputs]`) at each window's word-first pieces and the teacher's logits
/// there (`tagger_logits`), each `group` outputs one softmax (NER: all its
/// tags; attribution: O/B/I per layer). `windows` gives each row's piece
/// and teacher logits, in batch order.
pub fn tagger_loss<'a>(
    args: &DistilArgs,
    gold: Tensor,
    logits: &Tensor,
    longest: usize,
    group: i64,
    windows: impl Iterator<Item = (&'a Piece, &'a [f32])>,
) -> Tensor {
    let mut firsts: Vec<i64> = Vec::new();
    let mut teacher: Vec<f32> = Vec::new();
    for (row, (piece, logits)) in windows.enumerate() {
        firsts.extend(piece.firsts.iter().map(|&f| (row * longest + f) as i64));
        teacher.extend_from_slice(logits);
    }
    let student = logits
        .index_select(0, &Tensor::from_slice(&firsts))
        .view([-1, group]);
    let teacher = Tensor::from_slice(&teacher).view([-1, group]);
    args.loss.mix(&student, &teacher, Some(gold))
}
