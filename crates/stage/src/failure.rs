//! Why a record could not be processed: a stable kind, for machines (the
//! dead letter's `error_kind`, the metrics' `kind` label, an HTTP status),
//! and a message, for people.
//!
//! The kinds are one enum, serialised in snake_case, so a new kind is a
//! compile-time decision that every `match` on it (HTTP statuses) must
//! answer, and a typo cannot create a kind nobody alerts on.

use serde::{Deserialize, Serialize};

/// Every reason a record can be refused or dead-lettered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    // Consumed records (every stage).
    /// The payload is not a record in either wire format.
    Decode,
    /// A record without what every record must have (an id, its article).
    InvalidRecord,
    /// The transform returned an error for the record.
    Transform,
    /// The transform panicked on the record (retried alone first).
    Panic,
    /// An output of the record would exceed the topics' largest message
    /// (`topics::MAX_MESSAGE_BYTES`): no broker would ever take it.
    OutputTooLarge,
    // Articles a model stage reads.
    /// No body text.
    EmptyBody,
    /// A body over the stage's `limits.max_body_chars`.
    BodyTooLarge,
    /// A language the stage's models do not read.
    UnsupportedLanguage,
    // Submissions (ingest).
    /// A body over `limits.max_body_bytes`.
    TooLarge,
    /// Not UTF-8 text.
    InvalidUtf8,
    /// Binary data where text was expected.
    BinaryContent,
    /// HTML nested deeper than `limits.max_html_depth`.
    HtmlTooDeep,
    /// A media type ingest does not read.
    UnsupportedContentType,
    /// A JSON submission that does not parse.
    MalformedJson,
    /// A field with a bad value (a URL that is not one, a bad date).
    InvalidField,
    /// A submission with no text or HTML.
    MissingContent,
    /// The cleaned article has no text left.
    NoText,
    /// HTML extraction failed.
    ExtractionFailed,
    /// A gzip file that does not inflate.
    InvalidGzip,
    /// A file that cannot be read.
    UnreadableFile,
    /// A feed that does not parse.
    MalformedFeed,
    /// A feed that cannot be fetched.
    FeedUnreachable,
    /// A feed item's page that cannot be fetched.
    PageUnreachable,
    /// A feed or page at an address ingest may not fetch (not public, not
    /// http(s)), directly or by a redirect.
    FetchRefused,
    /// Extracting the article took longer than `limits.extract_timeout_ms`.
    ExtractionTimedOut,
}

impl FailureKind {
    /// The kind as it appears in dead letters and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::Decode => "decode",
            FailureKind::InvalidRecord => "invalid_record",
            FailureKind::Transform => "transform",
            FailureKind::Panic => "panic",
            FailureKind::EmptyBody => "empty_body",
            FailureKind::BodyTooLarge => "body_too_large",
            FailureKind::UnsupportedLanguage => "unsupported_language",
            FailureKind::TooLarge => "too_large",
            FailureKind::OutputTooLarge => "output_too_large",
            FailureKind::InvalidUtf8 => "invalid_utf8",
            FailureKind::BinaryContent => "binary_content",
            FailureKind::HtmlTooDeep => "html_too_deep",
            FailureKind::UnsupportedContentType => "unsupported_content_type",
            FailureKind::MalformedJson => "malformed_json",
            FailureKind::InvalidField => "invalid_field",
            FailureKind::MissingContent => "missing_content",
            FailureKind::NoText => "no_text",
            FailureKind::ExtractionFailed => "extraction_failed",
            FailureKind::InvalidGzip => "invalid_gzip",
            FailureKind::UnreadableFile => "unreadable_file",
            FailureKind::MalformedFeed => "malformed_feed",
            FailureKind::FeedUnreachable => "feed_unreachable",
            FailureKind::PageUnreachable => "page_unreachable",
            FailureKind::FetchRefused => "fetch_refused",
            FailureKind::ExtractionTimedOut => "extraction_timed_out",
        }
    }
}

impl std::fmt::Display for FailureKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a record was refused or dead-lettered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}: {message}")]
pub struct Failure {
    pub kind: FailureKind,
    pub message: String,
}

impl Failure {
    pub fn new(kind: FailureKind, message: impl Into<String>) -> Self {
        Failure {
            kind,
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_serialise_as_their_names() {
        for kind in [
            FailureKind::Decode,
            FailureKind::UnsupportedContentType,
            FailureKind::BodyTooLarge,
        ] {
            assert_eq!(
                serde_json::to_string(&kind).unwrap(),
                format!("\"{}\"", kind.as_str())
            );
        }
        let f = Failure::new(FailureKind::EmptyBody, "no text");
        assert_eq!(f.to_string(), "empty_body: no text");
    }
}
