//! The stance model's offline tools: the stance datasets and their scores
//! ([`fnc`]), scoring the model on them ([`eval`]) and training ([`train`]).

pub mod eval;
pub mod fnc;
pub mod train;
