//! A port `Write` expanded into the table operations that carry it out.

use super::*;
use crate::domain::TaskStatus;
use crate::ports::Write;
use crate::{keys, Result};

/// Expands one port write into table operations (a patient with a phone is two or three).
pub(in crate::dynamo) fn expand(write: Write, out: &mut Vec<Op>) -> Result<()> {
    match write {
        Write::Practice {
            practice,
            expect_absent,
        } => {
            let item = encode(
                &*practice,
                keys::practice_pk(&practice.practice_id),
                keys::PRACTICE_SK.into(),
                kind::PRACTICE,
            )?;
            let cond = expect_absent.then(Condition::absent);
            out.push(Op::put(item, kind::PRACTICE, cond)?);
        }
        w @ (Write::NumberRoute { .. }
        | Write::RemoveNumberRoute { .. }
        | Write::SenderRoute { .. }
        | Write::RemoveSenderRoute { .. }) => routes::expand(w, out)?,
        Write::Patient {
            patient,
            expect,
            previous_phone,
        } => {
            let pk = keys::practice_pk(&patient.practice_id);
            let mut main = encode(
                &*patient,
                pk.clone(),
                keys::patient_sk(&patient.patient_id),
                kind::PATIENT,
            )?;
            // The practice's change feed (GSI3); the phone copy stays out of it.
            main.insert(
                keys::GSI3_PK.into(),
                s(keys::changes_pk(
                    &patient.practice_id,
                    "patients",
                    patient.updated_at.date_naive(),
                )),
            );
            main.insert(
                keys::GSI3_SK.into(),
                s(keys::change_sort(
                    patient.updated_at,
                    patient.patient_id.as_str(),
                )),
            );
            // The email index (GSI4): follows the item, so a changed address moves with it.
            if let Some(email) = &patient.email {
                main.insert(
                    keys::GSI4_PK.into(),
                    s(keys::patient_email_pk(&patient.practice_id, email)),
                );
                main.insert(keys::GSI4_SK.into(), s(patient.patient_id.as_str()));
            }
            out.push(Op::put(main, kind::PATIENT, Condition::of(expect))?);
            if let Some(phone) = &patient.phone {
                let index = encode(
                    &*patient,
                    pk.clone(),
                    keys::phone_sk(phone, &patient.patient_id),
                    kind::PATIENT_PHONE,
                )?;
                out.push(Op::put(index, kind::PATIENT_PHONE, None)?);
            }
            if let Some(old) = previous_phone.filter(|old| Some(old) != patient.phone.as_ref()) {
                out.push(Op::delete(
                    pk,
                    keys::phone_sk(&old, &patient.patient_id),
                    kind::PATIENT_PHONE,
                ));
            }
        }
        Write::Appointment {
            appointment,
            expect,
        } => {
            let mut item = encode(
                &*appointment,
                keys::practice_pk(&appointment.practice_id),
                keys::appointment_sk(&appointment.appointment_id),
                kind::APPOINTMENT,
            )?;
            // The patient's appointment index (GSI2), sorted by start.
            item.insert(
                keys::GSI2_PK.into(),
                s(keys::patient_appointments_pk(
                    &appointment.practice_id,
                    &appointment.patient_id,
                )),
            );
            item.insert(
                keys::GSI2_SK.into(),
                s(keys::patient_appointment_sort(
                    appointment.starts_at,
                    &appointment.appointment_id,
                )),
            );
            // The practice's change feed (GSI3), by the day and time of this change.
            item.insert(
                keys::GSI3_PK.into(),
                s(keys::changes_pk(
                    &appointment.practice_id,
                    "appointments",
                    appointment.updated_at.date_naive(),
                )),
            );
            item.insert(
                keys::GSI3_SK.into(),
                s(keys::change_sort(
                    appointment.updated_at,
                    appointment.appointment_id.as_str(),
                )),
            );
            // The practice's day schedule (GSI1), sorted by start.
            item.insert(
                keys::GSI1_PK.into(),
                s(keys::appointment_day_pk(
                    &appointment.practice_id,
                    appointment.starts_at,
                )),
            );
            item.insert(
                keys::GSI1_SK.into(),
                s(keys::patient_appointment_sort(
                    appointment.starts_at,
                    &appointment.appointment_id,
                )),
            );
            out.push(Op::put(item, kind::APPOINTMENT, Condition::of(expect))?);
        }
        Write::Idempotency { record, first } => {
            let mut item = encode(
                &*record,
                keys::practice_pk(&record.practice_id),
                keys::idempotency_sk(&record.key_hash),
                kind::IDEMPOTENCY,
            )?;
            item.insert(
                keys::TTL.into(),
                AttributeValue::N(record.expires_at.timestamp().to_string()),
            );
            let condition = first.then(Condition::absent);
            out.push(Op::put(item, kind::IDEMPOTENCY, condition)?);
        }
        Write::RemoveIdempotency {
            practice_id,
            key_hash,
        } => out.push(Op::delete(
            keys::practice_pk(&practice_id),
            keys::idempotency_sk(&key_hash),
            kind::IDEMPOTENCY,
        )),
        Write::RemovePatient {
            practice_id,
            patient_id,
            phone,
        } => {
            let pk = keys::practice_pk(&practice_id);
            out.push(Op::delete(
                pk.clone(),
                keys::patient_sk(&patient_id),
                kind::PATIENT,
            ));
            if let Some(phone) = phone {
                out.push(Op::delete(
                    pk,
                    keys::phone_sk(&phone, &patient_id),
                    kind::PATIENT_PHONE,
                ));
            }
        }
        Write::RemoveMessage(m) => {
            let pk = keys::practice_pk(&m.practice_id);
            out.push(Op::delete(pk.clone(), keys::message_sk(&m), kind::MESSAGE));
            // Its copies with the body: the delivery-report lookup and a deferred reply.
            if let Some(id) = m.decision.provider_message_id().filter(|id| !id.is_empty()) {
                out.push(Op::delete(
                    pk.clone(),
                    keys::sent_sk(id),
                    kind::SENT_MESSAGE,
                ));
            }
            if matches!(m.decision, crate::domain::Decision::Deferred { .. }) {
                out.push(Op::delete(
                    pk.clone(),
                    keys::deferred_reply_sk(&m.message_id),
                    kind::DEFERRED_REPLY,
                ));
            }
            // An automatic reply not yet settled: its send intent (nothing of an erased
            // patient goes out afterwards).
            if crate::reply_intents::may_have_intent(&m) {
                out.push(Op::delete(
                    pk,
                    keys::reply_intent_sk(&m.message_id),
                    kind::REPLY_INTENT,
                ));
            }
        }
        Write::Message(m) => {
            let item = encode(
                &*m,
                keys::practice_pk(&m.practice_id),
                keys::message_sk(&m),
                kind::MESSAGE,
            )?;
            out.push(Op::put(item, kind::MESSAGE, None)?);
            delivery::sent_copy(&m, out)?;
        }
        Write::Task(t) => {
            let mut item = encode(
                &*t,
                keys::practice_pk(&t.practice_id),
                keys::task_sk(&t.task_id),
                kind::TASK,
            )?;
            if t.status == TaskStatus::Open {
                item.insert(keys::GSI2_PK.into(), s(keys::open_tasks_pk(&t.practice_id)));
                item.insert(
                    keys::GSI2_SK.into(),
                    s(keys::open_task_sort(t.priority, t.created_at, &t.task_id)),
                );
            } else {
                // Resolved: the resolved-task partition of GSI2, newest first.
                let at = t.resolved_at.unwrap_or(t.created_at);
                item.insert(
                    keys::GSI2_PK.into(),
                    s(keys::resolved_tasks_pk(&t.practice_id)),
                );
                item.insert(
                    keys::GSI2_SK.into(),
                    s(keys::resolved_task_sort(at, &t.task_id)),
                );
            }
            // The patient's task index (GSI4): erasure finds their tasks by key.
            if let Some(patient) = &t.patient_id {
                item.insert(
                    keys::GSI4_PK.into(),
                    s(keys::patient_tasks_pk(&t.practice_id, patient)),
                );
                item.insert(keys::GSI4_SK.into(), s(keys::task_sk(&t.task_id)));
            }
            out.push(Op::put(item, kind::TASK, None)?);
        }
        Write::IndexTask(t) => {
            if let Some(patient) = &t.patient_id {
                let update = Update {
                    set: vec![
                        (
                            keys::GSI4_PK,
                            s(keys::patient_tasks_pk(&t.practice_id, patient)),
                        ),
                        (keys::GSI4_SK, s(keys::task_sk(&t.task_id))),
                    ],
                    append: vec![],
                    increment: vec![],
                };
                let mut op = Op::update(
                    keys::practice_pk(&t.practice_id),
                    keys::task_sk(&t.task_id),
                    update,
                    kind::TASK,
                    Condition::exists(),
                );
                op.lenient = true;
                out.push(op);
            }
        }
        Write::Claim {
            practice_id,
            key,
            expires_at,
        } => {
            let mut item = key_attrs(keys::practice_pk(&practice_id), keys::claim_sk(&key));
            item.insert(TYPE.into(), s(kind::CLAIM));
            item.insert(
                keys::TTL.into(),
                AttributeValue::N(expires_at.timestamp().to_string()),
            );
            out.push(Op::put(item, kind::CLAIM, Some(Condition::absent()))?);
        }
        w @ (Write::Due(_)
        | Write::RemoveDue { .. }
        | Write::DoneDue { .. }
        | Write::ReleaseDue { .. }
        | Write::NoteAutomatedSend { .. }
        | Write::ReleasePatientLease { .. }
        | Write::TrimAutomatedSends { .. }
        | Write::SweepCursor { .. }) => due_writes::expand(w, out)?,
        Write::ConsentEvent(e) => {
            let item = encode(
                &*e,
                keys::practice_pk(&e.practice_id),
                keys::consent_sk(&e),
                kind::CONSENT_EVENT,
            )?;
            // Append-only: a history record is never overwritten.
            out.push(Op::put(
                item,
                kind::CONSENT_EVENT,
                Some(Condition::absent()),
            )?);
        }
        w @ (Write::Notice(_) | Write::RemoveNotice(_)) => notices::expand(w, out)?,
        w @ (Write::Waiting(_)
        | Write::UpdateWaiting(_)
        | Write::RemoveWaiting { .. }
        | Write::UnknownInbound { .. }
        | Write::UnknownThread { .. }) => threads::expand(w, out)?,
        w @ (Write::Staff { .. }
        | Write::StaffEmail { .. }
        | Write::RemoveStaff { .. }
        | Write::Invitation(_)
        | Write::DeferReply(_)
        | Write::DoneDeferReply { .. }
        | Write::CannedReply { .. }
        | Write::RemoveCannedReply { .. }) => staff::expand(w, out)?,
        w @ (Write::ChannelHealth { .. } | Write::DeliveryReport(_)) => delivery::expand(w, out)?,
        w @ (Write::ReplyIntent { .. } | Write::SettleReplyIntent { .. }) => {
            super::reply_intents::expand(w, out)?
        }
        w @ (Write::WaitlistEntry(_) | Write::RemoveWaitlistEntry { .. } | Write::Slot { .. }) => {
            waitlist::expand(w, out)?
        }
        w @ (Write::Broadcast { .. } | Write::BroadcastRecipient { .. }) => {
            broadcasts::expand(w, out)?
        }
        w @ (Write::StaffLogin { .. }
        | Write::RemoveStaffLogin { .. }
        | Write::ConsumeInvitation { .. }
        | Write::Session(_)
        | Write::TouchSession(_)
        | Write::RemoveSession { .. }
        | Write::SignInFailures { .. }
        | Write::ClearSignInFailures { .. }) => sessions::expand(w, out)?,
        w @ (Write::WebhookEndpoint { .. }
        | Write::RemoveWebhookEndpoint { .. }
        | Write::WebhookEvent { .. }
        | Write::DoneWebhookEvent { .. }) => webhooks::expand(w, out)?,
    }
    Ok(())
}
