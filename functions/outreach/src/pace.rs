//! The one place broadcast sends are bounded (swap it for the shared send governor when
//! `frontdesk::sweep` has one).
//!
//! Why: replies to inbound messages leave from the same number, through the same provider,
//! as a broadcast. A provider queues what a number cannot send at once (a US long code
//! sends about one SMS a second), so a broadcast sent as fast as the sweep can go would sit
//! in front of every reply for minutes. Two bounds keep the number's queue short:
//!
//! 1. **Planned pace.** When the audience is expanded, recipient `i` is due
//!    `i / per_minute` minutes after the send time, so a practice's broadcast asks for at
//!    most `per_minute` sends in any minute, below one long code's throughput, and the
//!    provider's queue stays empty between sends: a reply waits behind at most a few.
//! 2. **Per-run budget.** Whatever is due (two broadcasts at once, a backlog after quiet
//!    hours), one run sends at most `per_minute` broadcast messages per practice; the rest
//!    are given back for the next minute's run, uncounted. The function runs with a
//!    reserved concurrency of 1, so overlapping invocations cannot double the budget.
use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use frontdesk::domain::PracticeId;

/// Broadcast messages per practice per minute: three quarters of a long code's one per
/// second, leaving room for replies.
pub const PER_MINUTE: u32 = 45;

/// When recipient number `index` (0-based, in expansion order) of a broadcast is due.
pub fn due_at(start: DateTime<Utc>, index: u32) -> DateTime<Utc> {
    start + Duration::minutes(i64::from(index / PER_MINUTE.max(1)))
}

/// One run's sends per practice.
#[derive(Debug, Default)]
pub struct Budget {
    spent: Mutex<HashMap<PracticeId, u32>>,
}

impl Budget {
    /// Takes one send for `practice`; false when this run has spent its budget.
    pub fn take(&self, practice: &PracticeId) -> bool {
        let mut spent = self.spent.lock().unwrap_or_else(|p| p.into_inner());
        let n = spent.entry(practice.clone()).or_default();
        if *n >= PER_MINUTE {
            return false;
        }
        *n += 1;
        true
    }

    /// Gives back a send taken for a message that did not go out (deferred, suppressed).
    pub fn give_back(&self, practice: &PracticeId) {
        let mut spent = self.spent.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = spent.get_mut(practice) {
            *n = n.saturating_sub(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn no_minute_plans_more_than_the_pace(n in 1u32..5000) {
            let start = DateTime::parse_from_rfc3339("2026-03-02T09:00:00Z").unwrap().to_utc();
            let mut per_minute: HashMap<DateTime<Utc>, u32> = HashMap::new();
            for i in 0..n {
                *per_minute.entry(due_at(start, i)).or_default() += 1;
            }
            prop_assert!(per_minute.values().all(|c| *c <= PER_MINUTE));
            // and nothing waits longer than the pace requires
            let last = due_at(start, n - 1);
            prop_assert_eq!(last, start + Duration::minutes(i64::from((n - 1) / PER_MINUTE)));
        }
    }

    #[test]
    fn a_run_spends_at_most_its_budget_per_practice() {
        let b = Budget::default();
        let (p1, p2) = (
            PracticeId::parse("p1").unwrap(),
            PracticeId::parse("p2").unwrap(),
        );
        assert_eq!((0..100).filter(|_| b.take(&p1)).count() as u32, PER_MINUTE);
        assert!(b.take(&p2), "another practice has its own budget");
        b.give_back(&p1);
        assert!(b.take(&p1));
        assert!(!b.take(&p1));
    }
}
