//! Claim keys: the normalised form of a proposition, and the id made from it.
//!
//! Two articles rarely word a claim the same way ("delivered a message" /
//! "delivers the message"), yet tracking a claim across articles needs one
//! key for both. A light, rule-based lemmatiser (regular plural, past and
//! -ing endings, plus a small table of irregular forms) and a stop-word
//! filter get most of the way without a model, and stay deterministic.
//! Capitalised words are names and are only lower-cased.

use super::lexicon::is_stop_word;

/// Lower-cased, lemmatised key words of `text`, in text order, joined by
/// single spaces: articles and other function words dropped, negations kept.
pub fn normalize(text: &str) -> String {
    key_words(text).join(" ")
}

/// Stable claim id from a normalised key: "claim-" and the first 16 hex
/// characters of its BLAKE3 hash.
pub fn claim_id(normalized: &str) -> String {
    let hash = blake3::hash(normalized.as_bytes()).to_hex();
    format!("claim-{}", &hash.as_str()[..16])
}

/// The key words of `text`, as [`normalize`] joins them.
pub(crate) fn key_words(text: &str) -> Vec<String> {
    words(text)
        .into_iter()
        .filter_map(|word| {
            let lower = word.to_lowercase();
            let acronym = word.chars().count() > 1 && word.chars().all(|c| c.is_uppercase());
            if acronym {
                return Some(lower);
            }
            let capitalised = word.chars().next().is_some_and(char::is_uppercase);
            if is_stop_word(&lower) {
                return None;
            }
            let key = if capitalised { lower } else { lemma(&lower) };
            (!is_stop_word(&key)).then_some(key)
        })
        .collect()
}

/// Words of `text` with contractions opened: possessive "’s" and the
/// "’re/’ve/’ll/’d/’m" endings dropped, "n’t" made "not".
fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for raw in text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’')) {
        let raw = raw.replace('’', "'");
        let raw = raw.trim_matches('\'');
        if raw.is_empty() {
            continue;
        }
        let lower = raw.to_lowercase();
        if let Some(stem) = lower.strip_suffix("n't") {
            let stem = match stem {
                "ca" => "can",
                "wo" => "will",
                "sha" => "shall",
                _ => &raw[..stem.len()],
            };
            out.push(stem.to_string());
            out.push("not".to_string());
            continue;
        }
        let cut = ["'s", "'re", "'ve", "'ll", "'d", "'m"]
            .iter()
            .find_map(|suffix| lower.strip_suffix(suffix))
            .map_or(raw.len(), str::len);
        out.extend(
            raw[..cut]
                .split('\'')
                .filter(|w| !w.is_empty())
                .map(str::to_string),
        );
    }
    out
}

/// Irregular forms: (form, lemma, is a past form).
const IRREGULAR: &[(&str, &str, bool)] = &[
    ("said", "say", true),
    ("says", "say", false),
    ("told", "tell", true),
    ("went", "go", true),
    ("gone", "go", true),
    ("goes", "go", false),
    ("made", "make", true),
    ("gave", "give", true),
    ("given", "give", true),
    ("took", "take", true),
    ("taken", "take", true),
    ("sent", "send", true),
    ("met", "meet", true),
    ("brought", "bring", true),
    ("thought", "think", true),
    ("began", "begin", true),
    ("begun", "begin", true),
    ("came", "come", true),
    ("saw", "see", true),
    ("seen", "see", true),
    ("knew", "know", true),
    ("known", "know", true),
    ("got", "get", true),
    ("gotten", "get", true),
    ("held", "hold", true),
    ("kept", "keep", true),
    ("left", "leave", true),
    ("led", "lead", true),
    ("misled", "mislead", true),
    ("lost", "lose", true),
    ("paid", "pay", true),
    ("ran", "run", true),
    ("spoke", "speak", true),
    ("spoken", "speak", true),
    ("wrote", "write", true),
    ("written", "write", true),
    ("found", "find", true),
    ("felt", "feel", true),
    ("became", "become", true),
    ("built", "build", true),
    ("bought", "buy", true),
    ("caught", "catch", true),
    ("chose", "choose", true),
    ("chosen", "choose", true),
    ("drew", "draw", true),
    ("drawn", "draw", true),
    ("fell", "fall", true),
    ("fallen", "fall", true),
    ("fought", "fight", true),
    ("flew", "fly", true),
    ("flown", "fly", true),
    ("forgot", "forget", true),
    ("grew", "grow", true),
    ("grown", "grow", true),
    ("heard", "hear", true),
    ("hid", "hide", true),
    ("hidden", "hide", true),
    ("laid", "lay", true),
    ("meant", "mean", true),
    ("rose", "rise", true),
    ("risen", "rise", true),
    ("sold", "sell", true),
    ("shot", "shoot", true),
    ("shown", "show", true),
    ("sought", "seek", true),
    ("sat", "sit", true),
    ("stood", "stand", true),
    ("struck", "strike", true),
    ("taught", "teach", true),
    ("understood", "understand", true),
    ("won", "win", true),
    ("wore", "wear", true),
    ("withdrew", "withdraw", true),
    ("withdrawn", "withdraw", true),
    ("fed", "feed", true),
    ("fled", "flee", true),
    ("broke", "break", true),
    ("broken", "break", true),
    ("drove", "drive", true),
    ("driven", "drive", true),
    ("threw", "throw", true),
    ("thrown", "throw", true),
    ("spent", "spend", true),
    ("dealt", "deal", true),
    ("tied", "tie", true),
    ("died", "die", true),
    ("lied", "lie", true),
    ("dying", "die", false),
    ("lying", "lie", false),
    ("created", "create", true),
    ("creating", "create", false),
    ("men", "man", false),
    ("women", "woman", false),
    ("children", "child", false),
    ("crises", "crisis", false),
    ("analyses", "analysis", false),
];

