//! The stance model: how an article stands toward a claim, as FNC-1 asks it
//! (agree / disagree / discuss / unrelated), trained by this project (see
//! `models/stance/MODEL_CARD.md`).
//!
//! Two stages, chosen for dev score per CPU-second on two cores:
//! 1. *related or not*: a small MLP over cheap features (embedding cosine of
//!    the claim with each body sentence, word and bigram overlap). Most
//!    (claim, article) pairs stop here, after one embedding pass per
//!    article that all claims share.
//! 2. *agree, disagree or discuss*: a fine-tuned MiniLM cross-encoder reads
//!    the claim with the few body sentences most about it (not the whole
//!    body, which would cost ~10× more), only for pairs found related.
//!
//! A model directory holds `config.json` (rust-bert's `BertConfig`),
//! `vocab.txt`, `model.safetensors` (all three networks) and `stance.json`
//! (the input settings the model was trained with).

pub mod encode;
pub mod net;
pub mod relation;
pub mod statement;
pub mod text;

use std::path::{Path, PathBuf};

use anyhow::Context;
use rust_bert::bert::BertConfig;
use rust_bert::Config;
use serde::{Deserialize, Serialize};
use stancewire_model::{batching::in_passes, load_weights, models_dir, Precision, Runtime};
use tch::{nn, Device, Kind, Tensor};

use encode::{Encoded, TextEncoder};
use net::{CrossNet, Embedder, RelateNet};
pub use relation::Relation;
pub use statement::StatementModel;
use text::Bag;

/// The model stance-detection runs unless configured otherwise: the
/// cross-encoder distilled to 2 layers and the sentence embedder to 3
/// (`models/stance-fast`); their 6-layer teacher, `models/stance`, ships
/// beside it.
pub fn shipped_dir() -> PathBuf {
    models_dir().join("stance-fast")
}

/// Input settings fixed at training time (`stance.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InputSettings {
    /// Most pieces per sentence embedded.
    pub sentence_pieces: usize,
    /// Most sentences of a body considered (the lead matters most in news).
    pub max_sentences: usize,
    /// Body sentences the cross-encoder reads with the claim.
    pub evidence_sentences: usize,
    /// Most pieces of a (claim, evidence) pair.
    pub pair_pieces: usize,
    /// Encoder layers of the cross-encoder, where it has fewer than the
    /// embedder (a student distilled from a deeper one); absent: as many.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cross_layers: Option<usize>,
    /// Encoder layers of the sentence embedder, where it has fewer than the
    /// model's config (a student distilled from all-MiniLM-L6-v2's
    /// embeddings); absent: as many.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embedder_layers: Option<usize>,
}

impl InputSettings {
    /// The settings of the stance model in `dir` (its `stance.json`).
    pub fn read(dir: &Path) -> anyhow::Result<InputSettings> {
        let path = dir.join("stance.json");
        let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        serde_json::from_slice(&bytes).with_context(|| format!("parsing {}", path.display()))
    }

    /// The cross-encoder's `BertConfig`: the model's, with its own depth.
    pub fn cross_config(&self, config: &BertConfig) -> BertConfig {
        with_layers(config, self.cross_layers)
    }

    /// The sentence embedder's `BertConfig`: the model's, with its own depth.
    pub fn embedder_config(&self, config: &BertConfig) -> BertConfig {
        with_layers(config, self.embedder_layers)
    }
}

/// `config` with `layers` encoder layers, where a network has its own depth.
fn with_layers(config: &BertConfig, layers: Option<usize>) -> BertConfig {
    let mut out = config.clone();
    if let Some(layers) = layers {
        out.num_hidden_layers = layers as i64;
    }
    out
}

impl Default for InputSettings {
    fn default() -> Self {
        InputSettings {
            sentence_pieces: 96,
            max_sentences: 60,
            evidence_sentences: 4,
            pair_pieces: 160,
            cross_layers: None,
            embedder_layers: None,
        }
    }
}

