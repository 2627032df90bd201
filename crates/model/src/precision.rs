//! The number precision a model runs in, chosen once at start-up.
//!
//! Every model of the project runs in float32, bfloat16 or int8 (its linear
//! layers; `crate::int8`). `auto` picks what is fastest on this CPU, as
//! measured on the project's machines: int8 wherever fbgemm multiplies it
//! (x86-64 with AVX2), float32 elsewhere. bfloat16 loses even where AMX
//! multiplies it: on a 2-core Intel Xeon with AMX, one thread,
//! stance-detection takes 129–135 ms an article in int8 against 179–214 ms
//! in bfloat16 (`stancewire-lab quotes --profile`, 20 BBC articles) and the
//! 2-layer NER tagger reads CoNLL train in 7.5 s against 9.5 s, in 415 MB
//! against 705 MB; on an AMD EPYC with AVX-512 BF16 and no AMX
//! stance-detection took 329 ms in int8 against 541 ms in bfloat16; on
//! AVX2, int8 is about 1.4× float32. On that Xeon int8 also scores as it
//! does elsewhere (source stances 0.805, where bfloat16 gives 0.799). The
//! precision a model ran in changes its outputs a little, so it is part of
//! every model version: two hosts that resolve `auto` differently never
//! emit different bytes under the same record version.

use serde::{Deserialize, Serialize};

/// Number precision for inference, as configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// int8 where fbgemm runs (AVX2); float32 elsewhere.
    Auto,
    Float32,
    /// bfloat16 weights and activations (multiplied by AMX or AVX-512 BF16;
    /// still slower than int8 on every CPU measured).
    Bfloat16,
    /// int8 linear layers (weights per output channel, activations per call).
    Int8,
}

impl Precision {
    /// The precision a model runs in: `auto` resolved for this CPU.
    pub fn resolve(self) -> Precision {
        match self {
            Precision::Auto if cpu_has_avx2() => Precision::Int8,
            Precision::Auto => Precision::Float32,
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

/// Whether fbgemm's int8 kernels run on this CPU (they need AVX2).
pub fn cpu_has_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_resolves_by_cpu_and_the_rest_stay_as_set() {
        let expected = if cpu_has_avx2() {
            Precision::Int8
        } else {
            Precision::Float32
        };
        assert_eq!(Precision::Auto.resolve(), expected);
        for p in [Precision::Float32, Precision::Bfloat16, Precision::Int8] {
            assert_eq!(p.resolve(), p);
        }
    }
}
