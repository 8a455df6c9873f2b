//! Wall-clock windows: quiet hours and office hours, always read in a local time zone.

use chrono::{DateTime, Datelike, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;

use super::DomainError;

/// A wall-clock time `HH:MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClockTime(pub NaiveTime);

impl ClockTime {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        NaiveTime::parse_from_str(s, "%H:%M")
            .map(ClockTime)
            .map_err(|_| DomainError::Invalid {
                field: "time",
                reason: format!("expected HH:MM (24-hour), got {:?}", truncate(s)),
            })
    }
    pub fn hm(h: u32, m: u32) -> Self {
        ClockTime(NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN))
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(16).collect()
}

impl Serialize for ClockTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.format("%H:%M").to_string())
    }
}

impl<'de> Deserialize<'de> for ClockTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        ClockTime::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Quiet hours: automated messages due between `start` and `end` (local time, wrapping
/// past midnight) are deferred to `end`. Default 21:00–08:00, so sending happens 08:00–21:00.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuietHours {
    pub start: ClockTime,
    pub end: ClockTime,
}

impl Default for QuietHours {
    fn default() -> Self {
        Self {
            start: ClockTime::hm(21, 0),
            end: ClockTime::hm(8, 0),
        }
    }
}

impl QuietHours {
    pub fn validate(&self) -> Result<(), DomainError> {
        if self.start == self.end {
            return Err(DomainError::Invalid {
                field: "quiet_hours",
                reason: "start and end must differ".into(),
            });
        }
        Ok(())
    }

    /// Whether a local wall-clock time falls inside the quiet window.
    pub fn contains(&self, t: NaiveTime) -> bool {
        let (s, e) = (self.start.0, self.end.0);
        if s < e {
            t >= s && t < e
        } else {
            t >= s || t < e
        }
    }

    /// If `at` is quiet in `tz`, the first instant after it when sending may resume.
    /// `None` when `at` is already outside quiet hours.
    pub fn next_open(&self, at: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
        let local = at.with_timezone(&tz);
        if !self.contains(local.time()) {
            return None;
        }
        // The window ends at `end` today if we are before it, else tomorrow.
        let mut date = local.date_naive();
        if local.time() >= self.end.0 {
            date = date.succ_opt()?;
        }
        let naive = date.and_time(self.end.0);
        // A DST gap can swallow the opening time: step forward minute by minute (at most
        // 3h). In a fall-back hour the wall time happens twice: take the first occurrence
        // that is still ahead of `at`.
        for minutes in 0..=180 {
            let candidate = naive + chrono::Duration::minutes(minutes);
            let found = match tz.from_local_datetime(&candidate) {
                chrono::LocalResult::Single(dt) => [Some(dt), None],
                chrono::LocalResult::Ambiguous(a, b) => [Some(a), Some(b)],
                chrono::LocalResult::None => [None, None],
            };
            if let Some(dt) = found
                .into_iter()
                .flatten()
                .map(|d| d.with_timezone(&Utc))
                .find(|d| *d > at)
            {
                return Some(dt);
            }
        }
        None
    }
}

/// One day's opening window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenWindow {
    pub open: ClockTime,
    pub close: ClockTime,
}

/// Office hours per weekday (`mon` … `sun`); a missing day is closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OfficeHours(pub BTreeMap<DayOfWeek, OpenWindow>);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DayOfWeek {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl From<Weekday> for DayOfWeek {
    fn from(w: Weekday) -> Self {
        match w {
            Weekday::Mon => DayOfWeek::Mon,
            Weekday::Tue => DayOfWeek::Tue,
            Weekday::Wed => DayOfWeek::Wed,
            Weekday::Thu => DayOfWeek::Thu,
            Weekday::Fri => DayOfWeek::Fri,
            Weekday::Sat => DayOfWeek::Sat,
            Weekday::Sun => DayOfWeek::Sun,
        }
    }
}

