//! Spreading clock-aligned pile-ups. Pure.
//!
//! The day-of reminder ("08:00 on the day") and the confirmation deadline (the red flag,
//! "an hour before the prior business day's closing") fall on one wall-clock instant for
//! every appointment of a practice's day, and of every practice in one time zone: one
//! minute's burst on the sender and on the due-work index. Each appointment gets a
//! deterministic offset within the practice's window (`spread_minutes`, default 30; 0
//! keeps the exact time):
//!
//! - [`spread_reminder`] moves a day-of reminder **later**, within
//!   `[at, at + window)`, but never into the patient's quiet hours (the window is cut at
//!   the next quiet start on their clock) and never later than [`VISIT_MARGIN`] before the
//!   visit. A reminder whose time is already inside quiet hours or within the margin
//!   keeps it (the route defers a quiet one as before).
//! - [`spread_deadline`] moves a red flag **earlier**, within `(at - window, at]`, never
//!   before `floor` (the office's opening that day), so staff get more time to call, never
//!   less.
//!
//! The offset is a hash of the practice and the appointment (`crate::stable_hash`: FNV-1a
//! with a 64-bit finaliser), in whole seconds: the same appointment always lands on the same second, so
//! re-planning on every appointment write moves nothing, and 10,000 appointments at 08:00
//! spread evenly over the window's minutes (a property test checks no minute takes more
//! than twice its mean share).

use chrono::{DateTime, Duration, DurationRound, Utc};
use chrono_tz::Tz;

use crate::domain::{AppointmentId, PracticeId, QuietHours};
use crate::policy::quiet_hours::is_quiet;
use crate::stable_hash::stable_hash;

/// A spread day-of reminder still goes out at least this long before the visit.
pub const VISIT_MARGIN: Duration = Duration::minutes(60);

/// The largest window a practice may set, in minutes.
pub const MAX_SPREAD_MINUTES: u32 = 120;

/// What the offset of one appointment is derived from.
#[derive(Debug, Clone, Copy)]
pub struct SpreadKey<'a> {
    pub practice: &'a PracticeId,
    pub appointment: &'a AppointmentId,
}

impl SpreadKey<'_> {
    /// A stable, well-mixed 64-bit hash of the practice and the appointment.
    fn hash(&self) -> u64 {
        stable_hash([self.practice.as_str(), self.appointment.as_str()])
    }

    /// The offset in whole seconds within a span of `span_seconds` (0 for an empty span).
    fn offset(&self, span_seconds: i64) -> Duration {
        match u64::try_from(span_seconds) {
            Ok(span) if span > 0 => {
                Duration::seconds(i64::try_from(self.hash() % span).unwrap_or(0))
            }
            _ => Duration::zero(),
        }
    }
}

/// The first whole minute after `from` and before `until` whose start is in quiet hours
/// on the clock of `tz`, else `until`. Quiet hours begin and end on whole minutes.
fn quiet_cut(
    quiet: &QuietHours,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    tz: Tz,
) -> DateTime<Utc> {
    let mut t = from.duration_trunc(Duration::minutes(1)).unwrap_or(from);
    loop {
        t += Duration::minutes(1);
        if t >= until {
            return until;
        }
        if is_quiet(quiet, t, tz) {
            return t;
        }
    }
}

/// When a day-of reminder due at `at` for a visit starting at `starts_at` goes out,
/// spread over `window_minutes` (see the module docs). `tz` is the patient's zone.
pub fn spread_reminder(
    key: SpreadKey<'_>,
    at: DateTime<Utc>,
    window_minutes: u32,
    starts_at: DateTime<Utc>,
    quiet: &QuietHours,
    tz: Tz,
) -> DateTime<Utc> {
    let window = Duration::minutes(i64::from(window_minutes.min(MAX_SPREAD_MINUTES)));
    let latest = starts_at - VISIT_MARGIN;
    if window.is_zero() || at >= latest || is_quiet(quiet, at, tz) {
        return at;
    }
    let end = quiet_cut(quiet, at, (at + window).min(latest), tz);
    at + key.offset((end - at).num_seconds())
}

/// When a red flag due at `at` goes up, spread earlier over `window_minutes` but never
/// before `floor` (see the module docs).
pub fn spread_deadline(
    key: SpreadKey<'_>,
    at: DateTime<Utc>,
    window_minutes: u32,
    floor: Option<DateTime<Utc>>,
) -> DateTime<Utc> {
    let window = Duration::minutes(i64::from(window_minutes.min(MAX_SPREAD_MINUTES)));
    let earliest = floor.map_or(at - window, |f| f.max(at - window));
    if earliest >= at {
        return at;
    }
    at - key.offset((at - earliest).num_seconds())
}

#[cfg(test)]
#[path = "spread_tests.rs"]
mod tests;
