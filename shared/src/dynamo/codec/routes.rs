//! Route items: who owns an origination number (`NUMBER#…`) or an email sender
//! (`SENDER#…`). Claimed conditionally, so no practice can take another's.

use super::*;
use crate::ports::Write;
use crate::{keys, Result};

pub(super) fn expand(write: Write, out: &mut Vec<Op>) -> Result<()> {
    match write {
        Write::NumberRoute {
            number,
            practice_id,
        } => out.push(claim_route(
            keys::number_route_pk(&number),
            keys::NUMBER_ROUTE_SK.into(),
            kind::NUMBER_ROUTE,
            practice_id,
        )?),
        Write::RemoveNumberRoute {
            number,
            practice_id,
        } => out.push(release_route(
            keys::number_route_pk(&number),
            keys::NUMBER_ROUTE_SK.into(),
            kind::NUMBER_ROUTE,
            &practice_id,
        )),
        Write::SenderRoute {
            address,
            practice_id,
        } => out.push(claim_route(
            keys::sender_pk(&address),
            keys::SENDER_SK.into(),
            kind::SENDER_ROUTE,
            practice_id,
        )?),
        Write::RemoveSenderRoute {
            address,
            practice_id,
        } => out.push(release_route(
            keys::sender_pk(&address),
            keys::SENDER_SK.into(),
            kind::SENDER_ROUTE,
            &practice_id,
        )),
        _ => {
            return Err(Error::Storage(
                "not a route write (a bug in the codec's dispatch)".into(),
            ))
        }
    }
    Ok(())
}

/// Claims a route item (a number or a sender) for `practice_id`: created, or rewritten by
/// its owner; another practice's is a conflict.
fn claim_route(pk: String, sk: String, ty: &'static str, practice_id: PracticeId) -> Result<Op> {
    let cond = Condition::absent_or_owned_by(&practice_id);
    let item = encode(&Route { practice_id }, pk, sk, ty)?;
    Op::put(item, ty, Some(cond))
}

/// Releases a route item, only if `practice_id` owns it; anyone else's stays, silently.
fn release_route(pk: String, sk: String, ty: &'static str, practice_id: &PracticeId) -> Op {
    let mut op = Op::delete(pk, sk, ty);
    op.condition = Some(Condition {
        expression: "#practice_id = :practice_id",
        names: vec![("#practice_id", PRACTICE_ID)],
        values: vec![(":practice_id", s(practice_id.as_str()))],
    });
    op.lenient = true;
    op
}
