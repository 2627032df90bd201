//! `stance-detection`: articles with their entities in (`articles.entities`);
//! the same articles with quotes, claims, stances and tracked-claim matches
//! out (`articles.enriched`), and one record per stance (`stances`).
//! `stance-detection track ID TEXT` publishes a claim to track. Training and
//! evaluation of its models are `stancewire-lab` commands.

// jemalloc, libtorch's tensors included, keeping freed pages between
// purges every 10 s: see `stancewire_model::allocator`.
stancewire_model::jemalloc!();

fn main() -> anyhow::Result<()> {
    stancewire_model::allocator::start_purging();
    stancewire_stage::service::main::<stancewire_stance_detection::startup::StanceDetection>()
}
