//! Classifying an inbound text into what the patient wants.
//!
//! All matching is on normalised tokens (see `text_normalize.rs`): case, surrounding
//! punctuation and whitespace, curly apostrophes and accents do not matter. The rules, in
//! the order they are tried (the first that matches wins):
//!
//! 1. **Opt-out word as the whole message** → [`Intent::OptOut`]. The carrier/CTIA/FCC
//!    words in [`OPT_OUT_WORDS`], e.g. `STOP`, `Stop.`, `cancel!!`, `opt out`, `Arrêt`.
//!    Nothing beats this, not even an emergency keyword: a carrier treats these words as
//!    an opt-out whatever we do, so we must too.
//! 2. **Emergency keyword** (the practice's list; whole words or phrases, anywhere in the
//!    text) → [`Intent::Emergency`]. It wins over everything else, including a leading
//!    opt-out ("stop, I can't stop bleeding"): a missed emergency costs far more than a
//!    staff look at a false alarm, so no negation handling is attempted ("not an
//!    emergency" still alerts).
//! 3. **Whole-message opt-in and help**: [`OPT_IN_WORDS`] → [`Intent::OptIn`];
//!    [`HELP_WORDS`] → [`Intent::Help`]. `YES` is *not* an opt-in: it confirms.
//! 4. **Opt-out leading a short message** → [`Intent::OptOut`]:
//!    - an opt-out word, after an optional short polite lead-in ("please", "can you",
//!      "I want to"), followed only by words about our messages ("STOP please",
//!      "stop texting me", "unsubscribe me from this list", "cancel all texts");
//!      the ambiguous words CANCEL, END, REMOVE and TD need such an object ("cancel
//!      texts", "remove me"), so "cancel please" or "end of day works" are not opt-outs;
//!    - `stop`/`quit` + a texting verb, whatever follows ("Stop texting me, I already
//!      confirmed");
//!    - a clause that is only an unambiguous opt-out word ("Stop! Who is this?",
//!      "Thanks. STOP");
//!    - a refusal of texts ("don't text me", "no more texts", "opt me out", "take me off
//!      your list") — unless it names another channel to use instead ("no more texts,
//!      email only" → switch to email).
//! 5. **Opt-in / help leading a short polite message** ("start again please", "info pls").
//! 6. **Switch channel**: a short message naming one channel with only preference words
//!    around it ("EMAIL", "email me instead", "text me", "SMS", "I prefer email") →
//!    [`Intent::SwitchChannel`]. "Email me the forms" is not a switch, nor is "switch my
//!    appointment". A phone call is asked for with rule 11, not here.
//! 7. **Rating**: a lone digit 1–5 (also "5 stars", "4/5", or one to five ⭐) →
//!    [`Intent::Rating`].
//! 8. **Reschedule** (explicit): `R`, "reschedule", "rebook", "postpone", "can we move
//!    it", "change my appointment", "a different day" → [`Intent::Reschedule`]. Explicit
//!    rescheduling beats a mention of cancelling ("cancel and rebook").
//! 9. **Cancel the appointment**: any other message mentioning cancelling ("cancel my
//!    appointment", "I need to cancel my appt", "can I cancel tomorrow's visit",
//!    "CANCEL VISIT") → [`Intent::CancelAppointment`]. The caller sends one clarifying
//!    text (cancel the visit, or stop texts?) unless [`is_cancel_visit`] says the patient
//!    already answered it.
//! 10. **Can't make it** ("I can't make it tomorrow", "I won't be there") →
//!     [`Intent::Reschedule`]: staff reach out to find a new time rather than losing the
//!     patient.
//! 11. **Call me**: "call me", "please call", "can you call me", "give me a call", "I'd
//!     like to speak to someone" (not "don't call me") → [`Intent::CallMe`].
//! 12. **Confirm**: `C`, `YES`, `Y`, `YEP`, `YEAH`, `CONFIRM`, `CONFIRMED`, 👍 (any skin
//!     tone), ✅; a confirm word followed only by pleasantries ("Yes I'll be there",
//!     "C thanks"); or a confirming phrase ("see you then", "I'll be there", "count me
//!     in") in a message with no negation, no "but", no "late" and no question mark →
//!     [`Intent::Confirm`]. A bare "ok", "sure" or "sounds good" is *not* a confirmation:
//!     it is as often an acknowledgement of something else, and a false confirmation
//!     tells the practice to expect someone who may not come.
//! 13. Everything else → [`Intent::FreeText`], which goes to staff.

