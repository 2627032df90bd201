//! What the runtime needs to know about a record type: how to encode it in
//! either wire format, its protobuf name, and its `(key, version)` identity.

use stancewire_proto::{v1, Named};

/// A record that travels on a topic.
pub trait Record:
    prost::Message + serde::Serialize + serde::de::DeserializeOwned + Default + Named + Send + 'static
{
    /// The record's header (every record has one).
    fn meta(&self) -> Option<&v1::RecordMeta>;

    /// The Kafka key: the article id.
    fn key(&self) -> &str {
        self.meta().map(|m| m.article_id.as_str()).unwrap_or("")
    }

    /// The content version; `(key, version)` identifies a repeat.
    fn version(&self) -> &str {
        self.meta().map(|m| m.version.as_str()).unwrap_or("")
    }
}

macro_rules! record_with_meta {
    ($($t:ident),*) => {
        $(impl Record for v1::$t {
            fn meta(&self) -> Option<&v1::RecordMeta> { self.meta.as_ref() }
        })*
    };
}

record_with_meta!(Article, ArticleEntities, EnrichedArticle, StanceRecord);

impl Record for v1::TrackedClaim {
    fn meta(&self) -> Option<&v1::RecordMeta> {
        None
    }
    fn key(&self) -> &str {
        &self.claim_id
    }
}

impl Record for v1::DeadLetter {
    fn meta(&self) -> Option<&v1::RecordMeta> {
        None
    }
}

/// A deterministic content version: BLAKE3 over the parts, each prefixed by
/// its length so that ("ab", "c") != ("a", "bc"); the first 16 bytes in
/// lower-case hex (32 characters).
pub fn content_version<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> String {
    let mut h = blake3::Hasher::new();
    for part in parts {
        h.update(&(part.len() as u64).to_le_bytes());
        h.update(part);
    }
    h.finalize().to_hex()[..32].to_string()
}

/// The header of a record a stage derives from an input record: the same
/// article id and ingest time, `input_version` pointing back at the input,
/// and the given content version and producer.
pub fn derived_meta(
    input: &v1::RecordMeta,
    version: String,
    producer: v1::Producer,
) -> v1::RecordMeta {
    v1::RecordMeta {
        article_id: input.article_id.clone(),
        version,
        producer: Some(producer),
        ingested_at: input.ingested_at,
        input_version: input.version.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_version_is_deterministic_and_separates_parts() {
        let a = content_version([b"ab".as_slice(), b"c".as_slice()]);
        let b = content_version([b"a".as_slice(), b"bc".as_slice()]);
        assert_ne!(a, b);
        assert_eq!(a, content_version([b"ab".as_slice(), b"c".as_slice()]));
        assert_eq!(a.len(), 32);
    }
}
