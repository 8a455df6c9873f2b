//! Birthday greetings, decided purely: a greeting goes at 10:00 on the patient's clock,
//! once a year, only with marketing consent; someone born on 29 February is greeted on
//! 28 February in other years.
//!
//! Wiring: every patient write (the PUT and the batch) plans the patient's one due item
//! (`DUE#<patient>#birthday`, replaced on every write, removed with the birth date) with
//! [`plan`]; the outreach function's birthdays job sends it through the shared delivery
//! path and plans the next year's. The send is idempotent per patient and year: the claim
//! [`claim_key`] is taken in the same transaction that moves the item on to next year.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::domain::{DueWork, Patient, PatientId, PracticeSettings};
use crate::keys;
use crate::ports::Write;

/// The local time of a birthday message.
pub fn send_time() -> NaiveTime {
    NaiveTime::from_hms_opt(10, 0, 0).unwrap_or(NaiveTime::MIN)
}

/// The day of `year` on which someone born on `birth` is greeted: their birthday, or
/// 28 February for 29 February in a year without one.
pub fn birthday_in(birth: NaiveDate, year: i32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, birth.month(), birth.day())
        .or_else(|| NaiveDate::from_ymd_opt(year, 2, 28))
}

/// The first birthday greeting strictly after `after`: 10:00 on the birthday on the
/// patient's clock `tz`.
pub fn next_send(birth: NaiveDate, tz: Tz, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let this_year = after.with_timezone(&tz).year();
    (this_year..=this_year + 1).find_map(|year| {
        let day = birthday_in(birth, year)?;
        let at = tz
            .from_local_datetime(&day.and_time(send_time()))
            .earliest()?
            .with_timezone(&Utc);
        (at > after).then_some(at)
    })
}

/// The idempotency key of one year's greeting.
pub fn claim_key(patient: &PatientId, year: i32) -> String {
    format!("birthday:{patient}:{year}")
}

/// The start of the local day of `at` on `tz`, as UTC (the earliest instant of that day).
fn start_of_local_day(at: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
    tz.from_local_datetime(&at.with_timezone(&tz).date_naive().and_time(NaiveTime::MIN))
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// The greeting a patient write at `now` plans: the next 10:00 on the birthday, counting
/// today's (so a write later on the birthday itself still greets, due now; the year's
/// claim keeps it to one).
pub fn upcoming(birth: NaiveDate, tz: Tz, now: DateTime<Utc>) -> Option<DueAt> {
    let from = start_of_local_day(now, tz)? - Duration::seconds(1);
    let greeting = next_send(birth, tz, from)?;
    Some(DueAt {
        greeting,
        due: greeting.max(now),
    })
}

/// When a greeting is planned for, and when its item comes due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueAt {
    /// 10:00 on the birthday, the patient's clock.
    pub greeting: DateTime<Utc>,
    /// The greeting, or now when it is later on the birthday.
    pub due: DateTime<Utc>,
}

/// The year a greeting planned for `greeting` belongs to (on the patient's clock).
pub fn year_of(greeting: DateTime<Utc>, tz: Tz) -> i32 {
    greeting.with_timezone(&tz).year()
}

/// The last moment a greeting is still useful: the end of the birthday on the patient's
/// clock (later, e.g. deferred past quiet hours or a run days late, it is suppressed).
pub fn not_after(greeting: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
    let next_day = greeting.with_timezone(&tz).date_naive() + Duration::days(1);
    tz.from_local_datetime(&next_day.and_time(NaiveTime::MIN))
        .earliest()
        .map_or(greeting + Duration::hours(14), |t| t.with_timezone(&Utc))
        - Duration::seconds(1)
}

