//! Filling freed slots from the waitlist.
//!
//! When an appointment is cancelled (a PMS `PUT` with `status: cancelled`, or the cancel
//! action) or released (`POST /v1/appointments/{id}/release`), the API writes its
//! [`FreedSlot`] (`SLOT#<appointment>`) and a `waitlist-offer` due item, due at once, in the
//! same transaction ([`free_slot`]). [`offer_due`] (the `waitlist` job, "now" from the
//! event) then offers the slot in batches:
//!
//! 1. [`plan_batch`] (pure) picks the next matching waitlist patients: not the patient who
//!    freed it, not anyone offered it before, oldest entry first, at most
//!    `waitlist_batch_size` (default 5).
//! 2. [`offer`] sends each one the offer on their preferred channel through the shared
//!    `deliver` path (consent, quiet hours, caps, channel health; voice becomes a staff
//!    call task). Quiet hours defer a patient to a later batch instead of dropping them.
//! 3. The next batch follows `waitlist_batch_minutes` later (default 10) while the slot is
//!    open and someone matching has not been offered it yet.
//!
//! The offers are written (slot version-checked, the open offer on each SMS patient)
//! **before** anything is sent, so a "YES" always finds its offer, and an offer never
//! goes out for a slot someone claimed meanwhile. The first yes claims the slot with a
//! conditional write, by text, by email or by phone through staff: one rule for all three
//! ([`claim`]); later ones are told kindly it has been taken.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use crate::domain::{
    Appointment, DueKind, DueWork, FreedSlot, PatientId, SlotReason, WaitlistEntry,
};
use crate::ports::{Expect, Write};

pub mod claim;
mod offer;

pub use offer::{offer, offer_due, OfferJob, OFFER_TASK_TITLE};

/// Offers stop this long before the slot starts: too late to come.
pub const OFFER_CUTOFF: Duration = Duration::minutes(60);

/// What the next batch of a freed slot does. Pure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchPlan {
    /// Offer it to these entries (oldest first); `more` when others match after them.
    Offer {
        picks: Vec<WaitlistEntry>,
        more: bool,
    },
    /// Nothing more to send; the slot stays open for the answers already asked for.
    Wait,
    /// Close the slot: nobody to offer it to, or too late.
    Close(&'static str),
    /// The slot is claimed or closed already.
    Done,
}

/// The next batch for `slot` among the practice's `entries` (oldest first) at `now`, on
/// the practice's clock `tz`.
pub fn plan_batch(
    slot: &FreedSlot,
    entries: &[WaitlistEntry],
    tz: Tz,
    batch_size: usize,
    now: DateTime<Utc>,
) -> BatchPlan {
    if !slot.is_open() {
        return BatchPlan::Done;
    }
    if now >= slot.starts_at - OFFER_CUTOFF {
        return BatchPlan::Close("too close to the start to offer");
    }
    let mut seen: Vec<&PatientId> = Vec::new();
    let matching: Vec<&WaitlistEntry> = entries
        .iter()
        .filter(|e| e.patient_id != slot.freed_by && !slot.was_offered(&e.patient_id))
        .filter(|e| e.wish.matches(slot, tz))
        .filter(|e| {
            let first = !seen.contains(&&e.patient_id);
            seen.push(&e.patient_id);
            first
        })
        .collect();
    if matching.is_empty() {
        return if slot.offered.is_empty() {
            BatchPlan::Close("no waitlist patient matches")
        } else {
            BatchPlan::Wait
        };
    }
    let take = batch_size.max(1);
    BatchPlan::Offer {
        more: matching.len() > take,
        picks: matching.into_iter().take(take).cloned().collect(),
    }
}

/// The writes that free an appointment's slot for the waitlist at `now`: the slot, and its
/// first batch of offers due at once. Nothing for a slot already started or too close to
/// it. Add them to the transaction that cancels or releases the appointment (the slot is
/// `Absent`-conditioned: a slot freed twice conflicts, so call this only on the change).
pub fn free_slot(appointment: &Appointment, reason: SlotReason, now: DateTime<Utc>) -> Vec<Write> {
    if now >= appointment.starts_at - OFFER_CUTOFF {
        return vec![];
    }
    let slot = FreedSlot::new(appointment, reason, now);
    vec![
        Write::Slot {
            slot: Box::new(slot),
            expect: Expect::Absent,
        },
        Write::Due(Box::new(DueWork {
            practice_id: appointment.practice_id.clone(),
            appointment_id: appointment.appointment_id.clone(),
            patient_id: appointment.patient_id.clone(),
            kind: DueKind::WaitlistOffer,
            due_at: now,
            planned_for: appointment.starts_at,
            attempts: 0,
        })),
    ]
}

#[cfg(test)]
#[path = "waitlist_tests.rs"]
mod tests;
