//! Properties of a broadcast's decisions, over any patient, kind and moment.

use chrono::{DateTime, Duration, Utc};
use frontdesk::domain::{
    Audience, Broadcast, BroadcastId, BroadcastStatus, Channel, ConsentSource, MessageKind,
    PatientId, Progress, Recipient, RecipientOutcome,
};
use frontdesk::policy::is_quiet;
use proptest::prelude::*;
use testkit::fixtures;

use super::decide::{step, Step};

fn channel() -> impl Strategy<Value = Channel> {
    prop_oneof![
        Just(Channel::Sms),
        Just(Channel::Email),
        Just(Channel::Voice)
    ]
}

fn kind() -> impl Strategy<Value = MessageKind> {
    prop_oneof![Just(MessageKind::Care), Just(MessageKind::Marketing)]
}

fn zone() -> impl Strategy<Value = Option<chrono_tz::Tz>> {
    prop_oneof![
        Just(None),
        Just(Some(chrono_tz::Asia::Tokyo)),
        Just(Some(chrono_tz::America::Los_Angeles)),
        Just(Some(chrono_tz::Europe::London)),
    ]
}

fn moment() -> impl Strategy<Value = DateTime<Utc>> {
    (0i64..(7 * 24 * 60)).prop_map(|m| {
        DateTime::parse_from_rfc3339("2026-03-02T00:00:00Z")
            .unwrap()
            .to_utc()
            + Duration::minutes(m)
    })
}

fn broadcast(kind: MessageKind, cancelled: bool, now: DateTime<Utc>) -> Broadcast {
    let mut b = Broadcast::new(
        fixtures::practice_id("smile"),
        Audience::AllActive,
        kind,
        "Closed today.".into(),
        None,
        now,
        now,
    )
    .unwrap();
    if cancelled {
        b.status = BroadcastStatus::Cancelled;
    }
    b
}

proptest! {
    #[test]
    fn a_broadcast_goes_only_where_the_patient_allows_and_never_into_quiet_hours(
        preferred in channel(),
        kind in kind(),
        consent in any::<bool>(),
        opted_out in any::<bool>(),
        tz in zone(),
        cancelled in any::<bool>(),
        now in moment(),
    ) {
        let practice = fixtures::practice("smile", |_| {});
        let mut p = fixtures::patient("smile", "pt-1", preferred);
        p.time_zone = tz;
        p.consents.set(preferred, kind, consent, ConsentSource::PatientForm, now);
        if opted_out {
            p.consents.opt_out(preferred, ConsentSource::PatientForm, now);
        }
        let b = broadcast(kind, cancelled, now);
        let s = step(Some(&b), Some(&p), &practice.settings, now);
        let usable = consent && !opted_out;
        if cancelled {
            prop_assert_eq!(s, Step::Cancelled);
        } else if preferred == Channel::Voice && usable {
            prop_assert_eq!(s, Step::CallList, "a caller goes on the one call list");
        } else {
            let delivers = matches!(s, Step::Deliver { .. });
            prop_assert!(delivers, "{:?}", s);
        }
        if s == (Step::Deliver { sends: true }) {
            prop_assert!(usable && preferred != Channel::Voice);
            let zone = p.zone(practice.settings.time_zone);
            prop_assert!(!is_quiet(&practice.settings.quiet_hours, now, zone), "never in quiet hours");
        }
        prop_assert_eq!(step(Some(&b), None, &practice.settings, now) == Step::PatientGone, !cancelled);
    }

    #[test]
    fn progress_counts_every_recipient_once(outcomes in proptest::collection::vec(0u8..7, 0..300), cancelled in any::<bool>()) {
        let now = DateTime::parse_from_rfc3339("2026-03-02T15:00:00Z").unwrap().to_utc();
        let b = broadcast(MessageKind::Care, cancelled, now);
        let mut progress = Progress::default();
        for (i, o) in outcomes.iter().enumerate() {
            let outcome = match o {
                0 => RecipientOutcome::Pending,
                1 => RecipientOutcome::Sent { channel: Channel::Sms },
                2 => RecipientOutcome::Deferred { until: now + Duration::minutes(i as i64) },
                3 => RecipientOutcome::Suppressed { code: "no_consent".into() },
                4 => RecipientOutcome::StaffTask { task_id: frontdesk::domain::TaskId::generate() },
                5 => RecipientOutcome::CallList,
                _ => RecipientOutcome::Cancelled,
            };
            progress.add(&Recipient {
                practice_id: b.practice_id.clone(),
                broadcast_id: BroadcastId::generate(),
                patient_id: PatientId::parse(format!("p{i}")).unwrap(),
                outcome,
                at: now,
            }, b.cancelled());
        }
        let p = progress;
        prop_assert_eq!(p.recipients as usize, outcomes.len());
        prop_assert_eq!(p.pending + p.sent + p.deferred + p.suppressed + p.staff_tasks + p.call_list + p.cancelled, p.recipients);
        prop_assert_eq!(p.sent_by_channel.values().sum::<u32>(), p.sent);
        prop_assert_eq!(p.suppressed_by_reason.values().sum::<u32>(), p.suppressed);
        if cancelled {
            prop_assert_eq!(p.pending + p.deferred, 0, "nothing waits on a cancelled broadcast");
        }
        if let Some(r) = p.deferred_until {
            prop_assert!(r.earliest <= r.latest);
        }
    }
}
