//! The service's one job: an article with its entities in; the article
//! with who said what, the claims, each source's stance, the article's own
//! stance toward its headline claim and its matches against the tracked
//! claims out — one `EnrichedArticle`, plus one `StanceRecord` per stance.
//!
//! Output depends only on the input record and the tracked claims it was
//! judged against (both in the version), so a replay gives the same bytes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use stancewire_proto::v1;
use stancewire_stage::{
    content_version, derived_meta,
    stage::{Emit, Transform},
    Failure, FailureKind,
};
use stancewire_text::CharIndex;

use crate::{
    attribution::{self, AttributionModel},
    config::{Limits, Topics},
    judge,
    model::{self, Judgement, Relation, StanceModel, StatementModel},
    phases::{self, Clock},
    speech::{self, Speech},
    tracked::{Snapshot, TrackedClaims},
    verdict,
};

pub const STAGE: &str = "stance-detection";

/// Cosine similarity (sentence embeddings) above which a tracked claim is
/// taken to be one of the article's own claims.
const LINK_MIN_SIMILARITY: f64 = 0.6;

/// The models, with the tracked claims already seen, ready to judge (they
/// are judged against every article: embedding each once, alone, is enough,
/// and alone its numbers do not depend on which article came first).
struct Scorer {
    model: StanceModel,
    attribution: AttributionModel,
    statement: StatementModel,
    claims: HashMap<String, model::Claim>,
    /// The tracked claims ready to judge, and the table they were made
    /// from (rebuilt when the table changes, not for every article).
    watched: model::ClaimSet,
    watched_table: Option<Arc<Snapshot>>,
}

impl Scorer {
    /// The stance model and `tracked` ready to judge against it.
    fn watch(&mut self, tracked: &Arc<Snapshot>) -> (&StanceModel, &model::ClaimSet) {
        let seen = self
            .watched_table
            .as_ref()
            .is_some_and(|table| Arc::ptr_eq(table, tracked));
        if !seen {
            let texts: Vec<&str> = tracked.claims.iter().map(|t| t.text.trim()).collect();
            self.remember(&texts);
            let claims = texts.iter().map(|t| self.claims[*t].clone()).collect();
            self.watched = model::ClaimSet::new(claims);
            self.watched_table = Some(tracked.clone());
        }
        (&self.model, &self.watched)
    }

    /// Prepares the claims of `texts` not seen yet.
    fn remember(&mut self, texts: &[&str]) {
        let new: Vec<&str> = texts
            .iter()
            .copied()
            .filter(|t| !self.claims.contains_key(*t))
            .collect();
        if new.is_empty() {
            return;
        }
        if self.claims.len() + new.len() > 100_000 {
            self.claims.clear();
        }
        for text in new {
            let claim = self.model.claim(text);
            self.claims.insert(text.to_string(), claim);
        }
    }
}

pub struct Detect {
    /// libtorch tensors are not `Sync`; the stage runs one batch at a time,
    /// so the lock is never contended.
    scorer: Mutex<Scorer>,
    model_version: String,
    limits: Limits,
    topics: Topics,
    tracked: Arc<TrackedClaims>,
    phases: phases::Totals,
}

/// The three models stance-detection runs.
pub struct Models {
    pub stance: StanceModel,
    pub attribution: AttributionModel,
    pub statement: StatementModel,
}

impl Models {
    /// Loads the configured models.
    pub fn load(settings: &crate::config::ModelSettings) -> anyhow::Result<Models> {
        let runtime = &settings.runtime;
        Ok(Models {
            stance: StanceModel::load(&settings.dir(), runtime)?,
            attribution: AttributionModel::load(&settings.attribution_dir(), runtime)?,
            statement: StatementModel::load(&settings.statement_dir(), runtime)?,
        })
    }
}

/// What one article gives.
pub struct Detected {
    pub enriched: v1::EnrichedArticle,
    pub stances: Vec<v1::StanceRecord>,
}

