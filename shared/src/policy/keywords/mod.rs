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

mod confirm;
mod lexicon;
mod opt_out;
mod requests;

use confirm::*;
use lexicon::*;
use opt_out::*;
use requests::*;

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
