//! The practice-wide lists a PMS syncs from: patients and appointments by id (one Query
//! per page on the practice's own `PATIENT#` / `APPT#` items), and the appointments of a
//! time range from the day-schedule index (GSI1, one partition per practice and UTC day).
//! Never a Scan.

use chrono::{DateTime, Duration, Utc};

use super::codec::{self, kind, s};
use super::errors::storage;
use super::DynamoStore;
use crate::domain::{Appointment, Patient, PracticeId};
use crate::keys;
use crate::ports::Page;
use crate::{Error, Result};

/// The most appointments one range read returns (a busy practice has a few hundred a day).
pub(crate) const RANGE_MAX: usize = 2000;
/// The widest range read: a week, so a range is at most eight day partitions.
pub(crate) const RANGE_MAX_DAYS: i64 = 7;

/// The UTC days a range `[from, to)` touches, or `Invalid` when it is empty or too wide.
pub(crate) fn range_days(from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<DateTime<Utc>>> {
    if to <= from || to - from > Duration::days(RANGE_MAX_DAYS) {
        return Err(Error::Invalid {
            field: "range",
            reason: format!("must be a non-empty range of at most {RANGE_MAX_DAYS} days"),
        });
    }
    let mut days = Vec::new();
    let mut day = from;
    let last = (to - Duration::milliseconds(1)).date_naive();
    while day.date_naive() <= last {
        days.push(day);
        day += Duration::days(1);
    }
    Ok(days)
}

impl DynamoStore {
    pub(super) async fn read_patients_page(
        &self,
        practice_id: &PracticeId,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Patient>> {
        self.query_prefix_page(
            keys::practice_pk(practice_id),
            keys::PATIENT_PREFIX.into(),
            cursor,
            limit,
            kind::PATIENT,
        )
        .await
    }

    pub(super) async fn read_appointments_page(
        &self,
        practice_id: &PracticeId,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Appointment>> {
        self.query_prefix_page(
            keys::practice_pk(practice_id),
            keys::APPOINTMENT_PREFIX.into(),
            cursor,
            limit,
            kind::APPOINTMENT,
        )
        .await
    }

    /// One Query per UTC day of the range on GSI1 (`P#<practice>#DAY#<date>`, sort key
    /// between the range's ends), following pages; soonest first.
    pub(super) async fn read_appointments_starting(
        &self,
        practice_id: &PracticeId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Appointment>> {
        let mut out: Vec<Appointment> = Vec::new();
        for day in range_days(from, to)? {
            let mut start = None;
            loop {
                let page = self
                    .client
                    .query()
                    .table_name(&self.table)
                    .index_name(keys::GSI1)
                    .key_condition_expression("#pk = :pk AND #sk BETWEEN :from AND :to")
                    .expression_attribute_names("#pk", keys::GSI1_PK)
                    .expression_attribute_names("#sk", keys::GSI1_SK)
                    .expression_attribute_values(
                        ":pk",
                        s(keys::appointment_day_pk(practice_id, day)),
                    )
                    .expression_attribute_values(":from", s(keys::sortable_time(from)))
                    .expression_attribute_values(":to", s(keys::sortable_time(to)))
                    .scan_index_forward(true)
                    .set_exclusive_start_key(start)
                    .send()
                    .await
                    .map_err(|e| storage("Query", &e))?;
                for item in page.items.unwrap_or_default() {
                    let a: Appointment = codec::decode(item, kind::APPOINTMENT)?;
                    if a.starts_at >= from && a.starts_at < to && out.len() < RANGE_MAX {
                        out.push(a);
                    }
                }
                start = page.last_evaluated_key;
                if start.is_none() || out.len() >= RANGE_MAX {
                    break;
                }
            }
        }
        Ok(out)
    }
}
