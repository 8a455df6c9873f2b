//! Waitlist items: `waitlist_entry` (`WAITLIST#<entry>`) and `freed_slot`
//! (`SLOT#<appointment>`, version-checked). See `docs/data-model.md`.

use super::{encode, kind, Condition, Op};
use crate::keys;
use crate::ports::Write;
use crate::{Error, Result};

pub(super) fn expand(write: Write, out: &mut Vec<Op>) -> Result<()> {
    match write {
        Write::WaitlistEntry(entry) => {
            let item = encode(
                &*entry,
                keys::practice_pk(&entry.practice_id),
                keys::waitlist_sk(&entry.entry_id),
                kind::WAITLIST_ENTRY,
            )?;
            out.push(Op::put(
                item,
                kind::WAITLIST_ENTRY,
                Some(Condition::absent()),
            )?);
        }
        Write::RemoveWaitlistEntry {
            practice_id,
            entry_id,
        } => out.push(Op::delete(
            keys::practice_pk(&practice_id),
            keys::waitlist_sk(&entry_id),
            kind::WAITLIST_ENTRY,
        )),
        Write::Slot { slot, expect } => {
            let item = encode(
                &*slot,
                keys::practice_pk(&slot.practice_id),
                keys::slot_sk(&slot.appointment_id),
                kind::FREED_SLOT,
            )?;
            out.push(Op::put(item, kind::FREED_SLOT, Condition::of(expect))?);
        }
        _ => {
            return Err(Error::Storage(
                "not a waitlist write (a bug in the codec's dispatch)".into(),
            ))
        }
    }
    Ok(())
}
