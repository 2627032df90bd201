//! entity-recognition: finds the named entities in each clean article with a
//! rust-bert NER model this project trains ([`model`], [`train`]), groups
//! them into the article's people, organisations, places, things and dates
//! ([`entities`]) and produces `articles.entities` ([`transform`], run by the
//! shared stage loop).

pub mod config;
pub mod conll;
pub mod entities;
pub mod eval;
pub mod fine_tune;
pub mod model;
pub mod progress;
pub mod startup;
pub mod train;
pub mod transform;
pub mod words;