/// A body, ready to be judged against any number of claims.
pub struct Body {
    pub sentences: Vec<String>,
    /// Unit sentence embeddings `[sentences, hidden]`.
    pub embeddings: Tensor,
    bags: Vec<Bag>,
    /// Each sentence's `cue_bonus`, found once for all the claims.
    cues: Vec<f32>,
    all: Bag,
    lead: Bag,
}

/// A claim, ready to be judged against any number of bodies.
pub struct Claim {
    pub text: String,
    /// Unit embedding `[hidden]`.
    pub embedding: Tensor,
    bag: Bag,
}

impl Claim {
    /// Share of this claim's content-word stems that `other` has.
    pub fn word_coverage(&self, other: &Claim) -> f32 {
        self.bag.coverage(&other.bag)
    }
}

impl Clone for Claim {
    /// Shares the embedding's storage (it is never written).
    fn clone(&self) -> Claim {
        Claim {
            text: self.text.clone(),
            embedding: self.embedding.shallow_clone(),
            bag: self.bag.clone(),
        }
    }
}

/// Claims judged against every article (the tracked claims), their
/// embeddings stacked once: an article then costs one product, not the
/// stacking of thousands of vectors.
pub struct ClaimSet {
    pub claims: Vec<Claim>,
    /// `[claims, hidden]`; `None` when there are no claims.
    matrix: Option<Tensor>,
}

impl ClaimSet {
    pub fn new(claims: Vec<Claim>) -> ClaimSet {
        let rows: Vec<&Tensor> = claims.iter().map(|c| &c.embedding).collect();
        let matrix = (!rows.is_empty()).then(|| Tensor::stack(&rows, 0));
        ClaimSet { claims, matrix }
    }

    /// `similarities` of every claim with the body, in claim order.
    fn similarities(&self, body: &Body) -> Vec<Vec<f32>> {
        match &self.matrix {
            Some(m) if !body.sentences.is_empty() => products(m, body),
            _ => vec![Vec::new(); self.claims.len()],
        }
    }
}

/// What the model says about one (claim, body) pair.
#[derive(Debug, Clone, PartialEq)]
pub struct Judgement {
    pub relation: Relation,
    /// Probability of `relation`.
    pub confidence: f32,
    /// Probabilities in `Relation::ALL` order.
    pub probabilities: [f32; 4],
    /// Body sentences the judgement rests on, most related first.
    pub evidence: Vec<usize>,
}

/// Words that mark refuting or hedging: sentences with them are preferred
/// as evidence when nearly as related as others.
const CUES: &[&str] = &[
    "not",
    "no",
    "false",
    "fake",
    "hoax",
    "deny",
    "denied",
    "denies",
    "debunk",
    "debunked",
    "untrue",
    "rumor",
    "rumour",
    "claim",
    "claims",
    "claimed",
    "reportedly",
    "allegedly",
    "alleged",
    "unconfirmed",
    "confirm",
    "confirmed",
    "says",
    "said",
    "according",
];

fn cue_bonus(sentence: &str) -> f32 {
    let hit = sentence
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .any(|w| {
            let w = w.to_lowercase();
            CUES.contains(&w.as_str()) || w.ends_with("n't")
        });
    if hit {
        0.05
    } else {
        0.0
    }
}

/// Cosine similarity of the claim with each body sentence (both unit length).
pub fn similarities(claim: &Claim, body: &Body) -> Vec<f32> {
    if body.sentences.is_empty() {
        return Vec::new();
    }
    Vec::try_from(body.embeddings.mv(&claim.embedding)).unwrap_or_default()
}

