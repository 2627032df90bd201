//! stance-detection's reading of who said what — quotes, claims and each
//! source's stance — on real input: every article is cleaned by the ingest
//! library, tagged by the shipped NER model and read by stance-detection's
//! one job with its shipped models, in process, so the rules and models meet
//! the sentences and entities they will meet in production (no
//! hand-written mentions). The models load once per test binary.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use stancewire_entity_recognition::{
    model::{shipped_dir, NerModel, MAX_PIECES},
    transform::Recognize,
};
use stancewire_ingest::{
    article, clean,
    submission::{Hints, Limits, Origin, Submission},
};
use stancewire_model::Runtime;
use stancewire_proto::v1::{self, QuoteKind, StanceLabel};
use stancewire_stage::limits::ArticleLimits;
use stancewire_stance_detection::speech::{claim_id, normalize, Speech};
use stancewire_stance_detection::{
    config::StanceConfig,
    tracked::TrackedClaims,
    transform::{Detect, Models},
};

const EXAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../examples/kremlin-denial.txt"
);
const EXPECTATIONS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../examples/kremlin-denial.expect.json"
);

/// The NER stage, loaded once per test binary.
fn recognizer() -> &'static Recognize {
    static NER: OnceLock<Recognize> = OnceLock::new();
    NER.get_or_init(|| {
        let model = NerModel::load(&shipped_dir(), &Runtime::default(), MAX_PIECES)
            .expect("the shipped NER model loads");
        Recognize::new(model, ArticleLimits::default(), "articles.entities")
    })
}

/// stance-detection's one job, with its shipped models, loaded once per
/// test binary.
fn detector() -> &'static Detect {
    static DETECT: OnceLock<Detect> = OnceLock::new();
    DETECT.get_or_init(|| {
        let config = StanceConfig::default();
        let models = Models::load(&config.model).expect("the shipped models load");
        Detect::new(
            models,
            config.limits.clone(),
            config.topics.clone(),
            TrackedClaims::new(config.limits.max_claim_chars),
        )
    })
}

/// Who said what in a tagged article, as stance-detection finds it: the
/// quotes, the claims and the sources' stances (the article's own stances,
/// which have no source, left out).
fn speech_of(doc: &v1::ArticleEntities) -> Speech {
    if doc.article.is_none() {
        return Speech::default();
    }
    let enriched = detector()
        .detect(doc)
        .expect("the article is read")
        .enriched;
    Speech {
        quotes: enriched.quotes,
        // The claims the article's speech makes (the headline's, added by
        // the article-level judgement, has no span in the body).
        claims: enriched
            .claims
            .into_iter()
            .filter(|c| c.span.is_some())
            .collect(),
        stances: enriched
            .stances
            .into_iter()
            .filter(|s| !s.source_name.is_empty())
            .collect(),
        statements: Vec::new(),
    }
}

/// An article as stance-detection receives it: cleaned, built, tagged.
fn tagged(bytes: &[u8], hints: Hints, path: &str) -> v1::ArticleEntities {
    let limits = Limits::default();
    let sub = Submission::from_raw("text/plain", bytes, hints, Origin::file(path), &limits)
        .expect("a valid submission");
    let clean = clean::clean(&sub).expect("the text cleans");
    let built = article::build(clean, &sub.origin, None);
    recognizer()
        .recognize(&built.article)
        .expect("the article is tagged")
}

/// Synthetic paragraphs (separated by blank lines), tagged for real.
fn tag(body: &str) -> v1::ArticleEntities {
    let hints = Hints {
        title: Some("Test story".into()),
        ..Hints::default()
    };
    tagged(body.as_bytes(), hints, "synthetic.txt")
}

fn example() -> v1::ArticleEntities {
    let bytes = std::fs::read(EXAMPLE).expect("the example article is readable");
    tagged(&bytes, Hints::default(), EXAMPLE)
}

/// The body text of a record span.
fn chars(doc: &v1::ArticleEntities, span: Option<&v1::Span>) -> String {
    let body = &doc.article.as_ref().expect("an article").body;
    let span = span.expect("a span");
    body.chars()
        .skip(span.start as usize)
        .take(span.end.saturating_sub(span.start) as usize)
        .collect()
}

fn entity_id(doc: &v1::ArticleEntities, name: &str) -> String {
    doc.entities
        .iter()
        .find(|e| e.canonical_name == name)
        .unwrap_or_else(|| panic!("no entity {name:?} in {:#?}", doc.entities))
        .id
        .clone()
}

fn quote<'s>(speech: &'s Speech, kind: QuoteKind, starts: &str) -> &'s v1::Quote {
    speech
        .quotes
        .iter()
        .find(|q| q.kind() == kind && q.text.starts_with(starts))
        .unwrap_or_else(|| panic!("no {kind:?} quote {starts:?} in {:#?}", speech.quotes))
}

fn claim<'s>(speech: &'s Speech, text: &str) -> &'s v1::Claim {
    speech
        .claims
        .iter()
        .find(|c| c.text == text)
        .unwrap_or_else(|| panic!("no claim {text:?} in {:#?}", speech.claims))
}

/// The claim whose text holds `part`.
fn claim_with<'s>(speech: &'s Speech, part: &str) -> &'s v1::Claim {
    speech
        .claims
        .iter()
        .find(|c| c.text.contains(part))
        .unwrap_or_else(|| panic!("no claim with {part:?} in {:#?}", speech.claims))
}

fn stance<'s>(speech: &'s Speech, source: &str, claim: &v1::Claim) -> &'s v1::Stance {
    speech
        .stances
        .iter()
        .find(|s| s.source_name == source && s.claim_id == claim.id)
        .unwrap_or_else(|| {
            panic!(
                "no stance of {source:?} on {:?} in {:#?}",
                claim.text, speech.stances
            )
        })
}