impl Detect {
    pub fn new(
        models: Models,
        limits: Limits,
        topics: Topics,
        tracked: Arc<TrackedClaims>,
    ) -> Self {
        let Models {
            stance: model,
            attribution,
            statement,
        } = models;
        Detect {
            model_version: format!(
                "{}+{}+{}",
                model.version, attribution.version, statement.version
            ),
            scorer: Mutex::new(Scorer {
                model,
                attribution,
                statement,
                claims: HashMap::new(),
                watched: model::ClaimSet::new(Vec::new()),
                watched_table: None,
            }),
            limits,
            topics,
            tracked,
            phases: phases::Totals::default(),
        }
    }

    /// Articles detected so far, and each phase's share of their time.
    pub fn phases(&self) -> (u64, Vec<phases::Share>) {
        self.phases.shares()
    }

    fn check<'a>(
        &self,
        doc: &'a v1::ArticleEntities,
    ) -> Result<(&'a v1::RecordMeta, &'a v1::Article), Failure> {
        let meta = doc
            .meta
            .as_ref()
            .filter(|m| !m.article_id.is_empty())
            .ok_or_else(|| {
                Failure::new(
                    FailureKind::InvalidRecord,
                    "the record has no meta.article_id",
                )
            })?;
        let article = doc.article.as_ref().ok_or_else(|| {
            Failure::new(FailureKind::InvalidRecord, "the record carries no article")
        })?;
        let chars = self
            .limits
            .article
            .check(article, "the stance models read")?;
        if let Some(bad) = article
            .sentences
            .iter()
            .filter_map(|s| s.span.as_ref())
            .find(|s| s.start > s.end || s.end as usize > chars)
        {
            return Err(Failure::new(
                FailureKind::InvalidRecord,
                format!(
                    "sentence span {}..{} is outside the {chars}-character body",
                    bad.start, bad.end
                ),
            ));
        }
        Ok((meta, article))
    }

    /// Everything stance-detection adds to one article.
    pub fn detect(&self, doc: &v1::ArticleEntities) -> Result<Detected, Failure> {
        let (meta, article) = self.check(doc)?;
        let mut scorer = self.scorer.lock().unwrap_or_else(|p| p.into_inner());
        let mut clock = Clock::start(&self.phases);
        let paragraphs = attribution::paragraphs(article);
        let found = attribution::find(&scorer.attribution, &article.body, &paragraphs);
        clock.lap(0);
        let Speech {
            quotes,
            claims,
            stances,
            statements,
        } = speech::analyse(doc, &found);
        clock.lap(1);
        let index = CharIndex::new(&article.body);
        let spans: Vec<v1::Span> = article.sentences.iter().filter_map(|s| s.span).collect();
        let sentences: Vec<String> = spans
            .iter()
            .map(|s| index.slice(s.start as usize, s.end as usize).to_string())
            .collect();
        let tracked = self.tracked.snapshot();
        // The body's sentences in one batch of passes; the claims and the
        // headline in another (`Parts::article`).
        let title = headline_text(article);
        let texts: Vec<&str> = claims
            .iter()
            .map(|c| c.text.as_str())
            .chain([title.as_str()])
            .collect();
        let (body, mut own) = scorer.model.parts().article(sentences, &texts);
        let title_embedded = own.pop().expect("the headline was embedded");
        clock.lap(2);
        let headline = headline_claim(article, &claims, &own, &title_embedded);
        let mut claims = claims;
        if !claims.iter().any(|c| c.id == headline.0) {
            claims.push(headline_as_claim(&headline));
            own.push(title_embedded);
        }
        clock.lap(3);
        // What each source says about the claims of others, read by the model.
        let sentence_of = |s: &speech::Statement| spans.iter().position(|x| *x == s.evidence);
        let read = judge::read(&scorer.statement, &statements, &claims, &stances, |s, c| {
            let row = sentence_of(s).filter(|&i| i < body.sentences.len())?;
            Some(
                body.embeddings
                    .get(row as i64)
                    .dot(&own[c].embedding)
                    .double_value(&[]) as f32,
            )
        });
        let stances = judge::merge(stances, read);
        clock.lap(4);
        let pairs: Vec<(&model::Claim, &model::Body)> = own.iter().map(|c| (c, &body)).collect();
        let own_judged = scorer.model.parts().judge_staged(&pairs, false);
        clock.lap(5);
        let (model, watched) = scorer.watch(&tracked);
        let tracked_judged = model.parts().judge_set(watched, &body);
        let watched = &watched.claims;
        // Each tracked claim the article is about weighed with what its
        // sources say about the article's own claim most like it, if one is
        // close enough (an unrelated judgement stays as it is: most of them).
        let tracked_judged: Vec<Judgement> = watched
            .iter()
            .zip(&tracked_judged)
            .map(|(w, j)| {
                if j.relation == Relation::Unrelated {
                    return j.clone();
                }
                let linked = own
                    .iter()
                    .zip(&claims)
                    .map(|(o, c)| (o.embedding.dot(&w.embedding).double_value(&[]), c))
                    .filter(|(sim, _)| *sim >= LINK_MIN_SIMILARITY)
                    .max_by(|a, b| a.0.total_cmp(&b.0));
                verdict::blend(
                    j,
                    linked.and_then(|(_, c)| verdict::of_sources(c, &stances)),
                )
            })
            .collect();
        drop(scorer);
        clock.lap(6);

        // Each judgement weighed with what the article's sources say about
        // the claim.
        let own_judged: Vec<Judgement> = claims
            .iter()
            .zip(&own_judged)
            .map(|(c, j)| verdict::blend(j, verdict::of_sources(c, &stances)))
            .collect();

        let evidence_span = |j: &Judgement| j.evidence.first().and_then(|&i| spans.get(i).copied());
        let evidence_text = |j: &Judgement| {
            evidence_span(j)
                .map(|s| index.slice(s.start as usize, s.end as usize).to_string())
                .unwrap_or_default()
        };
        let article_stances: Vec<v1::Stance> = claims
            .iter()
            .zip(&own_judged)
            .map(|(c, j)| v1::Stance {
                source_entity_id: String::new(),
                source_name: String::new(),
                claim_id: c.id.clone(),
                label: label_of(j.relation, &article.title, c.id == headline.0) as i32,
                confidence: j.confidence,
                evidence: evidence_span(j),
                evidence_text: evidence_text(j),
            })
            .collect();
        let article_stance = article_stances
            .iter()
            .find(|s| s.claim_id == headline.0)
            .cloned();
        let mut stances = stances;
        stances.extend(article_stances);
        let claim_matches: Vec<v1::ClaimMatch> = tracked
            .claims
            .iter()
            .zip(&tracked_judged)
            .filter(|(_, j)| {
                j.relation != Relation::Unrelated
                    && 1.0 - j.probabilities[3] >= self.limits.min_match_confidence
            })
            .map(|(t, j)| v1::ClaimMatch {
                claim_id: t.claim_id.clone(),
                relation: relation_of(j.relation) as i32,
                confidence: j.confidence,
                evidence: evidence_span(j),
            })
            .collect();

        let service_version = env!("CARGO_PKG_VERSION");
        let version = content_version([
            meta.version.as_bytes(),
            STAGE.as_bytes(),
            service_version.as_bytes(),
            self.model_version.as_bytes(),
            &tracked.fingerprint,
        ]);
        let producer = v1::Producer {
            stage: STAGE.into(),
            service_version: service_version.into(),
            model_version: self.model_version.clone(),
        };
        let record_meta = |version: String| derived_meta(meta, version, producer.clone());
        let stance_records: Vec<v1::StanceRecord> = stances
            .iter()
            .map(|s| v1::StanceRecord {
                meta: Some(record_meta(content_version([
                    version.as_bytes(),
                    s.claim_id.as_bytes(),
                    s.source_entity_id.as_bytes(),
                    s.source_name.as_bytes(),
                ]))),
                stance: Some(s.clone()),
                claim: claims.iter().find(|c| c.id == s.claim_id).cloned(),
                article_title: article.title.clone(),
                published_at: article.published_at,
            })
            .collect();
        let enriched = v1::EnrichedArticle {
            meta: Some(record_meta(version)),
            entities: Some(doc.clone()),
            quotes,
            claims,
            stances,
            article_stance,
            claim_matches,
        };
        clock.lap(7);
        Ok(Detected {
            enriched,
            stances: stance_records,
        })
    }
}

