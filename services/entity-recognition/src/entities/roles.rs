//! Roles and titles given to a person in the text: the words right before a
//! name ("Russian President Vladimir Putin", "Kremlin spokesman Dmitry
//! Peskov", "Iran's Supreme Leader Ali Khamenei") or an apposition right
//! after it ("Abbas Araghchi, the foreign minister of Iran,"). A role must
//! end in a head noun from a lexicon of offices and jobs; what precedes the
//! head may be capitalised words (places, organisations, nationalities),
//! possessives and a few office modifiers ("foreign", "deputy", "former").

/// Nouns that name an office or job. Lower case.
const HEADS: &[&str] = &[
    "president",
    "minister",
    "leader",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "secretary",
    "chancellor",
    "king",
    "queen",
    "prince",
    "princess",
    "chairman",
    "chairwoman",
    "chair",
    "ceo",
    "director",
    "ambassador",
    "general",
    "senator",
    "governor",
    "mayor",
    "official",
    "commander",
    "chief",
    "head",
    "envoy",
    "adviser",
    "advisor",
    "founder",
    "editor",
    "correspondent",
    "premier",
    "emir",
    "sheikh",
    "pope",
    "archbishop",
    "bishop",
    "judge",
    "prosecutor",
    "attorney",
    "lawmaker",
    "congressman",
    "congresswoman",
    "representative",
    "diplomat",
    "negotiator",
    "coach",
    "manager",
    "captain",
    "striker",
    "analyst",
    "economist",
    "executive",
    "chairperson",
    "deputy",
    "vice-president",
    "counsel",
    "ayatollah",
    "colonel",
    "admiral",
    "marshal",
    "sergeant",
    "lieutenant",
    "officer",
    "aide",
    "candidate",
    "nominee",
];

/// Lower-case words that may sit inside a role before its head.
const MODIFIERS: &[&str] = &[
    "foreign",
    "prime",
    "supreme",
    "deputy",
    "vice",
    "former",
    "chief",
    "senior",
    "defence",
    "defense",
    "interior",
    "finance",
    "press",
    "state",
    "general",
    "executive",
    "managing",
    "acting",
    "top",
    "first",
    "economy",
    "trade",
    "energy",
    "health",
    "justice",
    "security",
    "national",
    "military",
    "presidential",
    "government",
    "kremlin",
    "white",
    "house",
    "spiritual",
    "religious",
    "opposition",
    "party",
    "union",
    "assistant",
    "special",
    "u.s.",
    "then",
    "outgoing",
    "incoming",
    "interim",
    "exiled",
];

/// Determiners that may open an apposition ("…, the Kremlin spokesman,").
const DETERMINERS: &[&str] = &["the", "a", "an", "its", "his", "her", "their"];

fn lower(w: &str) -> String {
    w.to_lowercase()
}

fn is_head(w: &str) -> bool {
    let l = lower(w);
    HEADS.contains(&l.as_str())
        || l.strip_suffix('s')
            .is_some_and(|s| HEADS.contains(&s) && s.len() > 3)
}

fn is_capitalised(w: &str) -> bool {
    w.chars().next().is_some_and(char::is_uppercase)
}

fn is_possessive(w: &str) -> bool {
    matches!(w, "'s" | "’s")
}

fn may_precede_head(w: &str) -> bool {
    is_capitalised(w) || is_possessive(w) || is_head(w) || MODIFIERS.contains(&lower(w).as_str())
}

/// The role right before the word at `name_start`, as a word range.
pub fn before(words: &[&str], name_start: usize) -> Option<std::ops::Range<usize>> {
    if name_start == 0 || !is_head(words[name_start - 1]) {
        return None;
    }
    let mut start = name_start - 1;
    while start > 0 && may_precede_head(words[start - 1]) {
        // A possessive needs its owner before it.
        start -= 1;
    }
    // Never open on a possessive or on a sentence-initial determiner-like word.
    while start < name_start - 1 && (is_possessive(words[start]) || lower(words[start]) == "the") {
        start += 1;
    }
    Some(start..name_start)
}

/// An apposition right after the word before `name_end`:
/// ", [the] <modifiers> <head> [of <Capitalised>…] ,|."
pub fn after(words: &[&str], name_end: usize) -> Option<std::ops::Range<usize>> {
    let mut i = name_end;
    if words.get(i) != Some(&",") {
        return None;
    }
    i += 1;
    if words
        .get(i)
        .is_some_and(|w| DETERMINERS.contains(&lower(w).as_str()))
    {
        i += 1;
    }
    let start = i;
    let mut head_end = None;
    while let Some(w) = words.get(i) {
        if is_head(w) {
            head_end = Some(i + 1);
        } else if !may_precede_head(w) {
            break;
        }
        i += 1;
    }
    let mut end = head_end?;
    // "… minister of Iran", "… head of the Ministry of Foreign Affairs".
    if words.get(end) == Some(&"of") {
        let mut j = end + 1;
        if words.get(j) == Some(&"the") {
            j += 1;
        }
        let from = j;
        while words
            .get(j)
            .is_some_and(|w| is_capitalised(w) || *w == "of")
        {
            j += 1;
        }
        if j > from {
            end = j;
        }
    }
    // The apposition must close: a comma, a full stop, or the sentence's end.
    match words.get(end) {
        None | Some(&",") | Some(&".") | Some(&";") | Some(&")") => Some(start..end),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role_before(sentence: &str, name: &str) -> Option<String> {
        let words: Vec<&str> = stancewire_text::words::split(sentence)
            .iter()
            .map(|w| w.text)
            .collect();
        let at = words.iter().position(|w| *w == name)?;
        before(&words, at).map(|r| words[r].join(" "))
    }

    fn role_after(sentence: &str, name_last: &str) -> Option<String> {
        let words: Vec<&str> = stancewire_text::words::split(sentence)
            .iter()
            .map(|w| w.text)
            .collect();
        let at = words.iter().position(|w| *w == name_last)?;
        after(&words, at + 1).map(|r| words[r].join(" "))
    }

    #[test]
    fn titles_before_names() {
        let s = "Earlier Reuters report claiming that Iranian Foreign Minister Abbas Araghchi delivered a message from Iran's Supreme Leader Ali Khamenei to Russian President Vladimir Putin are not true, Kremlin spokesman Dmitry Peskov said.";
        assert_eq!(
            role_before(s, "Abbas").as_deref(),
            Some("Iranian Foreign Minister")
        );
        assert_eq!(
            role_before(s, "Ali").as_deref(),
            Some("Iran 's Supreme Leader")
        );
        assert_eq!(
            role_before(s, "Vladimir").as_deref(),
            Some("Russian President")
        );
        assert_eq!(
            role_before(s, "Dmitry").as_deref(),
            Some("Kremlin spokesman")
        );
        assert_eq!(role_before("He met Peskov.", "Peskov"), None);
        assert_eq!(
            role_before("Reuters reported that Putin met.", "Putin"),
            None
        );
    }

    #[test]
    fn appositions_after_names() {
        assert_eq!(
            role_after(
                "Abbas Araghchi, the foreign minister of Iran, said.",
                "Araghchi"
            )
            .as_deref(),
            Some("foreign minister of Iran")
        );
        assert_eq!(
            role_after("Peskov, the Kremlin spokesman, said.", "Peskov").as_deref(),
            Some("Kremlin spokesman")
        );
        assert_eq!(
            role_after("Peskov, who said nothing, left.", "Peskov"),
            None
        );
    }
}
