//! Property tests of [`route`] over random patients, practices, clocks and histories.
//!
//! Every scenario draws: a preferred channel; per channel, random per-kind grants and a
//! random opt-out; a phone and an email that may each be missing; patient and practice
//! zones from a list with northern and southern DST, half-hour DST (Lord Howe) and no DST;
//! random quiet hours (including a degenerate all-day window); `now` anywhere in
//! 2000–2040; a random history of automated sends around `now`; random caps; a random
//! `not_after` (possibly already past).

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use proptest::prelude::*;

use crate::domain::{
    Channel, ClockTime, ConsentSource, MessageCaps, MessageKind, Patient, PracticeSettings,
    QuietHours,
};
use crate::policy::caps::{CAP_DAY, CAP_WEEK};
use crate::policy::quiet_hours::is_quiet;
use crate::policy::route::{route, Route, StaffTaskReason};
use crate::policy::test_fixtures::{patient, practice, utc};

const ZONES: &[Tz] = &[
    chrono_tz::UTC,
    chrono_tz::America::New_York,
    chrono_tz::America::Los_Angeles,
    chrono_tz::America::Phoenix,
    chrono_tz::America::Sao_Paulo,
    chrono_tz::America::Santiago,
    chrono_tz::Europe::London,
    chrono_tz::Europe::Berlin,
    chrono_tz::Asia::Kolkata,
    chrono_tz::Asia::Kathmandu,
    chrono_tz::Australia::Sydney,
    chrono_tz::Australia::Lord_Howe,
    chrono_tz::Pacific::Auckland,
    chrono_tz::Pacific::Chatham,
    chrono_tz::Africa::Johannesburg,
];

#[derive(Debug, Clone)]
struct Scenario {
    patient: Patient,
    practice: PracticeSettings,
    kind: MessageKind,
    now: DateTime<Utc>,
    not_after: Option<DateTime<Utc>>,
}

fn channel() -> impl Strategy<Value = Channel> {
    prop::sample::select(Channel::ALL.to_vec())
}

fn kind() -> impl Strategy<Value = MessageKind> {
    prop::sample::select(MessageKind::ALL.to_vec())
}

fn zone() -> impl Strategy<Value = Tz> {
    prop::sample::select(ZONES.to_vec())
}

/// Per channel: for each kind, no entry / granted / withdrawn; and whether opted out.
fn channel_consents() -> impl Strategy<Value = [([Option<bool>; 3], bool); 3]> {
    let one = (
        [
            prop::option::of(any::<bool>()),
            prop::option::of(any::<bool>()),
            prop::option::of(any::<bool>()),
        ],
        prop::bool::weighted(0.2),
    );
    [one.clone(), one.clone(), one]
}

fn clock_time() -> impl Strategy<Value = ClockTime> {
    // Mostly on the quarter hour, like real settings; sometimes any minute.
    prop_oneof![
        (0u32..24, prop::sample::select(vec![0u32, 15, 30, 45])),
        (0u32..24, 0u32..60),
    ]
    .prop_map(|(h, m)| ClockTime::hm(h, m))
}

fn quiet_hours() -> impl Strategy<Value = QuietHours> {
    prop_oneof![
        4 => Just(QuietHours::default()),
        6 => (clock_time(), clock_time()).prop_map(|(start, end)| QuietHours { start, end }),
    ]
}

