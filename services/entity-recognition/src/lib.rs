//! entity-recognition: finds the named entities in each clean article with
//! a NER model this project trains ([`model`]), groups them into the
//! article's people, organisations, places, things and dates ([`entities`])
//! and produces `articles.entities`. Its one job is [`transform`]; the
//! stage loop around it is `stancewire_stage`'s.

pub mod config;
pub mod entities;
pub mod model;
pub mod startup;
pub mod transform;
