//! Cleaning: from a [`Submission`] to the story's text and metadata.
//!
//! HTML goes through the extractor ([`html`]), plain text through the
//! layout reader ([`text`]); both then lose their furniture
//! ([`boilerplate`]). Language ([`language`]) and sentences
//! (`stancewire_text::sentences`) are found on the clean body by the record
//! builder.

pub mod boilerplate;
pub mod html;
pub mod language;
pub mod text;

use stancewire_stage::{Failure, FailureKind};
use time::OffsetDateTime;

use crate::submission::{Content, Submission};

/// The story, cleaned: metadata and body paragraphs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CleanArticle {
    pub title: String,
    pub subtitle: String,
    pub authors: Vec<String>,
    pub editors: Vec<String>,
    pub publisher: String,
    pub published_at: Option<OffsetDateTime>,
    pub canonical_url: Option<String>,
    pub paragraphs: Vec<String>,
}

pub fn clean(sub: &Submission) -> Result<CleanArticle, Failure> {
    let hints = &sub.hints;
    let mut out = CleanArticle::default();
    let paragraphs = match &sub.content {
        Content::Text(t) => {
            let layout = text::layout(t, hints.title.as_deref());
            out.title = layout.title.unwrap_or_default();
            out.subtitle = layout.subtitle.unwrap_or_default();
            layout.paragraphs
        }
        Content::Html(h) => {
            let page = html::extract(h, hints.url.as_deref()).map_err(|e| {
                Failure::new(
                    FailureKind::ExtractionFailed,
                    format!("could not extract the article: {e}"),
                )
            })?;
            out.title = page.title.unwrap_or_default();
            out.authors = page.authors;
            out.published_at = page.published_at;
            // A page may name any URL as its canonical one: trusted only on
            // the site it was fetched or submitted from, or anyone could
            // take over (or pre-empt) another outlet's story.
            out.canonical_url = page
                .canonical_url
                .filter(|c| hints.url.as_deref().is_some_and(|u| same_site(c, u)));
            out.publisher = page.site_name.unwrap_or_default();
            page.paragraphs
        }
    };
    let (paragraphs, furniture) = boilerplate::strip(paragraphs);
    if paragraphs.is_empty() {
        return Err(Failure::new(
            FailureKind::NoText,
            "no article text was found in the submission",
        ));
    }
    out.paragraphs = paragraphs;

    // What the submitter said wins over what the page says about itself.
    if let Some(t) = &hints.title {
        out.title = text::normalise_space(t);
    }
    if !hints.authors.is_empty() {
        out.authors = hints.authors.clone();
    }
    for a in furniture.authors {
        if !out.authors.contains(&a) {
            out.authors.push(a);
        }
    }
    out.editors = furniture.editors;
    if let Some(s) = &hints.source_name {
        out.publisher = s.clone();
    } else if out.publisher.is_empty() {
        out.publisher = furniture.publisher.unwrap_or_default();
    }
    if hints.published_at.is_some() {
        out.published_at = hints.published_at;
    }
    if out.canonical_url.is_none() {
        out.canonical_url = hints.url.clone();
    }
    Ok(out)
}

/// Whether two URLs are on the same site: the same host, once a leading
/// `www.`, `m.`, `amp.` or `mobile.` is set aside, or one a subdomain of
/// the other (`edition.cnn.com` and `cnn.com`).
pub fn same_site(a: &str, b: &str) -> bool {
    let host = |u: &str| {
        url::Url::parse(u).ok().and_then(|u| {
            u.host_str().map(|h| {
                let h = h.to_ascii_lowercase();
                ["www.", "m.", "amp.", "mobile."]
                    .iter()
                    .find_map(|p| h.strip_prefix(p).map(str::to_string))
                    .unwrap_or(h)
            })
        })
    };
    match (host(a), host(b)) {
        (Some(a), Some(b)) => {
            a == b || a.ends_with(&format!(".{b}")) || b.ends_with(&format!(".{a}"))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::same_site;

    #[test]
    fn a_canonical_url_counts_only_on_its_own_site() {
        assert!(same_site(
            "https://www.reuters.com/world/story",
            "https://reuters.com/world/story?utm=x"
        ));
        assert!(same_site(
            "https://amp.cnn.com/a",
            "https://edition.cnn.com/a"
        ));
        assert!(!same_site(
            "https://www.reuters.com/world/story",
            "https://attacker.example/x"
        ));
        assert!(!same_site(
            "https://reuters.com.attacker.example/",
            "https://reuters.com/"
        ));
        assert!(!same_site("https://www.reuters.com/", "not a url"));
    }
}
