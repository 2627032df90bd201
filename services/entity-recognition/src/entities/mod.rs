//! From an article and the model's tags to its entities: mentions with exact
//! offsets (model spans plus dates), authors and editors left out, mentions
//! grouped into entities with a canonical name, aliases, roles, title
//! presence and salience.

pub mod dates;
pub mod grouping;
pub mod roles;

use stancewire_proto::v1::{self, EntityType};
use stancewire_text::words::{self, Word};
use stancewire_text::CharIndex;

use crate::model::{labels, Tagged};

/// A mention before it becomes a record.
#[derive(Debug, Clone)]
pub(crate) struct Mention {
    /// Character offsets into the body (or the title, if `in_title`).
    pub start: usize,
    pub end: usize,
    pub text: String,
    pub kind: EntityType,
    pub score: f32,
    pub in_title: bool,
    /// A role found beside this mention: (text, start, end) in the body.
    pub role: Option<(String, usize, usize)>,
    /// Named as the employer of a spokesman or representative ("Kremlin
    /// spokesman"): an organisation, even where the model saw a place.
    pub org_cue: bool,
}

/// Words after a name that make it an organisation (metonymy: "the Kremlin
/// representative", "White House spokeswoman").
const ORG_CUES: &[&str] = &[
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "spokespeople",
    "representative",
    "representatives",
    "press",
];

/// Lower-case words a name never ends with.
const NEVER_LAST: &[&str] = &["and", "or", "of", "the", "for", "in", "on", "at", "to", "&"];

/// Drops the connecting words a tagged chunk ends with ("Shanghai
/// Cooperation Organization and" when the next name starts a chunk of its
/// own): the name ends before them. `None` when nothing is left, as for a
/// lone "The" the tagger took for a name: it would become an entity that
/// every "the" of the text is a mention of.
fn trim_trailing(words: &[&str], mut chunk: labels::Chunk) -> Option<labels::Chunk> {
    let connecting = |w: &str| NEVER_LAST.contains(&w.to_lowercase().as_str());
    while chunk.end > chunk.start && connecting(words[chunk.end - 1]) {
        chunk.end -= 1;
    }
    (chunk.end > chunk.start).then_some(chunk)
}

/// Splits a tagged chunk at "and" when one side is a lone acronym
/// ("Shanghai Cooperation Organization and BRICS"): two names, not one.
/// Names that contain "and" ("Bosnia and Herzegovina", "Food and Drug
/// Administration") have no acronym side and stay whole.
fn split_conjoined(words: &[&str], chunk: labels::Chunk) -> Vec<labels::Chunk> {
    let is_acronym = |w: &str| w.chars().count() >= 2 && w.chars().all(|c| c.is_uppercase());
    for i in chunk.start + 1..chunk.end.saturating_sub(1) {
        if words[i] != "and" {
            continue;
        }
        let left = chunk.start..i;
        let right = i + 1..chunk.end;
        let lone_acronym = |r: &std::ops::Range<usize>| r.len() == 1 && is_acronym(words[r.start]);
        if lone_acronym(&left) || lone_acronym(&right) {
            return vec![
                labels::Chunk {
                    kind: chunk.kind.clone(),
                    start: left.start,
                    end: left.end,
                },
                labels::Chunk {
                    kind: chunk.kind,
                    start: right.start,
                    end: right.end,
                },
            ];
        }
    }
    vec![chunk]
}

/// One sentence of the body cut into words, offsets relative to the body.
pub struct SentenceWords<'a> {
    pub words: Vec<Word<'a>>,
}

/// The body's sentences as words (the article's sentence spans; the whole
/// body when it has none).
pub fn sentence_words(article: &v1::Article) -> Vec<SentenceWords<'_>> {
    let body = CharIndex::new(&article.body);
    let spans: Vec<(usize, usize)> = if article.sentences.is_empty() {
        vec![(0, body.chars())]
    } else {
        article
            .sentences
            .iter()
            .filter_map(|s| s.span.as_ref())
            .map(|s| (s.start as usize, s.end as usize))
            .collect()
    };
    spans
        .into_iter()
        .map(|(start, end)| SentenceWords {
            words: words::split(body.slice(start, end))
                .into_iter()
                .map(|w| Word {
                    text: w.text,
                    start: w.start + start,
                    end: w.end + start,
                })
                .collect(),
        })
        .collect()
}

fn entity_type(kind: &str) -> EntityType {
    match kind {
        "PER" => EntityType::Per,
        "ORG" => EntityType::Org,
        "LOC" => EntityType::Loc,
        "MISC" => EntityType::Misc,
        _ => EntityType::Unspecified,
    }
}