/// What every analysis must satisfy, whatever the article.
fn assert_well_formed(doc: &v1::ArticleEntities, speech: &Speech) {
    let article = doc.article.as_ref().expect("an article");
    for q in &speech.quotes {
        assert_eq!(
            chars(doc, q.span.as_ref()),
            q.text,
            "quote span and text agree"
        );
        assert!(!q.text.trim().is_empty());
    }
    for c in &speech.claims {
        assert_eq!(c.normalized, normalize(&c.text));
        assert_eq!(c.id, claim_id(&c.normalized));
        assert!(
            c.text.split_whitespace().count() >= 4,
            "trivial claim {c:?}"
        );
    }
    let keys: BTreeSet<&str> = speech
        .claims
        .iter()
        .map(|c| c.normalized.as_str())
        .collect();
    assert_eq!(keys.len(), speech.claims.len(), "one claim per key");
    let mut pairs = BTreeSet::new();
    for s in &speech.stances {
        assert!(speech.claims.iter().any(|c| c.id == s.claim_id));
        assert!(
            s.confidence > 0.0 && s.confidence <= 1.0,
            "confidence {s:?}"
        );
        let sentence = article
            .sentences
            .iter()
            .find(|x| x.span == s.evidence)
            .unwrap_or_else(|| panic!("evidence is not a sentence: {s:?}"));
        assert_eq!(chars(doc, sentence.span.as_ref()), s.evidence_text);
        let source = (s.source_entity_id.clone(), s.source_name.clone());
        assert!(
            pairs.insert((source, s.claim_id.clone())),
            "one stance per pair"
        );
    }
    let order: Vec<_> = speech
        .stances
        .iter()
        .map(|s| (s.evidence.map(|e| e.start), s.source_name.clone()))
        .collect();
    assert!(order.windows(2).all(|w| w[0] <= w[1]), "stances sorted");
}

#[test]
fn kremlin_denial_example() {
    let doc = example();
    let speech = speech_of(&doc);
    assert_well_formed(&doc, &speech);
    let peskov = entity_id(&doc, "Dmitry Peskov");
    let reuters = entity_id(&doc, "Reuters");
    let expected: serde_json::Value = serde_json::from_slice(
        &std::fs::read(EXPECTATIONS).expect("the expectations are readable"),
    )
    .expect("the expectations are JSON");
    let expected = &expected["stance"];

    // Both quotes, inside their marks, attributed to Peskov.
    let direct: Vec<&v1::Quote> = speech
        .quotes
        .iter()
        .filter(|q| q.kind() == QuoteKind::Direct)
        .collect();
    let wanted = expected["quotes"].as_array().expect("quotes");
    assert_eq!(direct.len(), wanted.len(), "{direct:#?}");
    for (q, want) in direct.iter().zip(wanted) {
        assert!(
            q.text
                .starts_with(want["text_starts"].as_str().unwrap_or("?")),
            "{q:?}"
        );
        assert_eq!(q.speaker_name, want["speaker"].as_str().unwrap_or("?"));
        assert_eq!(q.speaker_entity_id, peskov);
        let span = q.span.expect("a span");
        let marks = |start: u32| {
            chars(
                &doc,
                Some(&v1::Span {
                    start,
                    end: start + 1,
                }),
            )
        };
        assert_eq!(
            (marks(span.start - 1), marks(span.end)),
            ("“".into(), "”".into())
        );
    }
    assert_eq!(direct[0].cue, "stated");
    assert!(direct[0].text.contains("let’s put it that way"));

    // Reported speech: the denial, the role-named and the named "according
    // to", and the confirmation, all Peskov's.
    let denial = quote(
        &speech,
        QuoteKind::Reported,
        "Earlier Reuters report claiming that",
    );
    assert!(denial.text.ends_with("are not true"), "{denial:?}");
    let role_named = quote(
        &speech,
        QuoteKind::Reported,
        "the Iranian foreign minister did not deliver any written document",
    );
    assert_eq!(role_named.cue, "according to");
    let named = quote(&speech, QuoteKind::Reported, "while diplomatic engagement");
    let confirmed = quote(
        &speech,
        QuoteKind::Reported,
        "Russian and Iranian officials continue",
    );
    assert_eq!(confirmed.cue, "confirmed");
    for q in [denial, role_named, named, confirmed] {
        assert_eq!(
            (q.speaker_entity_id.as_str(), q.speaker_name.as_str()),
            (peskov.as_str(), "Dmitry Peskov"),
            "{q:?}"
        );
    }

    // The central claim: rewritten with canonical names, Reuters' own,
    // supported by Reuters and denied by Peskov in the same sentence.
    let central = claim(&speech, expected["claim"].as_str().expect("claim"));
    assert_eq!(central.source_entity_id, reuters);
    let people: Vec<String> = ["Abbas Araghchi", "Ali Khamenei", "Vladimir Putin"]
        .iter()
        .map(|n| entity_id(&doc, n))
        .collect();
    assert_eq!(central.entity_ids, people);
    assert_eq!(
        chars(&doc, central.span.as_ref()),
        "Iranian Foreign Minister Abbas Araghchi delivered a message from Iran's Supreme Leader \
         Ali Khamenei to Russian President Vladimir Putin"
    );
    for want in expected["stances"].as_array().expect("stances") {
        let label = match want["stance"].as_str() {
            Some("deny") => StanceLabel::Deny,
            Some("support") => StanceLabel::Support,
            other => panic!("unknown stance {other:?}"),
        };
        let s = stance(&speech, want["source"].as_str().expect("source"), central);
        assert_eq!(s.label(), label, "{s:?}");
        assert!(
            s.evidence_text.starts_with("Earlier Reuters report"),
            "{s:?}"
        );
    }
    let on_central = speech
        .stances
        .iter()
        .filter(|s| s.claim_id == central.id)
        .count();
    assert_eq!(on_central, 2, "{:#?}", speech.stances);
    // Peskov's later sentences (the document he says was not delivered, the
    // report that "does not reflect the reality") strengthen his denial.
    let deny = stance(&speech, "Dmitry Peskov", central);
    let support = stance(&speech, "Reuters", central);
    assert_eq!(deny.source_entity_id, peskov);
    assert!(
        deny.confidence > 0.9 && deny.confidence > support.confidence,
        "{deny:?}"
    );

    // The second, confirmed claim.
    let consult = claim(
        &speech,
        "Russian and Iranian officials continue to consult on a wide range of issues, including \
         regional security, energy cooperation, and multilateral dialogue formats such as the \
         Shanghai Cooperation Organization and BRICS",
    );
    assert_eq!(consult.source_entity_id, peskov);
    let confirms = stance(&speech, "Dmitry Peskov", consult);
    assert_eq!(confirms.label(), StanceLabel::Support);
    assert!(confirms
        .evidence_text
        .starts_with("In the meantime, Peskov confirmed"));

    // The byline people say nothing in the story.
    let byline = ["Pavel Morozov", "Dmitry Sudakov"];
    let byline_ids: Vec<&str> = doc
        .entities
        .iter()
        .filter(|e| byline.contains(&e.canonical_name.as_str()))
        .map(|e| e.id.as_str())
        .collect();
    for (name, id) in speech
        .quotes
        .iter()
        .map(|q| (&q.speaker_name, &q.speaker_entity_id))
        .chain(
            speech
                .stances
                .iter()
                .map(|s| (&s.source_name, &s.source_entity_id)),
        )
    {
        assert!(!byline.iter().any(|b| name.contains(b)), "{name}");
        assert!(!byline_ids.contains(&id.as_str()), "{id}");
    }
}

