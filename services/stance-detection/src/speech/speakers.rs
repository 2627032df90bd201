//! Speakers: from the phrase beside a cue to an entity of the article.
//!
//! A quote is only useful for analytics when its speaker is an entity that
//! other records can join on, and articles name the same speaker many ways:
//! by name ("Kremlin spokesman Dmitry Peskov"), by role ("the Kremlin
//! representative" for a man introduced as "Kremlin spokesman"), or by
//! pronoun ("he said"). Someone who speaks for another and is not named
//! ("his reps", "the actor's publicist", "Shell's spokesman") stands for the
//! one they speak for: the stance is the principal's. Phrases are resolved in
//! text order, so a role or a pronoun can fall back on the speakers and
//! subjects already seen.
//! Whatever cannot be resolved keeps its phrase as the speaker's name.

use std::ops::Range;

use stancewire_proto::v1::EntityType;

use super::attribution::{Attribution, Kind, SpeakerRef};
use super::cast::Cast;
use super::lexicon::{
    is_determiner, is_media_noun, is_organisation_noun, is_person_noun, is_report_noun,
    is_representative, is_stop_word, pronoun, role_family,
};
use super::phrase::is_lower;
use super::text::{Text, Token};

/// A resolved speaker: an entity of the article, or a name only.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Speaker {
    pub entity: Option<usize>,
    pub name: String,
}

impl Speaker {
    pub fn is_nobody(&self) -> bool {
        self.entity.is_none() && self.name.is_empty()
    }

    /// The entity id, or "" when unresolved.
    pub fn id<'c>(&self, cast: &'c Cast) -> &'c str {
        self.entity
            .and_then(|e| cast.entities.get(e))
            .map_or("", |e| e.id.as_str())
    }

    /// What identifies the speaker across attributions.
    pub fn key(&self, cast: &Cast) -> String {
        match self.entity {
            Some(_) => self.id(cast).to_string(),
            None => format!("name:{}", self.name),
        }
    }
}

/// The speaker of every attribution, in the same order.
pub(crate) fn resolve(
    text: &Text,
    cast: &Cast,
    attributions: &[Attribution],
    quoted: &[Range<usize>],
) -> Vec<Speaker> {
    let mut resolver = Resolver {
        text,
        cast,
        spoken: Vec::new(),
        subjects: subjects(text, cast, quoted),
        reporters: Vec::new(),
    };
    let mut speakers = vec![Speaker::default(); attributions.len()];
    let mut order: Vec<usize> = (0..attributions.len()).collect();
    order.sort_by_key(|&i| (position(&attributions[i]), i));
    for &i in &order {
        speakers[i] = match &attributions[i].speaker {
            SpeakerRef::Phrase(range) => resolver.phrase(range, &attributions[i]),
            SpeakerRef::Subject(range) if resolver.names_someone(range) => {
                resolver.phrase(range, &attributions[i])
            }
            SpeakerRef::Subject(_) => continue,
            SpeakerRef::Continues(j) => speakers.get(*j).cloned().unwrap_or_default(),
            SpeakerRef::Enclosing | SpeakerRef::Nobody => continue,
        };
    }
    for &i in &order {
        if attributions[i].speaker == SpeakerRef::Enclosing {
            speakers[i] = enclosing(attributions, &speakers, i);
        }
    }
    speakers
}

/// Where an attribution names its speaker.
fn position(attribution: &Attribution) -> usize {
    match &attribution.speaker {
        SpeakerRef::Phrase(range) | SpeakerRef::Subject(range) => range.start,
        _ => attribution.content.start,
    }
}

/// The speaker of the reported speech that holds quote `i`.
fn enclosing(attributions: &[Attribution], speakers: &[Speaker], i: usize) -> Speaker {
    let inner = &attributions[i].content;
    attributions
        .iter()
        .zip(speakers)
        .filter(|(a, s)| {
            a.kind != Kind::Direct
                && !s.is_nobody()
                && a.content.start <= inner.start
                && inner.end <= a.content.end
        })
        .min_by_key(|(a, _)| a.content.len())
        .map(|(_, s)| s.clone())
        .unwrap_or_default()
}

