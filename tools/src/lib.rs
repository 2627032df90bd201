//! stancewire's offline tools, behind the `stancewire-lab` command: training
//! and evaluating the project's models, scoring extraction, and showing
//! what the pipeline makes of files. Nothing here is deployed, and no
//! service depends on it; it depends on the services to run their code
//! exactly as they run it.

pub mod align;
pub mod attribution;
pub mod distil;
pub mod extraction;
pub mod ner;
pub mod quotes;
pub mod run_args;
pub mod source_stances;
pub mod stance;