use serde::{Deserialize, Serialize};

use crate::domain::Channel;

use super::text_normalize::{tokenize_words, Normalized};

/// What an inbound text asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "intent", content = "value", rename_all = "snake_case")]
pub enum Intent {
    /// Stop all messages on this channel.
    OptOut,
    /// Resume messages on this channel.
    OptIn,
    /// The carrier HELP keyword.
    Help,
    /// Confirms the upcoming appointment.
    Confirm,
    /// Wants another time.
    Reschedule,
    /// Mentions cancelling the appointment (clarify before acting).
    CancelAppointment,
    /// Wants to be contacted on another channel from now on.
    SwitchChannel(Channel),
    /// Wants a phone call.
    CallMe,
    /// Matched one of the practice's emergency keywords.
    Emergency,
    /// A 1–5 rating, usually after a review request.
    Rating(u8),
    /// Anything else: for staff.
    FreeText,
}

impl Intent {
    /// A stable label for logs and the timeline (never the message text).
    pub fn as_str(self) -> &'static str {
        match self {
            Intent::OptOut => "opt_out",
            Intent::OptIn => "opt_in",
            Intent::Help => "help",
            Intent::Confirm => "confirm",
            Intent::Reschedule => "reschedule",
            Intent::CancelAppointment => "cancel_appointment",
            Intent::SwitchChannel(_) => "switch_channel",
            Intent::CallMe => "call_me",
            Intent::Emergency => "emergency",
            Intent::Rating(_) => "rating",
            Intent::FreeText => "free_text",
        }
    }
}

/// Carrier, CTIA and FCC opt-out keywords. Matched case-insensitively as a whole message,
/// ignoring punctuation, spacing and accents (`opt out`, `Opt-Out!`, `arrêt`).
pub const OPT_OUT_WORDS: [&str; 12] = [
    "STOP",
    "STOPALL",
    "UNSUBSCRIBE",
    "END",
    "QUIT",
    "REVOKE",
    "OPTOUT",
    "OPT-OUT",
    "REMOVE",
    "CANCEL",
    "ARRET",
    "TD",
];

/// Opt-in keywords: they lift an opt-out on the channel they arrive on. `YES` is not one.
pub const OPT_IN_WORDS: [&str; 2] = ["START", "UNSTOP"];

/// Help keywords: answered with the practice's name, phone and how to opt out.
pub const HELP_WORDS: [&str; 2] = ["HELP", "INFO"];

/// What a patient replies to the cancel clarification to cancel the appointment itself.
pub const CANCEL_VISIT_PHRASE: &str = "CANCEL VISIT";

/// Opt-out words that mean nothing else when they stand alone in a clause.
const UNAMBIGUOUS_OPT_OUT: &[&str] = &[
    "stop",
    "stopall",
    "unsubscribe",
    "optout",
    "revoke",
    "quit",
    "arret",
];

/// Words that may lead a short request without changing it: "please stop", "can you
/// unsubscribe me", "I want to opt out".
const LEAD_IN: &[&str] = &[
    "please", "pls", "plz", "kindly", "can", "could", "would", "will", "you", "u", "just", "ok",
    "okay", "hey", "hi", "hello", "i", "id", "want", "wish", "like", "to", "need",
];
const MAX_LEAD_IN: usize = 5;

/// Politeness and emphasis that may follow a keyword.
const FILLER: &[&str] = &[
    "please",
    "pls",
    "plz",
    "now",
    "thanks",
    "thank",
    "you",
    "u",
    "thx",
    "ty",
    "asap",
    "immediately",
    "already",
    "all",
    "ok",
    "okay",
    "just",
    "right",
    "away",
    "sorry",
    "permanently",
    "forever",
    "anymore",
];

/// Words that connect an opt-out word to what it stops: "stop sending me these".
const CONNECTORS: &[&str] = &[
    "me",
    "from",
    "your",
    "the",
    "these",
    "this",
    "those",
    "my",
    "us",
    "to",
    "sending",
    "send",
    "texting",
    "txting",
    "messaging",
    "msging",
    "it",
    "of",
    "them",
    "any",
    "more",
    "all",
];

