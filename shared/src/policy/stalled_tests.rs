//! The time rule of thread escalation: a thread without resolution for
//! `stalled_thread_days` gets the one call suggestion, even below the exchange count.

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;

use crate::domain::{PracticeSettings, ThreadState};
use crate::policy::escalation::*;
use crate::policy::keywords::Intent;
use crate::policy::test_fixtures::utc;

fn start() -> DateTime<Utc> {
    utc("2026-03-02T15:00:00Z")
}

fn settings(days: u32) -> PracticeSettings {
    PracticeSettings {
        escalate_after_exchanges: 10,
        stalled_thread_days: days,
        ..PracticeSettings::default()
    }
}

#[test]
fn the_default_is_two_days() {
    assert_eq!(PracticeSettings::default().stalled_thread_days, 2);
}

#[test]
fn a_thread_idle_past_the_threshold_gets_a_suggestion_at_its_next_message() {
    let s = settings(2);
    let mut t = ThreadState::default();
    record_inbound_at(&mut t, Intent::FreeText, start());
    assert_eq!(t.unresolved_since, Some(start()));
    assert!(!should_suggest_call_at(
        &t,
        &s,
        start() + Duration::hours(47)
    ));
    let later = start() + Duration::hours(49);
    record_inbound_at(&mut t, Intent::FreeText, later);
    // Still the first unsettled exchange's time: the thread has been unresolved since.
    assert_eq!(t.unresolved_since, Some(start()));
    assert!(stalled_by_time(&t, &s, later));
    assert!(should_suggest_call_at(&t, &s, later));
    record_call_suggested(&mut t, later);
    assert!(!should_suggest_call_at(&t, &s, later + Duration::days(5)));
}

#[test]
fn a_settled_thread_starts_the_clock_again() {
    let s = settings(2);
    let mut t = ThreadState::default();
    record_inbound_at(&mut t, Intent::FreeText, start());
    record_inbound_at(&mut t, Intent::Confirm, start() + Duration::days(3));
    assert_eq!(t.unresolved_since, None);
    assert!(!should_suggest_call_at(&t, &s, start() + Duration::days(3)));
    let again = start() + Duration::days(4);
    record_inbound_at(&mut t, Intent::FreeText, again);
    assert_eq!(t.unresolved_since, Some(again));
    assert!(!should_suggest_call_at(&t, &s, again + Duration::hours(1)));
}

#[test]
fn resolving_clears_the_clock() {
    let mut t = ThreadState::default();
    record_inbound_at(&mut t, Intent::FreeText, start());
    resolve_thread(&mut t);
    assert_eq!(t.unresolved_since, None);
    assert!(!stalled_by_time(
        &t,
        &settings(1),
        start() + Duration::days(9)
    ));
}

#[test]
fn the_count_rule_still_applies_alone() {
    let mut s = settings(2);
    s.escalate_after_exchanges = 2;
    let mut t = ThreadState::default();
    record_inbound_at(&mut t, Intent::FreeText, start());
    record_inbound_at(&mut t, Intent::FreeText, start() + Duration::minutes(5));
    assert!(should_suggest_call_at(
        &t,
        &s,
        start() + Duration::minutes(5)
    ));
}

proptest! {
    /// Whatever the sequence of messages and times, the time rule fires exactly when the
    /// thread has had an unsettled exchange for at least the threshold, and never twice.
    #[test]
    fn at_most_one_suggestion_per_unresolved_thread(
        gaps in prop::collection::vec((0i64..(60 * 24 * 4), any::<bool>()), 1..20),
        days in 1u32..5,
    ) {
        let s = settings(days);
        let mut t = ThreadState::default();
        let mut now = start();
        let mut suggested_in_thread = 0;
        for (gap, settles) in gaps {
            now += Duration::minutes(gap);
            let intent = if settles { Intent::Confirm } else { Intent::FreeText };
            record_inbound_at(&mut t, intent, now);
            if t.exchanges_since_resolution == 0 {
                suggested_in_thread = 0;
            }
            if should_suggest_call_at(&t, &s, now) {
                let since = t.unresolved_since.unwrap();
                prop_assert!(now - since >= Duration::days(i64::from(days)));
                record_call_suggested(&mut t, now);
                suggested_in_thread += 1;
            }
            prop_assert!(suggested_in_thread <= 1);
        }
    }
}