#[test]
fn analysis_is_deterministic() {
    let doc = example();
    let first = speech_of(&doc);
    let second = speech_of(&doc.clone());
    assert_eq!(first, second);
    let json = |s: &Speech| {
        serde_json::to_string(&(&s.quotes, &s.claims, &s.stances)).expect("records serialise")
    };
    assert_eq!(json(&first), json(&second));
    assert!(!first.stances.is_empty());
}

#[test]
fn split_quotes_share_their_attribution() {
    let doc = tag(
        "Russian Foreign Minister Sergei Lavrov met his Turkish counterpart in Ankara on Monday.\n\n\
         “The talks were useful and very constructive,” Lavrov told reporters. “We will meet again \
         next month in Moscow.”\n\n\
         ‘We are ready to help,’ Lavrov said. He called the plan “a good start”.\n\n\
         “We have nothing to add to this,” said Lavrov, the foreign minister.\n\n\
         Lavrov told reporters on Tuesday: “The meeting will take place in Moscow next week.”",
    );
    let speech = speech_of(&doc);
    assert_well_formed(&doc, &speech);
    let lavrov = entity_id(&doc, "Sergei Lavrov");
    let texts: Vec<&str> = speech.quotes.iter().map(|q| q.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "The talks were useful and very constructive,",
            "We will meet again next month in Moscow.",
            "We are ready to help,",
            "the plan “a good start”",
            "We have nothing to add to this,",
            "The meeting will take place in Moscow next week.",
        ],
        "quotes inside their marks; a partial quote stays inside what he called the plan"
    );
    let kinds: Vec<QuoteKind> = speech.quotes.iter().map(|q| q.kind()).collect();
    use QuoteKind::{Direct, Reported};
    assert_eq!(kinds, [Direct, Direct, Direct, Reported, Direct, Direct]);
    for q in &speech.quotes {
        assert_eq!(q.speaker_entity_id, lavrov, "{q:?}");
    }
    let cues: Vec<&str> = speech.quotes.iter().map(|q| q.cue.as_str()).collect();
    assert_eq!(cues, ["told", "told", "said", "called", "said", "told"]);
}

#[test]
fn according_to_names_the_speaker_by_name_or_by_role() {
    let doc = tag(
        "White House spokesman John Kirby spoke to reporters on Friday.\n\n\
         According to the White House representative, the president will travel to Europe in June.\n\n\
         The talks will continue next week, according to John Kirby.",
    );
    let speech = speech_of(&doc);
    assert_well_formed(&doc, &speech);
    let kirby = entity_id(&doc, "John Kirby");
    let by_role = quote(&speech, QuoteKind::Reported, "the president will travel");
    let by_name = quote(&speech, QuoteKind::Reported, "The talks will continue");
    assert_eq!(by_role.text, "the president will travel to Europe in June");
    assert_eq!(by_name.text, "The talks will continue next week");
    for q in [by_role, by_name] {
        assert_eq!(
            (q.speaker_entity_id.as_str(), q.cue.as_str()),
            (kirby.as_str(), "according to")
        );
    }
}

#[test]
fn an_unnamed_representative_speaks_for_the_one_represented() {
    let doc = tag("Taylor Swift cancelled her concert in Paris on Friday.\n\n\
         The singer's reps told reporters that she had a throat infection.\n\n\
         Her publicist said that the tour would resume in May.\n\n\
         Ticketmaster said that refunds would be paid within a week. The company's spokesman said \
         that no other dates were affected.");
    let speech = speech_of(&doc);
    assert_well_formed(&doc, &speech);
    let swift = entity_id(&doc, "Taylor Swift");
    for starts in ["she had a throat infection", "the tour would resume"] {
        let q = quote(&speech, QuoteKind::Reported, starts);
        assert_eq!(q.speaker_entity_id, swift, "{starts}: {q:?}");
    }
    let q = quote(&speech, QuoteKind::Reported, "no other dates");
    assert_eq!(
        q.speaker_entity_id,
        entity_id(&doc, "Ticketmaster"),
        "{q:?}"
    );
    assert_eq!(
        chars(&doc, q.source_span.as_ref()),
        "The company's spokesman",
        "the mention is kept as written"
    );
}

#[test]
fn a_denial_keeps_its_cue_and_a_spokeswoman_for_an_office_speaks_for_it() {
    let doc = tag(
        "Germany's Federal Motor Transport Authority denied on Friday that it was investigating \
         Tesla over its Autopilot system, contradicting a report by the magazine Der Spiegel.\n\n\
         Der Spiegel had reported that the authority was investigating whether Tesla's driver \
         assistance software was safe. \"There is no investigation,\" a spokeswoman for the \
         authority said.",
    );
    let speech = speech_of(&doc);
    assert_well_formed(&doc, &speech);
    let authority = entity_id(&doc, "Federal Motor Transport Authority");
    let denial = quote(&speech, QuoteKind::Reported, "it was investigating Tesla");
    assert_eq!(
        (denial.speaker_entity_id.as_str(), denial.cue.as_str()),
        (authority.as_str(), "denied"),
        "the denial is the authority's, not the later cue's: {denial:?}"
    );
    let said = quote(&speech, QuoteKind::Direct, "There is no investigation");
    assert_eq!(said.speaker_entity_id, authority, "{said:?}");
    let denied = speech
        .stances
        .iter()
        .find(|s| s.source_entity_id == authority && s.label() == StanceLabel::Deny);
    assert!(denied.is_some(), "{:#?}", speech.stances);
}

#[test]
fn a_second_verb_of_saying_shares_the_sentence_s_subject() {
    // The tagger finds no source for "said", too far from its subject.
    let doc = tag(
        "The Charlotte-Mecklenburg Police Department announced on Friday the arrest of a man in \
         the fatal shooting of a demonstrator during a clash between protesters and police and \
         said a curfew would continue through the weekend.\n\n\
         Ed Schultz hosts a news program now. Mr. Schultz generally supported Democrats during \
         his time on MSNBC, which let him go in 2015, and said he did not support Mr. Trump.",
    );
    let speech = speech_of(&doc);
    assert_well_formed(&doc, &speech);
    for (starts, name) in [
        (
            "a curfew would continue",
            "Charlotte-Mecklenburg Police Department",
        ),
        ("he did not support", "Ed Schultz"),
    ] {
        let q = quote(&speech, QuoteKind::Reported, starts);
        assert_eq!(q.speaker_entity_id, entity_id(&doc, name), "{q:?}");
    }
}

