//! Item mapping: domain structs (via `serde_dynamo`) plus key attributes and a `type`
//! attribute, and the expansion of a port `Write` into table operations. The item layout
//! is documented in `docs/data-model.md`.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::errors::redact;
use crate::domain::{bucket_of, DueWork, PracticeId, Sweep, TaskStatus};
use crate::keys;
use crate::ports::{Expect, Item, Key, Write};
use crate::{Error, Result};

pub(super) type Attrs = HashMap<String, AttributeValue>;

/// The attribute naming what an item is.
pub(super) const TYPE: &str = "type";
/// The attribute of a number route naming its practice.
const PRACTICE_ID: &str = "practice_id";
const VERSION: &str = "version";
const VERSION_EXPRESSION: &str = "#version = :version";
/// Fields of `Patient` and `DueWork` that writes change in place.
const RECENT_AUTOMATED: &str = "recent_automated";
const DUE_AT: &str = "due_at";
const ATTEMPTS: &str = "attempts";

/// Values of the `type` attribute.
pub(super) mod kind {
    pub const PRACTICE: &str = "practice";
    pub const PATIENT: &str = "patient";
    pub const PATIENT_PHONE: &str = "patient_phone";
    pub const APPOINTMENT: &str = "appointment";
    pub const MESSAGE: &str = "message";
    pub const TASK: &str = "task";
    pub const CLAIM: &str = "claim";
    pub const DUE: &str = "due";
    pub const NUMBER_ROUTE: &str = "number_route";
    pub const SWEEP_CURSOR: &str = "sweep_cursor";
    pub const CONSENT_EVENT: &str = "consent_event";
    pub const SENDER_ROUTE: &str = "sender_route";
    pub const WAITING: &str = "waiting";
    pub const UNKNOWN_THREAD: &str = "unknown_thread";
    pub const STAFF: &str = "staff";
    pub const STAFF_EMAIL: &str = "staff_email";
    pub const INVITATION: &str = "invitation";
    pub const DEFERRED_REPLY: &str = "deferred_reply";
    pub const STAFF_LOGIN: &str = "staff_login";
    pub const SESSION: &str = "session";
    pub const SIGN_IN_FAILURES: &str = "sign_in_failures";
}

#[path = "session_codec.rs"]
mod sessions;
#[path = "staff_codec.rs"]
mod staff;
#[path = "thread_codec.rs"]
mod threads;

pub(super) fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

/// A table key `{PK, SK}`.
pub(super) fn key_attrs(pk: String, sk: String) -> Attrs {
    HashMap::from([(keys::PK.to_string(), s(pk)), (keys::SK.to_string(), s(sk))])
}

/// Serialises `value` and adds the key and `type` attributes.
fn encode<T: Serialize>(value: &T, pk: String, sk: String, ty: &'static str) -> Result<Attrs> {
    let mut item: Attrs = serde_dynamo::aws_sdk_dynamodb_1::to_item(value).map_err(|e| {
        tracing::error!(item_type = ty, "item could not be encoded");
        Error::Storage(format!(
            "a {ty} item could not be encoded: {}",
            redact(&e.to_string())
        ))
    })?;
    item.insert(keys::PK.into(), s(pk));
    item.insert(keys::SK.into(), s(sk));
    item.insert(TYPE.into(), s(ty));
    Ok(item)
}

/// The `serde_dynamo` encoding of one field value, exactly as it appears inside an item of
/// type `ty` (so conditions compare like with like, and updated items still decode).
pub(super) fn attribute<T: Serialize>(value: &T, ty: &'static str) -> Result<AttributeValue> {
    serde_dynamo::aws_sdk_dynamodb_1::to_attribute_value(value).map_err(|e| {
        tracing::error!(item_type = ty, "attribute could not be encoded");
        Error::Storage(format!(
            "a {ty} attribute could not be encoded: {}",
            redact(&e.to_string())
        ))
    })
}

/// Decodes an item that must be of type `want`. Any mismatch is `Error::Corrupt`.
pub(super) fn decode<T: DeserializeOwned>(item: Attrs, want: &'static str) -> Result<T> {
    match item.get(TYPE).and_then(|v| v.as_s().ok()) {
        Some(ty) if ty == want => {}
        Some(_) => return Err(corrupt(want, "it has another type")),
        None => return Err(corrupt(want, "it has no type attribute")),
    }
    serde_dynamo::aws_sdk_dynamodb_1::from_item(item)
        .map_err(|e| corrupt(want, &redact(&e.to_string())))
}

