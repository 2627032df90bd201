//! Groups an article's mentions into entities: "Putin" and "Vladimir Putin"
//! are one person (a partial name joins the nearest full name that contains
//! it); "SCO" is the "Shanghai Cooperation Organization" (initials); other
//! mentions group by their text, whatever type each occurrence was tagged
//! with, and the entity takes the type most of its mentions carry.
//!
//! Before grouping, a name means one thing throughout an article ("one sense
//! per discourse"): where the tagger typed the same text differently in
//! different sentences, every occurrence takes the type with the most
//! confidence behind it. Without this, one sentence where "Kremlin" looked
//! like a surname would make the Kremlin a person for the whole article.

use std::collections::{HashMap, HashSet};

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

/// A company's name without its legal form: "Tesla Inc" and "Tesla", "Boeing
/// Co." and "Boeing" are one organisation. A name that is only the form
/// stays as it is.
fn without_legal_form(name: &str) -> String {
    const FORMS: &[&str] = &[
        "inc", "corp", "co", "ltd", "plc", "llc", "ag", "sa", "nv", "se", "spa", "gmbh",
    ];
    let trimmed = name.trim_end_matches('.');
    match trimmed.rsplit_once(' ') {
        Some((head, form)) if FORMS.contains(&form.trim_end_matches([',', '.'])) => {
            head.trim_end_matches(',').to_string()
        }
        _ => name.to_string(),
    }
}

/// Whether a full name is a different person from the fuller name that
/// holds its words: "Donald Trump" is not "Donald Trump Jr." (a lone
/// "Trump" may be either, and joins the nearest).
fn another_generation(name: &[String], fuller: &[String]) -> bool {
    let suffix = |w: &String| {
        matches!(
            w.trim_end_matches('.').trim_end_matches(','),
            "jr" | "sr" | "ii" | "iii" | "iv"
        )
    };
    name.len() >= 2 && fuller.iter().any(suffix) && !name.iter().any(suffix)
}

/// Initials of the capitalised words: "Shanghai Cooperation Organization" → "SCO".
fn initials(text: &str) -> String {
    text.split_whitespace()
        .filter_map(|w| w.chars().next().filter(|c| c.is_uppercase()))
        .collect()
}

/// Gives every occurrence of a name the type most of its confidence is on.
/// A word of a person's full name ("Peskov" beside "Dmitry Peskov") is left
/// alone: grouping joins it to the person, whatever it was tagged. Dates
/// come from rules, not the tagger, and are never changed.
pub(crate) fn consistent_types(mentions: &mut [Mention]) {
    let full_name_words: HashSet<String> = mentions
        .iter()
        .filter(|m| m.kind == EntityType::Per)
        .map(|m| tokens(&m.text))
        .filter(|t| t.len() > 1)
        .flatten()
        .collect();
    let mut by_text: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, m) in mentions.iter().enumerate() {
        if m.kind != EntityType::Date {
            by_text.entry(normalise(&m.text)).or_default().push(i);
        }
    }
    for (text, same) in by_text {
        let first = mentions[same[0]].kind;
        if same.iter().all(|&i| mentions[i].kind == first) || full_name_words.contains(&text) {
            continue;
        }
        let kind = most_confident(same.iter().map(|&i| &mentions[i])).unwrap_or(first);
        for i in same {
            let m = &mut mentions[i];
            if m.kind != kind {
                m.kind = kind;
                if kind != EntityType::Per {
                    m.role = None;
                }
            }
        }
    }
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
                g.kind == EntityType::Per
                    && t.iter().all(|x| g.name_tokens.contains(x))
                    && !another_generation(&t, &g.name_tokens)
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
        let key = (is_date, without_legal_form(&normalise(&m.text)));
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
    most_confident(g.mentions.iter().map(|&i| &mentions[i])).unwrap_or(g.kind)
}

/// The type with the largest summed confidence over `mentions` (ties go to
/// the type listed first in `EntityType`).
fn most_confident<'a>(mentions: impl Iterator<Item = &'a Mention>) -> Option<EntityType> {
    let mut votes: Vec<(EntityType, f32)> = Vec::new();
    for m in mentions {
        match votes.iter_mut().find(|(k, _)| *k == m.kind) {
            Some((_, v)) => *v += m.score,
            None => votes.push((m.kind, m.score)),
        }
    }
    votes
        .into_iter()
        .max_by(|a, b| a.1.total_cmp(&b.1).then((b.0 as i32).cmp(&(a.0 as i32))))
        .map(|(k, _)| k)
}

