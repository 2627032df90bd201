//! The word lists the speech rules read: reporting cues, the words that end
//! a speaker phrase, role heads, and the cues that decide a stance.
//!
//! They live in one place, apart from the rules, so that a word missed in a
//! new article is a one-line fix here and the rules stay short. Every list
//! is lower-case, with plain apostrophes (see `Text::lower`).

/// How a reporting cue commits its speaker to what it introduces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CueClass {
    /// Neutral reporting: said, stated, told, added.
    Say,
    /// Emphatic assertion: confirmed, insisted, stressed.
    Assert,
    /// A claim made in public: reported, claimed.
    Report,
    /// A weak or tentative claim: suggested, alleged, hinted.
    Suggest,
    /// A rejection: denied, rejected, dismissed.
    Deny,
    /// A question: asked, questioned, wondered.
    Query,
}

/// How the cue word works in its sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    /// A finite verb: "Peskov said".
    Verb,
    /// A participle inside a noun phrase: "a report claiming that".
    Participle,
    /// A noun with a that-clause: "the claim that".
    Noun,
}

/// The reporting cue a word is, if any.
pub(crate) fn cue(word: &str) -> Option<(CueClass, Form)> {
    use CueClass::*;
    use Form::*;
    let found = match word {
        "said" | "says" | "say" | "stated" | "states" | "told" | "tells" | "tell" | "added"
        | "adds" | "noted" | "explained" | "explains" | "remarked" | "declared" | "declares"
        | "announced" | "announces" | "warned" | "warns" | "argued" | "argues" | "wrote"
        | "writes" | "replied" | "responded" | "commented" | "continued" | "recalled"
        | "concluded" => (Say, Verb),
        "confirmed" | "confirms" | "confirm" | "insisted" | "insists" | "insist" | "stressed"
        | "stresses" | "emphasized" | "emphasised" | "emphasizes" | "emphasises" | "underlined"
        | "reaffirmed" | "reiterated" | "acknowledged" | "acknowledges" | "admitted" | "admits"
        | "asserted" | "asserts" => (Assert, Verb),
        "reported" | "claimed" | "reports" | "claims" | "claim" | "report" => (Report, Verb),
        "suggested" | "suggests" | "alleged" | "alleges" | "hinted" | "speculated" | "implied" => {
            (Suggest, Verb)
        }
        "denied" | "denies" | "deny" | "rejected" | "rejects" | "dismissed" | "dismisses"
        | "refuted" | "refutes" | "disputed" | "disputes" | "debunked" | "debunks" | "rebutted"
        | "rebuts" | "repudiated" | "repudiates" | "contested" | "contests" | "contradicted"
        | "contradicts" | "dispelled" | "dispels" => (Deny, Verb),
        "asked" | "asks" | "questioned" | "wondered" => (Query, Verb),
        "saying" | "stating" | "insisting" | "confirming" | "asserting" | "arguing" => {
            (Say, Participle)
        }
        "claiming" | "reporting" => (Report, Participle),
        "suggesting" | "alleging" => (Suggest, Participle),
        "denying" | "dismissing" | "rejecting" | "refuting" | "disputing" | "debunking" => {
            (Deny, Participle)
        }
        "allegation" | "allegations" | "suggestion" | "suggestions" | "rumour" | "rumours"
        | "rumor" | "rumors" => (Suggest, Noun),
        "assertion" | "assertions" => (Report, Noun),
        _ => return None,
    };
    Some(found)
}

/// "report", "reports", "claim", "claims": nouns after a determiner or at
/// the start of a noun phrase ("the report that", "Reports that"), verbs
/// after their subject ("Reuters reports that").
pub(crate) fn is_noun_or_verb(word: &str) -> bool {
    matches!(word, "report" | "reports" | "claim" | "claims")
}

