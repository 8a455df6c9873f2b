//! The in-memory store's sign-in items, with the adapter's conditions.

use super::staged::Staged;
use super::{Stored, Table};

use crate::domain::{EmailAddress, Failures, Invitation, PracticeId, Session, StaffId};
use crate::keys;
use crate::ports::Write;
use crate::{Error, Result};

pub(super) fn login(t: &Table, email: &EmailAddress) -> Option<(PracticeId, StaffId)> {
    match t.get(&(
        keys::staff_login_pk(email),
        keys::STAFF_LOGIN_SK.to_string(),
    )) {
        Some(Stored::StaffLogin(p, s)) => Some((p.clone(), s.clone())),
        _ => None,
    }
}

pub(super) fn invitation(t: &Table, practice_id: &PracticeId, hash: &str) -> Option<Invitation> {
    match t.get(&(keys::practice_pk(practice_id), keys::invitation_sk(hash))) {
        Some(Stored::Invitation(i)) => Some((**i).clone()),
        _ => None,
    }
}

pub(super) fn session(t: &Table, practice_id: &PracticeId, hash: &str) -> Option<Session> {
    match t.get(&(keys::practice_pk(practice_id), keys::session_sk(hash))) {
        Some(Stored::Session(s)) => Some((**s).clone()),
        _ => None,
    }
}

pub(super) fn sessions(t: &Table, practice_id: &PracticeId) -> Vec<Session> {
    let pk = keys::practice_pk(practice_id);
    t.iter()
        .filter(|((p, s), _)| p == &pk && s.starts_with(keys::SESSION_PREFIX))
        .filter_map(|(_, v)| match v {
            Stored::Session(s) => Some((**s).clone()),
            _ => None,
        })
        .collect()
}

pub(super) fn failures(t: &Table, scope_key: &str) -> Option<Failures> {
    match t.get(&(
        keys::sign_in_failures_pk(scope_key),
        keys::SIGN_IN_FAILURES_SK.to_string(),
    )) {
        Some(Stored::SignInFailures(f)) => Some(*f),
        _ => None,
    }
}

pub(super) fn apply(t: &mut Staged, w: Write) -> Result<()> {
    match w {
        Write::StaffLogin {
            email,
            practice_id,
            staff_id,
        } => {
            let k = (
                keys::staff_login_pk(&email),
                keys::STAFF_LOGIN_SK.to_string(),
            );
            if t.contains_key(&k) {
                return Err(Error::Conflict);
            }
            t.insert(k, Stored::StaffLogin(practice_id, staff_id));
        }
        Write::RemoveStaffLogin { email } => {
            t.remove(&(
                keys::staff_login_pk(&email),
                keys::STAFF_LOGIN_SK.to_string(),
            ));
        }
        Write::ConsumeInvitation {
            practice_id,
            token_hash,
        } => {
            let k = (
                keys::practice_pk(&practice_id),
                keys::invitation_sk(&token_hash),
            );
            if !t.remove(&k) {
                return Err(Error::Conflict);
            }
        }
        Write::Session(s) => {
            t.insert(
                (
                    keys::practice_pk(&s.practice_id),
                    keys::session_sk(&s.token_hash),
                ),
                Stored::Session(s),
            );
        }
        Write::TouchSession(s) => {
            let k = (
                keys::practice_pk(&s.practice_id),
                keys::session_sk(&s.token_hash),
            );
            if !t.contains_key(&k) {
                return Err(Error::Conflict);
            }
            t.insert(k, Stored::Session(s));
        }
        Write::RemoveSession {
            practice_id,
            token_hash,
        } => {
            t.remove(&(
                keys::practice_pk(&practice_id),
                keys::session_sk(&token_hash),
            ));
        }
        Write::SignInFailures {
            scope_key,
            failures,
        } => {
            t.insert(
                (
                    keys::sign_in_failures_pk(&scope_key),
                    keys::SIGN_IN_FAILURES_SK.to_string(),
                ),
                Stored::SignInFailures(failures),
            );
        }
        Write::ClearSignInFailures { scope_key } => {
            t.remove(&(
                keys::sign_in_failures_pk(&scope_key),
                keys::SIGN_IN_FAILURES_SK.to_string(),
            ));
        }
        _ => {
            return Err(Error::Storage(
                "not a sign-in write (a bug in the memory store's dispatch)".into(),
            ))
        }
    }
    Ok(())
}