/// `similarities` of every pair, the pairs that share a body (every tracked
/// claim against one article) in one product: one pass over thousands of
/// claims instead of one small product each.
pub fn all_similarities(pairs: &[(&Claim, &Body)]) -> Vec<Vec<f32>> {
    let mut groups: Vec<(&Body, Vec<usize>)> = Vec::new();
    let mut group_of: std::collections::HashMap<*const Body, usize> = Default::default();
    for (i, (_, body)) in pairs.iter().enumerate() {
        let g = *group_of.entry(*body as *const Body).or_insert_with(|| {
            groups.push((body, Vec::new()));
            groups.len() - 1
        });
        groups[g].1.push(i);
    }
    let mut out: Vec<Vec<f32>> = vec![Vec::new(); pairs.len()];
    for (body, members) in groups {
        let n = body.sentences.len();
        if n == 0 {
            continue;
        }
        let claims: Vec<&Tensor> = members.iter().map(|&i| &pairs[i].0.embedding).collect();
        let rows = products(&Tensor::stack(&claims, 0), body);
        for (&i, row) in members.iter().zip(rows) {
            out[i] = row;
        }
    }
    out
}

/// Each row of `claims` (`[n, hidden]`) against each sentence of a body
/// with sentences: `n` rows of similarities.
fn products(claims: &Tensor, body: &Body) -> Vec<Vec<f32>> {
    let n = body.sentences.len();
    let product = claims
        .to_kind(body.embeddings.kind())
        .matmul(&body.embeddings.tr());
    let flat: Vec<f32> =
        Vec::try_from(product.to_kind(Kind::Float).contiguous().view([-1])).unwrap_or_default();
    (0..claims.size()[0] as usize)
        .map(|row| {
            flat.get(row * n..(row + 1) * n)
                .unwrap_or_default()
                .to_vec()
        })
        .collect()
}

/// The relatedness features of a pair (see `net::FEATURES`), given its
/// `similarities`.
pub fn features(claim: &Claim, body: &Body, sims: &[f32]) -> [f32; net::FEATURES as usize] {
    let mut sorted = sims.to_vec();
    sorted.sort_by(|a, b| b.total_cmp(a));
    let top = |k: usize| sorted.iter().take(k).sum::<f32>() / k.min(sorted.len()).max(1) as f32;
    let lead = sims.iter().take(3).copied().fold(0.0f32, f32::max);
    let mean = sims.iter().sum::<f32>() / sims.len().max(1) as f32;
    // Word coverages count only the claim's words the body has at all: most
    // tracked claims share few or none with an article, so this skips the
    // sentence-by-sentence set intersections thousands of claims would cost
    // (the same counts, so the same figures as `Bag::coverage`).
    let hits: Vec<&String> = claim
        .bag
        .words
        .iter()
        .filter(|w| body.all.words.contains(*w))
        .collect();
    let share = |count: usize| {
        if claim.bag.words.is_empty() {
            0.0
        } else {
            count as f32 / claim.bag.words.len() as f32
        }
    };
    let count_in = |bag: &text::Bag| hits.iter().filter(|w| bag.words.contains(**w)).count();
    let best_cover = share(body.bags.iter().map(count_in).max().unwrap_or(0));
    let bigrams = if hits.is_empty() {
        0.0
    } else {
        claim.bag.bigram_coverage(&body.all)
    };
    [
        top(1),
        top(3),
        lead,
        mean,
        share(hits.len()),
        share(count_in(&body.lead)),
        bigrams,
        best_cover,
        (1.0 + body.sentences.len() as f32).ln() / 5.0,
        claim.bag.words.len() as f32 / 20.0,
    ]
}

/// Body sentences most about the claim, best first, given the pair's
/// `similarities`.
pub fn evidence(body: &Body, sims: &[f32], k: usize) -> Vec<usize> {
    let mut order: Vec<(usize, f32)> = sims
        .iter()
        .enumerate()
        .map(|(i, s)| (i, s + body.cues[i]))
        .collect();
    order.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    order.into_iter().take(k).map(|(i, _)| i).collect()
}