#[test]
fn wire_denials_of_a_named_report_and_refusals_to_comment() {
    let doc = tag(
        "GENEVA (Reuters) - Nestle on Tuesday rejected a Bloomberg report that it was exploring a \
         sale of its bottled water business in North America, calling it \"pure speculation\".\n\n\
         \"We do not comment on market rumours,\" a Nestle spokeswoman said.\n\n\
         The finance ministry dismissed as \"baseless\" rumours circulating on social media that \
         the government planned to devalue the currency next week. Finance Minister Ana Torres \
         said: \"The currency is stable.\" The central bank declined to comment.",
    );
    let speech = speech_of(&doc);
    assert_well_formed(&doc, &speech);
    let nestle = entity_id(&doc, "Nestle");
    let rejected = quote(&speech, QuoteKind::Reported, "a Bloomberg report that");
    assert_eq!(
        (rejected.speaker_entity_id.as_str(), rejected.cue.as_str()),
        (nestle.as_str(), "rejected"),
        "{rejected:?}"
    );
    let sale = speech
        .claims
        .iter()
        .find(|c| c.text.starts_with("it was exploring a sale"))
        .unwrap_or_else(|| panic!("{:#?}", speech.claims));
    let label = |source: &str, claim: &v1::Claim| stance(&speech, source, claim).label();
    assert_eq!(label("Nestle", sale), StanceLabel::Deny);
    assert_eq!(label("Bloomberg", sale), StanceLabel::Support);
    assert!(
        !speech.claims.iter().any(|c| c.text.contains("comment")),
        "declining to comment is no claim: {:#?}",
        speech.claims
    );
    let devalue = speech
        .claims
        .iter()
        .find(|c| c.text.starts_with("the government planned to devalue"))
        .unwrap_or_else(|| panic!("{:#?}", speech.claims));
    assert_eq!(label("The finance ministry", devalue), StanceLabel::Deny);
    assert!(
        !speech
            .stances
            .iter()
            .any(|s| s.source_name.contains("central bank")),
        "the bank declined to comment: {:#?}",
        speech.stances
    );
}

#[test]
fn a_verdict_on_the_claims_answers_them_and_the_outlet_told_is_not_the_company() {
    let doc = tag(
        "Several passengers told the Daily Mail that the pilot of Flight 203 had been drinking \
         before take-off. The company said in a statement that the allegations were \"completely \
         unfounded\".",
    );
    let speech = speech_of(&doc);
    assert_well_formed(&doc, &speech);
    let verdict = speech
        .quotes
        .iter()
        .find(|q| q.text.starts_with("the allegations"))
        .unwrap_or_else(|| panic!("{:#?}", speech.quotes));
    assert_ne!(verdict.speaker_name, "Daily Mail", "{verdict:?}");
    assert!(
        !speech
            .claims
            .iter()
            .any(|c| c.text.starts_with("the allegations")),
        "a verdict is no claim: {:#?}",
        speech.claims
    );
    let drinking = speech
        .claims
        .iter()
        .find(|c| c.text.starts_with("the pilot of Flight 203"))
        .unwrap_or_else(|| panic!("{:#?}", speech.claims));
    assert_eq!(
        stance(&speech, &verdict.speaker_name, drinking).label(),
        StanceLabel::Deny
    );
}

#[test]
fn a_verdict_answers_the_latest_claimant_after_comment_and_a_pronoun_speaks() {
    let doc = tag(
        "Former pilot James Carter told a podcast on Tuesday that Skyway Airlines had hidden \
         safety reports from regulators. Few listeners had heard of him. But he had this to \
         say:\n\n\"I saw the reports myself. They were shredded in March. Everyone in the office \
         knew it.\"\n\n\
         The recording spread quickly online. Several newspapers picked it up. Shares in the \
         airline fell 3 percent on Wednesday.\n\n\
         \"There is no truth whatsoever to these claims,\" said Maria Lopez, a spokeswoman for \
         Skyway Airlines.",
    );
    let speech = speech_of(&doc);
    assert_well_formed(&doc, &speech);
    // "he had this to say": the speaker is the pronoun, and so Carter.
    let shredded = quote(&speech, QuoteKind::Direct, "I saw the reports myself");
    assert_eq!(shredded.speaker_name, "James Carter", "{shredded:?}");
    // Four sentences of comment later, "these claims" are still Carter's:
    // the quote and the report he made before it.
    for starts in ["I saw the reports myself", "Skyway Airlines had hidden"] {
        let claim = speech
            .claims
            .iter()
            .find(|c| c.text.starts_with(starts))
            .unwrap_or_else(|| panic!("no claim {starts:?} in {:#?}", speech.claims));
        assert_eq!(
            stance(&speech, "Maria Lopez", claim).label(),
            StanceLabel::Deny,
            "{starts}"
        );
    }
}

#[test]
fn a_quote_that_calls_a_story_a_hoax_is_read_whole_against_it() {
    let doc = tag(
        "A fake news site claimed on Monday that Dutch singer Tom Jansen had died in a car crash \
         near Utrecht. The post was shared thousands of times.\n\n\
         \"Tom is one of many artists who have been targeted by this hoax. He is at home with his \
         family,\" his manager Eva de Boer said.",
    );
    let speech = speech_of(&doc);
    assert_well_formed(&doc, &speech);
    // "targeted by this hoax": a verdict on the story, not a claim of hers.
    assert!(
        !speech.claims.iter().any(|c| c.text.contains("targeted")),
        "{:#?}",
        speech.claims
    );
    let died = claim_with(&speech, "had died in a car crash");
    // Read with both of its sentences, the quote denies the story; its
    // last sentence alone ("He is at home with his family") only comments.
    let denial = stance(&speech, "Eva de Boer", died);
    assert_eq!(denial.label(), StanceLabel::Deny, "{denial:?}");
}

#[test]
fn no_10_is_downing_street() {
    let doc = tag(
        "The Sunday Times reported that Prime Minister Keir Starmer was considering delaying the \
         general election until 2030.\n\n\
         A Downing Street spokesman said the report was \"categorically untrue\". No 10 added \
         that the election would be held on schedule.",
    );
    let speech = speech_of(&doc);
    assert_well_formed(&doc, &speech);
    let added = speech
        .quotes
        .iter()
        .find(|q| q.text.starts_with("the election would be held"))
        .unwrap_or_else(|| panic!("{:#?}", speech.quotes));
    assert_eq!(
        added.speaker_entity_id,
        entity_id(&doc, "Downing Street"),
        "{added:?}"
    );
    let delay = claim_with(&speech, "delaying the general election");
    assert_eq!(
        stance(&speech, "Downing Street", delay).label(),
        StanceLabel::Deny
    );
}

