//! `entity-recognition`: clean articles in (`articles.raw`), the same
//! articles with their named entities out (`articles.entities`). Training
//! and evaluation of its model are `stancewire-lab` commands.

// jemalloc, libtorch's tensors included, keeping freed pages between
// purges every 10 s: see `stancewire_model::allocator`.
stancewire_model::jemalloc!();

fn main() -> anyhow::Result<()> {
    stancewire_model::allocator::start_purging();
    stancewire_stage::service::main::<stancewire_entity_recognition::startup::EntityRecognition>()
}