/// The evidence the cross-encoder reads: the chosen sentences, best first.
pub fn evidence_text(body: &Body, chosen: &[usize]) -> String {
    chosen
        .iter()
        .map(|&i| body.sentences[i].as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

pub struct StanceModel {
    _vs: nn::VarStore,
    embedder: Embedder,
    relate: RelateNet,
    cross: CrossNet,
    encoder: TextEncoder,
    pub settings: InputSettings,
    pub precision: Precision,
    batch_size: usize,
    /// A short name for records' `model_version`: directory name + weights hash prefix.
    pub version: String,
}

impl StanceModel {
    pub fn load(dir: &Path, runtime: &Runtime) -> anyhow::Result<StanceModel> {
        let config = BertConfig::from_file(dir.join("config.json"));
        let settings = InputSettings::read(dir)?;
        let mut vs = nn::VarStore::new(Device::Cpu);
        let root = vs.root();
        let embedder_config = settings.embedder_config(&config);
        let mut embedder = Embedder::new(&(&root / net::EMBEDDER), &embedder_config);
        let relate = RelateNet::new(&(&root / net::RELATE));
        let cross_config = settings.cross_config(&config);
        let mut cross = CrossNet::new(&(&root / net::CROSS), &cross_config);
        let precision = runtime.precision.resolve();
        let hash = load_weights(&mut vs, &dir.join("model.safetensors"), precision)?;
        if precision == Precision::Int8 {
            embedder.quantize(&vs, &embedder_config)?;
            cross.quantize(&vs, &cross_config)?;
        }
        Ok(StanceModel {
            _vs: vs,
            embedder,
            relate,
            cross,
            encoder: TextEncoder::from_vocab(&dir.join("vocab.txt"))?,
            settings,
            precision,
            batch_size: runtime.batch_size.max(1),
            // The precision changes the judgements a little: it is part of
            // the version, so two hosts never emit different bytes under one.
            version: format!("stance-minilm-2stage@{hash}-{}", precision.name()),
        })
    }

    /// The networks and settings, borrowed for judging.
    pub fn parts(&self) -> Parts<'_> {
        Parts {
            embedder: &self.embedder,
            relate: &self.relate,
            cross: &self.cross,
            encoder: &self.encoder,
            settings: &self.settings,
            batch_size: self.batch_size,
        }
    }

    /// Prepares a body from its sentences (only the first `max_sentences` count).
    pub fn body(&self, sentences: Vec<String>) -> Body {
        self.parts().body(sentences)
    }

    pub fn claim(&self, text: &str) -> Claim {
        self.parts().claim(text)
    }

    /// Judges each (claim, body) pair.
    pub fn judge(&self, pairs: &[(&Claim, &Body)]) -> Vec<Judgement> {
        self.parts().judge(pairs)
    }
}

/// The model's networks, wherever they live: a loaded model, or the
/// separate stores of a training run scoring itself on dev.
#[derive(Clone, Copy)]
pub struct Parts<'a> {
    pub embedder: &'a Embedder,
    pub relate: &'a RelateNet,
    pub cross: &'a CrossNet,
    pub encoder: &'a TextEncoder,
    pub settings: &'a InputSettings,
    pub batch_size: usize,
}

