//! The `quotes` command: who said what in text files, as the pipeline finds
//! it. Each file (the headline on its first line, as `ingest files` reads
//! it) goes through ingest's cleaning, entity-recognition and
//! stance-detection in this process, exactly as the services run them, and
//! comes out as one JSON line: its quotes, claims and stances, every offset
//! in code points of the file's text as given (the clean body's offsets
//! mapped back through [`crate::align`]).

use std::path::{Path, PathBuf};

use serde::Serialize;
use stancewire_entity_recognition::{config::EntityConfig, model::NerModel, transform::Recognize};
use stancewire_ingest::{
    article, clean,
    files::read_text_file,
    submission::{Content, Hints, Limits, Origin, Submission},
};
use stancewire_model::Runtime;
use stancewire_proto::v1;
use stancewire_stance_detection::{
    config::StanceConfig,
    tracked::TrackedClaims,
    transform::{Detect, Models},
};

use crate::align::Alignment;

/// A text's enriched record, and where its body came from in the text.
pub struct Enriched {
    pub record: v1::EnrichedArticle,
    pub align: Alignment,
}

/// The three stages, loaded once.
pub struct Pipeline {
    recognize: Recognize,
    detect: Detect,
}

#[derive(Debug, Serialize)]
pub struct FileQuotes {
    pub file: String,
    pub quotes: Vec<Quote>,
    pub claims: Vec<Claim>,
    pub stances: Vec<Stance>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Quote {
    pub start: usize,
    pub end: usize,
    pub text: String,
    pub speaker: String,
    pub speaker_entity_id: String,
    pub kind: String,
    pub cue: String,
    pub source_start: Option<usize>,
    pub source_end: Option<usize>,
    pub confidence: f32,
}

#[derive(Debug, Serialize)]
pub struct Claim {
    pub id: String,
    pub text: String,
    pub source_entity_id: String,
    pub start: Option<usize>,
    pub end: Option<usize>,
}

#[derive(Debug, Serialize)]
pub struct Stance {
    pub source: String,
    pub source_entity_id: String,
    pub claim_id: String,
    pub claim: String,
    pub label: String,
    pub confidence: f32,
    pub evidence_start: Option<usize>,
    pub evidence_end: Option<usize>,
}

/// stance-detection's model directories where not the shipped ones (to
/// compare a model in training with the shipped one).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ModelPaths {
    /// Stance model directory (default: the service's, models/stance-fast).
    #[arg(long = "stance-model")]
    pub stance: Option<PathBuf>,
    /// Statement-stance model directory (default: models/statement-stance).
    #[arg(long = "statement-model")]
    pub statement: Option<PathBuf>,
    /// Attribution tagger directory (default: models/attribution).
    #[arg(long = "attribution-model")]
    pub attribution: Option<PathBuf>,
}

impl Pipeline {
    /// The services' default models (or `paths`), in `runtime`'s precision
    /// and threads.
    pub fn load(runtime: &Runtime, paths: &ModelPaths) -> anyhow::Result<Pipeline> {
        let ner_config = EntityConfig::default();
        let ner = NerModel::load(
            &ner_config.model.dir(),
            runtime,
            ner_config.model.max_pieces,
        )?;
        // stance-detection's models, as the service configures them, in
        // this command's precision and threads.
        let mut stance_config = StanceConfig::default();
        stance_config.model.path = paths.stance.clone();
        stance_config.model.statement_path = paths.statement.clone();
        stance_config.model.attribution_path = paths.attribution.clone();
        stance_config.model.runtime = Runtime {
            batch_size: stance_config.model.runtime.batch_size,
            ..runtime.clone()
        };
        let models = Models::load(&stance_config.model)?;
        tracing::info!(
            ner = %ner.version,
            stance = %models.stance.version,
            attribution = %models.attribution.version,
            statement = %models.statement.version,
            "models loaded"
        );
        Ok(Pipeline {
            recognize: Recognize::new(ner, ner_config.limits.clone(), "articles.entities"),
            detect: Detect::new(
                models,
                stance_config.limits.clone(),
                stance_config.topics.clone(),
                TrackedClaims::new(stance_config.limits.max_claim_chars),
            ),
        })
    }

