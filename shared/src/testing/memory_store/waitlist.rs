//! The in-memory store's waitlist items, with the adapter's conditions.

use super::staged::Staged;
use super::{Stored, Table};
use crate::domain::{PracticeId, WaitlistEntry};
use crate::keys;
use crate::ports::Write;
use crate::{Error, Result};

pub(super) fn entries(t: &Table, practice_id: &PracticeId) -> Vec<WaitlistEntry> {
    let pk = keys::practice_pk(practice_id);
    t.iter()
        .filter(|((p, s), _)| p == &pk && s.starts_with(keys::WAITLIST_PREFIX))
        .filter_map(|(_, v)| match v {
            Stored::WaitlistEntry(e) => Some((**e).clone()),
            _ => None,
        })
        .collect()
}

pub(super) fn apply(t: &mut Staged, w: Write) -> Result<()> {
    match w {
        Write::WaitlistEntry(entry) => {
            let k = (
                keys::practice_pk(&entry.practice_id),
                keys::waitlist_sk(&entry.entry_id),
            );
            if t.contains_key(&k) {
                return Err(Error::Conflict);
            }
            t.insert(k, Stored::WaitlistEntry(entry));
        }
        Write::RemoveWaitlistEntry {
            practice_id,
            entry_id,
        } => {
            t.remove(&(
                keys::practice_pk(&practice_id),
                keys::waitlist_sk(&entry_id),
            ));
        }
        Write::Slot { slot, expect } => {
            let k = (
                keys::practice_pk(&slot.practice_id),
                keys::slot_sk(&slot.appointment_id),
            );
            super::apply::check(expect, t.get(&k))?;
            t.insert(k, Stored::Slot(slot));
        }
        _ => {
            return Err(Error::Storage(
                "not a waitlist write (a bug in the memory store's dispatch)".into(),
            ))
        }
    }
    Ok(())
}
