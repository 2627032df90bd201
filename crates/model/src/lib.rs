//! The transformer runtime both model stages run on, written once.
//!
//! entity-recognition tags words with a MiniLM tagger; stance-detection tags
//! attributions with one and judges claims with MiniLM encoders. What they
//! share lives here, each module one idea:
//!
//! * [`precision`] and [`runtime`]: how libtorch runs (threads, the number
//!   precision chosen at start-up, named in every model version);
//! * [`weights`]: loading a model's weights in that precision, and the hash
//!   that names them;
//! * [`batching`]: inputs sorted by length, cut into forward passes where
//!   padding costs least, and padded into tensors;
//! * [`int8`]: a BERT encoder's forward pass with int8 linear layers, for
//!   CPUs where int8 is faster than bfloat16;
//! * [`tagger`]: a BERT word tagger (words → windows of word pieces with a
//!   casing feature → per-word tag scores), in float or int8;
//! * [`fine_tune`] and [`progress`]: the training loop every model of the
//!   project is trained with;
//! * [`allocator`]: the heap allocator a model process runs on (jemalloc:
//!   glibc's kept growing).

pub mod allocator;
pub mod batching;
pub mod fine_tune;
pub mod int8;
pub mod precision;
pub mod progress;
pub mod runtime;
pub mod tagger;
pub mod weights;

pub use precision::Precision;
pub use runtime::Runtime;
pub use weights::load_weights;

use std::path::{Path, PathBuf};

/// The project's `models/` directory, where trained models ship.
pub fn models_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models")
}
