//! Fingerprints that say whether two submissions are the same story:
//! a normalised canonical URL, an exact content hash, and a 64-bit SimHash
//! of word 3-shingles for near-duplicates (a wire story re-published with a
//! new byline or a tweaked sentence differs in a few bits).

use url::Url;

/// Query parameters that track clicks and never change the story.
const TRACKING: &[&str] = &[
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "fbclid",
    "gclid",
    "mc_cid",
    "mc_eid",
    "ref",
    "cmpid",
    "ocid",
    "taid",
    "at_medium",
    "at_campaign",
];

/// A URL reduced to what identifies the story: lower-case host without
/// `www.`, no fragment, no tracking parameters, no trailing slash, scheme
/// folded to https. `None` for something that is not an http(s) URL.
pub fn normalise_url(raw: &str) -> Option<String> {
    let mut url = Url::parse(raw.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    url.set_fragment(None);
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| !TRACKING.contains(&k.as_ref()) && !k.starts_with("utm_"))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
    let host = url.host_str()?.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host).to_string();
    let path = url.path().trim_end_matches('/');
    let query = url.query().map(|q| format!("?{q}")).unwrap_or_default();
    let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
    Some(format!("https://{host}{port}{path}{query}"))
}

/// Lower-cased words, for hashing text independently of layout.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// Text reduced to its words: the same story in a different layout (spaces,
/// line breaks, punctuation style) gives the same string.
pub fn normalise_text(text: &str) -> String {
    words(text).collect::<Vec<_>>().join(" ")
}

/// FNV-1a, 64-bit: stable across Rust versions and platforms, which a
/// persisted fingerprint needs (std's hasher promises neither).
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

/// 64-bit SimHash over word 3-shingles.
pub fn simhash(text: &str) -> u64 {
    let words: Vec<String> = words(text).collect();
    let mut counts = [0i32; 64];
    let mut shingle = String::new();
    let n = words.len();
    for i in 0..n.saturating_sub(2).max(usize::from(n > 0)) {
        shingle.clear();
        for w in &words[i..(i + 3).min(n)] {
            shingle.push_str(w);
            shingle.push(' ');
        }
        let h = fnv1a(shingle.as_bytes());
        for (bit, c) in counts.iter_mut().enumerate() {
            *c += if h >> bit & 1 == 1 { 1 } else { -1 };
        }
    }
    counts.iter().enumerate().fold(
        0u64,
        |acc, (bit, &c)| if c > 0 { acc | 1 << bit } else { acc },
    )
}

pub fn hamming(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_normalise_to_the_story() {
        assert_eq!(
            normalise_url("http://WWW.Example.com/news/story/?utm_source=x&id=7#top").as_deref(),
            Some("https://example.com/news/story?id=7")
        );
        assert_eq!(
            normalise_url("https://example.com/news/story").as_deref(),
            normalise_url("https://example.com/news/story/?fbclid=abc").as_deref()
        );
        assert_eq!(normalise_url("ftp://example.com/x"), None);
        assert_eq!(normalise_url("not a url"), None);
    }

    #[test]
    fn near_duplicates_are_close_and_different_stories_far() {
        let story = include_str!("../../../examples/kremlin-denial.txt");
        // A re-published copy: a new headline and one sentence edited.
        let republished = story
            .replacen("Kremlin Denies Reports", "Moscow Rejects Reports", 1)
            .replacen("remains highly volatile", "remains very volatile", 1);
        let other = "Quarterly profits at US media giant TimeWarner jumped 76% to $1.13bn for the three months to December, from $639m a year earlier, helped by sales of high-speed internet connections and higher advert sales.";
        let d = hamming(simhash(story), simhash(&republished));
        assert!(d <= 4, "near-duplicate distance {d}");
        assert!(hamming(simhash(story), simhash(other)) > 12);
        assert_eq!(
            normalise_text("Hello,  World!\n\nAgain"),
            "hello world again"
        );
    }
}