/// The canonical name: for a person the fullest name the article uses more
/// than once ("Macaulay Culkin" over a one-off "Macaulay Culkin Resurfaces"
/// from a title-case link line, "Donald Trump" over "Donald J. Trump"), else
/// the fullest name; otherwise the most frequent form (then the longest,
/// then the first).
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
        aliases
            .iter()
            .find(|a| a.1 > 1 && words(&a.0) > 1)
            .unwrap_or(&aliases[0])
            .0
            .clone()
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Mentions of `(text, type, confidence)`, one after another.
    fn mentions(list: &[(&str, EntityType, f32)]) -> Vec<Mention> {
        let mut at = 0;
        list.iter()
            .map(|&(text, kind, score)| {
                let start = at;
                at += text.chars().count() + 10;
                Mention {
                    start,
                    end: start + text.chars().count(),
                    text: text.into(),
                    kind,
                    score,
                    in_title: false,
                    role: (kind == EntityType::Per).then(|| ("spokesman".into(), 0, 9)),
                    org_cue: false,
                }
            })
            .collect()
    }

    #[test]
    fn a_name_takes_the_type_most_of_its_confidence_is_on() {
        use EntityType::{Loc, Per};
        let mut ms = mentions(&[
            ("Kremlin", Per, 0.99),
            ("Kremlin", Loc, 0.98),
            ("Kremlin", Per, 0.99),
            ("Kremlin", Loc, 1.0),
            ("Kremlin", Loc, 1.0),
            ("Moscow", Loc, 1.0),
        ]);
        consistent_types(&mut ms);
        assert!(ms.iter().all(|m| m.kind == Loc), "{:?}", kinds(&ms));
        assert!(ms.iter().all(|m| m.role.is_none()), "a place has no role");
        let groups = group(&ms);
        assert_eq!(groups.len(), 2, "Kremlin and Moscow");
        assert_eq!(groups[0].mentions.len(), 5);
    }

    #[test]
    fn a_word_of_a_full_name_is_left_to_join_its_person() {
        use EntityType::{Org, Per};
        let mut ms = mentions(&[
            ("Dmitry Peskov", Per, 1.0),
            ("Peskov", Org, 0.9),
            ("Peskov", Org, 0.8),
            ("Peskov", Per, 0.7),
        ]);
        consistent_types(&mut ms);
        assert_eq!(kinds(&ms), [Per, Org, Org, Per], "left as tagged");
        let groups = group(&ms);
        assert_eq!(groups.len(), 1, "one person");
        assert_eq!(groups[0].kind, Per);
        assert_eq!(groups[0].mentions.len(), 4);
    }

    #[test]
    fn a_person_is_named_by_the_fullest_name_used_more_than_once() {
        use EntityType::Per;
        let ms = mentions(&[
            ("Macaulay Culkin Resurfaces", Per, 0.9),
            ("Macaulay Culkin", Per, 1.0),
            ("Culkin", Per, 1.0),
            ("Macaulay Culkin", Per, 1.0),
        ]);
        let groups = group(&ms);
        assert_eq!(groups.len(), 1);
        let (canonical, aliases) = canonical_and_aliases(&groups[0], &ms);
        assert_eq!(canonical, "Macaulay Culkin");
        assert_eq!(aliases[0], "Macaulay Culkin Resurfaces");
        // Used once each, the fullest name wins.
        let ms = mentions(&[("Peskov", Per, 1.0), ("Dmitry Peskov", Per, 1.0)]);
        let groups = group(&ms);
        assert_eq!(canonical_and_aliases(&groups[0], &ms).0, "Dmitry Peskov");
    }

    #[test]
    fn a_company_is_one_with_and_without_its_legal_form() {
        let ms = mentions(&[
            ("Tesla Inc", EntityType::Org, 0.9),
            ("Tesla", EntityType::Org, 0.9),
            ("Boeing Co.", EntityType::Org, 0.9),
            ("Boeing", EntityType::Org, 0.9),
            ("Co", EntityType::Org, 0.9),
        ]);
        assert_eq!(group(&ms).len(), 3);
    }

    #[test]
    fn a_father_is_not_his_son_junior() {
        let ms = mentions(&[
            ("Donald Trump Jr.", EntityType::Per, 0.9),
            ("Donald Trump", EntityType::Per, 0.9),
        ]);
        assert_eq!(group(&ms).len(), 2);
    }

    #[test]
    fn names_typed_alike_everywhere_are_not_touched() {
        use EntityType::{Org, Per};
        let mut ms = mentions(&[("Reuters", Org, 0.6), ("Hewitt", Per, 0.4)]);
        consistent_types(&mut ms);
        assert_eq!(kinds(&ms), [Org, Per]);
        assert!(ms[1].role.is_some());
    }

    fn kinds(ms: &[Mention]) -> Vec<EntityType> {
        ms.iter().map(|m| m.kind).collect()
    }
}
