//! Shaping the API's JSON for the pages: how long a thread waited, who a thread is with,
//! a timeline entry's outcome. Pure functions.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use frontdesk::time::staff_time;
use serde::Serialize;
use serde_json::Value;

/// "3 h 5 min", "12 min", "less than a minute".
pub fn waited(since: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let mins = (now - since).num_minutes().max(0);
    match mins {
        0 => "less than a minute".into(),
        m if m < 60 => format!("{m} min"),
        m if m < 60 * 48 => format!("{} h {} min", m / 60, m % 60),
        m => format!("{} days", m / (60 * 24)),
    }
}

pub fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

pub fn time_of(v: &Value, key: &str) -> Option<DateTime<Utc>> {
    str_of(v, key)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.to_utc())
}

/// "Ana R." for a patient (first name and initial: enough to pick the thread).
pub fn patient_name(p: &Value) -> String {
    let first = str_of(p, "first_name").unwrap_or("");
    let last = str_of(p, "last_name").unwrap_or("");
    match last.chars().next() {
        Some(c) => format!("{first} {c}."),
        None => first.to_string(),
    }
}

#[derive(Debug, Serialize)]
pub struct Entry {
    pub at: String,
    pub channel: String,
    pub direction: String,
    pub purpose: String,
    pub body: String,
    pub by: Option<String>,
    pub outcome: String,
}

/// A time of the API's JSON on the practice's clock ("Tue, Mar 10 at 2:30 PM CDT"), or
/// nothing when it is missing.
pub fn local_time_of(v: &Value, key: &str, zone: Tz) -> String {
    time_of(v, key).map_or(String::new(), |t| staff_time(t, zone))
}

/// One timeline entry as the thread page shows it, times on the practice's clock.
/// `staff_name` names a staff id.
pub fn entry(m: &Value, zone: Tz, staff_name: impl Fn(&str) -> Option<String>) -> Entry {
    let decision = m.get("decision").cloned().unwrap_or(Value::Null);
    let outcome = match str_of(&decision, "outcome") {
        Some("deferred") => format!("deferred until {}", local_time_of(&decision, "until", zone)),
        Some(other) => other.replace('_', " "),
        None => String::new(),
    };
    let by = m
        .get("actor")
        .and_then(|a| str_of(a, "staff_id"))
        .map(|id| staff_name(id).unwrap_or_else(|| id.to_string()));
    Entry {
        at: local_time_of(m, "at", zone),
        channel: str_of(m, "channel").unwrap_or("").to_string(),
        direction: str_of(m, "direction").unwrap_or("").to_string(),
        purpose: str_of(m, "purpose").unwrap_or("").replace('_', " "),
        body: str_of(m, "body").unwrap_or("").to_string(),
        by,
        outcome,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_read_like_a_person_would_say_them() {
        let t = DateTime::parse_from_rfc3339("2026-03-01T15:00:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(waited(t, t), "less than a minute");
        assert_eq!(waited(t, t + chrono::Duration::minutes(12)), "12 min");
        assert_eq!(waited(t, t + chrono::Duration::minutes(185)), "3 h 5 min");
        assert_eq!(waited(t, t + chrono::Duration::days(4)), "4 days");
        assert_eq!(
            waited(t + chrono::Duration::minutes(5), t),
            "less than a minute"
        );
    }

    #[test]
    fn entries_name_the_staff_member_and_the_outcome() {
        let m = serde_json::json!({
            "at": "2026-03-01T15:00:00Z", "channel": "sms", "direction": "outbound",
            "purpose": "staff_reply", "body": "See you", "decision": {"outcome": "sent"},
            "actor": {"type": "staff", "staff_id": "stf_1"}
        });
        let e = entry(&m, chrono_tz::America::Chicago, |id| {
            (id == "stf_1").then(|| "Ana Ruiz".to_string())
        });
        assert_eq!(
            e.at, "Sun, Mar 1 at 9:00 AM CST",
            "the practice's clock, not UTC"
        );
        assert_eq!(e.by.as_deref(), Some("Ana Ruiz"));
        assert_eq!(e.outcome, "sent");
        assert_eq!(e.purpose, "staff reply");
        let deferred = serde_json::json!({
            "at": "2026-07-01T03:00:00Z",
            "decision": {"outcome": "deferred", "until": "2026-07-01T13:00:00Z"}
        });
        let e = entry(&deferred, chrono_tz::America::Chicago, |_| None);
        assert_eq!(e.at, "Tue, Jun 30 at 10:00 PM CDT");
        assert_eq!(e.outcome, "deferred until Wed, Jul 1 at 8:00 AM CDT");
        assert_eq!(
            patient_name(&serde_json::json!({"first_name": "Ana", "last_name": "Ruiz"})),
            "Ana R."
        );
    }
}