/// What an opt-out stops: our texts. (Emails and calls are not stopped by a text keyword.)
const MESSAGE_OBJECTS: &[&str] = &[
    "text",
    "texts",
    "txt",
    "txts",
    "message",
    "messages",
    "msg",
    "msgs",
    "sms",
    "reminder",
    "reminders",
    "notification",
    "notifications",
    "alert",
    "alerts",
    "subscription",
    "list",
    "mailing",
    "number",
    "spam",
    "texting",
    "messaging",
];

/// Verbs after `stop`/`quit` that make the request about our texts whatever follows.
const TEXTING_VERBS: &[&str] = &[
    "texting",
    "txting",
    "messaging",
    "msging",
    "sending",
    "contacting",
    "bothering",
    "spamming",
    "harassing",
];

const MAX_SHORT_TAIL: usize = 8;
const MAX_TEXTING_VERB_MESSAGE: usize = 15;
const MAX_CLAUSE_MESSAGE: usize = 20;

/// Classifies an inbound text. `emergency_keywords` is the practice's list. Never panics,
/// for any input. See the module documentation for the rules.
pub fn classify(text: &str, emergency_keywords: &[String]) -> Intent {
    let n = Normalized::new(text);

    if is_opt_out_key(&n.key) {
        return Intent::OptOut;
    }
    if matches_emergency(&n, emergency_keywords) {
        return Intent::Emergency;
    }
    if n.is_empty() {
        return emoji_intent(text).unwrap_or(Intent::FreeText);
    }
    if OPT_IN_KEYS.contains(&n.key.as_str()) {
        return Intent::OptIn;
    }
    if HELP_KEYS.contains(&n.key.as_str()) {
        return Intent::Help;
    }
    if leading_opt_out(&n) || standalone_opt_out_clause(text, &n) {
        return Intent::OptOut;
    }
    if refuses_texts(&n) {
        return match switch_channel(&n) {
            Some(Channel::Email) => Intent::SwitchChannel(Channel::Email),
            _ => Intent::OptOut,
        };
    }
    if let Some(intent) = leading_opt_in_or_help(&n) {
        return intent;
    }
    if let Some(channel) = switch_channel(&n) {
        return Intent::SwitchChannel(channel);
    }
    if let Some(r) = rating(text, &n) {
        return Intent::Rating(r);
    }
    if wants_reschedule(&n) {
        return Intent::Reschedule;
    }
    if mentions_cancel(&n) {
        return Intent::CancelAppointment;
    }
    if cannot_make_it(&n) {
        return Intent::Reschedule;
    }
    if wants_call(&n) {
        return Intent::CallMe;
    }
    if confirms(text, &n) {
        return Intent::Confirm;
    }
    Intent::FreeText
}

/// Whether `text` is, as a whole message, one of [`OPT_OUT_WORDS`] (ignoring case,
/// punctuation, spacing and accents).
pub fn is_opt_out_word(text: &str) -> bool {
    is_opt_out_key(&Normalized::new(text).key)
}

/// Whether `text` is the answer to the cancel clarification that means "cancel my
/// appointment" ([`CANCEL_VISIT_PHRASE`], also "cancel appointment", "cancel my visit",
/// with or without "please"). The caller then cancels (or raises a cancel task) without
/// asking again.
pub fn is_cancel_visit(text: &str) -> bool {
    let n = Normalized::new(text);
    let core: Vec<&str> = n
        .tokens
        .iter()
        .map(String::as_str)
        .filter(|t| !FILLER.contains(t) && *t != "my" && *t != "the")
        .collect();
    matches!(
        core.as_slice(),
        ["cancel", "visit" | "appointment" | "appt"]
    )
}

/// [`OPT_OUT_WORDS`], normalised (a test keeps the two in step).
const OPT_OUT_KEYS: &[&str] = &[
    "stop",
    "stopall",
    "unsubscribe",
    "end",
    "quit",
    "revoke",
    "optout",
    "remove",
    "cancel",
    "arret",
    "td",
];
/// [`OPT_IN_WORDS`], normalised.
const OPT_IN_KEYS: &[&str] = &["start", "unstop"];
/// [`HELP_WORDS`], normalised.
const HELP_KEYS: &[&str] = &["help", "info"];

