use super::*;
use crate::domain::TaskKind;
use crate::domain::{ClockTime, ConsentSource, QuietHours};
use crate::policy::caps::record_automated_send;
use crate::policy::test_fixtures::{consent_all, patient, practice, utc};

/// 15:00 UTC = 10:00 in New York (EST) in January: inside sending hours.
fn midday() -> DateTime<Utc> {
    utc("2026-01-14T15:00:00Z")
}

fn sms_patient() -> Patient {
    let mut p = patient();
    p.preferred_channel = Channel::Sms;
    consent_all(&mut p, Channel::Sms);
    p
}

#[test]
fn a_consented_sms_patient_in_daytime_gets_a_text_now() {
    let r = route(
        &sms_patient(),
        &practice(),
        MessageKind::Care,
        midday(),
        None,
    );
    assert_eq!(
        r,
        Route::Send {
            channel: Channel::Sms,
            at: midday()
        }
    );
}

#[test]
fn an_email_patient_gets_email_even_when_sms_would_work() {
    let mut p = sms_patient();
    p.preferred_channel = Channel::Email;
    consent_all(&mut p, Channel::Email);
    let r = route(&p, &practice(), MessageKind::Care, midday(), None);
    assert_eq!(r.channel(), Some(Channel::Email));
}

#[test]
fn an_email_patient_without_an_email_address_is_a_staff_task_not_a_text() {
    let mut p = sms_patient();
    p.preferred_channel = Channel::Email;
    consent_all(&mut p, Channel::Email);
    p.email = None;
    assert_eq!(
        route(&p, &practice(), MessageKind::Care, midday(), None),
        Route::StaffTask {
            reason: StaffTaskReason::NoAddress {
                channel: Channel::Email
            }
        }
    );
}

#[test]
fn an_opted_out_sms_patient_is_a_staff_task_with_the_reason() {
    let mut p = sms_patient();
    p.consents
        .opt_out(Channel::Sms, ConsentSource::PatientKeyword, midday());
    let r = route(&p, &practice(), MessageKind::Care, midday(), None);
    assert_eq!(
        r,
        Route::StaffTask {
            reason: StaffTaskReason::OptedOut {
                channel: Channel::Sms
            }
        }
    );
    if let Route::StaffTask { reason } = r {
        assert_eq!(reason.task_kind(), TaskKind::ChannelUnusable);
    }
}

#[test]
fn opting_out_is_reported_before_a_missing_address() {
    let mut p = sms_patient();
    p.phone = None;
    p.consents
        .opt_out(Channel::Sms, ConsentSource::PatientKeyword, midday());
    assert_eq!(
        route(&p, &practice(), MessageKind::Care, midday(), None),
        Route::StaffTask {
            reason: StaffTaskReason::OptedOut {
                channel: Channel::Sms
            }
        }
    );
}

#[test]
fn a_review_request_without_review_consent_is_suppressed_not_a_task() {
    let mut p = patient();
    p.preferred_channel = Channel::Sms;
    p.consents.set(
        Channel::Sms,
        MessageKind::Care,
        true,
        ConsentSource::PatientForm,
        midday(),
    );
    assert_eq!(
        route(&p, &practice(), MessageKind::Reviews, midday(), None),
        Route::Suppress {
            reason: SuppressReason::OptionalNotAllowed {
                kind: MessageKind::Reviews,
                channel: Channel::Sms,
                problem: ChannelProblem::NoConsent
            }
        }
    );
}

#[test]
fn marketing_without_consent_is_suppressed_and_never_a_staff_task() {
    let mut p = patient();
    p.preferred_channel = Channel::Sms;
    p.consents.set(
        Channel::Sms,
        MessageKind::Care,
        true,
        ConsentSource::PatientForm,
        midday(),
    );
    assert_eq!(
        route(&p, &practice(), MessageKind::Marketing, midday(), None),
        Route::Suppress {
            reason: SuppressReason::OptionalNotAllowed {
                kind: MessageKind::Marketing,
                channel: Channel::Sms,
                problem: ChannelProblem::NoConsent
            }
        }
    );
}

#[test]
fn marketing_to_an_opted_out_patient_is_suppressed() {
    let mut p = sms_patient();
    p.consents
        .opt_out(Channel::Sms, ConsentSource::PatientKeyword, midday());
    assert!(matches!(
        route(&p, &practice(), MessageKind::Marketing, midday(), None),
        Route::Suppress {
            reason: SuppressReason::OptionalNotAllowed {
                problem: ChannelProblem::OptedOut,
                ..
            }
        }
    ));
}

