//! Recall invitations, decided purely: the first invitation 4 weeks before the patient's
//! `recall_due`, then every 6 weeks, at most 3 (practice settings), at 10:00 on the
//! patient's clock; a patient with a future appointment is not invited, and booking one
//! ends the series.
//!
//! Wiring: a patient write whose `recall_due` is new or changed plans the series' first
//! invitation ([`plan`]; one item per patient, `DUE#<patient>#recall`; an unchanged date
//! leaves the series where it is, a cleared one removes it); the outreach function's
//! recall job sends each invitation and plans the next ([`next_at`]), idempotent per
//! invitation through the claim [`claim_key`] taken with the move to the next.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::domain::{DueWork, Patient, PatientId, PracticeSettings};
use crate::keys;
use crate::ports::Write;

/// The practice's recall rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecallRules {
    pub lead_weeks: u32,
    pub every_weeks: u32,
    pub max_invitations: u32,
}

impl RecallRules {
    /// The practice's settings.
    pub fn of(settings: &PracticeSettings) -> Self {
        Self {
            lead_weeks: settings.recall_lead_weeks,
            every_weeks: settings.recall_every_weeks,
            max_invitations: settings.recall_max_invitations,
        }
    }
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

/// When invitation `n` goes after the one before it went at `sent`: on schedule, but never
/// sooner than the spacing after the last (a series planned late catches up one at a
/// time). `None` after the last.
pub fn next_at(
    due: NaiveDate,
    n: u32,
    rules: RecallRules,
    tz: Tz,
    sent: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let on_schedule = invitation_at(due, n, rules, tz)?;
    Some(on_schedule.max(sent + Duration::weeks(i64::from(rules.every_weeks))))
}

/// The idempotency key of one invitation.
pub fn claim_key(patient: &PatientId, due: NaiveDate, n: u32) -> String {
    format!("recall:{patient}:{due}:{n}")
}

/// The write that keeps a patient's recall series in step with a patient write at `now`:
/// a new or changed `recall_due` plans the first invitation (due now if its time has
/// passed); a cleared one removes the series; an unchanged one leaves it (`None`).
pub fn plan(
    patient: &Patient,
    before: Option<&Patient>,
    settings: &PracticeSettings,
    now: DateTime<Utc>,
) -> Option<Write> {
    let was = before.and_then(|b| b.recall_due);
    if patient.recall_due == was {
        return None;
    }
    let tz = patient.zone(settings.time_zone);
    let rules = RecallRules::of(settings);
    let first = patient
        .recall_due
        .and_then(|due| Some((due, invitation_at(due, 0, rules, tz)?)));
    match first {
        Some((due, at)) => Some(Write::Due(Box::new(DueWork::recall(
            patient.practice_id.clone(),
            patient.patient_id.clone(),
            due,
            0,
            at.max(now),
        )))),
        None => was.map(|due| Write::RemoveDue {
            practice_id: patient.practice_id.clone(),
            due_key: keys::due_key_of(&DueWork::recall(
                patient.practice_id.clone(),
                patient.patient_id.clone(),
                due,
                0,
                now,
            )),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_late_series_keeps_its_spacing() {
        let due = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let tz = chrono_tz::America::New_York;
        let rules = RecallRules::default();
        // The first invitation went late, on the due date itself: the second is six weeks
        // after it, not two weeks after it (its scheduled time).
        let sent = DateTime::parse_from_rfc3339("2026-03-01T15:00:00Z")
            .unwrap()
            .to_utc();
        let next = next_at(due, 1, rules, tz, sent).unwrap();
        assert_eq!(next, sent + Duration::weeks(6));
        assert_eq!(next_at(due, 3, rules, tz, sent), None, "at most 3");
        assert_eq!(
            claim_key(&PatientId::parse("p1").unwrap(), due, 1),
            "recall:p1:2026-03-01:1"
        );
    }

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
