//! The in-memory store's staff items, with the adapter's conditions.

use super::staged::Staged;
use super::{Stored, Table};
use chrono::{DateTime, Utc};

use crate::domain::{Decision, Message, PracticeId, StaffId, StaffMember};
use crate::keys;
use crate::ports::Write;
use crate::{Error, Result};

pub(super) fn member(
    t: &Table,
    practice_id: &PracticeId,
    staff_id: &StaffId,
) -> Option<StaffMember> {
    match t.get(&(keys::practice_pk(practice_id), keys::staff_sk(staff_id))) {
        Some(Stored::Staff(m)) => Some((**m).clone()),
        _ => None,
    }
}

pub(super) fn members(t: &Table, practice_id: &PracticeId) -> Vec<StaffMember> {
    let pk = keys::practice_pk(practice_id);
    t.iter()
        .filter(|((p, s), _)| p == &pk && s.starts_with(keys::STAFF_PREFIX))
        .filter_map(|(_, v)| match v {
            Stored::Staff(m) => Some((**m).clone()),
            _ => None,
        })
        .collect()
}

pub(super) fn canned_replies(
    t: &Table,
    practice_id: &PracticeId,
) -> Vec<crate::domain::CannedReply> {
    let pk = keys::practice_pk(practice_id);
    t.iter()
        .filter(|((p, s), _)| p == &pk && s.starts_with(keys::CANNED_REPLY_PREFIX))
        .filter_map(|(_, v)| match v {
            Stored::CannedReply(r) => Some((**r).clone()),
            _ => None,
        })
        .collect()
}

pub(super) fn deferred_replies(t: &Table, until: DateTime<Utc>) -> Vec<Message> {
    let mut due: Vec<(DateTime<Utc>, Message)> = t
        .values()
        .filter_map(|v| match v {
            Stored::DeferredReply(m) => match m.decision {
                Decision::Deferred { until: at } if at <= until => Some((at, (**m).clone())),
                _ => None,
            },
            _ => None,
        })
        .collect();
    due.sort_by_key(|a| a.0);
    due.into_iter().map(|(_, m)| m).collect()
}

pub(super) fn apply(t: &mut Staged, w: Write) -> Result<()> {
    match w {
        Write::CannedReply { reply, create } => {
            let k = (
                keys::practice_pk(&reply.practice_id),
                keys::canned_reply_sk(&reply.reply_id),
            );
            if create == t.contains_key(&k) {
                return Err(Error::Conflict);
            }
            t.insert(k, Stored::CannedReply(reply));
        }
        Write::RemoveCannedReply {
            practice_id,
            reply_id,
        } => {
            t.remove(&(
                keys::practice_pk(&practice_id),
                keys::canned_reply_sk(&reply_id),
            ));
        }
        Write::Staff {
            member,
            expect_absent,
        } => {
            let k = (
                keys::practice_pk(&member.practice_id),
                keys::staff_sk(&member.staff_id),
            );
            if expect_absent && t.contains_key(&k) {
                return Err(Error::Conflict);
            }
            t.insert(k, Stored::Staff(member));
        }
        Write::StaffEmail {
            practice_id, email, ..
        } => {
            let k = (
                keys::practice_pk(&practice_id),
                keys::staff_email_sk(&email),
            );
            if t.contains_key(&k) {
                return Err(Error::Conflict);
            }
            t.insert(k, Stored::StaffEmail);
        }
        Write::RemoveStaff {
            practice_id,
            staff_id,
            email,
        } => {
            let pk = keys::practice_pk(&practice_id);
            t.remove(&(pk.clone(), keys::staff_sk(&staff_id)));
            t.remove(&(pk, keys::staff_email_sk(&email)));
        }
        Write::Invitation(inv) => {
            let k = (
                keys::practice_pk(&inv.practice_id),
                keys::invitation_sk(&inv.token_hash),
            );
            if t.contains_key(&k) {
                return Err(Error::Conflict);
            }
            t.insert(k, Stored::Invitation(inv));
        }
        Write::DeferReply(m) => {
            if !matches!(m.decision, Decision::Deferred { .. }) {
                return Err(Error::Storage(
                    "a deferred reply must have a deferred decision".into(),
                ));
            }
            t.insert(
                (
                    keys::practice_pk(&m.practice_id),
                    keys::deferred_reply_sk(&m.message_id),
                ),
                Stored::DeferredReply(m),
            );
        }
        Write::DoneDeferReply {
            practice_id,
            message_id,
        } => {
            let k = (
                keys::practice_pk(&practice_id),
                keys::deferred_reply_sk(&message_id),
            );
            if !t.remove(&k) {
                return Err(Error::Conflict);
            }
        }
        _ => {
            return Err(Error::Storage(
                "not a staff write (a bug in the memory store's dispatch)".into(),
            ))
        }
    }
    Ok(())
}
