//! A `Store` in memory, with the same key schema, conditions, atomicity, ordering, page
//! cursors and round-trip counts as the DynamoDB adapter. Keys come from `crate::keys`;
//! the decisions the adapter makes before any request (batch refusals, claims, page sizes,
//! what a read costs) and its cursors are the adapter's own code (`dynamo::rules`,
//! `dynamo::cursor`). The store contract (`shared/tests/store_contract/`) runs one set of
//! cases against both stores. One count differs: when a lenient condition fails inside a
//! batch, the adapter sends the rest again (one more request); this store counts one.
//!
//! Clones share the data and the counter, as clones of `DynamoStore` do.

mod apply;
mod delivery;
mod listings;
mod lookups;
mod reply_intents;
mod sessions;
mod staff;
mod staged;
mod store;
mod threads;
mod waitlist;
mod webhooks;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::domain::{
    Appointment, DueWork, EmailAddress, Message, Patient, PatientId, PhoneNumber, Practice,
    PracticeId, Sweep, Task, TaskStatus,
};
use crate::dynamo::{cursor, rules};
use crate::keys;
use crate::ports::{
    DuePartition, Fetched, Item, Key, LeasedClaim, Page, PatientLease, Store, Write,
};
use crate::{Error, Result};
use staged::Staged;

#[derive(Debug, Clone)]
enum Stored {
    Practice(Box<Practice>),
    Patient(Box<Patient>),
    PhoneIndex(Box<Patient>),
    Appointment(Box<Appointment>),
    Message(Box<Message>),
    Task(Box<Task>),
    Claim,
    Due(Box<DueWork>),
    Route(PracticeId),
    Cursor(DateTime<Utc>),
    Consent(Box<crate::domain::ConsentEvent>),
    Waiting(Box<crate::domain::Waiting>),
    Notice(Box<crate::domain::UrgentNotice>),
    UnknownThread(Box<crate::domain::UnknownThread>),
    Staff(Box<crate::domain::StaffMember>),
    StaffEmail,
    Invitation(Box<crate::domain::Invitation>),
    DeferredReply(Box<Message>),
    ReplyIntent(Box<crate::ports::ReplyIntent>),
    CannedReply(Box<crate::domain::CannedReply>),
    StaffLogin(PracticeId, crate::domain::StaffId),
    Session(Box<crate::domain::Session>),
    SignInFailures(crate::domain::Failures),
    Sent(Box<Message>),
    Idempotency(Box<crate::domain::IdempotentRequest>),
    WebhookEndpoint(Box<crate::webhooks::WebhookEndpoint>),
    WebhookEvent(Box<crate::webhooks::OutboxEvent>),
    WaitlistEntry(Box<crate::domain::WaitlistEntry>),
    Slot(Box<crate::domain::FreedSlot>),
    Broadcast(Box<crate::domain::Broadcast>),
    Recipient(Box<crate::domain::Recipient>),
    /// A patient's sending lease: holder and end.
    Lease(String, DateTime<Utc>),
}

/// `(PK, SK)` to item.
type Table = BTreeMap<(String, String), Stored>;