fn is_opt_out_key(key: &str) -> bool {
    OPT_OUT_KEYS.contains(&key)
}

/// Whole words or phrases, on tokens before `opt out`-style merging, so a keyword is found
/// wherever its words appear in order.
fn matches_emergency(n: &Normalized, keywords: &[String]) -> bool {
    keywords.iter().any(|k| {
        let phrase = tokenize_words(k);
        !phrase.is_empty()
            && phrase.len() <= n.words.len()
            && n.words
                .windows(phrase.len())
                .any(|w| w == phrase.as_slice())
    })
}

/// Index of the first token after a short polite lead-in.
fn after_lead_in(tokens: &[String]) -> usize {
    tokens
        .iter()
        .take(MAX_LEAD_IN)
        .take_while(|t| LEAD_IN.contains(&t.as_str()))
        .count()
}

fn leading_opt_out(n: &Normalized) -> bool {
    let start = after_lead_in(&n.tokens);
    let Some(first) = n.tokens.get(start) else {
        return false;
    };
    if !is_opt_out_key(first) {
        return false;
    }
    let tail = &n.tokens[start + 1..];

    // Keyword + words about our messages.
    let about_messages = tail.iter().all(|t| {
        let t = t.as_str();
        FILLER.contains(&t)
            || CONNECTORS.contains(&t)
            || MESSAGE_OBJECTS.contains(&t)
            || is_opt_out_key(t)
    });
    let has_object = tail.iter().any(|t| {
        MESSAGE_OBJECTS.contains(&t.as_str()) || (first == "remove" && (t == "me" || t == "us"))
    });
    if tail.len() <= MAX_SHORT_TAIL
        && about_messages
        && (UNAMBIGUOUS_OPT_OUT.contains(&first.as_str()) || has_object)
    {
        return true;
    }

    // "stop texting me …", whatever follows.
    n.len() <= MAX_TEXTING_VERB_MESSAGE
        && (first == "stop" || first == "quit")
        && tail
            .first()
            .is_some_and(|t| TEXTING_VERBS.contains(&t.as_str()))
}

/// A clause (between . ! ? , ; : or a line break) that is only an unambiguous opt-out
/// word, after an optional lead-in: "Stop! Who is this?", "Thanks. STOP".
fn standalone_opt_out_clause(text: &str, n: &Normalized) -> bool {
    if n.len() > MAX_CLAUSE_MESSAGE {
        return false;
    }
    text.split(['.', '!', '?', ',', ';', ':', '\n'])
        .map(Normalized::new)
        .any(|clause| {
            let start = after_lead_in(&clause.tokens);
            clause.tokens.len() == start + 1
                && clause
                    .tokens
                    .get(start)
                    .is_some_and(|w| UNAMBIGUOUS_OPT_OUT.contains(&w.as_str()))
        })
}

/// "don't text me", "do not message me", "no more texts", "never text me again", "opt me
/// out", "take me off your list".
fn refuses_texts(n: &Normalized) -> bool {
    const TEXT_WORDS: &[&str] = &[
        "text", "texts", "txt", "texting", "message", "messages", "msg", "msgs", "sms",
    ];
    const PHRASES: &[&[&str]] = &[
        &["opt", "me", "out"],
        &["opt", "us", "out"],
        &["take", "me", "off"],
        &["take", "us", "off"],
        &["take", "my", "number", "off"],
    ];
    if n.len() > 12 {
        return false;
    }
    if PHRASES.iter().any(|p| n.find_phrase(p).is_some()) {
        return true;
    }
    n.tokens.iter().enumerate().any(|(i, t)| {
        if !TEXT_WORDS.contains(&t.as_str()) {
            return false;
        }
        let before: Vec<&str> = n.tokens[i.saturating_sub(2)..i]
            .iter()
            .map(String::as_str)
            .collect();
        matches!(
            before.as_slice(),
            [.., "dont" | "never"] | ["do", "not"] | ["no", "more"]
        )
    })
}

