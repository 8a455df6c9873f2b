//! When a person must have answered a waiting conversation: the time the automatic reply
//! promised plus the practice's grace (`answer_grace_minutes`).
//!
//! The acknowledgement says "we'll reply shortly" while the office is open and "when we
//! open at 8:00 AM" while it is closed (`ReplyContext::next_opening`). So the deadline is
//! the next opening at or after the first unanswered message (that moment itself while
//! open), plus the grace. An office with no hours at all promised nothing more precise
//! than "shortly": the message time plus the grace.

use chrono::{DateTime, Duration, Utc};

use crate::domain::PracticeSettings;

/// The answer deadline of a conversation waiting since `since`.
pub fn answer_deadline(settings: &PracticeSettings, since: DateTime<Utc>) -> DateTime<Utc> {
    let promised = settings
        .office_hours
        .next_opening(since, settings.time_zone)
        .unwrap_or(since);
    promised + Duration::minutes(i64::from(settings.answer_grace_minutes))
}

/// Whether a conversation waiting since `since` is past its deadline at `now`.
pub fn answer_overdue(
    settings: &PracticeSettings,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> bool {
    now >= answer_deadline(settings, since)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::OfficeHours;
    use crate::testing::utc;
    use proptest::prelude::*;

    fn chicago() -> PracticeSettings {
        PracticeSettings {
            time_zone: chrono_tz::America::Chicago,
            ..PracticeSettings::default()
        }
    }

    #[test]
    fn while_open_the_deadline_is_the_message_plus_the_grace() {
        // Monday 2026-03-02 10:00 CST = 16:00 UTC; the default office is open.
        let s = chicago();
        let since = utc("2026-03-02T16:00:00Z");
        assert_eq!(answer_deadline(&s, since), utc("2026-03-02T16:30:00Z"));
    }

    #[test]
    fn while_closed_the_deadline_is_the_next_opening_plus_the_grace() {
        // Friday 2026-03-06 19:00 CST; the office opens Monday 08:00 CST (14:00 UTC).
        let s = chicago();
        let since = utc("2026-03-07T01:00:00Z");
        let opens = s.office_hours.next_opening(since, s.time_zone).unwrap();
        assert_eq!(answer_deadline(&s, since), opens + Duration::minutes(30));
        assert!(!answer_overdue(&s, since, opens + Duration::minutes(29)));
        assert!(answer_overdue(&s, since, opens + Duration::minutes(30)));
    }

    #[test]
    fn an_office_without_hours_promised_shortly() {
        let s = PracticeSettings {
            office_hours: OfficeHours(Default::default()),
            answer_grace_minutes: 45,
            ..chicago()
        };
        let since = utc("2026-03-07T01:00:00Z");
        assert_eq!(answer_deadline(&s, since), since + Duration::minutes(45));
    }

    proptest! {
        #[test]
        fn the_deadline_is_never_before_message_plus_grace_nor_later_than_two_weeks(
            secs in 0i64..(365 * 24 * 3600),
            grace in 0u32..=1440,
        ) {
            let s = PracticeSettings { answer_grace_minutes: grace, ..chicago() };
            let since = utc("2026-01-01T00:00:00Z") + Duration::seconds(secs);
            let d = answer_deadline(&s, since);
            let g = Duration::minutes(i64::from(grace));
            prop_assert!(d >= since + g);
            prop_assert!(d <= since + Duration::days(14) + g);
            // The deadline is an opening plus the grace: the office is open then.
            prop_assert!(s.office_hours.is_open(d - g, s.time_zone));
        }
    }
}