/// The text that stands for the headline: the title, else the body's
/// first line.
fn headline_text(article: &v1::Article) -> String {
    let title = article.title.trim();
    if title.is_empty() {
        article.body.lines().next().unwrap_or_default().trim()
    } else {
        title
    }
    .to_string()
}

/// How much the share of a claim's words found in the headline adds to its
/// embedding cosine with the headline. A headline names its claim in few
/// words; by cosine alone a longer statement that names the same people ties
/// with it (0.595 against 0.599 on the Kremlin example with the 6-layer
/// embedder, and the order flips with the 3-layer one).
const HEADLINE_WORDS_WEIGHT: f64 = 0.25;

/// The claim the headline is about: the article's claim most like its
/// title (by the model's sentence embeddings, `own` for `claims` and
/// `title` for the headline text, plus [`HEADLINE_WORDS_WEIGHT`] × the
/// share of the claim's words in the title) if its cosine is at least 0.3,
/// else the headline text itself.
/// Returns (claim id, claim text).
fn headline_claim(
    article: &v1::Article,
    claims: &[v1::Claim],
    own: &[model::Claim],
    title: &model::Claim,
) -> (String, String) {
    let as_title = || {
        (
            speech::claim_id(&speech::normalize(&title.text)),
            title.text.clone(),
        )
    };
    if claims.is_empty() || article.title.trim().is_empty() {
        return as_title();
    }
    claims
        .iter()
        .zip(own)
        .map(|(c, e)| {
            let sim = e.embedding.dot(&title.embedding).double_value(&[]);
            let words = f64::from(e.word_coverage(title));
            tracing::debug!(sim, words, claim = %c.text, "headline likeness");
            (sim, sim + HEADLINE_WORDS_WEIGHT * words, c)
        })
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .filter(|(sim, _, _)| *sim >= 0.3)
        .map(|(_, _, c)| (c.id.clone(), c.text.clone()))
        .unwrap_or_else(as_title)
}