fn leading_opt_in_or_help(n: &Normalized) -> Option<Intent> {
    let start = after_lead_in(&n.tokens);
    let first = n.tokens.get(start)?;
    let tail = &n.tokens[start + 1..];
    if tail.len() > MAX_SHORT_TAIL {
        return None;
    }
    if OPT_IN_KEYS.contains(&first.as_str()) {
        let ok = tail.iter().all(|t| {
            let t = t.as_str();
            FILLER.contains(&t)
                || CONNECTORS.contains(&t)
                || MESSAGE_OBJECTS.contains(&t)
                || ["again", "back", "up", "resume", "receiving", "getting"].contains(&t)
        });
        return ok.then_some(Intent::OptIn);
    }
    if HELP_KEYS.contains(&first.as_str()) {
        let ok = tail
            .iter()
            .all(|t| ["please", "pls", "plz", "thanks", "thank", "you"].contains(&t.as_str()));
        return ok.then_some(Intent::Help);
    }
    None
}

fn rating(text: &str, n: &Normalized) -> Option<u8> {
    let digit = |t: &str| -> Option<u8> {
        match t {
            "1" => Some(1),
            "2" => Some(2),
            "3" => Some(3),
            "4" => Some(4),
            "5" => Some(5),
            _ => None,
        }
    };
    let tokens: Vec<&str> = n.tokens.iter().map(String::as_str).collect();
    match tokens.as_slice() {
        [d] => digit(d),
        [d, "star" | "stars"] => digit(d),
        [d, "5"] if text.contains('/') => digit(d),
        [d, "out", "of", "5"] => digit(d),
        _ => None,
    }
}

fn wants_reschedule(n: &Normalized) -> bool {
    const WORDS: &[&str] = &[
        "reschedule",
        "rescheduling",
        "resched",
        "rebook",
        "rebooking",
        "postpone",
        "postponing",
    ];
    const MOVERS: &[&str] = &[
        "move", "moving", "change", "changing", "switch", "push", "shift", "bump",
    ];
    const APPOINTMENT_NOUNS: &[&str] = &[
        "appointment",
        "appt",
        "appts",
        "visit",
        "it",
        "time",
        "day",
        "date",
        "booking",
        "cleaning",
        "slot",
        "checkup",
        "me",
    ];
    const OTHER: &[&str] = &["different", "another", "new", "later", "earlier", "other"];
    const WHEN: &[&str] = &["time", "day", "date", "slot", "appointment"];

    if n.has_any(WORDS) {
        return true;
    }
    // "R", "R please".
    let start = after_lead_in(&n.tokens);
    if n.tokens.get(start).is_some_and(|t| t == "r")
        && n.tokens[start + 1..]
            .iter()
            .all(|t| FILLER.contains(&t.as_str()))
    {
        return true;
    }
    n.tokens.iter().enumerate().any(|(i, t)| {
        let next = &n.tokens[i + 1..(i + 4).min(n.tokens.len())];
        (MOVERS.contains(&t.as_str())
            && next.iter().any(|w| APPOINTMENT_NOUNS.contains(&w.as_str())))
            || (OTHER.contains(&t.as_str())
                && n.tokens
                    .get(i + 1)
                    .is_some_and(|w| WHEN.contains(&w.as_str())))
    })
}

fn mentions_cancel(n: &Normalized) -> bool {
    n.has_any(&[
        "cancel",
        "cancelled",
        "canceled",
        "canceling",
        "cancelling",
        "cancellation",
        "cancelation",
        "cxl",
    ])
}

fn cannot_make_it(n: &Normalized) -> bool {
    const PHRASES: &[&[&str]] = &[
        &["cant", "make", "it"],
        &["cannot", "make", "it"],
        &["can", "not", "make", "it"],
        &["wont", "make", "it"],
        &["not", "make", "it"],
        &["not", "going", "to", "make", "it"],
        &["be", "able", "to", "make"],
        &["be", "able", "to", "come"],
        &["be", "able", "to", "attend"],
        &["unable", "to", "make"],
        &["unable", "to", "come"],
        &["unable", "to", "attend"],
        &["cant", "come"],
        &["cannot", "come"],
        &["cant", "attend"],
        &["cannot", "attend"],
        &["cant", "do"],
        &["something", "came", "up"],
        &["wont", "be", "there"],
        &["not", "be", "there"],
    ];
    PHRASES.iter().any(|p| {
        let Some(i) = n.find_phrase(p) else {
            return false;
        };
        // "be able to make it" only counts when negated just before ("won't be able …").
        if p[0] == "be" {
            return n.tokens[i.saturating_sub(3)..i]
                .iter()
                .any(|t| ["wont", "not", "never", "cant"].contains(&t.as_str()));
        }
        true
    })
}

