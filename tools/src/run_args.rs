//! What every training command here shares: the learning-rate schedule's
//! warm-up, weight decay, the seed, libtorch threads and resuming. One
//! struct, flattened into each command's arguments (and into the settings
//! each writes to `training.json`, under the same keys as before).

use serde::Serialize;

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
