//! What every training command here shares: the learning-rate schedule's
//! warm-up, weight decay, the seed, libtorch threads and resuming. One
//! struct, flattened into each command's arguments (and into the settings
//! each writes to `training.json`, under the same keys as before).

use std::path::Path;

use serde::Serialize;
use stancewire_model::Runtime;

#[derive(Debug, Clone, Serialize, clap::Args)]
pub struct RunArgs {
    /// Share of steps spent warming up (then linear decay to zero).
    #[arg(long, default_value_t = 0.1)]
    pub warmup: f64,
    #[arg(long, default_value_t = 0.01)]
    pub weight_decay: f64,
    #[arg(long, default_value_t = 13)]
    pub seed: u64,
    /// libtorch threads (0: one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Continue from the last finished epoch in CHECKPOINTS.
    #[arg(long)]
    pub resume: bool,
}

impl RunArgs {
    /// Sets libtorch's threads and seed, and makes the checkpoint folder:
    /// what every training run does first.
    pub fn begin(&self, checkpoints: &Path) -> anyhow::Result<()> {
        Runtime {
            threads: self.threads,
            ..Default::default()
        }
        .apply();
        tch::manual_seed(self.seed as i64);
        std::fs::create_dir_all(checkpoints)?;
        Ok(())
    }
}
