//! Dates and times as patients read them, on a given wall clock: "Tue, Mar 10 at 2:30 PM".

use std::fmt::Write;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::{Error, Result};

/// Formats `at` on `tz`'s wall clock with a chrono pattern, without panicking.
fn format(at: DateTime<Utc>, tz: Tz, pattern: &str) -> Result<String> {
    let mut out = String::new();
    write!(out, "{}", at.with_timezone(&tz).format(pattern))
        .map_err(|_| Error::Config(format!("bad date pattern {pattern:?}")))?;
    Ok(out)
}

fn zone_suffix(at: DateTime<Utc>, tz: Tz, show_zone: bool) -> Result<String> {
    if show_zone {
        Ok(format!(" {}", format(at, tz, "%Z")?))
    } else {
        Ok(String::new())
    }
}

/// "2:30 PM", plus the zone abbreviation ("2:30 PM PST") when `show_zone`.
pub(crate) fn time_of_day(at: DateTime<Utc>, tz: Tz, show_zone: bool) -> Result<String> {
    Ok(format!(
        "{}{}",
        format(at, tz, "%-I:%M %p")?,
        zone_suffix(at, tz, show_zone)?
    ))
}

/// "Tue, Mar 10 at 2:30 PM" (plus the zone abbreviation when `show_zone`).
pub(crate) fn date_and_time(at: DateTime<Utc>, tz: Tz, show_zone: bool) -> Result<String> {
    Ok(format!(
        "{} at {}",
        format(at, tz, "%a, %b %-d")?,
        time_of_day(at, tz, show_zone)?
    ))
}

/// A day relative to `now` on `tz`'s calendar: "today", "yesterday", "tomorrow", "on
/// Monday" within a week, else "on Mon, Mar 9".
pub(crate) fn relative_day(at: DateTime<Utc>, now: DateTime<Utc>, tz: Tz) -> Result<String> {
    let day = at.with_timezone(&tz).date_naive();
    let today = now.with_timezone(&tz).date_naive();
    let diff = day.signed_duration_since(today).num_days();
    Ok(match diff {
        0 => "today".to_string(),
        -1 => "yesterday".to_string(),
        1 => "tomorrow".to_string(),
        2..=6 => format!("on {}", format(at, tz, "%A")?),
        _ => format!("on {}", format(at, tz, "%a, %b %-d")?),
    })
}

/// "today at 8:00 AM", "tomorrow at 8:00 AM", "on Monday at 8:00 AM", or
/// "on Mon, Mar 9 at 8:00 AM" beyond a week.
pub(crate) fn relative_day_and_time(
    at: DateTime<Utc>,
    now: DateTime<Utc>,
    tz: Tz,
    show_zone: bool,
) -> Result<String> {
    Ok(format!(
        "{} at {}",
        relative_day(at, now, tz)?,
        time_of_day(at, tz, show_zone)?
    ))
}

/// Whether two zones show different wall-clock times at `at` (then times are labelled).
pub(crate) fn zones_differ(a: Tz, b: Tz, at: DateTime<Utc>) -> bool {
    let offset = |tz: Tz| {
        let local = at.with_timezone(&tz);
        (local.naive_local() - at.naive_utc()).num_minutes()
    };
    a != b && offset(a) != offset(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::test_fixtures::utc;

    #[test]
    fn dates_read_naturally_on_the_local_clock() {
        let ny = chrono_tz::America::New_York;
        let at = utc("2026-03-10T18:30:00Z");
        assert_eq!(
            date_and_time(at, ny, false).unwrap(),
            "Tue, Mar 10 at 2:30 PM"
        );
        assert_eq!(
            date_and_time(at, ny, true).unwrap(),
            "Tue, Mar 10 at 2:30 PM EDT"
        );
        assert_eq!(time_of_day(at, ny, false).unwrap(), "2:30 PM");
    }

    #[test]
    fn days_are_named_relative_to_now_on_the_local_calendar() {
        let ny = chrono_tz::America::New_York;
        let now = utc("2026-03-10T03:00:00Z"); // Mon Mar 9, 23:00 EDT
        let fmt = |s| relative_day_and_time(utc(s), now, ny, false).unwrap();
        assert_eq!(fmt("2026-03-09T12:00:00Z"), "today at 8:00 AM");
        assert_eq!(fmt("2026-03-10T12:00:00Z"), "tomorrow at 8:00 AM");
        assert_eq!(fmt("2026-03-13T12:00:00Z"), "on Friday at 8:00 AM");
        assert_eq!(fmt("2026-03-20T12:00:00Z"), "on Fri, Mar 20 at 8:00 AM");
        assert_eq!(
            relative_day(utc("2026-03-08T15:00:00Z"), now, ny).unwrap(),
            "yesterday"
        );
    }

    #[test]
    fn zones_differ_only_when_their_clocks_do() {
        let at = utc("2026-01-10T12:00:00Z");
        assert!(!zones_differ(
            chrono_tz::America::New_York,
            chrono_tz::America::Toronto,
            at
        ));
        assert!(zones_differ(
            chrono_tz::America::New_York,
            chrono_tz::America::Chicago,
            at
        ));
    }
}
