//! The attribution tagger's offline tools: PolNeAR's annotations
//! ([`polnear`]) and training ([`train`]).

pub mod polnear;
pub mod train;