impl Parts<'_> {
    /// Unit embeddings of `texts`, `[n, hidden]`.
    pub fn embed(&self, texts: &[&str]) -> Tensor {
        embed_with(
            self.embedder,
            self.encoder,
            texts,
            self.settings.sentence_pieces,
            self.batch_size,
        )
    }

    pub fn body(&self, sentences: Vec<String>) -> Body {
        let sentences: Vec<String> = sentences
            .into_iter()
            .take(self.settings.max_sentences)
            .collect();
        let refs: Vec<&str> = sentences.iter().map(String::as_str).collect();
        let embeddings = self.embed(&refs);
        Body::new(sentences, embeddings)
    }

    pub fn claim(&self, text: &str) -> Claim {
        Claim::new(text, self.embed(&[text]).get(0))
    }

    /// An article's body and claims: the sentences in one batch of passes,
    /// the claims in another (a pass has a fixed cost, and one claim a pass
    /// paid it per claim). Apart, because int8 quantizes a pass's
    /// activations with one scale: a claim read beside long sentences came
    /// out a little different, enough to flip which claim is most like the
    /// headline. The passes depend only on the article's own texts, so the
    /// same article always gets the same numbers.
    pub fn article(&self, sentences: Vec<String>, claims: &[&str]) -> (Body, Vec<Claim>) {
        let body = self.body(sentences);
        let embedded = self.embed(claims);
        let claims = claims
            .iter()
            .enumerate()
            .map(|(i, text)| Claim::new(text, embedded.get(i as i64)))
            .collect();
        (body, claims)
    }

    /// Judges each (claim, body) pair; the cross-encoder runs, batched, only
    /// on the pairs found related.
    pub fn judge(&self, pairs: &[(&Claim, &Body)]) -> Vec<Judgement> {
        self.judge_staged(pairs, true)
    }

    /// As `judge`, but with `stage_one` false every pair is taken as
    /// related (for data where each text is about its target by design).
    pub fn judge_staged(&self, pairs: &[(&Claim, &Body)], stage_one: bool) -> Vec<Judgement> {
        self.judge_with(pairs, all_similarities(pairs), stage_one)
    }

    /// As `judge`, every claim of the set against one body.
    pub fn judge_set(&self, set: &ClaimSet, body: &Body) -> Vec<Judgement> {
        let pairs: Vec<(&Claim, &Body)> = set.claims.iter().map(|c| (c, body)).collect();
        self.judge_with(&pairs, set.similarities(body), true)
    }

    fn judge_with(
        &self,
        pairs: &[(&Claim, &Body)],
        sims: Vec<Vec<f32>>,
        stage_one: bool,
    ) -> Vec<Judgement> {
        let related: Vec<f32> = if !stage_one {
            vec![1.0; pairs.len()]
        } else if pairs.is_empty() {
            Vec::new()
        } else {
            let x: Vec<f32> = pairs
                .iter()
                .zip(&sims)
                .flat_map(|((c, b), s)| features(c, b, s))
                .collect();
            let x = Tensor::from_slice(&x).view([pairs.len() as i64, net::FEATURES]);
            tch::no_grad(|| Vec::try_from(self.relate.forward(&x).sigmoid())).unwrap_or_default()
        };
        let evidence: Vec<Vec<usize>> = pairs
            .iter()
            .zip(&sims)
            .map(|((_, b), s)| evidence(b, s, self.settings.evidence_sentences))
            .collect();
        let todo: Vec<usize> = (0..pairs.len())
            .filter(|&i| related[i] >= 0.5 && !evidence[i].is_empty())
            .collect();
        let inputs: Vec<Encoded> = todo
            .iter()
            .map(|&i| {
                let (claim, body) = pairs[i];
                self.encoder.pair(
                    &claim.text,
                    &evidence_text(body, &evidence[i]),
                    self.settings.pair_pieces,
                )
            })
            .collect();
        let three = classify_with(self.cross, &inputs, self.batch_size);
        let mut out: Vec<Judgement> = (0..pairs.len())
            .map(|i| {
                let r = related[i];
                Judgement {
                    relation: Relation::Unrelated,
                    confidence: 1.0 - r,
                    probabilities: [0.0, 0.0, r, 1.0 - r],
                    evidence: evidence[i].clone(),
                }
            })
            .collect();
        for (k, &i) in todo.iter().enumerate() {
            let r = related[i];
            let p = three[k];
            let probabilities = [r * p[0], r * p[1], r * p[2], 1.0 - r];
            let best = (0..3).max_by(|&a, &b| p[a].total_cmp(&p[b])).unwrap_or(2);
            out[i].relation = Relation::RELATED[best];
            out[i].confidence = probabilities[best];
            out[i].probabilities = probabilities;
        }
        out
    }
}

