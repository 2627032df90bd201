//! The record contract between stancewire's services and its downstream
//! consumers, generated at build time from `proto/stancewire/v1/*.proto`.
//!
//! Every message implements both `prost::Message` (protobuf binary) and
//! serde's `Serialize`/`Deserialize` following the canonical protobuf JSON
//! mapping (lowerCamelCase names, enums as strings, 64-bit integers as
//! strings, timestamps as RFC 3339). Which encoding a Kafka message uses is
//! said by its `content-type` header; see `stancewire_stage::codec`.

pub mod v1 {
    #![allow(clippy::all, missing_docs)]
    include!(concat!(env!("OUT_DIR"), "/stancewire.v1.rs"));
    include!(concat!(env!("OUT_DIR"), "/stancewire.v1.serde.rs"));
}

pub use pbjson_types::Timestamp;

/// The fully qualified protobuf name of a record type, sent in the
/// `stancewire-type` header so consumers can tell records apart.
pub trait Named {
    const TYPE_NAME: &'static str;
}

macro_rules! named {
    ($($t:ident),* $(,)?) => {
        $(impl Named for v1::$t {
            const TYPE_NAME: &'static str = concat!("stancewire.v1.", stringify!($t));
        })*
    };
}

named!(
    Article,
    ArticleEntities,
    EnrichedArticle,
    StanceRecord,
    TrackedClaim,
    DeadLetter
);

/// Converts a `time::OffsetDateTime`-like pair of (seconds, nanos) into a timestamp.
pub fn timestamp(seconds: i64, nanos: i32) -> Timestamp {
    Timestamp { seconds, nanos }
}

#[cfg(test)]
mod tests {
    use super::v1::*;

    #[test]
    fn json_uses_the_protobuf_mapping() {
        let a = Article {
            meta: Some(RecordMeta {
                article_id: "abc".into(),
                version: "v1".into(),
                ..Default::default()
            }),
            title: "T".into(),
            simhash: u64::MAX,
            source: Some(Source {
                kind: SourceKind::Http as i32,
                ..Default::default()
            }),
            published_at: Some(super::timestamp(0, 0)),
            ..Default::default()
        };
        let json = serde_json::to_value(&a).unwrap();
        assert_eq!(json["meta"]["articleId"], "abc");
        assert_eq!(json["simhash"], u64::MAX.to_string());
        assert_eq!(json["source"]["kind"], "SOURCE_KIND_HTTP");
        // RFC 3339 in UTC (pbjson writes the offset as "+00:00").
        assert_eq!(json["publishedAt"], "1970-01-01T00:00:00+00:00");
        let back: Article = serde_json::from_value(json).unwrap();
        assert_eq!(back, a);
    }
}
