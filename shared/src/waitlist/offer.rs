//! The process step of the waitlist: one claimed `waitlist-offer` item becomes the next
//! batch of offers (see the module above). Round trips per batch: R1 (the slot), the
//! waitlist Query, R2 (the picked patients), one write of the offers, the sends, one write
//! of their records with the claim finished or released for the next batch.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use super::{plan_batch, BatchPlan, OFFER_CUTOFF};
use crate::deliver::{deliver, Content, Outbound};
use crate::domain::{
    DueWork, FreedSlot, MessageKind, OfferedTo, Patient, Practice, Priority, Purpose, SlotOffer,
    SlotState, Sweep, WaitlistEntry,
};
use crate::policy::{route, Route};
use crate::ports::{Expect, Key, Write};
use crate::sweep::{self, Claimed, Deps, DueHandler, Handled, SweepReport};
use crate::time::staff_time;
use crate::Result;

/// The `waitlist` job: every due batch of offers at `now` (the event's time), on the
/// shared sweep engine (cursor, catch-up, claims, leases). The outreach function's
/// `waitlist` job calls this.
pub async fn offer_due(deps: &Deps, now: DateTime<Utc>) -> Result<SweepReport> {
    let job = OfferJob { deps: deps.clone() };
    sweep::run(&*deps.store, Sweep::Waitlist, now, &deps.options, &job).await
}

/// The sweep handler of the waitlist (see [`offer_due`]).
pub struct OfferJob {
    pub deps: Deps,
}

#[async_trait]
impl DueHandler for OfferJob {
    async fn handle(&self, item: Claimed) -> Result<Handled> {
        let (claimed, snapshot, now) = item.into_parts();
        let Some(practice) = snapshot.practice.as_ref() else {
            self.deps.store.write(vec![sweep::done(&claimed)]).await?;
            return Ok(Handled::Done("stale"));
        };
        offer(&self.deps, &claimed, practice, now).await
    }
}

/// Sends the next batch of offers of the slot `claimed` names, and finishes the claim or
/// releases it for the batch after.
pub async fn offer(
    deps: &Deps,
    claimed: &DueWork,
    practice: &Practice,
    now: DateTime<Utc>,
) -> Result<Handled> {
    let store = &deps.store;
    let settings = &practice.settings;
    let pid = &practice.practice_id;
    let fetched = store
        .get_many(pid, &[Key::Slot(claimed.appointment_id.clone())])
        .await?;
    let Some(slot) = fetched.slot(&claimed.appointment_id).cloned() else {
        return finish(deps, claimed, vec![], "slot_missing").await;
    };
    let entries = store.waitlist(pid).await?;
    let batch = usize::try_from(settings.waitlist_batch_size).unwrap_or(5);
    let (picks, more) = match plan_batch(&slot, &entries, settings.time_zone, batch, now) {
        BatchPlan::Done => return finish(deps, claimed, vec![], "slot_not_open").await,
        BatchPlan::Wait => return finish(deps, claimed, vec![], "all_offered").await,
        BatchPlan::Close(reason) => {
            let closed = slot.next(now, |s| {
                s.state = SlotState::Closed {
                    reason: reason.into(),
                }
            });
            let writes = vec![slot_write(closed, &slot)];
            return finish(deps, claimed, writes, "slot_closed").await;
        }
        BatchPlan::Offer { picks, more } => (picks, more),
    };
    let keys: Vec<Key> = picks
        .iter()
        .map(|e| Key::Patient(e.patient_id.clone()))
        .collect();
    let patients = store.get_many(pid, &keys).await?;
    let not_after = slot.starts_at - OFFER_CUTOFF;

    // Decide each pick before anything is sent: who is offered now, who waits for the end
    // of their quiet hours (a later batch), and the offers, written first.
    let mut records = Vec::new();
    let mut intents = Vec::new();
    let mut recipients: Vec<Patient> = Vec::new();
    let mut deferred: Option<DateTime<Utc>> = None;
    for pick in &picks {
        let Some(patient) = patients.patient(&pick.patient_id) else {
            records.push(offered(pick, now, "patient_missing"));
            continue;
        };
        let outcome = match route(patient, settings, MessageKind::Care, now, Some(not_after)) {
            Route::Defer { until, .. } => {
                deferred = Some(deferred.map_or(until, |d| d.min(until)));
                continue;
            }
            Route::Send { channel, .. } if patient.unhealthy(channel).is_none() => "offered",
            Route::Send { .. } | Route::StaffTask { .. } => "staff_task",
            Route::Suppress { .. } => "suppressed",
        };
        records.push(offered(pick, now, outcome));
        let mut p = patient.clone();
        if outcome == "offered" {
            p.slot_offers.retain(|o| o.is_live(now));
            p.slot_offers.push(SlotOffer {
                appointment_id: slot.appointment_id.clone(),
                entry_id: pick.entry_id.clone(),
                starts_at: slot.starts_at,
                offered_at: now,
            });
            p.version = patient.version.saturating_add(1);
            p.updated_at = now;
            intents.push(Write::Patient {
                patient: Box::new(p.clone()),
                expect: Expect::Version(patient.version),
                previous_phone: None,
            });
        }
        recipients.push(p);
    }
    if !records.is_empty() {
        let next = slot.next(now, |s| s.offered.extend(records));
        intents.insert(0, slot_write(next, &slot));
        // A claim or a patient change meanwhile conflicts here, before any send; the
        // claim's lease brings the batch back, decided again on fresh records.
        store.write(intents).await?;
    }

    let mut writes = Vec::new();
    for patient in &recipients {
        let delivered = deliver(
            &deps.senders,
            Outbound {
                practice,
                patient,
                kind: MessageKind::Care,
                purpose: Purpose::WaitlistOffer,
                appointment_id: Some(&slot.appointment_id),
                not_after: Some(not_after),
                content: content(practice, patient, &slot),
                task_priority: Priority::High,
                task_due: now,
            },
            now,
        )
        .await;
        writes.extend(delivered.writes);
    }
    let next_batch = now + Duration::minutes(i64::from(settings.waitlist_batch_minutes));
    if more || deferred.is_some() {
        let at = deferred.map_or(next_batch, |d| d.min(next_batch).max(now));
        writes.push(sweep::release(claimed, at));
        store.write(writes).await?;
        return Ok(Handled::Released("offers_sent"));
    }
    finish(deps, claimed, writes, "offers_sent").await
}