/// Words whose ending looks inflected but is not.
const UNINFLECTED: &[&str] = &[
    "news",
    "series",
    "species",
    "means",
    "gas",
    "bias",
    "alias",
    "canvas",
    "atlas",
    "chaos",
    "always",
    "yes",
    "lens",
    "hundred",
    "sacred",
    "naked",
    "wicked",
    "kindred",
    "indeed",
    "during",
    "thing",
    "nothing",
    "something",
    "anything",
    "everything",
    "morning",
    "evening",
    "ceiling",
    "sibling",
    "bring",
    "spring",
    "string",
];

/// The lemma of a lower-case word.
pub(crate) fn lemma(word: &str) -> String {
    if let Some((_, lemma, _)) = IRREGULAR.iter().find(|(form, _, _)| *form == word) {
        return (*lemma).to_string();
    }
    if UNINFLECTED.contains(&word) || word.len() <= 3 || !word.is_ascii() {
        return word.to_string();
    }
    if let Some(stem) = word
        .strip_suffix("ies")
        .or_else(|| word.strip_suffix("ied"))
    {
        if word.len() > 4 {
            return format!("{stem}y");
        }
    }
    if let Some(stem) = word.strip_suffix("ing") {
        if word.len() >= 6 && has_vowel(stem) {
            return restore(stem);
        }
    }
    if word.ends_with("eed") {
        return if word.len() >= 6 && !word.ends_with("ceed") {
            word[..word.len() - 1].to_string()
        } else {
            word.to_string()
        };
    }
    if let Some(stem) = word.strip_suffix("ed") {
        if word.len() >= 4 && has_vowel(stem) {
            return restore(stem);
        }
    }
    plural(word)
}

/// The singular of a plural noun or the base of a third-person verb.
fn plural(word: &str) -> String {
    if ["sses", "shes", "ches", "xes", "zzes"]
        .iter()
        .any(|s| word.ends_with(s))
    {
        return word[..word.len() - 2].to_string();
    }
    let keeps_s = ["ss", "us", "is", "ics"].iter().any(|s| word.ends_with(s));
    match word.strip_suffix('s') {
        Some(stem) if !keeps_s => stem.to_string(),
        _ => word.to_string(),
    }
}

/// A stem with its -ed or -ing ending cut, made a base form again: a doubled
/// final consonant undone ("stopp" → "stop"), a dropped final "e" put back
/// ("continu" → "continue", "stat" → "state", "includ" → "include").
fn restore(stem: &str) -> String {
    let b = stem.as_bytes();
    let n = b.len();
    let doubled = n >= 4 && b[n - 1] == b[n - 2] && is_consonant(b[n - 1]);
    if doubled && !b"lsz".contains(&b[n - 1]) {
        return stem[..n - 1].to_string();
    }
    if needs_e(b) {
        format!("{stem}e")
    } else {
        stem.to_string()
    }
}

