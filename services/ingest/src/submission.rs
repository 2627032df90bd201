//! A story as submitted, parsed from whatever arrived (an HTTP body, a feed
//! item, a file) into a [`Submission`] — or rejected with a [`Failure`] that
//! names the problem. Everything after this point can trust its input:
//! valid UTF-8, not binary, not empty, within the size and nesting limits.

use serde::Deserialize;
use stancewire_proto::v1::SourceKind;
use stancewire_stage::{Failure, FailureKind};
use time::{format_description::well_known::Rfc3339, OffsetDateTime};

/// Limits on what ingest accepts.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_body_bytes: usize,
    pub max_html_depth: usize,
    /// Largest `POST /v1/articles/batch` body, in bytes.
    pub max_batch_bytes: usize,
    /// Most articles in one batch request.
    pub max_batch_items: usize,
    /// Longest the extraction of one article may take.
    pub extract_timeout: std::time::Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 2 * 1024 * 1024,
            max_html_depth: 512,
            max_batch_bytes: 32 * 1024 * 1024,
            max_batch_items: 1000,
            extract_timeout: std::time::Duration::from_secs(10),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    Html(String),
    Text(String),
}

/// What the submitter told us about the story, besides its content.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hints {
    pub url: Option<String>,
    pub title: Option<String>,
    pub published_at: Option<OffsetDateTime>,
    pub source_name: Option<String>,
    pub authors: Vec<String>,
}

/// Where the submission came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    pub kind: SourceKind,
    pub feed_url: Option<String>,
    pub path: Option<String>,
}

impl Origin {
    pub fn http() -> Self {
        Origin {
            kind: SourceKind::Http,
            ..Default::default()
        }
    }
    pub fn file(path: impl Into<String>) -> Self {
        Origin {
            kind: SourceKind::File,
            path: Some(path.into()),
            ..Default::default()
        }
    }
    pub fn feed(url: impl Into<String>) -> Self {
        Origin {
            kind: SourceKind::Feed,
            feed_url: Some(url.into()),
            ..Default::default()
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    pub content: Content,
    pub hints: Hints,
    pub origin: Origin,
}

/// The JSON body of `POST /v1/articles` (and each line of a JSON Lines file).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonSubmission {
    url: Option<String>,
    title: Option<String>,
    html: Option<String>,
    text: Option<String>,
    /// RFC 3339 date-time, or a plain date (YYYY-MM-DD).
    published: Option<String>,
    source: Option<String>,
    #[serde(default)]
    authors: Vec<String>,
}

impl Submission {
    /// Parses a JSON submission.
    pub fn from_json(bytes: &[u8], origin: Origin, limits: &Limits) -> Result<Self, Failure> {
        check_size(bytes, limits)?;
        let text = std::str::from_utf8(bytes).map_err(|e| {
            Failure::new(
                FailureKind::InvalidUtf8,
                format!("body is not valid UTF-8: {e}"),
            )
        })?;
        if text.trim().is_empty() {
            return Err(Failure::new(
                FailureKind::EmptyBody,
                "the request body is empty",
            ));
        }
        let j: JsonSubmission = serde_json::from_str(text).map_err(|e| {
            Failure::new(FailureKind::MalformedJson, format!("malformed JSON: {e}"))
        })?;
        let content = match (j.html, j.text) {
            (Some(_), Some(_)) => {
                return Err(Failure::new(
                    FailureKind::InvalidField,
                    "give either \"html\" or \"text\", not both",
                ))
            }
            (Some(h), None) => Content::Html(h),
            (None, Some(t)) => Content::Text(t),
            (None, None) => {
                return Err(Failure::new(
                    FailureKind::MissingContent,
                    "the article needs an \"html\" or a \"text\" field",
                ))
            }
        };
        let published_at = j.published.as_deref().map(parse_date).transpose()?;
        if let Some(url) = &j.url {
            url::Url::parse(url).map_err(|e| {
                Failure::new(
                    FailureKind::InvalidField,
                    format!("\"url\" is not a valid URL: {e}"),
                )
            })?;
        }
        let hints = Hints {
            url: j.url,
            title: j.title.filter(|t| !t.trim().is_empty()),
            published_at,
            source_name: j.source.filter(|s| !s.trim().is_empty()),
            authors: j.authors,
        };
        Submission::new(content, hints, origin, limits)
    }

    /// Parses a raw body whose media type says what it is.
    pub fn from_raw(
        media_type: &str,
        bytes: &[u8],
        hints: Hints,
        origin: Origin,
        limits: &Limits,
    ) -> Result<Self, Failure> {
        let html = match media_type {
            "text/html" | "application/xhtml+xml" => true,
            "text/plain" => false,
            other => {
                return Err(Failure::new(
                    FailureKind::UnsupportedContentType,
                    format!("unsupported content type {other:?}: send application/json, text/html or text/plain"),
                ))
            }
        };
        check_size(bytes, limits)?;
        let text = decode_text(bytes)?;
        let content = if html {
            Content::Html(text)
        } else {
            Content::Text(text)
        };
        Submission::new(content, hints, origin, limits)
    }