pub(super) fn corrupt(want: &'static str, why: &str) -> Error {
    tracing::error!(
        item_type = want,
        reason = why,
        "stored item could not be decoded"
    );
    Error::Corrupt(format!("a {want} item could not be read: {why}"))
}

/// The item a `Key` names, and the type it must have.
pub(super) fn key_of(practice_id: &PracticeId, key: &Key) -> (Attrs, &'static str) {
    let pk = keys::practice_pk(practice_id);
    let (sk, ty) = match key {
        Key::Practice => (keys::PRACTICE_SK.to_string(), kind::PRACTICE),
        Key::Patient(id) => (keys::patient_sk(id), kind::PATIENT),
        Key::Appointment(id) => (keys::appointment_sk(id), kind::APPOINTMENT),
        Key::Task(id) => (keys::task_sk(id), kind::TASK),
    };
    (key_attrs(pk, sk), ty)
}

/// Decodes an item read by key into the port's `Item`.
pub(super) fn decode_item(item: Attrs, ty: &'static str) -> Result<Item> {
    Ok(match ty {
        kind::PRACTICE => Item::Practice(Box::new(decode(item, ty)?)),
        kind::PATIENT => Item::Patient(Box::new(decode(item, ty)?)),
        kind::APPOINTMENT => Item::Appointment(Box::new(decode(item, ty)?)),
        kind::TASK => Item::Task(Box::new(decode(item, ty)?)),
        other => return Err(corrupt(other, "no reader for this item type")),
    })
}

/// The stored body of a number route.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct Route {
    pub practice_id: PracticeId,
}

/// The stored body of a sweep cursor.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct SweepCursor {
    pub sweep: Sweep,
    pub bucket: DateTime<Utc>,
}

/// The key of a due item.
pub(super) fn due_key(d: &DueWork) -> Attrs {
    key_attrs(keys::practice_pk(&d.practice_id), keys::due_key_of(d))
}

/// The GSI1 keys of due work: its sweep's bucket of `due_at`, and its due-order sort key.
pub(super) fn due_index_keys(d: &DueWork) -> (String, String) {
    (
        keys::due_bucket_pk(d.kind.sweep(), bucket_of(d.due_at)),
        keys::due_sort(d),
    )
}

/// A due item: the `DueWork` with its GSI1 keys.
fn due_item(d: &DueWork) -> Result<Attrs> {
    let mut item = encode(
        d,
        keys::practice_pk(&d.practice_id),
        keys::due_key_of(d),
        kind::DUE,
    )?;
    let (gsi1pk, gsi1sk) = due_index_keys(d);
    item.insert(keys::GSI1_PK.into(), s(gsi1pk));
    item.insert(keys::GSI1_SK.into(), s(gsi1sk));
    Ok(item)
}

/// A condition on one operation, with its placeholders.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Condition {
    pub expression: &'static str,
    pub names: Vec<(&'static str, &'static str)>,
    pub values: Vec<(&'static str, AttributeValue)>,
}

impl Condition {
    fn absent() -> Self {
        Condition {
            expression: "attribute_not_exists(#pk)",
            names: vec![("#pk", keys::PK)],
            values: vec![],
        }
    }

