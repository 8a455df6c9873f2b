//! Thread escalation: when a text conversation is going nowhere, offer a phone call; and
//! a per-hour limit on automatic replies so two robots can never ping-pong.
//!
//! Rules:
//! - An **exchange** is an inbound message the automation could not settle on its own
//!   (see [`intent_settles_thread`]). Each one adds to
//!   `ThreadState::exchanges_since_resolution`; a message that settles the thread (a
//!   confirmation, an opt-out…) or a staff member resolving the patient's task resets it.
//! - **Suggest a call** once the count reaches `practice.escalate_after_exchanges`, **or**
//!   once the thread has been without resolution for `practice.stalled_thread_days`
//!   (default 2; [`stalled_by_time`]), and only **once per thread**: after
//!   [`record_call_suggested`] no further suggestion is made until the thread is resolved
//!   ([`resolve_thread`]). Both rules together: [`should_suggest_call_at`].
//! - **Where the time rule runs**: at the patient's next inbound message (the inbound
//!   function), so the suggestion is a reply in the thread the patient is using. A thread
//!   that goes quiet and never gets another message is not chased by a scheduled job: its
//!   open staff task (every unsettled exchange raises one) is already in the task list. The
//!   time-based suggestion is not sent inside the patient's quiet hours; it waits for a
//!   later message.
//! - **Auto-reply limit**: at most `practice.auto_replies_per_hour` automatic replies in
//!   any rolling hour per thread. Over it, the inbound message is still recorded and goes
//!   to staff; it just gets no automatic answer. Replies that confirm a state change the
//!   patient asked for (opt-out, opt-in) and the safety reply to an emergency are not
//!   limited ([`reply_bypasses_limit`]): each is sent at most once per change, or matters
//!   more than the noise.
//! - A setting of 0 (which validation rejects) is read as 1, so the policy stays safe.

use chrono::{DateTime, Duration, Utc};

use crate::domain::{PracticeSettings, ThreadState};

use super::keywords::Intent;

/// The rolling window of `PracticeSettings::auto_replies_per_hour`.
pub const AUTO_REPLY_WINDOW: Duration = Duration::hours(1);

/// Whether to offer the patient a phone call now: the thread has had
/// `escalate_after_exchanges` unresolved exchanges and no call has been suggested since it
/// was last resolved.
pub fn should_suggest_call(thread: &ThreadState, practice: &PracticeSettings) -> bool {
    thread.call_suggested_at.is_none()
        && thread.exchanges_since_resolution >= practice.escalate_after_exchanges.max(1)
}

/// Whether the thread has been without resolution for the practice's
/// `stalled_thread_days` at `now` (a setting of 0 is read as 1).
pub fn stalled_by_time(
    thread: &ThreadState,
    practice: &PracticeSettings,
    now: DateTime<Utc>,
) -> bool {
    let days = Duration::days(i64::from(practice.stalled_thread_days.max(1)));
    thread.exchanges_since_resolution > 0
        && thread
            .unresolved_since
            .is_some_and(|since| now.signed_duration_since(since) >= days)
}

/// Whether to offer a phone call now, by either rule: `escalate_after_exchanges`
/// unsettled exchanges, or `stalled_thread_days` without resolution; once per thread.
pub fn should_suggest_call_at(
    thread: &ThreadState,
    practice: &PracticeSettings,
    now: DateTime<Utc>,
) -> bool {
    should_suggest_call(thread, practice)
        || (thread.call_suggested_at.is_none() && stalled_by_time(thread, practice, now))
}

/// Whether one more automatic reply may be sent at `now`: fewer than
/// `auto_replies_per_hour` in the hour before it (later entries, from clock skew, count
/// too).
pub fn auto_reply_allowed(
    thread: &ThreadState,
    practice: &PracticeSettings,
    now: DateTime<Utc>,
) -> bool {
    let since = now
        .checked_sub_signed(AUTO_REPLY_WINDOW)
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    let recent = thread
        .recent_auto_replies
        .iter()
        .filter(|t| **t > since)
        .count() as u64;
    recent < u64::from(practice.auto_replies_per_hour.max(1))
}

/// Whether the automatic answer to `intent` is sent even over the auto-reply limit.
pub fn reply_bypasses_limit(intent: Intent) -> bool {
    matches!(intent, Intent::OptOut | Intent::OptIn | Intent::Emergency)
}

