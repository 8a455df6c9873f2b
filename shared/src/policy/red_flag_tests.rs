use super::*;
use crate::domain::{ClockTime, DayOfWeek};
use crate::testing::utc;
use proptest::prelude::*;
use std::collections::BTreeMap;

const NY: Tz = chrono_tz::America::New_York;

fn lead() -> RedFlagLead {
    RedFlagLead {
        minutes_before_close: 60,
        new_patient_extra_minutes: 120,
    }
}

#[test]
fn a_monday_visit_is_flagged_on_friday_afternoon_when_the_weekend_is_closed() {
    // Monday 2026-03-16 10:00 New York (EDT); the office is open Monday to Friday 08-17.
    let visit = utc("2026-03-16T14:00:00Z");
    let hours = OfficeHours::default();
    let day = visit.with_timezone(&NY).date_naive();
    let (prior, _) = prior_business_day(day, &hours).unwrap();
    assert_eq!(prior.to_string(), "2026-03-13", "Friday");
    // 16:00 on Friday, one hour before closing: not midnight on Sunday.
    assert_eq!(
        red_flag_at(visit, NY, &hours, lead(), false),
        Some(utc("2026-03-13T20:00:00Z"))
    );
    // New patients first: 14:00 on Friday.
    assert_eq!(
        red_flag_at(visit, NY, &hours, lead(), true),
        Some(utc("2026-03-13T18:00:00Z"))
    );
}

#[test]
fn a_saturday_clinic_flags_monday_visits_on_saturday() {
    let mut hours = OfficeHours::default();
    let sat = OpenWindow {
        open: ClockTime::hm(9, 0),
        close: ClockTime::hm(12, 0),
    };
    hours.0.insert(DayOfWeek::Sat, sat);
    let visit = utc("2026-03-16T14:00:00Z");
    assert_eq!(
        red_flag_at(visit, NY, &hours, lead(), false),
        Some(utc("2026-03-14T15:00:00Z")),
        "11:00 on Saturday"
    );
    // A lead longer than the day is clamped to the opening.
    assert_eq!(
        red_flag_at(visit, NY, &hours, lead(), true),
        Some(utc("2026-03-14T13:00:00Z")),
        "09:00 on Saturday"
    );
}

#[test]
fn a_practice_without_opening_hours_keeps_the_start_of_the_visit_day() {
    let visit = utc("2026-03-16T14:00:00Z");
    let closed = OfficeHours(BTreeMap::new());
    assert_eq!(
        red_flag_at(visit, NY, &closed, lead(), false),
        Some(utc("2026-03-16T04:00:00Z"))
    );
}

fn hours_strategy() -> impl Strategy<Value = OfficeHours> {
    let day = (any::<bool>(), 5u32..12, 1u32..12);
    proptest::collection::vec(day, 7).prop_map(|days| {
        let all = [
            DayOfWeek::Mon,
            DayOfWeek::Tue,
            DayOfWeek::Wed,
            DayOfWeek::Thu,
            DayOfWeek::Fri,
            DayOfWeek::Sat,
            DayOfWeek::Sun,
        ];
        OfficeHours(
            all.into_iter()
                .zip(days)
                .filter(|(_, (open, _, _))| *open)
                .map(|(d, (_, from, len))| {
                    (
                        d,
                        OpenWindow {
                            open: ClockTime::hm(from, 0),
                            close: ClockTime::hm((from + len).min(23), 30),
                        },
                    )
                })
                .collect(),
        )
    })
}

proptest! {
    #[test]
    fn the_prior_business_day_is_the_last_open_day_before_the_visit(
        hours in hours_strategy(),
        offset in 0i64..400,
    ) {
        let visit_day = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + Duration::days(offset);
        match prior_business_day(visit_day, &hours) {
            None => prop_assert!(hours.0.is_empty()),
            Some((day, window)) => {
                prop_assert!(day < visit_day);
                prop_assert_eq!(hours.0.get(&day.weekday().into()), Some(&window));
                let mut between = day + Duration::days(1);
                while between < visit_day {
                    prop_assert!(!hours.0.contains_key(&between.weekday().into()),
                        "{} is open but was skipped", between);
                    between += Duration::days(1);
                }
            }
        }
    }

    #[test]
    fn the_red_flag_goes_up_while_the_office_is_open_and_before_the_visit(
        hours in hours_strategy(),
        minutes in 0i64..(400 * 24 * 60),
        before in 0u32..720,
        extra in 0u32..720,
        new_patient in any::<bool>(),
    ) {
        let starts = utc("2026-01-01T00:00:00Z") + Duration::minutes(minutes);
        let lead = RedFlagLead { minutes_before_close: before, new_patient_extra_minutes: extra };
        let at = red_flag_at(starts, NY, &hours, lead, new_patient);
        prop_assert!(at.is_some_and(|t| t < starts));
        let at = at.unwrap();
        if !hours.0.is_empty() {
            let local = at.with_timezone(&NY);
            let window = hours.0.get(&local.weekday().into());
            prop_assert!(window.is_some(), "flagged on a closed day");
            let w = window.unwrap();
            // A DST gap can push the time forward by up to an hour.
            prop_assert!(local.time() >= w.open.0 && local.time() <= w.close.0 + Duration::hours(1),
                "{} outside {:?}", local, w);
            prop_assert!(local.date_naive() < starts.with_timezone(&NY).date_naive());
            let regular = red_flag_at(starts, NY, &hours, lead, false).unwrap();
            prop_assert!(at <= regular, "new patients are never flagged later");
        }
    }
}
