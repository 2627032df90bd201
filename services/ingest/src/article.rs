//! Building the `Article` record from a cleaned story: the body with its
//! paragraph and sentence spans, language, fingerprints, and the record
//! header (article id, content version, producer).
//!
//! The article id is stable: derived from the normalised canonical URL when
//! there is one, else from the normalised text. The version is a hash of the
//! whole record except its header, so the same story cleaned twice gets the
//! same (id, version) and any repeat downstream is droppable.

use prost::Message;
use stancewire_proto::v1;
use stancewire_stage::content_version;
use stancewire_text::sentences;
use time::OffsetDateTime;

use crate::{
    clean::{language, CleanArticle},
    dedup::Fingerprint,
    fingerprint::{normalise_text, normalise_url, simhash},
    submission::Origin,
};

pub const STAGE: &str = "ingest";

/// A record ready to produce, with the fingerprint that dedup judges it by.
#[derive(Debug, Clone)]
pub struct Built {
    pub article: v1::Article,
    pub fingerprint: Fingerprint,
}

pub fn build(clean: CleanArticle, origin: &Origin, submitted_url: Option<&str>) -> Built {
    let mut body = String::new();
    let mut paragraphs = Vec::with_capacity(clean.paragraphs.len());
    let mut sentence_spans = Vec::new();
    let mut offset = 0usize; // in chars
    for (i, p) in clean.paragraphs.iter().enumerate() {
        if i > 0 {
            body.push_str("\n\n");
            offset += 2;
        }
        let len = p.chars().count();
        paragraphs.push(span(offset, offset + len));
        for (s, e) in sentences::split(p) {
            sentence_spans.push(v1::Sentence {
                span: Some(span(offset + s, offset + e)),
                paragraph: i as u32,
            });
        }
        body.push_str(p);
        offset += len;
    }
    let (code, confidence) = language::detect(&body);
    let canonical_url = clean.canonical_url.as_deref().and_then(normalise_url);
    let normalised = normalise_text(&format!("{}\n{}", clean.title, body));
    let content_hash = content_version([normalised.as_bytes()]);
    let article_id = match &canonical_url {
        Some(url) => content_version([b"url".as_slice(), url.as_bytes()]),
        None => content_version([b"content".as_slice(), normalised.as_bytes()]),
    };
    let fingerprint_hash = simhash(&body);
    let word_count = body.split_whitespace().count() as u32;

    let mut article = v1::Article {
        meta: None,
        source: Some(v1::Source {
            kind: origin.kind as i32,
            name: clean.publisher.clone(),
            url: submitted_url.unwrap_or_default().to_string(),
            canonical_url: canonical_url.clone().unwrap_or_default(),
            feed_url: origin.feed_url.clone().unwrap_or_default(),
            path: origin.path.clone().unwrap_or_default(),
        }),
        title: clean.title,
        subtitle: clean.subtitle,
        authors: clean.authors,
        editors: clean.editors,
        publisher: clean.publisher,
        published_at: clean.published_at.map(timestamp),
        language: Some(v1::Language { code, confidence }),
        body,
        paragraphs,
        sentences: sentence_spans,
        simhash: fingerprint_hash,
        word_count,
    };
    let version = content_version([article.encode_to_vec().as_slice()]);
    article.meta = Some(v1::RecordMeta {
        article_id: article_id.clone(),
        version: version.clone(),
        producer: Some(producer()),
        ingested_at: None,
        input_version: String::new(),
    });
    Built {
        article,
        fingerprint: Fingerprint {
            article_id,
            version,
            canonical_url,
            content_hash,
            simhash: fingerprint_hash,
        },
    }
}

pub fn producer() -> v1::Producer {
    v1::Producer {
        stage: STAGE.into(),
        service_version: env!("CARGO_PKG_VERSION").into(),
        model_version: String::new(),
    }
}

fn span(start: usize, end: usize) -> v1::Span {
    v1::Span {
        start: start as u32,
        end: end as u32,
    }
}

pub fn timestamp(t: OffsetDateTime) -> stancewire_proto::Timestamp {
    stancewire_proto::timestamp(t.unix_timestamp(), t.nanosecond() as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(paragraphs: &[&str], url: Option<&str>) -> CleanArticle {
        CleanArticle {
            title: "Title".into(),
            paragraphs: paragraphs.iter().map(|s| s.to_string()).collect(),
            canonical_url: url.map(str::to_string),
            ..Default::default()
        }
    }

    #[test]
    fn spans_index_the_body_in_chars() {
        let b = build(
            clean(&["Détente “held”. Then more.", "Second."], None),
            &Origin::http(),
            None,
        );
        let body: Vec<char> = b.article.body.chars().collect();
        let text = |s: &v1::Span| {
            body[s.start as usize..s.end as usize]
                .iter()
                .collect::<String>()
        };
        let sentences: Vec<String> = b
            .article
            .sentences
            .iter()
            .map(|s| text(s.span.as_ref().unwrap()))
            .collect();
        assert_eq!(sentences, vec!["Détente “held”.", "Then more.", "Second."]);
        assert_eq!(text(&b.article.paragraphs[1]), "Second.");
        assert_eq!(b.article.sentences[2].paragraph, 1);
    }

    #[test]
    fn ids_and_versions_are_deterministic() {
        let a = build(
            clean(&["Same text."], Some("https://x.example/a?utm_source=t")),
            &Origin::http(),
            None,
        );
        let b = build(
            clean(&["Same text."], Some("https://www.x.example/a")),
            &Origin::http(),
            None,
        );
        assert_eq!(
            a.fingerprint.article_id, b.fingerprint.article_id,
            "same canonical URL, same id"
        );
        assert_eq!(a.article, b.article);
        let c = build(
            clean(&["Other text."], Some("https://x.example/a")),
            &Origin::http(),
            None,
        );
        assert_eq!(c.fingerprint.article_id, a.fingerprint.article_id);
        assert_ne!(
            c.fingerprint.version, a.fingerprint.version,
            "new text, new version"
        );
    }
}
