//! Reads: GetItem / BatchGetItem by key (within a practice or across practices), and Queries on one partition (base table, GSI1
//! for due work, GSI2 for open tasks). Never a Scan.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::types::KeysAndAttributes;
use chrono::{DateTime, Utc};

use super::codec::{self, kind, s, Attrs, SweepCursor};
use super::cursor;
use super::errors::{build, storage};
use super::paging::{page, page_request_limit};
use super::rules;
use super::DynamoStore;
use crate::domain::{Appointment, DueWork, Message, PatientId, PracticeId, Sweep, Task};
use crate::keys;
use crate::ports::{DuePartition, Fetched, Item, Key, Page};
use crate::{Error, Result};

#[path = "lookup_reads.rs"]
mod lookups;
#[path = "session_reads.rs"]
mod sessions;
#[path = "staff_reads.rs"]
mod staff;
#[path = "thread_reads.rs"]
mod threads;
#[path = "webhook_reads.rs"]
mod webhooks;

/// Retries of keys DynamoDB left unprocessed (throttling), with doubling delays.
const UNPROCESSED_RETRIES: u32 = 5;
const UNPROCESSED_FIRST_DELAY: Duration = Duration::from_millis(20);

impl DynamoStore {
    /// Items of one practice by key (R1/R2).
    pub(super) async fn read_many(
        &self,
        practice_id: &PracticeId,
        keys: &[Key],
    ) -> Result<Fetched> {
        let wanted = keys.iter().map(|k| codec::key_of(practice_id, k));
        Ok(Fetched(self.read_keys(wanted).await?))
    }

    /// Items of several practices by key (R8): the same reads as `read_many`, the keys
    /// naming their own practices.
    pub(super) async fn read_across(&self, keys: &[(PracticeId, Key)]) -> Result<Vec<Item>> {
        self.read_keys(keys.iter().map(|(p, k)| codec::key_of(p, k)))
            .await
    }