#[test]
fn a_voice_patient_who_consented_to_calls_becomes_a_call_task() {
    let mut p = patient();
    p.preferred_channel = Channel::Voice;
    consent_all(&mut p, Channel::Voice);
    consent_all(&mut p, Channel::Sms);
    let r = route(&p, &practice(), MessageKind::Care, midday(), None);
    assert_eq!(
        r,
        Route::StaffTask {
            reason: StaffTaskReason::CallPatient
        }
    );
    if let Route::StaffTask { reason } = r {
        assert_eq!(reason.task_kind(), TaskKind::CallPatient);
    }
}

#[test]
fn a_voice_patient_without_call_consent_is_a_task_that_says_so() {
    let mut p = patient();
    p.preferred_channel = Channel::Voice;
    consent_all(&mut p, Channel::Sms);
    let r = route(&p, &practice(), MessageKind::Care, midday(), None);
    let reason = StaffTaskReason::NoConsent {
        channel: Channel::Voice,
    };
    assert_eq!(r, Route::StaffTask { reason });
    assert!(reason
        .describe(MessageKind::Care)
        .contains("has not consented to be called"));
}

#[test]
fn a_voice_patient_is_never_texted_at_night_or_otherwise() {
    let mut p = patient();
    p.preferred_channel = Channel::Voice;
    consent_all(&mut p, Channel::Voice);
    let night = utc("2026-01-14T04:00:00Z"); // 23:00 New York
    assert_eq!(
        route(&p, &practice(), MessageKind::Care, night, None),
        Route::StaffTask {
            reason: StaffTaskReason::CallPatient
        }
    );
}

#[test]
fn a_message_due_at_night_is_deferred_to_eight_in_the_patients_zone() {
    let mut p = sms_patient();
    p.time_zone = Some(chrono_tz::America::Los_Angeles);
    // 06:00 UTC = 22:00 PST (patient) but 01:00 EST (practice).
    let now = utc("2026-01-14T06:00:00Z");
    assert_eq!(
        route(&p, &practice(), MessageKind::Care, now, None),
        Route::Defer {
            channel: Channel::Sms,
            until: utc("2026-01-14T16:00:00Z") // 08:00 PST
        }
    );
}

#[test]
fn the_patients_own_zone_can_allow_a_send_the_practices_zone_would_defer() {
    let mut p = sms_patient();
    p.time_zone = Some(chrono_tz::America::Los_Angeles);
    // 03:30 UTC = 19:30 PST (patient, fine) but 22:30 EST (practice, quiet).
    let now = utc("2026-01-14T03:30:00Z");
    assert_eq!(
        route(&p, &practice(), MessageKind::Care, now, None),
        Route::Send {
            channel: Channel::Sms,
            at: now
        }
    );
}

#[test]
fn without_a_patient_zone_the_practices_zone_is_used() {
    let p = sms_patient();
    let now = utc("2026-01-14T03:30:00Z"); // 22:30 EST
    assert_eq!(
        route(&p, &practice(), MessageKind::Care, now, None),
        Route::Defer {
            channel: Channel::Sms,
            until: utc("2026-01-14T13:00:00Z")
        }
    );
}

#[test]
fn a_deferral_that_would_land_after_the_appointment_is_suppressed() {
    let p = sms_patient();
    let now = utc("2026-01-14T04:00:00Z"); // 23:00 EST
    let starts = utc("2026-01-14T12:30:00Z"); // 07:30 EST, before quiet hours end
    assert_eq!(
        route(&p, &practice(), MessageKind::Care, now, Some(starts)),
        Route::Suppress {
            reason: SuppressReason::AfterDeadline {
                earliest: utc("2026-01-14T13:00:00Z"),
                not_after: starts
            }
        }
    );
}

#[test]
fn a_deferral_that_lands_before_the_deadline_is_kept() {
    let p = sms_patient();
    let now = utc("2026-01-14T04:00:00Z");
    let starts = utc("2026-01-14T15:00:00Z");
    assert!(matches!(
        route(&p, &practice(), MessageKind::Care, now, Some(starts)),
        Route::Defer { .. }
    ));
}

#[test]
fn a_message_whose_deadline_has_passed_is_suppressed_even_for_voice() {
    let mut p = patient();
    p.preferred_channel = Channel::Voice;
    consent_all(&mut p, Channel::Voice);
    let deadline = midday() - chrono::Duration::minutes(1);
    assert!(matches!(
        route(&p, &practice(), MessageKind::Care, midday(), Some(deadline)),
        Route::Suppress {
            reason: SuppressReason::AfterDeadline { .. }
        }
    ));
}

