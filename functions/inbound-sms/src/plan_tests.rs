//! The decision and the batch, without I/O.

use frontdesk::domain::{
    Channel, ConsentSource, Direction, MessageKind, PatientId, PracticeId, PracticeSettings,
};
use frontdesk::ports::{Expect, Key, Write};
use proptest::prelude::*;

use super::*;
use crate::inbound::{Inbound, Provider};
use crate::testkit::{hours, office_hours, phone, settings, utc, PATIENT_PHONE};
fn practice(settings: PracticeSettings) -> Practice {
    Practice {
        practice_id: PracticeId::parse("prc_p").unwrap(),
        settings,
        sms_provider: Default::default(),
        api_keys: vec![],
        created_at: office_hours(),
        updated_at: office_hours(),
    }
}

fn patient(id: &str) -> Patient {
    let now = office_hours();
    let mut consents = frontdesk::domain::Consents::default();
    consents.set(
        Channel::Sms,
        MessageKind::Care,
        true,
        ConsentSource::PracticeStaff,
        now,
    );
    Patient {
        phone: Some(phone(PATIENT_PHONE)),
        consents,
        version: 3,
        ..Patient::new(
            PracticeId::parse("prc_p").unwrap(),
            PatientId::parse(id).unwrap(),
            "Ana",
            "Lee",
            Channel::Sms,
            now,
        )
    }
}

fn inbound(text: &str) -> Inbound {
    Inbound::new(Provider::Twilio, "SM1", PATIENT_PHONE, None, text).unwrap()
}

fn known(p: Patient) -> Sender {
    Sender::Known(Box::new(Known {
        patient: p,
        family: vec![],
        appointments: Some(vec![]),
        shared_note: None,
        slots: Vec::new(),
    }))
}

fn plan_for(practice: &Practice, sender: &Sender, text: &str) -> Plan {
    let msg = inbound(text);
    let patient = match sender {
        Sender::Known(k) => Some(&k.patient),
        Sender::Unknown => None,
    };
    let action = decide(&practice.settings, text, patient, office_hours());
    plan(&Input {
        practice,
        inbound: &msg,
        sender,
        action,
        now: office_hours(),
        unknown_reply_allowed: true,
    })
    .unwrap()
}

fn messages(plan: &Plan) -> Vec<&Message> {
    plan.writes
        .iter()
        .filter_map(|w| match w {
            Write::Message(m) => Some(m.as_ref()),
            _ => None,
        })
        .collect()
}

fn claims(plan: &Plan) -> Vec<&str> {
    plan.writes
        .iter()
        .filter_map(|w| match w {
            Write::Claim { key, .. } => Some(key.as_str()),
            _ => None,
        })
        .collect()
}

#[test]
fn unknown_senders_get_only_safety_and_carrier_keywords() {
    let s = settings();
    let now = office_hours();
    assert_eq!(decide(&s, "STOP", None, now), Action::OptOut);
    assert_eq!(decide(&s, "help", None, now), Action::Help);
    assert_eq!(decide(&s, "severe pain", None, now), Action::Emergency);
    for t in ["C", "R", "START", "call me", "5", "cancel my appointment"] {
        assert_eq!(decide(&s, t, None, now), Action::FreeText, "{t}");
    }
}

#[test]
fn yes_accepts_a_recent_call_suggestion_unless_something_automated_went_out_since() {
    let s = settings();
    let now = office_hours();
    let mut p = patient("a");
    p.thread.call_suggested_at = Some(now - hours(2));
    assert_eq!(decide(&s, "yes", Some(&p), now), Action::AcceptCall);
    p.recent_automated = vec![now - hours(1)];
    assert_eq!(decide(&s, "yes", Some(&p), now), Action::Confirm);
    p.recent_automated.clear();
    p.thread.call_suggested_at = Some(now - hours(49));
    assert_eq!(decide(&s, "yes", Some(&p), now), Action::Confirm);
}

#[test]
fn cancel_is_clarified_first_and_cancel_visit_is_the_answer() {
    let s = settings();
    let now = office_hours();
    let mut p = patient("a");
    assert_eq!(
        decide(&s, "cancel my appointment", Some(&p), now),
        Action::CancelClarify
    );
    assert_eq!(
        decide(&s, "CANCEL VISIT", Some(&p), now),
        Action::CancelVisit
    );
    assert_eq!(
        decide(&s, "Cancel visit.", Some(&p), now),
        Action::CancelVisit
    );
    p.thread.cancel_clarified_at = Some(now - hours(1));
    assert_eq!(
        decide(&s, "cancel my appointment", Some(&p), now),
        Action::CancelVisit
    );
    assert_eq!(
        decide(&s, "cancel tomorrow", Some(&p), now),
        Action::CancelAgain
    );
    assert_eq!(decide(&s, "STOP", Some(&p), now), Action::OptOut);
    p.thread.cancel_clarified_at = Some(now - hours(24 * 8));
    assert_eq!(
        decide(&s, "cancel my appointment", Some(&p), now),
        Action::CancelClarify
    );
}

