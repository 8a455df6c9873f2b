//! Wall-clock helpers every crate shares: a local time as an instant (DST-safe) and the
//! one format staff see times in.

use std::fmt::Write;

use chrono::{DateTime, Duration, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// A local wall-clock time in `zone` as an instant. In a DST gap (a time that never
/// happens), the first valid hour after it; in a fall-back overlap, the earlier instant.
pub fn local_instant(zone: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    (0..=3).find_map(|hours| {
        zone.from_local_datetime(&(local + Duration::hours(hours)))
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    })
}

/// How staff see a time, always on the practice's clock with its zone:
/// "Tue, Mar 10 at 2:30 PM EDT". Never panics (a formatting failure falls back to RFC 3339).
pub fn staff_time(at: DateTime<Utc>, zone: Tz) -> String {
    let mut out = String::new();
    match write!(
        out,
        "{}",
        at.with_timezone(&zone).format("%a, %b %-d at %-I:%M %p %Z")
    ) {
        Ok(()) => out,
        Err(_) => at.to_rfc3339(),
    }
}

/// A calendar day as staff see it, on the practice's clock: "Tue, Mar 10, 2026".
pub fn staff_date(at: DateTime<Utc>, zone: Tz) -> String {
    let mut out = String::new();
    match write!(out, "{}", at.with_timezone(&zone).format("%a, %b %-d, %Y")) {
        Ok(()) => out,
        Err(_) => at.date_naive().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::utc;
    use chrono::NaiveDate;
    use chrono_tz::America::New_York;

    fn local(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d)
            .and_then(|day| day.and_hms_opt(h, mi, 0))
            .expect("a valid local time")
    }

    #[test]
    fn a_time_in_the_spring_forward_gap_moves_to_the_next_valid_hour() {
        // 2026-03-08 02:30 does not exist in New York; 03:30 EDT does.
        let at = local_instant(New_York, local(2026, 3, 8, 2, 30)).unwrap();
        assert_eq!(at, utc("2026-03-08T07:30:00Z"));
    }

    #[test]
    fn a_time_in_the_fall_back_overlap_is_the_earlier_instant() {
        let at = local_instant(New_York, local(2026, 11, 1, 1, 30)).unwrap();
        assert_eq!(at, utc("2026-11-01T05:30:00Z"), "01:30 EDT, not EST");
    }

    #[test]
    fn staff_see_the_practice_clock_with_its_zone() {
        let at = utc("2026-03-10T18:30:00Z");
        assert_eq!(staff_time(at, New_York), "Tue, Mar 10 at 2:30 PM EDT");
        assert_eq!(staff_date(at, New_York), "Tue, Mar 10, 2026");
    }
}
