//! Groups an article's mentions into entities: "Putin" and "Vladimir Putin"
//! are one person (a partial name joins the nearest full name that contains
//! it); "SCO" is the "Shanghai Cooperation Organization" (initials); other
//! mentions group by their text, whatever type each occurrence was tagged
//! with, and the entity takes the type most of its mentions carry.

use std::collections::HashMap;

use stancewire_proto::v1::EntityType;

use super::Mention;

pub(crate) struct Group {
    pub kind: EntityType,
    /// Indexes into the mentions, in text order.
    pub mentions: Vec<usize>,
    /// Lower-case tokens of the longest person name (persons only).
    name_tokens: Vec<String>,
}

/// Lower case, curly apostrophes straightened, a leading "the" dropped.
pub(crate) fn normalise(text: &str) -> String {
    let t = text.replace('’', "'").to_lowercase();
    let t = t.strip_prefix("the ").unwrap_or(&t).to_string();
    t.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn tokens(text: &str) -> Vec<String> {
    normalise(text).split(' ').map(str::to_string).collect()
}

/// Initials of the capitalised words: "Shanghai Cooperation Organization" → "SCO".
fn initials(text: &str) -> String {
    text.split_whitespace()
        .filter_map(|w| w.chars().next().filter(|c| c.is_uppercase()))
        .collect()
}

pub(crate) fn group(mentions: &[Mention]) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    let mut assigned: Vec<Option<usize>> = vec![None; mentions.len()];
    // Longest names first, so that full names found the groups partial ones join.
    let mut order: Vec<usize> = (0..mentions.len()).collect();
    order.sort_by_key(|&i| {
        (
            std::cmp::Reverse(tokens(&mentions[i].text).len()),
            mentions[i].start,
        )
    });

    // Persons.
    for &i in order
        .iter()
        .filter(|&&i| mentions[i].kind == EntityType::Per)
    {
        let t = tokens(&mentions[i].text);
        let candidates: Vec<usize> = groups
            .iter()
            .enumerate()
            .filter(|(_, g)| {
                g.kind == EntityType::Per && t.iter().all(|x| g.name_tokens.contains(x))
            })
            .map(|(gi, _)| gi)
            .collect();
        let chosen = nearest_preceding(&candidates, &groups, mentions, mentions[i].start);
        match chosen {
            Some(gi) => groups[gi].mentions.push(i),
            None => groups.push(Group {
                kind: EntityType::Per,
                mentions: vec![i],
                name_tokens: t,
            }),
        }
        assigned[i] = Some(0);
    }

    // Everything else: a lone word inside a person's name joins the person
    // (a surname the model typed wrongly); same text joins; initials join.
    let mut by_text: HashMap<(bool, String), usize> = HashMap::new();
    for &i in order.iter().filter(|&&i| assigned[i].is_none()) {
        let m = &mentions[i];
        let is_date = m.kind == EntityType::Date;
        let t = tokens(&m.text);
        let key = (is_date, normalise(&m.text));
        let person =
            if !is_date && t.len() == 1 && m.text.chars().next().is_some_and(char::is_uppercase) {
                let candidates: Vec<usize> = groups
                    .iter()
                    .enumerate()
                    .filter(|(_, g)| g.kind == EntityType::Per && g.name_tokens.contains(&t[0]))
                    .map(|(gi, _)| gi)
                    .collect();
                nearest_preceding(&candidates, &groups, mentions, m.start)
            } else {
                None
            };
        let acronym = || {
            let letters = m.text.chars().count();
            if is_date || t.len() != 1 || letters < 2 || !m.text.chars().all(char::is_uppercase) {
                return None;
            }
            groups.iter().position(|g| {
                g.kind != EntityType::Per
                    && g.kind != EntityType::Date
                    && g.mentions.iter().any(|&j| {
                        mentions[j].text.split_whitespace().count() > 1
                            && initials(&mentions[j].text) == m.text
                    })
            })
        };
        let gi = person
            .or_else(|| by_text.get(&key).copied())
            .or_else(acronym);
        match gi {
            Some(gi) => groups[gi].mentions.push(i),
            None => {
                groups.push(Group {
                    kind: m.kind,
                    mentions: vec![i],
                    name_tokens: Vec::new(),
                });
                by_text.insert(key, groups.len() - 1);
            }
        }
    }

    for g in &mut groups {
        g.mentions.sort_by_key(|&i| mentions[i].start);
        g.kind = vote(g, mentions);
    }
    groups.sort_by_key(|g| mentions[g.mentions[0]].start);
    groups
}

/// The candidate with a mention closest before `at`; else the first one.
fn nearest_preceding(
    candidates: &[usize],
    groups: &[Group],
    mentions: &[Mention],
    at: usize,
) -> Option<usize> {
    candidates.iter().copied().max_by_key(|&gi| {
        groups[gi]
            .mentions
            .iter()
            .map(|&j| mentions[j].start)
            .filter(|&s| s < at)
            .max()
            .map_or((0, usize::MAX - gi), |s| (1, s))
    })
}

/// The type most of the group's mention confidence is on (persons stay
/// persons); a place named as the employer of a spokesman is an organisation.
fn vote(g: &Group, mentions: &[Mention]) -> EntityType {
    if g.kind == EntityType::Per || g.kind == EntityType::Date {
        return g.kind;
    }
    if g.mentions.iter().any(|&i| mentions[i].org_cue)
        && g.mentions
            .iter()
            .all(|&i| matches!(mentions[i].kind, EntityType::Loc | EntityType::Org))
    {
        return EntityType::Org;
    }
    let mut votes: Vec<(EntityType, f32)> = Vec::new();
    for &i in &g.mentions {
        let m = &mentions[i];
        match votes.iter_mut().find(|(k, _)| *k == m.kind) {
            Some((_, v)) => *v += m.score,
            None => votes.push((m.kind, m.score)),
        }
    }
    votes
        .into_iter()
        .max_by(|a, b| a.1.total_cmp(&b.1).then((b.0 as i32).cmp(&(a.0 as i32))))
        .map_or(g.kind, |(k, _)| k)
}

/// The canonical name: for a person the fullest name, otherwise the most
/// frequent form (then the longest, then the first).
pub(crate) fn canonical_and_aliases(g: &Group, mentions: &[Mention]) -> (String, Vec<String>) {
    let mut forms: Vec<(String, usize, usize)> = Vec::new(); // (text, count, first)
    for &i in &g.mentions {
        let text = mentions[i].text.replace('’', "'");
        match forms.iter_mut().find(|(t, _, _)| *t == text) {
            Some(f) => f.1 += 1,
            None => forms.push((text, 1, mentions[i].start)),
        }
    }
    let words = |s: &str| s.split_whitespace().count();
    let mut aliases = forms.clone();
    aliases.sort_by(|a, b| {
        words(&b.0)
            .cmp(&words(&a.0))
            .then(b.1.cmp(&a.1))
            .then(a.2.cmp(&b.2))
    });
    let canonical = if g.kind == EntityType::Per {
        aliases[0].0.clone()
    } else {
        forms
            .iter()
            .max_by(|a, b| {
                a.1.cmp(&b.1)
                    .then(words(&a.0).cmp(&words(&b.0)))
                    .then(b.2.cmp(&a.2))
            })
            .map(|f| f.0.clone())
            .unwrap_or_default()
    };
    (canonical, aliases.into_iter().map(|a| a.0).collect())
}