#[test]
fn ratings_and_complaints_count_only_after_a_recent_review_request() {
    let s = settings();
    let now = office_hours();
    let mut p = patient("a");
    assert_eq!(decide(&s, "4", Some(&p), now), Action::FreeText);
    assert_eq!(
        decide(&s, "that was awful", Some(&p), now),
        Action::FreeText
    );
    p.last_review_request_at = Some(now - hours(24 * 6));
    assert_eq!(decide(&s, "4", Some(&p), now), Action::Rating(4));
    assert_eq!(
        decide(&s, "that was awful", Some(&p), now),
        Action::Complaint
    );
    assert_eq!(
        decide(&s, "thanks, lovely team", Some(&p), now),
        Action::FreeText
    );
    p.last_review_request_at = Some(now - hours(24 * 8));
    assert_eq!(decide(&s, "4", Some(&p), now), Action::FreeText);
}

#[test]
fn the_batch_claims_the_message_bumps_the_patient_version_and_keeps_timeline_order() {
    let practice = practice(settings());
    let plan = plan_for(&practice, &known(patient("a")), "hello");
    assert_eq!(claims(&plan), vec!["inbound:twilio:SM1"]);
    let claim_expiry = plan.writes.iter().find_map(|w| match w {
        Write::Claim { expires_at, .. } => Some(*expires_at),
        _ => None,
    });
    assert_eq!(claim_expiry, Some(office_hours() + hours(24 * 7)));
    let (written, expect) = plan
        .writes
        .iter()
        .find_map(|w| match w {
            Write::Patient {
                patient, expect, ..
            } => Some((patient.clone(), *expect)),
            _ => None,
        })
        .unwrap();
    assert_eq!(expect, Expect::Version(3));
    assert_eq!(written.version, 4);
    assert_eq!(written.thread.exchanges_since_resolution, 1);
    assert_eq!(written.thread.recent_auto_replies, vec![office_hours()]);
    assert_eq!(
        plan.versions,
        vec![(Key::Patient(written.patient_id.clone()), 3)]
    );
    let m = messages(&plan);
    assert_eq!(m.len(), 2);
    let inbound = m
        .iter()
        .find(|m| m.direction == Direction::Inbound)
        .unwrap();
    let reply = m
        .iter()
        .find(|m| m.direction == Direction::Outbound)
        .unwrap();
    assert!(inbound.at < reply.at, "the reply sorts after the message");
}