/// Nouns naming a report; they belong to the speaker phrase
/// ("The Reuters article had suggested") rather than end it.
pub(crate) fn is_report_noun(word: &str) -> bool {
    matches!(
        word,
        "report"
            | "reports"
            | "article"
            | "articles"
            | "story"
            | "stories"
            | "claim"
            | "claims"
            | "allegation"
            | "allegations"
            | "accusation"
            | "accusations"
            | "statement"
            | "study"
            | "survey"
            | "investigation"
            | "document"
            | "paper"
            | "news"
            | "rumor"
            | "rumors"
            | "rumour"
            | "rumours"
            | "speculation"
            | "suggestion"
            | "headline"
            | "headlines"
            | "post"
            | "posts"
            | "tweet"
            | "tweets"
    )
}

pub(crate) fn is_be(word: &str) -> bool {
    matches!(
        word,
        "is" | "are" | "was" | "were" | "be" | "been" | "being" | "'s"
    )
}

pub(crate) fn is_negation(word: &str) -> bool {
    matches!(word, "not" | "never" | "no" | "cannot" | "nor") || word.ends_with("n't")
}

/// Words between a speaker and the cue that belong to neither: auxiliaries,
/// modals, negation and adverbs ("had suggested", "did not confirm",
/// "flatly denied", "declined to confirm").
pub(crate) fn is_verb_modifier(word: &str) -> bool {
    is_negation(word)
        || matches!(
            word,
            "had"
                | "has"
                | "have"
                | "did"
                | "does"
                | "do"
                | "could"
                | "would"
                | "can"
                | "will"
                | "may"
                | "might"
                | "should"
                | "must"
                | "to"
                | "also"
                | "again"
                | "later"
                | "then"
                | "further"
                | "once"
                | "yet"
                | "already"
                | "declined"
                | "refused"
                | "failed"
        )
        || (word.len() > 4 && word.ends_with("ly"))
}

/// Verbs of refusal that negate the cue they govern ("declined to confirm").
pub(crate) fn is_refusal(word: &str) -> bool {
    matches!(word, "declined" | "refused" | "failed")
}

/// Words that start a new clause: a speaker phrase never reaches past them.
pub(crate) fn is_clause_boundary(word: &str) -> bool {
    matches!(
        word,
        "that"
            | "which"
            | "who"
            | "whom"
            | "whose"
            | "while"
            | "whereas"
            | "although"
            | "though"
            | "because"
            | "since"
            | "as"
            | "when"
            | "if"
            | "whether"
            | "after"
            | "before"
            | "and"
            | "but"
            | "or"
            | "where"
            | "until"
            | "unless"
    )
}

pub(crate) fn is_determiner(word: &str) -> bool {
    matches!(
        word,
        "the" | "a" | "an" | "this" | "that" | "these" | "those" | "his" | "her" | "its" | "their"
    )
}

/// Capitalised words that open a sentence without being its subject: "In
/// a statement, …", "After the debate, …", "The …".
pub(crate) fn is_sentence_opener(word: &str) -> bool {
    is_determiner(word)
        || matches!(
            word,
            "in" | "on"
                | "at"
                | "after"
                | "before"
                | "during"
                | "when"
                | "while"
                | "if"
                | "as"
                | "but"
                | "and"
                | "so"
                | "yet"
                | "still"
                | "however"
                | "meanwhile"
                | "earlier"
                | "later"
                | "last"
                | "since"
                | "for"
                | "from"
                | "with"
                | "without"
                | "under"
                | "by"
                | "asked"
                | "speaking"
                | "according"
        )
}

/// Personal pronouns that can name a speaker, and whether they stand for a
/// person (he, she) or an organisation or group (it, they).
pub(crate) fn pronoun(word: &str) -> Option<bool> {
    match word {
        "he" | "she" => Some(true),
        "it" | "they" => Some(false),
        _ => None,
    }
}

