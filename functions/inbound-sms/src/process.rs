//! Processing one verified inbound text: find the patient, decide, write once, then send.
//!
//! Round trips to DynamoDB for a text from a known patient (the callers do trip 1):
//! 1. the practice item and the phone lookup, concurrently;
//! 2. only for a confirmation (or a shared phone): the upcoming appointments;
//! 3. one `TransactWriteItems` with the idempotency claim, the inbound entry, the replies'
//!    entries, tasks, and the patient/appointment changes.
//!
//! The replies are sent after the batch commits, so a provider retry, even a concurrent
//! one, finds the claim taken and is acknowledged without a second reply. Each reply
//! commits with a send intent (`frontdesk::reply_intents`): claimed and settled around its
//! send (two more writes per reply); a send that fails, or a commit whose answer was lost,
//! leaves the intent to the staff-replies schedule, which sends it once or opens a task.
//!
//! A conflict in the batch is either the claim (a duplicate) or a patient/appointment that
//! changed since it was read. The versioned items are read again: unchanged means the claim
//! lost, so the message was already handled; changed means decide again on fresh state.

use std::cmp::Reverse;

use chrono::{DateTime, Utc};
use frontdesk::channel_healing::{self, Healed, HealedBy};
use frontdesk::domain::{Appointment, Patient, Practice};
use frontdesk::ports::{Fetched, Key};
use futures_util::future::join_all;

use crate::deps::Deps;
use crate::error::InboundError;
use crate::inbound::Inbound;
use crate::plan::{self, Input, Known, Sender, APPOINTMENT_LOOKAHEAD};
use crate::reply_send::deliver;

/// Patients on one phone whose appointments are compared to pick the sender.
const MAX_COMPARED: usize = 10;
/// Patients on one phone whose consent an opt-out changes (two writes each, within the
/// transaction limit of 100).
const MAX_FAMILY: usize = 40;
/// Decide-and-write attempts before giving up (the provider then retries).
const MAX_ATTEMPTS: usize = 4;

/// What happened, for logs and the acknowledgement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub action: &'static str,
    pub known_sender: bool,
    /// The message had been processed already (a provider retry).
    pub duplicate: bool,
    pub sent: usize,
    pub failed: usize,
    pub suppressed: usize,
}

impl Outcome {
    fn duplicate(known_sender: bool) -> Self {
        Self {
            action: "duplicate",
            known_sender,
            duplicate: true,
            sent: 0,
            failed: 0,
            suppressed: 0,
        }
    }
}

/// Processes a verified inbound text for `practice`. `candidates` are the patients behind
/// the sender's number (from the phone index).
pub async fn process(
    deps: &Deps,
    practice: &Practice,
    candidates: Vec<Patient>,
    inbound: &Inbound,
) -> Result<Outcome, InboundError> {
    let now = deps.clock.now();
    let mut sender = identify(deps, practice, candidates, now).await;
    let mut unknown_reply_allowed = true;
    for _ in 0..MAX_ATTEMPTS {
        let patient = match &sender {
            Sender::Known(k) => Some(&k.patient),
            Sender::Unknown => None,
        };
        let action = plan::decide(&practice.settings, &inbound.text, patient, now);
        if let Sender::Known(known) = &mut sender {
            if action.needs_appointments() && known.appointments.is_none() {
                known.appointments = Some(
                    deps.store
                        .appointments_for_patient(
                            &practice.practice_id,
                            &known.patient.patient_id,
                            now,
                            APPOINTMENT_LOOKAHEAD,
                        )
                        .await?,
                );
            }
        }
        if let Sender::Known(known) = &mut sender {
            if action.needs_slots() && known.slots.is_empty() {
                known.slots = frontdesk::waitlist::claim::offered_slots(
                    deps.store.as_ref(),
                    &practice.practice_id,
                    &known.patient,
                )
                .await?;
            }
        }
        let plan = plan::plan(&Input {
            practice,
            inbound,
            sender: &sender,
            action,
            now,
            unknown_reply_allowed,
        })?;
        // The webhook events of this text (confirmed, opted out, a task…) commit with it.
        let writes = frontdesk::webhooks::with_events(plan.writes.clone(), now);
        match deps.store.write(writes).await {
            Ok(()) => {
                close_healed(deps, practice, &sender, now).await;
                return Ok(deliver(deps, practice, plan, &sender, now).await);
            }
            Err(frontdesk::Error::Conflict) => {}
            Err(e) => return Err(e.into()),
        }
        let known = matches!(sender, Sender::Known(_));
        if plan.versions.is_empty() {
            // Unknown sender: the claim, or this hour's reply marker, was taken.
            if plan.rate_marker && unknown_reply_allowed {
                unknown_reply_allowed = false;
                continue;
            }
            return Ok(Outcome::duplicate(known));
        }
        let keys: Vec<Key> = plan.versions.iter().map(|(k, _)| k.clone()).collect();
        let fresh = deps.store.get_many(&practice.practice_id, &keys).await?;
        let unchanged = plan
            .versions
            .iter()
            .all(|(key, seen)| fresh.version_of(key) == Some(*seen));
        if unchanged {
            return Ok(Outcome::duplicate(known));
        }
        tracing::debug!(
            practice_id = %practice.practice_id,
            "patient or appointment changed meanwhile; deciding again"
        );
        sender = refresh(sender, &fresh);
    }
    Err(InboundError::Unavailable(
        "the patient's record kept changing while the message was processed".into(),
    ))
}