fn headline_as_claim((id, text): &(String, String)) -> v1::Claim {
    v1::Claim {
        id: id.clone(),
        text: text.clone(),
        normalized: speech::normalize(text),
        ..Default::default()
    }
}

/// The article's stance label from the FNC-1 relation; a headline that asks
/// is a query toward its headline claim whatever the body does.
fn label_of(relation: Relation, title: &str, headline: bool) -> v1::StanceLabel {
    if headline && title.trim_end().ends_with('?') {
        return v1::StanceLabel::Query;
    }
    match relation {
        Relation::Agree => v1::StanceLabel::Support,
        Relation::Disagree => v1::StanceLabel::Deny,
        Relation::Discuss | Relation::Unrelated => v1::StanceLabel::Comment,
    }
}

fn relation_of(r: Relation) -> v1::ClaimRelation {
    match r {
        Relation::Agree => v1::ClaimRelation::Agree,
        Relation::Disagree => v1::ClaimRelation::Disagree,
        Relation::Discuss => v1::ClaimRelation::Discuss,
        Relation::Unrelated => v1::ClaimRelation::Unrelated,
    }
}

impl Transform for Detect {
    type Input = v1::ArticleEntities;

    fn transform(&self, batch: &[v1::ArticleEntities]) -> Vec<Result<Vec<Emit>, Failure>> {
        batch
            .iter()
            .map(|doc| {
                self.detect(doc).map(|d| {
                    let mut out = vec![Emit::new(self.topics.output.clone(), d.enriched)];
                    out.extend(
                        d.stances
                            .into_iter()
                            .map(|s| Emit::new(self.topics.stances.clone(), s)),
                    );
                    out
                })
            })
            .collect()
    }
}
