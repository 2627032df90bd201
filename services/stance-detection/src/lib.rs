//! stance-detection: finds who said what in each article — attributions
//! found by a tagger this project trains ([`attribution`]), their speakers
//! resolved, their claims and stated stances read ([`speech`]) and every
//! other statement about a claim read by the stance model ([`judge`]) — judges the
//! article against its own and the tracked claims with an FNC-1 stance
//! model this project trains ([`model`], [`verdict`], [`tracked`]), and
//! produces `articles.enriched` and `stances`. Its one job is
//! [`transform`]; the stage loop around it is `stancewire_stage`'s.

pub mod attribution;
pub mod config;
pub mod judge;
pub mod model;
pub mod phases;
pub mod speech;
pub mod startup;
pub mod tracked;
pub mod transform;
pub mod verdict;
