//! Language identification, reported as ISO 639-1 where such a code exists.
//!
//! News prose in the common Western languages is told apart cheaply by its
//! function words ("the", "and", "of"…): when one language's stopwords
//! clearly dominate a sample, that is the answer. Anything else — short or
//! mixed text, other scripts and languages — goes to `whatlang` (trigram
//! profiles of 69 languages, no model files), which costs about a fifth of
//! ingest's CPU time when run on everything.

use whatlang::Lang;

/// How much text to look at: enough for a confident guess, bounded cost.
const SAMPLE_CHARS: usize = 600;

/// The most frequent function words of languages common in news.
const STOPWORDS: &[(&str, &[&str])] = &[
    (
        "en",
        &[
            "the", "and", "of", "to", "in", "is", "that", "for", "it", "was", "on", "with", "as",
            "said", "by", "he", "at", "from", "his", "be", "has", "have", "are", "were", "which",
        ],
    ),
    (
        "fr",
        &[
            "le", "la", "les", "de", "des", "et", "est", "un", "une", "du", "que", "qui", "pour",
            "dans", "sur", "au", "pas", "par", "il", "ce", "aux", "avec",
        ],
    ),
    (
        "de",
        &[
            "der", "die", "das", "und", "ist", "nicht", "den", "von", "zu", "mit", "sich", "des",
            "auf", "für", "ein", "eine", "im", "dem", "auch", "es", "wird",
        ],
    ),
    (
        "es",
        &[
            "el", "los", "las", "del", "y", "por", "con", "para", "se", "una", "es", "al", "lo",
            "como", "más", "su", "pero", "sus",
        ],
    ),
    (
        "it",
        &[
            "il", "di", "che", "per", "non", "della", "sono", "è", "nel", "alla", "gli", "anche",
            "dei", "delle", "si", "ha", "come",
        ],
    ),
    (
        "pt",
        &[
            "os", "do", "da", "em", "uma", "não", "dos", "das", "no", "na", "ao", "com", "mais",
            "foi", "pelo", "pela", "seu", "sua",
        ],
    ),
    (
        "nl",
        &[
            "het", "een", "en", "van", "dat", "niet", "op", "te", "zijn", "voor", "met", "die",
            "aan", "er", "ook", "als", "bij", "wordt",
        ],
    ),
];

