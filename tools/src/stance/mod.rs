//! The stance model's offline tools: the stance datasets and their scores
//! ([`fnc`]), scoring the model on them ([`eval`]), training it ([`train`])
//! and training the statement-stance model from it ([`statement_train`]).

pub mod eval;
pub mod fnc;
pub mod statement_train;
pub mod train;
