//! The stance model's offline tools: the stance datasets and their scores
//! ([`fnc`]), scoring the model on them ([`eval`]), training it ([`train`]),
//! training the statement-stance model from it ([`statement_train`], on
//! Emergent and on the pairs [`statement_pairs`] catches the pipeline
//! reading; [`agreement`] compares a student's readings with its teacher's)
//! and distilling its sentence embedder ([`embedder_distil`]).

pub mod agreement;
pub mod embedder_distil;
pub mod eval;
pub mod fnc;
pub mod statement_pairs;
pub mod statement_train;
pub mod train;
