//! The article's entities and their body mentions, re-indexed for lookup.
//!
//! Entity-recognition gives mentions in character spans and links them to
//! entities by id string. Speaker resolution and claim rewriting ask "which
//! entity is mentioned in this byte range?" many times per article, so the
//! mentions are converted once, sorted by position, and linked to entities
//! by index. Title mentions are left out: every span here indexes the body.

use std::collections::BTreeMap;
use std::ops::Range;

use stancewire_proto::v1::{self, EntityType};

use super::text::Text;

/// One entity of the article.
#[derive(Debug, Clone)]
pub(crate) struct Entity {
    pub id: String,
    pub name: String,
    pub kind: EntityType,
    /// The roles the article gives it ("Kremlin spokesman"), as written.
    pub roles: Vec<String>,
}

/// One body mention of an entity.
#[derive(Debug, Clone)]
pub(crate) struct Mention {
    pub range: Range<usize>,
    pub entity: usize,
}

pub(crate) struct Cast {
    pub entities: Vec<Entity>,
    /// Body mentions, by start then end.
    pub mentions: Vec<Mention>,
    /// The longest mention, in bytes: how far back an overlap can start.
    longest: usize,
}

impl Cast {
    pub fn new(doc: &v1::ArticleEntities, text: &Text) -> Cast {
        let entities: Vec<Entity> = doc
            .entities
            .iter()
            .map(|e| Entity {
                id: e.id.clone(),
                name: e.canonical_name.clone(),
                kind: e.r#type(),
                roles: e
                    .roles
                    .iter()
                    .map(|r| r.text.clone())
                    .filter(|r| !r.trim().is_empty())
                    .collect(),
            })
            .collect();
        let by_id: BTreeMap<&str, usize> = entities
            .iter()
            .enumerate()
            .map(|(i, e)| (e.id.as_str(), i))
            .collect();
        let mut mentions: Vec<Mention> = doc
            .mentions
            .iter()
            .filter(|m| !m.in_title)
            .filter_map(|m| {
                let entity = *by_id.get(m.entity_id.as_str())?;
                let range = text.range(m.span.as_ref()?);
                (!range.is_empty()).then_some(Mention { range, entity })
            })
            .collect();
        mentions.sort_by_key(|m| (m.range.start, m.range.end, m.entity));
        let longest = mentions.iter().map(|m| m.range.len()).max().unwrap_or(0);
        Cast {
            entities,
            mentions,
            longest,
        }
    }

    /// Mentions that overlap `range`, in text order.
    pub fn overlapping<'c>(&'c self, range: &Range<usize>) -> impl Iterator<Item = &'c Mention> {
        let (start, end) = (range.start, range.end);
        let first = self
            .mentions
            .partition_point(|m| m.range.start + self.longest <= start);
        self.mentions[first..]
            .iter()
            .take_while(move |m| m.range.start < end)
            .filter(move |m| m.range.end > start)
    }

    /// Mentions that lie inside `range`, in text order.
    pub fn within<'c>(&'c self, range: &Range<usize>) -> impl Iterator<Item = &'c Mention> {
        let (start, end) = (range.start, range.end);
        self.overlapping(range)
            .filter(move |m| m.range.start >= start && m.range.end <= end)
    }

    pub fn is_person(&self, entity: usize) -> bool {
        self.entities
            .get(entity)
            .is_some_and(|e| e.kind == EntityType::Per)
    }
}
