//! Properties of the pile-up spread: deterministic, within the window, never into quiet
//! hours, never too close to the visit, never before the floor, and even.

use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Tz;
use proptest::prelude::*;

use super::*;
use crate::domain::ClockTime;

const ZONES: &[Tz] = &[
    chrono_tz::UTC,
    chrono_tz::America::New_York,
    chrono_tz::America::Los_Angeles,
    chrono_tz::Europe::London,
    chrono_tz::Australia::Lord_Howe,
    chrono_tz::Asia::Kolkata,
];

fn ids(practice: u32, appointment: u64) -> (PracticeId, AppointmentId) {
    (
        PracticeId::parse(format!("p{practice}")).unwrap(),
        AppointmentId::parse(format!("appt-{appointment}")).unwrap(),
    )
}

fn quiet_hours() -> impl Strategy<Value = QuietHours> {
    (0u32..24, 0u32..60, 0u32..24, 0u32..60)
        .prop_filter("start and end differ", |(a, b, c, d)| (a, b) != (c, d))
        .prop_map(|(a, b, c, d)| QuietHours {
            start: ClockTime::hm(a, b),
            end: ClockTime::hm(c, d),
        })
}

fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    // 2000..2040, whole minutes (the planner's times are whole minutes).
    (946_684_800i64 / 60..2_208_988_800i64 / 60)
        .prop_map(|m| Utc.timestamp_opt(m * 60, 0).single().unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn a_spread_reminder_stays_in_its_window_outside_quiet_hours_and_before_the_visit(
        practice in 0u32..5000,
        appointment in any::<u64>(),
        at in instant(),
        window in 0u32..=MAX_SPREAD_MINUTES,
        lead_minutes in 0i64..600,
        quiet in quiet_hours(),
        zone in 0..ZONES.len(),
    ) {
        let tz = ZONES[zone];
        let (p, a) = ids(practice, appointment);
        let key = SpreadKey { practice: &p, appointment: &a };
        let starts_at = at + Duration::minutes(lead_minutes);
        let out = spread_reminder(key, at, window, starts_at, &quiet, tz);
        // Deterministic.
        prop_assert_eq!(out, spread_reminder(key, at, window, starts_at, &quiet, tz));
        // Within [at, at + window), or exactly at.
        prop_assert!(out >= at);
        prop_assert!(out == at || out < at + Duration::minutes(i64::from(window)));
        // Never into quiet hours.
        if !is_quiet(&quiet, at, tz) {
            prop_assert!(!is_quiet(&quiet, out, tz), "{out} is quiet in {tz}");
        }
        // Never later than the margin before the visit (unless it already was).
        if at < starts_at - VISIT_MARGIN {
            prop_assert!(out < starts_at - VISIT_MARGIN);
        } else {
            prop_assert_eq!(out, at);
        }
    }

    #[test]
    fn a_spread_deadline_is_earlier_within_its_window_and_never_before_the_floor(
        practice in 0u32..5000,
        appointment in any::<u64>(),
        at in instant(),
        window in 0u32..=MAX_SPREAD_MINUTES,
        floor_before in proptest::option::of(0i64..200),
    ) {
        let (p, a) = ids(practice, appointment);
        let key = SpreadKey { practice: &p, appointment: &a };
        let floor = floor_before.map(|m| at - Duration::minutes(m));
        let out = spread_deadline(key, at, window, floor);
        prop_assert_eq!(out, spread_deadline(key, at, window, floor));
        prop_assert!(out <= at);
        prop_assert!(out == at || out > at - Duration::minutes(i64::from(window)));
        if let Some(f) = floor {
            prop_assert!(out >= f);
        }
    }

    #[test]
    fn a_window_of_zero_keeps_the_exact_time(
        practice in 0u32..5000,
        appointment in any::<u64>(),
        at in instant(),
        quiet in quiet_hours(),
    ) {
        let (p, a) = ids(practice, appointment);
        let key = SpreadKey { practice: &p, appointment: &a };
        let starts = at + Duration::hours(5);
        prop_assert_eq!(spread_reminder(key, at, 0, starts, &quiet, chrono_tz::UTC), at);
        prop_assert_eq!(spread_deadline(key, at, 0, None), at);
    }
}

/// 08:00 New York on 2026-03-10, a visit at 14:00, default quiet hours.
fn eight_am() -> (DateTime<Utc>, DateTime<Utc>) {
    let at = Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0).unwrap();
    (at, at + Duration::hours(6))
}

fn per_minute<F: Fn(&PracticeId, &AppointmentId) -> DateTime<Utc>>(
    base: DateTime<Utc>,
    minutes: usize,
    f: F,
) -> Vec<usize> {
    let mut counts = vec![0usize; minutes];
    for i in 0..10_000u64 {
        let (p, a) = ids((i % 200) as u32, i);
        let minute = (f(&p, &a) - base).num_minutes().unsigned_abs();
        let slot = usize::try_from(minute).unwrap();
        counts[slot.min(minutes - 1)] += 1;
    }
    counts
}

#[test]
fn ten_thousand_reminders_at_eight_spread_evenly_over_the_window() {
    let (at, starts) = eight_am();
    let tz = chrono_tz::America::New_York;
    let quiet = QuietHours::default();
    let counts = per_minute(at, 45, |p, a| {
        let key = SpreadKey {
            practice: p,
            appointment: a,
        };
        spread_reminder(key, at, 45, starts, &quiet, tz)
    });
    let mean = 10_000 / 45;
    assert!(counts.iter().all(|c| *c <= 2 * mean), "{counts:?}");
    assert!(counts.iter().all(|c| *c >= mean / 2), "{counts:?}");
}

#[test]
fn ten_thousand_deadlines_spread_evenly_and_earlier() {
    let (at, _) = eight_am();
    let counts = per_minute(at - Duration::minutes(45), 45, |p, a| {
        let key = SpreadKey {
            practice: p,
            appointment: a,
        };
        spread_deadline(key, at, 45, None)
    });
    let mean = 10_000 / 45;
    assert!(counts.iter().all(|c| *c <= 2 * mean), "{counts:?}");
}

#[test]
fn a_reminder_shortly_before_quiet_hours_is_cut_at_their_start() {
    // 20:40 New York with quiet hours from 21:00: at most 20 minutes later.
    let at = Utc.with_ymd_and_hms(2026, 3, 11, 0, 40, 0).unwrap();
    let quiet = QuietHours::default();
    let tz = chrono_tz::America::New_York;
    for i in 0..500 {
        let (p, a) = ids(1, i);
        let key = SpreadKey {
            practice: &p,
            appointment: &a,
        };
        let out = spread_reminder(key, at, 45, at + Duration::hours(20), &quiet, tz);
        assert!(out < at + Duration::minutes(20), "{out}");
    }
}

#[test]
fn an_early_visit_keeps_its_reminder_at_least_the_margin_before() {
    let (at, _) = eight_am();
    let starts = at + Duration::minutes(75);
    for i in 0..500 {
        let (p, a) = ids(1, i);
        let key = SpreadKey {
            practice: &p,
            appointment: &a,
        };
        let out = spread_reminder(key, at, 45, starts, &QuietHours::default(), chrono_tz::UTC);
        assert!(out < starts - VISIT_MARGIN, "{out}");
    }
}