/// The first person, and the first organisation or place, named in each
/// sentence outside quotation marks: the likely subjects a later "he" or
/// "she", or "it" or "they", refers to. (position, entity)
fn subjects(text: &Text, cast: &Cast, quoted: &[Range<usize>]) -> Vec<(usize, usize)> {
    let unquoted = |m: &&super::cast::Mention| {
        !quoted
            .iter()
            .any(|q| q.start <= m.range.start && m.range.end <= q.end)
    };
    text.sentences
        .iter()
        .flat_map(|s| {
            let person = cast
                .within(&s.range)
                .filter(|m| cast.is_person(m.entity))
                .find(unquoted);
            let group = cast
                .within(&s.range)
                .filter(|m| {
                    matches!(
                        cast.entities[m.entity].kind,
                        EntityType::Org | EntityType::Loc
                    )
                })
                .find(unquoted);
            [person, group]
                .into_iter()
                .flatten()
                .map(|m| (m.range.start, m.entity))
        })
        .collect()
}

struct Resolver<'r, 't> {
    text: &'r Text<'t>,
    cast: &'r Cast,
    /// Speakers resolved so far, in text order.
    spoken: Vec<Spoken>,
    /// (position, entity) of each sentence's subject.
    subjects: Vec<(usize, usize)>,
    /// Entities that spoke as the press does ("reported", "citing"): "the
    /// company" is not one of them.
    reporters: Vec<usize>,
}

/// A speaker already seen, where it was named, and whether it is a person
/// (a PER entity, or an unresolved role such as "a company spokeswoman").
struct Spoken {
    at: usize,
    speaker: Speaker,
    person: bool,
    /// The last word of the phrase that named it, lower-cased ("Germany's
    /// transport authority": "authority"), for a later "the authority".
    head: Option<String>,
}

