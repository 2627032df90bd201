//! The number precision a model runs in, chosen once at start-up.
//!
//! Every model runs in a float precision: bfloat16 where the CPU multiplies
//! it natively (AMX or AVX-512 BF16), float32 elsewhere. Models that have an
//! int8 pass (the word taggers, `tagger::int8`) can run int8 instead, and do
//! under `auto` on CPUs without bfloat16, where int8 is faster. A model that
//! has no int8 pass refuses `int8` at load rather than quietly running
//! float32. The precision a model ran in changes its outputs a little, so it
//! is part of every model version: two hosts that resolve `auto` differently
//! never emit different bytes under the same record version.

use serde::{Deserialize, Serialize};

/// Number precision for inference, as configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// bfloat16 where the CPU multiplies it natively (AMX or AVX-512 BF16);
    /// elsewhere int8 for models that have an int8 pass, float32 for others.
    Auto,
    Float32,
    Bfloat16,
    /// int8 linear layers; only for models with an int8 pass (the taggers).
    Int8,
}

impl Precision {
    /// The precision a model runs in: `auto` resolved for this CPU, and
    /// `int8` checked against what the model supports.
    pub fn resolve(self, has_int8: bool) -> anyhow::Result<Precision> {
        Ok(match self {
            Precision::Auto if cpu_has_bf16() => Precision::Bfloat16,
            Precision::Auto if has_int8 => Precision::Int8,
            Precision::Auto => Precision::Float32,
            Precision::Int8 if !has_int8 => anyhow::bail!(
                "precision \"int8\" is for models with an int8 pass (the taggers); \
                 this model runs \"float32\" or \"bfloat16\""
            ),
            p => p,
        })
    }

    /// The precision's name in model versions and logs.
    pub fn name(self) -> &'static str {
        match self {
            Precision::Auto => "auto",
            Precision::Float32 => "float32",
            Precision::Bfloat16 => "bfloat16",
            Precision::Int8 => "int8",
        }
    }
}

/// Whether this CPU multiplies bfloat16 natively.
pub fn cpu_has_bf16() -> bool {
    std::fs::read_to_string("/proc/cpuinfo")
        .map(|s| s.contains(" amx_bf16") || s.contains(" avx512_bf16"))
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_resolves_by_cpu_and_int8_only_where_supported() {
        let auto = Precision::Auto.resolve(true).unwrap();
        let float = Precision::Auto.resolve(false).unwrap();
        if cpu_has_bf16() {
            assert_eq!((auto, float), (Precision::Bfloat16, Precision::Bfloat16));
        } else {
            assert_eq!((auto, float), (Precision::Int8, Precision::Float32));
        }
        assert_eq!(Precision::Int8.resolve(true).unwrap(), Precision::Int8);
        let refused = Precision::Int8.resolve(false).unwrap_err().to_string();
        assert!(refused.contains("int8 pass"), "{refused}");
        assert_eq!(
            Precision::Float32.resolve(false).unwrap(),
            Precision::Float32
        );
    }
}
