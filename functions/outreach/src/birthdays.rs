//! The birthdays job (`Sweep::Birthdays`): each patient with a birth date has one due
//! item (planned by every patient write, see [`frontdesk::birthdays::plan`]); when it
//! comes due the greeting goes through the shared delivery path as a **marketing**
//! message: marketing consent only, the patient's preferred channel, quiet hours, caps,
//! channel health.
//!
//! Once a year, whatever overlaps: the year's claim (`birthday:<patient>:<year>`) is
//! taken in the same transaction that moves the item on to next year's greeting, before
//! anything is sent (see [`crate::once`]).
//!
//! Patients who prefer a call get no call task unless the practice asks for them
//! (`birthday_call_tasks`): a greeting is not worth a staff call by default; the skip is
//! on the timeline.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use frontdesk::birthdays::{claim_key, next_send, not_after, year_of};
use frontdesk::deliver::{Content, Delivery, Outbound};
use frontdesk::domain::{
    Channel, Decision, Direction, DueWork, Message, MessageKind, Patient, Practice,
    PracticeSettings, Priority, Purpose, Sweep,
};
use frontdesk::policy::{route, Route, StaffTaskReason};
use frontdesk::ports::Write;
use frontdesk::sweep::{self, Claimed, DueHandler, Handled};

use crate::once::{claim_then_deliver, end, Occasion};

frontdesk::sweep_job!(
    /// The birthdays job: one run's dependencies.
    Birthdays,
    Sweep::Birthdays
);

/// How long a year's claim is kept (from the send): past the next greeting's item, so it
/// never lapses while it can still matter.
const CLAIM_KEPT: Duration = Duration::days(400);

/// What a claimed greeting becomes (pure).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Move on to next year without sending: greetings off, or a call the practice does
    /// not want (recorded on the timeline).
    Skip(&'static str),
    /// Quiet hours on the patient's clock: give it back for `until`.
    Defer(DateTime<Utc>),
    /// Claim the year and deliver (the delivery path records a suppression itself).
    Greet,
}

pub fn step(
    settings: &PracticeSettings,
    patient: &Patient,
    greeting: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Step {
    if !settings.birthday_greetings {
        return Step::Skip("birthday_off");
    }
    let tz = patient.zone(settings.time_zone);
    match route(
        patient,
        settings,
        MessageKind::Marketing,
        now,
        Some(not_after(greeting, tz)),
    ) {
        Route::Defer { until, .. } => Step::Defer(until),
        Route::StaffTask {
            reason: StaffTaskReason::CallPatient,
        } if !settings.birthday_call_tasks => Step::Skip("birthday_no_call"),
        _ => Step::Greet,
    }
}

/// The greeting on every channel (the practice's offer appended when it has one).
pub fn content(settings: &PracticeSettings, patient: &Patient) -> Content {
    let practice = &settings.name;
    let first = &patient.first_name;
    let offer = settings
        .birthday_offer
        .as_deref()
        .map(|o| format!(" {}", o.trim()))
        .unwrap_or_default();
    let text = format!(
        "Happy birthday, {first}! Everyone at {practice} wishes you a wonderful day.{offer}"
    );
    Content {
        sms: format!("{text} Reply STOP to opt out."),
        email_subject: format!("Happy birthday from {practice}"),
        email_text: text,
        call_script: format!("Wish the patient a happy birthday from {practice}.{offer}"),
        voicemail_script: None,
        task_title: "Birthday: wish the patient a happy birthday".into(),
    }
}

/// The report's label for a delivery.
pub fn label(delivery: &Delivery) -> &'static str {
    match delivery {
        Delivery::Sent { .. } => "birthday_sent",
        Delivery::Deferred { .. } => "birthday_deferred",
        Delivery::Task { .. } => "birthday_staff_task",
        Delivery::Suppressed { .. } => "birthday_suppressed",
        Delivery::Rejected { .. } => "birthday_rejected",
        Delivery::Unavailable { .. } => "birthday_unavailable",
    }
}

/// The claimed item moved on to next year's greeting (only while the claim is ours).
fn advance(claimed: &DueWork, patient: &Patient, settings: &PracticeSettings) -> Write {
    let tz = patient.zone(settings.time_zone);
    let after = not_after(claimed.planned_for, tz);
    match patient.birth_date.and_then(|b| next_send(b, tz, after)) {
        Some(at) => Write::ReleaseDue {
            claimed: Box::new(claimed.clone()),
            next: Box::new(DueWork::birthday(
                claimed.practice_id.clone(),
                claimed.patient_id.clone(),
                at,
                at,
            )),
        },
        None => sweep::done(claimed),
    }
}

/// The timeline's record of a greeting skipped because the patient prefers a call.
fn no_call_entry(patient: &Patient, now: DateTime<Utc>) -> Write {
    let reason = "birthday greeting: the patient prefers a call, and the practice does not \
                  call for birthdays (birthday_call_tasks)";
    Write::Message(Box::new(
        Message::new(
            patient.practice_id.clone(),
            now,
            Channel::Voice,
            Direction::Outbound,
            Purpose::Birthday,
            String::new(),
            Decision::Suppressed {
                reason: reason.into(),
            },
        )
        .for_patient(&patient.patient_id),
    ))
}

#[async_trait]
impl DueHandler for Birthdays {
    async fn handle(&self, item: Claimed) -> frontdesk::Result<Handled> {
        let (claimed, snapshot, now) = item.into_parts();
        let store = self.deps.store.as_ref();
        let (Some(practice), Some(patient)) =
            (snapshot.practice.as_ref(), snapshot.patient.as_ref())
        else {
            return end(store, vec![sweep::done(&claimed)], "birthday_patient_gone").await;
        };
        if patient.birth_date.is_none() {
            return end(store, vec![sweep::done(&claimed)], "birthday_no_birth_date").await;
        }
        let settings = &practice.settings;
        let next = advance(&claimed, patient, settings);
        match step(settings, patient, claimed.planned_for, now) {
            Step::Skip(label) => {
                let mut writes = vec![next];
                if label == "birthday_no_call" {
                    writes.push(no_call_entry(patient, now));
                }
                end(store, writes, label).await
            }
            Step::Defer(until) => {
                store.write(vec![sweep::release(&claimed, until)]).await?;
                Ok(Handled::Released("birthday_deferred"))
            }
            Step::Greet => greet(self, &claimed, practice, patient, next, now).await,
        }
    }
}

/// Claims the year with the item moved on, then delivers and records the delivery.
async fn greet(
    job: &Birthdays,
    claimed: &DueWork,
    practice: &Practice,
    patient: &Patient,
    next: Write,
    now: DateTime<Utc>,
) -> frontdesk::Result<Handled> {
    let settings = &practice.settings;
    let tz = patient.zone(settings.time_zone);
    let outbound = Outbound {
        practice,
        patient,
        kind: MessageKind::Marketing,
        purpose: Purpose::Birthday,
        appointment_id: None,
        not_after: Some(not_after(claimed.planned_for, tz)),
        content: content(settings, patient),
        task_priority: Priority::Low,
        task_due: now,
    };
    let occasion = Occasion {
        key: claim_key(&patient.patient_id, year_of(claimed.planned_for, tz)),
        kept: CLAIM_KEPT,
        next,
        label,
        already: "birthday_already_sent",
    };
    claim_then_deliver(&job.deps, claimed, outbound, occasion, now).await
}

#[cfg(test)]
#[path = "birthdays_tests.rs"]
mod tests;