/// The entities of `article`, given the model's tags for `sentences`.
pub fn build(
    article: &v1::Article,
    sentences: &[SentenceWords<'_>],
    tags: &[Vec<Tagged>],
) -> (Vec<v1::EntityMention>, Vec<v1::Entity>) {
    let body = CharIndex::new(&article.body);
    let people_in_byline: Vec<String> = article
        .authors
        .iter()
        .chain(&article.editors)
        .map(|n| grouping::normalise(n))
        .collect();

    let mut mentions: Vec<Mention> = Vec::new();
    for (sentence, tagged) in sentences.iter().zip(tags) {
        let texts: Vec<&str> = sentence.words.iter().map(|w| w.text).collect();
        let names: Vec<&str> = tagged.iter().map(|t| labels::TAGS[t.tag]).collect();
        for chunk in labels::chunks(&names)
            .into_iter()
            .filter_map(|c| trim_trailing(&texts, c))
            .flat_map(|c| split_conjoined(&texts, c))
        {
            let start = sentence.words[chunk.start].start;
            let end = sentence.words[chunk.end - 1].end;
            let text = body.slice(start, end).to_string();
            let kind = entity_type(&chunk.kind);
            if kind == EntityType::Per && people_in_byline.contains(&grouping::normalise(&text)) {
                continue; // the author or editor, not a person in the story
            }
            let score = tagged[chunk.start..chunk.end]
                .iter()
                .map(|t| t.score)
                .sum::<f32>()
                / (chunk.end - chunk.start) as f32;
            let role = (kind == EntityType::Per)
                .then(|| {
                    roles::before(&texts, chunk.start).or_else(|| roles::after(&texts, chunk.end))
                })
                .flatten()
                .map(|r| {
                    let (s, e) = (sentence.words[r.start].start, sentence.words[r.end - 1].end);
                    (body.slice(s, e).to_string(), s, e)
                });
            let org_cue = texts
                .get(chunk.end)
                .is_some_and(|w| ORG_CUES.contains(&w.to_lowercase().as_str()));
            mentions.push(Mention {
                start,
                end,
                text,
                kind,
                score,
                in_title: false,
                role,
                org_cue,
            });
        }
    }
    // Dates, where the model found nothing overlapping.
    for range in dates::find(&article.body) {
        let (start, end) = (body.char_at(range.start), body.char_at(range.end));
        if mentions.iter().all(|m| m.end <= start || m.start >= end) {
            mentions.push(Mention {
                start,
                end,
                text: article.body[range].to_string(),
                kind: EntityType::Date,
                score: 1.0,
                in_title: false,
                role: None,
                org_cue: false,
            });
        }
    }
    mentions.sort_by_key(|m| (m.start, m.end));
    grouping::consistent_types(&mut mentions);

    let groups = grouping::group(&mentions);
    let title_mentions = find_in_title(&article.title, &groups, &mentions);
    let body_len = body.chars().max(1);
    let most = groups.iter().map(|g| g.mentions.len()).max().unwrap_or(1);

    // Records: body mentions in text order, then title mentions.
    let mut out_mentions: Vec<v1::EntityMention> = Vec::new();
    let mut entities: Vec<v1::Entity> = Vec::new();
    let mut entity_of: Vec<usize> = vec![0; mentions.len()];
    for (gi, g) in groups.iter().enumerate() {
        for &i in &g.mentions {
            entity_of[i] = gi;
        }
    }
    for (i, m) in mentions.iter().enumerate() {
        out_mentions.push(record(m, entity_of[i], groups[entity_of[i]].kind));
    }
    for (gi, m) in &title_mentions {
        out_mentions.push(record(m, *gi, groups[*gi].kind));
    }
    for (gi, g) in groups.iter().enumerate() {
        let (canonical_name, aliases) = grouping::canonical_and_aliases(g, &mentions);
        let in_title = title_mentions.iter().any(|(t, _)| *t == gi);
        let first = mentions[g.mentions[0]].start as f32 / body_len as f32;
        let salience = 0.45 * g.mentions.len() as f32 / most as f32
            + 0.35 * f32::from(u8::from(in_title))
            + 0.2 * (1.0 - first);
        let mut roles: Vec<v1::EntityRole> = Vec::new();
        for &i in &g.mentions {
            if let Some((text, s, e)) = &mentions[i].role {
                if !roles.iter().any(|r| r.text.eq_ignore_ascii_case(text)) {
                    roles.push(v1::EntityRole {
                        text: text.clone(),
                        span: Some(v1::Span {
                            start: *s as u32,
                            end: *e as u32,
                        }),
                    });
                }
            }
        }
        let mut mention_indexes: Vec<u32> = g.mentions.iter().map(|&i| i as u32).collect();
        mention_indexes.extend(
            title_mentions
                .iter()
                .enumerate()
                .filter(|(_, (t, _))| *t == gi)
                .map(|(k, _)| (mentions.len() + k) as u32),
        );
        entities.push(v1::Entity {
            id: entity_id(gi),
            canonical_name,
            r#type: g.kind as i32,
            roles,
            mention_indexes,
            salience: round3(salience.clamp(0.0, 1.0)),
            in_title,
            aliases,
        });
    }
    (out_mentions, entities)
}

fn entity_id(index: usize) -> String {
    format!("e{index}")
}

fn round3(x: f32) -> f32 {
    (x * 1000.0).round() / 1000.0
}

fn record(m: &Mention, group: usize, kind: EntityType) -> v1::EntityMention {
    v1::EntityMention {
        span: Some(v1::Span {
            start: m.start as u32,
            end: m.end as u32,
        }),
        text: m.text.clone(),
        r#type: kind as i32,
        score: round3(m.score),
        entity_id: entity_id(group),
        in_title: m.in_title,
    }
}

/// Mentions of the body's entities in the title, found by name (the title's
/// capitalisation makes tagging it unreliable): each entity's forms, and a
/// person's surname, at word boundaries, longest first, without overlaps.
fn find_in_title(
    title: &str,
    groups: &[grouping::Group],
    mentions: &[Mention],
) -> Vec<(usize, Mention)> {
    let index = CharIndex::new(title);
    let mut names: Vec<(String, usize)> = Vec::new();
    for (gi, g) in groups.iter().enumerate() {
        if g.kind == EntityType::Date {
            continue;
        }
        for &i in &g.mentions {
            let t = mentions[i].text.replace('’', "'");
            if !names.iter().any(|(n, _)| *n == t) {
                names.push((t, gi));
            }
            if g.kind == EntityType::Per {
                if let Some(last) = mentions[i].text.split_whitespace().last() {
                    if last.chars().count() >= 3 && !names.iter().any(|(n, _)| n == last) {
                        names.push((last.to_string(), gi));
                    }
                }
            }
        }
    }
    names.sort_by_key(|(n, _)| std::cmp::Reverse(n.chars().count()));
    let straight = title.replace('’', "'");
    let mut found: Vec<(usize, Mention)> = Vec::new();
    for (name, gi) in names {
        for (byte, _) in straight.match_indices(name.as_str()) {
            let before = straight[..byte].chars().next_back();
            let after = straight[byte + name.len()..].chars().next();
            if before.is_some_and(char::is_alphanumeric) || after.is_some_and(char::is_alphanumeric)
            {
                continue;
            }
            // Straightening apostrophes keeps the character count, so
            // character offsets in `straight` are offsets in `title`.
            let start = straight[..byte].chars().count();
            let end = start + name.chars().count();
            if found.iter().any(|(_, m)| m.start < end && start < m.end) {
                continue;
            }
            found.push((
                gi,
                Mention {
                    start,
                    end,
                    text: index.slice(start, end).to_string(),
                    kind: groups[gi].kind,
                    score: 1.0,
                    in_title: true,
                    role: None,
                    org_cue: false,
                },
            ));
        }
    }
    found.sort_by_key(|(_, m)| m.start);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str, kind: &str) -> Vec<String> {
        let words: Vec<&str> = text.split(' ').collect();
        let chunk = labels::Chunk {
            kind: kind.into(),
            start: 0,
            end: words.len(),
        };
        split_conjoined(&words, chunk)
            .into_iter()
            .map(|c| words[c.start..c.end].join(" "))
            .collect()
    }

    #[test]
    fn a_name_never_ends_with_a_connecting_word() {
        let words: Vec<&str> = "the Shanghai Cooperation Organization and BRICS"
            .split(' ')
            .collect();
        let chunk = |start, end| labels::Chunk {
            kind: "ORG".into(),
            start,
            end,
        };
        let trimmed = trim_trailing(&words, chunk(1, 5)).unwrap();
        assert_eq!(
            words[trimmed.start..trimmed.end].join(" "),
            "Shanghai Cooperation Organization"
        );
        assert_eq!(
            trim_trailing(&words, chunk(5, 6)).unwrap().end,
            6,
            "BRICS stays"
        );
        assert!(trim_trailing(&words, chunk(0, 1)).is_none(), "nothing left");
        let the: Vec<&str> = "The Journal".split(' ').collect();
        assert!(trim_trailing(&the, chunk(0, 1)).is_none(), "a lone The");
        let bank: Vec<&str> = "Bank of England".split(' ').collect();
        assert_eq!(
            trim_trailing(&bank, chunk(0, 3)).unwrap().end,
            3,
            "inside a name is fine"
        );
    }

    #[test]
    fn conjoined_names_split_only_beside_an_acronym() {
        assert_eq!(
            split("Shanghai Cooperation Organization and BRICS", "ORG"),
            ["Shanghai Cooperation Organization", "BRICS"]
        );
        assert_eq!(
            split("NATO and European Union", "ORG"),
            ["NATO", "European Union"]
        );
        assert_eq!(
            split("Bosnia and Herzegovina", "LOC"),
            ["Bosnia and Herzegovina"]
        );
        assert_eq!(
            split("Food and Drug Administration", "ORG"),
            ["Food and Drug Administration"]
        );
    }
}
