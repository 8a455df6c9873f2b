//! Frequency caps: how many automated messages one patient may receive.
//!
//! Rules:
//! - **Both caps are rolling windows**, counted back from the moment the message would go
//!   out: `per_day` over the last 24 hours, `per_week` over the last 7 days. A rolling day
//!   is the stricter reading: "never more than N in any 24 hours" holds for the patient,
//!   while a calendar day would allow N at 20:59 and N more at 08:00 the next morning. It
//!   is also immune to 23- and 25-hour days at DST changes.
//! - A send at instant `t` is allowed when fewer than `per_day` recorded sends lie in
//!   `(t − 24h, t]` and fewer than `per_week` in `(t − 7d, t]`. Entries later than `t`
//!   (clock skew between workers) count too: when unsure, send less.
//! - Only automated sends are counted and capped. Replies to a patient's own message and
//!   staff calls are not automated messages.
//! - [`record_automated_send`] keeps `Patient::recent_automated` sorted, newest last, and
//!   drops entries that can no longer affect any cap (older than 7 days).

use chrono::{DateTime, Duration, Utc};

use crate::domain::{MessageCaps, Patient};

use super::reasons::SuppressReason;

/// The rolling window of `MessageCaps::per_day`.
pub const CAP_DAY: Duration = Duration::hours(24);
/// The rolling window of `MessageCaps::per_week`; also how long history is kept.
pub const CAP_WEEK: Duration = Duration::days(7);

/// How many of `history` fall after `since` (exclusive).
fn count_after(history: &[DateTime<Utc>], since: DateTime<Utc>) -> u64 {
    // Counted, not searched: the history is short and may be unsorted if written by hand.
    history.iter().filter(|t| **t > since).count() as u64
}

/// Whether one more automated send at `at` would break a cap, and which one.
/// The daily cap is checked first.
pub fn cap_reached(
    history: &[DateTime<Utc>],
    caps: MessageCaps,
    at: DateTime<Utc>,
) -> Option<SuppressReason> {
    let day_start = at
        .checked_sub_signed(CAP_DAY)
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    if count_after(history, day_start) >= u64::from(caps.per_day) {
        return Some(SuppressReason::DailyCap {
            limit: caps.per_day,
        });
    }
    let week_start = at
        .checked_sub_signed(CAP_WEEK)
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    if count_after(history, week_start) >= u64::from(caps.per_week) {
        return Some(SuppressReason::WeeklyCap {
            limit: caps.per_week,
        });
    }
    None
}

/// Records that an automated message went out to `patient` at `at`: inserts it in time
/// order and prunes entries older than seven days before the newest one.
pub fn record_automated_send(patient: &mut Patient, at: DateTime<Utc>) {
    let history = &mut patient.recent_automated;
    history.sort_unstable();
    let index = history.partition_point(|t| *t <= at);
    history.insert(index, at);
    if let Some(newest) = history.last().copied() {
        if let Some(cutoff) = newest.checked_sub_signed(CAP_WEEK) {
            history.retain(|t| *t > cutoff);
        }
    }
}

/// Stale entries (older than every cap's window) a history may carry before a sweep trims
/// it: trimming costs a write, so it waits until it is worth one.
pub const TRIM_AT: usize = 8;

