//! The job on the shared engine: an EventBridge scheduled event in, the sweep report out.
//! "Now" is the event's `time`, so any moment can be replayed.
//!
//! Exactly once per visit: the engine claims each item before it is handled, and every
//! outcome finishes or releases that claim in the same transaction as its records. The
//! review cap spans visits: a send sets `patient.last_review_request_at` in the same
//! transaction as the send record (conditional on the patient's version, renewed on the
//! re-read patient after a lost condition). Within one run the engine hands a patient's
//! visits over one after another, each on records read after the previous one was
//! written, so a second visit sees the first request and is capped.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use frontdesk::deliver::Delivery;
use frontdesk::domain::{
    Channel, Decision, DueWork, MessageKind, Patient, Priority, Purpose, Sweep, Task, TaskId,
    TaskKind,
};
use frontdesk::ports::{Expect, Key, Store, Write};
use frontdesk::sweep::{self, done, release, Automated, Claimed, Decided, DueHandler, Handled};
use frontdesk::sweep::{OnUnavailable, Plan, SentRecord, Settling, Snapshot};

use crate::request::{self, labels, verdict, Verdict};

frontdesk::sweep_job!(
    /// The review-requests job.
    ReviewRequests,
    Sweep::Reviews
);

#[async_trait]
impl DueHandler for ReviewRequests {
    async fn handle(&self, item: Claimed) -> frontdesk::Result<Handled> {
        let (claimed, snapshot, now) = item.into_parts();
        let store = self.deps.store.as_ref();
        match sweep::write_decided(store, &claimed, snapshot, |s| plan(&claimed, s, now)).await? {
            Decided::Written(handled) => Ok(handled),
            Decided::Act(Deliver, snapshot) => self.deliver(&claimed, &snapshot, now).await,
        }
    }
}

/// The one action a verdict can ask for: deliver the request.
struct Deliver;

/// The verdict as writes, or the delivery. Pure.
fn plan(
    claimed: &DueWork,
    snapshot: &Snapshot,
    now: DateTime<Utc>,
) -> frontdesk::Result<Plan<Deliver>> {
    Ok(match verdict(claimed, snapshot, now) {
        Verdict::Deliver => Plan::Act(Deliver),
        Verdict::VoiceNote => voice_note(claimed, snapshot, now)?,
        Verdict::Stale => Plan::finish(claimed, labels::STALE),
        Verdict::Suppress { label, reason } => Plan::Write {
            writes: timeline_then(
                snapshot,
                Decision::Suppressed { reason },
                now,
                done(claimed),
            ),
            handled: Handled::Done(label),
        },
        Verdict::Wait { until } => Plan::Write {
            writes: timeline_then(
                snapshot,
                Decision::Deferred { until },
                now,
                release(claimed, until),
            ),
            handled: Handled::Released(labels::WAITING),
        },
    })
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

impl ReviewRequests {
    /// Sends (or turns into the policy's staff task) and records it, the patient stamped
    /// for the cap in the same transaction: never sent twice by one claim.
    async fn deliver(
        &self,
        claimed: &DueWork,
        snapshot: &Snapshot,
        now: DateTime<Utc>,
    ) -> frontdesk::Result<Handled> {
        let (practice, patient, _) = snapshot
            .complete()
            .ok_or_else(|| frontdesk::Error::Storage("review request lost its records".into()))?;
        let message = Automated {
            kind: MessageKind::Reviews,
            purpose: Purpose::ReviewRequest,
            content: request::content(practice, patient)?,
            not_after: None,
            task_priority: Priority::Low,
        };
        let mut stamp = Stamp {
            patient: patient.clone(),
            now,
        };
        let how = Settling {
            label: &Delivery::label,
            on_unavailable: OnUnavailable::Fail,
            extra: &mut stamp,
        };
        sweep::send(&self.deps, claimed, snapshot, message, now, how).await
    }
}

/// The patient stamped with the request, renewed on the re-read patient after a lost
/// condition (the patient changed meanwhile: the change is kept).
struct Stamp {
    patient: Patient,
    now: DateTime<Utc>,
}

#[async_trait]
impl SentRecord for Stamp {
    fn writes(&self) -> Vec<Write> {
        vec![stamped(&self.patient, self.now)]
    }

    async fn refresh(&mut self, store: &dyn Store) -> frontdesk::Result<bool> {
        tracing::info!(
            practice_id = %self.patient.practice_id,
            "review send record lost its patient condition; re-reading"
        );
        let id = self.patient.patient_id.clone();
        let fetched = store
            .get_many(&self.patient.practice_id, &[Key::Patient(id.clone())])
            .await?;
        match fetched.patient(&id) {
            Some(p) => {
                self.patient = p.clone();
                Ok(true)
            }
            None => Ok(false),
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
        sweep::entry(
            patient,
            appointment,
            channel,
            Purpose::ReviewRequest,
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
) -> frontdesk::Result<Plan<Deliver>> {
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
    Ok(Plan::Write {
        writes: vec![
            stamped(patient, now),
            Write::Task(Box::new(task)),
            sweep::entry(
                patient,
                appointment,
                Channel::Voice,
                Purpose::ReviewRequest,
                script,
                decision,
                now,
            ),
            done(claimed),
        ],
        handled: Handled::Done(labels::VOICE_NOTE),
    })
}

#[cfg(test)]
#[path = "handler_tests.rs"]
mod tests;
