//! The one claim rule for a freed slot, whatever the channel of the "yes": a text
//! (inbound-sms), an email (inbound-email) or a call staff took
//! (`POST /v1/waitlist/slots/{appointment_id}/claim`, the console's "Accepted by phone").
//!
//! - A patient's yes claims the soonest open slot among their live offers ([`choose`]);
//!   staff name the slot. Either way the claim is one write of the slot, conditioned on
//!   the version read ([`claim_writes`]): of two yeses at once, exactly one commits, and
//!   the other, deciding again on the fresh slot, finds it taken.
//! - The claim's batch also takes the patient off the waitlist, opens one high-priority
//!   task to book it in the PMS, and (derived from the slot write by
//!   `webhooks::with_events`) the `waitlist.slot_claimed` event.
//! - The patient is answered in the channel they used, in the same words ([`yours`],
//!   [`taken`]); a yes answers every offer the patient had, so later ones are dropped
//!   ([`answer_offers`]).
//!
//! Pure, except [`offered_slots`], the one read the inbound paths make.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::domain::{
    AppointmentId, Channel, FreedSlot, Patient, PatientId, PracticeId, PracticeSettings, Priority,
    SlotOffer, SlotState, Task, TaskId, TaskKind, WaitlistEntryId,
};
use crate::ports::{Expect, Item, Key, Store, Write};
use crate::time::staff_time;

/// Why a slot cannot be claimed (the API's 409 codes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Another patient claimed it first.
    Taken,
    /// Offering it was closed (nobody matched, or too close to the start).
    Closed,
    /// This patient was never offered the slot.
    NotOffered,
    /// It has started (or is about to): too late to claim.
    TooLate,
}

impl Refusal {
    /// The stable code of the refusal (`slot_taken`, `slot_closed`, ...).
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::Taken => "slot_taken",
            Refusal::Closed => "slot_closed",
            Refusal::NotOffered => "not_offered",
            Refusal::TooLate => "slot_started",
        }
    }

    /// What staff read.
    pub fn message(&self) -> &'static str {
        match self {
            Refusal::Taken => "another patient has already claimed this appointment",
            Refusal::Closed => "offering this appointment has been closed; book it in the PMS",
            Refusal::NotOffered => {
                "this patient was not offered this appointment; book it in the PMS instead"
            }
            Refusal::TooLate => "this appointment has already started",
        }
    }
}

/// Whether `patient_id` may claim `slot` at `now`, and for which waitlist entry: the slot
/// is open, has not started, and was offered to them (by any channel, a staff call task
/// too). A slot they claimed already answers `Ok(None)` (nothing to do again).
pub fn claimable(
    slot: &FreedSlot,
    patient_id: &PatientId,
    now: DateTime<Utc>,
) -> Result<Option<WaitlistEntryId>, Refusal> {
    match &slot.state {
        SlotState::Claimed { patient_id: p, .. } if p == patient_id => return Ok(None),
        SlotState::Claimed { .. } => return Err(Refusal::Taken),
        SlotState::Closed { .. } => return Err(Refusal::Closed),
        SlotState::Open => {}
    }
    if slot.starts_at <= now {
        return Err(Refusal::TooLate);
    }
    slot.offered
        .iter()
        .rev()
        .find(|o| &o.patient_id == patient_id)
        .map(|o| Some(o.entry_id.clone()))
        .ok_or(Refusal::NotOffered)
}

/// The slot a patient's "yes" claims: the soonest open one among their live offers (of the
/// `slots` read for them).
pub fn choose(
    patient: &Patient,
    slots: &[FreedSlot],
    now: DateTime<Utc>,
) -> Option<(SlotOffer, FreedSlot)> {
    patient
        .slot_offers
        .iter()
        .filter(|o| o.is_live(now))
        .filter_map(|o| {
            slots
                .iter()
                .find(|s| s.appointment_id == o.appointment_id && s.is_open())
                .map(|s| (o.clone(), s.clone()))
        })
        .min_by_key(|(_, s)| s.starts_at)
}

