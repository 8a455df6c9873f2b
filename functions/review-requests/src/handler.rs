//! The Lambda handler: an EventBridge scheduled event in, the sweep report out. "Now" is
//! the event's `time`, so any moment can be replayed.
//!
//! Exactly once per visit: the sweep engine claims each item before it is handled, and
//! every outcome finishes or releases that claim in the same transaction as its records.
//! The review cap spans visits: a send sets `patient.last_review_request_at` in the same
//! transaction as the send record (conditional on the patient's version). Within one run,
//! a second visit of a patient already handled is given back for the next run, which reads
//! the patient afresh (the batch read at the start of a chunk would not show the first).

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use frontdesk::deliver::{deliver, Delivery, Outbound, Senders};
use frontdesk::domain::{
    Appointment, AppointmentId, Channel, Decision, Direction, DueKind, DueWork, Message, MessageId,
    MessageKind, Patient, PatientId, Practice, PracticeId, Priority, Purpose, Sweep, Task, TaskId,
    TaskKind,
};
use frontdesk::ports::{Expect, Key, Store, Write};
use frontdesk::sweep::{self, Batch, Deps, DueHandler, Handled, SweepError, SweepReport};
use lambda_runtime::{Diagnostic, LambdaEvent};

use crate::request::{self, labels, verdict, Verdict};
use frontdesk::sweep::Snapshot;

/// Tries of one transaction when a conditional write lost (the patient changed meanwhile).
const TRIES: usize = 3;

/// How long a visit waits when another visit of the same patient was handled in this run.
const BUSY_RETRY: Duration = Duration::minutes(1);

pub async fn handle(
    deps: &Deps,
    event: LambdaEvent<serde_json::Value>,
) -> Result<serde_json::Value, Diagnostic> {
    sweep::handle_event(Sweep::Reviews, event, |now| run(deps, now)).await
}

/// Runs the review-requests sweep at `now`. Partial failures are in the report (and
/// logged); `Err` only when work was found and none of it succeeded.
pub async fn run(deps: &Deps, now: DateTime<Utc>) -> Result<SweepReport, SweepError> {
    let handler = ReviewHandler {
        store: deps.store.as_ref(),
        senders: &deps.senders,
        handled_patients: Mutex::new(HashMap::new()),
    };
    sweep::run_logged(deps, Sweep::Reviews, now, &handler).await
}

/// The writes of one outcome, and how it ended.
struct Record {
    writes: Vec<Write>,
    handled: Handled,
}

struct ReviewHandler<'a> {
    store: &'a dyn Store,
    senders: &'a Senders,
    /// Patients this run has already asked (or is asking), with the visit it was for.
    handled_patients: Mutex<HashMap<(PracticeId, PatientId), AppointmentId>>,
}

#[async_trait]
impl DueHandler for ReviewHandler<'_> {
    async fn handle(
        &self,
        claimed: DueWork,
        batch: &Batch,
        now: DateTime<Utc>,
    ) -> frontdesk::Result<Handled> {
        let handled = match claimed.kind {
            DueKind::ReviewRequest => {
                self.review(&claimed, Snapshot::from_batch(batch, &claimed), now)
                    .await
            }
            DueKind::Reminder { .. }
            | DueKind::ConfirmationDeadline
            | DueKind::NoShowCheck
            | DueKind::NoShowFollowUp => Err(frontdesk::Error::Invalid {
                field: "kind",
                reason: format!(
                    "{} is not review work; it belongs to the {} sweep",
                    claimed.kind.label(),
                    claimed.kind.sweep().as_str()
                ),
            }),
        };
        match &handled {
            Ok(Handled::Done(label) | Handled::Released(label)) => tracing::info!(
                practice_id = %claimed.practice_id,
                appointment_id = %claimed.appointment_id,
                outcome = *label,
                "review request handled"
            ),
            Err(e) => tracing::warn!(
                practice_id = %claimed.practice_id,
                appointment_id = %claimed.appointment_id,
                error = %e,
                "review request failed; it comes back after its lease"
            ),
        }
        handled
    }
}

fn done(claimed: &DueWork) -> Write {
    Write::DoneDue {
        claimed: Box::new(claimed.clone()),
    }
}

