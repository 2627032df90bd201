//! stance-detection: finds who said what in each article (quotes and
//! reported speech, with their speakers), the claims they are about and each
//! source's stance toward each claim ([`speech`]); judges the article against
//! the claims users track with an FNC-1 stance model this project trains
//! ([`model`], [`train`]); produces `articles.enriched` and `stances`.

pub mod config;
pub mod eval;
pub mod fnc;
pub mod model;
pub mod speech;
pub mod startup;
pub mod tracked;
pub mod train;
pub mod transform;
pub mod verdict;
