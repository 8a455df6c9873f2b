//! Sign-in items: `staff_login` (the global email index), `session` (by token hash, TTL
//! at the idle deadline), `sign_in_failures` (by scope hash, TTL at the window's end), and
//! consuming an invitation. See `docs/data-model.md`.

use aws_sdk_dynamodb::types::AttributeValue;

use super::{encode, key_attrs, kind, s, Condition, Op, TYPE};
use crate::keys;
use crate::ports::Write;
use crate::{Error, Result};

fn epoch(at: chrono::DateTime<chrono::Utc>) -> AttributeValue {
    AttributeValue::N(at.timestamp().to_string())
}

pub(super) fn expand(write: Write, out: &mut Vec<Op>) -> Result<()> {
    match write {
        Write::StaffLogin {
            email,
            practice_id,
            staff_id,
        } => {
            let mut item = key_attrs(
                keys::staff_login_pk(&email),
                keys::STAFF_LOGIN_SK.to_string(),
            );
            item.insert(TYPE.into(), s(kind::STAFF_LOGIN));
            item.insert("practice_id".into(), s(practice_id.as_str()));
            item.insert("staff_id".into(), s(staff_id.as_str()));
            out.push(Op::put(item, kind::STAFF_LOGIN, Some(Condition::absent()))?);
        }
        Write::RemoveStaffLogin { email } => out.push(Op::delete(
            keys::staff_login_pk(&email),
            keys::STAFF_LOGIN_SK.to_string(),
            kind::STAFF_LOGIN,
        )),
        Write::ConsumeInvitation {
            practice_id,
            token_hash,
        } => {
            let mut op = Op::delete(
                keys::practice_pk(&practice_id),
                keys::invitation_sk(&token_hash),
                kind::INVITATION,
            );
            op.condition = Some(Condition::exists());
            out.push(op);
        }
        Write::Session(session) => {
            let mut item = encode(
                &*session,
                keys::practice_pk(&session.practice_id),
                keys::session_sk(&session.token_hash),
                kind::SESSION,
            )?;
            item.insert(keys::TTL.into(), epoch(session.expires_at()));
            out.push(Op::put(item, kind::SESSION, None)?);
        }
        Write::TouchSession(session) => {
            let mut item = encode(
                &*session,
                keys::practice_pk(&session.practice_id),
                keys::session_sk(&session.token_hash),
                kind::SESSION,
            )?;
            item.insert(keys::TTL.into(), epoch(session.expires_at()));
            out.push(Op::put(item, kind::SESSION, Some(Condition::exists()))?);
        }
        Write::RemoveSession {
            practice_id,
            token_hash,
        } => out.push(Op::delete(
            keys::practice_pk(&practice_id),
            keys::session_sk(&token_hash),
            kind::SESSION,
        )),
        Write::SignInFailures {
            scope_key,
            failures,
        } => {
            let mut item = encode(
                &failures,
                keys::sign_in_failures_pk(&scope_key),
                keys::SIGN_IN_FAILURES_SK.to_string(),
                kind::SIGN_IN_FAILURES,
            )?;
            item.insert(keys::TTL.into(), epoch(failures.expires_at()));
            out.push(Op::put(item, kind::SIGN_IN_FAILURES, None)?);
        }
        Write::ClearSignInFailures { scope_key } => out.push(Op::delete(
            keys::sign_in_failures_pk(&scope_key),
            keys::SIGN_IN_FAILURES_SK.to_string(),
            kind::SIGN_IN_FAILURES,
        )),
        _ => {
            return Err(Error::Storage(
                "not a sign-in write (a bug in the codec's dispatch)".into(),
            ))
        }
    }
    Ok(())
}
