//! One write of a batch, applied to the staged copy of the table: the same items, keys and
//! conditions as the adapter's operations (`dynamo::codec::expand`), applied in order.
//! A failed strict condition is `Error::Conflict`; a lenient one (removing a number route
//! that is not the practice's, noting a send on a phone copy that is gone) does nothing.

use super::staged::Staged;
use super::{Stored, Table};
use crate::domain::{DueWork, Patient, PracticeId};
use crate::dynamo::rules;
use crate::keys;
use crate::ports::{Expect, Write};
use crate::{Error, Result};

type K = (String, String);

pub(super) fn apply(t: &mut Staged, w: Write) -> Result<()> {
    match w {
        Write::Practice {
            practice,
            expect_absent,
        } => {
            let k = (
                keys::practice_pk(&practice.practice_id),
                keys::PRACTICE_SK.to_string(),
            );
            if expect_absent && t.contains_key(&k) {
                return Err(Error::Conflict);
            }
            t.insert(k, Stored::Practice(practice));
        }
        Write::NumberRoute {
            number,
            practice_id,
        } => claim_route(
            t,
            (keys::number_route_pk(&number), keys::NUMBER_ROUTE_SK.into()),
            practice_id,
        )?,
        Write::RemoveNumberRoute {
            number,
            practice_id,
        } => release_route(
            t,
            (keys::number_route_pk(&number), keys::NUMBER_ROUTE_SK.into()),
            &practice_id,
        ),
        Write::SenderRoute {
            address,
            practice_id,
        } => claim_route(
            t,
            (keys::sender_pk(&address), keys::SENDER_SK.into()),
            practice_id,
        )?,
        Write::RemoveSenderRoute {
            address,
            practice_id,
        } => release_route(
            t,
            (keys::sender_pk(&address), keys::SENDER_SK.into()),
            &practice_id,
        ),
        Write::ConsentEvent(e) => {
            let k = (keys::practice_pk(&e.practice_id), keys::consent_sk(&e));
            if t.contains_key(&k) {
                return Err(Error::Conflict);
            }
            t.insert(k, Stored::Consent(e));
        }
        Write::Patient {
            patient,
            expect,
            previous_phone,
        } => {
            let pk = keys::practice_pk(&patient.practice_id);
            let k = (pk.clone(), keys::patient_sk(&patient.patient_id));
            check(expect, t.get(&k))?;
            if let Some(old) = previous_phone.filter(|old| Some(old) != patient.phone.as_ref()) {
                t.remove(&(pk.clone(), keys::phone_sk(&old, &patient.patient_id)));
            }
            if let Some(phone) = &patient.phone {
                t.insert(
                    (pk.clone(), keys::phone_sk(phone, &patient.patient_id)),
                    Stored::PhoneIndex(patient.clone()),
                );
            }
            t.insert(k, Stored::Patient(patient));
        }
        Write::Appointment {
            appointment,
            expect,
        } => {
            let k = (
                keys::practice_pk(&appointment.practice_id),
                keys::appointment_sk(&appointment.appointment_id),
            );
            check(expect, t.get(&k))?;
            t.insert(k, Stored::Appointment(appointment));
        }
        Write::Idempotency { record, first } => {
            let k = (
                keys::practice_pk(&record.practice_id),
                keys::idempotency_sk(&record.key_hash),
            );
            if first && t.contains_key(&k) {
                return Err(Error::Conflict);
            }
            t.insert(k, Stored::Idempotency(record));
        }
        Write::RemoveIdempotency {
            practice_id,
            key_hash,
        } => {
            t.remove(&(
                keys::practice_pk(&practice_id),
                keys::idempotency_sk(&key_hash),
            ));
        }
        Write::RemovePatient {
            practice_id,
            patient_id,
            phone,
        } => {
            let pk = keys::practice_pk(&practice_id);
            t.remove(&(pk.clone(), keys::patient_sk(&patient_id)));
            if let Some(phone) = phone {
                t.remove(&(pk, keys::phone_sk(&phone, &patient_id)));
            }
        }
        Write::RemoveMessage(m) => {
            let pk = keys::practice_pk(&m.practice_id);
            t.remove(&(pk.clone(), keys::message_sk(&m)));
            if let Some(id) = m.decision.provider_message_id().filter(|id| !id.is_empty()) {
                t.remove(&(pk.clone(), keys::sent_sk(id)));
            }
            if matches!(m.decision, crate::domain::Decision::Deferred { .. }) {
                t.remove(&(pk.clone(), keys::deferred_reply_sk(&m.message_id)));
            }
            if crate::reply_intents::may_have_intent(&m) {
                t.remove(&(pk, keys::reply_intent_sk(&m.message_id)));
            }
        }
        Write::Message(m) => {
            super::delivery::sent_copy(t, &m);
            t.insert(
                (keys::practice_pk(&m.practice_id), keys::message_sk(&m)),
                Stored::Message(m),
            );
        }
        // The memory store reads a patient's tasks off the tasks themselves: no index to set.
        Write::IndexTask(_) => {}
        Write::Task(mut x) => {
            // Stored as DynamoDB stores it: without the write's news.
            x.news = crate::domain::TaskNews::none();
            t.insert(
                (keys::practice_pk(&x.practice_id), keys::task_sk(&x.task_id)),
                Stored::Task(x),
            );
        }
        Write::Claim {
            practice_id, key, ..
        } => {
            let k = (keys::practice_pk(&practice_id), keys::claim_sk(&key));
            if t.contains_key(&k) {
                return Err(Error::Conflict);
            }
            t.insert(k, Stored::Claim);
        }
        Write::Due(d) => {
            t.insert(due_key(&d), Stored::Due(d));
        }
        Write::RemoveDue {
            practice_id,
            due_key,
        } => {
            t.remove(&(keys::practice_pk(&practice_id), due_key));
        }
        Write::DoneDue { claimed } => {
            let k = due_key(&claimed);
            still_held(t, &k, &claimed)?;
            t.remove(&k);
        }
        Write::ReleaseDue { claimed, next } => {
            // `rules::check_batch` has refused a release that changes the work's identity.
            let k = due_key(&claimed);
            still_held(t, &k, &claimed)?;
            t.insert(due_key(&next), Stored::Due(next));
        }
        Write::ReleasePatientLease {
            practice_id,
            patient_id,
            holder,
        } => {
            let k = (
                keys::practice_pk(&practice_id),
                keys::patient_lease_sk(&patient_id),
            );
            if matches!(t.get(&k), Some(Stored::Lease(h, _)) if *h == holder) {
                t.remove(&k);
            }
        }
        Write::TrimAutomatedSends {
            practice_id,
            patient_id,
            phone,
            seen_version,
            keep,
        } => {
            // Lenient, as the adapter's: a patient that moved on is left alone.
            let pk = keys::practice_pk(&practice_id);
            let mut sks = vec![keys::patient_sk(&patient_id)];
            sks.extend(phone.iter().map(|ph| keys::phone_sk(ph, &patient_id)));
            for sk in sks {
                if let Some(Stored::Patient(p) | Stored::PhoneIndex(p)) =
                    t.get_mut(&(pk.clone(), sk))
                {
                    if p.version == seen_version {
                        p.recent_automated = keep.clone();
                    }
                }
            }
        }
        Write::NoteAutomatedSend {
            practice_id,
            patient_id,
            phone,
            at,
        } => {
            let pk = keys::practice_pk(&practice_id);
            let note = |p: &mut Patient| {
                p.recent_automated.push(at);
                p.version += 1;
            };
            // The patient must exist (strict); its phone copy is noted only if it does.
            match t.get_mut(&(pk.clone(), keys::patient_sk(&patient_id))) {
                Some(Stored::Patient(p)) => note(p),
                _ => return Err(Error::Conflict),
            }
            if let Some(phone) = &phone {
                if let Some(Stored::PhoneIndex(p)) =
                    t.get_mut(&(pk, keys::phone_sk(phone, &patient_id)))
                {
                    note(p);
                }
            }
        }
        w @ (Write::Notice(_) | Write::RemoveNotice(_)) => super::threads::apply_notice(t, w)?,
        w @ (Write::Waiting(_)
        | Write::UpdateWaiting(_)
        | Write::RemoveWaiting { .. }
        | Write::UnknownInbound { .. }
        | Write::UnknownThread { .. }) => super::threads::apply(t, w)?,
        w @ (Write::Staff { .. }
        | Write::StaffEmail { .. }
        | Write::RemoveStaff { .. }
        | Write::Invitation(_)
        | Write::DeferReply(_)
        | Write::DoneDeferReply { .. }
        | Write::CannedReply { .. }
        | Write::RemoveCannedReply { .. }) => super::staff::apply(t, w)?,
        w @ (Write::ReplyIntent { .. } | Write::SettleReplyIntent { .. }) => {
            super::reply_intents::apply(t, w)?
        }
        Write::Broadcast { broadcast, expect } => {
            let k = (
                keys::practice_pk(&broadcast.practice_id),
                keys::broadcast_sk(&broadcast.broadcast_id),
            );
            check(expect, t.get(&k))?;
            t.insert(k, Stored::Broadcast(broadcast));
        }
        Write::BroadcastRecipient { recipient, create } => {
            let k = (
                keys::practice_pk(&recipient.practice_id),
                keys::recipient_sk(&recipient.broadcast_id, &recipient.patient_id),
            );
            if create == t.contains_key(&k) {
                return Err(Error::Conflict);
            }
            t.insert(k, Stored::Recipient(recipient));
        }
        w @ (Write::ChannelHealth { .. } | Write::DeliveryReport(_)) => {
            super::delivery::apply(t, w)?
        }
        w @ (Write::WaitlistEntry(_) | Write::RemoveWaitlistEntry { .. } | Write::Slot { .. }) => {
            super::waitlist::apply(t, w)?
        }
        w @ (Write::StaffLogin { .. }
        | Write::RemoveStaffLogin { .. }
        | Write::ConsumeInvitation { .. }
        | Write::Session(_)
        | Write::TouchSession(_)
        | Write::RemoveSession { .. }
        | Write::SignInFailures { .. }
        | Write::ClearSignInFailures { .. }) => super::sessions::apply(t, w)?,
        w @ (Write::WebhookEndpoint { .. }
        | Write::RemoveWebhookEndpoint { .. }
        | Write::WebhookEvent { .. }
        | Write::DoneWebhookEvent { .. }) => super::webhooks::apply(t, w)?,
        Write::SweepCursor { sweep, bucket } => {
            t.insert(
                (
                    keys::sweep_cursor_pk(sweep),
                    keys::SWEEP_CURSOR_SK.to_string(),
                ),
                Stored::Cursor(bucket),
            );
        }
    }
    Ok(())
}