impl Resolver<'_, '_> {
    fn phrase(&mut self, range: &Range<usize>, attribution: &Attribution) -> Speaker {
        let nominal = attribution.cue.nominal;
        let entity = self
            .named_person(range)
            .or_else(|| self.by_outlet(range, attribution))
            .or_else(|| self.by_principal(range))
            .or_else(|| self.by_role(range))
            .or_else(|| self.named_later(range))
            .or_else(|| self.by_affiliate(range))
            .or_else(|| self.named_group(range))
            .or_else(|| self.by_relative(range));
        let speaker = match entity {
            Some(e) => Speaker {
                entity: Some(e),
                name: self.cast.entities[e].name.clone(),
            },
            None => match self
                .by_pronoun(range)
                .or_else(|| self.by_seat(range))
                .or_else(|| {
                    self.by_description(range).map(|e| Speaker {
                        entity: Some(e),
                        name: self.cast.entities[e].name.clone(),
                    })
                }) {
                Some(speaker) => speaker,
                // "reports claiming that …" with no source named: no speaker.
                None if nominal => return Speaker::default(),
                None => Speaker {
                    entity: None,
                    name: self
                        .text
                        .slice(range)
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" "),
                },
            },
        };
        let person = match speaker.entity {
            Some(e) => self.cast.is_person(e),
            None => self.names_a_person(range),
        };
        let reports = attribution
            .cue
            .word
            .split_whitespace()
            .any(|w| w.starts_with("report") || w == "citing");
        if let (Some(e), true) = (speaker.entity, reports) {
            self.reporters.push(e);
        }
        let head = self.text.lower_words(range).pop();
        self.spoken.push(Spoken {
            at: range.start,
            speaker: speaker.clone(),
            person,
            head,
        });
        speaker
    }

    /// The words of `range`, without its punctuation.
    fn words(&self, range: &Range<usize>) -> Vec<Token> {
        let mut tokens = self.text.tokens(range);
        tokens.retain(|t| t.word);
        tokens
    }

    /// "the company", "the newspaper", "the GOP nominee", "his ex-wife": a
    /// definite description that names no one stands for the latest entity
    /// of its kind named before it — an organisation for an organisation
    /// noun (one whose name has the noun first), a person for an office or
    /// a person noun.
    fn by_description(&self, range: &Range<usize>) -> Option<usize> {
        let tokens = self.words(range);
        // "The Hollywood Reporter" is a name, not a reporter: a description's
        // head is a common noun, written in lower case.
        let head = tokens.last()?;
        if !is_lower(self.text, head) {
            return None;
        }
        let words: Vec<String> = tokens.iter().map(|t| self.text.lower(t)).collect();
        let definite = words.first().is_some_and(|w| {
            matches!(
                w.as_str(),
                "the" | "this" | "that" | "his" | "her" | "its" | "their" | "our"
            )
        });
        let head = words.last()?.trim_end_matches("'s");
        let person = if is_organisation_noun(head) {
            false
        } else if is_person_noun(head) || role_family(head).is_some() {
            true
        } else {
            return None;
        };
        if !definite || words.len() > 5 {
            return None;
        }
        let before: Vec<usize> = self
            .cast
            .overlapping(&(0..range.start))
            .filter(|m| m.range.end <= range.start)
            .filter(|m| {
                let kind = self.cast.entities[m.entity].kind;
                if person {
                    kind == EntityType::Per
                } else {
                    kind == EntityType::Org
                }
            })
            // "Passengers told the Daily Mail …. The company said", "after
            // the Journal reported … a spokesman for the company": the
            // press that told or was told is not "the company".
            .filter(|m| {
                person
                    || is_media_noun(head)
                    || !(self.told(m.range.start) || self.reporters.contains(&m.entity))
            })
            .map(|m| m.entity)
            .collect();
        // "the authority" is the Federal Motor Transport Authority named
        // before it, not the company named since: the latest organisation
        // whose name has the noun, else the latest of its kind — unless the
        // description says more than its noun ("the finance ministry" is
        // not Nestle).
        let named_so = |e: &usize, word: &str| {
            self.cast.entities[*e]
                .name
                .split(|c: char| !c.is_alphanumeric())
                .any(|w| w.eq_ignore_ascii_case(word))
        };
        let modifiers = &words[1..words.len() - 1];
        if person {
            // "a Russian lawyer ... the Russian lawyer": someone the
            // article introduced without a name, not the person named last.
            if self.introduced_unnamed(range.start, head) {
                return None;
            }
            return before.last().copied();
        }
        // "Germany's transport authority denied … a spokeswoman for the
        // authority said": the speaker an earlier phrase with the same noun
        // named, before the latest organisation of all.
        let described = || {
            self.spoken
                .iter()
                .rev()
                .filter(|s| s.at < range.start && s.head.as_deref() == Some(head))
                .find_map(|s| s.speaker.entity)
        };
        before
            .iter()
            .rev()
            .find(|e| named_so(e, head) || modifiers.iter().any(|m| named_so(e, m)))
            .copied()
            .or_else(described)
            .or(before.last().copied().filter(|_| modifiers.is_empty()))
    }

    /// "police spokesman Michael Woody, who said": a relative pronoun stands
    /// for the name just before it in its sentence — a person for "who",
    /// an organisation or place for "which".
    fn by_relative(&self, range: &Range<usize>) -> Option<usize> {
        let tokens = self.text.tokens(range);
        let [token] = tokens.as_slice() else {
            return None;
        };
        let person = match self.text.lower(token).as_str() {
            "who" | "whom" => true,
            "which" => false,
            _ => return None,
        };
        let sentence = self.text.sentence_at(range.start)?;
        let start = self.text.sentences[sentence].range.start;
        self.cast
            .overlapping(&(start..range.start))
            .filter(|m| m.range.end <= range.start)
            .filter(|m| self.cast.is_person(m.entity) == person)
            .last()
            .map(|m| m.entity)
    }

    /// Whether a person noun was introduced before `at` with an indefinite
    /// article ("a Russian lawyer", "an aide"), as someone left unnamed.
    fn introduced_unnamed(&self, at: usize, head: &str) -> bool {
        let lower = self.text.lower_words(&(0..at));
        (0..lower.len()).any(|i| {
            lower[i] == head
                && (1..=3)
                    .filter_map(|k| i.checked_sub(k))
                    .map(|j| lower[j].as_str())
                    .take_while(|w| !is_determiner(w) || matches!(*w, "a" | "an"))
                    .any(|w| matches!(w, "a" | "an"))
        })
    }

    /// Whether the words just before `at` are "told" or "told the": what
    /// follows is whom someone talked to.
    fn told(&self, at: usize) -> bool {
        let before = self.text.slice(&(0..at));
        let words: Vec<&str> = before.split_whitespace().rev().take(2).collect();
        let told = |w: &str| {
            matches!(
                w.to_lowercase().as_str(),
                "told" | "tell" | "tells" | "telling"
            )
        };
        match words.as_slice() {
            [w, ..] if told(w) => true,
            [the, w] => the.eq_ignore_ascii_case("the") && told(w),
            _ => false,
        }
    }

    /// Whether a phrase names an entity of the article, or is a pronoun.
    fn names_someone(&self, range: &Range<usize>) -> bool {
        let pronoun = match self.text.tokens(range).as_slice() {
            [token] => pronoun(&self.text.lower(token)).is_some(),
            _ => false,
        };
        pronoun || self.cast.overlapping(range).next().is_some()
    }

    /// Whether an unresolved phrase names a person: a role or "he"/"she".
    fn names_a_person(&self, range: &Range<usize>) -> bool {
        self.text.tokens(range).iter().any(|t| {
            let word = self.text.lower(t);
            role_family(&word).is_some() || pronoun(&word) == Some(true)
        })
    }

    /// The person a phrase names as the speaker, before one it names only
    /// as a possessor, who speaks only where the phrase names nobody else
    /// ("Ivana Trump's brief" is hers; "a spokesman for Manchester City,
    /// Haaland's club" is the club's).
    fn named_person(&self, range: &Range<usize>) -> Option<usize> {
        let others = self
            .cast
            .overlapping(range)
            .any(|m| self.cast.entities[m.entity].kind != EntityType::Per);
        self.cast
            .overlapping(range)
            .filter(|m| self.cast.entities[m.entity].kind == EntityType::Per)
            .filter(|m| {
                let name = self.text.slice(&m.range);
                let next = self.text.tokens(&(m.range.end..range.end));
                let possessive = |s: &str| s.ends_with("'s") || s.ends_with("’s");
                !possessive(name)
                    && !next.first().is_some_and(|t| {
                        t.range.start == m.range.end
                            && self.text.slice(&t.range).starts_with(['\'', '’'])
                    })
            })
            .last()
            .map(|m| m.entity)
            .or_else(|| {
                (!others)
                    .then(|| self.named(range, EntityType::Per))
                    .flatten()
            })
    }

    /// The last mention of the given type in the phrase: "Putin's spokesman
    /// Dmitry Peskov" is Peskov.
    fn named(&self, range: &Range<usize>, kind: EntityType) -> Option<usize> {
        self.cast
            .overlapping(range)
            .filter(|m| self.cast.entities[m.entity].kind == kind)
            .last()
            .map(|m| m.entity)
    }

    /// An organisation, place or group speaking: "the Kremlin said",
    /// "Reuters reported". A place the phrase only locates its speaker in
    /// ("Police in Lagos", "officials in Brussels") is not the speaker.
    fn named_group(&self, range: &Range<usize>) -> Option<usize> {
        self.named(range, EntityType::Org).or_else(|| {
            self.cast
                .overlapping(range)
                .filter(|m| self.cast.entities[m.entity].kind == EntityType::Loc)
                .filter(|m| !self.located(range, m.range.start))
                .last()
                .map(|m| m.entity)
        })
    }

    /// "The U.N. World Food Programme denied … “…,” the U.N. agency said":
    /// a definite description whose modifier names an organisation ("the
    /// U.N. agency", "the Kremlin press office") stands for the latest
    /// organisation named before it whose name holds that modifier, in its
    /// words or as their initials ("U.N." is "United Nations"), rather than
    /// for the modifier's own organisation. With none before it, the phrase
    /// names the modifier's organisation ("the Labour party").
    fn by_affiliate(&self, range: &Range<usize>) -> Option<usize> {
        let tokens = self.words(range);
        let (first, head) = (tokens.first()?, tokens.last()?);
        if self.text.lower(first) != "the"
            || !is_organisation_noun(&self.text.lower(head))
            || !is_lower(self.text, head)
        {
            return None;
        }
        let modifier = self
            .cast
            .overlapping(&(first.range.end..head.range.start))
            .filter(|m| self.cast.entities[m.entity].kind == EntityType::Org)
            .filter(|m| first.range.end <= m.range.start && m.range.end <= head.range.start)
            .last()?;
        let said = self.text.slice(&modifier.range).to_string();
        self.cast
            .overlapping(&(0..range.start))
            .filter(|m| m.range.end <= range.start && m.entity != modifier.entity)
            .filter(|m| self.cast.entities[m.entity].kind == EntityType::Org)
            .filter(|m| holds_name(&self.cast.entities[m.entity].name, &said))
            .last()
            .map(|m| m.entity)
    }

    /// Whether the words of `phrase` before `at` end with "in", "at" or
    /// "from" after some word of their own: "Police in [Lagos]".
    fn located(&self, phrase: &Range<usize>, at: usize) -> bool {
        let words = self.words(&(phrase.start..at));
        match words.as_slice() {
            [_, .., last] => matches!(self.text.lower(last).as_str(), "in" | "at" | "from"),
            _ => false,
        }
    }

    /// "sources told Variety that …", "Kurdish sources told the Jerusalem
    /// Post …": what unnamed sources tell a named outlet reaches readers as
    /// the outlet's report, so the outlet is the speaker.
    fn by_outlet(&self, range: &Range<usize>, attribution: &Attribution) -> Option<usize> {
        let head = self.words(range).pop()?;
        if !matches!(
            self.text.lower(&head).as_str(),
            "source" | "sources" | "insider" | "insiders"
        ) {
            return None;
        }
        let cue = attribution.cue.range.as_ref()?;
        let tells = self
            .text
            .tokens(cue)
            .iter()
            .any(|t| matches!(self.text.lower(t).as_str(), "told" | "tell" | "tells"));
        if !tells {
            return None;
        }
        // The recipient: the first few words after the cue, before the
        // content when it follows, else before the sentence ends.
        let limit = if attribution.content.start >= cue.end {
            attribution.content.start
        } else {
            let sentence = self.text.sentence_at(cue.start)?;
            self.text.sentences[sentence].range.end
        };
        let end = self
            .text
            .tokens(&(cue.end..limit))
            .iter()
            .filter(|t| t.word)
            .take(6)
            .last()?
            .range
            .end;
        self.cast
            .overlapping(&(cue.end..end))
            .find(|m| self.cast.entities[m.entity].kind == EntityType::Org)
            .map(|m| m.entity)
    }

    /// "his reps", "the actor's publicist", "Shell's spokesman", "Trump's
    /// lawyers", "a spokeswoman for the authority": an unnamed
    /// representative stands for the one whose representative they are —
    /// the possessor, or the phrase after "for"/"of"/"at", resolved as a
    /// phrase of its own (a name, an organisation, a description or a
    /// pronoun). A
    /// representative without a possessor ("a spokesman") is left to the
    /// role and organisation rules.
    fn by_principal(&self, range: &Range<usize>) -> Option<usize> {
        let words = self.words(range);
        // "a spokeswoman for the authority", "lawyers for the family": the
        // one represented follows the preposition.
        let after = words.windows(2).position(|w| {
            is_representative(&self.text.lower(&w[0]))
                && matches!(self.text.lower(&w[1]).as_str(), "for" | "of" | "at")
        });
        if let Some(r) = after.filter(|&r| r + 2 < words.len()) {
            // "a spokesman for Manchester City, Haaland's club": the one
            // represented ends at the apposition.
            let start = words[r + 2].range.start;
            let end = self
                .text
                .tokens(&(start..range.end))
                .iter()
                .take_while(|t| t.word || !matches!(self.text.slice(&t.range), "," | "(" | ";"))
                .filter(|t| t.word)
                .last()
                .map_or(range.end, |t| t.range.end);
            let owner = start..end;
            return self
                .named(&owner, EntityType::Per)
                .or_else(|| self.named_group(&owner))
                .or_else(|| self.by_description(&owner));
        }
        let (head, before) = words.split_last()?;
        if !is_representative(&self.text.lower(head)) {
            return None;
        }
        let possessor = before.iter().rposition(|t| {
            let word = self.text.lower(t);
            word.ends_with("'s") || word.ends_with("s'") || possessive_pronoun(&word).is_some()
        })?;
        let word = self.text.lower(&before[possessor]);
        if let Some(person) = possessive_pronoun(&word) {
            return self
                .antecedent(before[possessor].range.start, person)
                .and_then(|s| s.entity);
        }
        let owner = words[0].range.start..before[possessor].range.end;
        self.named(&owner, EntityType::Per)
            .or_else(|| self.named_group(&owner))
            .or_else(|| self.by_description(&owner))
    }

    /// "No 10 said": a government known by the address of its seat is the
    /// seat (Downing Street), the entity of that name when the article
    /// has one.
    fn by_seat(&self, range: &Range<usize>) -> Option<Speaker> {
        let lower = self.text.lower_words(range);
        let words: Vec<&str> = lower
            .iter()
            .map(String::as_str)
            .filter(|w| *w != "the")
            .collect();
        let seat = match words.as_slice() {
            ["no" | "no." | "number", "10" | "ten"] => "Downing Street",
            _ => return None,
        };
        let entity = self
            .cast
            .entities
            .iter()
            .position(|e| e.name.eq_ignore_ascii_case(seat));
        Some(Speaker {
            entity,
            name: entity.map_or_else(|| seat.to_string(), |e| self.cast.entities[e].name.clone()),
        })
    }

    /// "he said": the latest person who spoke or was a sentence's subject;
    /// "it said": the latest organisation or place that spoke.
    fn by_pronoun(&self, range: &Range<usize>) -> Option<Speaker> {
        let tokens = self.text.tokens(range);
        let [token] = tokens.as_slice() else {
            return None;
        };
        let person = pronoun(&self.text.lower(token))?;
        self.antecedent(range.start, person)
    }

    /// The speaker or sentence subject a pronoun at `at` refers to: the
    /// latest person (or organisation or place) before it.
    fn antecedent(&self, at: usize, person: bool) -> Option<Speaker> {
        let spoken = self
            .spoken
            .iter()
            .filter(|s| s.at < at && s.person == person)
            .map(|s| (s.at, s.speaker.clone()));
        let subjects = self
            .subjects
            .iter()
            .filter(|(seen, e)| *seen < at && self.cast.is_person(*e) == person)
            .map(|&(at, e)| {
                let name = self.cast.entities[e].name.clone();
                (
                    at,
                    Speaker {
                        entity: Some(e),
                        name,
                    },
                )
            });
        spoken
            .chain(subjects)
            .max_by_key(|(at, _)| *at)
            .map(|(_, speaker)| speaker)
    }

    /// "the Kremlin representative": the person whose role shares the
    /// organisation and the kind of office. A bare "the spokesman" is the
    /// latest speaker with such a role, or the only person with one.
    fn by_role(&self, range: &Range<usize>) -> Option<usize> {
        let phrase = RoleWords::of(self.text.slice(range));
        if phrase.families.is_empty() {
            return None;
        }
        let mut best: Option<(usize, usize)> = None; // (score, entity)
        let mut generic = Vec::new();
        for (e, entity) in self.cast.entities.iter().enumerate() {
            if entity.kind != EntityType::Per {
                continue;
            }
            let scores = entity
                .roles
                .iter()
                .filter_map(|role| phrase.matches(&RoleWords::of(role)));
            if let Some(score) = scores.max() {
                if phrase.modifiers.is_empty() {
                    generic.push(e);
                } else if best.is_none_or(|(s, b)| (score, self.recency(e)) > (s, self.recency(b)))
                {
                    best = Some((score, e));
                }
            }
        }
        if let Some((_, e)) = best {
            return Some(e);
        }
        let latest = generic.iter().copied().max_by_key(|&e| self.recency(e));
        match generic.as_slice() {
            [only] => Some(*only),
            _ => latest.filter(|&e| self.recency(e).is_some()),
        }
    }

    /// "The leader of Nigeria's Islamic extremist group Boko Haram has
    /// denied …" and, in the next sentence or two, "Abubakar Shekau dashed
    /// hopes …": a lead that gives a role before anyone is named (a
    /// delayed identification, as wire stories open) names its holder as
    /// the subject of what follows. The role's holder, not the group it
    /// leads, is the speaker; one who speaks for another ("a spokesman
    /// for …") stands for the principal instead (`by_principal`).
    fn named_later(&self, range: &Range<usize>) -> Option<usize> {
        // How many sentences after the role's the name may come.
        const REACH: usize = 2;
        let words: Vec<String> = self
            .words(range)
            .iter()
            .map(|t| self.text.lower(t))
            .collect();
        if words.first().map(String::as_str) != Some("the") {
            return None;
        }
        let of = words.iter().position(|w| w == "of").unwrap_or(words.len());
        let head = words[..of].last()?;
        // One holder: "the leaders of …" are several, named or not.
        if role_family(head).is_none() || is_representative(head) || head.ends_with('s') {
            return None;
        }
        let anyone_before = self
            .cast
            .overlapping(&(0..range.start))
            .any(|m| self.cast.is_person(m.entity));
        if anyone_before {
            return None;
        }
        let sentence = self.text.sentence_at(range.start)?;
        self.subjects
            .iter()
            .filter(|&&(at, e)| at >= range.end && self.cast.is_person(e))
            .find_map(|&(at, e)| {
                let later = self.text.sentence_at(at)?;
                (later > sentence && later <= sentence + REACH).then_some(e)
            })
    }

    /// When the entity last spoke, if it did.
    fn recency(&self, entity: usize) -> Option<usize> {
        self.spoken
            .iter()
            .filter(|s| s.speaker.entity == Some(entity))
            .map(|s| s.at)
            .max()
    }
}