/// Whether an inbound message with this intent settles the conversation on its own (so
/// the thread is resolved), rather than counting as one more exchange. Settled: a
/// confirmation, an opt-out or opt-in, a rating, a channel switch — each fully handled by
/// the automatic reply. Everything that leaves work for staff or a question open counts.
pub fn intent_settles_thread(intent: Intent) -> bool {
    matches!(
        intent,
        Intent::Confirm
            | Intent::OptOut
            | Intent::OptIn
            | Intent::Rating(_)
            | Intent::SwitchChannel(_)
    )
}

/// Updates the thread for an inbound message: resolves it if the intent settles it,
/// otherwise counts one more exchange.
pub fn record_inbound(thread: &mut ThreadState, intent: Intent) {
    if intent_settles_thread(intent) {
        resolve_thread(thread);
    } else {
        thread.exchanges_since_resolution = thread.exchanges_since_resolution.saturating_add(1);
    }
}

/// [`record_inbound`], remembering when the thread stopped being resolved (the first
/// unsettled exchange), for the time rule.
pub fn record_inbound_at(thread: &mut ThreadState, intent: Intent, at: DateTime<Utc>) {
    record_inbound(thread, intent);
    if thread.exchanges_since_resolution == 0 {
        thread.unresolved_since = None;
    } else if thread.unresolved_since.is_none() {
        thread.unresolved_since = Some(at);
    }
}

/// Records that a call was suggested at `at`, so it is not suggested again in this thread.
pub fn record_call_suggested(thread: &mut ThreadState, at: DateTime<Utc>) {
    thread.call_suggested_at = Some(at);
}

/// Records an automatic reply at `at`, keeping the list in time order and only as long as
/// the rate limit needs (the last hour before the newest reply).
pub fn record_auto_reply(thread: &mut ThreadState, at: DateTime<Utc>) {
    let replies = &mut thread.recent_auto_replies;
    replies.sort_unstable();
    let index = replies.partition_point(|t| *t <= at);
    replies.insert(index, at);
    if let Some(cutoff) = replies
        .last()
        .and_then(|newest| newest.checked_sub_signed(AUTO_REPLY_WINDOW))
    {
        replies.retain(|t| *t > cutoff);
    }
}

