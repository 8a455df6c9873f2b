//! Staff reply routing: examples, then properties over random patients and clocks.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use proptest::prelude::*;

use super::*;
use crate::domain::{
    ClockTime, ConsentSource, PhoneNumber, PracticeId, QuietHours, ThreadId, UnknownThread,
};
use crate::policy::quiet_hours::is_quiet;
use crate::policy::test_fixtures::{patient, practice, utc};

fn consenting(channel: Channel) -> Patient {
    let mut p = patient();
    p.preferred_channel = channel;
    p.consents.set(
        channel,
        MessageKind::Care,
        true,
        ConsentSource::PracticeStaff,
        utc("2026-01-01T00:00:00Z"),
    );
    p
}

fn settings() -> PracticeSettings {
    let mut s = practice();
    s.email_from = Some(crate::domain::EmailAddress::parse("desk@example.com").unwrap());
    s
}

#[test]
fn a_reply_goes_on_the_channel_the_patient_last_wrote_on() {
    let mut p = consenting(Channel::Email);
    p.consents.set(
        Channel::Sms,
        MessageKind::Care,
        true,
        ConsentSource::PracticeStaff,
        utc("2026-01-01T00:00:00Z"),
    );
    let now = utc("2026-03-02T03:00:00Z"); // 22:00 in New York: quiet hours
    p.thread.last_inbound_at = Some(now - Duration::hours(2));
    p.thread.last_inbound_channel = Some(Channel::Sms);
    assert_eq!(
        route_reply(ReplyTo::Patient(&p), &settings(), now),
        ReplyRoute::Send {
            channel: Channel::Sms
        },
        "within 24 h it is conversation, at any hour"
    );
}

#[test]
fn without_an_inbound_message_the_preferred_channel_and_quiet_hours_apply() {
    let p = consenting(Channel::Email);
    let now = utc("2026-03-02T03:00:00Z"); // 22:00 EST
    assert_eq!(
        route_reply(ReplyTo::Patient(&p), &settings(), now),
        ReplyRoute::Defer {
            channel: Channel::Email,
            until: utc("2026-03-02T13:00:00Z"), // 08:00 EST
        }
    );
}

#[test]
fn voice_opt_outs_and_missing_consent_are_refused_never_rerouted() {
    let s = settings();
    let now = utc("2026-03-02T16:00:00Z");
    let voice = consenting(Channel::Voice);
    assert_eq!(
        route_reply(ReplyTo::Patient(&voice), &s, now),
        ReplyRoute::Refuse {
            refusal: ReplyRefusal::Voice
        }
    );
    let mut out = consenting(Channel::Sms);
    out.consents
        .opt_out(Channel::Sms, ConsentSource::PatientKeyword, now);
    let r = route_reply(ReplyTo::Patient(&out), &s, now);
    assert_eq!(
        r,
        ReplyRoute::Refuse {
            refusal: ReplyRefusal::OptedOut {
                channel: Channel::Sms
            }
        }
    );
    let mut none = patient();
    none.preferred_channel = Channel::Sms;
    assert_eq!(
        route_reply(ReplyTo::Patient(&none), &s, now),
        ReplyRoute::Refuse {
            refusal: ReplyRefusal::NoConsent {
                channel: Channel::Sms
            }
        }
    );
    let mut bare = settings();
    bare.sms_number = None;
    assert_eq!(
        route_reply(ReplyTo::Patient(&consenting(Channel::Sms)), &bare, now),
        ReplyRoute::Refuse {
            refusal: ReplyRefusal::PracticeCannotSend {
                channel: Channel::Sms
            }
        }
    );
    for refusal in [
        ReplyRefusal::Voice,
        ReplyRefusal::OptedOut {
            channel: Channel::Sms,
        },
        ReplyRefusal::NoConsent {
            channel: Channel::Email,
        },
    ] {
        assert!(
            refusal.describe().to_lowercase().contains("call"),
            "{refusal:?}"
        );
    }
}

#[test]
fn an_unknown_sender_is_answered_by_sms_unless_they_opted_out() {
    let practice_id = PracticeId::parse("prc_1").unwrap();
    let number = PhoneNumber::parse_e164("+12125550177").unwrap();
    let now = utc("2026-03-02T16:00:00Z");
    let mut t = UnknownThread {
        practice_id: practice_id.clone(),
        thread_id: ThreadId::unknown(&practice_id, &number),
        number,
        waits: vec![],
        last_inbound_at: Some(now - Duration::minutes(5)),
        opted_out: false,
        linked: None,
    };
    assert_eq!(
        route_reply(ReplyTo::Unknown(&t), &settings(), now),
        ReplyRoute::Send {
            channel: Channel::Sms
        }
    );
    t.opted_out = true;
    assert!(matches!(
        route_reply(ReplyTo::Unknown(&t), &settings(), now),
        ReplyRoute::Refuse { .. }
    ));
}