#[derive(Debug, Default, Clone)]
pub struct MemoryStore {
    table: Arc<Mutex<Table>>,
    requests: Arc<AtomicUsize>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Round trips the DynamoDB adapter would make for the calls so far: one per call,
    /// none for an empty batch or an empty read, one per 100 keys of a read by key.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    pub fn reset_requests(&self) {
        self.requests.store(0, Ordering::SeqCst);
    }

    /// Every task of a practice, open or not (test inspection only).
    pub fn all_tasks(&self, practice_id: &PracticeId) -> Vec<Task> {
        self.in_practice(practice_id, |v| match v {
            Stored::Task(t) => Some((**t).clone()),
            _ => None,
        })
    }

    /// Every pending invitation of a practice (test inspection only).
    pub fn all_invitations(&self, practice_id: &PracticeId) -> Vec<crate::domain::Invitation> {
        let pk = keys::practice_pk(practice_id);
        self.lock()
            .map(|t| {
                t.iter()
                    .filter(|((p, _), _)| p == &pk)
                    .filter_map(|(_, v)| match v {
                        Stored::Invitation(i) => Some((**i).clone()),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every due item of a practice (test inspection only).
    pub fn all_due(&self, practice_id: &PracticeId) -> Vec<DueWork> {
        self.in_practice(practice_id, |v| match v {
            Stored::Due(d) => Some((**d).clone()),
            _ => None,
        })
    }

    fn in_practice<T>(
        &self,
        practice_id: &PracticeId,
        pick: impl Fn(&Stored) -> Option<T>,
    ) -> Vec<T> {
        let pk = keys::practice_pk(practice_id);
        self.lock()
            .map(|t| {
                t.iter()
                    .filter(|((p, _), _)| p == &pk)
                    .filter_map(|(_, v)| pick(v))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Reads by key as the adapter does: each key once, in the order asked, missing ones
    /// left out, costing one request per 100 keys.
    fn read_keys(&self, wanted: impl Iterator<Item = (String, String)>) -> Result<Vec<Item>> {
        let mut distinct: Vec<(String, String)> = Vec::new();
        for key in wanted {
            if !distinct.contains(&key) {
                distinct.push(key);
            }
        }
        self.count(rules::key_read_requests(distinct.len()));
        let t = self.lock()?;
        Ok(distinct
            .iter()
            .filter_map(|k| match t.get(k) {
                Some(Stored::Practice(p)) => Some(Item::Practice(p.clone())),
                Some(Stored::Patient(p)) => Some(Item::Patient(p.clone())),
                Some(Stored::Appointment(a)) => Some(Item::Appointment(a.clone())),
                Some(Stored::Task(x)) => Some(Item::Task(x.clone())),
                Some(Stored::Idempotency(r)) => Some(Item::Idempotency(r.clone())),
                Some(Stored::Slot(x)) => Some(Item::Slot(x.clone())),
                Some(Stored::WaitlistEntry(e)) => Some(Item::WaitlistEntry(e.clone())),
                Some(Stored::Broadcast(b)) => Some(Item::Broadcast(b.clone())),
                _ => None,
            })
            .collect())
    }

    fn lock(&self) -> Result<MutexGuard<'_, Table>> {
        self.table
            .lock()
            .map_err(|_| Error::Storage("memory store poisoned".into()))
    }

    fn count(&self, requests: usize) {
        self.requests.fetch_add(requests, Ordering::SeqCst);
    }
}

/// The table key a `Key` names.
fn key_of(practice_id: &PracticeId, key: &Key) -> (String, String) {
    let sk = match key {
        Key::Practice => keys::PRACTICE_SK.to_string(),
        Key::Patient(id) => keys::patient_sk(id),
        Key::Appointment(id) => keys::appointment_sk(id),
        Key::Task(id) => keys::task_sk(id),
        Key::Idempotency(hash) => keys::idempotency_sk(hash),
        Key::Slot(id) => keys::slot_sk(id),
        Key::WaitlistEntry(id) => keys::waitlist_sk(id),
        Key::Broadcast(id) => keys::broadcast_sk(id),
    };
    (keys::practice_pk(practice_id), sk)
}

/// One page of items in sort-key order, after the cursor's sort key `after`. The next
/// page's cursor is the adapter's: the last item's key attributes (`key_of_last`), encoded
/// alike, so it is checked alike on the way back in.
fn paginate<T>(
    items: Vec<(String, T)>,
    after: Option<String>,
    limit: usize,
    key_of_last: impl Fn(&str, &T) -> Vec<(&'static str, String)>,
) -> Result<Page<T>> {
    let limit = rules::page_limit(limit);
    let mut rest: Vec<(String, T)> = items
        .into_iter()
        .filter(|(k, _)| after.as_ref().is_none_or(|a| k > a))
        .collect();
    let mut next = None;
    if rest.len() > limit {
        rest.truncate(limit);
        if let Some((sort, last)) = rest.last() {
            let key = key_of_last(sort, last);
            let plain: BTreeMap<&str, &str> = key.iter().map(|(k, v)| (*k, v.as_str())).collect();
            next = Some(cursor::encode_plain(&plain)?);
        }
    }
    Ok(Page {
        items: rest.into_iter().map(|(_, v)| v).collect(),
        next,
    })
}

/// The value of one key attribute of a decoded cursor.
fn start_at(
    cursor: Option<&str>,
    rules: &[(&str, cursor::Rule)],
    name: &str,
) -> Result<Option<String>> {
    let Some(c) = cursor else {
        return Ok(None);
    };
    let mut plain = cursor::decode_plain(c, rules)?;
    plain
        .remove(name)
        .map(Some)
        .ok_or_else(|| Error::Storage("a checked page cursor has no key attribute".into()))
}

impl MemoryStore {
    /// As the adapter's `query_prefix_page`: one page of the items of partition `pk` whose
    /// sort key begins with `prefix`, ascending, that `pick` keeps; the cursor must stay in
    /// that range.
    fn prefix_page<T>(
        &self,
        pk: String,
        prefix: String,
        cursor: Option<&str>,
        limit: usize,
        pick: impl Fn(&Stored) -> Option<T>,
    ) -> Result<Page<T>> {
        let after = start_at(cursor, &cursor::timeline_rules(&pk, &prefix), keys::SK)?;
        self.count(1);
        let t = self.lock()?;
        let items = t
            .iter()
            .filter(|((p, s), _)| p == &pk && s.starts_with(&prefix))
            .filter_map(|((_, s), v)| pick(v).map(|x| (s.clone(), x)))
            .collect();
        paginate(items, after, limit, |sk, _| {
            vec![(keys::PK, pk.clone()), (keys::SK, sk.to_string())]
        })
    }
}
