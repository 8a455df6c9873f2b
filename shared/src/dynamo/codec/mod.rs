//! Item mapping: domain structs (via `serde_dynamo`) plus key attributes and a `type`
//! attribute. The item layout is documented in `docs/data-model.md`.
//!
//! - `expression`: conditions and update expressions;
//! - `ops`: one table operation (put, update, delete) and the claim;
//! - `writes`: a port `Write` expanded into operations (`staff`, `threads`: their items);
//! - `batch`: operations on one item merged, so a transaction names each item once.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::errors::redact;
use crate::domain::{DueWork, PracticeId, Sweep};
use crate::keys;
use crate::ports::{Item, Key};
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
    pub const IDEMPOTENCY: &str = "idempotency";
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
    pub const CANNED_REPLY: &str = "canned_reply";
    pub const STAFF_LOGIN: &str = "staff_login";
    pub const SESSION: &str = "session";
    pub const SIGN_IN_FAILURES: &str = "sign_in_failures";
    pub const SENT_MESSAGE: &str = "sent_message";
    pub const NOTICE: &str = "notice";
    pub const WEBHOOK_ENDPOINT: &str = "webhook_endpoint";
    pub const WEBHOOK_EVENT: &str = "webhook_event";
    pub const WAITLIST_ENTRY: &str = "waitlist_entry";
    pub const FREED_SLOT: &str = "freed_slot";
    pub const BROADCAST: &str = "broadcast";
    pub const BROADCAST_RECIPIENT: &str = "broadcast_recipient";
    pub const PATIENT_LEASE: &str = "patient_lease";
    pub const REPLY_INTENT: &str = "reply_intent";
}

mod batch;
mod broadcasts;
mod delivery;
mod due_writes;
mod expression;
mod lease;
mod notices;
mod ops;
mod reply_intents;
mod routes;
mod sessions;
mod staff;
mod threads;
mod waitlist;
mod webhooks;
mod writes;

pub(super) use batch::collapse;
pub(super) use expression::{Action, Condition, Update};
pub(super) use lease::{lease_op, release_op};
pub(super) use ops::{claim_op, Op};
pub(super) use writes::expand;

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
        Key::Idempotency(hash) => (keys::idempotency_sk(hash), kind::IDEMPOTENCY),
        Key::Slot(id) => (keys::slot_sk(id), kind::FREED_SLOT),
        Key::WaitlistEntry(id) => (keys::waitlist_sk(id), kind::WAITLIST_ENTRY),
        Key::Broadcast(id) => (keys::broadcast_sk(id), kind::BROADCAST),
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
        kind::IDEMPOTENCY => Item::Idempotency(Box::new(decode(item, ty)?)),
        kind::FREED_SLOT => Item::Slot(Box::new(decode(item, ty)?)),
        kind::WAITLIST_ENTRY => Item::WaitlistEntry(Box::new(decode(item, ty)?)),
        kind::BROADCAST => Item::Broadcast(Box::new(decode(item, ty)?)),
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

/// The GSI1 keys of due work: its sweep's bucket of `due_at` and its shard, and its
/// due-order sort key.
pub(super) fn due_index_keys(d: &DueWork) -> (String, String) {
    (keys::due_partition_of(d), keys::due_sort(d))
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

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
