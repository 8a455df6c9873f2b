//! Conditions and update expressions of table operations.

use super::*;
use crate::domain::{DueWork, PracticeId};
use crate::ports::Expect;
use crate::{keys, Result};

/// A condition on one operation, with its placeholders.
#[derive(Debug, Clone, PartialEq)]
pub(in crate::dynamo) struct Condition {
    pub expression: &'static str,
    pub names: Vec<(&'static str, &'static str)>,
    pub values: Vec<(&'static str, AttributeValue)>,
}

impl Condition {
    pub(in crate::dynamo) fn absent() -> Self {
        Condition {
            expression: "attribute_not_exists(#pk)",
            names: vec![("#pk", keys::PK)],
            values: vec![],
        }
    }

    pub(in crate::dynamo) fn exists() -> Self {
        Condition {
            expression: "attribute_exists(#pk)",
            names: vec![("#pk", keys::PK)],
            values: vec![],
        }
    }

    /// The stored due item is still exactly as seen: same `due_at` and `attempts`.
    pub fn held(d: &DueWork) -> Result<Self> {
        Ok(Condition {
            expression:
                "attribute_exists(#pk) AND #due_at = :held_due_at AND #attempts = :held_attempts",
            names: vec![
                ("#pk", keys::PK),
                ("#due_at", DUE_AT),
                ("#attempts", ATTEMPTS),
            ],
            values: vec![
                (":held_due_at", attribute(&d.due_at, kind::DUE)?),
                (":held_attempts", attribute(&d.attempts, kind::DUE)?),
            ],
        })
    }

    pub(in crate::dynamo) fn version(v: u64) -> Self {
        Condition {
            expression: VERSION_EXPRESSION,
            names: vec![("#version", VERSION)],
            values: vec![(":version", AttributeValue::N(v.to_string()))],
        }
    }

    /// Absent, or owned by this practice.
    pub(in crate::dynamo) fn absent_or_owned_by(p: &PracticeId) -> Self {
        Condition {
            expression: "attribute_not_exists(#pk) OR #practice_id = :practice_id",
            names: vec![("#pk", keys::PK), ("#practice_id", PRACTICE_ID)],
            values: vec![(":practice_id", s(p.as_str()))],
        }
    }

    /// The version a `version(v)` condition expects.
    pub(in crate::dynamo) fn expected_version(&self) -> Option<u64> {
        if self.expression != VERSION_EXPRESSION {
            return None;
        }
        match self.values.as_slice() {
            [(":version", AttributeValue::N(n))] => n.parse().ok(),
            _ => None,
        }
    }

    pub(in crate::dynamo) fn of(expect: Expect) -> Option<Self> {
        match expect {
            Expect::Absent => Some(Self::absent()),
            Expect::Version(v) => Some(Self::version(v)),
            Expect::Any => None,
        }
    }

    pub fn names(&self) -> Option<HashMap<String, String>> {
        (!self.names.is_empty()).then(|| {
            self.names
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
    }

    pub fn values(&self) -> Option<Attrs> {
        (!self.values.is_empty()).then(|| {
            self.values
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect()
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(in crate::dynamo) enum Action {
    Put(Attrs),
    Delete,
    /// An in-place change of an existing item (UpdateItem), never a read-modify-write.
    Update(Update),
}

/// What an `Action::Update` changes. Each attribute appears once.
#[derive(Debug, Clone, Default, PartialEq)]
pub(in crate::dynamo) struct Update {
    /// Attributes set to a value.
    pub set: Vec<(&'static str, AttributeValue)>,
    /// List attributes the values are appended to (the list is created when absent).
    pub append: Vec<(&'static str, Vec<AttributeValue>)>,
    /// Number attributes the amounts are added to (they must exist).
    pub increment: Vec<(&'static str, u64)>,
}

/// An update expression with its placeholders.
#[derive(Debug, Clone, Default, PartialEq)]
pub(in crate::dynamo) struct Rendered {
    pub expression: String,
    pub names: HashMap<String, String>,
    pub values: Attrs,
}

impl Update {
    /// The `SET` expression, with placeholders `#u<i>` / `:u<i>` (and `:empty`), which
    /// never collide with a condition's.
    pub fn render(&self) -> Rendered {
        let mut out = Rendered::default();
        let mut clauses = Vec::new();
        let mut next = 0usize;
        let mut placeholder = |attr: &str, names: &mut HashMap<String, String>| {
            let i = next;
            next += 1;
            names.insert(format!("#u{i}"), attr.to_string());
            (format!("#u{i}"), format!(":u{i}"))
        };
        for (attr, value) in &self.set {
            let (n, v) = placeholder(attr, &mut out.names);
            clauses.push(format!("{n} = {v}"));
            out.values.insert(v, value.clone());
        }
        for (attr, items) in &self.append {
            let (n, v) = placeholder(attr, &mut out.names);
            clauses.push(format!(
                "{n} = list_append(if_not_exists({n}, :empty), {v})"
            ));
            out.values.insert(v, AttributeValue::L(items.clone()));
        }
        for (attr, amount) in &self.increment {
            let (n, v) = placeholder(attr, &mut out.names);
            clauses.push(format!("{n} = {n} + {v}"));
            out.values.insert(v, AttributeValue::N(amount.to_string()));
        }
        if !self.append.is_empty() {
            out.values
                .insert(":empty".to_string(), AttributeValue::L(vec![]));
        }
        out.expression = format!("SET {}", clauses.join(", "));
        out
    }

    /// This update followed by `later`, as one update.
    pub(in crate::dynamo) fn then(mut self, later: Update) -> Update {
        for (attr, value) in later.set {
            self.set.retain(|(a, _)| *a != attr);
            self.set.push((attr, value));
        }
        for (attr, items) in later.append {
            match self.append.iter_mut().find(|(a, _)| *a == attr) {
                Some((_, mine)) => mine.extend(items),
                None => self.append.push((attr, items)),
            }
        }
        for (attr, amount) in later.increment {
            match self.increment.iter_mut().find(|(a, _)| *a == attr) {
                Some((_, mine)) => *mine += amount,
                None => self.increment.push((attr, amount)),
            }
        }
        self
    }

    /// How much this update adds to `attr`.
    pub(in crate::dynamo) fn increment_of(&self, attr: &str) -> u64 {
        self.increment
            .iter()
            .filter(|(a, _)| *a == attr)
            .map(|(_, n)| n)
            .sum()
    }

    /// Applies the update to an item about to be put (a put and an update of one item in
    /// one batch become one put).
    pub(in crate::dynamo) fn apply_to(&self, item: &mut Attrs, ty: &'static str) -> Result<()> {
        for (attr, value) in &self.set {
            item.insert(attr.to_string(), value.clone());
        }
        for (attr, items) in &self.append {
            let list = item
                .entry(attr.to_string())
                .or_insert_with(|| AttributeValue::L(vec![]));
            match list {
                AttributeValue::L(existing) => existing.extend(items.iter().cloned()),
                _ => return Err(corrupt(ty, "an appended attribute is not a list")),
            }
        }
        for (attr, amount) in &self.increment {
            let current = item
                .get(*attr)
                .and_then(|v| v.as_n().ok())
                .and_then(|n| n.parse::<u64>().ok())
                .and_then(|n| n.checked_add(*amount))
                .ok_or_else(|| corrupt(ty, "an incremented attribute is not a number"))?;
            item.insert(attr.to_string(), AttributeValue::N(current.to_string()));
        }
        Ok(())
    }
}
