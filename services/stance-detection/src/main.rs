//! `stance-detection`: articles with their entities in (`articles.entities`);
//! the same articles with quotes, claims, stances and tracked-claim matches
//! out (`articles.enriched`), and one record per stance (`stances`).
//! `stance-detection track ID TEXT` publishes a claim to track. Training and
//! evaluation of its models are `stancewire-lab` commands.

/// jemalloc, libtorch's tensors included: see `stancewire_model::allocator`.
#[global_allocator]
static ALLOCATOR: stancewire_model::allocator::Jemalloc = stancewire_model::allocator::Jemalloc;

fn main() -> anyhow::Result<()> {
    stancewire_stage::service::main::<stancewire_stance_detection::startup::StanceDetection>()
}
