//! The sweeps' writes expanded into table operations: due work (planned, removed, done,
//! released), the automated-send notes the caps read (and their trimming), the patient's
//! sending lease released, and the sweep cursor.

use super::*;
use crate::keys;
use crate::ports::Write;
use crate::{Error, Result};

pub(super) fn expand(write: Write, out: &mut Vec<Op>) -> Result<()> {
    match write {
        Write::Due(d) => {
            out.push(Op::put(due_item(&d)?, kind::DUE, None)?);
        }
        Write::RemoveDue {
            practice_id,
            due_key,
        } => {
            out.push(Op::delete(
                keys::practice_pk(&practice_id),
                due_key,
                kind::DUE,
            ));
        }
        Write::DoneDue { claimed } => {
            let mut op = Op::delete(
                keys::practice_pk(&claimed.practice_id),
                keys::due_key_of(&claimed),
                kind::DUE,
            );
            op.condition = Some(Condition::held(&claimed)?);
            out.push(op);
        }
        Write::ReleaseDue { claimed, next } => {
            if due_key(&claimed) != due_key(&next) {
                tracing::error!("ReleaseDue changes the identity of due work");
                return Err(Error::Storage(
                    "ReleaseDue must keep the practice, appointment and kind of the claimed work; \
                     plan other work with Write::Due"
                        .into(),
                ));
            }
            out.push(Op::put(
                due_item(&next)?,
                kind::DUE,
                Some(Condition::held(&claimed)?),
            )?);
        }
        Write::NoteAutomatedSend {
            practice_id,
            patient_id,
            phone,
            at,
        } => {
            let pk = keys::practice_pk(&practice_id);
            let update = Update {
                set: vec![],
                append: vec![(RECENT_AUTOMATED, vec![attribute(&at, kind::PATIENT)?])],
                increment: vec![(VERSION, 1)],
            };
            out.push(Op::update(
                pk.clone(),
                keys::patient_sk(&patient_id),
                update.clone(),
                kind::PATIENT,
                Condition::exists(),
            ));
            if let Some(phone) = &phone {
                // A copy that is gone (the phone changed meanwhile) has nothing to note,
                // and an update must not create a stub copy: hence a lenient condition.
                let mut copy = Op::update(
                    pk,
                    keys::phone_sk(phone, &patient_id),
                    update,
                    kind::PATIENT_PHONE,
                    Condition::exists(),
                );
                copy.lenient = true;
                out.push(copy);
            }
        }
        Write::ReleasePatientLease {
            practice_id,
            patient_id,
            holder,
        } => out.push(super::release_op(&practice_id, &patient_id, &holder)),
        Write::TrimAutomatedSends {
            practice_id,
            patient_id,
            phone,
            seen_version,
            keep,
        } => {
            let pk = keys::practice_pk(&practice_id);
            let update = Update {
                set: vec![(RECENT_AUTOMATED, attribute(&keep, kind::PATIENT)?)],
                append: vec![],
                increment: vec![],
            };
            let mut patient = Op::update(
                pk.clone(),
                keys::patient_sk(&patient_id),
                update.clone(),
                kind::PATIENT,
                Condition::version(seen_version),
            );
            patient.lenient = true;
            out.push(patient);
            if let Some(phone) = &phone {
                let mut copy = Op::update(
                    pk,
                    keys::phone_sk(phone, &patient_id),
                    update,
                    kind::PATIENT_PHONE,
                    Condition::version(seen_version),
                );
                copy.lenient = true;
                out.push(copy);
            }
        }
        Write::SweepCursor { sweep, bucket } => {
            let item = encode(
                &SweepCursor { sweep, bucket },
                keys::sweep_cursor_pk(sweep),
                keys::SWEEP_CURSOR_SK.into(),
                kind::SWEEP_CURSOR,
            )?;
            out.push(Op::put(item, kind::SWEEP_CURSOR, None)?);
        }
        _ => {
            return Err(Error::Storage(
                "not a sweep write (a bug in the codec's dispatch)".into(),
            ))
        }
    }
    Ok(())
}
