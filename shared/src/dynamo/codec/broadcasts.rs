//! Broadcast items: `broadcast` (the request and its expansion, version-checked) and
//! `broadcast_recipient` (the keyed send intent of one patient, then its outcome).
//! See `docs/data-model.md`.

use super::{encode, kind, Condition, Op};
use crate::keys;
use crate::ports::Write;
use crate::{Error, Result};

pub(super) fn expand(write: Write, out: &mut Vec<Op>) -> Result<()> {
    match write {
        Write::Broadcast { broadcast, expect } => {
            let item = encode(
                &*broadcast,
                keys::practice_pk(&broadcast.practice_id),
                keys::broadcast_sk(&broadcast.broadcast_id),
                kind::BROADCAST,
            )?;
            out.push(Op::put(item, kind::BROADCAST, Condition::of(expect))?);
        }
        Write::BroadcastRecipient { recipient, create } => {
            let item = encode(
                &*recipient,
                keys::practice_pk(&recipient.practice_id),
                keys::recipient_sk(&recipient.broadcast_id, &recipient.patient_id),
                kind::BROADCAST_RECIPIENT,
            )?;
            let condition = if create {
                Condition::absent()
            } else {
                Condition::exists()
            };
            out.push(Op::put(item, kind::BROADCAST_RECIPIENT, Some(condition))?);
        }
        _ => {
            return Err(Error::Storage(
                "a write reached the broadcast codec that is not a broadcast write".into(),
            ))
        }
    }
    Ok(())
}
