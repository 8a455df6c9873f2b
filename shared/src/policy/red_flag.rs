//! When an unconfirmed appointment becomes a red flag for staff: before the end of the
//! **prior business day**, while the office is still open and someone can call. Pure.
//!
//! - The prior business day is the last day before the visit (on the practice's calendar)
//!   on which the office opens; closed days (weekends, any day without office hours) are
//!   skipped. A Monday visit with Saturday and Sunday closed is flagged on Friday.
//! - The flag is raised `minutes_before_close` before that day's closing (practice setting
//!   `red_flag_minutes_before_close`, default 60), never before it opens.
//! - New patients are flagged first: `new_patient_extra_minutes` earlier still (setting
//!   `new_patient_red_flag_extra_minutes`, default 120), and at a higher priority.
//! - A practice with no opening hours at all keeps the old rule: the start of the visit's
//!   day.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::domain::{OfficeHours, OpenWindow};

/// Days looked back for an open day (two weeks covers any weekly schedule with one).
const LOOKBACK_DAYS: i64 = 14;

/// The last day strictly before `visit_day` on which the office opens, with its window.
pub fn prior_business_day(
    visit_day: NaiveDate,
    hours: &OfficeHours,
) -> Option<(NaiveDate, OpenWindow)> {
    (1..=LOOKBACK_DAYS).find_map(|back| {
        let day = visit_day - Duration::days(back);
        hours.0.get(&day.weekday().into()).map(|w| (day, *w))
    })
}

/// How early the red flag goes up, before the prior business day's closing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RedFlagLead {
    pub minutes_before_close: u32,
    /// Added for new patients (they are flagged first).
    pub new_patient_extra_minutes: u32,
}

/// When the red flag of an unconfirmed visit starting at `starts_at` goes up, read on the
/// practice's calendar in `tz`. Always before the visit.
pub fn red_flag_at(
    starts_at: DateTime<Utc>,
    tz: Tz,
    hours: &OfficeHours,
    lead: RedFlagLead,
    new_patient: bool,
) -> Option<DateTime<Utc>> {
    let visit_day = starts_at.with_timezone(&tz).date_naive();
    let Some((day, window)) = prior_business_day(visit_day, hours) else {
        return local(tz, visit_day.and_time(NaiveTime::MIN));
    };
    let mut minutes = i64::from(lead.minutes_before_close);
    if new_patient {
        minutes += i64::from(lead.new_patient_extra_minutes);
    }
    let close = day.and_time(window.close.0);
    let open = day.and_time(window.open.0);
    let at = (close - Duration::minutes(minutes)).max(open);
    local(tz, at).filter(|t| *t < starts_at)
}

/// When the office opens on the prior business day of a visit starting at `starts_at`:
/// the earliest a spread red flag may go up (`policy::spread`). `None` for a practice
/// with no opening hours.
pub fn red_flag_floor(
    starts_at: DateTime<Utc>,
    tz: Tz,
    hours: &OfficeHours,
) -> Option<DateTime<Utc>> {
    let visit_day = starts_at.with_timezone(&tz).date_naive();
    let (day, window) = prior_business_day(visit_day, hours)?;
    local(tz, day.and_time(window.open.0))
}

/// A local wall-clock time as an instant; a time a DST gap swallows moves forward to the
/// first one that exists (within 3 hours).
fn local(tz: Tz, at: NaiveDateTime) -> Option<DateTime<Utc>> {
    (0..=180).find_map(|m| {
        tz.from_local_datetime(&(at + Duration::minutes(m)))
            .earliest()
            .map(|d| d.with_timezone(&Utc))
    })
}

#[cfg(test)]
#[path = "red_flag_tests.rs"]
mod tests;
