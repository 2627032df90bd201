//! `entity-recognition`: clean articles in (`articles.raw`), the same
//! articles with their named entities out (`articles.entities`). Training
//! and evaluation of its model are `stancewire-lab` commands.

fn main() -> anyhow::Result<()> {
    stancewire_stage::service::main::<stancewire_entity_recognition::startup::EntityRecognition>()
}