    /// One GetItem for one key, else one BatchGetItem per 100 keys; consistent reads.
    /// Items come back in the order asked for (each key once); missing ones are left out.
    async fn read_keys(
        &self,
        keys: impl Iterator<Item = (Attrs, &'static str)>,
    ) -> Result<Vec<Item>> {
        let mut wanted: Vec<(Attrs, &'static str)> = Vec::new();
        for entry in keys {
            if !wanted.iter().any(|(key, _)| key == &entry.0) {
                wanted.push(entry);
            }
        }
        match wanted.as_slice() {
            [] => Ok(vec![]),
            [(key, ty)] => {
                let out = self
                    .client
                    .get_item()
                    .table_name(&self.table)
                    .set_key(Some(key.clone()))
                    .consistent_read(true)
                    .send()
                    .await
                    .map_err(|e| storage("GetItem", &e))?;
                match out.item {
                    Some(mut item) => {
                        self.open_sealed(&mut item).await?;
                        Ok(vec![codec::decode_item(item, ty)?])
                    }
                    None => Ok(vec![]),
                }
            }
            _ => {
                let mut found: HashMap<(String, String), Attrs> = HashMap::new();
                for chunk in wanted.chunks(rules::BATCH_GET_MAX) {
                    let chunk_keys = chunk.iter().map(|(k, _)| k.clone()).collect();
                    for item in self.batch_get(chunk_keys).await? {
                        found.insert(table_key(&item)?, item);
                    }
                }
                let mut items = Vec::with_capacity(found.len());
                for (key, ty) in wanted {
                    if let Some(mut item) = found.remove(&table_key(&key)?) {
                        self.open_sealed(&mut item).await?;
                        items.push(codec::decode_item(item, ty)?);
                    }
                }
                Ok(items)
            }
        }
    }

    /// Opens the sealed secrets of an item read (a no-op for items without any).
    pub(super) async fn open_sealed(&self, item: &mut Attrs) -> Result<()> {
        super::sealing::open(self.envelope.as_deref(), item).await
    }

    /// One GetItem on `SWEEP#<sweep>` / `CURSOR`.
    pub(super) async fn read_sweep_cursor(&self, sweep: Sweep) -> Result<Option<DateTime<Utc>>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(codec::key_attrs(
                keys::sweep_cursor_pk(sweep),
                keys::SWEEP_CURSOR_SK.into(),
            )))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| storage("GetItem", &e))?;
        match out.item {
            Some(item) => {
                let cursor: SweepCursor = codec::decode(item, kind::SWEEP_CURSOR)?;
                Ok(Some(cursor.bucket))
            }
            None => Ok(None),
        }
    }

    /// One BatchGetItem, then retries of unprocessed keys with a short bounded backoff.
    async fn batch_get(&self, keys: Vec<Attrs>) -> Result<Vec<Attrs>> {
        let mut pending = keys;
        let mut found = Vec::with_capacity(pending.len());
        let mut delay = UNPROCESSED_FIRST_DELAY;
        for attempt in 0..=UNPROCESSED_RETRIES {
            if attempt > 0 {
                tracing::debug!(
                    attempt,
                    unprocessed = pending.len(),
                    "retrying unprocessed keys"
                );
                tokio::time::sleep(delay).await;
                delay *= 2;
            }
            let request = KeysAndAttributes::builder()
                .set_keys(Some(std::mem::take(&mut pending)))
                .consistent_read(true)
                .build()
                .map_err(|e| build("BatchGetItem", e))?;
            let mut out = self
                .client
                .batch_get_item()
                .request_items(&self.table, request)
                .send()
                .await
                .map_err(|e| storage("BatchGetItem", &e))?;
            if let Some(items) = out.responses.as_mut().and_then(|r| r.remove(&self.table)) {
                found.extend(items);
            }
            pending = out
                .unprocessed_keys
                .as_mut()
                .and_then(|u| u.remove(&self.table))
                .map(|k| k.keys)
                .unwrap_or_default();
            if pending.is_empty() {
                return Ok(found);
            }
        }
        tracing::warn!(
            unprocessed = pending.len(),
            "dynamodb left keys unprocessed after retries"
        );
        Err(Error::Storage(format!(
            "DynamoDB BatchGetItem: {} keys still unprocessed after {UNPROCESSED_RETRIES} retries (throttled); retry later",
            pending.len()
        )))
    }

    /// One Query on `begins_with(SK, TL#<patient>#)`, oldest first.
    pub(super) async fn read_timeline(
        &self,
        practice_id: &PracticeId,
        patient_id: &PatientId,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Message>> {
        self.query_prefix_page(
            keys::practice_pk(practice_id),
            keys::thread_prefix(Some(patient_id), None),
            cursor,
            limit,
            kind::MESSAGE,
        )
        .await
    }

    /// One Query on GSI2 (`P#<practice>#OPEN`), most urgent then newest first.
    pub(super) async fn read_open_tasks(
        &self,
        practice_id: &PracticeId,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Task>> {
        let open_pk = keys::open_tasks_pk(practice_id);
        let start = cursor
            .map(|c| cursor::decode(c, &cursor::open_tasks_rules(practice_id)))
            .transpose()?;
        let limit = rules::page_limit(limit);
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(keys::GSI2)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", keys::GSI2_PK)
            .expression_attribute_values(":pk", s(open_pk))
            .scan_index_forward(true)
            .limit(page_request_limit(limit))
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| storage("Query", &e))?;
        page(
            out.items.unwrap_or_default(),
            limit,
            out.last_evaluated_key,
            &cursor::OPEN_TASK_KEYS,
            kind::TASK,
        )
    }

    /// Queries GSI2 (`P#<practice>#PT#<patient>#APPTS`, `GSI2SK >= <from>`): one request
    /// for up to `limit` appointments, soonest first.
    pub(super) async fn read_patient_appointments(
        &self,
        practice_id: &PracticeId,
        patient_id: &PatientId,
        from: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Appointment>> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(keys::GSI2)
            .key_condition_expression("#pk = :pk AND #sk >= :from")
            .expression_attribute_names("#pk", keys::GSI2_PK)
            .expression_attribute_names("#sk", keys::GSI2_SK)
            .expression_attribute_values(
                ":pk",
                s(keys::patient_appointments_pk(practice_id, patient_id)),
            )
            .expression_attribute_values(":from", s(keys::sortable_time(from)))
            .scan_index_forward(true)
            .limit(i32::try_from(rules::page_limit(limit)).unwrap_or(1))
            .send()
            .await
            .map_err(|e| storage("Query", &e))?;
        out.items
            .unwrap_or_default()
            .into_iter()
            .map(|item| codec::decode(item, kind::APPOINTMENT))
            .collect()
    }

    /// One page of GSI1 partition `partition` of `sweep`
    /// (`GSI1SK BETWEEN <from> AND <until>#~`), ascending, `Limit` one more than the page.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn read_due_page(
        &self,
        sweep: Sweep,
        partition: DuePartition,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<DueWork>> {
        let partition = partition.key(sweep);
        let start = cursor
            .map(|c| cursor::decode(c, &cursor::due_rules(&partition)))
            .transpose()?;
        let limit = rules::page_limit(limit);
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(keys::GSI1)
            .key_condition_expression("#pk = :pk AND #sk BETWEEN :from AND :until")
            .expression_attribute_names("#pk", keys::GSI1_PK)
            .expression_attribute_names("#sk", keys::GSI1_SK)
            .expression_attribute_values(":pk", s(partition))
            .expression_attribute_values(":from", s(keys::due_sort_from(from)))
            .expression_attribute_values(":until", s(keys::due_sort_until(until)))
            .scan_index_forward(true)
            .limit(page_request_limit(limit))
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| storage("Query", &e))?;
        page(
            out.items.unwrap_or_default(),
            limit,
            out.last_evaluated_key,
            &cursor::DUE_KEYS,
            kind::DUE,
        )
    }
}

/// `(PK, SK)` of an item or key.
fn table_key(item: &Attrs) -> Result<(String, String)> {
    let part = |name: &str| {
        item.get(name)
            .and_then(|v| v.as_s().ok())
            .cloned()
            .ok_or_else(|| Error::Corrupt(format!("an item has no string {name}")))
    };
    Ok((part(keys::PK)?, part(keys::SK)?))
}
