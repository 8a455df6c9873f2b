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
//!
//! `recall_due` comes from the PMS, or from the practice's interval for a kind of visit
//! (settings `recall`, e.g. hygiene every 6 months): completing such a visit sets it to
//! the visit's date plus the interval ([`after_visit`]), in the completion's transaction.

use chrono::{DateTime, Duration, Months, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::domain::{Appointment, DueWork, Patient, PatientId, PracticeSettings};
use crate::keys;
use crate::ports::{Expect, Write};

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

/// The patient's recall after a visit of `appointment` completed at `now`, when the
/// practice sets an interval for its kind (settings `recall`): `recall_due` becomes the
/// visit's date (on the patient's clock) plus the interval, unless a later one is set
/// already (the PMS's own, kept). Returns the patient write (version-checked) and the
/// series' plan ([`plan`]) to add to the completion's transaction; nothing otherwise.
pub fn after_visit(
    appointment: &Appointment,
    patient: &Patient,
    settings: &PracticeSettings,
    now: DateTime<Utc>,
) -> Vec<Write> {
    let Some(interval) = settings
        .recall
        .iter()
        .find(|r| r.matches(appointment.kind.as_deref()))
    else {
        return vec![];
    };
    let visit = appointment
        .starts_at
        .with_timezone(&patient.zone(settings.time_zone))
        .date_naive();
    let Some(due) = visit.checked_add_months(Months::new(interval.every_months)) else {
        return vec![];
    };
    if patient.recall_due.is_some_and(|d| d >= due) {
        return vec![];
    }
    let mut next = patient.clone();
    next.recall_due = Some(due);
    next.version = patient.version.saturating_add(1);
    next.updated_at = now;
    let mut writes: Vec<Write> = plan(&next, Some(patient), settings, now)
        .into_iter()
        .collect();
    writes.push(Write::Patient {
        patient: Box::new(next),
        expect: Expect::Version(patient.version),
        previous_phone: None,
    });
    writes
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

    #[test]
    fn a_completed_visit_of_a_kind_with_an_interval_sets_recall_due() {
        use crate::domain::RecallInterval;
        use crate::policy::test_fixtures::{appointment, patient, practice};
        let mut settings = practice();
        settings.recall = vec![RecallInterval {
            kind: "hygiene".into(),
            every_months: 6,
        }];
        let now = crate::testing::utc("2026-03-16T16:00:00Z");
        // Monday 2026-03-16, 10:00 in New York.
        let visit = appointment("2026-03-16T14:00:00Z", Some("Hygiene"));
        let p = patient();
        let writes = after_visit(&visit, &p, &settings, now);
        let due = NaiveDate::from_ymd_opt(2026, 9, 16).unwrap();
        let Some(Write::Patient {
            patient: next,
            expect,
            ..
        }) = writes.last()
        else {
            panic!("{writes:?}")
        };
        assert_eq!(next.recall_due, Some(due));
        assert_eq!(*expect, Expect::Version(p.version));
        let Some(Write::Due(first)) = writes.first() else {
            panic!("the series is planned: {writes:?}")
        };
        let tz = chrono_tz::America::New_York;
        assert_eq!(
            first.due_at.with_timezone(&tz).date_naive(),
            due - Duration::weeks(4),
            "the first invitation four weeks before"
        );

        // Another kind, or a later date already set (the PMS's own): nothing.
        let exam = appointment("2026-03-16T14:00:00Z", Some("exam"));
        assert!(after_visit(&exam, &p, &settings, now).is_empty());
        let mut later = p.clone();
        later.recall_due = NaiveDate::from_ymd_opt(2026, 12, 1);
        assert!(after_visit(&visit, &later, &settings, now).is_empty());
        // An earlier one is moved on.
        let mut earlier = p;
        earlier.recall_due = NaiveDate::from_ymd_opt(2026, 4, 1);
        assert_eq!(after_visit(&visit, &earlier, &settings, now).len(), 2);
    }
}
