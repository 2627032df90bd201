//! Loading a trained model's weights in the precision it runs in, and the
//! hash that names them in `model_version`.

use std::path::Path;

use anyhow::Context;
use tch::nn;

use crate::Precision;

/// Loads `weights` into `vs`, casts them to `precision` (a float one:
/// bfloat16, else float32) and freezes them. Returns the first 12 hex
/// digits of the weights file's BLAKE3 hash, which names the model.
pub fn load_weights(
    vs: &mut nn::VarStore,
    weights: &Path,
    precision: Precision,
) -> anyhow::Result<String> {
    vs.load(weights)
        .with_context(|| format!("loading {}", weights.display()))?;
    match precision {
        Precision::Bfloat16 => vs.bfloat16(),
        _ => vs.float(),
    }
    vs.freeze();
    let bytes = std::fs::read(weights)?;
    Ok(blake3::hash(&bytes).to_hex()[..12].to_string())
}