fn due_key(d: &DueWork) -> K {
    (keys::practice_pk(&d.practice_id), keys::due_key_of(d))
}

/// The version condition of a versioned item (patients and appointments).
pub(super) fn check(expect: Expect, existing: Option<&Stored>) -> Result<()> {
    let version = match existing {
        Some(Stored::Patient(p)) => Some(p.version),
        Some(Stored::Appointment(a)) => Some(a.version),
        Some(Stored::Slot(s)) => Some(s.version),
        Some(Stored::Broadcast(b)) => Some(b.version),
        // Never under a patient's or an appointment's key; no version to match.
        Some(_) => Some(u64::MAX),
        None => None,
    };
    match (expect, version) {
        (Expect::Any, _) | (Expect::Absent, None) => Ok(()),
        (Expect::Version(v), Some(have)) if v == have => Ok(()),
        _ => Err(Error::Conflict),
    }
}

fn still_held(t: &Table, k: &K, claimed: &DueWork) -> Result<()> {
    match t.get(k) {
        Some(Stored::Due(stored)) if rules::still_held(stored, claimed) => Ok(()),
        _ => Err(Error::Conflict),
    }
}

/// A route item (a number or a sender) claimed for `practice_id`: created, or kept by its
/// owner; another practice's is a conflict.
fn claim_route(t: &mut Staged, k: (String, String), practice_id: PracticeId) -> Result<()> {
    match t.get(&k) {
        None => {}
        Some(Stored::Route(owner)) if owner == &practice_id => {}
        Some(_) => return Err(Error::Conflict),
    }
    t.insert(k, Stored::Route(practice_id));
    Ok(())
}

/// A route item released, only if `practice_id` owns it.
fn release_route(t: &mut Staged, k: (String, String), practice_id: &PracticeId) {
    if matches!(t.get(&k), Some(Stored::Route(owner)) if owner == practice_id) {
        t.remove(&k);
    }
}