/// What `history` should be trimmed to at `now`, if it carries at least [`TRIM_AT`]
/// entries that can no longer count toward any cap: the rest, in time order. Entries
/// later than `now` (clock skew) are kept: they still count.
pub fn history_to_keep(
    history: &[DateTime<Utc>],
    now: DateTime<Utc>,
) -> Option<Vec<DateTime<Utc>>> {
    let cutoff = now.checked_sub_signed(CAP_WEEK)?;
    let stale = history.iter().filter(|t| **t <= cutoff).count();
    if stale < TRIM_AT {
        return None;
    }
    let mut keep: Vec<DateTime<Utc>> = history.iter().copied().filter(|t| *t > cutoff).collect();
    keep.sort_unstable();
    Some(keep)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::test_fixtures::{patient, utc};

    const CAPS: MessageCaps = MessageCaps {
        per_day: 2,
        per_week: 3,
    };

    #[test]
    fn a_patient_with_no_history_is_never_capped() {
        assert_eq!(cap_reached(&[], CAPS, utc("2026-03-01T12:00:00Z")), None);
    }

    #[test]
    fn the_daily_cap_counts_the_last_twenty_four_hours() {
        let history = [utc("2026-03-01T12:00:00Z"), utc("2026-03-02T09:00:00Z")];
        assert_eq!(
            cap_reached(&history, CAPS, utc("2026-03-02T11:59:00Z")),
            Some(SuppressReason::DailyCap { limit: 2 })
        );
        // Exactly 24 hours after the first send, it has left the window.
        assert_eq!(
            cap_reached(&history, CAPS, utc("2026-03-02T12:00:00Z")),
            None
        );
    }

    #[test]
    fn the_weekly_cap_counts_the_last_seven_days() {
        let history = [
            utc("2026-03-01T12:00:00Z"),
            utc("2026-03-03T12:00:00Z"),
            utc("2026-03-05T12:00:00Z"),
        ];
        assert_eq!(
            cap_reached(&history, CAPS, utc("2026-03-07T12:00:00Z")),
            Some(SuppressReason::WeeklyCap { limit: 3 })
        );
        assert_eq!(
            cap_reached(&history, CAPS, utc("2026-03-08T12:00:00Z")),
            None
        );
    }

    #[test]
    fn sends_recorded_in_the_future_still_count() {
        let history = [utc("2026-03-01T13:00:00Z"), utc("2026-03-01T14:00:00Z")];
        assert!(cap_reached(&history, CAPS, utc("2026-03-01T12:00:00Z")).is_some());
    }

    #[test]
    fn recording_a_send_keeps_order_and_prunes_the_old_week() {
        let mut p = patient();
        p.recent_automated = vec![utc("2026-02-20T12:00:00Z"), utc("2026-03-01T12:00:00Z")];
        record_automated_send(&mut p, utc("2026-03-02T12:00:00Z"));
        record_automated_send(&mut p, utc("2026-03-01T18:00:00Z"));
        assert_eq!(
            p.recent_automated,
            vec![
                utc("2026-03-01T12:00:00Z"),
                utc("2026-03-01T18:00:00Z"),
                utc("2026-03-02T12:00:00Z"),
            ]
        );
    }

    #[test]
    fn a_history_is_trimmed_only_once_enough_of_it_is_stale() {
        let now = utc("2026-03-20T12:00:00Z");
        let old: Vec<_> = (0..TRIM_AT as i64)
            .map(|d| utc("2026-03-01T12:00:00Z") + Duration::hours(d))
            .collect();
        let recent = [utc("2026-03-19T12:00:00Z"), utc("2026-03-20T11:00:00Z")];
        let few: Vec<_> = old[1..].iter().chain(&recent).copied().collect();
        assert_eq!(history_to_keep(&few, now), None, "not worth a write yet");
        let many: Vec<_> = recent.iter().chain(&old).copied().collect();
        assert_eq!(history_to_keep(&many, now), Some(recent.to_vec()));
    }

    proptest::proptest! {
        /// Trimming never changes a cap decision at or after the moment it was trimmed.
        #[test]
        fn trimming_never_changes_a_cap_decision_from_then_on(
            hours_ago in proptest::collection::vec(-48i64..24 * 30, 0..40),
            later_hours in 0i64..24 * 10,
            per_day in 1u32..5,
            per_week in 1u32..12,
        ) {
            let now = utc("2026-03-20T12:00:00Z");
            let history: Vec<_> = hours_ago.iter().map(|h| now - Duration::hours(*h)).collect();
            let caps = MessageCaps { per_day, per_week };
            if let Some(keep) = history_to_keep(&history, now) {
                proptest::prop_assert!(keep.len() <= history.len() - TRIM_AT);
                let at = now + Duration::hours(later_hours);
                proptest::prop_assert_eq!(cap_reached(&history, caps, at), cap_reached(&keep, caps, at));
            }
        }
    }
}
