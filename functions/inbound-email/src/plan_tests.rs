//! The pure plan: consent changes by kind, the reply gate, and unverified mail.

use frontdesk::domain::{Channel, Decision, MessageKind, Priority, TaskKind};
use frontdesk::ports::Write;
use inbound_sms::plan::Action;
use testkit::fixtures::{email, patient, practice};
use testkit::time::utc;

use super::*;
use frontdesk::domain::ConsentSource;

fn mail(text: &str, kind: Option<MessageKind>) -> Mail {
    Mail {
        claim_key: "inbound:ses:m1".into(),
        from: email("ana@example.org"),
        subject: "Re: reminder".into(),
        text: text.into(),
        kind,
    }
}

fn sender() -> Sender {
    let mut p = patient("prc_a", "pt-1", Channel::Email);
    for k in MessageKind::ALL {
        p.consents.set(
            Channel::Email,
            k,
            true,
            ConsentSource::PatientForm,
            utc("2026-01-01T00:00:00Z"),
        );
    }
    Sender {
        patient: p,
        family: vec![],
        appointments: None,
        slots: vec![],
    }
}

fn written_patient(plan: &Plan) -> &Patient {
    plan.writes
        .iter()
        .find_map(|w| match w {
            Write::Patient { patient, .. } => Some(patient.as_ref()),
            _ => None,
        })
        .expect("the patient is written")
}

/// Tue 10:00 in New York: the office is open.
fn now() -> DateTime<Utc> {
    utc("2026-03-10T14:00:00Z")
}

#[test]
fn stop_to_an_automated_email_opts_out_of_that_kind_only_and_stop_all_of_all_email() {
    let pr = practice("prc_a", |_| {});
    let p = plan_known(
        &pr,
        &mail("STOP", Some(MessageKind::Reviews)),
        &sender(),
        Action::OptOut,
        now(),
    )
    .unwrap();
    let after = written_patient(&p);
    assert!(!after.consents.allows(Channel::Email, MessageKind::Reviews));
    assert!(after.consents.allows(Channel::Email, MessageKind::Care));
    assert!(!after.consents.is_opted_out(Channel::Email));
    assert!(after
        .consents
        .allows(Channel::Email, MessageKind::Marketing));
    let (reply, _) = p.reply.as_ref().expect("a confirmation");
    assert!(
        reply.text.contains("review request emails"),
        "{}",
        reply.text
    );

    for (text, kind) in [("STOP ALL", Some(MessageKind::Care)), ("stop", None)] {
        let p = plan_known(&pr, &mail(text, kind), &sender(), Action::OptOut, now()).unwrap();
        assert!(
            written_patient(&p).consents.is_opted_out(Channel::Email),
            "{text}"
        );
        assert!(
            !written_patient(&p).consents.is_opted_out(Channel::Sms),
            "never another channel"
        );
        let events = p
            .writes
            .iter()
            .filter(|w| matches!(w, Write::ConsentEvent(_)))
            .count();
        assert_eq!(events, 1, "one channel-wide change");
    }
}

#[test]
fn a_patient_opted_out_of_email_gets_no_automatic_reply_but_reaches_staff() {
    let pr = practice("prc_a", |_| {});
    let mut s = sender();
    s.patient
        .consents
        .opt_out(Channel::Email, ConsentSource::PatientKeyword, now());
    let p = plan_known(
        &pr,
        &mail("Can someone call me about my bill?", None),
        &s,
        Action::FreeText,
        now(),
    )
    .unwrap();
    assert!(p.reply.is_none());
    assert!(
        p.writes.iter().any(|w| matches!(w, Write::Waiting(_))),
        "in the inbox"
    );
    assert!(
        p.writes.iter().any(|w| matches!(w, Write::Message(m)
        if matches!(&m.decision, Decision::Suppressed { reason } if reason.contains("opted out"))))
    );
}

#[test]
fn every_email_is_answered_by_email_with_the_reply_address_of_the_patient() {
    let pr = practice("prc_a", |_| {});
    let p = plan_known(
        &pr,
        &mail("hello, a question", None),
        &sender(),
        Action::FreeText,
        now(),
    )
    .unwrap();
    let (reply, record) = p.reply.as_ref().expect("an acknowledgement");
    assert_eq!(reply.to, email("ana@example.org"));
    assert_eq!(reply.subject, "Re: reminder");
    assert_eq!(
        reply.patient.as_ref().map(|m| m.kind),
        Some(None),
        "a personal reply: Reply-To only"
    );
    assert_eq!(record.channel, Channel::Email);
}

#[test]
fn unverified_mail_is_one_low_priority_task_and_the_claim() {
    let pr = practice("prc_a", |_| {});
    let p = plan_unverified(&pr, "inbound:ses:m1", &["dkim"], now());
    assert!(p.reply.is_none());
    assert_eq!(p.writes.len(), 2);
    assert!(matches!(&p.writes[0], Write::Claim { key, .. } if key == "inbound:ses:m1"));
    assert!(
        matches!(&p.writes[1], Write::Task(t) if t.priority == Priority::Low && t.kind == TaskKind::InboxMessage && t.patient_id.is_none())
    );
}
