//! The word lists the classifier reads: opt-out words and their normalised keys, lead-ins,
//! filler, connectors and the objects and verbs of "stop texting me", with their bounds.

/// Opt-out words that mean nothing else when they stand alone in a clause.
pub(super) const UNAMBIGUOUS_OPT_OUT: &[&str] = &[
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
pub(super) const LEAD_IN: &[&str] = &[
    "please", "pls", "plz", "kindly", "can", "could", "would", "will", "you", "u", "just", "ok",
    "okay", "hey", "hi", "hello", "i", "id", "want", "wish", "like", "to", "need",
];
pub(super) const MAX_LEAD_IN: usize = 5;

/// Politeness and emphasis that may follow a keyword.
pub(super) const FILLER: &[&str] = &[
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
pub(super) const CONNECTORS: &[&str] = &[
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
pub(super) const MESSAGE_OBJECTS: &[&str] = &[
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
pub(super) const TEXTING_VERBS: &[&str] = &[
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

pub(super) const MAX_SHORT_TAIL: usize = 8;
pub(super) const MAX_TEXTING_VERB_MESSAGE: usize = 15;
pub(super) const MAX_CLAUSE_MESSAGE: usize = 20;

/// [`OPT_OUT_WORDS`], normalised (a test keeps the two in step).
pub(super) const OPT_OUT_KEYS: &[&str] = &[
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
pub(super) const OPT_IN_KEYS: &[&str] = &["start", "unstop"];
/// [`HELP_WORDS`], normalised.
pub(super) const HELP_KEYS: &[&str] = &["help", "info"];
