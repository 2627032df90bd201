//! What fine-tuning a MiniLM takes, whichever model it is (the NER and
//! attribution taggers, the stance cross-encoder): the learning-rate
//! schedule, one epoch of optimiser steps with progress, length-bucketed
//! batches, and the per-epoch log. Written once so both models are trained
//! the same way.

use std::path::Path;

use rand::{rngs::StdRng, seq::SliceRandom};
use serde::Serialize;
use tch::{nn, Tensor};

/// Parameter groups: the pretrained encoder learns slowly, a fresh head fast.
pub const ENCODER_GROUP: usize = 0;
pub const HEAD_GROUP: usize = 1;

/// Linear warm-up to the peak learning rates, then linear decay to zero, for
/// the encoder and the head (parameter groups `ENCODER_GROUP`, `HEAD_GROUP`).
pub struct Schedule {
    lr: f64,
    /// None: the model has no head group (all its parameters are encoder).
    head_lr: Option<f64>,
    warmup: f64,
    total: f64,
}

impl Schedule {
    /// `warmup` is the share of `total_steps` spent warming up.
    pub fn new(lr: f64, head_lr: f64, warmup: f64, total_steps: usize) -> Schedule {
        Schedule {
            head_lr: Some(head_lr),
            ..Schedule::encoder_only(lr, warmup, total_steps)
        }
    }

    /// A schedule for a model without a head (one parameter group).
    pub fn encoder_only(lr: f64, warmup: f64, total_steps: usize) -> Schedule {
        let total = total_steps as f64;
        Schedule {
            lr,
            head_lr: None,
            warmup: (total * warmup).max(1.0),
            total,
        }
    }

    /// The share of the peak rates at `step`.
    pub fn factor(&self, step: usize) -> f64 {
        let s = step as f64;
        if s < self.warmup {
            s / self.warmup
        } else {
            ((self.total - s) / (self.total - self.warmup)).max(0.0)
        }
    }

    fn apply(&self, opt: &mut nn::Optimizer, step: usize) {
        let f = self.factor(step);
        opt.set_lr_group(ENCODER_GROUP, self.lr * f);
        if let Some(head_lr) = self.head_lr {
            opt.set_lr_group(HEAD_GROUP, head_lr * f);
        }
    }
}

/// Trains one epoch: for each batch, sets the learning rates for its step
/// (`first_step` + its index), takes `loss_of(batch)` and steps the
/// optimiser with gradients clipped at norm 1. Shows progress (a bar on a
/// terminal, a log line every 50 steps elsewhere). Returns the mean loss.
pub fn epoch<B>(
    opt: &mut nn::Optimizer,
    schedule: &Schedule,
    epoch: usize,
    first_step: usize,
    batches: &[B],
    mut loss_of: impl FnMut(&B) -> Tensor,
) -> f64 {
    let bar = crate::progress::bar(batches.len() as u64, &format!("epoch {epoch}"));
    let (mut loss_sum, mut loss_n) = (0.0, 0usize);
    for (i, batch) in batches.iter().enumerate() {
        schedule.apply(opt, first_step + i);
        let loss = loss_of(batch);
        opt.backward_step_clip_norm(&loss, 1.0);
        loss_sum += loss.double_value(&[]);
        loss_n += 1;
        bar.inc(1);
        if (i + 1) % 50 == 0 {
            bar.set_message(format!("loss {:.4}", loss_sum / loss_n as f64));
            if bar.is_hidden() {
                tracing::info!(
                    epoch,
                    step = i + 1,
                    of = batches.len(),
                    loss = loss_sum / loss_n as f64,
                    "training"
                );
            }
        }
    }
    bar.finish_and_clear();
    loss_sum / loss_n.max(1) as f64
}

/// Batches of similar length (little padding), in random order: shuffled,
/// sorted by `len` within pools of 50 batches, cut, and the batches shuffled.
pub fn bucketed<'a, T>(
    mut items: Vec<&'a T>,
    size: usize,
    rng: &mut StdRng,
    len: impl Fn(&T) -> usize,
) -> Vec<Vec<&'a T>> {
    items.shuffle(rng);
    let mut out = Vec::new();
    for pool in items.chunks(size * 50) {
        let mut pool = pool.to_vec();
        pool.sort_by_key(|it| len(it));
        out.extend(pool.chunks(size).map(<[&T]>::to_vec));
    }
    out.shuffle(rng);
    out
}

/// KL divergence from the teacher's softened distribution to the student's,
/// per row of `[rows, classes]` logits (a word of a tagger, a pair of a
/// cross-encoder), scaled by T² so that its gradients keep their size
/// whatever the temperature (Hinton et al., 2015). What every distillation
/// here learns from.
pub fn distillation_loss(student: &Tensor, teacher: &Tensor, temperature: f64) -> Tensor {
    let rows = student.size()[0].max(1) as f64;
    let s = (student / temperature).log_softmax(-1, tch::Kind::Float);
    let t = (teacher / temperature).log_softmax(-1, tch::Kind::Float);
    s.kl_div(&t, tch::Reduction::Sum, true) * (temperature * temperature / rows)
}

