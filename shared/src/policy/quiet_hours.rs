//! Quiet hours, read in the patient's local time.
//!
//! Automated messages never go out while the patient's wall clock is inside
//! [`QuietHours`]; they wait for the window to open. [`QuietHours::next_open`] does the
//! work for ordinary days. This module wraps it so that the answer is *always* an instant
//! that is after the one asked about and outside quiet hours, even on the nights a
//! daylight-saving change moves or repeats the local opening time (a DST fold can make a
//! wall-clock opening time map to an instant that has already passed).

use chrono::{DateTime, Duration, DurationRound, Utc};
use chrono_tz::Tz;

use crate::domain::QuietHours;

/// How far ahead the fallback search looks before giving up: three days, so that even a
/// window of 23 h 59 min with a DST change in it has an opening.
const SEARCH_MINUTES: i64 = 3 * 24 * 60;

/// Whether `at` falls inside quiet hours on the wall clock of `tz`.
pub fn is_quiet(quiet: &QuietHours, at: DateTime<Utc>, tz: Tz) -> bool {
    quiet.contains(at.with_timezone(&tz).time())
}

/// The earliest instant at or after `at` when an automated message may be sent in `tz`:
/// `at` itself when it is outside quiet hours, else the moment the window opens.
///
/// Guarantees: the result is `>= at` and outside quiet hours. `None` only when no opening
/// exists within three days, which happens only for a degenerate window that covers the
/// whole day (start == end, rejected by settings validation).
pub fn next_send_time(quiet: &QuietHours, at: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
    let mut t = at;
    // Fast path: the domain's own computation, normally right first time.
    for _ in 0..4 {
        if !is_quiet(quiet, t, tz) {
            return Some(t);
        }
        match quiet.next_open(t, tz) {
            Some(open) if open > t => t = open,
            _ => break,
        }
    }
    // Fallback for DST edges: walk forward a minute at a time from the next whole minute.
    let mut candidate = t
        .duration_trunc(Duration::minutes(1))
        .unwrap_or(t)
        .checked_add_signed(Duration::minutes(1))?;
    for _ in 0..SEARCH_MINUTES {
        if !is_quiet(quiet, candidate, tz) {
            return Some(candidate);
        }
        candidate = candidate.checked_add_signed(Duration::minutes(1))?;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ClockTime;

    use crate::testing::utc;

    fn quiet(start: (u32, u32), end: (u32, u32)) -> QuietHours {
        QuietHours {
            start: ClockTime::hm(start.0, start.1),
            end: ClockTime::hm(end.0, end.1),
        }
    }

    #[test]
    fn a_time_outside_quiet_hours_is_sent_as_is() {
        let tz = chrono_tz::America::New_York;
        let at = utc("2026-06-01T15:00:00Z"); // 11:00 EDT
        assert_eq!(next_send_time(&QuietHours::default(), at, tz), Some(at));
    }

    #[test]
    fn late_evening_waits_for_eight_next_morning_local() {
        let tz = chrono_tz::Australia::Sydney;
        // 22:30 AEST on 2026-06-01 -> 08:00 AEST on 2026-06-02.
        let at = utc("2026-06-01T12:30:00Z");
        assert_eq!(
            next_send_time(&QuietHours::default(), at, tz),
            Some(utc("2026-06-01T22:00:00Z"))
        );
    }

    #[test]
    fn a_dst_fold_never_sends_the_patient_back_in_time() {
        // New York falls back at 02:00 EDT -> 01:00 EST on 2026-11-01. With quiet hours
        // 21:00-01:45, at 01:30 EST (second pass) the naive opening "01:45" resolves to
        // 01:45 EDT, an hour in the past. The real opening is 01:45 EST.
        let tz = chrono_tz::America::New_York;
        let q = quiet((21, 0), (1, 45));
        let at = utc("2026-11-01T06:30:00Z"); // 01:30 EST
        assert!(is_quiet(&q, at, tz));
        let open = next_send_time(&q, at, tz).unwrap();
        assert!(open > at);
        assert!(!is_quiet(&q, open, tz));
        assert_eq!(open, utc("2026-11-01T06:45:00Z"));
    }

    #[test]
    fn an_opening_inside_a_dst_gap_moves_to_the_first_real_minute() {
        // Lord Howe Island springs forward 02:00 -> 02:30 on 2026-10-04.
        let tz = chrono_tz::Australia::Lord_Howe;
        let q = quiet((21, 0), (2, 15));
        let at = utc("2026-10-03T14:00:00Z"); // 01:00 LHST (+10:30)
        let open = next_send_time(&q, at, tz).unwrap();
        assert!(open > at && !is_quiet(&q, open, tz));
        assert_eq!(open.with_timezone(&tz).format("%H:%M").to_string(), "02:30");
    }

    #[test]
    fn a_window_covering_the_whole_day_has_no_opening() {
        let q = quiet((8, 0), (8, 0));
        let at = utc("2026-06-01T15:00:00Z");
        assert_eq!(next_send_time(&q, at, chrono_tz::UTC), None);
    }
}
