//! The stance model's offline tools: the stance datasets and their scores
//! ([`fnc`]), scoring the model on them ([`eval`]), training it ([`train`]),
//! training the statement-stance model from it ([`statement_train`]) and
//! distilling its sentence embedder ([`embedder_distil`]).

pub mod embedder_distil;
pub mod eval;
pub mod fnc;
pub mod statement_train;
pub mod train;
