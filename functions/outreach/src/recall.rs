//! The recall job (`Sweep::Recall`): a patient's recall series (planned by a patient
//! write that sets or changes `recall_due`, see [`frontdesk::recall::plan`]) sends each
//! invitation through the shared delivery path as a **care** message, and plans the next.
//!
//! Why care: a recall is the practice asking a patient to come back for the checkup their
//! treatment plan calls for (in dentistry, the hygiene recall), the same kind of message as
//! an appointment reminder, not a promotion; so it follows the care consent the patient
//! gave for reminders, and a patient who prefers a call gets a (low-priority) call task.
//! Practices that disagree turn it off with `recall_max_invitations: 0`.
//!
//! A patient with a future appointment is not invited, and the series ends: booking stops
//! it (checked when each invitation comes due: one Query of the patient's appointments).
//! Each invitation is sent once (`recall:<patient>:<due>:<n>`, see [`crate::once`]).

use async_trait::async_trait;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use frontdesk::deliver::{Content, Delivery, Outbound};
use frontdesk::domain::MessageKind;
use frontdesk::domain::{
    AppointmentStatus, DueKind, DueWork, Patient, PracticeSettings, Priority, Purpose, Sweep,
};
use frontdesk::policy::{route, Route};
use frontdesk::ports::{Store, Write};
use frontdesk::recall::{claim_key, next_at, RecallRules};
use frontdesk::sweep::{self, Claimed, DueHandler, Handled};

use crate::once::{claim_then_deliver, end, Occasion};

frontdesk::sweep_job!(
    /// The recall job: one run's dependencies.
    Recall,
    Sweep::Recall
);

/// How long an invitation's claim is kept (from the send).
const CLAIM_KEPT: Duration = Duration::days(400);

/// What a claimed invitation becomes (pure).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Nothing sent, the series over (or replaced): the item is finished.
    End(&'static str),
    /// Quiet hours on the patient's clock: give it back for `until`.
    Defer(DateTime<Utc>),
    /// Claim it and deliver; then invitation `next` (if any) at its time.
    Invite,
}

pub fn step(
    settings: &PracticeSettings,
    patient: &Patient,
    due: NaiveDate,
    n: u32,
    has_future_appointment: bool,
    now: DateTime<Utc>,
) -> Step {
    if patient.recall_due != Some(due) {
        return Step::End("recall_replaced");
    }
    if n >= settings.recall_max_invitations {
        return Step::End("recall_series_over");
    }
    if has_future_appointment {
        return Step::End("recall_booked");
    }
    match route(patient, settings, MessageKind::Care, now, None) {
        Route::Defer { until, .. } => Step::Defer(until),
        _ => Step::Invite,
    }
}

/// The invitation on every channel.
pub fn content(settings: &PracticeSettings, patient: &Patient) -> Content {
    let practice = &settings.name;
    let first = &patient.first_name;
    let call = settings
        .callback_phone
        .as_ref()
        .or(settings.sms_number.as_ref())
        .map(|n| format!(" Call us at {n} or reply to book."))
        .unwrap_or_else(|| " Reply to book.".into());
    let text = format!("Hi {first}, it's time for your checkup at {practice}.{call}");
    Content {
        sms: text.clone(),
        email_subject: format!("Time for your checkup at {practice}"),
        email_text: text,
        call_script: format!(
            "Invite the patient to book their recall visit (checkup) at {practice}."
        ),
        voicemail_script: None,
        task_title: "Recall: invite the patient to book a checkup".into(),
    }
}

/// The report's label for a delivery.
pub fn label(delivery: &Delivery) -> &'static str {
    match delivery {
        Delivery::Sent { .. } => "recall_sent",
        Delivery::Deferred { .. } => "recall_deferred",
        Delivery::Task { .. } => "recall_staff_task",
        Delivery::Suppressed { .. } => "recall_suppressed",
        Delivery::Rejected { .. } => "recall_rejected",
        Delivery::Unavailable { .. } => "recall_unavailable",
    }
}

/// Whether the patient has an appointment from now on that is not cancelled (a released
/// slot is cancelled too).
async fn has_future_appointment(
    store: &dyn Store,
    claimed: &DueWork,
    now: DateTime<Utc>,
) -> frontdesk::Result<bool> {
    let upcoming = store
        .appointments_for_patient(&claimed.practice_id, &claimed.patient_id, now, 10)
        .await?;
    Ok(upcoming
        .iter()
        .any(|a| a.status != AppointmentStatus::Cancelled))
}

#[async_trait]
impl DueHandler for Recall {
    async fn handle(&self, item: Claimed) -> frontdesk::Result<Handled> {
        let (claimed, snapshot, now) = item.into_parts();
        let store = self.deps.store.as_ref();
        let DueKind::Recall { due, invitation } = claimed.kind else {
            return end(store, vec![sweep::done(&claimed)], "not_recall_work").await;
        };
        let (Some(practice), Some(patient)) =
            (snapshot.practice.as_ref(), snapshot.patient.as_ref())
        else {
            return end(store, vec![sweep::done(&claimed)], "recall_patient_gone").await;
        };
        let settings = &practice.settings;
        let booked = has_future_appointment(store, &claimed, now).await?;
        match step(settings, patient, due, invitation, booked, now) {
            Step::End(label) => end(store, vec![sweep::done(&claimed)], label).await,
            Step::Defer(until) => {
                store.write(vec![sweep::release(&claimed, until)]).await?;
                Ok(Handled::Released("recall_deferred"))
            }
            Step::Invite => {
                let tz = patient.zone(settings.time_zone);
                let rules = RecallRules::of(settings);
                let next = match next_at(due, invitation + 1, rules, tz, now) {
                    Some(at) => Write::ReleaseDue {
                        claimed: Box::new(claimed.clone()),
                        next: Box::new(DueWork::recall(
                            claimed.practice_id.clone(),
                            claimed.patient_id.clone(),
                            due,
                            invitation + 1,
                            at,
                        )),
                    },
                    None => sweep::done(&claimed),
                };
                let outbound = Outbound {
                    practice,
                    patient,
                    kind: MessageKind::Care,
                    purpose: Purpose::Recall,
                    appointment_id: None,
                    not_after: None,
                    content: content(settings, patient),
                    task_priority: Priority::Low,
                    task_due: now,
                };
                let occasion = Occasion {
                    key: claim_key(&patient.patient_id, due, invitation),
                    kept: CLAIM_KEPT,
                    next,
                    label,
                    already: "recall_already_sent",
                };
                claim_then_deliver(&self.deps, &claimed, outbound, occasion, now).await
            }
        }
    }
}

#[cfg(test)]
#[path = "recall_tests.rs"]
mod tests;