impl Body {
    pub fn new(sentences: Vec<String>, embeddings: Tensor) -> Body {
        let bags: Vec<Bag> = sentences.iter().map(|s| Bag::of(s)).collect();
        let mut all = Bag::default();
        let mut lead = Bag::default();
        for (i, b) in bags.iter().enumerate() {
            all.extend(b);
            if i < 3 {
                lead.extend(b);
            }
        }
        Body {
            cues: sentences.iter().map(|s| cue_bonus(s)).collect(),
            sentences,
            embeddings,
            bags,
            all,
            lead,
        }
    }
}

impl Claim {
    pub fn new(text: &str, embedding: Tensor) -> Claim {
        Claim {
            text: text.to_string(),
            embedding,
            bag: Bag::of(text),
        }
    }
}

/// Embeds texts in length-sorted batches (little padding).
pub fn embed_with(
    embedder: &Embedder,
    encoder: &TextEncoder,
    texts: &[&str],
    max_pieces: usize,
    batch_size: usize,
) -> Tensor {
    if texts.is_empty() {
        return Tensor::zeros([0, 384], (Kind::Float, Device::Cpu));
    }
    let encoded: Vec<Encoded> = texts
        .iter()
        .map(|t| encoder.single(t, max_pieces))
        .collect();
    let mut rows: Vec<Option<Tensor>> = (0..texts.len()).map(|_| None).collect();
    in_passes(&pieces(&encoded), batch_size, |pass, ids, mask, types| {
        let e = embedder.forward(ids, mask, types);
        for (row, &i) in pass.iter().enumerate() {
            rows[i] = Some(e.get(row as i64));
        }
    });
    let rows: Vec<Tensor> = rows.into_iter().flatten().collect();
    Tensor::stack(&rows, 0)
}

/// agree / disagree / discuss probabilities for each encoded pair.
pub fn classify_with(cross: &CrossNet, inputs: &[Encoded], batch_size: usize) -> Vec<[f32; 3]> {
    let p = logits_with(cross, inputs, batch_size).softmax(-1, Kind::Float);
    let flat: Vec<f32> = Vec::try_from(p.contiguous().view([-1])).unwrap_or_default();
    flat.chunks(3).map(|row| [row[0], row[1], row[2]]).collect()
}

/// agree / disagree / discuss logits `[pairs, 3]`, in the inputs' order
/// (a distilled student learns them from its teacher).
pub fn logits_with(cross: &CrossNet, inputs: &[Encoded], batch_size: usize) -> Tensor {
    let mut out = Tensor::zeros([inputs.len() as i64, 3], (Kind::Float, Device::Cpu));
    in_passes(&pieces(inputs), batch_size, |pass, ids, mask, types| {
        let logits = cross.forward_t(ids, mask, types, false);
        let rows: Vec<i64> = pass.iter().map(|&i| i as i64).collect();
        let _ = out.index_copy_(0, &Tensor::from_slice(&rows), &logits);
    });
    out
}

/// The `(ids, types)` rows of encoded inputs, for `in_passes`.
fn pieces(inputs: &[Encoded]) -> Vec<(&[i64], &[i64])> {
    inputs
        .iter()
        .map(|e| (e.ids.as_slice(), e.types.as_slice()))
        .collect()
}

#[cfg(test)]
mod feature_tests {
    use super::*;

    /// The word features as `Bag::coverage` defines them, sentence by sentence.
    fn plain(claim: &Claim, body: &Body) -> [f32; 4] {
        [
            claim.bag.coverage(&body.all),
            claim.bag.coverage(&body.lead),
            claim.bag.bigram_coverage(&body.all),
            body.bags
                .iter()
                .map(|b| claim.bag.coverage(b))
                .fold(0.0f32, f32::max),
        ]
    }