/// The words of a role or role phrase: its heads' families and the other
/// content words ("Kremlin", "Iranian", "foreign").
struct RoleWords {
    families: Vec<&'static str>,
    modifiers: Vec<String>,
}

impl RoleWords {
    fn of(s: &str) -> RoleWords {
        let mut words = RoleWords {
            families: Vec::new(),
            modifiers: Vec::new(),
        };
        let lower = s.to_lowercase().replace('’', "'");
        for word in lower.split(|c: char| !(c.is_alphanumeric() || c == '\'')) {
            let word = word.trim_end_matches("'s").trim_matches('\'');
            if word.is_empty() || is_determiner(word) || is_stop_word(word) || is_report_noun(word)
            {
                continue;
            }
            match role_family(word) {
                Some(family) => words.families.push(family),
                None => words.modifiers.push(word.to_string()),
            }
        }
        words
    }

    /// How well a role phrase fits a role: `None` unless they share a head
    /// family and, when the phrase has modifiers, at least one of them.
    fn matches(&self, role: &RoleWords) -> Option<usize> {
        if !self.families.iter().any(|f| role.families.contains(f)) {
            return None;
        }
        let shared = self
            .modifiers
            .iter()
            .filter(|m| role.modifiers.iter().any(|r| related(m, r)))
            .count();
        (self.modifiers.is_empty() || shared > 0).then_some(shared)
    }
}