async fn finish(
    deps: &Deps,
    claimed: &DueWork,
    mut writes: Vec<Write>,
    label: &'static str,
) -> Result<Handled> {
    writes.push(sweep::done(claimed));
    deps.store.write(writes).await?;
    Ok(Handled::Done(label))
}

fn slot_write(next: FreedSlot, seen: &FreedSlot) -> Write {
    Write::Slot {
        slot: Box::new(next),
        expect: Expect::Version(seen.version),
    }
}

fn offered(pick: &WaitlistEntry, now: DateTime<Utc>, outcome: &str) -> OfferedTo {
    OfferedTo {
        patient_id: pick.patient_id.clone(),
        entry_id: pick.entry_id.clone(),
        at: now,
        outcome: outcome.into(),
    }
}

/// The title of a freed slot's offer task (a call, or a channel that cannot be used): the
/// console offers "Accepted by phone" on it.
pub const OFFER_TASK_TITLE: &str = "Waitlist: offer a freed appointment by phone";

/// The offer in each channel's words: the time on the patient's clock, no clinical details.
pub(crate) fn content(practice: &Practice, patient: &Patient, slot: &FreedSlot) -> Content {
    let settings = &practice.settings;
    let name = settings.name.trim();
    let when = staff_time(slot.starts_at, patient.zone(settings.time_zone));
    let call = settings
        .callback_phone
        .as_ref()
        .map(|p| format!(" or call us at {p}"))
        .unwrap_or_default();
    Content {
        sms: format!(
            "{name}: an earlier appointment is free on {when}. Reply YES to take it; the first \
             reply gets it. Reply STOP to opt out."
        ),
        email_subject: format!("{name}: an earlier appointment is free"),
        email_text: format!(
            "Hello {first},\n\nYou asked us to tell you when an earlier appointment opens up. \
             One is free on {when}. Reply to this email{call} to take it; the first patient to \
             answer gets it.\n\n{name}",
            first = patient.first_name
        ),
        call_script: format!(
            "Hello, this is {name}. You are on our waitlist, and an earlier appointment is free \
             on {when}. Would you like it? If yes, book it for them in the PMS."
        ),
        voicemail_script: Some(format!(
            "Hello, this is {name} with an earlier appointment for you. Please call us back{call}."
        )),
        task_title: OFFER_TASK_TITLE.into(),
    }
}
