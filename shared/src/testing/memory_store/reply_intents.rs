//! The in-memory store's reply intents, with the adapter's conditions.

use super::staged::Staged;
use super::{Stored, Table};
use chrono::{DateTime, Utc};

use crate::keys;
use crate::ports::{ReplyIntent, Write};
use crate::{Error, Result};

pub(super) fn due(t: &Table, until: DateTime<Utc>, limit: usize) -> Vec<ReplyIntent> {
    let mut per_shard: std::collections::BTreeMap<String, Vec<ReplyIntent>> = Default::default();
    for v in t.values() {
        if let Stored::ReplyIntent(i) = v {
            if i.due_at <= until {
                per_shard
                    .entry(keys::reply_intents_due_pk(&i.practice_id))
                    .or_default()
                    .push((**i).clone());
            }
        }
    }
    let mut out: Vec<ReplyIntent> = Vec::new();
    for (_, mut list) in per_shard {
        list.sort_by(|a, b| {
            (a.due_at, &a.practice_id, a.message_id()).cmp(&(
                b.due_at,
                &b.practice_id,
                b.message_id(),
            ))
        });
        out.extend(list.into_iter().take(limit.clamp(1, 1000)));
    }
    out.sort_by_key(|i| i.due_at);
    out
}

pub(super) fn apply(t: &mut Staged, w: Write) -> Result<()> {
    match w {
        Write::ReplyIntent { intent, expect } => {
            let k = (
                keys::practice_pk(&intent.practice_id),
                keys::reply_intent_sk(intent.message_id()),
            );
            let ok = match (expect, t.get(&k)) {
                (None, None) => true,
                (Some(v), Some(Stored::ReplyIntent(have))) => have.version == v,
                _ => false,
            };
            if !ok {
                return Err(Error::Conflict);
            }
            t.insert(k, Stored::ReplyIntent(intent));
        }
        Write::SettleReplyIntent {
            practice_id,
            message_id,
            version,
        } => {
            let k = (
                keys::practice_pk(&practice_id),
                keys::reply_intent_sk(&message_id),
            );
            match t.get(&k) {
                Some(Stored::ReplyIntent(have)) if have.version == version => {
                    t.remove(&k);
                }
                _ => return Err(Error::Conflict),
            }
        }
        _ => {
            return Err(Error::Storage(
                "not a reply-intent write (a bug in the memory store's dispatch)".into(),
            ))
        }
    }
    Ok(())
}
