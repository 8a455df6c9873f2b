//! The change feed a PMS syncs with (`updated_since`): a practice's patients or
//! appointments in the order they last changed, from the change index (GSI3), one
//! partition per practice, kind and UTC day of the change, so no partition grows without
//! bound and a sync touches only the days since it last ran. A page walks at most
//! `DAYS_PER_PAGE` day partitions (one Query each); the cursor names the day and the last
//! sort key returned. A page may hold fewer items than asked for, even none: follow
//! `next` until it is `None`.

use chrono::{DateTime, NaiveDate, Utc};
use std::collections::BTreeMap;
use std::future::Future;

use super::codec::{self, kind, s};
use super::cursor::{self, Rule};
use super::errors::storage;
use super::{rules, DynamoStore};
use crate::domain::PracticeId;
use crate::keys;
use crate::ports::{ChangeKind, Item, Page};
use crate::{Error, Result};

/// Day partitions one page may read.
pub(crate) const DAYS_PER_PAGE: usize = 31;
/// The lower bound that takes a whole day (every sort key starts with a year).
const WHOLE_DAY: &str = "0";

fn invalid() -> Error {
    Error::Invalid {
        field: "cursor",
        reason: "not a cursor from this listing; start again without a cursor".into(),
    }
}

/// The day and exclusive lower sort key a page starts at.
fn start(
    since: DateTime<Utc>,
    until: DateTime<Utc>,
    cursor: Option<&str>,
) -> Result<(NaiveDate, String)> {
    let Some(c) = cursor else {
        return Ok((since.date_naive(), keys::sortable_time(since)));
    };
    let plain = cursor::decode_plain(
        c,
        &[
            ("day", Rule::StartsWith(String::new())),
            ("after", Rule::StartsWith(String::new())),
        ],
    )?;
    let day = plain
        .get("day")
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .filter(|d| *d >= since.date_naive() && *d <= until.date_naive())
        .ok_or_else(invalid)?;
    let after = plain.get("after").cloned().ok_or_else(invalid)?;
    Ok((day, after))
}

fn cursor_at(day: NaiveDate, after: &str) -> Result<String> {
    let day = day.format("%Y-%m-%d").to_string();
    cursor::encode_plain(&BTreeMap::from([("day", day.as_str()), ("after", after)]))
}

/// One page of changes at or after `since` (up to the day of `until`), whatever the
/// store: `read_day(day, after, n)` gives up to `n` entries of one day partition with a
/// sort key above `after`, in order, as (sort key, item).
pub(crate) async fn page_days<F, Fut>(
    since: DateTime<Utc>,
    until: DateTime<Utc>,
    cursor: Option<&str>,
    limit: usize,
    mut read_day: F,
) -> Result<Page<Item>>
where
    F: FnMut(NaiveDate, String, usize) -> Fut,
    Fut: Future<Output = Result<Vec<(String, Item)>>>,
{
    let limit = rules::page_limit(limit);
    let since_sk = keys::sortable_time(since);
    let (mut day, mut after) = start(since, until, cursor)?;
    let last_day = until.date_naive();
    let mut items = Vec::new();
    let mut visited = 0;
    while day <= last_day {
        if visited == DAYS_PER_PAGE {
            return Ok(Page {
                items,
                next: Some(cursor_at(day, WHOLE_DAY)?),
            });
        }
        visited += 1;
        let lower = after.clone().max(since_sk.clone());
        let want = limit - items.len();
        let mut got = read_day(day, lower, want + 1).await?;
        if got.len() > want {
            got.truncate(want);
            let last = got.last().map(|(sk, _)| sk.clone()).unwrap_or(after);
            items.extend(got.into_iter().map(|(_, i)| i));
            return Ok(Page {
                items,
                next: Some(cursor_at(day, &last)?),
            });
        }
        items.extend(got.into_iter().map(|(_, i)| i));
        let Some(next_day) = day.succ_opt() else {
            break;
        };
        day = next_day;
        after = WHOLE_DAY.to_string();
        if items.len() == limit && day <= last_day {
            return Ok(Page {
                items,
                next: Some(cursor_at(day, WHOLE_DAY)?),
            });
        }
    }
    Ok(Page { items, next: None })
}

impl DynamoStore {
    /// One Query per day partition on GSI3 (`GSI3SK > after`), following 1 MB pages only
    /// while fewer than `n` items were found.
    pub(super) async fn read_change_day(
        &self,
        practice_id: &PracticeId,
        what: ChangeKind,
        day: NaiveDate,
        after: String,
        n: usize,
    ) -> Result<Vec<(String, Item)>> {
        let ty = match what {
            ChangeKind::Patients => kind::PATIENT,
            ChangeKind::Appointments => kind::APPOINTMENT,
        };
        let mut out = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(keys::GSI3)
                .key_condition_expression("#pk = :pk AND #sk > :after")
                .expression_attribute_names("#pk", keys::GSI3_PK)
                .expression_attribute_names("#sk", keys::GSI3_SK)
                .expression_attribute_values(
                    ":pk",
                    s(keys::changes_pk(practice_id, what.label(), day)),
                )
                .expression_attribute_values(":after", s(after.clone()))
                .scan_index_forward(true)
                .limit(i32::try_from(n).unwrap_or(i32::MAX))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| storage("Query", &e))?;
            for raw in page.items.unwrap_or_default() {
                let sk = raw
                    .get(keys::GSI3_SK)
                    .and_then(|v| v.as_s().ok())
                    .cloned()
                    .ok_or_else(|| codec::corrupt(ty, "the change index key is missing"))?;
                out.push((sk, codec::decode_item(raw, ty)?));
            }
            start = page.last_evaluated_key;
            if start.is_none() || out.len() >= n {
                break;
            }
        }
        out.truncate(n);
        Ok(out)
    }
}
