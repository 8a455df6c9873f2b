//! Send intents of automatic replies: exactly once, or a staff task; never lost, never
//! twice.
//!
//! The transaction that claims an inbound message also writes each automatic reply as a
//! [`ReplyIntent`] (pending, due [`INTENT_STALE_AFTER`] later). Whoever sends it, the
//! inbound handler right after the commit or a completer later, follows the same steps:
//!
//! 1. **claim**: a write conditioned on the intent's version marks it `Sending` (one more
//!    attempt, due again after the stale time). Two overlapping senders: one wins, the
//!    other skips.
//! 2. **send** through the practice's provider.
//! 3. **settle**: sent, the intent is deleted with the timeline entry rewritten as sent (one
//!    transaction); refused for good, or failed [`INTENT_ATTEMPTS`] times, it is deleted with
//!    a staff task; failed otherwise, it is released (`Pending`, due now) for the next
//!    completer, the timeline entry saying it failed.
//!
//! The completer ([`complete_due`], run by the staff-replies schedule every minute) takes
//! the intents that came due: a `Pending` one is one whose first send never happened (the
//! handler's commit answer was lost and the redelivery found the claim taken) or failed;
//! it is claimed and sent as above. A `Sending` one whose claim ran out means a sender
//! stopped between claiming and settling: nobody knows whether the patient got the reply,
//! so it becomes a staff task ("the automatic reply may not have reached the patient;
//! answer them") instead of a second send.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::deliver::Senders;
use crate::domain::{Decision, Message, Priority, Task, TaskId, TaskKind};
use crate::ports::{
    IntentSend, IntentState, ReplyIntent, Store, Write, INTENT_ATTEMPTS, INTENT_STALE_AFTER,
};
use crate::{Error, Result};

/// Intents one completer run takes per shard of the index.
pub const COMPLETE_LIMIT: usize = 100;

/// What to do with an intent that came due (pure).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Claim it and send.
    Send,
    /// Hand it to staff, with the reason for the timeline.
    HandToStaff(&'static str),
}

/// Decides what a completer does with a due intent.
pub fn next(intent: &ReplyIntent) -> Next {
    match intent.state {
        IntentState::Sending => Next::HandToStaff(UNSURE),
        IntentState::Pending if intent.attempts >= INTENT_ATTEMPTS => Next::HandToStaff(EXHAUSTED),
        IntentState::Pending => Next::Send,
    }
}

/// Why a reply was handed to staff, for its timeline entry.
pub const UNSURE: &str = "a send was interrupted; it may or may not have reached the patient";
pub const EXHAUSTED: &str = "the reply could not be sent after its retries";
pub const REFUSED: &str = "the provider refused the reply";

/// How one attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    Sent,
    /// Failed; released for the next completer.
    Released,
    /// Became a staff task.
    HandedToStaff,
    /// Someone else holds or settled it.
    Skipped,
}

/// The claimed copy of `intent` and the write that claims it.
pub fn claim(intent: &ReplyIntent, now: DateTime<Utc>) -> (ReplyIntent, Write) {
    let mut claimed = intent.clone();
    claimed.state = IntentState::Sending;
    claimed.attempts = intent.attempts.saturating_add(1);
    claimed.due_at = now + INTENT_STALE_AFTER;
    claimed.version = intent.version.saturating_add(1);
    let write = Write::ReplyIntent {
        intent: Box::new(claimed.clone()),
        expect: Some(intent.version),
    };
    (claimed, write)
}

fn settle(intent: &ReplyIntent) -> Write {
    Write::SettleReplyIntent {
        practice_id: intent.practice_id.clone(),
        message_id: intent.message_id().clone(),
        version: intent.version,
    }
}

/// The writes that hand `intent` (as stored, at its version) to staff: the intent
/// settled, a task, the timeline entry pointing at the task.
pub fn hand_to_staff(intent: &ReplyIntent, reason: &str, now: DateTime<Utc>) -> Vec<Write> {
    let task = Task {
        patient_id: intent.record.patient_id.clone(),
        appointment_id: intent.record.appointment_id.clone(),
        ..Task::open(
            intent.practice_id.clone(),
            TaskId::generate(),
            TaskKind::SendFailed,
            Priority::High,
            "Automatic reply may not have reached the patient",
            format!(
                "The automatic reply may not have reached the patient; answer them. \
                 Why: {reason}. The reply is on the timeline."
            ),
            now,
        )
    };
    let mut record = intent.record.clone();
    record.decision = Decision::StaffTask {
        task_id: task.task_id.clone(),
        reason: reason.to_string(),
    };
    // The task's webhook event commits with it, as every task's does.
    crate::webhooks::with_events(
        vec![
            settle(intent),
            Write::Task(Box::new(task)),
            Write::Message(Box::new(record)),
        ],
        now,
    )
}