/// "his", "her" name a person's possession; "its", "their" a group's.
fn possessive_pronoun(word: &str) -> Option<bool> {
    match word {
        "his" | "her" => Some(true),
        "its" | "their" => Some(false),
        _ => None,
    }
}

/// Same word, or one is the stem of the other ("Iran" / "Iranian").
fn related(a: &str, b: &str) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    short == long || (short.len() >= 4 && long.starts_with(short))
}

/// Whether an organisation's `name` holds `part`: its words in order ("Kremlin" in "Kremlin press
/// service"), or as the initials of consecutive words ("U.N." in "United Nations World Food
/// Programme", "EU" in "the European Union").
fn holds_name(name: &str, part: &str) -> bool {
    let words = |s: &str| -> Vec<String> {
        s.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect()
    };
    let (name, part_words) = (words(name), words(part));
    if part_words.is_empty() {
        return false;
    }
    if name.windows(part_words.len()).any(|w| w == part_words) {
        return true;
    }
    let letters: Vec<char> = part
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    let initials: Vec<char> = name.iter().filter_map(|w| w.chars().next()).collect();
    letters.len() >= 2
        && part
            .chars()
            .filter(|c| c.is_alphanumeric())
            .all(char::is_uppercase)
        && initials.windows(letters.len()).any(|w| w == letters)
}

#[cfg(test)]
mod tests {
    use super::holds_name;

    #[test]
    fn a_name_holds_its_words_and_their_initials() {
        assert!(holds_name("United Nations World Food Programme", "U.N."));
        assert!(holds_name("the European Union", "EU"));
        assert!(holds_name("Kremlin press service", "Kremlin"));
        assert!(!holds_name("World Food Programme", "U.N."));
        // Initials are written in capitals: "us" is a word, not "U.S.".
        assert!(!holds_name("United States Army", "us"));
        assert!(!holds_name("Reuters", "Reuters Breakingviews"));
    }
}
