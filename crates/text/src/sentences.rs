//! Sentence segmentation for news prose, with character offsets.
//!
//! Rule-based, because news text is regular and the rules are cheap
//! (millions of words per second) and predictable: a sentence ends at `.`,
//! `!`, `?` or `…`, plus any closing quotes or brackets, when whitespace and
//! then an opening quote, an upper-case letter, a digit or an opening bracket
//! follow — unless the word before the point is a known abbreviation
//! ("Mr.", "Gen.", "U.S.") or a lone initial ("J. Smith"). Paragraph breaks
//! always end a sentence. Quotes are kept whole with their attribution:
//! `“…,” Peskov stated.` is one sentence, the next quote another.

/// Abbreviations after which a point does not end a sentence when a capital
/// follows. Lower-cased, without the final point.
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "ft", "gen", "lt", "col", "maj",
    "capt", "cmdr", "adm", "sgt", "cpl", "pvt", "gov", "sen", "rep", "rev", "hon", "pres", "supt",
    "insp", "det", "messrs", "mme", "mlle", "no", "nos", "vol", "fig", "art", "op", "ch", "sec",
    "inc", "ltd", "co", "corp", "bros", "plc", "llc", "dept", "univ", "assn", "est", "approx",
    "vs", "etc", "e.g", "i.e", "cf", "al", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
    "sept", "oct", "nov", "dec", "u.s", "u.k", "u.n", "e.u", "u.s.a", "a.m", "p.m", "ph.d", "d.c",
];

const CLOSERS: &[char] = &['"', '”', '’', '\'', ')', ']', '»', '›'];
const OPENERS: &[char] = &['"', '“', '‘', '\'', '(', '[', '«', '‹', '—', '–', '-'];

/// Sentence spans, as (start, end) char offsets into `text`, trimmed of
/// surrounding whitespace.
pub fn split(text: &str) -> Vec<(usize, usize)> {
    let chars: Vec<char> = text.chars().collect();
    let mut spans = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' && chars.get(i + 1) == Some(&'\n') {
            push_trimmed(&chars, start, i, &mut spans);
            start = i + 2;
            i += 2;
            continue;
        }
        if matches!(c, '.' | '!' | '?' | '…') {
            let mut end = i + 1;
            while end < chars.len() && matches!(chars[end], '.' | '!' | '?' | '…') {
                end += 1;
            }
            while end < chars.len() && CLOSERS.contains(&chars[end]) {
                end += 1;
            }
            let mut next = end;
            while next < chars.len() && chars[next].is_whitespace() && chars[next] != '\n' {
                next += 1;
            }
            let paragraph_end = next < chars.len() && chars[next] == '\n';
            let has_space = next > end;
            let starts_sentence = next < chars.len()
                && (chars[next].is_uppercase()
                    || chars[next].is_numeric()
                    || OPENERS.contains(&chars[next]));
            let boundary =
                (has_space && starts_sentence && !(c == '.' && is_abbreviation(&chars, start, i)))
                    || paragraph_end
                    || next == chars.len();
            if boundary {
                push_trimmed(&chars, start, end, &mut spans);
                start = end;
            }
            i = end;
            continue;
        }
        i += 1;
    }
    push_trimmed(&chars, start, chars.len(), &mut spans);
    spans
}

fn is_abbreviation(chars: &[char], floor: usize, point: usize) -> bool {
    let mut s = point;
    while s > floor && !chars[s - 1].is_whitespace() && !OPENERS.contains(&chars[s - 1]) {
        s -= 1;
    }
    let word: String = chars[s..point].iter().collect::<String>().to_lowercase();
    if word.chars().count() == 1 && word.chars().all(char::is_alphabetic) {
        return true; // an initial: "J. Smith"
    }
    ABBREVIATIONS.contains(&word.as_str())
}

fn push_trimmed(chars: &[char], mut start: usize, mut end: usize, out: &mut Vec<(usize, usize)>) {
    while start < end && chars[start].is_whitespace() {
        start += 1;
    }
    while end > start && chars[end - 1].is_whitespace() {
        end -= 1;
    }
    if end > start {
        out.push((start, end));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sentences(text: &str) -> Vec<String> {
        let chars: Vec<char> = text.chars().collect();
        split(text)
            .into_iter()
            .map(|(s, e)| chars[s..e].iter().collect())
            .collect()
    }

    #[test]
    fn quotes_stay_with_their_attribution() {
        let text = "“There were indeed certain communications or signals — let’s put it that way — from the Iranian leadership,” Peskov stated. “However, the specific report from Reuters does not reflect the reality of what occurred.”";
        assert_eq!(
            sentences(text),
            vec![
                "“There were indeed certain communications or signals — let’s put it that way — from the Iranian leadership,” Peskov stated.",
                "“However, the specific report from Reuters does not reflect the reality of what occurred.”",
            ]
        );
    }

    #[test]
    fn abbreviations_initials_and_numbers_do_not_split() {
        assert_eq!(
            sentences("Mr. Smith met Gen. J. R. Allen in the U.S. on Jan. 5. Prices rose 2.5% to $1.13bn. Then he left!"),
            vec![
                "Mr. Smith met Gen. J. R. Allen in the U.S. on Jan. 5.",
                "Prices rose 2.5% to $1.13bn.",
                "Then he left!"
            ]
        );
    }

    #[test]
    fn paragraph_breaks_end_sentences_and_offsets_are_chars() {
        let text = "Détente “ended”\n\nNext one. Last";
        let spans = split(text);
        assert_eq!(spans, vec![(0, 15), (17, 26), (27, 31)]);
    }
}