#[test]
fn sending_exactly_at_the_deadline_is_allowed() {
    let r = route(
        &sms_patient(),
        &practice(),
        MessageKind::Care,
        midday(),
        Some(midday()),
    );
    assert!(matches!(r, Route::Send { .. }));
}

#[test]
fn the_daily_cap_suppresses_the_next_message() {
    let mut p = sms_patient();
    let caps = practice().message_caps;
    for h in 1..=caps.per_day {
        record_automated_send(&mut p, midday() - chrono::Duration::hours(i64::from(h)));
    }
    assert_eq!(
        route(&p, &practice(), MessageKind::Care, midday(), None),
        Route::Suppress {
            reason: SuppressReason::DailyCap {
                limit: caps.per_day
            }
        }
    );
}

#[test]
fn the_weekly_cap_suppresses_even_when_today_is_quiet() {
    let mut p = sms_patient();
    let caps = practice().message_caps;
    // One send every 20 hours: only one in the last day, but a full week's worth.
    for d in 1..=caps.per_week {
        record_automated_send(
            &mut p,
            midday() - chrono::Duration::hours(20 * i64::from(d)),
        );
    }
    assert_eq!(
        route(&p, &practice(), MessageKind::Care, midday(), None),
        Route::Suppress {
            reason: SuppressReason::WeeklyCap {
                limit: caps.per_week
            }
        }
    );
}

#[test]
fn caps_are_counted_when_the_deferred_message_would_go_out() {
    let mut p = sms_patient();
    // Three texts yesterday morning; it is now 23:00 and the message would go at 08:00,
    // more than 24 hours after them.
    for t in [
        "2026-01-13T12:30:00Z",
        "2026-01-13T12:40:00Z",
        "2026-01-13T12:50:00Z",
    ] {
        record_automated_send(&mut p, utc(t));
    }
    let now = utc("2026-01-14T04:00:00Z");
    assert_eq!(
        route(&p, &practice(), MessageKind::Care, now, None),
        Route::Defer {
            channel: Channel::Sms,
            until: utc("2026-01-14T13:00:00Z")
        }
    );
}

#[test]
fn caps_do_not_apply_to_staff_calls() {
    let mut p = patient();
    p.preferred_channel = Channel::Voice;
    consent_all(&mut p, Channel::Voice);
    for m in 1..=20 {
        record_automated_send(&mut p, midday() - chrono::Duration::minutes(m));
    }
    assert_eq!(
        route(&p, &practice(), MessageKind::Care, midday(), None),
        Route::StaffTask {
            reason: StaffTaskReason::CallPatient
        }
    );
}

#[test]
fn quiet_hours_that_never_end_suppress_rather_than_send() {
    let mut s = practice();
    s.quiet_hours = QuietHours {
        start: ClockTime::hm(9, 0),
        end: ClockTime::hm(9, 0),
    };
    assert_eq!(
        route(&sms_patient(), &s, MessageKind::Care, midday(), None),
        Route::Suppress {
            reason: SuppressReason::NoSendingWindow
        }
    );
}

#[test]
fn routes_round_trip_through_json_for_the_timeline() {
    let routes = [
        Route::Send {
            channel: Channel::Sms,
            at: midday(),
        },
        Route::Defer {
            channel: Channel::Email,
            until: midday(),
        },
        Route::StaffTask {
            reason: StaffTaskReason::NoConsent {
                channel: Channel::Voice,
            },
        },
        Route::Suppress {
            reason: SuppressReason::AfterDeadline {
                earliest: midday(),
                not_after: midday(),
            },
        },
    ];
    for r in routes {
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(serde_json::from_str::<Route>(&json).unwrap(), r, "{json}");
    }
    assert_eq!(
        serde_json::to_value(Route::StaffTask {
            reason: StaffTaskReason::OptedOut {
                channel: Channel::Sms
            }
        })
        .unwrap(),
        serde_json::json!({
            "route": "staff_task",
            "reason": {"reason": "opted_out", "channel": "sms"}
        })
    );
}

#[test]
fn every_staff_task_and_suppression_reason_explains_itself() {
    for channel in Channel::ALL {
        for kind in MessageKind::ALL {
            for reason in [
                StaffTaskReason::CallPatient,
                StaffTaskReason::NoAddress { channel },
                StaffTaskReason::OptedOut { channel },
                StaffTaskReason::NoConsent { channel },
            ] {
                assert!(reason.describe(kind).len() > 30);
            }
        }
    }
    let s = SuppressReason::OptionalNotAllowed {
        kind: MessageKind::Marketing,
        channel: Channel::Email,
        problem: ChannelProblem::NoAddress,
    }
    .describe();
    assert!(s.contains("no address") && s.contains("email"), "{s}");
}
