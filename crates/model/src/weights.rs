//! Loading a trained model's weights in the precision it runs in, the
//! hash that names them in `model_version`, and writing a trained model's
//! directory (what every training command exports).

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

/// Writes the weights, config and vocabulary of a model directory `out`:
/// every variable of `stores` in half precision, sorted by name, as
/// `model.safetensors`; `config` as `config.json`; `vocab` copied to
/// `vocab.txt`. Each trainer adds its own settings and history beside them.
pub fn export(
    out: &Path,
    stores: &[&nn::VarStore],
    config: &impl serde::Serialize,
    vocab: &Path,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(out)?;
    let mut named: Vec<(String, tch::Tensor)> = stores
        .iter()
        .flat_map(|vs| vs.variables())
        .map(|(k, v)| (k, v.to_kind(tch::Kind::Half)))
        .collect();
    named.sort_by(|a, b| a.0.cmp(&b.0));
    tch::Tensor::write_safetensors(&named, out.join("model.safetensors"))?;
    std::fs::write(out.join("config.json"), serde_json::to_vec_pretty(config)?)?;
    std::fs::copy(vocab, out.join("vocab.txt"))?;
    Ok(())
}

#[cfg(test)]
mod export_tests {
    use super::*;

    #[test]
    fn export_writes_half_precision_weights_config_and_vocabulary() {
        let out = std::env::temp_dir().join(format!("stancewire-export-{}", std::process::id()));
        let from = out.join("from");
        std::fs::create_dir_all(&from).unwrap();
        std::fs::write(from.join("vocab.txt"), "[PAD]\nword\n").unwrap();
        let vs = nn::VarStore::new(tch::Device::Cpu);
        let _ = vs.root().sub("b").ones("w", &[2, 3]);
        let _ = vs.root().sub("a").zeros("w", &[4]);
        let config = serde_json::json!({"hidden_size": 3});
        export(&out.join("model"), &[&vs], &config, &from.join("vocab.txt")).unwrap();
        let model = out.join("model");
        let tensors = tch::Tensor::read_safetensors(model.join("model.safetensors")).unwrap();
        let mut names: Vec<&str> = tensors.iter().map(|(n, _)| n.as_str()).collect();
        names.sort();
        assert_eq!(names, ["a.w", "b.w"]);
        assert!(tensors.iter().all(|(_, t)| t.kind() == tch::Kind::Half));
        let back: serde_json::Value =
            serde_json::from_slice(&std::fs::read(model.join("config.json")).unwrap()).unwrap();
        assert_eq!(back, config);
        assert_eq!(
            std::fs::read_to_string(model.join("vocab.txt")).unwrap(),
            "[PAD]\nword\n"
        );
        std::fs::remove_dir_all(&out).unwrap();
    }
}
