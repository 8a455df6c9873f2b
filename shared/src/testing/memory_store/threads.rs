//! The in-memory store's staff inbox items, with the adapter's conditions.

use super::{Stored, Table};
use crate::domain::{PracticeId, ThreadId, UnknownThread};
use crate::keys;
use crate::ports::Write;
use crate::{Error, Result};

pub(super) fn unknown_thread(
    t: &Table,
    practice_id: &PracticeId,
    thread_id: &ThreadId,
) -> Option<UnknownThread> {
    match t.get(&(
        keys::practice_pk(practice_id),
        keys::unknown_thread_sk(thread_id),
    )) {
        Some(Stored::UnknownThread(u)) => Some((**u).clone()),
        _ => None,
    }
}

pub(super) fn apply(t: &mut Table, w: Write) -> Result<()> {
    match w {
        Write::Waiting(w) => {
            t.insert(
                (
                    keys::practice_pk(&w.practice_id),
                    keys::waiting_sk(w.since, &w.thread_id),
                ),
                Stored::Waiting(w),
            );
        }
        Write::RemoveWaiting {
            practice_id,
            thread_id,
            since,
        } => {
            t.remove(&(
                keys::practice_pk(&practice_id),
                keys::waiting_sk(since, &thread_id),
            ));
        }
        Write::UnknownInbound {
            practice_id,
            number,
            at,
            waiting,
            opted_out,
        } => {
            let thread_id = ThreadId::unknown(&practice_id, &number);
            let k = (
                keys::practice_pk(&practice_id),
                keys::unknown_thread_sk(&thread_id),
            );
            let mut thread = match t.get(&k) {
                Some(Stored::UnknownThread(u)) => (**u).clone(),
                _ => UnknownThread {
                    practice_id,
                    thread_id,
                    number: number.clone(),
                    waits: vec![],
                    last_inbound_at: None,
                    opted_out: false,
                },
            };
            thread.number = number;
            thread.last_inbound_at = Some(at);
            if waiting {
                thread.waits.push(at);
            }
            if let Some(o) = opted_out {
                thread.opted_out = o;
            }
            t.insert(k, Stored::UnknownThread(Box::new(thread)));
        }
        Write::UnknownThread { thread, seen_waits } => {
            if !matches!(thread.thread_id, ThreadId::Unknown(_)) {
                return Err(Error::Storage(
                    "an unknown-sender thread item needs an unknown-sender thread id".into(),
                ));
            }
            let k = (
                keys::practice_pk(&thread.practice_id),
                keys::unknown_thread_sk(&thread.thread_id),
            );
            match t.get(&k) {
                Some(Stored::UnknownThread(u)) if u.waits.len() == seen_waits => {}
                _ => return Err(Error::Conflict),
            }
            t.insert(k, Stored::UnknownThread(thread));
        }
        _ => {
            return Err(Error::Storage(
                "not an inbox write (a bug in the memory store's dispatch)".into(),
            ))
        }
    }
    Ok(())
}