/// Where a resumable run stands (`DIR/state.json`, written after each
/// epoch by [`write_state`]): as the last finished epoch left it when
/// `resume`, else fresh.
pub fn read_state<S: serde::de::DeserializeOwned + Default>(
    dir: &Path,
    resume: bool,
) -> anyhow::Result<S> {
    let path = dir.join("state.json");
    if resume && path.exists() {
        Ok(serde_json::from_slice(&std::fs::read(&path)?)?)
    } else {
        Ok(S::default())
    }
}

/// Records where the run stands after an epoch, for [`read_state`].
pub fn write_state(dir: &Path, state: &impl Serialize) -> anyhow::Result<()> {
    std::fs::write(dir.join("state.json"), serde_json::to_vec_pretty(state)?)?;
    Ok(())
}

/// Loads the weights `epoch` (the last finished one) left in `checkpoint`
/// into `vs`, to go on from there.
pub fn resume(vs: &mut nn::VarStore, checkpoint: &Path, epoch: usize) -> anyhow::Result<()> {
    use anyhow::Context;
    vs.load(checkpoint)
        .with_context(|| format!("resuming from {}", checkpoint.display()))?;
    tracing::info!(epoch, "resumed (optimizer moments start afresh)");
    Ok(())
}

/// Appends one epoch's record to `DIR/log.jsonl`.
pub fn append_log(dir: &Path, log: &impl Serialize) -> anyhow::Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("log.jsonl"))?;
    writeln!(f, "{}", serde_json::to_string(log)?)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn schedule_warms_up_then_decays_to_zero() {
        let s = Schedule::new(1e-4, 1e-3, 0.1, 100);
        assert_eq!(s.factor(0), 0.0);
        assert_eq!(s.factor(5), 0.5);
        assert_eq!(s.factor(10), 1.0);
        assert!((s.factor(55) - 0.5).abs() < 1e-12);
        assert_eq!(s.factor(100), 0.0);
    }

    #[test]
    fn an_epoch_steps_both_groups_and_lowers_the_loss() {
        use tch::nn::{Module, OptimizerConfig};
        tch::manual_seed(3);
        let vs = nn::VarStore::new(tch::Device::Cpu);
        let root = vs.root();
        let encoder = nn::linear(&root / "encoder", 4, 4, Default::default());
        let head = nn::linear(
            root.set_group(HEAD_GROUP) / "head",
            4,
            1,
            Default::default(),
        );
        let mut opt = nn::Adam::default().build(&vs, 0.0).unwrap();
        let x = Tensor::randn([64, 4], (tch::Kind::Float, tch::Device::Cpu));
        let y = x.sum_dim_intlist(1, true, None);
        let batches: Vec<i64> = (0..8).collect();
        let loss_of = |&b: &i64| {
            let (xb, yb) = (x.narrow(0, b * 8, 8), y.narrow(0, b * 8, 8));
            head.forward(&encoder.forward(&xb))
                .mse_loss(&yb, tch::Reduction::Mean)
        };
        let before: f64 = batches.iter().map(|b| loss_of(b).double_value(&[])).sum();
        let schedule = Schedule::new(1e-2, 1e-2, 0.1, 80);
        for e in 0..10 {
            epoch(&mut opt, &schedule, e + 1, e * 8, &batches, loss_of);
        }
        let after: f64 = batches.iter().map(|b| loss_of(b).double_value(&[])).sum();
        assert!(after < before / 2.0, "loss {before} -> {after}");
    }

    #[test]
    fn bucketed_batches_keep_every_item_once_and_lengths_close() {
        let items: Vec<usize> = (0..1000).map(|i| (i * 37) % 101).collect();
        let batches = bucketed(
            items.iter().collect(),
            10,
            &mut StdRng::seed_from_u64(1),
            |&n| n,
        );
        assert_eq!(batches.len(), 100);
        let mut all: Vec<usize> = batches.iter().flatten().map(|&&n| n).collect();
        all.sort();
        let mut want = items.clone();
        want.sort();
        assert_eq!(all, want);
        for b in &batches {
            let (lo, hi) = (b.iter().min().unwrap(), b.iter().max().unwrap());
            assert!(**hi - **lo <= 10, "{b:?}");
        }
    }

    #[test]
    fn distillation_loss_is_zero_only_where_the_student_matches_the_teacher() {
        let teacher = Tensor::from_slice(&[4.0f32, 0.0, -1.0, 0.5, 2.0, 0.0]).view([2, 3]);
        let same = distillation_loss(&teacher, &teacher, 2.0).double_value(&[]);
        assert!(same.abs() < 1e-6, "{same}");
        // Logits shifted by a constant give the same distribution.
        let shifted = distillation_loss(&(&teacher + 3.0), &teacher, 2.0).double_value(&[]);
        assert!(shifted.abs() < 1e-5, "{shifted}");
        let flipped = teacher.flip([1]);
        let apart = distillation_loss(&flipped, &teacher, 2.0).double_value(&[]);
        assert!(apart > 0.1, "{apart}");
        // A row's loss does not depend on how many rows share the batch.
        let twice = Tensor::cat(&[&flipped, &flipped], 0);
        let twice_t = Tensor::cat(&[&teacher, &teacher], 0);
        let mean = distillation_loss(&twice, &twice_t, 2.0).double_value(&[]);
        assert!((mean - apart).abs() < 1e-5, "{mean} vs {apart}");
    }
}
