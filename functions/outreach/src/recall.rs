//! Recall invitations, decided purely (the job that sends them is not wired yet): the first
//! invitation 4 weeks before `recall_due`, then every 6 weeks, at most 3 (practice
//! settings), at 10:00 on the patient's clock; a patient with a future appointment is not
//! invited, and booking one ends the series.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// The practice's recall rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecallRules {
    pub lead_weeks: u32,
    pub every_weeks: u32,
    pub max_invitations: u32,
}

impl Default for RecallRules {
    fn default() -> Self {
        Self {
            lead_weeks: 4,
            every_weeks: 6,
            max_invitations: 3,
        }
    }
}

/// When invitation `n` (0-based) of a recall due on `due` goes, on the patient's clock.
pub fn invitation_at(due: NaiveDate, n: u32, rules: RecallRules, tz: Tz) -> Option<DateTime<Utc>> {
    if n >= rules.max_invitations {
        return None;
    }
    let day = due - Duration::weeks(i64::from(rules.lead_weeks))
        + Duration::weeks(i64::from(rules.every_weeks) * i64::from(n));
    let ten = NaiveTime::from_hms_opt(10, 0, 0)?;
    Some(
        tz.from_local_datetime(&day.and_time(ten))
            .earliest()?
            .with_timezone(&Utc),
    )
}

/// What invitation `n`, come due, becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Send it, then plan invitation `next` at `at` (none after the last).
    Invite { next: Option<(u32, DateTime<Utc>)> },
    /// The patient has a future appointment: the series ends.
    Booked,
}

pub fn step(
    due: NaiveDate,
    n: u32,
    rules: RecallRules,
    tz: Tz,
    has_future_appointment: bool,
) -> Step {
    if has_future_appointment {
        return Step::Booked;
    }
    Step::Invite {
        next: invitation_at(due, n + 1, rules, tz).map(|at| (n + 1, at)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn a_series_is_at_most_max_invitations_six_weeks_apart_from_four_weeks_before(
            days in 0i64..3650,
            max in 0u32..6,
            booked_at in proptest::option::of(0u32..6),
        ) {
            let due = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + Duration::days(days);
            let rules = RecallRules { max_invitations: max, ..RecallRules::default() };
            let tz = chrono_tz::America::New_York;
            let mut sent = vec![];
            let mut next = invitation_at(due, 0, rules, tz).map(|at| (0, at));
            while let Some((n, at)) = next {
                match step(due, n, rules, tz, booked_at == Some(n)) {
                    Step::Booked => break,
                    Step::Invite { next: after } => {
                        sent.push(at);
                        next = after;
                    }
                }
            }
            let cap = booked_at.map_or(max, |b| b.min(max));
            prop_assert_eq!(sent.len() as u32, cap, "at most max, none once booked");
            if let Some(first) = sent.first() {
                let want = invitation_at(due, 0, rules, tz).unwrap();
                prop_assert_eq!(*first, want);
                prop_assert_eq!(first.with_timezone(&tz).date_naive(), due - Duration::weeks(4));
            }
            for pair in sent.windows(2) {
                let gap = pair[1] - pair[0];
                prop_assert!((gap - Duration::weeks(6)).num_hours().abs() <= 1, "six weeks (DST aside)");
            }
        }
    }
}
