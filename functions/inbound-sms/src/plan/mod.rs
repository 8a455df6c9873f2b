//! What to do with one inbound text: pure functions, no I/O.
//!
//! [`decide`] reads what the patient asks for ([`Action`]) from the keyword engine and the
//! patient's state; [`plan`] turns it into one atomic batch of writes (the idempotency
//! claim, the inbound timeline entry, every reply's timeline entry, tasks, and the patient
//! and appointment changes) plus the sends to make once that batch has committed.
//!
//! Rules worth knowing:
//! - Replies go out in the channel the patient used (SMS), from the practice's number.
//! - Every reply is recorded on the timeline, sent or suppressed, with the reason.
//! - An SMS opt-out covers every patient on that phone number (a carrier opt-out is per
//!   number), and so does an opt-in. Only the one confirmation is sent, on the change.
//! - A patient who has opted out gets no automatic replies except the opt-in and opt-out
//!   confirmations and HELP; their messages still reach staff, and emergencies still go to
//!   the on-call team.
//! - Automatic replies are limited per thread ([`policy::auto_reply_allowed`]); opt-out,
//!   opt-in (on a change) and emergency replies bypass the limit. Unknown senders have no
//!   thread state: they get at most one automatic reply per clock hour and one opt-out
//!   confirmation per day, enforced by conditional markers in the same batch.

use chrono::{DateTime, Duration, Utc};

use frontdesk::domain::{Appointment, Channel, Message, Patient, Practice, PracticeSettings, Task};
use frontdesk::policy::{classify, is_cancel_visit, Intent};
use frontdesk::ports::{Email, Key, Sms, Write};
use known::plan_known;
use unknown::plan_unknown;

use crate::feedback;
use crate::inbound::Inbound;
/// How recent a review request must be for a rating or free text to count as feedback.
pub const REVIEW_WINDOW: Duration = Duration::days(7);
/// How long the cancel clarification waits for its answer.
pub const CLARIFY_WINDOW: Duration = Duration::days(7);
/// How long a call suggestion waits for a "yes".
pub const SUGGESTION_WINDOW: Duration = Duration::hours(48);
/// Upcoming appointments read to find the one to confirm.
pub const APPOINTMENT_LOOKAHEAD: usize = 5;

/// What the patient is asking for, once their state is taken into account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    OptOut,
    OptIn,
    Help,
    Emergency,
    /// Confirms the next appointment.
    Confirm,
    /// "Yes" to a freed slot offered from the waitlist (only while an offer is open).
    ClaimSlot,
    /// "Yes" right after a call was suggested (and nothing automated since).
    AcceptCall,
    CallMe,
    Reschedule,
    /// A first mention of cancelling: ask whether the visit or the texts.
    CancelClarify,
    /// The visit: the answer to the clarification, or the exact CANCEL VISIT phrase.
    CancelVisit,
    /// Another mention of cancelling after the question was asked.
    CancelAgain,
    SwitchChannel(Channel),
    /// A 1–5 rating after a recent review request.
    Rating(u8),
    /// Free text after a recent review request that reads as a complaint.
    Complaint,
    /// Anything else: for staff.
    FreeText,
}

impl Action {
    /// A stable label for logs (never the text).
    pub fn label(self) -> &'static str {
        match self {
            Action::OptOut => "opt_out",
            Action::OptIn => "opt_in",
            Action::Help => "help",
            Action::Emergency => "emergency",
            Action::Confirm => "confirm",
            Action::ClaimSlot => "claim_slot",
            Action::AcceptCall => "accept_call",
            Action::CallMe => "call_me",
            Action::Reschedule => "reschedule",
            Action::CancelClarify => "cancel_clarify",
            Action::CancelVisit => "cancel_visit",
            Action::CancelAgain => "cancel_again",
            Action::SwitchChannel(_) => "switch_channel",
            Action::Rating(_) => "rating",
            Action::Complaint => "complaint",
            Action::FreeText => "free_text",
        }
    }

    /// Whether the patient's upcoming appointments must be read first.
    pub fn needs_appointments(self) -> bool {
        self == Action::Confirm
    }

    /// Whether the slots offered to the patient must be read first.
    pub fn needs_slots(self) -> bool {
        self == Action::ClaimSlot
    }

    /// The intent the thread records (see `policy::record_inbound`).
    pub fn thread_intent(self) -> Intent {
        match self {
            Action::OptOut => Intent::OptOut,
            Action::OptIn => Intent::OptIn,
            Action::Help => Intent::Help,
            Action::Emergency => Intent::Emergency,
            Action::Confirm | Action::ClaimSlot => Intent::Confirm,
            Action::AcceptCall | Action::CallMe => Intent::CallMe,
            Action::Reschedule => Intent::Reschedule,
            Action::CancelClarify | Action::CancelVisit | Action::CancelAgain => {
                Intent::CancelAppointment
            }
            Action::SwitchChannel(c) => Intent::SwitchChannel(c),
            Action::Rating(r) => Intent::Rating(r),
            Action::Complaint | Action::FreeText => Intent::FreeText,
        }
    }

    /// Whether a stalled thread may get a call suggestion after this message's reply.
    fn may_suggest_call(self) -> bool {
        matches!(
            self,
            Action::FreeText | Action::Complaint | Action::Reschedule | Action::CancelAgain
        )
    }
}