/// Claims `intent` (as stored, at its version; its send and record may be rewritten, as
/// an emergency's fallback does), sends it, settles it.
pub async fn attempt(
    store: &dyn Store,
    senders: &Senders,
    intent: &ReplyIntent,
    now: DateTime<Utc>,
) -> Result<Attempt> {
    let (claimed, write) = claim(intent, now);
    match store.write(vec![write]).await {
        Ok(()) => {}
        Err(Error::Conflict) => return Ok(Attempt::Skipped),
        Err(e) => {
            // The claim may have applied with its answer lost. Nothing was sent, so give
            // it back if it did (conditioned on the claim: a no-op otherwise); if even
            // that fails, the claim runs out and the reply becomes a staff task.
            let mut back = claimed.clone();
            back.state = IntentState::Pending;
            back.attempts = intent.attempts;
            back.due_at = now;
            back.version = claimed.version.saturating_add(1);
            let unclaim = Write::ReplyIntent {
                intent: Box::new(back),
                expect: Some(claimed.version),
            };
            match store.write(vec![unclaim]).await {
                Ok(()) | Err(Error::Conflict) => {}
                Err(u) => tracing::warn!(
                    practice_id = %intent.practice_id,
                    error = %u,
                    "a reply's failed claim could not be given back; it will go to staff"
                ),
            }
            return Err(e);
        }
    }
    let result = match &claimed.send {
        IntentSend::Sms(sms) => senders.sms.send_sms(sms).await,
        IntentSend::Email(email) => senders.email.send_email(email).await,
    };
    let (writes, outcome) = match result {
        Ok(provider_message_id) => {
            let mut record = claimed.record.clone();
            record.decision = Decision::Sent {
                provider_message_id: Some(provider_message_id),
            };
            (
                vec![settle(&claimed), Write::Message(Box::new(record))],
                Attempt::Sent,
            )
        }
        Err(Error::SendRejected(_)) => (
            hand_to_staff(&claimed, REFUSED, now),
            Attempt::HandedToStaff,
        ),
        Err(_) if claimed.attempts >= INTENT_ATTEMPTS => (
            hand_to_staff(&claimed, EXHAUSTED, now),
            Attempt::HandedToStaff,
        ),
        Err(e) => (release(&claimed, &e, now), Attempt::Released),
    };
    // A failure here leaves the claim to run out: the completer then hands the reply to
    // staff rather than risking a second send.
    store.write(writes).await?;
    Ok(outcome)
}

fn release(claimed: &ReplyIntent, e: &Error, now: DateTime<Utc>) -> Vec<Write> {
    let mut released = claimed.clone();
    released.state = IntentState::Pending;
    released.due_at = now;
    released.version = claimed.version.saturating_add(1);
    let mut record = claimed.record.clone();
    record.decision = Decision::Failed {
        reason: e.to_string(),
        attempts: claimed.attempts,
    };
    vec![
        Write::ReplyIntent {
            intent: Box::new(released),
            expect: Some(claimed.version),
        },
        Write::Message(Box::new(record)),
    ]
}

/// What one completer run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IntentReport {
    pub due: usize,
    pub sent: usize,
    pub released: usize,
    pub handed_to_staff: usize,
    pub skipped: usize,
    pub failed: usize,
}

/// Completes every reply intent due at or before `now`: sends the pending ones (once),
/// hands the interrupted and the exhausted ones to staff.
pub async fn complete_due(
    store: &dyn Store,
    senders: &Senders,
    now: DateTime<Utc>,
) -> Result<IntentReport> {
    let due = store.reply_intents_due(now, COMPLETE_LIMIT).await?;
    let mut report = IntentReport {
        due: due.len(),
        ..IntentReport::default()
    };
    for intent in due {
        let done = match next(&intent) {
            Next::Send => attempt(store, senders, &intent, now).await,
            Next::HandToStaff(reason) => {
                match store.write(hand_to_staff(&intent, reason, now)).await {
                    Ok(()) => Ok(Attempt::HandedToStaff),
                    Err(Error::Conflict) => Ok(Attempt::Skipped),
                    Err(e) => Err(e),
                }
            }
        };
        match done {
            Ok(Attempt::Sent) => report.sent += 1,
            Ok(Attempt::Released) => report.released += 1,
            Ok(Attempt::HandedToStaff) => report.handed_to_staff += 1,
            Ok(Attempt::Skipped) => report.skipped += 1,
            Err(e) => {
                report.failed += 1;
                tracing::warn!(
                    practice_id = %intent.practice_id,
                    error = %e,
                    "a reply intent could not be completed; the next run tries again"
                );
            }
        }
    }
    if report.handed_to_staff > 0 {
        tracing::warn!(
            handed_to_staff = report.handed_to_staff,
            "automatic replies handed to staff"
        );
    }
    Ok(report)
}

/// The write that creates the pending intent of `record` (committed with it).
pub fn pending(record: &Message, send: IntentSend, now: DateTime<Utc>) -> Write {
    Write::ReplyIntent {
        intent: Box::new(ReplyIntent::pending(record.clone(), send, now)),
        expect: None,
    }
}

/// Whether an outbound entry may still have an unsettled intent: written as sent without
/// a provider id, or failed (erasure removes the intent with it).
pub fn may_have_intent(m: &Message) -> bool {
    m.direction == crate::domain::Direction::Outbound
        && matches!(
            m.decision,
            Decision::Sent {
                provider_message_id: None
            } | Decision::Failed { .. }
        )
}

#[cfg(test)]
#[path = "reply_intents_tests.rs"]
mod tests;
