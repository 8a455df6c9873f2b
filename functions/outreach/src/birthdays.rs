//! Birthdays, decided purely (the job that sends them is not wired yet): a birthday
//! message goes at 10:00 on the patient's clock, once a year, only with marketing consent;
//! someone born on 29 February is greeted on 28 February in other years.
//!
//! Intended wiring (see the report of issue 15): when a patient with a `birth_date` is
//! stored, one due item per patient (`DUE#<patient>#birthday`, replaced on every write)
//! is planned at [`next_send`]; the send is idempotent per patient and year through a
//! claim `birthday:<patient>:<year>` in the same transaction, and plans next year's item.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

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
pub fn claim_key(patient: &frontdesk::domain::PatientId, year: i32) -> String {
    format!("birthday:{patient}:{year}")
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
}
