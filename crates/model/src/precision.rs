//! The number precision a model runs in, chosen once at start-up.
//!
//! Every model of the project runs in float32, bfloat16 or int8 (its linear
//! layers; `crate::int8`). `auto` picks what is fastest on this CPU, as
//! measured on the project's machines: bfloat16 where AMX multiplies it
//! (an Intel Xeon with AMX: the 2-layer tagger at 25.2 articles/s in
//! bfloat16), int8 elsewhere, AVX-512 BF16 CPUs without AMX included (an
//! AMD EPYC with AVX-512 BF16: stance-detection at 329 ms an article in
//! int8 against 541 ms in bfloat16; AVX2: int8 about 1.4× float32). The
//! precision a model ran in changes its outputs a little, so it is part of
//! every model version: two hosts that resolve `auto` differently never
//! emit different bytes under the same record version.

use serde::{Deserialize, Serialize};

/// Number precision for inference, as configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// bfloat16 where the CPU has AMX; int8 elsewhere.
    Auto,
    Float32,
    /// bfloat16 weights and activations (fast with AMX or AVX-512 BF16).
    Bfloat16,
    /// int8 linear layers (weights per output channel, activations per call).
    Int8,
}

impl Precision {
    /// The precision a model runs in: `auto` resolved for this CPU.
    pub fn resolve(self) -> Precision {
        match self {
            Precision::Auto if cpu_has_amx() => Precision::Bfloat16,
            Precision::Auto => Precision::Int8,
            p => p,
        }
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

/// Whether this CPU multiplies bfloat16 in AMX tiles.
pub fn cpu_has_amx() -> bool {
    std::fs::read_to_string("/proc/cpuinfo")
        .map(|s| s.contains(" amx_bf16"))
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_resolves_by_cpu_and_the_rest_stay_as_set() {
        let expected = if cpu_has_amx() {
            Precision::Bfloat16
        } else {
            Precision::Int8
        };
        assert_eq!(Precision::Auto.resolve(), expected);
        for p in [Precision::Float32, Precision::Bfloat16, Precision::Int8] {
            assert_eq!(p.resolve(), p);
        }
    }
}