    #[test]
    fn word_features_are_the_plain_coverages() {
        let sentences: Vec<String> = [
            "Kremlin spokesman Dmitry Peskov said the Reuters report was not true.",
            "Iran's foreign minister visited Moscow in June.",
            "Oil prices rose on Tuesday after the talks.",
            "The minister did not deliver any written document to Putin.",
            "Shares in Shell fell by two percent.",
        ]
        .map(String::from)
        .to_vec();
        let n = sentences.len() as i64;
        let body = Body::new(
            sentences,
            Tensor::zeros([n, 384], (Kind::Float, Device::Cpu)),
        );
        for text in [
            "Araghchi delivered a written message from Khamenei to Putin",
            "Oil prices rose after the talks in Moscow",
            "A spider crawled beneath a man's skin",
            "",
            "Shell shares fell",
        ] {
            let claim = Claim::new(text, Tensor::zeros([384], (Kind::Float, Device::Cpu)));
            let sims = vec![0.0; n as usize];
            let f = features(&claim, &body, &sims);
            assert_eq!([f[4], f[5], f[6], f[7]], plain(&claim, &body), "{text:?}");
        }
    }
}

#[cfg(test)]
mod int8_tests {
    //! The int8 pass (`stancewire_model::int8`) held to rust-bert's float
    //! output on the shipped weights: the sentence embedder, the stance
    //! cross-encoder and the statement reader.
    use super::*;

    fn runtime(precision: Precision) -> Runtime {
        Runtime {
            threads: 1,
            precision,
            batch_size: 8,
        }
    }

    const SENTENCES: &[&str] = &[
        "Kremlin spokesman Dmitry Peskov told reporters the Reuters report was not true.",
        "Shares in Royal Dutch Shell fell 2 percent in London after the group cut its outlook.",
        "The World Health Organization dismissed the report as false allegations.",
        "No talks are taking place, a Shell spokesman said.",
    ];