    /// Checks the content itself: not empty, not binary, not too deep.
    pub fn new(
        content: Content,
        hints: Hints,
        origin: Origin,
        limits: &Limits,
    ) -> Result<Self, Failure> {
        let body = match &content {
            Content::Html(s) | Content::Text(s) => s,
        };
        if body.len() > limits.max_body_bytes {
            return Err(too_large(body.len(), limits));
        }
        if body.trim().is_empty() {
            return Err(Failure::new(
                FailureKind::EmptyBody,
                "the article body is empty or only white space",
            ));
        }
        check_not_binary(body.as_bytes())?;
        if let Content::Html(html) = &content {
            if html_depth(html, limits.max_html_depth + 1) > limits.max_html_depth {
                return Err(Failure::new(
                    FailureKind::HtmlTooDeep,
                    format!(
                        "HTML nests elements over {} deep, the limit",
                        limits.max_html_depth
                    ),
                ));
            }
        }
        Ok(Submission {
            content,
            hints,
            origin,
        })
    }
}

fn too_large(len: usize, limits: &Limits) -> Failure {
    Failure::new(
        FailureKind::TooLarge,
        format!(
            "body is {len} bytes; the limit is {} bytes",
            limits.max_body_bytes
        ),
    )
}

fn check_size(bytes: &[u8], limits: &Limits) -> Result<(), Failure> {
    if bytes.len() > limits.max_body_bytes {
        return Err(too_large(bytes.len(), limits));
    }
    Ok(())
}

/// UTF-8 text, refusing binary data with its own error (it is usually not
/// valid UTF-8 either, but "binary" is the more useful message).
pub fn decode_text(bytes: &[u8]) -> Result<String, Failure> {
    check_not_binary(bytes)?;
    let s = std::str::from_utf8(bytes).map_err(|e| {
        Failure::new(
            FailureKind::InvalidUtf8,
            format!("body is not valid UTF-8: {e}"),
        )
    })?;
    Ok(s.strip_prefix('\u{feff}').unwrap_or(s).to_string())
}

/// Binary: a NUL byte, or more than 10% control characters, in the first 8 KiB.
fn check_not_binary(bytes: &[u8]) -> Result<(), Failure> {
    let head = &bytes[..bytes.len().min(8192)];
    let controls = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0c))
        .count();
    if head.contains(&0) || controls * 10 > head.len() {
        return Err(Failure::new(
            FailureKind::BinaryContent,
            "body looks like binary data, not text or HTML",
        ));
    }
    Ok(())
}

/// How deeply elements nest, measured on a stack of open elements the
/// way a parser builds one (cheap, before any parser sees the page), up to
/// `stop_at`. An end tag closes the nearest open element of its name and
/// those opened inside it; an end tag with no open element of its name
/// closes nothing (so `<div></x>` repeated nests ever deeper, as it does in
/// a DOM). Void elements and elements whose end tag HTML lets authors omit
/// are not pushed, so real pages stay far below the limit while
/// pathological nesting, which can exhaust a recursive tree walk, is caught.
pub fn html_depth(html: &str, stop_at: usize) -> usize {
    const NOT_COUNTED: &[&str] = &[
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
        "source", "track", "wbr", "p", "li", "dt", "dd", "tr", "td", "th", "option", "!doctype",
    ];
    let bytes = html.as_bytes();
    let mut open: Vec<&str> = Vec::new();
    let mut max = 0usize;
    let mut i = 0;
    while let Some(off) = memchr_lt(&bytes[i..]) {
        i += off + 1;
        let closing = bytes.get(i) == Some(&b'/');
        let name_start = if closing { i + 1 } else { i };
        let name_end = bytes[name_start..]
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || *b == b'!' || *b == b'-'))
            .map(|p| name_start + p)
            .unwrap_or(bytes.len());
        if name_end == name_start {
            continue;
        }
        let name = &html[name_start..name_end];
        if name.starts_with("!--") || NOT_COUNTED.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            continue;
        }
        let tag_end = bytes[name_end..]
            .iter()
            .position(|b| *b == b'>')
            .map(|p| name_end + p)
            .unwrap_or(bytes.len());
        let self_closing = tag_end > 0 && bytes.get(tag_end - 1) == Some(&b'/');
        if closing {
            if let Some(at) = open.iter().rposition(|n| n.eq_ignore_ascii_case(name)) {
                open.truncate(at);
            }
        } else if !self_closing {
            open.push(name);
            max = max.max(open.len());
            if max >= stop_at {
                return max;
            }
        }
        i = tag_end.min(bytes.len());
        if i >= bytes.len() {
            break;
        }
    }
    max
}

