//! Automated messages about a claimed appointment, the same way for every job: the
//! timeline entry of a message not sent ([`entry`]), and a delivery on the patient's
//! preferred channel settled with the claim in one transaction ([`send`]).

use chrono::{DateTime, Utc};

use crate::deliver::{deliver, missed_after_failures, Content, Delivery, Outbound};
use crate::domain::{
    Appointment, Channel, Decision, Direction, DueWork, Message, MessageKind, Patient, Priority,
    Purpose,
};
use crate::ports::{Store, Write};
use crate::{Error, Result};

use super::{commit, settle, Deps, Handled, Lane, OnUnavailable, SentRecord, Snapshot};

/// An automated outbound entry on the patient's timeline about `appointment`.
pub fn entry(
    patient: &Patient,
    appointment: &Appointment,
    channel: Channel,
    purpose: Purpose,
    body: String,
    decision: Decision,
    now: DateTime<Utc>,
) -> Write {
    Write::Message(Box::new(
        Message::new(
            patient.practice_id.clone(),
            now,
            channel,
            Direction::Outbound,
            purpose,
            body,
            decision,
        )
        .for_patient(&patient.patient_id)
        .on_appointment(&appointment.appointment_id),
    ))
}

/// What a job sends about the claimed appointment.
pub struct Automated {
    pub kind: MessageKind,
    pub purpose: Purpose,
    pub content: Content,
    /// The latest useful moment; later, it is suppressed.
    pub not_after: Option<DateTime<Utc>>,
    /// The priority of the staff task, when the policy makes it one.
    pub task_priority: Priority,
}

/// How a job reports and retries one send.
pub struct Settling<'a> {
    /// The report's label for the outcome.
    pub label: &'a (dyn Fn(&Delivery) -> &'static str + Sync),
    pub on_unavailable: OnUnavailable,
    /// Writes the job adds to a send's record (a stamp for its cap).
    pub extra: &'a mut dyn SentRecord,
}

/// Delivers `message` to the snapshot's patient, once the governor lets a bulk send on
/// the patient's channel through, and settles the claim with its record.
pub async fn send(
    deps: &Deps,
    claimed: &DueWork,
    snapshot: &Snapshot,
    message: Automated,
    now: DateTime<Utc>,
    how: Settling<'_>,
) -> Result<Handled> {
    let (practice, patient, appointment) = snapshot
        .complete()
        .ok_or_else(|| Error::Storage("claimed work lost its records meanwhile".into()))?;
    let store = deps.store.as_ref();
    // Waiting here is never a failed attempt: throttling never becomes a staff task.
    let _permit = deps
        .governor
        .acquire(practice, patient.preferred_channel, Lane::Bulk)
        .await;
    // An earlier claim of this work did not finish (attempts counts this one) and the
    // message is now too late: staff are told rather than it being dropped as late.
    let missed = claimed.attempts > 1 && message.not_after.is_some_and(|d| now > d);
    let out = Outbound {
        practice,
        patient,
        kind: message.kind,
        purpose: message.purpose,
        appointment_id: Some(&appointment.appointment_id),
        not_after: message.not_after,
        content: message.content,
        task_priority: message.task_priority,
        task_due: now,
    };
    let delivered = if missed {
        missed_after_failures(out, now)
    } else {
        deliver(&deps.senders, out, now).await
    };
    let label = (how.label)(&delivered.delivery);
    let sent = matches!(delivered.delivery, Delivery::Sent { .. });
    let settled = settle(claimed, delivered, label, now, how.on_unavailable)?;
    let handled = commit(store, claimed, settled, how.extra).await?;
    if sent {
        trim_history(store, patient, now).await;
    }
    Ok(handled)
}

/// Trims the patient's send history once enough of it can no longer count toward a cap
/// (`policy::caps::history_to_keep`): one more write, now and then, never a failure. The
/// send just noted bumped the version by one.
async fn trim_history(store: &dyn Store, patient: &Patient, now: DateTime<Utc>) {
    let mut history = patient.recent_automated.clone();
    history.push(now);
    let Some(keep) = crate::policy::caps::history_to_keep(&history, now) else {
        return;
    };
    let trim = Write::TrimAutomatedSends {
        practice_id: patient.practice_id.clone(),
        patient_id: patient.patient_id.clone(),
        phone: patient.phone.clone(),
        seen_version: patient.version + 1,
        keep,
    };
    if let Err(e) = store.write(vec![trim]).await {
        tracing::warn!(practice_id = %patient.practice_id, error = %e, "send history not trimmed; the next send tries again");
    }
}
