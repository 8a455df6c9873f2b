//! One table operation (put, update or delete) with its condition, and the claim of due
//! work.

use super::*;
use crate::domain::DueWork;
use crate::{keys, Error, Result};

/// One table operation: a put, a delete or an update of one item, maybe conditional.
#[derive(Debug, Clone, PartialEq)]
pub(in crate::dynamo) struct Op {
    pub pk: String,
    pub sk: String,
    pub action: Action,
    pub condition: Option<Condition>,
    /// A failed condition means "nothing to do" rather than a conflict (removing a number
    /// route that is not, or no longer, this practice's).
    pub lenient: bool,
    /// For logs: the item type.
    pub item_type: &'static str,
}

impl Op {
    pub(in crate::dynamo) fn put(
        item: Attrs,
        ty: &'static str,
        condition: Option<Condition>,
    ) -> Result<Self> {
        let get = |name: &str| {
            item.get(name)
                .and_then(|v| v.as_s().ok())
                .cloned()
                .ok_or_else(|| Error::Storage(format!("a {ty} item has no {name}")))
        };
        Ok(Op {
            pk: get(keys::PK)?,
            sk: get(keys::SK)?,
            action: Action::Put(item),
            condition,
            lenient: false,
            item_type: ty,
        })
    }

    pub(in crate::dynamo) fn delete(pk: String, sk: String, ty: &'static str) -> Self {
        Op {
            pk,
            sk,
            action: Action::Delete,
            condition: None,
            lenient: false,
            item_type: ty,
        }
    }

    pub(in crate::dynamo) fn update(
        pk: String,
        sk: String,
        update: Update,
        ty: &'static str,
        condition: Condition,
    ) -> Self {
        Op {
            pk,
            sk,
            action: Action::Update(update),
            condition: Some(condition),
            lenient: false,
            item_type: ty,
        }
    }

    pub fn key(&self) -> Attrs {
        key_attrs(self.pk.clone(), self.sk.clone())
    }

    /// The update expression, for an `Action::Update`.
    pub fn update_expression(&self) -> Option<String> {
        match &self.action {
            Action::Update(u) => Some(u.render().expression),
            _ => None,
        }
    }

    /// Expression attribute names of the condition and the update together.
    pub fn names(&self) -> Option<HashMap<String, String>> {
        let mut names: HashMap<String, String> = self
            .condition
            .as_ref()
            .and_then(Condition::names)
            .unwrap_or_default();
        if let Action::Update(u) = &self.action {
            names.extend(u.render().names);
        }
        (!names.is_empty()).then_some(names)
    }

    /// Expression attribute values of the condition and the update together.
    pub fn values(&self) -> Option<Attrs> {
        let mut values: Attrs = self
            .condition
            .as_ref()
            .and_then(Condition::values)
            .unwrap_or_default();
        if let Action::Update(u) = &self.action {
            values.extend(u.render().values);
        }
        (!values.is_empty()).then_some(values)
    }
}

/// The `UpdateItem` that claims due work: it must still be exactly as seen; it moves to
/// `claimed.due_at` (its GSI1 keys with it) and counts one more attempt.
pub(in crate::dynamo) fn claim_op(seen: &DueWork, claimed: &DueWork) -> Result<Op> {
    let (gsi1pk, gsi1sk) = due_index_keys(claimed);
    let update = Update {
        set: vec![
            (DUE_AT, attribute(&claimed.due_at, kind::DUE)?),
            (keys::GSI1_PK, s(gsi1pk)),
            (keys::GSI1_SK, s(gsi1sk)),
        ],
        append: vec![],
        increment: vec![(ATTEMPTS, 1)],
    };
    Ok(Op::update(
        keys::practice_pk(&seen.practice_id),
        keys::due_key_of(seen),
        update,
        kind::DUE,
        Condition::held(seen)?,
    ))
}