#[test]
fn an_opt_out_covers_everyone_on_the_number_and_is_confirmed_once() {
    let practice = practice(settings());
    let mut already = patient("b");
    already
        .consents
        .opt_out(Channel::Sms, ConsentSource::PatientKeyword, office_hours());
    let sender = Sender::Known(Box::new(Known {
        patient: patient("a"),
        family: vec![patient("c"), already],
        appointments: None,
        shared_note: Some("3 patients share this phone number".into()),
        slots: Vec::new(),
    }));
    let plan = plan_for(&practice, &sender, "Stop texting me");
    let opted: Vec<&str> = plan
        .writes
        .iter()
        .filter_map(|w| match w {
            Write::Patient { patient, .. } if patient.consents.is_opted_out(Channel::Sms) => {
                Some(patient.patient_id.as_str())
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        opted,
        vec!["a", "c"],
        "b was already opted out and is not rewritten"
    );
    assert_eq!(plan.sends.len(), 1);
    assert_eq!(plan.versions.len(), 2);

    // STOP again: nothing changes, nothing is sent, the suppressed confirmation is recorded.
    let mut a = patient("a");
    a.consents
        .opt_out(Channel::Sms, ConsentSource::PatientKeyword, office_hours());
    let plan = plan_for(&practice, &known(a), "STOP");
    assert!(plan.sends.is_empty());
    assert_eq!(plan.suppressed, 1);
}

#[test]
fn emergency_replies_bypass_the_rate_limit_but_not_an_opt_out() {
    let practice = practice(settings());
    let mut p = patient("a");
    let now = office_hours();
    p.thread.recent_auto_replies = vec![now - hours(0), now, now];
    let plan = plan_for(&practice, &known(p.clone()), "emergency");
    let to_patient = plan
        .sends
        .iter()
        .filter(|s| s.recipient == Recipient::Patient)
        .count();
    assert_eq!(to_patient, 1);
    assert!(plan.emergency.as_ref().unwrap().reply.is_some());

    p.consents
        .opt_out(Channel::Sms, ConsentSource::PatientKeyword, now);
    let plan = plan_for(&practice, &known(p), "emergency");
    assert!(plan.sends.iter().all(|s| s.recipient == Recipient::OnCall));
    assert_eq!(
        plan.sends.len(),
        2,
        "on-call is still alerted by text and email"
    );
}

#[test]
fn unknown_senders_take_a_reply_marker_and_none_when_it_is_gone() {
    let practice = practice(settings());
    let plan = plan_for(&practice, &Sender::Unknown, "who is this?");
    assert_eq!(
        claims(&plan),
        vec!["inbound:twilio:SM1", "reply:+14155552671:2026-03-10T15"]
    );
    assert!(plan.rate_marker);
    assert_eq!(plan.sends.len(), 1);
    let msg = inbound("who is this?");
    let again = super::plan(&Input {
        practice: &practice,
        inbound: &msg,
        sender: &Sender::Unknown,
        action: Action::FreeText,
        now: office_hours(),
        unknown_reply_allowed: false,
    })
    .unwrap();
    assert_eq!(claims(&again), vec!["inbound:twilio:SM1"]);
    assert!(again.sends.is_empty());
    assert_eq!(again.suppressed, 1);
    let stop = plan_for(&practice, &Sender::Unknown, "STOP");
    assert_eq!(claims(&stop)[1], "optout-confirm:+14155552671:2026-03-10");
}

#[test]
fn replies_come_from_the_practice_number_or_else_the_number_texted() {
    let mut s = settings();
    let p = practice(s.clone());
    let plan = plan_for(&p, &known(patient("a")), "hi");
    let Delivery::Sms(sms) = &plan.sends[0].delivery else {
        panic!("an SMS")
    };
    assert_eq!(sms.from.as_ref().unwrap().as_str(), "+12125550143");
    s.sms_number = None;
    let p = practice(s);
    let msg = Inbound::new(
        Provider::Aws,
        "x",
        PATIENT_PHONE,
        Some("+12125550177"),
        "hi",
    )
    .unwrap();
    let sender = known(patient("a"));
    let plan = super::plan(&Input {
        practice: &p,
        inbound: &msg,
        sender: &sender,
        action: Action::FreeText,
        now: utc("2026-03-10T15:00:00Z"),
        unknown_reply_allowed: true,
    })
    .unwrap();
    let Delivery::Sms(sms) = &plan.sends[0].delivery else {
        panic!("an SMS")
    };
    assert_eq!(sms.from.as_ref().unwrap().as_str(), "+12125550177");
}

proptest! {
    #[test]
    fn any_text_gives_one_claim_one_inbound_entry_and_never_panics(
        text in ".{0,200}",
        known_sender in any::<bool>(),
        opted_out in any::<bool>(),
        replies in 0usize..6,
    ) {
        let practice = practice(settings());
        let mut p = patient("a");
        if opted_out {
            p.consents.opt_out(Channel::Sms, ConsentSource::PatientKeyword, office_hours());
        }
        p.thread.recent_auto_replies = vec![office_hours(); replies];
        let sender = if known_sender { known(p) } else { Sender::Unknown };
        let plan = plan_for(&practice, &sender, &text);
        let inbound_claims = claims(&plan).iter().filter(|k| k.starts_with("inbound:")).count();
        prop_assert_eq!(inbound_claims, 1);
        let inbound = messages(&plan).iter().filter(|m| m.direction == Direction::Inbound).count();
        prop_assert_eq!(inbound, 1);
        // Every send has its timeline entry, and nothing goes to an opted-out patient.
        for s in &plan.sends {
            prop_assert!(messages(&plan).iter().any(|m| m.message_id == s.record.message_id));
        }
        if known_sender && opted_out {
            let action = plan.action;
            let to_patient = plan.sends.iter().filter(|s| s.recipient == Recipient::Patient).count();
            prop_assert!(to_patient == 0 || matches!(action, Action::OptIn | Action::Help), "{:?}", action);
        }
        prop_assert!(plan.writes.len() <= 100);
    }
}