/// Gives the claim back for `at`, without counting this claim as a failed attempt.
fn release(claimed: &DueWork, at: DateTime<Utc>) -> Write {
    Write::ReleaseDue {
        claimed: Box::new(claimed.clone()),
        next: Box::new(DueWork {
            due_at: at,
            attempts: claimed.attempts.saturating_sub(1),
            ..claimed.clone()
        }),
    }
}

/// The patient with `last_review_request_at` set, conditional on the version read.
fn stamped(patient: &Patient, now: DateTime<Utc>) -> Write {
    let mut p = patient.clone();
    p.last_review_request_at = Some(now);
    p.updated_at = now;
    p.version = patient.version + 1;
    Write::Patient {
        patient: Box::new(p),
        expect: Expect::Version(patient.version),
        previous_phone: None,
    }
}

fn entry(
    patient: &Patient,
    appointment: &Appointment,
    channel: Channel,
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
        purpose: Purpose::ReviewRequest,
        body,
        decision,
        appointment_id: Some(appointment.appointment_id.clone()),
        actor: None,
    }))
}

impl ReviewHandler<'_> {
    async fn review(
        &self,
        claimed: &DueWork,
        mut snapshot: Snapshot,
        now: DateTime<Utc>,
    ) -> frontdesk::Result<Handled> {
        let mut tries = 0;
        loop {
            tries += 1;
            let record = match verdict(claimed, &snapshot, now) {
                Verdict::Deliver | Verdict::VoiceNote if !self.reserve(claimed)? => Record {
                    writes: vec![release(claimed, now + BUSY_RETRY)],
                    handled: Handled::Released(labels::PATIENT_BUSY),
                },
                Verdict::Deliver => return self.deliver(claimed, &snapshot, now).await,
                Verdict::VoiceNote => voice_note(claimed, &snapshot, now)?,
                Verdict::Stale => Record {
                    writes: vec![done(claimed)],
                    handled: Handled::Done(labels::STALE),
                },
                Verdict::Suppress { label, reason } => Record {
                    writes: timeline_then(
                        &snapshot,
                        Decision::Suppressed { reason },
                        now,
                        done(claimed),
                    ),
                    handled: Handled::Done(label),
                },
                Verdict::Wait { until } => Record {
                    writes: timeline_then(
                        &snapshot,
                        Decision::Deferred { until },
                        now,
                        release(claimed, until),
                    ),
                    handled: Handled::Released(labels::WAITING),
                },
            };
            match self.store.write(record.writes).await {
                Ok(()) => return Ok(record.handled),
                Err(frontdesk::Error::Conflict) if tries < TRIES => {
                    snapshot = Snapshot::read(self.store, claimed).await?;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Marks the patient as handled by this run for this visit; false when another visit
    /// of the same patient got there first.
    fn reserve(&self, claimed: &DueWork) -> frontdesk::Result<bool> {
        let mut handled = self
            .handled_patients
            .lock()
            .map_err(|_| frontdesk::Error::Storage("review guard poisoned".into()))?;
        let visit = handled
            .entry((claimed.practice_id.clone(), claimed.patient_id.clone()))
            .or_insert_with(|| claimed.appointment_id.clone());
        Ok(*visit == claimed.appointment_id)
    }

    /// Sends (or turns into the policy's staff task) and records it. After a send, a lost
    /// condition on the patient is retried on the re-read patient: the message is never
    /// sent twice by one claim.
    async fn deliver(
        &self,
        claimed: &DueWork,
        snapshot: &Snapshot,
        now: DateTime<Utc>,
    ) -> frontdesk::Result<Handled> {
        let (practice, patient, appointment) = snapshot
            .complete()
            .ok_or_else(|| frontdesk::Error::Storage("review request lost its records".into()))?;
        let content = request::content(practice, patient)?;
        let delivered = deliver(
            self.senders,
            Outbound {
                practice,
                patient,
                kind: MessageKind::Reviews,
                purpose: Purpose::ReviewRequest,
                appointment_id: Some(&appointment.appointment_id),
                not_after: None,
                content,
                task_priority: Priority::Low,
                task_due: now,
            },
            now,
        )
        .await;
        let label = delivered.delivery.label();
        let mut writes = delivered.writes;
        match delivered.delivery {
            Delivery::Unavailable { reason } => Err(frontdesk::Error::SendUnavailable(reason)),
            Delivery::Deferred { until } => {
                writes.push(release(claimed, until.max(now)));
                self.store.write(writes).await?;
                Ok(Handled::Released(label))
            }
            Delivery::Task { .. } | Delivery::Suppressed { .. } | Delivery::Rejected { .. } => {
                writes.push(done(claimed));
                self.store.write(writes).await?;
                Ok(Handled::Done(label))
            }
            Delivery::Sent { .. } => {
                writes.push(done(claimed));
                self.record_sent(claimed, practice, patient.clone(), writes, now)
                    .await?;
                Ok(Handled::Done(label))
            }
        }
    }

    async fn record_sent(
        &self,
        claimed: &DueWork,
        practice: &Practice,
        mut patient: Patient,
        writes: Vec<Write>,
        now: DateTime<Utc>,
    ) -> frontdesk::Result<()> {
        let mut tries = 0;
        loop {
            tries += 1;
            let mut all = vec![stamped(&patient, now)];
            all.extend(writes.iter().cloned());
            match self.store.write(all).await {
                Ok(()) => return Ok(()),
                Err(frontdesk::Error::Conflict) if tries < TRIES => {
                    tracing::info!(
                        practice_id = %claimed.practice_id,
                        appointment_id = %claimed.appointment_id,
                        "review send record lost its patient condition; re-reading"
                    );
                    let id = patient.patient_id.clone();
                    let fetched = self
                        .store
                        .get_many(&practice.practice_id, &[Key::Patient(id.clone())])
                        .await?;
                    patient = fetched
                        .patient(&id)
                        .cloned()
                        .ok_or(frontdesk::Error::Conflict)?;
                }
                Err(e) => return Err(e),
            }
        }
    }
}

/// A timeline entry on the patient's channel, then `last`; just `last` without a patient.
fn timeline_then(
    snapshot: &Snapshot,
    decision: Decision,
    now: DateTime<Utc>,
    last: Write,
) -> Vec<Write> {
    let (Some(practice), Some(patient), Some(appointment)) = (
        snapshot.practice.as_ref(),
        snapshot.patient.as_ref(),
        snapshot.appointment.as_ref(),
    ) else {
        return vec![last];
    };
    let content = request::content(practice, patient).ok();
    let channel = patient.preferred_channel;
    vec![
        entry(
            patient,
            appointment,
            channel,
            request::body_for(content.as_ref(), channel),
            decision,
            now,
        ),
        last,
    ]
}

/// A voice patient: no automated request, a low-priority note for the next staff call,
/// counted for the cap in the same transaction.
fn voice_note(
    claimed: &DueWork,
    snapshot: &Snapshot,
    now: DateTime<Utc>,
) -> frontdesk::Result<Record> {
    let (practice, patient, appointment) = snapshot
        .complete()
        .ok_or_else(|| frontdesk::Error::Storage("review request lost its records".into()))?;
    let script = request::call_script(&practice.settings);
    let task = Task {
        script: Some(script.clone()),
        patient_id: Some(patient.patient_id.clone()),
        appointment_id: Some(appointment.appointment_id.clone()),
        ..Task::open(
            practice.practice_id.clone(),
            TaskId::generate(),
            TaskKind::CallPatient,
            Priority::Low,
            "Next call with this patient: you could ask for a review (no separate call needed)",
            "The patient prefers phone calls, so no review request was sent \
                 automatically. Do not call just for this: if it feels natural at the end of \
                 your next call with them, thank them for their visit and mention the review \
                 link and the private way to tell us what could be better. Resolve this note \
                 once mentioned, or when it no longer applies.",
            now,
        )
    };
    let decision = Decision::StaffTask {
        task_id: task.task_id.clone(),
        reason: "The patient prefers phone calls: nothing was sent; staff may mention the \
                 review link on their next call."
            .into(),
    };
    Ok(Record {
        writes: vec![
            stamped(patient, now),
            Write::Task(Box::new(task)),
            entry(patient, appointment, Channel::Voice, script, decision, now),
            done(claimed),
        ],
        handled: Handled::Done(labels::VOICE_NOTE),
    })
}

#[cfg(test)]
#[path = "handler_tests.rs"]
mod tests;