    #[test]
    fn int8_stance_model_embeds_and_judges_as_float_does() {
        let float = StanceModel::load(&shipped_dir(), &runtime(Precision::Float32)).unwrap();
        let int8 = StanceModel::load(&shipped_dir(), &runtime(Precision::Int8)).unwrap();
        assert!(int8.version.ends_with("-int8"), "{}", int8.version);
        let (a, b) = (
            float.parts().embed(SENTENCES),
            int8.parts().embed(SENTENCES),
        );
        let cosines: Vec<f64> = (0..SENTENCES.len() as i64)
            .map(|i| a.get(i).dot(&b.get(i)).double_value(&[]))
            .collect();
        assert!(cosines.iter().all(|&c| c > 0.98), "{cosines:?}");

        let body = |m: &StanceModel| m.body(SENTENCES.iter().map(|s| s.to_string()).collect());
        let claim = "Shell is in talks to buy BG Group";
        let judged = |m: &StanceModel| {
            let (c, b) = (m.claim(claim), body(m));
            m.parts().judge_staged(&[(&c, &b)], false).remove(0)
        };
        let (f, q) = (judged(&float), judged(&int8));
        assert_eq!(f.relation, q.relation, "{f:?} {q:?}");
        let gap = f
            .probabilities
            .iter()
            .zip(&q.probabilities)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0f32, f32::max);
        assert!(gap < 0.1, "{f:?} {q:?}");
    }

    #[test]
    fn the_distilled_model_reads_as_the_6_layer_teacher() {
        let teacher =
            StanceModel::load(&models_dir().join("stance"), &runtime(Precision::Int8)).unwrap();
        let fast = StanceModel::load(&shipped_dir(), &runtime(Precision::Int8)).unwrap();
        assert_eq!(fast.settings.cross_layers, Some(2));
        assert_eq!(fast.settings.embedder_layers, Some(3));
        assert_ne!(teacher.version, fast.version);
        // The distilled embedder puts a sentence near where the teacher's
        // does, and ranks a claim's sentences as it does.
        let (t, f) = (
            teacher.parts().embed(SENTENCES),
            fast.parts().embed(SENTENCES),
        );
        let body = |m: &StanceModel| m.body(SENTENCES.iter().map(|s| s.to_string()).collect());
        for claim in [
            "Shell is in talks to buy BG Group",
            "The Reuters report was not true",
            "A spider crawled beneath a man's skin",
        ] {
            let cosines = |m: &StanceModel, e: &Tensor| -> Vec<f64> {
                let c = m.claim(claim);
                (0..SENTENCES.len() as i64)
                    .map(|i| e.get(i).dot(&c.embedding).double_value(&[]))
                    .collect()
            };
            let (ct, cf) = (cosines(&teacher, &t), cosines(&fast, &f));
            let best = |c: &[f64]| (0..c.len()).max_by(|&a, &b| c[a].total_cmp(&c[b]));
            assert_eq!(best(&ct), best(&cf), "{claim}: {ct:?} {cf:?}");
            let gap = ct
                .iter()
                .zip(&cf)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            assert!(gap < 0.2, "{claim}: {ct:?} {cf:?}");
            // And the pairs the teacher finds related (or not), it does too.
            let judged = |m: &StanceModel| {
                let (c, b) = (m.claim(claim), body(m));
                m.judge(&[(&c, &b)]).remove(0)
            };
            let (jt, jf) = (judged(&teacher), judged(&fast));
            let related = |j: &Judgement| j.relation != Relation::Unrelated;
            assert_eq!(related(&jt), related(&jf), "{claim}: {jt:?} {jf:?}");
            let total: f32 = jf.probabilities.iter().sum();
            assert!((total - 1.0).abs() < 1e-3, "{claim}: {jf:?}");
        }
    }

    #[test]
    fn the_distilled_statement_reader_reads_as_its_teacher() {
        let teacher = StatementModel::load(&statement::shipped_dir(), &runtime(Precision::Int8));
        let student = StatementModel::load(&statement::distilled_dir(), &runtime(Precision::Int8));
        let (teacher, student) = (teacher.unwrap(), student.unwrap());
        assert!(student.version != teacher.version, "{}", student.version);
        let pairs = [
            (
                "Russia plans to annex the region",
                "Kremlin spokesman Dmitry Peskov said the report was not true.",
            ),
            (
                "The company will close the plant",
                "The company confirmed it will close the plant next year.",
            ),
            (
                "Tiger Woods was suspended for failing a drug test",
                "These claims are absolutely, unequivocally and completely false.",
            ),
        ];
        let top = |p: &[f32; 3]| (0..3).max_by(|&a, &b| p[a].total_cmp(&p[b]));
        for ((t, s), pair) in teacher
            .read(&pairs)
            .iter()
            .zip(student.read(&pairs))
            .zip(pairs)
        {
            assert_eq!(top(t), top(&s), "{pair:?}: teacher {t:?}, student {s:?}");
        }
    }

    #[test]
    fn int8_statement_reader_reads_as_float_does() {
        let dir = statement::shipped_dir();
        let float = StatementModel::load(&dir, &runtime(Precision::Float32)).unwrap();
        let int8 = StatementModel::load(&dir, &runtime(Precision::Int8)).unwrap();
        let pairs = [
            ("Shell is in talks to buy BG Group", SENTENCES[3]),
            (
                "Russia plans to annex the region",
                "Kremlin spokesman Dmitry Peskov said the report was not true.",
            ),
            (
                "The company will close the plant",
                "The company confirmed it will close the plant next year.",
            ),
        ];
        for ((f, q), pair) in float.read(&pairs).iter().zip(int8.read(&pairs)).zip(pairs) {
            let top = |p: &[f32; 3]| (0..3).max_by(|&a, &b| p[a].total_cmp(&p[b]));
            assert_eq!(top(f), top(&q), "{pair:?}: {f:?} {q:?}");
            let gap = f
                .iter()
                .zip(&q)
                .map(|(x, y)| (x - y).abs())
                .fold(0.0f32, f32::max);
            assert!(gap < 0.1, "{pair:?}: {f:?} {q:?}");
        }
    }
}