/// Replaces what was read before with the fresh copies. A patient who is gone drops out;
/// if the sender was that patient, the next on the phone (or nobody) takes their place.
fn refresh(sender: Sender, fresh: &Fetched) -> Sender {
    let Sender::Known(mut known) = sender else {
        return Sender::Unknown;
    };
    known.family = known
        .family
        .iter()
        .map(|p| {
            fresh
                .patient(&p.patient_id)
                .cloned()
                .unwrap_or_else(|| p.clone())
        })
        .collect();
    for s in known.slots.iter_mut() {
        if let Some(f) = fresh.slot(&s.appointment_id) {
            *s = f.clone();
        }
    }
    if let Some(list) = &mut known.appointments {
        for a in list.iter_mut() {
            if let Some(f) = fresh.appointment(&a.appointment_id) {
                *a = f.clone();
            }
        }
    }
    match fresh.patient(&known.patient.patient_id) {
        Some(p) => {
            known.patient = p.clone();
            Sender::Known(known)
        }
        None if known.family.is_empty() => Sender::Unknown,
        None => {
            let next = known.family.remove(0);
            Sender::Known(Box::new(Known {
                patient: next,
                family: known.family,
                appointments: None,
                shared_note: known.shared_note,
                slots: Vec::new(),
            }))
        }
    }
}

/// A text from the number healed SMS for everyone on it: their "fix the contact" tasks
/// close, recorded on each timeline. Best effort after the committed plan (a failure
/// leaves the task for staff, logged without PHI).
async fn close_healed(deps: &Deps, practice: &Practice, sender: &Sender, now: DateTime<Utc>) {
    let Sender::Known(known) = sender else {
        return;
    };
    let healed: Vec<Healed> = std::iter::once(&known.patient)
        .chain(&known.family)
        .filter_map(|p| {
            p.sms_health.as_ref().map(|u| Healed {
                patient_id: p.patient_id.clone(),
                channel: frontdesk::domain::Channel::Sms,
                task_id: u.task_id.clone(),
            })
        })
        .collect();
    if let Err(e) = channel_healing::close_fix_tasks(
        deps.store.as_ref(),
        &practice.practice_id,
        &healed,
        HealedBy::Inbound,
        now,
    )
    .await
    {
        tracing::warn!(
            practice_id = %practice.practice_id,
            error = %e,
            "the fix-the-contact task of a healed number could not be closed; staff can resolve it"
        );
    }
}

/// Picks the patient a text is from. One patient on the number: them. Several (a family's
/// shared phone): the one with the soonest upcoming scheduled appointment, since a reply is
/// most likely about the next visit; then the one who most recently got an automated
/// message; then by patient id, so the choice is stable. The others are kept, so that an
/// opt-out covers the whole number, and the task tells staff how the choice was made.
async fn identify(
    deps: &Deps,
    practice: &Practice,
    mut candidates: Vec<Patient>,
    now: DateTime<Utc>,
) -> Sender {
    candidates.sort_by(|a, b| a.patient_id.cmp(&b.patient_id));
    candidates.dedup_by(|a, b| a.patient_id == b.patient_id);
    if candidates.len() > MAX_FAMILY {
        tracing::warn!(
            practice_id = %practice.practice_id,
            patients = candidates.len(),
            "more patients share one phone number than an opt-out can cover at once"
        );
        candidates.truncate(MAX_FAMILY);
    }
    match candidates.len() {
        0 => return Sender::Unknown,
        1 => {
            let patient = candidates.remove(0);
            return Sender::Known(Box::new(Known {
                patient,
                family: Vec::new(),
                appointments: None,
                shared_note: None,
                slots: Vec::new(),
            }));
        }
        _ => {}
    }
    let compared = candidates.len().min(MAX_COMPARED);
    let lookups = join_all(candidates.iter().take(compared).map(|p| {
        deps.store.appointments_for_patient(
            &practice.practice_id,
            &p.patient_id,
            now,
            APPOINTMENT_LOOKAHEAD,
        )
    }))
    .await;
    let lookups = lookups.into_iter().map(|r| match r {
        Ok(list) => Some(list),
        Err(e) => {
            tracing::warn!(
                practice_id = %practice.practice_id,
                error = %e,
                "appointments of a patient on a shared phone could not be read"
            );
            None
        }
    });
    // Patients beyond the compared ones have no appointments read.
    let mut entries: Vec<(Patient, Option<Vec<Appointment>>)> = candidates
        .into_iter()
        .zip(lookups.chain(std::iter::repeat_with(|| None)))
        .collect();
    let soonest = |list: &Option<Vec<Appointment>>| {
        list.iter()
            .flatten()
            .filter(|a| a.status.is_pending() && a.starts_at >= now)
            .map(|a| a.starts_at)
            .min()
    };
    let best = entries
        .iter()
        .enumerate()
        .min_by_key(|(_, (patient, appointments))| {
            let s = soonest(appointments);
            (
                s.is_none(),
                s,
                Reverse(patient.recent_automated.iter().max().copied()),
            )
        })
        .map_or(0, |(i, _)| i);
    let count = entries.len();
    if best >= count {
        return Sender::Unknown;
    }
    let (patient, appointments) = entries.remove(best);
    let reason = if soonest(&appointments).is_some() {
        "the soonest upcoming appointment"
    } else {
        "the most recent message we sent"
    };
    Sender::Known(Box::new(Known {
        patient,
        family: entries.into_iter().map(|(p, _)| p).collect(),
        appointments,
        shared_note: Some(format!(
            "{count} patients share this phone number; the text was filed under this \
             patient by {reason}. Check it is theirs."
        )),
        slots: Vec::new(),
    }))
}
