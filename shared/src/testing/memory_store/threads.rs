//! The in-memory store's staff inbox items, with the adapter's conditions.

use super::staged::Staged;
use super::{Stored, Table};
use chrono::{DateTime, Utc};

use crate::domain::{PracticeId, ThreadId, UnknownThread, UrgentNotice, Waiting};
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

/// The adapter's answer-deadline index: entries not escalated, by deadline (`answer_by`,
/// else `since`), at most `limit` per shard.
pub(super) fn answers_due(t: &Table, until: DateTime<Utc>, limit: usize) -> Vec<Waiting> {
    let mut due: Vec<(String, String, Waiting)> = t
        .values()
        .filter_map(|v| match v {
            Stored::Waiting(w) if w.escalated_at.is_none() => {
                let at = w.answer_by.unwrap_or(w.since);
                let sk = keys::waiting_sk(w.since, &w.thread_id);
                (at <= until).then(|| {
                    (
                        keys::answers_due_pk(&w.practice_id),
                        keys::answers_due_sort(at, &w.practice_id, &sk),
                        (**w).clone(),
                    )
                })
            }
            _ => None,
        })
        .collect();
    due.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    let mut out = Vec::new();
    let mut per_shard: std::collections::HashMap<String, usize> = Default::default();
    for (shard, _, w) in due {
        let n = per_shard.entry(shard).or_default();
        if *n < limit {
            *n += 1;
            out.push(w);
        }
    }
    out
}

/// The adapter's notices-due index: notices at or before `until`, oldest first, at most
/// `limit` per shard.
pub(super) fn notices_due(t: &Table, until: DateTime<Utc>, limit: usize) -> Vec<UrgentNotice> {
    let mut due: Vec<(String, String, UrgentNotice)> = t
        .values()
        .filter_map(|v| match v {
            Stored::Notice(n) if n.at <= until => Some((
                keys::notices_due_pk(&n.practice_id),
                keys::answers_due_sort(n.at, &n.practice_id, &keys::notice_sk(n.at, &n.task_id)),
                (**n).clone(),
            )),
            _ => None,
        })
        .collect();
    due.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    let mut out = Vec::new();
    let mut per_shard: std::collections::HashMap<String, usize> = Default::default();
    for (shard, _, n) in due {
        let c = per_shard.entry(shard).or_default();
        if *c < limit {
            *c += 1;
            out.push(n);
        }
    }
    out
}

pub(super) fn apply_notice(t: &mut Staged, w: Write) -> Result<()> {
    match w {
        Write::Notice(n) => {
            t.insert(
                (
                    keys::practice_pk(&n.practice_id),
                    keys::notice_sk(n.at, &n.task_id),
                ),
                Stored::Notice(n),
            );
        }
        Write::RemoveNotice(n) => {
            let k = (
                keys::practice_pk(&n.practice_id),
                keys::notice_sk(n.at, &n.task_id),
            );
            if !t.remove(&k) {
                return Err(Error::Conflict);
            }
        }
        _ => {}
    }
    Ok(())
}

pub(super) fn apply(t: &mut Staged, w: Write) -> Result<()> {
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
        Write::UpdateWaiting(w) => {
            let k = (
                keys::practice_pk(&w.practice_id),
                keys::waiting_sk(w.since, &w.thread_id),
            );
            match t.get(&k) {
                Some(Stored::Waiting(seen)) if seen.escalated_at.is_none() => {}
                _ => return Err(Error::Conflict),
            }
            t.insert(k, Stored::Waiting(w));
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
                    linked: None,
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