/// The conversation is settled (a staff task resolved, a confirmation…): the exchange
/// count and the call suggestion start again. The auto-reply history is kept: the rate
/// limit protects against loops whatever the thread's state.
pub fn resolve_thread(thread: &mut ThreadState) {
    thread.exchanges_since_resolution = 0;
    thread.call_suggested_at = None;
    thread.unresolved_since = None;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Channel;
    use crate::policy::test_fixtures::utc;
    use proptest::prelude::*;

    fn settings(after: u32, per_hour: u32) -> PracticeSettings {
        PracticeSettings {
            escalate_after_exchanges: after,
            auto_replies_per_hour: per_hour,
            ..PracticeSettings::default()
        }
    }

    #[test]
    fn a_call_is_suggested_after_the_configured_number_of_unresolved_exchanges() {
        let s = settings(3, 3);
        let mut t = ThreadState::default();
        for _ in 0..2 {
            record_inbound(&mut t, Intent::FreeText);
            assert!(!should_suggest_call(&t, &s));
        }
        record_inbound(&mut t, Intent::Reschedule);
        assert!(should_suggest_call(&t, &s));
    }

    #[test]
    fn a_call_is_suggested_only_once_until_the_thread_is_resolved() {
        let s = settings(2, 3);
        let mut t = ThreadState::default();
        record_inbound(&mut t, Intent::FreeText);
        record_inbound(&mut t, Intent::FreeText);
        assert!(should_suggest_call(&t, &s));
        record_call_suggested(&mut t, utc("2026-03-01T10:00:00Z"));
        for _ in 0..10 {
            record_inbound(&mut t, Intent::FreeText);
            assert!(!should_suggest_call(&t, &s));
        }
        resolve_thread(&mut t);
        assert!(!should_suggest_call(&t, &s));
        record_inbound(&mut t, Intent::FreeText);
        record_inbound(&mut t, Intent::FreeText);
        assert!(should_suggest_call(&t, &s));
    }

    #[test]
    fn a_confirmation_settles_the_thread_and_resets_the_count() {
        let mut t = ThreadState::default();
        record_inbound(&mut t, Intent::FreeText);
        record_call_suggested(&mut t, utc("2026-03-01T10:00:00Z"));
        record_inbound(&mut t, Intent::Confirm);
        assert_eq!(t.exchanges_since_resolution, 0);
        assert_eq!(t.call_suggested_at, None);
        for intent in [
            Intent::OptOut,
            Intent::OptIn,
            Intent::Rating(5),
            Intent::SwitchChannel(Channel::Email),
        ] {
            assert!(intent_settles_thread(intent));
        }
        for intent in [
            Intent::FreeText,
            Intent::Reschedule,
            Intent::CancelAppointment,
            Intent::CallMe,
            Intent::Help,
            Intent::Emergency,
        ] {
            assert!(!intent_settles_thread(intent));
        }
    }

    #[test]
    fn a_zero_escalation_setting_still_waits_for_one_exchange() {
        let s = settings(0, 0);
        assert!(!should_suggest_call(&ThreadState::default(), &s));
        assert!(auto_reply_allowed(
            &ThreadState::default(),
            &s,
            utc("2026-03-01T10:00:00Z")
        ));
    }

    #[test]
    fn auto_replies_are_limited_per_rolling_hour() {
        let s = settings(4, 3);
        let mut t = ThreadState::default();
        let start = utc("2026-03-01T10:00:00Z");
        for m in [0, 10, 20] {
            let at = start + Duration::minutes(m);
            assert!(auto_reply_allowed(&t, &s, at));
            record_auto_reply(&mut t, at);
        }
        assert!(!auto_reply_allowed(&t, &s, start + Duration::minutes(30)));
        assert!(!auto_reply_allowed(&t, &s, start + Duration::minutes(59)));
        // The first reply leaves the window exactly one hour after it.
        assert!(auto_reply_allowed(&t, &s, start + Duration::minutes(60)));
    }

    #[test]
    fn opt_out_opt_in_and_emergency_replies_bypass_the_limit() {
        assert!(reply_bypasses_limit(Intent::OptOut));
        assert!(reply_bypasses_limit(Intent::OptIn));
        assert!(reply_bypasses_limit(Intent::Emergency));
        assert!(!reply_bypasses_limit(Intent::FreeText));
        assert!(!reply_bypasses_limit(Intent::Help));
    }

    #[test]
    fn the_auto_reply_history_is_kept_sorted_and_short() {
        let mut t = ThreadState::default();
        let start = utc("2026-03-01T10:00:00Z");
        record_auto_reply(&mut t, start);
        record_auto_reply(&mut t, start + Duration::minutes(90));
        record_auto_reply(&mut t, start + Duration::minutes(70));
        assert_eq!(
            t.recent_auto_replies,
            vec![start + Duration::minutes(70), start + Duration::minutes(90)]
        );
    }

    proptest! {
        #[test]
        fn no_hour_ever_holds_more_auto_replies_than_the_limit(
            per_hour in 1u32..6,
            gaps in prop::collection::vec(0i64..40, 1..60),
        ) {
            let s = settings(4, per_hour);
            let mut t = ThreadState::default();
            let mut now = utc("2026-03-01T10:00:00Z");
            let mut sent = Vec::new();
            for g in gaps {
                now += Duration::minutes(g);
                if auto_reply_allowed(&t, &s, now) {
                    record_auto_reply(&mut t, now);
                    sent.push(now);
                }
            }
            for (i, a) in sent.iter().enumerate() {
                let in_hour = sent[i..].iter().filter(|b| **b < *a + AUTO_REPLY_WINDOW).count();
                prop_assert!(in_hour as u32 <= per_hour);
            }
        }

        #[test]
        fn a_call_is_never_suggested_twice_between_resolutions(
            after in 1u32..8,
            intents in prop::collection::vec(prop::sample::select(vec![
                Intent::FreeText, Intent::Reschedule, Intent::CallMe, Intent::Confirm, Intent::Help,
            ]), 0..60),
        ) {
            let s = settings(after, 3);
            let mut t = ThreadState::default();
            let mut suggested_since_resolution = 0;
            let now = utc("2026-03-01T10:00:00Z");
            for intent in intents {
                record_inbound(&mut t, intent);
                if intent_settles_thread(intent) {
                    suggested_since_resolution = 0;
                }
                if should_suggest_call(&t, &s) {
                    record_call_suggested(&mut t, now);
                    suggested_since_resolution += 1;
                }
                prop_assert!(suggested_since_resolution <= 1);
            }
        }
    }
}
