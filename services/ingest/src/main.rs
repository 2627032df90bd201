//! `ingest`: takes articles from HTTP, RSS/Atom feeds and files, cleans them
//! and produces one clean article record per story to `articles.raw`.
//! `ingest files PATH…` ingests files and directories, then exits. Scoring
//! extraction is a `stancewire-lab` command.

fn main() -> anyhow::Result<()> {
    stancewire_stage::service::main::<stancewire_ingest::startup::Ingest>()
}
