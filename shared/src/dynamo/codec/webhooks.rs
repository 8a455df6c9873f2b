//! Webhook items: `webhook_endpoint` (`WEBHOOK#<id>`) and the outbox `webhook_event`
//! (`WHEVT#<event id>`, in GSI1 `DUE#webhooks#<shard>` while a delivery is pending).

use super::{encode, kind, s, Condition, Op};
use crate::keys;
use crate::ports::Write;
use crate::webhooks::OutboxEvent;
use crate::{Error, Result};

/// An outbox item with its GSI1 keys (none once nothing is pending: it leaves the index).
pub(super) fn event_item(e: &OutboxEvent) -> Result<super::Attrs> {
    let mut item = encode(
        e,
        keys::practice_pk(&e.practice_id),
        keys::webhook_event_sk(&e.event_id),
        kind::WEBHOOK_EVENT,
    )?;
    if !e.finished() {
        item.insert(
            keys::GSI1_PK.into(),
            s(keys::webhook_due_pk(&e.practice_id)),
        );
        item.insert(
            keys::GSI1_SK.into(),
            s(keys::webhook_due_sort(
                e.next_at,
                &e.practice_id,
                &e.event_id,
            )),
        );
    }
    Ok(item)
}

pub(super) fn expand(write: Write, out: &mut Vec<Op>) -> Result<()> {
    match write {
        Write::WebhookEndpoint { endpoint, create } => {
            let item = encode(
                &*endpoint,
                keys::practice_pk(&endpoint.practice_id),
                keys::webhook_sk(&endpoint.webhook_id),
                kind::WEBHOOK_ENDPOINT,
            )?;
            let condition = if create {
                Condition::absent()
            } else {
                Condition::exists()
            };
            out.push(Op::put(item, kind::WEBHOOK_ENDPOINT, Some(condition))?);
        }
        Write::RemoveWebhookEndpoint {
            practice_id,
            webhook_id,
        } => out.push(Op::delete(
            keys::practice_pk(&practice_id),
            keys::webhook_sk(&webhook_id),
            kind::WEBHOOK_ENDPOINT,
        )),
        Write::WebhookEvent {
            event,
            expect_version,
        } => {
            let item = event_item(&event)?;
            let condition = expect_version.map(Condition::version);
            out.push(Op::put(item, kind::WEBHOOK_EVENT, condition)?);
        }
        Write::DoneWebhookEvent {
            practice_id,
            event_id,
            version,
        } => {
            let mut op = Op::delete(
                keys::practice_pk(&practice_id),
                keys::webhook_event_sk(&event_id),
                kind::WEBHOOK_EVENT,
            );
            op.condition = Some(Condition::version(version));
            out.push(op);
        }
        _ => {
            return Err(Error::Storage(
                "not a webhook write (a bug in the codec's dispatch)".into(),
            ))
        }
    }
    Ok(())
}