    /// Where stance-detection's time went, phase by phase, as a table, after
    /// `files` files in `elapsed` (cleaning and NER included).
    pub fn profile(&self, elapsed: std::time::Duration, files: usize) -> String {
        let (articles, shares) = self.detect.phases();
        let mut out = format!(
            "{files} files in {:.1} s ({:.2} files/s, all three stages); \
             stance-detection phases over {articles} articles:\n",
            elapsed.as_secs_f64(),
            files as f64 / elapsed.as_secs_f64().max(1e-9)
        );
        out += &format!(
            "{:<28} {:>9} {:>12} {:>7}\n",
            "phase", "seconds", "ms/article", "share"
        );
        for s in &shares {
            out += &format!(
                "{:<28} {:>9.2} {:>12.1} {:>6.1}%\n",
                s.phase,
                s.seconds,
                s.per_article_ms,
                s.fraction * 100.0
            );
        }
        let total: f64 = shares.iter().map(|s| s.seconds).sum();
        out += &format!(
            "{:<28} {:>9.2} {:>12.1}\n",
            "stance-detection, all",
            total,
            total * 1000.0 / (articles.max(1) as f64)
        );
        out
    }

    /// What the pipeline finds in one text file.
    pub fn file(&self, path: &Path) -> FileQuotes {
        let mut out = FileQuotes {
            file: path.display().to_string(),
            quotes: Vec::new(),
            claims: Vec::new(),
            stances: Vec::new(),
            error: None,
        };
        if let Err(e) = self.fill(path, &mut out) {
            out.error = Some(e.to_string());
        }
        out
    }

    /// A text (the headline on its first line) through the three stages:
    /// its enriched record, and the map from its clean body back to `text`.
    pub fn enrich(&self, text: &str, origin: &str) -> anyhow::Result<Enriched> {
        let limits = Limits::default();
        let sub = Submission::new(
            Content::Text(text.to_string()),
            Hints::default(),
            Origin::file(origin),
            &limits,
        )?;
        let built = article::build(clean::clean(&sub)?, &sub.origin, None);
        let entities = self.recognize.recognize(&built.article)?;
        let record = self.detect.detect(&entities)?.enriched;
        let a = &built.article;
        let paragraphs: Vec<std::ops::Range<usize>> = a
            .paragraphs
            .iter()
            .map(|p| p.start as usize..p.end as usize)
            .collect();
        let align = Alignment::new(text, &a.body, &paragraphs);
        Ok(Enriched { record, align })
    }

    fn fill(&self, path: &Path, out: &mut FileQuotes) -> anyhow::Result<()> {
        let text = read_text_file(path)?;
        let Enriched {
            record: enriched,
            align,
        } = self.enrich(&text, &path.display().to_string())?;
        let map = |s: &v1::Span| align.range(&(s.start as usize..s.end as usize));
        let file_chars: Vec<char> = text.chars().collect();
        let slice = |r: &std::ops::Range<usize>| file_chars[r.clone()].iter().collect::<String>();
        for q in &enriched.quotes {
            let Some(span) = q.span.as_ref() else {
                continue;
            };
            let r = map(span);
            let source = q.source_span.as_ref().map(map);
            out.quotes.push(Quote {
                start: r.start,
                end: r.end,
                text: slice(&r),
                speaker: q.speaker_name.clone(),
                speaker_entity_id: q.speaker_entity_id.clone(),
                kind: match q.kind() {
                    v1::QuoteKind::Direct => "direct",
                    v1::QuoteKind::Reported => "reported",
                    v1::QuoteKind::Unspecified => "",
                }
                .to_string(),
                cue: q.cue.clone(),
                source_start: source.as_ref().map(|s| s.start),
                source_end: source.as_ref().map(|s| s.end),
                confidence: q.confidence,
            });
        }
        for c in &enriched.claims {
            let r = c.span.as_ref().map(map);
            out.claims.push(Claim {
                id: c.id.clone(),
                text: c.text.clone(),
                source_entity_id: c.source_entity_id.clone(),
                start: r.as_ref().map(|r| r.start),
                end: r.as_ref().map(|r| r.end),
            });
        }
        for s in &enriched.stances {
            let r = s.evidence.as_ref().map(map);
            let claim = enriched
                .claims
                .iter()
                .find(|c| c.id == s.claim_id)
                .map_or("", |c| c.text.as_str());
            out.stances.push(Stance {
                source: if s.source_name.is_empty() {
                    "(the article)".to_string()
                } else {
                    s.source_name.clone()
                },
                source_entity_id: s.source_entity_id.clone(),
                claim_id: s.claim_id.clone(),
                claim: claim.to_string(),
                label: match s.label() {
                    v1::StanceLabel::Support => "support",
                    v1::StanceLabel::Deny => "deny",
                    v1::StanceLabel::Query => "query",
                    v1::StanceLabel::Comment => "comment",
                    v1::StanceLabel::Unspecified => "",
                }
                .to_string(),
                confidence: s.confidence,
                evidence_start: r.as_ref().map(|r| r.start),
                evidence_end: r.as_ref().map(|r| r.end),
            });
        }
        Ok(())
    }
}