fn scenario() -> impl Strategy<Value = Scenario> {
    let base = utc("2000-01-01T00:00:00Z");
    // Built once: parsing phone numbers is slow in unoptimised test builds.
    let (base_patient, base_practice) = (patient(), practice());
    (
        (channel(), channel_consents(), any::<bool>(), any::<bool>()),
        (prop::option::of(zone()), zone(), quiet_hours()),
        (1u32..6, 0u32..10),
        prop::collection::vec(-2 * 60i64..8 * 24 * 60, 0..16),
        (0i64..40 * 366 * 24 * 3600, kind()),
        prop::option::of(-3 * 60i64..4 * 24 * 60),
    )
        .prop_map(
            move |(
                (preferred, consents, has_phone, has_email),
                (patient_zone, practice_zone, quiet),
                (per_day, extra_week),
                history_minutes_ago,
                (now_secs, kind),
                not_after_minutes,
            )| {
                let now = base + Duration::seconds(now_secs);
                let mut p = base_patient.clone();
                p.preferred_channel = preferred;
                if !has_phone {
                    p.phone = None;
                }
                if !has_email {
                    p.email = None;
                }
                p.time_zone = patient_zone;
                for (channel, (kinds, opted_out)) in Channel::ALL.into_iter().zip(consents) {
                    for (kind, grant) in MessageKind::ALL.into_iter().zip(kinds) {
                        if let Some(granted) = grant {
                            p.consents
                                .set(channel, kind, granted, ConsentSource::PatientForm, now);
                        }
                    }
                    if opted_out {
                        p.consents
                            .opt_out(channel, ConsentSource::PatientKeyword, now);
                    }
                }
                p.recent_automated = history_minutes_ago
                    .into_iter()
                    .map(|m| now - Duration::minutes(m))
                    .collect();
                p.recent_automated.sort();
                let mut s = base_practice.clone();
                s.time_zone = practice_zone;
                s.quiet_hours = quiet;
                s.message_caps = MessageCaps {
                    per_day,
                    per_week: per_day + extra_week,
                };
                Scenario {
                    patient: p,
                    practice: s,
                    kind,
                    now,
                    not_after: not_after_minutes.map(|m| now + Duration::minutes(m)),
                }
            },
        )
}

fn decide(s: &Scenario) -> Route {
    route(&s.patient, &s.practice, s.kind, s.now, s.not_after)
}

fn zone_of(s: &Scenario) -> Tz {
    s.patient.zone(s.practice.time_zone)
}

