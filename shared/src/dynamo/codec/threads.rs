//! Items of the staff inbox: inbox entries (`waiting`) and unknown senders' thread items
//! (`unknown_thread`). See `docs/data-model.md`.

use aws_sdk_dynamodb::types::AttributeValue;

use super::{attribute, encode, kind, s, Condition, Op, Update, TYPE};
use crate::domain::{ThreadId, Waiting};
use crate::keys;
use crate::ports::Write;
use crate::{Error, Result};

const WAITS: &str = "waits";
const ESCALATED_AT: &str = "escalated_at";

/// An inbox entry; until it is escalated it is also on the answer-deadline index (GSI1),
/// by its deadline once the sweep has worked it out, by `since` before.
fn waiting_item(w: &Waiting) -> Result<super::Attrs> {
    let sk = keys::waiting_sk(w.since, &w.thread_id);
    let mut item = encode(
        w,
        keys::practice_pk(&w.practice_id),
        sk.clone(),
        kind::WAITING,
    )?;
    if w.escalated_at.is_none() {
        let at = w.answer_by.unwrap_or(w.since);
        item.insert(
            keys::GSI1_PK.into(),
            s(keys::answers_due_pk(&w.practice_id)),
        );
        item.insert(
            keys::GSI1_SK.into(),
            s(keys::answers_due_sort(at, &w.practice_id, &sk)),
        );
    }
    Ok(item)
}

pub(super) fn expand(write: Write, out: &mut Vec<Op>) -> Result<()> {
    match write {
        Write::Waiting(w) => {
            out.push(Op::put(waiting_item(&w)?, kind::WAITING, None)?);
        }
        Write::UpdateWaiting(w) => {
            let condition = Condition {
                expression: "attribute_exists(#pk) AND attribute_not_exists(#escalated_at)",
                names: vec![("#pk", keys::PK), ("#escalated_at", ESCALATED_AT)],
                values: vec![],
            };
            out.push(Op::put(waiting_item(&w)?, kind::WAITING, Some(condition))?);
        }
        Write::RemoveWaiting {
            practice_id,
            thread_id,
            since,
        } => out.push(Op::delete(
            keys::practice_pk(&practice_id),
            keys::waiting_sk(since, &thread_id),
            kind::WAITING,
        )),
        Write::UnknownInbound {
            practice_id,
            number,
            at,
            waiting,
            opted_out,
        } => {
            let ty = kind::UNKNOWN_THREAD;
            let thread_id = ThreadId::unknown(&practice_id, &number);
            let mut set = vec![
                (TYPE, s(ty)),
                ("practice_id", s(practice_id.as_str())),
                ("thread_id", s(thread_id.to_string())),
                ("number", attribute(&number, ty)?),
                ("last_inbound_at", attribute(&at, ty)?),
            ];
            if let Some(o) = opted_out {
                set.push(("opted_out", AttributeValue::Bool(o)));
            }
            let update = Update {
                set,
                // An empty append still creates the list, so `size(waits)` always exists.
                append: vec![(
                    WAITS,
                    if waiting {
                        vec![attribute(&at, ty)?]
                    } else {
                        vec![]
                    },
                )],
                increment: vec![],
            };
            // An upsert: the first text creates the item.
            let mut op = Op::update(
                keys::practice_pk(&practice_id),
                keys::unknown_thread_sk(&thread_id),
                update,
                ty,
                Condition::exists(),
            );
            op.condition = None;
            out.push(op);
        }
        Write::UnknownThread { thread, seen_waits } => {
            if !matches!(thread.thread_id, ThreadId::Unknown(_)) {
                return Err(Error::Storage(
                    "an unknown-sender thread item needs an unknown-sender thread id".into(),
                ));
            }
            let item = encode(
                &*thread,
                keys::practice_pk(&thread.practice_id),
                keys::unknown_thread_sk(&thread.thread_id),
                kind::UNKNOWN_THREAD,
            )?;
            let condition = Condition {
                expression: "attribute_exists(#pk) AND size(#waits) = :seen_waits",
                names: vec![("#pk", keys::PK), ("#waits", WAITS)],
                values: vec![(":seen_waits", AttributeValue::N(seen_waits.to_string()))],
            };
            out.push(Op::put(item, kind::UNKNOWN_THREAD, Some(condition))?);
        }
        _ => {
            return Err(Error::Storage(
                "not an inbox write (a bug in the codec's dispatch)".into(),
            ))
        }
    }
    Ok(())
}