/// The write that keeps a stored patient's birthday item in step with the patient: the
/// item planned (replacing any), or removed when the birth date was cleared. `None` when
/// the patient has no birth date and had none.
pub fn plan(
    patient: &Patient,
    before: Option<&Patient>,
    settings: &PracticeSettings,
    now: DateTime<Utc>,
) -> Option<Write> {
    let tz = patient.zone(settings.time_zone);
    match patient.birth_date.and_then(|b| upcoming(b, tz, now)) {
        Some(at) => Some(Write::Due(Box::new(DueWork::birthday(
            patient.practice_id.clone(),
            patient.patient_id.clone(),
            at.greeting,
            at.due,
        )))),
        None => before.and_then(|b| b.birth_date).map(|_| Write::RemoveDue {
            practice_id: patient.practice_id.clone(),
            due_key: keys::due_key_of(&DueWork::birthday(
                patient.practice_id.clone(),
                patient.patient_id.clone(),
                now,
                now,
            )),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, Timelike};
    use proptest::prelude::*;

    fn zone() -> impl Strategy<Value = Tz> {
        prop_oneof![
            Just(chrono_tz::America::New_York),
            Just(chrono_tz::Asia::Tokyo),
            Just(chrono_tz::Pacific::Auckland),
            Just(chrono_tz::America::Los_Angeles),
            Just(chrono_tz::UTC),
        ]
    }

    proptest! {
        #[test]
        fn a_greeting_goes_at_ten_on_the_patients_birthday_within_a_year(
            days in 0i64..(120 * 365),
            after_minutes in 0i64..(6 * 365 * 24 * 60),
            tz in zone(),
        ) {
            let birth = NaiveDate::from_ymd_opt(1920, 1, 1).unwrap() + Duration::days(days);
            let after = DateTime::parse_from_rfc3339("2024-01-01T00:00:00Z").unwrap().to_utc()
                + Duration::minutes(after_minutes);
            let at = next_send(birth, tz, after).expect("every year has the day");
            prop_assert!(at > after);
            prop_assert!(at <= after + Duration::days(367));
            let local = at.with_timezone(&tz);
            prop_assert_eq!((local.hour(), local.minute()), (10, 0));
            let leap_day = birth.month() == 2 && birth.day() == 29;
            let no_leap_day = NaiveDate::from_ymd_opt(local.year(), 2, 29).is_none();
            if leap_day && no_leap_day {
                prop_assert_eq!((local.month(), local.day()), (2, 28));
            } else {
                prop_assert_eq!((local.month(), local.day()), (birth.month(), birth.day()));
            }
            // Once a year: the next one is a year on.
            let again = next_send(birth, tz, at).expect("next year");
            prop_assert_eq!(again.with_timezone(&tz).year(), local.year() + 1);
        }
    }

    #[test]
    fn the_29th_of_february_is_greeted_on_the_28th_in_other_years() {
        let birth = NaiveDate::from_ymd_opt(2000, 2, 29).unwrap();
        let tz = chrono_tz::America::New_York;
        let after = DateTime::parse_from_rfc3339("2027-01-01T00:00:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(
            next_send(birth, tz, after).unwrap().to_rfc3339(),
            "2027-02-28T15:00:00+00:00"
        );
        let leap = DateTime::parse_from_rfc3339("2028-01-01T00:00:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(
            next_send(birth, tz, leap).unwrap().to_rfc3339(),
            "2028-02-29T15:00:00+00:00"
        );
    }

    #[test]
    fn a_write_later_on_the_birthday_plans_today_due_now_and_the_day_after_next_year() {
        let birth = NaiveDate::from_ymd_opt(1990, 6, 15).unwrap();
        let tz = chrono_tz::America::Chicago;
        let afternoon = DateTime::parse_from_rfc3339("2026-06-15T20:00:00Z")
            .unwrap()
            .to_utc();
        let at = upcoming(birth, tz, afternoon).unwrap();
        assert_eq!(at.greeting.to_rfc3339(), "2026-06-15T15:00:00+00:00");
        assert_eq!(at.due, afternoon);
        assert_eq!(year_of(at.greeting, tz), 2026);
        assert_eq!(
            not_after(at.greeting, tz).to_rfc3339(),
            "2026-06-16T04:59:59+00:00"
        );
        let next_day = afternoon + Duration::days(1);
        let at = upcoming(birth, tz, next_day).unwrap();
        assert_eq!(at.greeting.to_rfc3339(), "2027-06-15T15:00:00+00:00");
        assert_eq!(at.due, at.greeting);
    }
}