#[test]
fn a_flat_negation_answers_the_report_before_it() {
    let doc = tag(
        "The Wall Street Journal reported on Wednesday that Shell was in early talks to acquire \
         rival BP.\n\n\
         Shell said: \"No talks are taking place.\" A BP spokesperson declined to comment.",
    );
    let speech = speech_of(&doc);
    assert_well_formed(&doc, &speech);
    let talks = claim_with(&speech, "early talks to acquire");
    assert_eq!(stance(&speech, "Shell", talks).label(), StanceLabel::Deny);
    assert_eq!(
        stance(&speech, "Wall Street Journal", talks).label(),
        StanceLabel::Support
    );
}

#[test]
fn the_authority_is_the_one_an_earlier_phrase_described_not_the_latest_company() {
    let doc = tag(
        "Germany's transport authority denied on Thursday that it was investigating Tesla over \
         braking problems, after a newspaper said such a probe had been opened.\n\n\
         \"There is no investigation,\" a spokeswoman for the authority said.",
    );
    let speech = speech_of(&doc);
    assert_well_formed(&doc, &speech);
    let denial = quote(&speech, QuoteKind::Direct, "There is no investigation");
    assert_ne!(denial.speaker_name, "Tesla", "{denial:?}");
    let first = speech
        .quotes
        .iter()
        .find(|q| q.text.starts_with("it was investigating"))
        .unwrap_or_else(|| panic!("{:#?}", speech.quotes));
    assert_eq!(
        denial.speaker_entity_id, first.speaker_entity_id,
        "{denial:?}"
    );
    // The newspaper's report shares its sentence with the denial, but is
    // read by what it says: it denies nothing.
    assert!(
        !speech
            .stances
            .iter()
            .any(|s| s.source_name == "a newspaper" && s.label() == StanceLabel::Deny),
        "{:#?}",
        speech.stances
    );
}

#[test]
fn rejected_accusations_are_denied_and_neither_nor_leaves_a_report_open() {
    let doc = tag(
        "Opposition leader Maria Santos accused the government on Tuesday of rigging the tender \
         for the new airport.\n\n\
         Transport Minister Pedro Alves rejected the accusations, telling reporters that the \
         process had been fully transparent.",
    );
    let speech = speech_of(&doc);
    assert_well_formed(&doc, &speech);
    let rigging = claim_with(&speech, "rigging the tender");
    assert_eq!(
        stance(&speech, "Pedro Alves", rigging).label(),
        StanceLabel::Deny
    );

    let doc = tag(
        "Spanish newspaper Marca reported that Real Madrid had agreed to sign striker Erling \
         Haaland for 150 million euros.\n\n\
         Real Madrid neither confirmed nor denied the report. A spokesman for Manchester City, \
         Haaland's club, called the report \"pure speculation\".",
    );
    let speech = speech_of(&doc);
    assert_well_formed(&doc, &speech);
    let signing = claim_with(&speech, "agreed to sign");
    // Neither confirmed nor denied: no side taken, and no question asked.
    assert_eq!(
        stance(&speech, "Real Madrid", signing).label(),
        StanceLabel::Comment
    );
    // The club's spokesman, not the player the apposition names.
    assert!(
        !speech
            .stances
            .iter()
            .any(|s| s.source_name == "Erling Haaland"),
        "{:#?}",
        speech.stances
    );
}

#[test]
fn a_confirmed_report_is_its_outlet_s_and_a_paper_told_is_no_report() {
    let doc = tag(
        "Nissan confirmed on Friday a Reuters report that it would close its plant in Barcelona \
         by the end of the year.\n\n\
         A Nissan spokesman told The Washington Post that about 3,000 jobs would be affected.",
    );
    let speech = speech_of(&doc);
    assert_well_formed(&doc, &speech);
    let closure = claim_with(&speech, "close its plant");
    for source in ["Nissan", "Reuters"] {
        assert_eq!(
            stance(&speech, source, closure).label(),
            StanceLabel::Support,
            "{source}"
        );
    }
    // What Nissan told the Post is Nissan's, not a report of the Post's.
    assert!(
        !speech
            .quotes
            .iter()
            .any(|q| q.speaker_name.contains("Washington Post")),
        "{:#?}",
        speech.quotes
    );
}

#[test]
fn the_company_is_not_the_paper_that_reported_and_no_reply_is_no_stance() {
    let doc = tag(
        "Boeing Co said on Monday it had no plans to move its headquarters out of Chicago, after \
         The Wall Street Journal reported that the planemaker was considering a move to \
         Washington.\n\n\
         \"Chicago remains our home,\" a spokesman for the company said. The city's mayor did \
         not respond to a request for comment.",
    );
    let speech = speech_of(&doc);
    assert_well_formed(&doc, &speech);
    let home = quote(&speech, QuoteKind::Direct, "Chicago remains our home");
    assert_eq!(
        home.speaker_entity_id,
        entity_id(&doc, "Boeing Co"),
        "{home:?}"
    );
    assert!(
        !speech.claims.iter().any(|c| c.text.contains("comment")),
        "no reply is no claim: {:#?}",
        speech.claims
    );
    assert!(
        !speech
            .stances
            .iter()
            .any(|s| s.label() == StanceLabel::Query),
        "nor a question: {:#?}",
        speech.stances
    );
}

#[test]
fn asked_about_a_report_a_spokeswoman_answers_it() {
    let doc = tag(
        "The Times reported on Saturday that Donald Trump Jr. met a Russian lawyer at Trump Tower \
         in June 2016. President Donald Trump called the story a hoax.\n\n\
         Asked about the report, White House spokeswoman Sarah Sanders said: \"That is not \
         correct.\" The Russian lawyer did not respond to a request for comment.",
    );
    let speech = speech_of(&doc);
    assert_well_formed(&doc, &speech);
    assert_ne!(
        entity_id(&doc, "Donald Trump"),
        entity_id(&doc, "Donald Trump Jr."),
        "a father is not his son"
    );
    let met = speech
        .claims
        .iter()
        .find(|c| c.text.starts_with("Donald Trump Jr. met"))
        .unwrap_or_else(|| panic!("{:#?}", speech.claims));
    assert_eq!(
        stance(&speech, "Sarah Sanders", met).label(),
        StanceLabel::Deny,
        "she was asked; she did not ask"
    );
    assert!(
        !speech
            .quotes
            .iter()
            .any(|q| q.text.contains("request for comment") && q.speaker_name == "Sarah Sanders"),
        "the lawyer the article left unnamed is not the spokeswoman: {:#?}",
        speech.quotes
    );
}