/// Nouns that name an organisation by what it is ("the company", "the
/// newspaper", "the agency"): a description that stands for the latest
/// organisation named before it.
pub(crate) fn is_organisation_noun(word: &str) -> bool {
    is_media_noun(word)
        || matches!(
            word,
            "company"
                | "firm"
                | "ministry"
                | "department"
                | "government"
                | "administration"
                | "campaign"
                | "group"
                | "organization"
                | "organisation"
                | "party"
                | "union"
                | "bank"
                | "club"
                | "studio"
                | "team"
                | "league"
                | "police"
                | "court"
                | "board"
                | "committee"
                | "council"
                | "office"
                | "airline"
                | "retailer"
                | "maker"
                | "manufacturer"
                | "university"
                | "hospital"
                | "church"
                | "archdiocese"
                | "tour"
                | "commission"
                | "regime"
                | "army"
                | "military"
                | "embassy"
                | "authority"
                | "regulator"
                | "watchdog"
                | "institute"
                | "association"
                | "federation"
                | "foundation"
                | "charity"
                | "coalition"
                | "alliance"
                | "lender"
                | "insurer"
                | "carmaker"
                | "automaker"
                | "operator"
        )
}

/// Organisation nouns for the press: "the newspaper" may well be the outlet
/// someone talked to.
pub(crate) fn is_media_noun(word: &str) -> bool {
    matches!(
        word,
        "newspaper"
            | "paper"
            | "magazine"
            | "website"
            | "site"
            | "network"
            | "channel"
            | "outlet"
            | "publication"
            | "broadcaster"
            | "agency"
    )
}

/// Nouns that name a person by what they are ("the actor", "his ex-wife",
/// "the nominee"), besides the offices of [`role_family`].
pub(crate) fn is_person_noun(word: &str) -> bool {
    matches!(
        word,
        "nominee"
            | "candidate"
            | "actor"
            | "actress"
            | "singer"
            | "star"
            | "player"
            | "golfer"
            | "rapper"
            | "man"
            | "woman"
            | "wife"
            | "ex-wife"
            | "husband"
            | "ex-husband"
            | "mother"
            | "father"
            | "son"
            | "daughter"
            | "priest"
            | "doctor"
            | "scientist"
            | "teacher"
            | "student"
            | "author"
            | "writer"
            | "reporter"
            | "journalist"
            | "host"
            | "anchor"
            | "lawyer"
            | "businessman"
            | "businesswoman"
            | "billionaire"
            | "mogul"
            | "teenager"
            | "boy"
            | "girl"
            | "pontiff"
            | "cleric"
            | "activist"
            | "athlete"
    )
}

/// Someone who speaks for another: "his reps", "the company's spokesman",
/// "Trump's lawyers". Unnamed, they stand for the one they speak for.
pub(crate) fn is_representative(word: &str) -> bool {
    role_family(word) == Some("spokesperson")
        || matches!(
            word,
            "rep"
                | "reps"
                | "publicist"
                | "publicists"
                | "lawyer"
                | "lawyers"
                | "attorney"
                | "attorneys"
                | "agent"
                | "agents"
        )
}

/// The family of a role head: words that name the same kind of office, so
/// that "the Kremlin representative" finds the "Kremlin spokesman".
pub(crate) fn role_family(word: &str) -> Option<&'static str> {
    let family = match word {
        "spokesman" | "spokeswoman" | "spokesperson" | "spokespeople" | "spokesmen"
        | "representative" | "representatives" | "mouthpiece" | "rep" | "reps" | "publicist"
        | "publicists" => "spokesperson",
        "minister" | "ministers" => "minister",
        "premier" => "premier",
        "chancellor" => "chancellor",
        "president" => "president",
        "leader" | "leaders" => "leader",
        "official" | "officials" | "officer" => "official",
        "ambassador" | "envoy" | "diplomat" | "negotiator" => "envoy",
        "secretary" => "secretary",
        "chief" | "head" | "director" | "chairman" | "chairwoman" | "chair" | "ceo" | "manager"
        | "founder" => "chief",
        "adviser" | "advisor" | "aide" => "adviser",
        "governor" => "governor",
        "mayor" => "mayor",
        "senator" | "lawmaker" | "congressman" | "congresswoman" | "mp" => "lawmaker",
        "commander" | "general" | "captain" => "commander",
        "judge" | "prosecutor" | "attorney" => "jurist",
        "editor" | "correspondent" => "journalist",
        "analyst" | "expert" => "analyst",
        "king" | "queen" | "prince" | "princess" | "monarch" | "emir" | "sheikh" => "monarch",
        "pope" | "archbishop" | "bishop" => "cleric",
        _ => return None,
    };
    Some(family)
}

