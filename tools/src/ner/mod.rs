//! The NER model's offline tools: CoNLL-format data ([`conll`]), scoring by
//! the conlleval rules ([`eval`]) and training or distilling ([`train`]).

pub mod conll;
pub mod eval;
pub mod train;
