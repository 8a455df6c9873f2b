//! Staff items: `staff` (a member), `staff_email` (one member per email in a practice)
//! and `invitation` (by token hash, with a TTL). See `docs/data-model.md`.

use aws_sdk_dynamodb::types::AttributeValue;

use super::{encode, key_attrs, kind, s, Condition, Op, TYPE};
use crate::domain::Decision;
use crate::keys;
use crate::ports::Write;
use crate::{Error, Result};

pub(super) fn expand(write: Write, out: &mut Vec<Op>) -> Result<()> {
    match write {
        Write::CannedReply { reply, create } => {
            let item = encode(
                &*reply,
                keys::practice_pk(&reply.practice_id),
                keys::canned_reply_sk(&reply.reply_id),
                kind::CANNED_REPLY,
            )?;
            let condition = if create {
                Condition::absent()
            } else {
                Condition::exists()
            };
            out.push(Op::put(item, kind::CANNED_REPLY, Some(condition))?);
        }
        Write::RemoveCannedReply {
            practice_id,
            reply_id,
        } => out.push(Op::delete(
            keys::practice_pk(&practice_id),
            keys::canned_reply_sk(&reply_id),
            kind::CANNED_REPLY,
        )),
        Write::Staff {
            member,
            expect_absent,
        } => {
            let item = encode(
                &*member,
                keys::practice_pk(&member.practice_id),
                keys::staff_sk(&member.staff_id),
                kind::STAFF,
            )?;
            out.push(Op::put(
                item,
                kind::STAFF,
                expect_absent.then(Condition::absent),
            )?);
        }
        Write::StaffEmail {
            practice_id,
            email,
            staff_id,
        } => {
            let mut item = key_attrs(
                keys::practice_pk(&practice_id),
                keys::staff_email_sk(&email),
            );
            item.insert(TYPE.into(), s(kind::STAFF_EMAIL));
            item.insert("staff_id".into(), s(staff_id.as_str()));
            out.push(Op::put(item, kind::STAFF_EMAIL, Some(Condition::absent()))?);
        }
        Write::RemoveStaff {
            practice_id,
            staff_id,
            email,
        } => {
            let pk = keys::practice_pk(&practice_id);
            out.push(Op::delete(
                pk.clone(),
                keys::staff_sk(&staff_id),
                kind::STAFF,
            ));
            out.push(Op::delete(
                pk,
                keys::staff_email_sk(&email),
                kind::STAFF_EMAIL,
            ));
        }
        Write::Invitation(inv) => {
            let mut item = encode(
                &*inv,
                keys::practice_pk(&inv.practice_id),
                keys::invitation_sk(&inv.token_hash),
                kind::INVITATION,
            )?;
            item.insert(
                keys::TTL.into(),
                AttributeValue::N(inv.expires_at.timestamp().to_string()),
            );
            out.push(Op::put(item, kind::INVITATION, Some(Condition::absent()))?);
        }
        Write::DeferReply(m) => {
            let Decision::Deferred { until } = m.decision else {
                return Err(Error::Storage(
                    "a deferred reply must have a deferred decision".into(),
                ));
            };
            let mut item = encode(
                &*m,
                keys::practice_pk(&m.practice_id),
                keys::deferred_reply_sk(&m.message_id),
                kind::DEFERRED_REPLY,
            )?;
            item.insert(keys::GSI1_PK.into(), s(keys::DEFERRED_REPLIES_PK));
            item.insert(
                keys::GSI1_SK.into(),
                s(keys::deferred_reply_sort(
                    until,
                    &m.practice_id,
                    &m.message_id,
                )),
            );
            out.push(Op::put(item, kind::DEFERRED_REPLY, None)?);
        }
        Write::DoneDeferReply {
            practice_id,
            message_id,
        } => {
            let mut op = Op::delete(
                keys::practice_pk(&practice_id),
                keys::deferred_reply_sk(&message_id),
                kind::DEFERRED_REPLY,
            );
            op.condition = Some(Condition::exists());
            out.push(op);
        }
        _ => {
            return Err(Error::Storage(
                "not a staff write (a bug in the codec's dispatch)".into(),
            ))
        }
    }
    Ok(())
}