#[test]
fn verdicts_called_unconfirmed_reports_and_located_speakers() {
    let doc = tag(
        "Tesla Inc on Tuesday dismissed a report that Chief Executive Elon Musk would step down \
         this year as \"completely false\".\n\n\
         The health ministry said on Wednesday it could not confirm a report that it had signed \
         a deal to buy 10 million vaccine doses from Pfizer.\n\n\
         Police in Lagos have refuted a viral social media post claiming that a kidnapping gang \
         was operating in the city's markets. \"The post is fake,\" police spokesman Benjamin \
         Hundeyin said.",
    );
    let speech = speech_of(&doc);
    assert_well_formed(&doc, &speech);
    let find = |starts: &str| {
        speech
            .claims
            .iter()
            .find(|c| c.text.starts_with(starts))
            .unwrap_or_else(|| panic!("no claim {starts:?} in {:#?}", speech.claims))
    };
    let step_down = find("Elon Musk would step down");
    assert_eq!(
        step_down.text, "Elon Musk would step down this year",
        "the verdict is cut off"
    );
    assert_eq!(
        stance(&speech, "Tesla Inc", step_down).label(),
        StanceLabel::Deny
    );
    let deal = find("it had signed a deal");
    assert_eq!(
        stance(&speech, "The health ministry", deal).label(),
        StanceLabel::Comment,
        "could not confirm: no side taken, and nothing asked"
    );
    let gang = find("a kidnapping gang was operating");
    assert_eq!(
        stance(&speech, "Police in Lagos", gang).label(),
        StanceLabel::Deny,
        "the police, not the city"
    );
    assert_eq!(
        stance(&speech, "Benjamin Hundeyin", gang).label(),
        StanceLabel::Deny,
        "\"the post is fake\" judges the post's claim"
    );
}

#[test]
fn what_a_paper_reported_citing_sources_is_what_follows_the_citation() {
    let doc = tag(
        "Tesla Inc on Tuesday dismissed a report that Elon Musk would step down this year. \
         The Wall Street Journal had reported, citing people familiar with the matter, that the \
         board had begun searching for a successor.",
    );
    let speech = speech_of(&doc);
    assert_well_formed(&doc, &speech);
    let q = quote(&speech, QuoteKind::Reported, "the board had begun");
    assert_eq!(
        q.speaker_entity_id,
        entity_id(&doc, "Wall Street Journal"),
        "{q:?}"
    );
}

#[test]
fn a_quote_signed_with_a_dash_is_the_signers() {
    let doc = tag("Voters shared their thoughts after the debate.\n\n\
         “He is not fit to be the leader of our nation.” ― Edwin Monroy\n\n\
         ”Fear. I am truly afraid of what comes next for this country.” ― Pamela Padilla");
    let speech = speech_of(&doc);
    assert_well_formed(&doc, &speech);
    for (starts, name) in [
        ("He is not fit", "Edwin Monroy"),
        ("Fear. I am truly afraid", "Pamela Padilla"),
    ] {
        let q = quote(&speech, QuoteKind::Direct, starts);
        assert_eq!(q.speaker_name, name, "{q:?}");
    }
}

#[test]
fn what_unnamed_sources_tell_an_outlet_is_the_outlet_s_report() {
    let doc = tag(
        "Deutsche Bank plans to cut 500 jobs in London, sources told Reuters on Tuesday.\n\n\
         A source said that the talks with the unions had stalled.",
    );
    let speech = speech_of(&doc);
    assert_well_formed(&doc, &speech);
    let cuts = quote(&speech, QuoteKind::Reported, "Deutsche Bank plans");
    assert_eq!(
        cuts.speaker_entity_id,
        entity_id(&doc, "Reuters"),
        "{cuts:?}"
    );
    assert_eq!(chars(&doc, cuts.source_span.as_ref()), "sources");
    let stalled = quote(&speech, QuoteKind::Reported, "the talks with the unions");
    assert_eq!(
        (
            stalled.speaker_entity_id.as_str(),
            stalled.speaker_name.as_str()
        ),
        ("", "A source"),
        "told no one: the source stays a source"
    );
}

#[test]
fn pronouns_resolve_to_the_latest_person() {
    let doc = tag(
        "Angela Merkel arrived in Paris on Tuesday for a two-day visit.\n\n\
         “We have a lot of work to do together,” she said. Emmanuel Macron welcomed her at the \
         airport. “This is a historic day for Europe,” he said.",
    );
    let speech = speech_of(&doc);
    assert_well_formed(&doc, &speech);
    let merkel = quote(&speech, QuoteKind::Direct, "We have a lot of work");
    let macron = quote(&speech, QuoteKind::Direct, "This is a historic day");
    assert_eq!(merkel.speaker_entity_id, entity_id(&doc, "Angela Merkel"));
    assert_eq!(macron.speaker_entity_id, entity_id(&doc, "Emmanuel Macron"));
}

#[test]
fn negation_denies_a_claim_and_claims_are_kept_positive() {
    let doc = tag(
        "Reports that Boeing will cut ten thousand jobs next year are not true, company spokesman \
         Tom Smith said.\n\n\
         Smith confirmed that Boeing will open a new factory in Texas.\n\n\
         Smith said that Boeing will not close its plant in Seattle.\n\n\
         Union leader Mary Jones denied that workers had been offered a new contract.",
    );
    let speech = speech_of(&doc);
    assert_well_formed(&doc, &speech);
    let smith = entity_id(&doc, "Tom Smith");
    let cuts = claim(&speech, "Boeing will cut ten thousand jobs next year");
    assert_eq!(cuts.source_entity_id, "", "no one is named as its source");
    assert_eq!(
        stance(&speech, "Tom Smith", cuts).label(),
        StanceLabel::Deny
    );

    let factory = claim(&speech, "Boeing will open a new factory in Texas");
    assert_eq!(factory.source_entity_id, smith);
    let confirmed = stance(&speech, "Tom Smith", factory);
    assert_eq!(confirmed.label(), StanceLabel::Support);

    // A claim is kept positive, so that asserting and denying it share one
    // claim id: saying that Boeing will not close it denies that it will.
    let plant = claim(&speech, "Boeing will close its plant in Seattle");
    let said = stance(&speech, "Tom Smith", plant);
    assert_eq!(said.label(), StanceLabel::Deny, "“will not close”");
    assert_eq!(plant.source_entity_id, "", "a denial asserts nothing");
    assert!(
        confirmed.confidence > said.confidence,
        "confirmed is stronger than said"
    );

    let contract = claim(&speech, "workers had been offered a new contract");
    assert_eq!(contract.source_entity_id, "", "a denial asserts nothing");
    assert_eq!(
        stance(&speech, "Mary Jones", contract).label(),
        StanceLabel::Deny
    );
}

