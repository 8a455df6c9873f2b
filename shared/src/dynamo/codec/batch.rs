//! Operations on the same item in one batch merged into one, so a transaction names each
//! item once.

use super::*;
use crate::{Error, Result};

/// DynamoDB refuses two operations on one item in a transaction. When a batch touches an
/// item twice, the two become one operation with the effect of applying them in order (see
/// [`merge`]).
pub(in crate::dynamo) fn collapse(ops: Vec<Op>) -> Result<Vec<Op>> {
    let mut out: Vec<Op> = Vec::with_capacity(ops.len());
    for op in ops {
        match out.iter().position(|o| o.pk == op.pk && o.sk == op.sk) {
            Some(i) => {
                tracing::debug!(
                    item_type = op.item_type,
                    "batch writes one item twice; merging the writes in order"
                );
                let earlier = out.remove(i);
                out.insert(i, merge(earlier, op)?);
            }
            None => out.push(op),
        }
    }
    Ok(out)
}

/// Two operations on one item as one:
/// - a put or delete after a put or delete wins, keeping the earlier condition when it has
///   none of its own;
/// - an update after a put is folded into the put;
/// - an update after a delete finds nothing: a lenient one is dropped, else it conflicts;
/// - two updates become one;
/// - a delete after an update keeps the update's condition when it has none;
/// - a put after an update keeps a strict update's condition when it has none, and a
///   version condition is moved back by the update's version increment (it is checked
///   against the item before the batch); a put expecting the item absent conflicts.
pub(in crate::dynamo) fn merge(earlier: Op, later: Op) -> Result<Op> {
    let Op {
        action: earlier_action,
        condition: earlier_condition,
        lenient: earlier_lenient,
        ..
    } = earlier.clone();
    match (earlier_action, later.action.clone()) {
        (Action::Put(mut item), Action::Update(update)) => {
            update.apply_to(&mut item, earlier.item_type)?;
            Ok(Op {
                action: Action::Put(item),
                ..earlier
            })
        }
        (Action::Delete, Action::Update(_)) if later.lenient => Ok(earlier),
        (Action::Delete, Action::Update(_)) => Err(Error::Conflict),
        (Action::Update(first), Action::Update(second)) => Ok(Op {
            action: Action::Update(first.then(second)),
            condition: earlier_condition.or(later.condition),
            lenient: earlier_lenient && later.lenient,
            ..earlier
        }),
        (Action::Update(update), Action::Put(_)) => {
            let (condition, lenient) = match later.condition.clone() {
                None if earlier_lenient => (None, false),
                None => (earlier_condition, false),
                Some(c) if c == Condition::absent() => return Err(Error::Conflict),
                Some(c) => match c.expected_version() {
                    Some(v) => match v.checked_sub(update.increment_of(VERSION)) {
                        Some(before) => (Some(Condition::version(before)), later.lenient),
                        None => return Err(Error::Conflict),
                    },
                    None => (Some(c), later.lenient),
                },
            };
            Ok(Op {
                condition,
                lenient,
                ..later
            })
        }
        _ => {
            let mut op = later;
            if op.condition.is_none() {
                op.condition = earlier_condition;
                op.lenient = earlier_lenient;
            }
            Ok(op)
        }
    }
}