impl Default for OfficeHours {
    /// Monday to Friday, 08:00–17:00.
    fn default() -> Self {
        let w = OpenWindow {
            open: ClockTime::hm(8, 0),
            close: ClockTime::hm(17, 0),
        };
        Self(
            [
                DayOfWeek::Mon,
                DayOfWeek::Tue,
                DayOfWeek::Wed,
                DayOfWeek::Thu,
                DayOfWeek::Fri,
            ]
            .into_iter()
            .map(|d| (d, w))
            .collect(),
        )
    }
}

impl OfficeHours {
    pub fn validate(&self) -> Result<(), DomainError> {
        for w in self.0.values() {
            if w.open >= w.close {
                return Err(DomainError::Invalid {
                    field: "office_hours",
                    reason: "each day's open must be before its close".into(),
                });
            }
        }
        Ok(())
    }

    pub fn is_open(&self, at: DateTime<Utc>, tz: Tz) -> bool {
        let local = at.with_timezone(&tz);
        self.0
            .get(&local.weekday().into())
            .is_some_and(|w| local.time() >= w.open.0 && local.time() < w.close.0)
    }

    /// The next time the office opens at or after `at` (within two weeks).
    pub fn next_opening(&self, at: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
        if self.is_open(at, tz) {
            return Some(at);
        }
        let local = at.with_timezone(&tz);
        for days in 0..14 {
            let date = local.date_naive() + chrono::Duration::days(days);
            if let Some(w) = self.0.get(&date.weekday().into()) {
                let open = tz
                    .from_local_datetime(&date.and_time(w.open.0))
                    .earliest()?;
                if open.with_timezone(&Utc) > at {
                    return Some(open.with_timezone(&Utc));
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::testing::utc;

    #[test]
    fn quiet_hours_wrap_midnight() {
        let q = QuietHours::default();
        assert!(q.contains(NaiveTime::from_hms_opt(23, 0, 0).unwrap()));
        assert!(q.contains(NaiveTime::from_hms_opt(7, 59, 0).unwrap()));
        assert!(!q.contains(NaiveTime::from_hms_opt(8, 0, 0).unwrap()));
        assert!(!q.contains(NaiveTime::from_hms_opt(20, 59, 0).unwrap()));
    }

    #[test]
    fn next_open_is_eight_local_next_morning() {
        let q = QuietHours::default();
        let tz: Tz = "America/New_York".parse().unwrap();
        // 23:30 New York on 2026-03-07 (EST) -> 08:00 EDT on 2026-03-08 (DST starts that night).
        let at = utc("2026-03-08T04:30:00Z");
        assert_eq!(q.next_open(at, tz), Some(utc("2026-03-08T12:00:00Z")));
        assert_eq!(q.next_open(utc("2026-03-08T15:00:00Z"), tz), None);
    }

    #[test]
    fn next_open_is_never_in_the_past_in_a_fall_back_hour() {
        // Quiet hours end at 01:30; on 2026-11-01 New York repeats 01:00-02:00.
        let q = QuietHours {
            start: ClockTime::hm(22, 0),
            end: ClockTime::hm(1, 30),
        };
        let tz: Tz = "America/New_York".parse().unwrap();
        // 01:10 EST, the second 01:10 (06:10Z); the first 01:30 (05:30Z) has passed.
        let at = utc("2026-11-01T06:10:00Z");
        assert_eq!(q.next_open(at, tz), Some(utc("2026-11-01T06:30:00Z")));
    }

    #[test]
    fn office_hours_default_weekdays() {
        let tz: Tz = "Europe/London".parse().unwrap();
        let oh = OfficeHours::default();
        assert!(oh.is_open(utc("2026-11-23T09:00:00Z"), tz)); // Monday
        assert!(!oh.is_open(utc("2026-11-22T09:00:00Z"), tz)); // Sunday
        assert_eq!(
            oh.next_opening(utc("2026-11-21T12:00:00Z"), tz),
            Some(utc("2026-11-23T08:00:00Z"))
        );
    }
}