fn sent_in(history: &[DateTime<Utc>], at: DateTime<Utc>, window: Duration) -> u64 {
    history.iter().filter(|t| **t > at - window).count() as u64
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn no_send_or_defer_goes_to_an_opted_out_or_unconsented_channel(s in scenario()) {
        if let Some(ch) = decide(&s).channel() {
            prop_assert!(!s.patient.consents.is_opted_out(ch));
            prop_assert!(s.patient.consents.allows(ch, s.kind));
            prop_assert!(s.patient.has_address(ch));
        }
    }

    #[test]
    fn no_send_or_defer_uses_a_channel_other_than_the_preferred_one(s in scenario()) {
        if let Some(ch) = decide(&s).channel() {
            prop_assert_eq!(ch, s.patient.preferred_channel);
        }
    }

    #[test]
    fn no_send_falls_inside_quiet_hours_on_the_patients_clock(s in scenario()) {
        if let Route::Send { at, .. } = decide(&s) {
            prop_assert_eq!(at, s.now);
            prop_assert!(!is_quiet(&s.practice.quiet_hours, at, zone_of(&s)));
        }
    }

    #[test]
    fn a_deferral_opens_after_now_outside_quiet_hours_and_by_the_deadline(s in scenario()) {
        if let Route::Defer { until, .. } = decide(&s) {
            prop_assert!(until > s.now);
            prop_assert!(!is_quiet(&s.practice.quiet_hours, until, zone_of(&s)));
            prop_assert!(is_quiet(&s.practice.quiet_hours, s.now, zone_of(&s)));
            if let Some(deadline) = s.not_after {
                prop_assert!(until <= deadline);
            }
            // Quiet hours are under a day long, so the window opens within ~a day
            // (plus a DST hour).
            prop_assert!(until - s.now <= Duration::hours(26));
        }
    }

    #[test]
    fn no_send_or_defer_exceeds_the_caps(s in scenario()) {
        let at = match decide(&s) {
            Route::Send { at, .. } => at,
            Route::Defer { until, .. } => until,
            _ => return Ok(()),
        };
        let caps = s.practice.message_caps;
        prop_assert!(sent_in(&s.patient.recent_automated, at, CAP_DAY) < u64::from(caps.per_day));
        prop_assert!(sent_in(&s.patient.recent_automated, at, CAP_WEEK) < u64::from(caps.per_week));
    }

    #[test]
    fn voice_never_yields_a_send(s in scenario()) {
        let r = decide(&s);
        if s.patient.preferred_channel == Channel::Voice {
            prop_assert!(r.channel().is_none());
        }
        if r == (Route::StaffTask { reason: StaffTaskReason::CallPatient }) {
            prop_assert_eq!(s.patient.preferred_channel, Channel::Voice);
            prop_assert!(s.patient.consents.allows(Channel::Voice, s.kind));
        }
    }

    #[test]
    fn optional_messages_never_make_work_for_staff_unless_the_patient_wants_calls(s in scenario()) {
        if s.kind != MessageKind::Care {
            if let Route::StaffTask { reason } = decide(&s) {
                prop_assert_eq!(reason, StaffTaskReason::CallPatient);
            }
        }
    }

    #[test]
    fn a_usable_channel_in_daytime_under_the_caps_is_sent(s in scenario()) {
        let ch = s.patient.preferred_channel;
        let usable = ch != Channel::Voice
            && s.patient.has_address(ch)
            && s.patient.consents.allows(ch, s.kind);
        let caps = s.practice.message_caps;
        let history = &s.patient.recent_automated;
        let under_caps = sent_in(history, s.now, CAP_DAY) < u64::from(caps.per_day)
            && sent_in(history, s.now, CAP_WEEK) < u64::from(caps.per_week);
        let in_time = s.not_after.is_none_or(|d| s.now <= d);
        let daytime = !is_quiet(&s.practice.quiet_hours, s.now, zone_of(&s));
        if usable && under_caps && in_time && daytime {
            prop_assert_eq!(decide(&s), Route::Send { channel: ch, at: s.now });
        }
    }

    #[test]
    fn a_quiet_time_message_is_deferred_not_dropped_when_nothing_else_stops_it(s in scenario()) {
        let ch = s.patient.preferred_channel;
        let usable = ch != Channel::Voice
            && s.patient.has_address(ch)
            && s.patient.consents.allows(ch, s.kind);
        let valid_window = s.practice.quiet_hours.start != s.practice.quiet_hours.end;
        if usable && valid_window && s.not_after.is_none() && s.patient.recent_automated.is_empty()
            && is_quiet(&s.practice.quiet_hours, s.now, zone_of(&s))
        {
            let is_defer = matches!(decide(&s), Route::Defer { .. });
            prop_assert!(is_defer);
        }
    }
}

/// Guards the properties above against vacuity: the generator must reach every outcome.
#[test]
fn the_random_scenarios_reach_every_kind_of_decision() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    let mut runner = TestRunner::deterministic();
    let strategy = scenario();
    let (mut send, mut defer, mut task, mut call, mut suppress) = (0, 0, 0, 0, 0);
    for _ in 0..3000 {
        let s = strategy.new_tree(&mut runner).unwrap().current();
        match decide(&s) {
            Route::Send { .. } => send += 1,
            Route::Defer { .. } => defer += 1,
            Route::StaffTask {
                reason: StaffTaskReason::CallPatient,
            } => call += 1,
            Route::StaffTask { .. } => task += 1,
            Route::Suppress { .. } => suppress += 1,
        }
    }
    for (name, n) in [
        ("send", send),
        ("defer", defer),
        ("staff task", task),
        ("call", call),
        ("suppress", suppress),
    ] {
        assert!(n >= 30, "only {n} {name} outcomes in 3000 scenarios");
    }
}
