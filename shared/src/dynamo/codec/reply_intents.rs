//! Reply intents: `reply_intent` items (`INTENT#REPLY#<message>` in the practice's partition),
//! indexed by GSI1 `DUE#replies#<shard>` at their `due_at`. See `docs/data-model.md`.

use super::{encode, kind, s, Condition, Op};
use crate::keys;
use crate::ports::Write;
use crate::{Error, Result};

pub(super) fn expand(write: Write, out: &mut Vec<Op>) -> Result<()> {
    match write {
        Write::ReplyIntent { intent, expect } => {
            let mut item = encode(
                &*intent,
                keys::practice_pk(&intent.practice_id),
                keys::reply_intent_sk(intent.message_id()),
                kind::REPLY_INTENT,
            )?;
            item.insert(
                keys::GSI1_PK.into(),
                s(keys::reply_intents_due_pk(&intent.practice_id)),
            );
            item.insert(
                keys::GSI1_SK.into(),
                s(keys::reply_intent_due_sort(
                    intent.due_at,
                    &intent.practice_id,
                    intent.message_id(),
                )),
            );
            let condition = match expect {
                None => Condition::absent(),
                Some(v) => Condition::version(v),
            };
            out.push(Op::put(item, kind::REPLY_INTENT, Some(condition))?);
        }
        Write::SettleReplyIntent {
            practice_id,
            message_id,
            version,
        } => {
            let mut op = Op::delete(
                keys::practice_pk(&practice_id),
                keys::reply_intent_sk(&message_id),
                kind::REPLY_INTENT,
            );
            op.condition = Some(Condition::version(version));
            out.push(op);
        }
        _ => {
            return Err(Error::Storage(
                "not a reply-intent write (a bug in the codec's dispatch)".into(),
            ))
        }
    }
    Ok(())
}
