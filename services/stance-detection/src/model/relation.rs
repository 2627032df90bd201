//! The stance model's answer about a (claim, article) pair: FNC-1's four
//! relations, in the order of the model's outputs.

use serde::Serialize;

/// FNC-1's four relations, in the order the model's outputs use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Relation {
    Agree,
    Disagree,
    Discuss,
    Unrelated,
}

impl Relation {
    pub const ALL: [Relation; 4] = [
        Relation::Agree,
        Relation::Disagree,
        Relation::Discuss,
        Relation::Unrelated,
    ];
    /// The three classes of related pairs, in the classifier's output order.
    pub const RELATED: [Relation; 3] = [Relation::Agree, Relation::Disagree, Relation::Discuss];

    pub fn parse(s: &str) -> Option<Relation> {
        match s.trim().to_ascii_lowercase().as_str() {
            "agree" | "for" | "favor" => Some(Relation::Agree),
            "disagree" | "against" => Some(Relation::Disagree),
            "discuss" | "observing" | "none" => Some(Relation::Discuss),
            "unrelated" => Some(Relation::Unrelated),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Relation::Agree => "agree",
            Relation::Disagree => "disagree",
            Relation::Discuss => "discuss",
            Relation::Unrelated => "unrelated",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}
