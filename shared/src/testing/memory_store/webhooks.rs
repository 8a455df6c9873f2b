//! The in-memory store's webhook items, with the adapter's conditions.

use super::staged::Staged;
use super::{Stored, Table};
use chrono::{DateTime, Utc};

use crate::domain::PracticeId;
use crate::keys;
use crate::ports::Write;
use crate::webhooks::{OutboxEvent, WebhookEndpoint};
use crate::{Error, Result};

pub(super) fn endpoints(t: &Table, practice_id: &PracticeId) -> Vec<WebhookEndpoint> {
    let pk = keys::practice_pk(practice_id);
    t.iter()
        .filter(|((p, s), _)| p == &pk && s.starts_with(keys::WEBHOOK_PREFIX))
        .filter_map(|(_, v)| match v {
            Stored::WebhookEndpoint(e) => Some((**e).clone()),
            _ => None,
        })
        .collect()
}

/// As the adapter: per shard, in index order, at most `limit` each; then oldest first.
pub(super) fn events_due(t: &Table, until: DateTime<Utc>, limit: usize) -> Vec<OutboxEvent> {
    let limit = limit.clamp(1, 1000);
    let mut due: Vec<(String, String, OutboxEvent)> = t
        .values()
        .filter_map(|v| match v {
            Stored::WebhookEvent(e) if !e.finished() && e.next_at <= until => Some((
                keys::webhook_due_pk(&e.practice_id),
                keys::webhook_due_sort(e.next_at, &e.practice_id, &e.event_id),
                (**e).clone(),
            )),
            _ => None,
        })
        .collect();
    due.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    let mut out = Vec::new();
    let mut per_shard: std::collections::HashMap<String, usize> = Default::default();
    for (shard, _, e) in due {
        let n = per_shard.entry(shard).or_default();
        if *n < limit {
            *n += 1;
            out.push(e);
        }
    }
    out.sort_by_key(|e| e.next_at);
    out
}

fn version_of(t: &Table, k: &(String, String)) -> Option<u64> {
    match t.get(k) {
        Some(Stored::WebhookEvent(e)) => Some(e.version),
        Some(_) => Some(u64::MAX),
        None => None,
    }
}

pub(super) fn apply(t: &mut Staged, w: Write) -> Result<()> {
    match w {
        Write::WebhookEndpoint { endpoint, create } => {
            let k = (
                keys::practice_pk(&endpoint.practice_id),
                keys::webhook_sk(&endpoint.webhook_id),
            );
            if t.contains_key(&k) == create {
                return Err(Error::Conflict);
            }
            t.insert(k, Stored::WebhookEndpoint(endpoint));
        }
        Write::RemoveWebhookEndpoint {
            practice_id,
            webhook_id,
        } => {
            t.remove(&(
                keys::practice_pk(&practice_id),
                keys::webhook_sk(&webhook_id),
            ));
        }
        Write::WebhookEvent {
            event,
            expect_version,
        } => {
            let k = (
                keys::practice_pk(&event.practice_id),
                keys::webhook_event_sk(&event.event_id),
            );
            if let Some(v) = expect_version {
                if version_of(t, &k) != Some(v) {
                    return Err(Error::Conflict);
                }
            }
            t.insert(k, Stored::WebhookEvent(event));
        }
        Write::DoneWebhookEvent {
            practice_id,
            event_id,
            version,
        } => {
            let k = (
                keys::practice_pk(&practice_id),
                keys::webhook_event_sk(&event_id),
            );
            if version_of(t, &k) != Some(version) {
                return Err(Error::Conflict);
            }
            t.remove(&k);
        }
        _ => {
            return Err(Error::Storage(
                "not a webhook write (a bug in the memory store's dispatch)".into(),
            ))
        }
    }
    Ok(())
}