/// Words that call a proposition false ("are not true" is handled by the
/// negation of [`is_affirmation`]).
pub(crate) fn is_refutation(word: &str) -> bool {
    matches!(
        word,
        "false"
            | "untrue"
            | "baseless"
            | "unfounded"
            | "groundless"
            | "fake"
            | "bogus"
            | "fabricated"
            | "fabrication"
            | "nonsense"
            | "incorrect"
            | "inaccurate"
            | "misleading"
            | "wrong"
            | "lie"
            | "lies"
            | "hoax"
            | "denied"
            | "denies"
            | "deny"
            | "denial"
            | "rejected"
            | "rejects"
            | "dismissed"
            | "dismisses"
            | "refuted"
            | "refutes"
            | "disputed"
            | "disputes"
            | "debunked"
            | "ridiculous"
            | "absurd"
            | "preposterous"
            | "unsubstantiated"
            | "unsourced"
            | "rubbish"
            | "fictitious"
            | "invented"
            | "concocted"
            | "misinformation"
            | "disinformation"
            | "falsehood"
            | "falsehoods"
    )
}

/// Words that call a proposition true; negated, they refute it
/// ("not true", "does not reflect the reality").
pub(crate) fn is_affirmation(word: &str) -> bool {
    matches!(
        word,
        "true"
            | "truth"
            | "accurate"
            | "correct"
            | "reflect"
            | "reflects"
            | "confirmed"
            | "confirms"
            | "confirm"
            | "verified"
            | "genuine"
            | "real"
    )
}

/// Words that make a statement tentative; they lower confidence.
pub(crate) fn is_hedge(word: &str) -> bool {
    matches!(
        word,
        "alleged"
            | "allegedly"
            | "reportedly"
            | "purportedly"
            | "apparently"
            | "possibly"
            | "perhaps"
            | "may"
            | "might"
            | "could"
            | "unconfirmed"
            | "rumoured"
            | "rumored"
            | "unclear"
            | "uncertain"
            | "unverified"
    )
}

/// Function words dropped from a normalised claim key. Negations are kept:
/// they change what a claim says.
pub(crate) fn is_stop_word(word: &str) -> bool {
    matches!(
        word,
        "a" | "an"
            | "the"
            | "of"
            | "to"
            | "from"
            | "in"
            | "on"
            | "at"
            | "by"
            | "for"
            | "with"
            | "into"
            | "onto"
            | "about"
            | "over"
            | "under"
            | "between"
            | "among"
            | "through"
            | "during"
            | "towards"
            | "toward"
            | "and"
            | "or"
            | "but"
            | "that"
            | "this"
            | "these"
            | "those"
            | "which"
            | "who"
            | "whom"
            | "whose"
            | "what"
            | "it"
            | "its"
            | "is"
            | "are"
            | "was"
            | "were"
            | "be"
            | "been"
            | "being"
            | "am"
            | "has"
            | "have"
            | "had"
            | "having"
            | "do"
            | "does"
            | "did"
            | "will"
            | "would"
            | "shall"
            | "should"
            | "can"
            | "could"
            | "may"
            | "might"
            | "must"
            | "as"
            | "such"
            | "than"
            | "then"
            | "there"
            | "their"
            | "them"
            | "they"
            | "he"
            | "she"
            | "his"
            | "her"
            | "him"
            | "we"
            | "our"
            | "us"
            | "i"
            | "me"
            | "my"
            | "you"
            | "your"
            | "also"
            | "just"
            | "very"
            | "so"
            | "too"
            | "any"
            | "some"
            | "all"
            | "each"
            | "both"
            | "either"
            | "neither"
            | "if"
            | "whether"
            | "while"
            | "whereas"
            | "perhaps"
            | "s"
    )
}