/// The fast path: a language whose stopwords make up at least an eighth of
/// the sample's words (English news: 10–35% in 600 characters, under 12.5%
/// in 8 of the 2,225 BBC articles), at least eight of them, and three times
/// as many as any other language's.
fn by_stopwords(words: &[String]) -> Option<(&'static str, f32)> {
    if words.len() < MIN_WORDS {
        return None;
    }
    let mut hits: Vec<(&'static str, usize)> = STOPWORDS
        .iter()
        .map(|(lang, stops)| {
            (
                *lang,
                words.iter().filter(|w| stops.contains(&w.as_str())).count(),
            )
        })
        .collect();
    hits.sort_by_key(|h| std::cmp::Reverse(h.1));
    let (lang, best) = hits[0];
    let second = hits[1].1;
    (best * 8 >= words.len() && best >= 8 && best >= 3 * second.max(1))
        .then(|| (lang, best as f32 / (best + second) as f32))
}

/// Words of a sample: its runs of letters, lowercased.
fn words(sample: &str) -> Vec<String> {
    sample
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Fewest words for a sample to count as prose (below it, a guess is the
/// best there is).
const MIN_WORDS: usize = 40;

/// The language of `text` as (code, confidence in 0..1); ("und", 0) when the
/// text is too short or too mixed to tell. A sample of prose length whose
/// trigram guess whatlang itself calls unreliable is not prose in any
/// language it knows — a Reuters earnings table ("Shr 28.5p vs 26.6p ...
/// Pre-tax profit 132.4 mln stg") comes out French at confidence 0.1–0.6,
/// and a model stage would refuse the English story for it — so it is
/// ("und", confidence), which every model stage tries. A short text keeps
/// its best guess.
pub fn detect(text: &str) -> (String, f32) {
    let end = text
        .char_indices()
        .nth(SAMPLE_CHARS)
        .map(|(i, _)| i)
        .unwrap_or(text.len());
    let sample = &text[..end];
    let words = words(sample);
    if let Some((lang, confidence)) = by_stopwords(&words) {
        return (lang.to_string(), confidence);
    }
    match whatlang::detect(sample) {
        Some(info) if !info.is_reliable() && words.len() >= MIN_WORDS => {
            ("und".to_string(), info.confidence() as f32)
        }
        Some(info) => (iso639_1(info.lang()).to_string(), info.confidence() as f32),
        None => ("und".to_string(), 0.0),
    }
}

fn iso639_1(lang: Lang) -> &'static str {
    use Lang::*;
    match lang {
        Eng => "en",
        Rus => "ru",
        Cmn => "zh",
        Spa => "es",
        Por => "pt",
        Ita => "it",
        Ben => "bn",
        Fra => "fr",
        Deu => "de",
        Ukr => "uk",
        Kat => "ka",
        Ara => "ar",
        Hin => "hi",
        Jpn => "ja",
        Heb => "he",
        Yid => "yi",
        Pol => "pl",
        Amh => "am",
        Jav => "jv",
        Kor => "ko",
        Nob => "nb",
        Dan => "da",
        Swe => "sv",
        Fin => "fi",
        Tur => "tr",
        Nld => "nl",
        Hun => "hu",
        Ces => "cs",
        Ell => "el",
        Bul => "bg",
        Bel => "be",
        Mar => "mr",
        Kan => "kn",
        Ron => "ro",
        Slv => "sl",
        Hrv => "hr",
        Srp => "sr",
        Mkd => "mk",
        Lit => "lt",
        Lav => "lv",
        Est => "et",
        Tam => "ta",
        Vie => "vi",
        Urd => "ur",
        Tha => "th",
        Guj => "gu",
        Uzb => "uz",
        Pan => "pa",
        Aze => "az",
        Ind => "id",
        Tel => "te",
        Pes => "fa",
        Mal => "ml",
        Ori => "or",
        Mya => "my",
        Nep => "ne",
        Sin => "si",
        Khm => "km",
        Tuk => "tk",
        Aka => "ak",
        Zul => "zu",
        Sna => "sn",
        Afr => "af",
        Lat => "la",
        Slk => "sk",
        Cat => "ca",
        Tgl => "tl",
        Hye => "hy",
        Epo => "eo",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_common_news_languages() {
        assert_eq!(detect("The Kremlin said on Tuesday that the report was not true and that no letter had been delivered.").0, "en");
        assert_eq!(detect("Le Kremlin a démenti mardi les informations selon lesquelles une lettre aurait été remise au président.").0, "fr");
        assert_eq!(
            detect("Кремль опроверг сообщения о том, что министр передал письмо президенту.").0,
            "ru"
        );
        assert_eq!(detect("").0, "und");
    }

    #[test]
    fn an_unreliable_guess_is_undetermined_not_a_wrong_language() {
        // A Reuters-21578 earnings table: no prose, trigrams that lean
        // French; the stage must not refuse it as French.
        let table = "Shr 28.5p vs 26.6p.\n    Final div 8p, making 13p vs 12p.\n    \
            Pre-tax profit 132.4 mln stg vs 132.7 mln.\n    Net profit befire minorities  81.0 mln \
            vs 74.4 mln.\n    Sales 2.06 billion stg vs 2.20 billion.\n    Extraordinary debit \
            36.5 mln vs 20.4 mln.\n    Trading surplus after depreciation 145.7 mln stg vs 158.1\n    \
            Mln\n    Investment and interest income 5.4 mln vs 3.8 mln\n    Interest payable 42.5 \
            mln vs 43.9 mln\n    Profits from related companies, less losses, 23.8 mln vs\n    \
            14.7 mln\n    Tax 51.4 mln vs 58.3 mln\n    Profit attributable to outside \
            shareholders' interests 12.6\n    Mln vs 11.2 mln\n";
        assert!(!whatlang::detect(table).unwrap().is_reliable());
        assert_eq!(detect(table).0, "und");
        // A short text keeps its best guess, reliable or not.
        let short = "Кремль опроверг сообщения о том, что министр передал письмо президенту.";
        assert!(!whatlang::detect(short).unwrap().is_reliable());
        assert_eq!(detect(short).0, "ru");
    }

    #[test]
    fn the_stopword_fast_path_agrees_with_whatlang_on_real_prose() {
        let samples = [
            include_str!("../../../../examples/kremlin-denial.txt"),
            "Le gouvernement a annoncé mardi une série de mesures pour soutenir les entreprises touchées par la crise, mais les syndicats estiment que ces aides ne suffiront pas et appellent à une nouvelle journée de mobilisation dans tout le pays. Le ministre de l'Économie a défendu le plan devant les députés, en assurant que la croissance reviendrait dès le second semestre si la consommation des ménages se maintient.",
            "Die Bundesregierung hat am Dienstag ein neues Paket zur Unterstützung der Wirtschaft vorgestellt, das vor allem kleine und mittlere Unternehmen entlasten soll. Kritiker bemängeln jedoch, dass die Hilfen zu spät kommen und nicht ausreichen, um die Folgen der gestiegenen Energiepreise für die Betriebe abzufedern, die seit Monaten mit höheren Kosten zu kämpfen haben.",
            "El Gobierno aprobó este martes un nuevo paquete de medidas para apoyar a las empresas afectadas por la crisis, aunque los sindicatos consideran que las ayudas son insuficientes y han convocado nuevas protestas en todo el país para la próxima semana. El ministro defendió el plan en el Congreso y aseguró que la economía se recuperará durante el segundo semestre del año.",
        ];
        let mut decided = Vec::new();
        for text in samples {
            let end = text
                .char_indices()
                .nth(SAMPLE_CHARS)
                .map(|(i, _)| i)
                .unwrap_or(text.len());
            let fast = by_stopwords(&words(&text[..end])).map(|(l, _)| l);
            let slow = whatlang::detect(&text[..end]).map(|i| iso639_1(i.lang()));
            // Where it decides, it must agree; where function words are
            // shared (Spanish with French and Portuguese) it may defer.
            if let Some(lang) = fast {
                assert_eq!(Some(lang), slow, "{}", &text[..60]);
            }
            decided.push(fast);
        }
        assert_eq!(decided[..3], [Some("en"), Some("fr"), Some("de")]);
        // Prose the fast path defers on is still told by its trigrams.
        assert_eq!(detect(samples[3]).0, "es");
    }
}
