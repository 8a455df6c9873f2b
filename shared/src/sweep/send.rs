//! Automated messages about a claimed appointment, the same way for every job: the
//! timeline entry of a message not sent ([`entry`]), and a delivery on the patient's
//! preferred channel settled with the claim in one transaction ([`send`]).

use chrono::{DateTime, Utc};

use crate::deliver::{deliver, Content, Delivery, Outbound, Senders};
use crate::domain::{
    Appointment, Channel, Decision, Direction, DueWork, Message, MessageId, MessageKind, Patient,
    Priority, Purpose,
};
use crate::ports::{Store, Write};
use crate::{Error, Result};

use super::{commit, settle, Handled, OnUnavailable, SentRecord, Snapshot};

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
    Write::Message(Box::new(Message {
        practice_id: patient.practice_id.clone(),
        patient_id: Some(patient.patient_id.clone()),
        unknown_sender: None,
        message_id: MessageId::generate(),
        at: now,
        channel,
        direction: Direction::Outbound,
        purpose,
        body,
        decision,
        appointment_id: Some(appointment.appointment_id.clone()),
        actor: None,
    }))
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

/// Delivers `message` to the snapshot's patient and settles the claim with its record.
pub async fn send(
    store: &dyn Store,
    senders: &Senders,
    claimed: &DueWork,
    snapshot: &Snapshot,
    message: Automated,
    now: DateTime<Utc>,
    how: Settling<'_>,
) -> Result<Handled> {
    let (practice, patient, appointment) = snapshot
        .complete()
        .ok_or_else(|| Error::Storage("claimed work lost its records meanwhile".into()))?;
    let delivered = deliver(
        senders,
        Outbound {
            practice,
            patient,
            kind: message.kind,
            purpose: message.purpose,
            appointment_id: Some(&appointment.appointment_id),
            not_after: message.not_after,
            content: message.content,
            task_priority: message.task_priority,
            task_due: now,
        },
        now,
    )
    .await;
    let label = (how.label)(&delivered.delivery);
    let settled = settle(claimed, delivered, label, now, how.on_unavailable)?;
    commit(store, claimed, settled, how.extra).await
}