    fn exists() -> Self {
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

    fn version(v: u64) -> Self {
        Condition {
            expression: VERSION_EXPRESSION,
            names: vec![("#version", VERSION)],
            values: vec![(":version", AttributeValue::N(v.to_string()))],
        }
    }

    /// Absent, or owned by this practice.
    fn absent_or_owned_by(p: &PracticeId) -> Self {
        Condition {
            expression: "attribute_not_exists(#pk) OR #practice_id = :practice_id",
            names: vec![("#pk", keys::PK), ("#practice_id", PRACTICE_ID)],
            values: vec![(":practice_id", s(p.as_str()))],
        }
    }

    /// The version a `version(v)` condition expects.
    fn expected_version(&self) -> Option<u64> {
        if self.expression != VERSION_EXPRESSION {
            return None;
        }
        match self.values.as_slice() {
            [(":version", AttributeValue::N(n))] => n.parse().ok(),
            _ => None,
        }
    }

    fn of(expect: Expect) -> Option<Self> {
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
pub(super) enum Action {
    Put(Attrs),
    Delete,
    /// An in-place change of an existing item (UpdateItem), never a read-modify-write.
    Update(Update),
}

/// What an `Action::Update` changes. Each attribute appears once.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Update {
    /// Attributes set to a value.
    pub set: Vec<(&'static str, AttributeValue)>,
    /// List attributes the values are appended to (the list is created when absent).
    pub append: Vec<(&'static str, Vec<AttributeValue>)>,
    /// Number attributes the amounts are added to (they must exist).
    pub increment: Vec<(&'static str, u64)>,
}

/// An update expression with its placeholders.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Rendered {
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
    fn then(mut self, later: Update) -> Update {
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
    fn increment_of(&self, attr: &str) -> u64 {
        self.increment
            .iter()
            .filter(|(a, _)| *a == attr)
            .map(|(_, n)| n)
            .sum()
    }

    /// Applies the update to an item about to be put (a put and an update of one item in
    /// one batch become one put).
    fn apply_to(&self, item: &mut Attrs, ty: &'static str) -> Result<()> {
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

/// One table operation: a put, a delete or an update of one item, maybe conditional.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Op {
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
    fn put(item: Attrs, ty: &'static str, condition: Option<Condition>) -> Result<Self> {
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

    fn delete(pk: String, sk: String, ty: &'static str) -> Self {
        Op {
            pk,
            sk,
            action: Action::Delete,
            condition: None,
            lenient: false,
            item_type: ty,
        }
    }

    fn update(
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
pub(super) fn claim_op(seen: &DueWork, claimed: &DueWork) -> Result<Op> {
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

/// Expands one port write into table operations (a patient with a phone is two or three).
pub(super) fn expand(write: Write, out: &mut Vec<Op>) -> Result<()> {
    match write {
        Write::Practice {
            practice,
            expect_absent,
        } => {
            let item = encode(
                &*practice,
                keys::practice_pk(&practice.practice_id),
                keys::PRACTICE_SK.into(),
                kind::PRACTICE,
            )?;
            let cond = expect_absent.then(Condition::absent);
            out.push(Op::put(item, kind::PRACTICE, cond)?);
        }
        Write::NumberRoute {
            number,
            practice_id,
        } => {
            let cond = Condition::absent_or_owned_by(&practice_id);
            let item = encode(
                &Route { practice_id },
                keys::number_route_pk(&number),
                keys::NUMBER_ROUTE_SK.into(),
                kind::NUMBER_ROUTE,
            )?;
            out.push(Op::put(item, kind::NUMBER_ROUTE, Some(cond))?);
        }
        Write::RemoveNumberRoute {
            number,
            practice_id,
        } => {
            let mut op = Op::delete(
                keys::number_route_pk(&number),
                keys::NUMBER_ROUTE_SK.into(),
                kind::NUMBER_ROUTE,
            );
            op.condition = Some(Condition {
                expression: "#practice_id = :practice_id",
                names: vec![("#practice_id", PRACTICE_ID)],
                values: vec![(":practice_id", s(practice_id.as_str()))],
            });
            op.lenient = true;
            out.push(op);
        }
        Write::SenderRoute {
            address,
            practice_id,
        } => {
            let cond = Condition::absent_or_owned_by(&practice_id);
            let item = encode(
                &Route { practice_id },
                keys::sender_pk(&address),
                keys::SENDER_SK.into(),
                kind::SENDER_ROUTE,
            )?;
            out.push(Op::put(item, kind::SENDER_ROUTE, Some(cond))?);
        }
        Write::RemoveSenderRoute {
            address,
            practice_id,
        } => {
            let mut op = Op::delete(
                keys::sender_pk(&address),
                keys::SENDER_SK.into(),
                kind::SENDER_ROUTE,
            );
            op.condition = Some(Condition {
                expression: "#practice_id = :practice_id",
                names: vec![("#practice_id", PRACTICE_ID)],
                values: vec![(":practice_id", s(practice_id.as_str()))],
            });
            op.lenient = true;
            out.push(op);
        }
        Write::Patient {
            patient,
            expect,
            previous_phone,
        } => {
            let pk = keys::practice_pk(&patient.practice_id);
            let main = encode(
                &*patient,
                pk.clone(),
                keys::patient_sk(&patient.patient_id),
                kind::PATIENT,
            )?;
            out.push(Op::put(main, kind::PATIENT, Condition::of(expect))?);
            if let Some(phone) = &patient.phone {
                let index = encode(
                    &*patient,
                    pk.clone(),
                    keys::phone_sk(phone, &patient.patient_id),
                    kind::PATIENT_PHONE,
                )?;
                out.push(Op::put(index, kind::PATIENT_PHONE, None)?);
            }
            if let Some(old) = previous_phone.filter(|old| Some(old) != patient.phone.as_ref()) {
                out.push(Op::delete(
                    pk,
                    keys::phone_sk(&old, &patient.patient_id),
                    kind::PATIENT_PHONE,
                ));
            }
        }
        Write::Appointment {
            appointment,
            expect,
        } => {
            let mut item = encode(
                &*appointment,
                keys::practice_pk(&appointment.practice_id),
                keys::appointment_sk(&appointment.appointment_id),
                kind::APPOINTMENT,
            )?;
            // The patient's appointment index (GSI2), sorted by start.
            item.insert(
                keys::GSI2_PK.into(),
                s(keys::patient_appointments_pk(
                    &appointment.practice_id,
                    &appointment.patient_id,
                )),
            );
            item.insert(
                keys::GSI2_SK.into(),
                s(keys::patient_appointment_sort(
                    appointment.starts_at,
                    &appointment.appointment_id,
                )),
            );
            out.push(Op::put(item, kind::APPOINTMENT, Condition::of(expect))?);
        }
        Write::Message(m) => {
            let item = encode(
                &*m,
                keys::practice_pk(&m.practice_id),
                keys::message_sk(&m),
                kind::MESSAGE,
            )?;
            out.push(Op::put(item, kind::MESSAGE, None)?);
        }
        Write::Task(t) => {
            let mut item = encode(
                &*t,
                keys::practice_pk(&t.practice_id),
                keys::task_sk(&t.task_id),
                kind::TASK,
            )?;
            if t.status == TaskStatus::Open {
                item.insert(keys::GSI2_PK.into(), s(keys::open_tasks_pk(&t.practice_id)));
                item.insert(
                    keys::GSI2_SK.into(),
                    s(keys::open_task_sort(t.priority, t.created_at, &t.task_id)),
                );
            } else {
                // Resolved: the resolved-task partition of GSI2, newest first.
                let at = t.resolved_at.unwrap_or(t.created_at);
                item.insert(
                    keys::GSI2_PK.into(),
                    s(keys::resolved_tasks_pk(&t.practice_id)),
                );
                item.insert(
                    keys::GSI2_SK.into(),
                    s(keys::resolved_task_sort(at, &t.task_id)),
                );
            }
            out.push(Op::put(item, kind::TASK, None)?);
        }
        Write::Claim {
            practice_id,
            key,
            expires_at,
        } => {
            let mut item = key_attrs(keys::practice_pk(&practice_id), keys::claim_sk(&key));
            item.insert(TYPE.into(), s(kind::CLAIM));
            item.insert(
                keys::TTL.into(),
                AttributeValue::N(expires_at.timestamp().to_string()),
            );
            out.push(Op::put(item, kind::CLAIM, Some(Condition::absent()))?);
        }
        Write::Due(d) => {
            out.push(Op::put(due_item(&d)?, kind::DUE, None)?);
        }
        Write::RemoveDue {
            practice_id,
            due_key,
        } => {
            out.push(Op::delete(
                keys::practice_pk(&practice_id),
                due_key,
                kind::DUE,
            ));
        }
        Write::DoneDue { claimed } => {
            let mut op = Op::delete(
                keys::practice_pk(&claimed.practice_id),
                keys::due_key_of(&claimed),
                kind::DUE,
            );
            op.condition = Some(Condition::held(&claimed)?);
            out.push(op);
        }
        Write::ReleaseDue { claimed, next } => {
            if due_key(&claimed) != due_key(&next) {
                tracing::error!("ReleaseDue changes the identity of due work");
                return Err(Error::Storage(
                    "ReleaseDue must keep the practice, appointment and kind of the claimed work; \
                     plan other work with Write::Due"
                        .into(),
                ));
            }
            out.push(Op::put(
                due_item(&next)?,
                kind::DUE,
                Some(Condition::held(&claimed)?),
            )?);
        }
        Write::NoteAutomatedSend {
            practice_id,
            patient_id,
            phone,
            at,
        } => {
            let pk = keys::practice_pk(&practice_id);
            let update = Update {
                set: vec![],
                append: vec![(RECENT_AUTOMATED, vec![attribute(&at, kind::PATIENT)?])],
                increment: vec![(VERSION, 1)],
            };
            out.push(Op::update(
                pk.clone(),
                keys::patient_sk(&patient_id),
                update.clone(),
                kind::PATIENT,
                Condition::exists(),
            ));
            if let Some(phone) = &phone {
                // A copy that is gone (the phone changed meanwhile) has nothing to note,
                // and an update must not create a stub copy: hence a lenient condition.
                let mut copy = Op::update(
                    pk,
                    keys::phone_sk(phone, &patient_id),
                    update,
                    kind::PATIENT_PHONE,
                    Condition::exists(),
                );
                copy.lenient = true;
                out.push(copy);
            }
        }
        Write::SweepCursor { sweep, bucket } => {
            let item = encode(
                &SweepCursor { sweep, bucket },
                keys::sweep_cursor_pk(sweep),
                keys::SWEEP_CURSOR_SK.into(),
                kind::SWEEP_CURSOR,
            )?;
            out.push(Op::put(item, kind::SWEEP_CURSOR, None)?);
        }
        Write::ConsentEvent(e) => {
            let item = encode(
                &*e,
                keys::practice_pk(&e.practice_id),
                keys::consent_sk(&e),
                kind::CONSENT_EVENT,
            )?;
            // Append-only: a history record is never overwritten.
            out.push(Op::put(
                item,
                kind::CONSENT_EVENT,
                Some(Condition::absent()),
            )?);
        }
        w @ (Write::Waiting(_)
        | Write::RemoveWaiting { .. }
        | Write::UnknownInbound { .. }
        | Write::UnknownThread { .. }) => threads::expand(w, out)?,
        w @ (Write::Staff { .. }
        | Write::StaffEmail { .. }
        | Write::RemoveStaff { .. }
        | Write::Invitation(_)
        | Write::DeferReply(_)
        | Write::DoneDeferReply { .. }) => staff::expand(w, out)?,
        w @ (Write::StaffLogin { .. }
        | Write::RemoveStaffLogin { .. }
        | Write::ConsumeInvitation { .. }
        | Write::Session(_)
        | Write::TouchSession(_)
        | Write::RemoveSession { .. }
        | Write::SignInFailures { .. }
        | Write::ClearSignInFailures { .. }) => sessions::expand(w, out)?,
    }
    Ok(())
}

/// DynamoDB refuses two operations on one item in a transaction. When a batch touches an
/// item twice, the two become one operation with the effect of applying them in order (see
/// [`merge`]).
pub(super) fn collapse(ops: Vec<Op>) -> Result<Vec<Op>> {
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
fn merge(earlier: Op, later: Op) -> Result<Op> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{
        Channel, Patient, PatientId, PhoneNumber, Priority, Task, TaskId, TaskKind,
    };
    use chrono::{TimeZone, Utc};

    fn patient(phone: Option<&str>) -> Patient {
        let t = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
        Patient {
            phone: phone.map(|p| PhoneNumber::parse_e164(p).unwrap()),
            version: 3,
            ..Patient::new(
                PracticeId::parse("prc_1").unwrap(),
                PatientId::parse("pat-1").unwrap(),
                "Ada",
                "Lovelace",
                Channel::Sms,
                t,
            )
        }
    }

    fn expanded(w: Write) -> Vec<Op> {
        let mut ops = vec![];
        expand(w, &mut ops).unwrap();
        ops
    }

    #[test]
    fn a_patient_with_a_new_phone_writes_main_and_index_and_drops_the_old_index() {
        let ops = expanded(Write::Patient {
            patient: Box::new(patient(Some("+14155550123"))),
            expect: Expect::Version(2),
            previous_phone: Some(PhoneNumber::parse_e164("+14155550199").unwrap()),
        });
        assert_eq!(ops.len(), 3);
        assert_eq!(ops[0].sk, "PATIENT#pat-1");
        assert_eq!(ops[0].condition, Some(Condition::version(2)));
        assert_eq!(ops[1].sk, "PHONE#+14155550123#pat-1");
        assert!(ops[1].condition.is_none());
        assert_eq!(ops[2].sk, "PHONE#+14155550199#pat-1");
        assert_eq!(ops[2].action, Action::Delete);
    }

    #[test]
    fn an_unchanged_previous_phone_does_not_delete_the_live_index_entry() {
        let ops = expanded(Write::Patient {
            patient: Box::new(patient(Some("+14155550123"))),
            expect: Expect::Any,
            previous_phone: Some(PhoneNumber::parse_e164("+14155550123").unwrap()),
        });
        assert_eq!(ops.len(), 2);
        assert!(ops.iter().all(|o| matches!(o.action, Action::Put(_))));
    }

    #[test]
    fn items_round_trip_and_carry_their_type() {
        let p = patient(Some("+14155550123"));
        let ops = expanded(Write::Patient {
            patient: Box::new(p.clone()),
            expect: Expect::Any,
            previous_phone: None,
        });
        let Action::Put(item) = ops[0].action.clone() else {
            panic!("a put")
        };
        assert_eq!(item[TYPE], s("patient"));
        let back: Patient = decode(item.clone(), kind::PATIENT).unwrap();
        assert_eq!(back, p);
        let err = decode::<Patient>(item, kind::TASK).unwrap_err();
        assert!(matches!(err, Error::Corrupt(_)));
    }

    #[test]
    fn decoding_errors_never_echo_stored_values() {
        let mut item = key_attrs("P#prc_1".into(), "PATIENT#pat-1".into());
        item.insert(TYPE.into(), s(kind::PATIENT));
        item.insert("first_name".into(), AttributeValue::N("7".into()));
        item.insert("last_name".into(), s("Lovelace"));
        let err = decode::<Patient>(item, kind::PATIENT).unwrap_err();
        assert!(matches!(err, Error::Corrupt(_)));
        assert!(!err.to_string().contains("Lovelace"), "{err}");
    }

    #[test]
    fn only_open_tasks_enter_the_open_task_index() {
        let t = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
        let mut task = Task {
            practice_id: PracticeId::parse("prc_1").unwrap(),
            task_id: TaskId::parse("tsk_1").unwrap(),
            kind: TaskKind::InboxMessage,
            priority: Priority::High,
            status: TaskStatus::Open,
            title: "t".into(),
            detail: "d".into(),
            script: None,
            voicemail_script: None,
            patient_id: None,
            appointment_id: None,
            due_at: t,
            created_at: t,
            resolved_at: None,
            resolution: None,
            work: Default::default(),
        };
        let open = expanded(Write::Task(Box::new(task.clone())));
        let Action::Put(item) = &open[0].action else {
            panic!("a put")
        };
        assert_eq!(item[keys::GSI2_PK], s("P#prc_1#OPEN"));
        task.status = TaskStatus::Resolved;
        let resolved = expanded(Write::Task(Box::new(task)));
        let Action::Put(item) = &resolved[0].action else {
            panic!("a put")
        };
        assert_eq!(
            item[keys::GSI2_PK],
            s("P#prc_1#RESOLVED"),
            "resolved tasks move to their own partition"
        );
    }

    #[test]
    fn a_batch_touching_one_item_twice_keeps_the_later_write() {
        let a = Op::delete("P#x".into(), "DUE#a#r".into(), kind::DUE);
        let mut b = Op::delete("P#x".into(), "DUE#a#r".into(), kind::DUE);
        b.condition = Some(Condition::absent());
        let c = Op::delete("P#x".into(), "DUE#b#r".into(), kind::DUE);
        let out = collapse(vec![b, c, a]).unwrap();
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].condition, Some(Condition::absent()));
    }

    fn note(phone: Option<&str>, minute: u32) -> Write {
        Write::NoteAutomatedSend {
            practice_id: PracticeId::parse("prc_1").unwrap(),
            patient_id: PatientId::parse("pat-1").unwrap(),
            phone: phone.map(|p| PhoneNumber::parse_e164(p).unwrap()),
            at: Utc.with_ymd_and_hms(2026, 1, 2, 3, minute, 0).unwrap(),
        }
    }

    fn due_work(due_at: chrono::DateTime<Utc>, attempts: u32) -> DueWork {
        DueWork {
            practice_id: PracticeId::parse("prc_1").unwrap(),
            appointment_id: crate::domain::AppointmentId::parse("appt-1").unwrap(),
            patient_id: PatientId::parse("pat-1").unwrap(),
            kind: crate::domain::DueKind::NoShowCheck,
            due_at,
            planned_for: due_at,
            attempts,
        }
    }

    #[test]
    fn noting_a_send_updates_the_patient_strictly_and_its_phone_copy_leniently() {
        let ops = expanded(note(Some("+14155550123"), 7));
        assert_eq!(ops.len(), 2);
        assert_eq!(ops[0].sk, "PATIENT#pat-1");
        assert_eq!(ops[0].condition, Some(Condition::exists()));
        assert!(!ops[0].lenient);
        assert_eq!(ops[1].sk, "PHONE#+14155550123#pat-1");
        assert!(ops[1].lenient, "a vanished copy is not a conflict");
        assert_eq!(
            ops[0].update_expression().unwrap(),
            "SET #u0 = list_append(if_not_exists(#u0, :empty), :u0), #u1 = #u1 + :u1"
        );
        let names = ops[0].names().unwrap();
        assert_eq!(names["#u0"], "recent_automated");
        assert_eq!(names["#u1"], "version");
        assert_eq!(names["#pk"], "PK");
        let values = ops[0].values().unwrap();
        assert_eq!(
            values[":u0"],
            AttributeValue::L(vec![s("2026-01-02T03:07:00Z")])
        );
        assert_eq!(values[":u1"], AttributeValue::N("1".into()));
        assert_eq!(expanded(note(None, 7)).len(), 1);
    }

    #[test]
    fn a_noted_send_after_a_put_of_the_patient_is_folded_into_the_put() {
        let mut ops = expanded(Write::Patient {
            patient: Box::new(patient(Some("+14155550123"))),
            expect: Expect::Version(2),
            previous_phone: None,
        });
        expand(note(Some("+14155550123"), 7), &mut ops).unwrap();
        expand(note(Some("+14155550123"), 8), &mut ops).unwrap();
        let ops = collapse(ops).unwrap();
        assert_eq!(ops.len(), 2);
        for op in &ops {
            let Action::Put(item) = op.action.clone() else {
                panic!("a put")
            };
            let back: Patient = decode(item, op.item_type).unwrap();
            assert_eq!(back.version, 5, "3 written, then two sends noted");
            assert_eq!(
                back.recent_automated,
                vec![
                    Utc.with_ymd_and_hms(2026, 1, 2, 3, 7, 0).unwrap(),
                    Utc.with_ymd_and_hms(2026, 1, 2, 3, 8, 0).unwrap()
                ]
            );
        }
        assert_eq!(ops[0].condition, Some(Condition::version(2)));
        assert!(ops[1].condition.is_none() && !ops[1].lenient);
    }

    #[test]
    fn two_noted_sends_become_one_update() {
        let mut ops = expanded(note(Some("+14155550123"), 7));
        expand(note(Some("+14155550123"), 8), &mut ops).unwrap();
        let ops = collapse(ops).unwrap();
        assert_eq!(ops.len(), 2);
        let Action::Update(u) = &ops[0].action else {
            panic!("an update")
        };
        assert_eq!(u.increment, vec![(VERSION, 2)]);
        assert_eq!(u.append[0].1.len(), 2);
        assert!(!ops[0].lenient && ops[1].lenient);
    }

    #[test]
    fn a_put_after_a_noted_send_checks_the_version_from_before_the_batch() {
        let mut ops = expanded(note(None, 7));
        expand(
            Write::Patient {
                patient: Box::new(patient(None)),
                expect: Expect::Version(4),
                previous_phone: None,
            },
            &mut ops,
        )
        .unwrap();
        let ops = collapse(ops).unwrap();
        assert_eq!(ops.len(), 1);
        assert_eq!(ops[0].condition, Some(Condition::version(3)));

        for expect in [Expect::Absent, Expect::Version(0)] {
            let mut ops = expanded(note(None, 7));
            expand(
                Write::Patient {
                    patient: Box::new(patient(None)),
                    expect,
                    previous_phone: None,
                },
                &mut ops,
            )
            .unwrap();
            assert_eq!(collapse(ops), Err(Error::Conflict), "{expect:?}");
        }
    }

    #[test]
    fn a_noted_send_on_a_phone_copy_deleted_in_the_same_batch_is_dropped() {
        let mut ops = expanded(Write::Patient {
            patient: Box::new(patient(Some("+14155550123"))),
            expect: Expect::Any,
            previous_phone: Some(PhoneNumber::parse_e164("+14155550199").unwrap()),
        });
        expand(note(Some("+14155550199"), 7), &mut ops).unwrap();
        let ops = collapse(ops).unwrap();
        assert_eq!(ops.len(), 3);
        assert_eq!(ops[2].action, Action::Delete);
    }

    #[test]
    fn held_claims_compare_the_stored_encodings() {
        let t = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
        let seen = due_work(t, 2);
        let c = Condition::held(&seen).unwrap();
        let values = c.values().unwrap();
        let stored = due_item(&seen).unwrap();
        assert_eq!(values[":held_due_at"], stored["due_at"]);
        assert_eq!(values[":held_attempts"], stored["attempts"]);

        let done = expanded(Write::DoneDue {
            claimed: Box::new(seen.clone()),
        });
        assert_eq!(done[0].action, Action::Delete);
        assert_eq!(done[0].condition, Some(c.clone()));

        let mut next = seen.clone();
        next.due_at = t + chrono::Duration::hours(1);
        let released = expanded(Write::ReleaseDue {
            claimed: Box::new(seen.clone()),
            next: Box::new(next.clone()),
        });
        assert_eq!(released[0].action, Action::Put(due_item(&next).unwrap()));
        assert_eq!(released[0].condition, Some(c));

        let mut other = next;
        other.kind = crate::domain::DueKind::ReviewRequest;
        let mut ops = vec![];
        let err = expand(
            Write::ReleaseDue {
                claimed: Box::new(seen),
                next: Box::new(other),
            },
            &mut ops,
        )
        .unwrap_err();
        assert!(matches!(err, Error::Storage(_)));
    }

    #[test]
    fn a_claim_moves_the_due_item_to_the_lease_bucket() {
        let t = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
        let seen = due_work(t, 0);
        let mut claimed = seen.clone();
        claimed.due_at = t + chrono::Duration::minutes(10);
        claimed.attempts = 1;
        let op = claim_op(&seen, &claimed).unwrap();
        assert_eq!(op.sk, "DUE#appt-1#noshow-check");
        let values = op.values().unwrap();
        let names = op.names().unwrap();
        let set_value = |attr: &str| {
            let (n, _) = names
                .iter()
                .find(|(k, v)| k.starts_with("#u") && *v == attr)
                .unwrap();
            values[&n.replace('#', ":")].clone()
        };
        assert_eq!(set_value("GSI1PK"), s("DUE#no-shows#2026-01-02T03:10"));
        assert_eq!(set_value("GSI1SK"), s(keys::due_sort(&claimed)));
        assert_eq!(set_value("due_at"), s("2026-01-02T03:14:05Z"));
        assert_eq!(set_value("attempts"), AttributeValue::N("1".into()));
    }

    #[test]
    fn a_sweep_cursor_is_a_typed_system_item() {
        let bucket = Utc.with_ymd_and_hms(2026, 1, 2, 3, 5, 0).unwrap();
        let ops = expanded(Write::SweepCursor {
            sweep: Sweep::NoShows,
            bucket,
        });
        assert_eq!(
            (ops[0].pk.as_str(), ops[0].sk.as_str()),
            ("SWEEP#no-shows", "CURSOR")
        );
        assert!(ops[0].condition.is_none());
        let Action::Put(item) = ops[0].action.clone() else {
            panic!("a put")
        };
        let back: SweepCursor = decode(item, kind::SWEEP_CURSOR).unwrap();
        assert_eq!(back.bucket, bucket);
    }
}