#[test]
fn a_question_waits_for_staff_once_and_automatic_answers_do_not() {
    let mut t = ThreadState::default();
    let at = utc("2026-03-02T16:00:00Z");
    assert!(!note_inbound(&mut t, Channel::Sms, Intent::Confirm, at));
    assert_eq!(t.waiting_since, None);
    assert_eq!(t.last_inbound_channel, Some(Channel::Sms));
    assert!(!note_inbound(&mut t, Channel::Sms, Intent::Help, at));
    assert!(note_inbound(&mut t, Channel::Sms, Intent::FreeText, at));
    let later = at + Duration::minutes(5);
    assert!(!note_inbound(
        &mut t,
        Channel::Sms,
        Intent::Reschedule,
        later
    ));
    assert_eq!(
        t.waiting_since,
        Some(at),
        "waiting since the first unanswered one"
    );
    assert_eq!(t.last_inbound_at, Some(later));
}

const ZONES: &[Tz] = &[
    chrono_tz::UTC,
    chrono_tz::America::New_York,
    chrono_tz::Australia::Lord_Howe,
    chrono_tz::Asia::Kathmandu,
    chrono_tz::Pacific::Chatham,
];

fn channel() -> impl Strategy<Value = Channel> {
    prop::sample::select(Channel::ALL.to_vec())
}

prop_compose! {
    fn scenario()(
        preferred in channel(),
        last_channel in prop::option::of(channel()),
        grants in prop::collection::vec((channel(), any::<bool>(), any::<bool>()), 0..4),
        has_phone in any::<bool>(),
        has_email in any::<bool>(),
        zone in prop::sample::select(ZONES.to_vec()),
        practice_zone in prop::sample::select(ZONES.to_vec()),
        quiet in (0u32..24, 0u32..60, 0u32..24, 0u32..60),
        now_s in 946_684_800i64..2_208_988_800i64,
        since_inbound in prop::option::of(-3_600i64..200_000),
    ) -> (Patient, PracticeSettings, DateTime<Utc>) {
        let now = DateTime::<Utc>::from_timestamp(now_s, 0).unwrap();
        let mut p = patient();
        p.preferred_channel = preferred;
        p.time_zone = Some(zone);
        if !has_phone { p.phone = None; }
        if !has_email { p.email = None; }
        for (c, granted, opted_out) in grants {
            p.consents.set(c, MessageKind::Care, granted, ConsentSource::PatientForm, now);
            if opted_out { p.consents.opt_out(c, ConsentSource::PatientKeyword, now); }
        }
        p.thread.last_inbound_channel = last_channel;
        p.thread.last_inbound_at = since_inbound.map(|s| now - Duration::seconds(s));
        let mut s = settings();
        s.time_zone = practice_zone;
        s.quiet_hours = QuietHours {
            start: ClockTime::hm(quiet.0, quiet.1),
            end: ClockTime::hm(quiet.2, quiet.3),
        };
        (p, s, now)
    }
}

proptest! {
    #[test]
    fn a_reply_never_goes_on_another_channel_nor_to_an_opted_out_or_unconsented_one(
        (p, s, now) in scenario()
    ) {
        let r = route_reply(ReplyTo::Patient(&p), &s, now);
        if let Some(ch) = r.channel() {
            prop_assert_eq!(ch, reply_channel(&p));
            prop_assert_ne!(ch, Channel::Voice);
            prop_assert!(!p.consents.is_opted_out(ch));
            prop_assert!(p.consents.allows(ch, MessageKind::Care));
            prop_assert!(p.has_address(ch));
        }
        if reply_channel(&p) == Channel::Voice {
            prop_assert_eq!(r, ReplyRoute::Refuse { refusal: ReplyRefusal::Voice });
        }
    }

    #[test]
    fn outside_the_conversation_window_a_reply_never_goes_in_quiet_hours(
        (p, s, now) in scenario()
    ) {
        let zone = p.zone(s.time_zone);
        match route_reply(ReplyTo::Patient(&p), &s, now) {
            ReplyRoute::Send { .. } => {
                prop_assert!(
                    in_conversation(p.thread.last_inbound_at, now)
                        || !is_quiet(&s.quiet_hours, now, zone)
                );
            }
            ReplyRoute::Defer { until, .. } => {
                prop_assert!(!in_conversation(p.thread.last_inbound_at, now));
                prop_assert!(until > now);
                prop_assert!(!is_quiet(&s.quiet_hours, until, zone));
            }
            ReplyRoute::Refuse { .. } => {}
        }
    }
}
