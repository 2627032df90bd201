//! Record encoding on the wire.
//!
//! Records go out as protobuf-JSON by default (readable by any analytics
//! tool) or as protobuf binary when configured. Each Kafka message says which
//! in its `content-type` header, and [`decode`] accepts both, so producers
//! can switch formats without coordinating with consumers.

use rdkafka::message::Headers;
use serde::{Deserialize, Serialize};

use crate::record::Record;

/// Header naming the payload encoding.
pub const CONTENT_TYPE: &str = "content-type";
/// Header naming the protobuf message type, e.g. `stancewire.v1.Article`.
pub const RECORD_TYPE: &str = "stancewire-type";
/// Header with the record's content version (also inside the record).
pub const RECORD_VERSION: &str = "stancewire-version";
/// Header with the wall-clock time the message was produced (RFC 3339).
/// Kept out of the record so that a repeat's payload is byte-identical.
pub const PRODUCED_AT: &str = "stancewire-produced-at";

pub const JSON: &str = "application/json";
pub const PROTOBUF: &str = "application/x-protobuf";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WireFormat {
    #[default]
    Json,
    Protobuf,
}

impl WireFormat {
    pub fn content_type(self) -> &'static str {
        match self {
            WireFormat::Json => JSON,
            WireFormat::Protobuf => PROTOBUF,
        }
    }

    /// The format a `content-type` header names. A message without the header
    /// is sniffed: JSON objects start with `{`, protobuf messages never do
    /// for stancewire records (field 1 is always a length-delimited meta).
    pub fn from_header(content_type: Option<&str>, payload: &[u8]) -> Result<Self, DecodeError> {
        match content_type.map(|c| c.split(';').next().unwrap_or("").trim()) {
            Some(JSON) => Ok(WireFormat::Json),
            Some(PROTOBUF) | Some("application/protobuf") => Ok(WireFormat::Protobuf),
            Some(other) => Err(DecodeError::UnknownContentType(other.to_string())),
            None => Ok(
                if payload.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
                    WireFormat::Json
                } else {
                    WireFormat::Protobuf
                },
            ),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("unknown content-type {0:?}: expected {JSON} or {PROTOBUF}")]
    UnknownContentType(String),
    #[error("empty payload")]
    Empty,
    #[error("invalid JSON record: {0}")]
    Json(#[from] serde_json::Error),
    #[error("invalid protobuf record: {0}")]
    Protobuf(#[from] prost::DecodeError),
}

/// The value of a message's header, as text. Header names compare without
/// regard to case, as HTTP's do; the first header of that name wins.
pub fn header<H: Headers>(headers: Option<&H>, name: &str) -> Option<String> {
    headers?
        .iter()
        .find(|h| h.key.eq_ignore_ascii_case(name))
        .and_then(|h| h.value)
        .map(|v| String::from_utf8_lossy(v).into_owned())
}

pub fn encode<R: Record>(record: &R, format: WireFormat) -> Vec<u8> {
    match format {
        // Serialising generated pbjson types cannot fail: no maps with
        // non-string keys, no non-finite floats the mapping rejects.
        WireFormat::Json => serde_json::to_vec(record).unwrap_or_default(),
        WireFormat::Protobuf => record.encode_to_vec(),
    }
}

pub fn decode<R: Record>(payload: &[u8], content_type: Option<&str>) -> Result<R, DecodeError> {
    if payload.is_empty() {
        return Err(DecodeError::Empty);
    }
    match WireFormat::from_header(content_type, payload)? {
        WireFormat::Json => Ok(serde_json::from_slice(payload)?),
        WireFormat::Protobuf => Ok(R::decode(payload)?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stancewire_proto::v1::{Article, RecordMeta};

    fn article() -> Article {
        Article {
            meta: Some(RecordMeta {
                article_id: "k".into(),
                version: "v".into(),
                ..Default::default()
            }),
            body: "Body “quoted” — text.".into(),
            ..Default::default()
        }
    }

    #[test]
    fn both_formats_round_trip_and_are_told_apart() {
        for format in [WireFormat::Json, WireFormat::Protobuf] {
            let bytes = encode(&article(), format);
            let back: Article = decode(&bytes, Some(format.content_type())).unwrap();
            assert_eq!(back, article());
            // Sniffing works without the header too.
            let back: Article = decode(&bytes, None).unwrap();
            assert_eq!(back, article());
        }
    }

    #[test]
    fn headers_are_found_whatever_their_case() {
        use rdkafka::message::{Header, OwnedHeaders};
        let headers = OwnedHeaders::new().insert(Header {
            key: "Content-Type",
            value: Some(JSON),
        });
        assert_eq!(header(Some(&headers), CONTENT_TYPE).as_deref(), Some(JSON));
        assert_eq!(header(Some(&headers), RECORD_TYPE), None);
        assert_eq!(header::<OwnedHeaders>(None, CONTENT_TYPE), None);
    }

    #[test]
    fn bad_payloads_are_named() {
        let err = decode::<Article>(b"{not json", Some(JSON)).unwrap_err();
        assert!(err.to_string().starts_with("invalid JSON record"), "{err}");
        let err = decode::<Article>(b"\xff\xff\xff", Some(PROTOBUF)).unwrap_err();
        assert!(
            err.to_string().starts_with("invalid protobuf record"),
            "{err}"
        );
        let err = decode::<Article>(b"x", Some("text/csv")).unwrap_err();
        assert!(matches!(err, DecodeError::UnknownContentType(_)));
        assert!(matches!(
            decode::<Article>(b"", None),
            Err(DecodeError::Empty)
        ));
    }
}