#[test]
fn negations_that_do_not_deny_and_verbs_that_do() {
    let doc = tag(
        "Director Aaron Sorkin said he couldn't be more excited to have cast the actor in the \
         role.\n\n\
         Health minister Anna Berg on Monday debunked reports that the vaccine had been withdrawn from \
         hospitals.",
    );
    let speech = speech_of(&doc);
    assert_well_formed(&doc, &speech);
    let excited = speech
        .claims
        .iter()
        .find(|c| c.text.contains("excited"))
        .expect("the claim about casting");
    assert!(
        excited.text.contains("couldn't be more excited"),
        "an emphatic negation stays in the claim: {:?}",
        excited.text
    );
    assert_eq!(
        stance(&speech, "Aaron Sorkin", excited).label(),
        StanceLabel::Support
    );
    let withdrawn = claim(&speech, "the vaccine had been withdrawn from hospitals");
    assert_eq!(
        stance(&speech, "Anna Berg", withdrawn).label(),
        StanceLabel::Deny,
        "“debunked” denies"
    );
}

#[test]
fn a_denied_report_is_supported_by_its_source() {
    let doc = tag(
        "Kremlin spokesman Dmitry Peskov dismissed a Reuters report that Vladimir Putin had met \
         Donald Trump in secret last month.\n\n\
         Peskov did not deny that the two leaders had spoken by telephone in July.",
    );
    let speech = speech_of(&doc);
    assert_well_formed(&doc, &speech);
    let met = claim(
        &speech,
        "Vladimir Putin had met Donald Trump in secret last month",
    );
    assert_eq!(met.source_entity_id, entity_id(&doc, "Reuters"));
    assert_eq!(
        stance(&speech, "Reuters", met).label(),
        StanceLabel::Support
    );
    assert_eq!(
        stance(&speech, "Dmitry Peskov", met).label(),
        StanceLabel::Deny
    );
    let spoke = claim(&speech, "the two leaders had spoken by telephone in July");
    let not_denied = stance(&speech, "Dmitry Peskov", spoke);
    assert_eq!(
        not_denied.label(),
        StanceLabel::Comment,
        "“did not deny” is no denial"
    );
}

#[test]
fn an_answer_judges_the_claim_before_it() {
    let doc = tag(
        "The New York Times reported on Sunday that the company had quietly sold its stake in the \
         mine. “That is simply wrong,” a company spokeswoman said. She added that the stake had \
         not been sold.",
    );
    let speech = speech_of(&doc);
    assert_well_formed(&doc, &speech);
    let sold = claim(
        &speech,
        "the company had quietly sold its stake in the mine",
    );
    assert_eq!(
        stance(&speech, "The New York Times", sold).label(),
        StanceLabel::Support
    );
    let answer = stance(&speech, "a company spokeswoman", sold);
    assert_eq!(
        (answer.label(), answer.source_entity_id.as_str()),
        (StanceLabel::Deny, "")
    );
    assert!(answer.evidence_text.starts_with("“That is simply wrong,”"));
    // "She" is the spokeswoman, whose next sentence negates "sold" again.
    let added = quote(&speech, QuoteKind::Reported, "the stake had not been sold");
    assert_eq!(added.speaker_name, "a company spokeswoman");
    assert!(answer.confidence > 0.7, "{answer:?}");
}

#[test]
fn questions_are_queries_and_unconfirmed_claims_comments() {
    let doc = tag(
        "Senator Elizabeth Warren asked whether the bank had misled its investors about the \
         losses.\n\n\
         Reuters could not confirm that the leaked documents were authentic.\n\n\
         The Football Association has yet to confirm that the final will be moved to Cardiff.",
    );
    let speech = speech_of(&doc);
    assert_well_formed(&doc, &speech);
    let misled = claim(
        &speech,
        "the bank had misled its investors about the losses",
    );
    let asked = stance(&speech, "Elizabeth Warren", misled);
    assert_eq!(asked.label(), StanceLabel::Query);
    let authentic = claim(&speech, "the leaked documents were authentic");
    let unconfirmed = stance(&speech, "Reuters", authentic);
    assert_eq!(unconfirmed.label(), StanceLabel::Comment);
    assert!(
        unconfirmed.confidence < asked.confidence,
        "an unconfirmed claim is less sure than a question"
    );
    let moved = claim(&speech, "the final will be moved to Cardiff");
    assert_eq!(
        stance(&speech, "Football Association", moved).label(),
        StanceLabel::Comment,
        "“has yet to confirm” confirms nothing, and asks nothing"
    );
    for c in [misled, authentic, moved] {
        assert_eq!(c.source_entity_id, "", "a question asserts nothing");
    }
}

#[test]
fn a_quote_takes_its_speaker_not_the_meaning_of_a_cue_spent_before_it() {
    // The quote has no cue of its own; the one before it ("didn't suggest")
    // already introduced "retaliation" in its own sentence.
    let doc = tag(
        "President Barack Obama spoke to reporters after meeting Vladimir Putin on Monday. \
         He didn't suggest retaliation. \"Our goal is not to duplicate a cycle of escalation \
         in the cyber arena, but rather to start instituting some norms.\"",
    );
    let speech = speech_of(&doc);
    assert_well_formed(&doc, &speech);
    let escalation = claim_with(&speech, "duplicate a cycle of escalation");
    assert_eq!(
        stance(&speech, "Barack Obama", escalation).label(),
        StanceLabel::Deny,
        "his own words deny it; that he did not suggest retaliation is another matter"
    );
}

#[test]
fn a_lead_s_unnamed_leader_is_the_person_named_next() {
    // A delayed identification, as wire stories open.
    let doc = tag(
        "The leader of the rebel group Northern Front has denied agreeing to a truce with the \
         government and said the captured soldiers will stand trial.\n\n\
         In a video released on Friday, Tomas Ekwueme rejected calls for a prisoner exchange.",
    );
    let speech = speech_of(&doc);
    assert_well_formed(&doc, &speech);
    let trial = claim_with(&speech, "captured soldiers will stand trial");
    assert_eq!(
        stance(&speech, "Tomas Ekwueme", trial).label(),
        StanceLabel::Support,
        "the leader, named in the next sentence, said it; not the group"
    );
}

#[test]
fn calling_a_figure_bogus_answers_the_story_that_gave_it() {
    let doc = tag(
        "Readers may have seen the story about the teenager who made $72 million trading \
         stocks, as New York Magazine reported.\n\n\
         But now CNBC is reporting that the $72 million figure is totally bogus.",
    );
    let speech = speech_of(&doc);
    assert_well_formed(&doc, &speech);
    let made = claim_with(&speech, "made $72 million trading stocks");
    assert_eq!(stance(&speech, "CNBC", made).label(), StanceLabel::Deny);
}

