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
mod sessions;
mod staff;
mod threads;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::domain::{
    bucket_of, Appointment, DueWork, Message, Patient, PatientId, PhoneNumber, Practice,
    PracticeId, Sweep, Task, TaskStatus,
};
use crate::dynamo::{cursor, rules};
use crate::keys;
use crate::ports::{Fetched, Item, Key, Page, Store, Write};
use crate::{Error, Result};

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
    UnknownThread(Box<crate::domain::UnknownThread>),
    Staff(Box<crate::domain::StaffMember>),
    StaffEmail,
    Invitation(Box<crate::domain::Invitation>),
    DeferredReply(Box<Message>),
    StaffLogin(PracticeId, crate::domain::StaffId),
    Session(Box<crate::domain::Session>),
    SignInFailures(crate::domain::Failures),
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
/// The cursor rules of a Query on `begins_with(SK, prefix)` in one partition.
fn prefix_rules(pk: &str, prefix: &str) -> [(&'static str, cursor::Rule); 2] {
    [
        (keys::PK, cursor::Rule::Equals(pk.to_string())),
        (keys::SK, cursor::Rule::StartsWith(prefix.to_string())),
    ]
}

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

#[async_trait]
impl Store for MemoryStore {
    async fn get_many(&self, practice_id: &PracticeId, wanted: &[Key]) -> Result<Fetched> {
        self.read_keys(wanted.iter().map(|k| key_of(practice_id, k)))
            .map(Fetched)
    }

    async fn patients_by_phone(
        &self,
        practice_id: &PracticeId,
        phone: &PhoneNumber,
    ) -> Result<Vec<Patient>> {
        self.count(1);
        let pk = keys::practice_pk(practice_id);
        let prefix = keys::phone_prefix(phone);
        let t = self.lock()?;
        Ok(t.iter()
            .filter(|((p, s), _)| p == &pk && s.starts_with(&prefix))
            .filter_map(|(_, v)| match v {
                Stored::PhoneIndex(p) => Some((**p).clone()),
                _ => None,
            })
            .collect())
    }

    async fn practice_for_number(&self, number: &PhoneNumber) -> Result<Option<PracticeId>> {
        self.count(1);
        let t = self.lock()?;
        let k = (
            keys::number_route_pk(number),
            keys::NUMBER_ROUTE_SK.to_string(),
        );
        Ok(match t.get(&k) {
            Some(Stored::Route(p)) => Some(p.clone()),
            _ => None,
        })
    }

    async fn timeline(
        &self,
        practice_id: &PracticeId,
        patient_id: &PatientId,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Message>> {
        let pk = keys::practice_pk(practice_id);
        let prefix = keys::thread_prefix(Some(patient_id), None);
        let after = start_at(cursor, &cursor::timeline_rules(&pk, &prefix), keys::SK)?;
        self.count(1);
        let t = self.lock()?;
        let items = t
            .iter()
            .filter(|((p, s), _)| p == &pk && s.starts_with(&prefix))
            .filter_map(|((_, s), v)| match v {
                Stored::Message(m) => Some((s.clone(), (**m).clone())),
                _ => None,
            })
            .collect();
        paginate(items, after, limit, |sk, _| {
            vec![(keys::PK, pk.clone()), (keys::SK, sk.to_string())]
        })
    }

    async fn sender_owner(
        &self,
        address: &crate::domain::EmailAddress,
    ) -> Result<Option<PracticeId>> {
        self.count(1);
        let t = self.lock()?;
        let k = (keys::sender_pk(address), keys::SENDER_SK.to_string());
        Ok(match t.get(&k) {
            Some(Stored::Route(p)) => Some(p.clone()),
            _ => None,
        })
    }

    async fn consent_history(
        &self,
        practice_id: &PracticeId,
        patient_id: &PatientId,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<crate::domain::ConsentEvent>> {
        let pk = keys::practice_pk(practice_id);
        let prefix = keys::consent_prefix(patient_id);
        let after = start_at(cursor, &cursor::timeline_rules(&pk, &prefix), keys::SK)?;
        self.count(1);
        let t = self.lock()?;
        let items = t
            .iter()
            .filter(|((p, s), _)| p == &pk && s.starts_with(&prefix))
            .filter_map(|((_, s), v)| match v {
                Stored::Consent(e) => Some((s.clone(), (**e).clone())),
                _ => None,
            })
            .collect();
        paginate(items, after, limit, |sk, _| {
            vec![(keys::PK, pk.clone()), (keys::SK, sk.to_string())]
        })
    }

    async fn open_tasks(
        &self,
        practice_id: &PracticeId,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Task>> {
        let after = start_at(
            cursor,
            &cursor::open_tasks_rules(practice_id),
            keys::GSI2_SK,
        )?;
        self.count(1);
        let pk = keys::practice_pk(practice_id);
        let t = self.lock()?;
        let mut items: Vec<(String, Task)> = t
            .iter()
            .filter(|((p, _), _)| p == &pk)
            .filter_map(|(_, v)| match v {
                Stored::Task(x) if x.status == TaskStatus::Open => Some((
                    keys::open_task_sort(x.priority, x.created_at, &x.task_id),
                    (**x).clone(),
                )),
                _ => None,
            })
            .collect();
        items.sort_by(|a, b| a.0.cmp(&b.0));
        paginate(items, after, limit, |sort, task| {
            vec![
                (keys::PK, pk.clone()),
                (keys::SK, keys::task_sk(&task.task_id)),
                (keys::GSI2_PK, keys::open_tasks_pk(practice_id)),
                (keys::GSI2_SK, sort.to_string()),
            ]
        })
    }

    /// As the GSI1 Query: the bucket's partition, sort keys up to `until` at millisecond
    /// precision, in sort-key order.
    async fn due_in_bucket(
        &self,
        sweep: Sweep,
        bucket: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<DueWork>> {
        self.count(1);
        let partition = keys::due_bucket_pk(sweep, bucket_of(bucket));
        let until = keys::due_sort_until(until);
        let t = self.lock()?;
        let mut out: Vec<(String, DueWork)> = t
            .values()
            .filter_map(|v| match v {
                Stored::Due(d) => Some(d),
                _ => None,
            })
            .filter(|d| keys::due_bucket_pk(d.kind.sweep(), bucket_of(d.due_at)) == partition)
            .map(|d| (keys::due_sort(d), (**d).clone()))
            .filter(|(sort, _)| sort <= &until)
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out.into_iter().map(|(_, d)| d).collect())
    }

    /// As the GSI2 Query: start-time sort keys from `from` at millisecond precision.
    async fn appointments_for_patient(
        &self,
        practice_id: &PracticeId,
        patient_id: &PatientId,
        from: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Appointment>> {
        self.count(1);
        let pk = keys::practice_pk(practice_id);
        let from = keys::sortable_time(from);
        let t = self.lock()?;
        let mut out: Vec<(String, Appointment)> = t
            .iter()
            .filter(|((p, _), _)| p == &pk)
            .filter_map(|(_, v)| match v {
                Stored::Appointment(a) if &a.patient_id == patient_id => Some((
                    keys::patient_appointment_sort(a.starts_at, &a.appointment_id),
                    (**a).clone(),
                )),
                _ => None,
            })
            .filter(|(sort, _)| sort >= &from)
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out.truncate(rules::page_limit(limit));
        Ok(out.into_iter().map(|(_, a)| a).collect())
    }

    async fn get_across(&self, wanted: &[(PracticeId, Key)]) -> Result<Vec<Item>> {
        self.read_keys(wanted.iter().map(|(p, k)| key_of(p, k)))
    }

    async fn claim_due(
        &self,
        due: &DueWork,
        lease_until: DateTime<Utc>,
    ) -> Result<Option<DueWork>> {
        // Refused before any request, as the adapter refuses it.
        rules::claimed(due, lease_until)?;
        self.count(1);
        let mut t = self.lock()?;
        let k = (keys::practice_pk(&due.practice_id), keys::due_key_of(due));
        match t.get(&k) {
            Some(Stored::Due(stored)) if rules::still_held(stored, due) => {
                // The stored item as it is now (UpdateItem's ALL_NEW).
                let claimed = rules::claimed(stored, lease_until)?;
                t.insert(k, Stored::Due(Box::new(claimed.clone())));
                Ok(Some(claimed))
            }
            _ => Ok(None),
        }
    }

    async fn sweep_cursor(&self, sweep: Sweep) -> Result<Option<DateTime<Utc>>> {
        self.count(1);
        let t = self.lock()?;
        let k = (
            keys::sweep_cursor_pk(sweep),
            keys::SWEEP_CURSOR_SK.to_string(),
        );
        Ok(match t.get(&k) {
            Some(Stored::Cursor(c)) => Some(*c),
            _ => None,
        })
    }

    /// All or nothing, as one transaction: refused as the adapter refuses before sending,
    /// then every write applied in order to a copy that replaces the table only if every
    /// condition held.
    async fn waiting(
        &self,
        practice_id: &PracticeId,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<crate::domain::Waiting>> {
        let pk = keys::practice_pk(practice_id);
        let after = start_at(cursor, &prefix_rules(&pk, keys::WAITING_PREFIX), keys::SK)?;
        self.count(1);
        threads::waiting(&*self.lock()?, &pk, after, limit)
    }

    async fn resolved_tasks(
        &self,
        practice_id: &PracticeId,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Task>> {
        let pk = keys::practice_pk(practice_id);
        let resolved_pk = keys::resolved_tasks_pk(practice_id);
        let rules = [
            (keys::PK, cursor::Rule::Equals(pk.clone())),
            (keys::SK, cursor::Rule::StartsWith("TASK#".into())),
            (keys::GSI2_PK, cursor::Rule::Equals(resolved_pk.clone())),
            (keys::GSI2_SK, cursor::Rule::StartsWith(String::new())),
        ];
        let after = start_at(cursor, &rules, keys::GSI2_SK)?;
        self.count(1);
        let t = self.lock()?;
        let mut items: Vec<(String, Task)> = t
            .iter()
            .filter(|((p, _), _)| p == &pk)
            .filter_map(|(_, v)| match v {
                Stored::Task(x) if x.status == TaskStatus::Resolved => Some((
                    keys::resolved_task_sort(x.resolved_at.unwrap_or(x.created_at), &x.task_id),
                    (**x).clone(),
                )),
                _ => None,
            })
            .collect();
        items.sort_by(|a, b| a.0.cmp(&b.0));
        paginate(items, after, limit, |sort, task| {
            vec![
                (keys::PK, pk.clone()),
                (keys::SK, keys::task_sk(&task.task_id)),
                (keys::GSI2_PK, resolved_pk.clone()),
                (keys::GSI2_SK, sort.to_string()),
            ]
        })
    }

    async fn deferred_replies(&self, until: DateTime<Utc>) -> Result<Vec<Message>> {
        self.count(1);
        Ok(staff::deferred_replies(&*self.lock()?, until))
    }

    async fn staff_member(
        &self,
        practice_id: &PracticeId,
        staff_id: &crate::domain::StaffId,
    ) -> Result<Option<crate::domain::StaffMember>> {
        self.count(1);
        Ok(staff::member(&*self.lock()?, practice_id, staff_id))
    }

    async fn staff_members(
        &self,
        practice_id: &PracticeId,
    ) -> Result<Vec<crate::domain::StaffMember>> {
        self.count(1);
        Ok(staff::members(&*self.lock()?, practice_id))
    }

    async fn staff_login(
        &self,
        email: &crate::domain::EmailAddress,
    ) -> Result<Option<(PracticeId, crate::domain::StaffId)>> {
        self.count(1);
        Ok(sessions::login(&*self.lock()?, email))
    }

    async fn invitation(
        &self,
        practice_id: &PracticeId,
        token_hash: &str,
    ) -> Result<Option<crate::domain::Invitation>> {
        self.count(1);
        Ok(sessions::invitation(
            &*self.lock()?,
            practice_id,
            token_hash,
        ))
    }

    async fn session(
        &self,
        practice_id: &PracticeId,
        token_hash: &str,
    ) -> Result<Option<(crate::domain::Session, Option<crate::domain::StaffMember>)>> {
        self.count(2);
        let t = self.lock()?;
        Ok(sessions::session(&t, practice_id, token_hash).map(|s| {
            let m = staff::member(&t, practice_id, &s.staff_id);
            (s, m)
        }))
    }

    async fn sessions(&self, practice_id: &PracticeId) -> Result<Vec<crate::domain::Session>> {
        self.count(1);
        Ok(sessions::sessions(&*self.lock()?, practice_id))
    }

    async fn sign_in_failures(&self, scope_key: &str) -> Result<Option<crate::domain::Failures>> {
        self.count(1);
        Ok(sessions::failures(&*self.lock()?, scope_key))
    }

    async fn unknown_thread(
        &self,
        practice_id: &PracticeId,
        thread_id: &crate::domain::ThreadId,
    ) -> Result<Option<crate::domain::UnknownThread>> {
        self.count(1);
        Ok(threads::unknown_thread(
            &*self.lock()?,
            practice_id,
            thread_id,
        ))
    }

    async fn unknown_timeline(
        &self,
        practice_id: &PracticeId,
        number: &PhoneNumber,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Message>> {
        let pk = keys::practice_pk(practice_id);
        let prefix = keys::thread_prefix(None, Some(number));
        let after = start_at(cursor, &cursor::timeline_rules(&pk, &prefix), keys::SK)?;
        self.count(1);
        let t = self.lock()?;
        let items = t
            .iter()
            .filter(|((p, s), _)| p == &pk && s.starts_with(&prefix))
            .filter_map(|((_, s), v)| match v {
                Stored::Message(m) => Some((s.clone(), (**m).clone())),
                _ => None,
            })
            .collect();
        paginate(items, after, limit, |sk, _| {
            vec![(keys::PK, pk.clone()), (keys::SK, sk.to_string())]
        })
    }

    async fn write(&self, writes: Vec<Write>) -> Result<()> {
        if writes.is_empty() {
            return Ok(());
        }
        rules::check_batch(&writes)?;
        self.count(1);
        let mut t = self.lock()?;
        let mut staged = t.clone();
        for w in writes {
            apply::apply(&mut staged, w)?;
        }
        *t = staged;
        Ok(())
    }
}