fn wants_call(n: &Normalized) -> bool {
    const PHRASES: &[&[&str]] = &[
        &["call", "me"],
        &["call", "us"],
        &["callme"],
        &["give", "me", "a", "call"],
        &["give", "me", "a", "ring"],
        &["give", "us", "a", "call"],
        &["phone", "me"],
        &["ring", "me"],
        &["please", "call"],
        &["pls", "call"],
        &["plz", "call"],
        &["can", "you", "call"],
        &["could", "you", "call"],
        &["can", "someone", "call"],
        &["could", "someone", "call"],
        &["have", "someone", "call"],
        &["speak", "to", "someone"],
        &["speak", "with", "someone"],
        &["talk", "to", "someone"],
        &["talk", "with", "someone"],
        &["speak", "to", "a", "person"],
        &["talk", "to", "a", "person"],
        &["speak", "to", "a", "human"],
        &["talk", "to", "a", "human"],
        &["like", "a", "call"],
        &["want", "a", "call"],
        &["need", "a", "call"],
        &["prefer", "a", "call"],
        &["prefer", "calls"],
        &["prefer", "phone"],
        &["phone", "call"],
        &["phone", "calls"],
    ];
    const NEGATORS: &[&str] = &["dont", "not", "never", "stop", "no", "without"];
    let tokens: Vec<&str> = n.tokens.iter().map(String::as_str).collect();
    if matches!(
        tokens.as_slice(),
        ["call"] | ["call", "please" | "pls" | "plz" | "asap" | "now"]
    ) {
        return true;
    }
    PHRASES.iter().any(|p| {
        n.find_phrase(p).is_some_and(|i| {
            !n.tokens[i.saturating_sub(2)..i]
                .iter()
                .any(|t| NEGATORS.contains(&t.as_str()))
        })
    })
}

fn channel_word(t: &str) -> Option<Channel> {
    match t {
        "email" | "emails" | "emailed" | "emailing" => Some(Channel::Email),
        "text" | "texts" | "texting" | "texted" | "txt" | "sms" => Some(Channel::Sms),
        _ => None,
    }
}

/// The single channel a short preference message asks for, if it is one.
fn switch_channel(n: &Normalized) -> Option<Channel> {
    const VOCAB: &[&str] = &[
        "me",
        "instead",
        "please",
        "pls",
        "plz",
        "thanks",
        "thank",
        "you",
        "u",
        "only",
        "from",
        "now",
        "on",
        "going",
        "forward",
        "rather",
        "prefer",
        "preferred",
        "i",
        "id",
        "would",
        "like",
        "to",
        "be",
        "contacted",
        "reached",
        "by",
        "via",
        "through",
        "over",
        "than",
        "contact",
        "reach",
        "use",
        "my",
        "the",
        "can",
        "could",
        "just",
        "send",
        "it",
        "them",
        "all",
        "future",
        "switch",
        "change",
        "of",
        "not",
        "no",
        "more",
        "do",
        "dont",
        "an",
        "a",
        "is",
        "better",
        "best",
        "works",
        "ok",
        "okay",
        "reminders",
        "and",
        "also",
        "messages",
        "stuff",
    ];
    const NEGATORS: &[&str] = &["no", "not", "than", "of", "dont", "stop", "never"];
    if n.len() > 12 {
        return None;
    }
    let mut found: Option<Channel> = None;
    for (i, t) in n.tokens.iter().enumerate() {
        if let Some(channel) = channel_word(t) {
            let negated = n.tokens[i.saturating_sub(2)..i]
                .iter()
                .any(|p| NEGATORS.contains(&p.as_str()));
            if negated {
                continue;
            }
            match found {
                Some(f) if f != channel => return None,
                _ => found = Some(channel),
            }
        } else if !VOCAB.contains(&t.as_str()) {
            return None;
        }
    }
    found
}

