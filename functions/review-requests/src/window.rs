//! "Office-friendly" hours for review requests.
//!
//! A review request goes out only when it is **09:00–19:00 on the patient's wall clock**
//! (their own zone, else the practice's), **on a day the practice is open** (a weekday
//! with an entry in `office_hours`; a practice with no office hours at all counts as open
//! every day), **and outside quiet hours**. So any reply with feedback lands on a day the
//! team is in, and nobody is asked for a review at breakfast or late in the evening.
//!
//! The weekday is read on the patient's calendar: for the rare patient in another zone
//! this is an approximation of the practice's own calendar, on the side of courtesy to the
//! patient.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use frontdesk::domain::{DayOfWeek, OfficeHours, QuietHours};
use frontdesk::policy::next_send_time;
use frontdesk::time::local_instant;

/// Office-friendly hours start (local, inclusive).
pub const FRIENDLY_START: (u32, u32) = (9, 0);
/// Office-friendly hours end (local, exclusive).
pub const FRIENDLY_END: (u32, u32) = (19, 0);

/// How many days ahead to look for an acceptable time.
const SEARCH_DAYS: i64 = 14;

fn clock((h, m): (u32, u32)) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN)
}

fn open_day(office: &OfficeHours, day: NaiveDate) -> bool {
    office.0.is_empty() || office.0.contains_key(&DayOfWeek::from(day.weekday()))
}

/// Whether `at` is inside office-friendly hours for a patient in `zone`.
pub fn is_friendly(at: DateTime<Utc>, zone: Tz, office: &OfficeHours) -> bool {
    let local = at.with_timezone(&zone);
    let t = local.time();
    open_day(office, local.date_naive()) && t >= clock(FRIENDLY_START) && t < clock(FRIENDLY_END)
}

/// `at` itself when it is office-friendly, else the next start of office-friendly hours.
pub fn next_friendly(at: DateTime<Utc>, zone: Tz, office: &OfficeHours) -> Option<DateTime<Utc>> {
    if is_friendly(at, zone, office) {
        return Some(at);
    }
    let today = at.with_timezone(&zone).date_naive();
    (0..=SEARCH_DAYS)
        .filter_map(|d| today.checked_add_signed(Duration::days(d)))
        .filter(|day| open_day(office, *day))
        .filter_map(|day| local_instant(zone, day.and_time(clock(FRIENDLY_START))))
        .find(|start| *start > at)
}

/// The first instant at or after `at` that is office-friendly and outside quiet hours.
/// `None` when there is none within two weeks (quiet hours covering 09:00–19:00, say):
/// then the request is not sent at all.
pub fn next_acceptable(
    at: DateTime<Utc>,
    zone: Tz,
    office: &OfficeHours,
    quiet: &QuietHours,
) -> Option<DateTime<Utc>> {
    let mut t = at;
    for _ in 0..(2 * SEARCH_DAYS) {
        let friendly = next_friendly(t, zone, office)?;
        let open = next_send_time(quiet, friendly, zone)?;
        if open == friendly {
            return Some(open);
        }
        t = open;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use frontdesk::domain::{ClockTime, OpenWindow};
    use proptest::prelude::*;

    const NY: Tz = chrono_tz::America::New_York;

    use testkit::utc;

    fn weekdays() -> OfficeHours {
        OfficeHours::default()
    }

    #[test]
    fn an_afternoon_on_a_weekday_is_friendly_now() {
        // Tue 2026-03-10 16:30 EDT.
        let at = utc("2026-03-10T20:30:00Z");
        assert_eq!(
            next_acceptable(at, NY, &weekdays(), &QuietHours::default()),
            Some(at)
        );
    }

    #[test]
    fn an_evening_waits_for_nine_the_next_open_morning() {
        // Tue 19:30 EDT -> Wed 09:00 EDT.
        assert_eq!(
            next_acceptable(
                utc("2026-03-10T23:30:00Z"),
                NY,
                &weekdays(),
                &QuietHours::default()
            ),
            Some(utc("2026-03-11T13:00:00Z"))
        );
        // Fri 18:59 is fine, Fri 19:00 waits for Monday.
        assert!(is_friendly(utc("2026-03-13T22:59:00Z"), NY, &weekdays()));
        assert_eq!(
            next_acceptable(
                utc("2026-03-13T23:00:00Z"),
                NY,
                &weekdays(),
                &QuietHours::default()
            ),
            Some(utc("2026-03-16T13:00:00Z"))
        );
    }

    #[test]
    fn a_saturday_practice_sends_on_saturday() {
        let mut office = weekdays();
        office.0.insert(
            DayOfWeek::Sat,
            OpenWindow {
                open: ClockTime::hm(9, 0),
                close: ClockTime::hm(12, 0),
            },
        );
        // Sat 2026-03-14 08:00 EDT -> 09:00 the same day.
        assert_eq!(
            next_acceptable(
                utc("2026-03-14T12:00:00Z"),
                NY,
                &office,
                &QuietHours::default()
            ),
            Some(utc("2026-03-14T13:00:00Z"))
        );
    }

    #[test]
    fn quiet_hours_that_end_after_nine_are_respected() {
        let quiet = QuietHours {
            start: ClockTime::hm(18, 0),
            end: ClockTime::hm(10, 15),
        };
        assert_eq!(
            next_acceptable(utc("2026-03-10T12:00:00Z"), NY, &weekdays(), &quiet),
            Some(utc("2026-03-10T14:15:00Z"))
        );
    }

    #[test]
    fn quiet_hours_covering_the_friendly_window_mean_never() {
        let quiet = QuietHours {
            start: ClockTime::hm(8, 0),
            end: ClockTime::hm(20, 0),
        };
        assert_eq!(
            next_acceptable(utc("2026-03-10T12:00:00Z"), NY, &weekdays(), &quiet),
            None
        );
    }

    #[test]
    fn the_patients_own_zone_decides() {
        // 16:30Z is 09:30 in Los Angeles (fine) and 12:30 in New York.
        let la = chrono_tz::America::Los_Angeles;
        assert!(is_friendly(utc("2026-03-10T16:30:00Z"), la, &weekdays()));
        assert!(!is_friendly(utc("2026-03-10T15:30:00Z"), la, &weekdays()));
    }

    proptest! {
        #[test]
        fn the_answer_is_never_earlier_friendly_and_never_quiet(
            minutes in 0i64..(60 * 24 * 400),
            zone_index in 0usize..4,
        ) {
            let zones = [NY, chrono_tz::Europe::London, chrono_tz::Australia::Sydney, chrono_tz::Asia::Kolkata];
            let zone = zones[zone_index];
            let at = utc("2026-01-01T00:00:00Z") + Duration::minutes(minutes);
            let quiet = QuietHours::default();
            let t = next_acceptable(at, zone, &weekdays(), &quiet).unwrap();
            prop_assert!(t >= at);
            prop_assert!(is_friendly(t, zone, &weekdays()));
            prop_assert!(!frontdesk::policy::is_quiet(&quiet, t, zone));
            prop_assert!(t - at <= Duration::days(4), "within a long weekend");
        }
    }
}
