//! Instants for tests.

use chrono::{DateTime, Duration, Utc};

/// Parses an RFC 3339 instant. Panics on a bad literal (test code only).
pub fn utc(s: &str) -> DateTime<Utc> {
    frontdesk::testing::utc(s)
}

pub fn hours(n: i64) -> Duration {
    Duration::hours(n)
}