fn confirms(text: &str, n: &Normalized) -> bool {
    const WORDS: &[&str] = &[
        "c",
        "y",
        "yes",
        "yep",
        "yup",
        "yeah",
        "ya",
        "yea",
        "yess",
        "confirm",
        "confirmed",
        "confirming",
        "absolutely",
        "definitely",
    ];
    const TAIL: &[&str] = &[
        "i",
        "ill",
        "im",
        "will",
        "be",
        "there",
        "we",
        "well",
        "see",
        "you",
        "u",
        "then",
        "soon",
        "thanks",
        "thank",
        "thx",
        "ty",
        "please",
        "pls",
        "great",
        "perfect",
        "sounds",
        "good",
        "confirm",
        "confirmed",
        "yes",
        "y",
        "c",
        "yep",
        "yeah",
        "my",
        "the",
        "appointment",
        "appt",
        "for",
        "tomorrow",
        "today",
        "it",
        "is",
        "that",
        "works",
        "fine",
        "ok",
        "okay",
        "sure",
        "of",
        "course",
        "absolutely",
        "definitely",
        "and",
        "so",
        "much",
        "very",
        "coming",
        "attending",
        "on",
        "time",
        "all",
        "set",
        "appreciated",
        "have",
        "a",
        "nice",
        "day",
        "lovely",
        "wonderful",
        "awesome",
        "cool",
        "thing",
        "do",
        "dr",
        "doctor",
        "at",
        "again",
        "bye",
    ];
    const PHRASES: &[&[&str]] = &[
        &["see", "you", "then"],
        &["see", "you", "tomorrow"],
        &["see", "you", "soon"],
        &["see", "you", "there"],
        &["see", "you", "today"],
        &["see", "you", "on"],
        &["see", "u", "then"],
        &["see", "u", "tomorrow"],
        &["ill", "be", "there"],
        &["will", "be", "there"],
        &["well", "be", "there"],
        &["count", "me", "in"],
        &["im", "coming"],
        &["i", "am", "coming"],
        &["ill", "come"],
        &["i", "will", "come"],
        &["ill", "attend"],
        &["i", "will", "attend"],
        &["confirmed"],
        &["confirm"],
    ];
    const NEGATIONS: &[&str] = &[
        "not", "cant", "cannot", "wont", "dont", "unable", "never", "nope", "isnt", "arent",
        "wasnt", "couldnt", "wouldnt", "shouldnt", "didnt", "doesnt", "but", "late",
    ];

    // A confirm word leading, then only pleasantries.
    if n.tokens
        .first()
        .is_some_and(|t| WORDS.contains(&t.as_str()))
        && n.len() <= 13
        && n.tokens[1..].iter().all(|t| TAIL.contains(&t.as_str()))
    {
        return true;
    }
    // A confirming phrase, unnegated, not a question.
    // "can't wait" is keen, not negative.
    let negated = n.tokens.iter().enumerate().any(|(i, t)| {
        NEGATIONS.contains(&t.as_str())
            && !(t == "cant" && n.tokens.get(i + 1).is_some_and(|w| w == "wait"))
    }) || n.tokens.iter().enumerate().any(|(i, t)| {
        t == "no"
            && !n
                .tokens
                .get(i + 1)
                .is_some_and(|w| w == "problem" || w == "worries")
    });
    !negated
        && !text.contains('?')
        && n.len() <= 15
        && PHRASES.iter().any(|p| n.find_phrase(p).is_some())
}

/// Messages made only of emoji: thumbs up (any skin tone) or a check mark confirm; one to
/// five stars rate.
fn emoji_intent(text: &str) -> Option<Intent> {
    let symbols: Vec<char> = text
        .chars()
        .filter(|c| {
            !c.is_whitespace()
                && !matches!(
                    *c,
                    '\u{FE0F}' | '\u{FE0E}' | '\u{200D}' | '\u{1F3FB}'..='\u{1F3FF}'
                )
        })
        .collect();
    if symbols.is_empty() {
        return None;
    }
    if symbols
        .iter()
        .all(|c| matches!(c, '\u{1F44D}' | '\u{2705}' | '\u{2714}'))
    {
        return Some(Intent::Confirm);
    }
    if symbols
        .iter()
        .all(|c| matches!(c, '\u{2B50}' | '\u{1F31F}'))
    {
        return u8::try_from(symbols.len())
            .ok()
            .filter(|n| (1..=5).contains(n))
            .map(Intent::Rating);
    }
    None
}