fn within(since: DateTime<Utc>, now: DateTime<Utc>, window: Duration) -> bool {
    since <= now && now.signed_duration_since(since) <= window
}

/// A review request went out recently, so a rating or a complaint answers it.
fn review_pending(p: &Patient, now: DateTime<Utc>) -> bool {
    p.last_review_request_at
        .is_some_and(|t| within(t, now, REVIEW_WINDOW))
}

/// A call was suggested recently and nothing automated went out since: "yes" answers it.
fn suggestion_pending(p: &Patient, now: DateTime<Utc>) -> bool {
    p.thread.call_suggested_at.is_some_and(|t| {
        within(t, now, SUGGESTION_WINDOW) && p.recent_automated.iter().all(|sent| *sent <= t)
    })
}

/// Exactly the phrase the clarification asks for ("CANCEL VISIT", any case/punctuation).
fn is_exact_cancel_visit(text: &str) -> bool {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    words == ["cancel", "visit"]
}

/// What the sender asks for. `patient` is `None` for an unknown sender.
pub fn decide(
    settings: &PracticeSettings,
    text: &str,
    patient: Option<&Patient>,
    now: DateTime<Utc>,
) -> Action {
    let intent = classify(text, &settings.emergency_keywords);
    let Some(p) = patient else {
        return match intent {
            Intent::OptOut => Action::OptOut,
            Intent::Emergency => Action::Emergency,
            Intent::Help => Action::Help,
            _ => Action::FreeText,
        };
    };
    match intent {
        Intent::OptOut => Action::OptOut,
        Intent::OptIn => Action::OptIn,
        Intent::Help => Action::Help,
        Intent::Emergency => Action::Emergency,
        // An open waitlist offer takes precedence over the generic confirmation.
        Intent::Confirm if p.slot_offers.iter().any(|o| o.is_live(now)) => Action::ClaimSlot,
        Intent::Confirm if suggestion_pending(p, now) => Action::AcceptCall,
        Intent::Confirm => Action::Confirm,
        Intent::CallMe => Action::CallMe,
        Intent::Reschedule => Action::Reschedule,
        Intent::CancelAppointment => {
            let clarified = p
                .thread
                .cancel_clarified_at
                .is_some_and(|t| within(t, now, CLARIFY_WINDOW));
            if is_cancel_visit(text) && (clarified || is_exact_cancel_visit(text)) {
                Action::CancelVisit
            } else if clarified {
                Action::CancelAgain
            } else {
                Action::CancelClarify
            }
        }
        Intent::SwitchChannel(c) => Action::SwitchChannel(c),
        Intent::Rating(r) if review_pending(p, now) => Action::Rating(r),
        Intent::Rating(_) => Action::FreeText,
        Intent::FreeText if review_pending(p, now) && feedback::is_negative(text) => {
            Action::Complaint
        }
        Intent::FreeText => Action::FreeText,
    }
}

/// A patient the text was matched to.
#[derive(Debug, Clone)]
pub struct Known {
    pub patient: Patient,
    /// Other patients on the same phone number (a family's shared phone).
    pub family: Vec<Patient>,
    /// The patient's upcoming appointments, soonest first, when they were read.
    pub appointments: Option<Vec<Appointment>>,
    /// How the patient was picked among several on one phone (for staff).
    pub shared_note: Option<String>,
    /// The freed slots offered to the patient, when read (for a "YES" to an offer).
    pub slots: Vec<frontdesk::domain::FreedSlot>,
}

#[derive(Debug, Clone)]
pub enum Sender {
    Known(Box<Known>),
    Unknown,
}

pub struct Input<'a> {
    pub practice: &'a Practice,
    pub inbound: &'a Inbound,
    pub sender: &'a Sender,
    pub action: Action,
    pub now: DateTime<Utc>,
    /// Unknown senders: whether this batch may take the reply-rate marker (false once it was
    /// found taken).
    pub unknown_reply_allowed: bool,
}

/// How a send is made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    Sms(Sms),
    Email(Email),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recipient {
    Patient,
    OnCall,
}

/// One send to make after the batch commits.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub delivery: Delivery,
    pub recipient: Recipient,
    /// Its timeline entry, written as sent; rewritten as failed if the send fails.
    pub record: Message,
}

/// For an emergency: what changes if no on-call alert gets through.
#[derive(Debug, Clone)]
pub struct EmergencyFallback {
    pub task: Task,
    /// The patient's reply (index into `sends`) and the text to send instead.
    pub reply: Option<(usize, String)>,
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub action: Action,
    pub writes: Vec<Write>,
    pub sends: Vec<Outgoing>,
    /// The versioned items the writes are conditioned on, with the version seen.
    pub versions: Vec<(Key, u64)>,
    /// Whether the batch takes an unknown sender's reply-rate marker.
    pub rate_marker: bool,
    pub emergency: Option<EmergencyFallback>,
    /// Replies recorded as suppressed (rate limit, opt-out).
    pub suppressed: usize,
}

mod arms;
mod draft;
mod emergency;
mod known;
mod slot_claim;
mod unknown;

/// Builds the batch and the sends for one inbound text.
pub fn plan(input: &Input<'_>) -> frontdesk::Result<Plan> {
    match input.sender {
        Sender::Known(known) => plan_known(input, known),
        Sender::Unknown => plan_unknown(input),
    }
}

#[cfg(test)]
#[path = "../plan_tests.rs"]
mod tests;