fn memchr_lt(b: &[u8]) -> Option<usize> {
    b.iter().position(|&c| c == b'<')
}

/// RFC 3339, or a plain `YYYY-MM-DD` taken as midnight UTC.
pub fn parse_date(s: &str) -> Result<OffsetDateTime, Failure> {
    let s = s.trim();
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Ok(t);
    }
    let date_format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s, &date_format)
        .map(|d| d.midnight().assume_utc())
        .map_err(|_| {
            Failure::new(
                FailureKind::InvalidField,
                format!("\"published\" must be an RFC 3339 date-time or YYYY-MM-DD, got {s:?}"),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits::default()
    }

    #[test]
    fn json_submissions_parse_into_content_and_hints() {
        let s = Submission::from_json(
            br#"{"url":"https://x.example/a","title":"T","text":"Body.","published":"2025-06-24","source":"X"}"#,
            Origin::http(),
            &limits(),
        )
        .unwrap();
        assert_eq!(s.content, Content::Text("Body.".into()));
        assert_eq!(s.hints.title.as_deref(), Some("T"));
        assert_eq!(s.hints.published_at.unwrap().year(), 2025);
    }

    #[test]
    fn each_bad_input_is_named() {
        let cases: &[(&[u8], FailureKind)] = &[
            (b"{\"text\": ", FailureKind::MalformedJson),
            (b"   ", FailureKind::EmptyBody),
            (b"{\"text\": \"   \"}", FailureKind::EmptyBody),
            (b"{\"title\": \"x\"}", FailureKind::MissingContent),
            (
                b"{\"text\": \"a\", \"body\": \"b\"}",
                FailureKind::MalformedJson,
            ),
            (
                b"{\"text\": \"a\", \"published\": \"yesterday\"}",
                FailureKind::InvalidField,
            ),
            (
                b"{\"text\": \"a\", \"url\": \"not a url\"}",
                FailureKind::InvalidField,
            ),
            (b"\xff\xfe{}", FailureKind::InvalidUtf8),
        ];
        for (body, kind) in cases {
            let err = Submission::from_json(body, Origin::http(), &limits()).unwrap_err();
            assert_eq!(
                err.kind,
                *kind,
                "{:?}: {err}",
                String::from_utf8_lossy(body)
            );
        }
        let err = Submission::from_raw(
            "text/plain",
            b"\x00\x01\x02binary",
            Hints::default(),
            Origin::http(),
            &limits(),
        )
        .unwrap_err();
        assert_eq!(err.kind, FailureKind::BinaryContent);
        let err = Submission::from_raw(
            "image/png",
            b"x",
            Hints::default(),
            Origin::http(),
            &limits(),
        )
        .unwrap_err();
        assert_eq!(err.kind, FailureKind::UnsupportedContentType);
        let small = Limits {
            max_body_bytes: 10,
            ..limits()
        };
        let err = Submission::from_raw(
            "text/plain",
            b"01234567890",
            Hints::default(),
            Origin::http(),
            &small,
        )
        .unwrap_err();
        assert_eq!(err.kind, FailureKind::TooLarge);
    }

    #[test]
    fn deep_html_is_refused_but_real_pages_pass() {
        let deep = format!("{}x{}", "<div>".repeat(2000), "</div>".repeat(2000));
        let err = Submission::from_raw(
            "text/html",
            deep.as_bytes(),
            Hints::default(),
            Origin::http(),
            &limits(),
        )
        .unwrap_err();
        assert_eq!(err.kind, FailureKind::HtmlTooDeep);
        assert_eq!(
            html_depth(
                "<html><body><p>a<p>b<br><img src=x/><div><span>x</span></div></body></html>",
                usize::MAX
            ),
            4
        );
    }

    #[test]
    fn end_tags_of_elements_never_opened_do_not_hide_nesting() {
        // Each `</x>` closes nothing, so each `<div>` nests one deeper.
        let bypass = "<html><body>".to_string() + &"<div></x>".repeat(200_000);
        assert_eq!(html_depth(&bypass, 600), 600, "stops counting at the cap");
        let err = Submission::from_raw(
            "text/html",
            bypass.as_bytes(),
            Hints::default(),
            Origin::http(),
            &Limits {
                max_body_bytes: 4 << 20,
                ..limits()
            },
        )
        .unwrap_err();
        assert_eq!(err.kind, FailureKind::HtmlTooDeep);
        // An end tag closes what was opened inside its element too.
        assert_eq!(
            html_depth("<div><section><span>a</div><div>b</div>", usize::MAX),
            3
        );
    }
}
