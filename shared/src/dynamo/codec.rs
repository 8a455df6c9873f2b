//! Item mapping: domain structs (via `serde_dynamo`) plus key attributes and a `type`
//! attribute, and the expansion of a port `Write` into table operations. The item layout
//! is documented in `docs/data-model.md`.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::errors::redact;
use crate::domain::{PracticeId, TaskStatus};
use crate::keys;
use crate::ports::{Expect, Item, Key, Write};
use crate::{Error, Result};

pub(super) type Attrs = HashMap<String, AttributeValue>;

/// The attribute naming what an item is.
pub(super) const TYPE: &str = "type";
/// The attribute of a number route naming its practice.
const PRACTICE_ID: &str = "practice_id";
const VERSION: &str = "version";

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
}

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

    fn version(v: u64) -> Self {
        Condition {
            expression: "#version = :version",
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
}

/// One table operation: a put or a delete of one item, maybe conditional.
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

    pub fn key(&self) -> Attrs {
        key_attrs(self.pk.clone(), self.sk.clone())
    }
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
            let item = encode(
                &*appointment,
                keys::practice_pk(&appointment.practice_id),
                keys::appointment_sk(&appointment.appointment_id),
                kind::APPOINTMENT,
            )?;
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
            let mut item = encode(
                &*d,
                keys::practice_pk(&d.practice_id),
                keys::due_key_of(&d),
                kind::DUE,
            )?;
            item.insert(
                keys::GSI1_PK.into(),
                s(keys::due_bucket_pk(
                    d.kind.sweep(),
                    crate::domain::bucket_of(d.due_at),
                )),
            );
            item.insert(keys::GSI1_SK.into(), s(keys::due_sort(&d)));
            out.push(Op::put(item, kind::DUE, None)?);
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
    }
    Ok(())
}

/// DynamoDB refuses two operations on one item in a transaction. When a batch touches an
/// item twice, the later operation wins (as it would applied in order), keeping the
/// earlier condition if the later one has none.
pub(super) fn collapse(ops: Vec<Op>) -> Vec<Op> {
    let mut out: Vec<Op> = Vec::with_capacity(ops.len());
    for op in ops {
        match out.iter_mut().find(|o| o.pk == op.pk && o.sk == op.sk) {
            Some(existing) => {
                tracing::debug!(
                    item_type = op.item_type,
                    "batch writes one item twice; the later write wins"
                );
                let earlier = existing.condition.take();
                let earlier_lenient = existing.lenient;
                *existing = op;
                if existing.condition.is_none() {
                    existing.condition = earlier;
                    existing.lenient = earlier_lenient;
                }
            }
            None => out.push(op),
        }
    }
    out
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
            practice_id: PracticeId::parse("prc_1").unwrap(),
            patient_id: PatientId::parse("pat-1").unwrap(),
            first_name: "Ada".into(),
            last_name: "Lovelace".into(),
            phone: phone.map(|p| PhoneNumber::parse_e164(p).unwrap()),
            email: None,
            preferred_channel: Channel::Sms,
            consents: Default::default(),
            time_zone: None,
            birth_date: None,
            voicemail_waiver: false,
            new_patient: false,
            no_show_count: 0,
            recent_automated: vec![],
            thread: Default::default(),
            created_at: t,
            updated_at: t,
            version: 3,
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
        assert!(!item.contains_key(keys::GSI2_PK) && !item.contains_key(keys::GSI2_SK));
    }

    #[test]
    fn a_batch_touching_one_item_twice_keeps_the_later_write() {
        let a = Op::delete("P#x".into(), "DUE#a#r".into(), kind::DUE);
        let mut b = Op::delete("P#x".into(), "DUE#a#r".into(), kind::DUE);
        b.condition = Some(Condition::absent());
        let c = Op::delete("P#x".into(), "DUE#b#r".into(), kind::DUE);
        let out = collapse(vec![b, c, a]);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].condition, Some(Condition::absent()));
    }
}
