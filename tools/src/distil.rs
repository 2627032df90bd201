//! The command-line half of distillation, shared by `ner-train` and
//! `stance-train`: where a run starts from (the base model, or a trained
//! teacher whose bottom layers the student keeps) and how it weighs the
//! teacher's softened outputs against the gold labels. The loss itself is
//! `stancewire_model::fine_tune::distillation_loss`.

use std::path::{Path, PathBuf};

use serde::Serialize;

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
    /// Softmax temperature of the distillation loss.
    #[arg(long, default_value_t = 2.0)]
    pub temperature: f64,
    /// Weight of the distillation loss; the gold-label loss gets the rest.
    #[arg(long, default_value_t = 0.7)]
    pub distil_weight: f64,
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