fn needs_e(b: &[u8]) -> bool {
    let n = b.len();
    let last = b[n - 1];
    let at = |i: usize| n.checked_sub(i).map(|j| b[j]);
    let vowel_at = |i: usize| at(i).is_some_and(is_vowel);
    match last {
        b'u' | b'v' | b'c' => true,
        b'z' => at(2) != Some(b'z'),
        b'e' => false,
        b't' if at(2) == Some(b'a') => !vowel_at(3) || matches!(at(3), Some(b'i' | b'u')),
        b'l' => at(2).is_some_and(|c| b"bptdkgcfz".contains(&c)),
        b's' => vowel_at(2),
        b'g' => matches!(at(2), Some(b'r' | b'd')) || (vowel_at(2) && !vowel_at(3)),
        b'r' if matches!(at(2), Some(b'i' | b'u')) => !vowel_at(3) || at(3) == Some(b'u'),
        b'd' if matches!(at(2), Some(b'u' | b'i' | b'o')) => !vowel_at(3),
        _ => short_syllable(b),
    }
}

/// One syllable ending consonant-vowel-consonant ("not", "vot", "mak"),
/// whose base form ends in a silent "e".
fn short_syllable(b: &[u8]) -> bool {
    let n = b.len();
    let groups = b
        .iter()
        .enumerate()
        .filter(|&(i, &c)| is_vowel(c) && (i == 0 || !is_vowel(b[i - 1])))
        .count();
    n >= 3
        && groups == 1
        && is_consonant(b[n - 1])
        && !b"wxy".contains(&b[n - 1])
        && is_vowel(b[n - 2])
        && is_consonant(b[n - 3])
}

fn is_vowel(c: u8) -> bool {
    b"aeiou".contains(&c)
}

fn is_consonant(c: u8) -> bool {
    c.is_ascii_lowercase() && !is_vowel(c)
}

fn has_vowel(s: &str) -> bool {
    s.bytes().any(is_vowel)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lemmatises_regular_and_irregular_forms() {
        let cases = [
            ("delivered", "deliver"),
            ("continued", "continue"),
            ("stated", "state"),
            ("noted", "note"),
            ("denied", "deny"),
            ("countries", "country"),
            ("consulting", "consult"),
            ("including", "include"),
            ("stopped", "stop"),
            ("making", "make"),
            ("agreed", "agree"),
            ("proceed", "proceed"),
            ("watches", "watch"),
            ("officials", "official"),
            ("issues", "issue"),
            ("crisis", "crisis"),
            ("news", "news"),
            ("told", "tell"),
            ("visited", "visit"),
            ("received", "receive"),
            ("negotiated", "negotiate"),
            ("treated", "treat"),
            ("used", "use"),
            ("managing", "manage"),
            ("required", "require"),
        ];
        for (word, expected) in cases {
            assert_eq!(lemma(word), expected, "lemma of {word}");
        }
    }

    #[test]
    fn normalises_claims_to_key_words() {
        assert_eq!(
            normalize("Abbas Araghchi delivered a message from Ali Khamenei to Vladimir Putin."),
            "abbas araghchi deliver message ali khamenei vladimir putin"
        );
        // Inflection, articles and typographic apostrophes do not change the key.
        assert_eq!(
            normalize("The minister delivers the messages"),
            normalize("A minister delivered a message")
        );
        assert_eq!(
            normalize("Iran’s officials didn’t meet the US envoys"),
            "iran official not meet us envoy"
        );
        // Names keep their form: "BRICS" is not a plural, "Reuters" not a verb.
        assert_eq!(normalize("BRICS and Reuters"), "brics reuters");
    }

    #[test]
    fn claim_ids_are_stable_and_distinct() {
        let key = normalize("Abbas Araghchi delivered a message to Vladimir Putin");
        let id = claim_id(&key);
        assert_eq!(id, claim_id(&key.clone()));
        assert_eq!(id.len(), "claim-".len() + 16);
        assert!(id.starts_with("claim-"));
        assert!(id["claim-".len()..].chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(
            id,
            format!(
                "claim-{}",
                &blake3::hash(key.as_bytes()).to_hex().as_str()[..16]
            )
        );
        assert_ne!(
            id,
            claim_id(&normalize("Abbas Araghchi did not deliver a message"))
        );
        // The same proposition worded differently has the same id.
        assert_eq!(
            claim_id(&normalize(
                "Abbas Araghchi delivers the message to Vladimir Putin"
            )),
            id
        );
    }
}