#[test]
fn a_negation_after_a_colon_elaborates_a_clause_it_does_not_deny() {
    let doc = tag(
        "Aaron Sorkin said he had high hopes for Christian Bale: \"There isn't a scene that he's \
         not in. So it's an extremely difficult part.\"",
    );
    let speech = speech_of(&doc);
    assert_well_formed(&doc, &speech);
    let hopes = claim_with(&speech, "high hopes for Christian Bale");
    assert_eq!(
        stance(&speech, "Aaron Sorkin", hopes).label(),
        StanceLabel::Support
    );
}

#[test]
fn a_question_in_a_quote_asks_about_its_proposition() {
    let doc = tag(
        "\"The American people do not agree with him,\" Senator Bernie Sanders said. \"Mr. Trump, \
         do you really think that billionaires need a massive tax break?\"",
    );
    let speech = speech_of(&doc);
    assert_well_formed(&doc, &speech);
    let tax = claim(&speech, "billionaires need a massive tax break");
    assert_eq!(
        stance(&speech, "Bernie Sanders", tax).label(),
        StanceLabel::Query
    );
    assert_eq!(tax.source_entity_id, "", "a question asserts nothing");
    assert!(
        speech.quotes.iter().all(|q| q.kind() == QuoteKind::Direct),
        "the question is a claim of his quote, not a quote of its own: {:?}",
        speech.quotes
    );
}

#[test]
fn a_verdict_that_names_what_it_judges_is_a_claim_as_well() {
    let doc = tag(
        "Online rumors of singer Tom Jansen's death have been revealed to be a hoax, The \
         Hollywood Reporter has confirmed.\n\n\
         \"Reports that Tom died are false,\" his manager Eva de Boer said.",
    );
    let speech = speech_of(&doc);
    assert_well_formed(&doc, &speech);
    let hoax = claim_with(&speech, "revealed to be a hoax");
    assert_eq!(
        stance(&speech, "Hollywood Reporter", hoax).label(),
        StanceLabel::Support
    );
    // One that holds what it judges is only the stance on it.
    assert!(
        !speech.claims.iter().any(|c| c.text.contains("are false")),
        "{:#?}",
        speech.claims
    );
}

#[test]
fn a_claim_has_one_id_across_wordings_and_articles() {
    let first =
        tag("Reuters reported that the minister delivered a secret message to the president.");
    let second =
        tag("Bloomberg reports that the minister delivers the secret messages to the president.");
    let (a, b) = (speech_of(&first), speech_of(&second));
    assert_well_formed(&first, &a);
    assert_well_formed(&second, &b);
    assert_eq!((a.claims.len(), b.claims.len()), (1, 1));
    assert_eq!(
        a.claims[0].normalized,
        "minister deliver secret message president"
    );
    assert_eq!(a.claims[0].id, b.claims[0].id);
    assert_ne!(a.claims[0].text, b.claims[0].text);
}

#[test]
fn sentences_without_speech_yield_nothing() {
    let doc = tag(
        "Heavy rain flooded the valley after three days of storms.\n\n\
         Farmers lost most of their harvest, and the so-called “emergency plan” came too late.\n\n\
         The alleged message from the governor was said to contain new instructions.",
    );
    let speech = speech_of(&doc);
    assert_eq!(speech, Speech::default());
    assert_eq!(
        speech_of(&v1::ArticleEntities::default()),
        Speech::default()
    );
}

#[test]
fn a_description_modified_by_a_parent_body_is_the_body_named_before_it() {
    // "the U.N. agency" is the U.N. programme the story opened with, not
    // the United Nations; "the agency" after it is the same programme.
    let doc = tag(
        "The United Nations Children's Fund on Thursday rejected a report by a Swiss newspaper \
         that vaccines it bought for Malawi had expired before they were used.\n\n\
         \"The vaccines were delivered well before their expiry date,\" the U.N. agency said. \
         The agency added that it had shared its records with the government.",
    );
    let speech = speech_of(&doc);
    assert_well_formed(&doc, &speech);
    let first = speech
        .quotes
        .iter()
        .find(|q| q.text.contains("vaccines it bought"))
        .unwrap_or_else(|| panic!("{:#?}", speech.quotes));
    assert!(
        first.speaker_name.contains("Children"),
        "the rejection is the fund's: {first:?}"
    );
    for starts in ["The vaccines were delivered", "it had shared its records"] {
        let q = speech
            .quotes
            .iter()
            .find(|q| q.text.starts_with(starts))
            .unwrap_or_else(|| panic!("no quote {starts:?} in {:#?}", speech.quotes));
        assert_eq!(q.speaker_entity_id, first.speaker_entity_id, "{q:?}");
    }
}

#[test]
fn a_report_called_fake_is_the_papers_claim_and_the_callers_denial() {
    // "called a <paper> report that P “…”": P ends where the quoted verdict
    // starts; the paper reported P, the caller denies it.
    let doc = tag(
        "The Kremlin on Friday called a Bloomberg report that Russia was preparing to close \
         its embassy in Vilnius \"a complete fabrication\".\n\n\
         Bloomberg had cited three diplomats.",
    );
    let speech = speech_of(&doc);
    assert_well_formed(&doc, &speech);
    let closing = claim(
        &speech,
        "Russia was preparing to close its embassy in Vilnius",
    );
    assert_eq!(
        stance(&speech, "Kremlin", closing).label(),
        StanceLabel::Deny
    );
    assert_eq!(
        stance(&speech, "Bloomberg", closing).label(),
        StanceLabel::Support
    );
}

#[test]
fn demanding_answers_on_whether_p_queries_p() {
    let doc = tag(
        "Opposition leaders on Monday demanded answers on whether the health ministry had paid \
         a consultancy twice for the same vaccine study, after the Irish Times reported that \
         the payments were made in 2021.",
    );
    let speech = speech_of(&doc);
    assert_well_formed(&doc, &speech);
    let paid = claim_with(&speech, "had paid a consultancy twice");
    assert_eq!(
        stance(&speech, "Opposition leaders", paid).label(),
        StanceLabel::Query
    );
}

#[test]
fn the_question_put_to_a_speaker_is_not_theirs_their_answer_is() {
    let doc = tag(
        "Asked whether the airline was planning to cut its long-haul fleet, chief executive \
         Maria Lind said: \"We are not cutting a single aircraft. We are hiring pilots.\"",
    );
    let speech = speech_of(&doc);
    assert_well_formed(&doc, &speech);
    let cut = claim_with(&speech, "planning to cut its long-haul fleet");
    assert_ne!(
        stance(&speech, "Maria Lind", cut).label(),
        StanceLabel::Support,
        "she was asked it; she did not say it"
    );
}
