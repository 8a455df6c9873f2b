//! The patient's own choices against PMS updates: examples, then properties over every
//! channel, source and time order.

use super::*;
use chrono::Duration;
use frontdesk::domain::{MessageKind, PatientId, PracticeId};
use proptest::prelude::*;

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

const STOP_AT: &str = "2026-03-01T10:00:00Z";

fn patient(preferred: Channel) -> Patient {
    let at = t("2026-01-01T00:00:00Z");
    let mut p = Patient::new(
        PracticeId::parse("prc_1").unwrap(),
        PatientId::parse("pt-1").unwrap(),
        "Ann",
        "Lee",
        preferred,
        at,
    );
    for ch in [Channel::Sms, Channel::Email] {
        p.consents.set(
            ch,
            MessageKind::Care,
            true,
            ConsentSource::PracticeStaff,
            at,
        );
    }
    p
}

fn stopped() -> Patient {
    let mut p = patient(Channel::Sms);
    p.consents
        .opt_out(Channel::Sms, ConsentSource::PatientKeyword, t(STOP_AT));
    p
}

fn staff(at: Option<&str>) -> PmsConsent {
    PmsConsent {
        source: ConsentSource::PracticeStaff,
        at: at.map(t),
    }
}

fn form(at: &str) -> PmsConsent {
    PmsConsent {
        source: ConsentSource::PatientForm,
        at: Some(t(at)),
    }
}

#[test]
fn a_pms_still_marking_sms_keeps_the_stop_and_says_why() {
    let p = stopped();
    let mut consents = p.consents.clone();
    let r = reconcile(
        Some(&p),
        Channel::Sms,
        &[Channel::Sms],
        &mut consents,
        staff(None),
    );
    assert!(consents.is_opted_out(Channel::Sms));
    assert_eq!(r.preferred, Channel::Sms);
    assert_eq!(r.kept.len(), 1, "{:?}", r.kept);
    assert_eq!(r.kept[0].field, "consents.sms");
    assert_eq!(r.kept[0].value, "opted_out");
    assert!(r.kept[0].reason.contains("by text at 2026-03-01T10:00:00Z"));
}

#[test]
fn a_staff_grant_newer_than_the_stop_does_not_lift_it() {
    let p = stopped();
    let mut consents = p.consents.clone();
    let r = reconcile(
        Some(&p),
        Channel::Sms,
        &[Channel::Sms],
        &mut consents,
        staff(Some("2026-04-01T00:00:00Z")),
    );
    assert!(consents.is_opted_out(Channel::Sms));
    assert_eq!(r.kept[0].field, "consents.sms");
}

#[test]
fn the_patients_newer_signed_form_lifts_the_stop_and_an_older_one_does_not() {
    let p = stopped();
    let mut older = p.consents.clone();
    let r = reconcile(
        Some(&p),
        Channel::Sms,
        &[Channel::Sms],
        &mut older,
        form("2026-02-01T00:00:00Z"),
    );
    assert!(older.is_opted_out(Channel::Sms));
    assert_eq!(r.kept.len(), 1);

    let mut newer = p.consents.clone();
    let r = reconcile(
        Some(&p),
        Channel::Sms,
        &[Channel::Sms],
        &mut newer,
        form("2026-03-02T00:00:00Z"),
    );
    assert!(!newer.is_opted_out(Channel::Sms));
    assert!(r.kept.is_empty(), "{:?}", r.kept);
}

#[test]
fn the_patients_channel_switch_stands_until_a_newer_pms_consent() {
    let mut p = patient(Channel::Email);
    p.channel_chosen_at = Some(t(STOP_AT));
    let mut c = p.consents.clone();
    let r = reconcile(Some(&p), Channel::Sms, &[], &mut c, staff(None));
    assert_eq!(r.preferred, Channel::Email);
    assert_eq!(r.channel_chosen_at, Some(t(STOP_AT)));
    assert_eq!(r.kept[0].field, "preferred_channel");
    assert_eq!(r.kept[0].requested, "sms");

    let r = reconcile(
        Some(&p),
        Channel::Sms,
        &[],
        &mut c,
        staff(Some("2026-03-05T00:00:00Z")),
    );
    assert_eq!(r.preferred, Channel::Sms);
    assert_eq!(r.channel_chosen_at, None);
    assert!(r.kept.is_empty());
}

#[test]
fn the_preferred_channel_never_moves_onto_an_opted_out_one() {
    let mut p = stopped();
    p.preferred_channel = Channel::Email;
    let mut c = p.consents.clone();
    let r = reconcile(Some(&p), Channel::Sms, &[], &mut c, staff(None));
    assert_eq!(r.preferred, Channel::Email);
    let fields: Vec<&str> = r.kept.iter().map(|k| k.field.as_str()).collect();
    assert_eq!(fields, ["consents.sms", "preferred_channel"]);
}

fn channel() -> impl Strategy<Value = Channel> {
    prop::sample::select(Channel::ALL.to_vec())
}

fn source() -> impl Strategy<Value = ConsentSource> {
    prop::sample::select(vec![
        ConsentSource::PracticeStaff,
        ConsentSource::PatientForm,
        ConsentSource::PatientKeyword,
    ])
}

proptest! {
    /// An opt-out is only ever lifted by the patient's own form dated after it, granting
    /// care on that channel; whatever is kept is reported.
    #[test]
    fn only_the_patients_newer_consent_lifts_an_opt_out(
        out_ch in channel(),
        requested in channel(),
        grant_out_ch in any::<bool>(),
        src in source(),
        offset_hours in proptest::option::of(-100i64..100),
    ) {
        let mut p = patient(Channel::Email);
        let stop = t(STOP_AT);
        p.consents.opt_out(out_ch, ConsentSource::PatientKeyword, stop);
        let grants: Vec<Channel> = if grant_out_ch { vec![out_ch] } else { vec![] };
        let pms = PmsConsent { source: src, at: offset_hours.map(|h| stop + Duration::hours(h)) };
        let mut c = p.consents.clone();
        let r = reconcile(Some(&p), requested, &grants, &mut c, pms);
        let may_lift = grant_out_ch
            && src == ConsentSource::PatientForm
            && offset_hours.is_some_and(|h| h > 0);
        prop_assert_eq!(c.is_opted_out(out_ch), !may_lift);
        if c.is_opted_out(out_ch) {
            if r.preferred == out_ch {
                prop_assert_eq!(p.preferred_channel, out_ch);
            }
            if grant_out_ch || requested == out_ch {
                let field = format!("consents.{out_ch}");
                prop_assert!(r.kept.iter().any(|k| k.field == field));
            }
        }
        if r.preferred != requested {
            prop_assert!(r.kept.iter().any(|k| k.field == "preferred_channel"));
        }
    }
}
