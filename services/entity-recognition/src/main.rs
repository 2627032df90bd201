//! `entity-recognition`: clean articles in (`articles.raw`), the same
//! articles with their named entities out (`articles.entities`). Training
//! and evaluation of its model are `stancewire-lab` commands.

/// jemalloc, libtorch's tensors included: see `stancewire_model::allocator`.
#[global_allocator]
static ALLOCATOR: stancewire_model::allocator::Jemalloc = stancewire_model::allocator::Jemalloc;

fn main() -> anyhow::Result<()> {
    stancewire_stage::service::main::<stancewire_entity_recognition::startup::EntityRecognition>()
}