/// A yes answers every offer the patient had: the one `taken`, and any that can no longer
/// be taken (started, or no longer open). Offers of other open slots stay.
pub fn answer_offers(
    patient: &mut Patient,
    taken: Option<&AppointmentId>,
    slots: &[FreedSlot],
    now: DateTime<Utc>,
) {
    patient.slot_offers.retain(|o| {
        o.is_live(now)
            && Some(&o.appointment_id) != taken
            && slots
                .iter()
                .any(|s| s.appointment_id == o.appointment_id && s.is_open())
    });
}

/// The writes of `patient_id` claiming the open `slot` (as read) for waitlist entry
/// `entry_id` at `now`, by a "yes" on `via` (`Voice`: staff took it by phone): the claimed
/// slot, version-checked; the entry off the waitlist; and the task to book it in the PMS,
/// whose detail ends with `note` (e.g. how a shared phone's patient was picked). Add the
/// patient's own changes, the timeline and the reply to the same batch.
pub fn claim_writes(
    slot: &FreedSlot,
    patient_id: &PatientId,
    entry_id: &WaitlistEntryId,
    via: Channel,
    settings: &PracticeSettings,
    note: &str,
    now: DateTime<Utc>,
) -> Vec<Write> {
    let claimed = slot.next(now, |s| {
        s.state = SlotState::Claimed {
            patient_id: patient_id.clone(),
            entry_id: entry_id.clone(),
            at: now,
            via: Some(via),
        }
    });
    vec![
        Write::Slot {
            slot: Box::new(claimed),
            expect: Expect::Version(slot.version),
        },
        Write::RemoveWaitlistEntry {
            practice_id: slot.practice_id.clone(),
            entry_id: entry_id.clone(),
        },
        Write::Task(Box::new(booking_task(
            &slot.practice_id,
            slot,
            patient_id,
            via,
            settings,
            note,
            now,
        ))),
    ]
}

fn booking_task(
    practice_id: &PracticeId,
    slot: &FreedSlot,
    patient_id: &PatientId,
    via: Channel,
    settings: &PracticeSettings,
    note: &str,
    now: DateTime<Utc>,
) -> Task {
    let when = staff_time(slot.starts_at, settings.time_zone);
    let how = match via {
        Channel::Sms => "replied YES by text to",
        Channel::Email => "replied yes by email to",
        Channel::Voice => "accepted by phone (taken by staff)",
    };
    Task {
        patient_id: Some(patient_id.clone()),
        appointment_id: Some(slot.appointment_id.clone()),
        ..Task::open(
            practice_id.clone(),
            TaskId::generate(),
            TaskKind::WaitlistBooking,
            Priority::High,
            "Waitlist: book the patient into the freed appointment",
            format!(
                "The patient {how} the freed appointment on {when} (practice time) and was \
                 told it is theirs. Book it for them in the PMS now; they are off the \
                 waitlist.{note}"
            ),
            now,
        )
    }
}

/// The answer to the yes that claimed `slot`, on the patient's clock `zone`.
pub fn yours(settings: &PracticeSettings, slot: &FreedSlot, zone: Tz) -> String {
    let name = settings.name.trim();
    let when = staff_time(slot.starts_at, zone);
    format!(
        "{name}: it's yours! The appointment on {when} is held for you, and the office will \
         confirm it shortly."
    )
}

/// The kind answer to a yes that came too late.
pub fn taken(settings: &PracticeSettings) -> String {
    let name = settings.name.trim();
    format!(
        "{name}: thank you for answering so quickly. I'm sorry, that appointment has just been \
         taken by another patient. You are still on our waitlist, and we will tell you when \
         another one opens up."
    )
}

/// The freed slots of the patient's offers (one read; slots gone are left out).
pub async fn offered_slots(
    store: &dyn Store,
    practice_id: &PracticeId,
    patient: &Patient,
) -> crate::Result<Vec<FreedSlot>> {
    let keys: Vec<Key> = patient
        .slot_offers
        .iter()
        .map(|o| Key::Slot(o.appointment_id.clone()))
        .collect();
    if keys.is_empty() {
        return Ok(vec![]);
    }
    let read = store.get_many(practice_id, &keys).await?;
    Ok(read
        .0
        .into_iter()
        .filter_map(|i| match i {
            Item::Slot(s) => Some(*s),
            _ => None,
        })
        .collect())
}

#[cfg(test)]
#[path = "claim_tests.rs"]
mod tests;
