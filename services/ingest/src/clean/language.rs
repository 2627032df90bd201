//! Language identification with `whatlang` (trigram profiles, no model
//! files), reported as ISO 639-1 where such a code exists.

use whatlang::Lang;

/// How much text to look at: enough for a confident guess, bounded cost.
const SAMPLE_CHARS: usize = 600;

/// The language of `text` as (code, confidence in 0..1); ("und", 0) when the
/// text is too short or too mixed to tell.
pub fn detect(text: &str) -> (String, f32) {
    let end = text
        .char_indices()
        .nth(SAMPLE_CHARS)
        .map(|(i, _)| i)
        .unwrap_or(text.len());
    match whatlang::detect(&text[..end]) {
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
}
