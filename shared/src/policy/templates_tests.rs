//! Tests of the message templates: wording, minimum necessary, length, and safety.

use chrono::{DateTime, Utc};
use proptest::prelude::*;

use crate::domain::{Appointment, Channel, Patient, PhoneNumber, PracticeSettings};
use crate::policy::keywords::{classify, Intent};
use crate::policy::template_context::{
    EmergencyForwardContext, NoShowContext, ReminderContext, ReplyContext, ReviewContext,
};
use crate::policy::template_text::TEMPLATES;
use crate::policy::templates::{self, acknowledgement, check_templates, render, reply, Reply};
use crate::policy::test_fixtures::{appointment, patient, practice, utc};
use crate::Error;

/// Tue Mar 10 2026, 2:30 PM in New York (EDT).
const STARTS: &str = "2026-03-10T18:30:00Z";

fn reminder(p: &PracticeSettings, pat: &Patient, kind: Option<&str>) -> ReminderContext {
    ReminderContext::new(p, pat, &appointment(STARTS, kind)).unwrap()
}

fn no_show(p: &PracticeSettings, pat: &Patient, now: &str) -> NoShowContext {
    NoShowContext::new(p, pat, &appointment(STARTS, Some("root canal")), utc(now)).unwrap()
}

fn replies() -> Vec<Reply> {
    let mut all = vec![
        Reply::OfficeHoursAck,
        Reply::AfterHours,
        Reply::Help,
        Reply::OptOutConfirmation,
        Reply::OptInConfirmation,
        Reply::CancelClarification,
        Reply::ConfirmThanks {
            appointment_at: Some(utc(STARTS)),
        },
        Reply::ConfirmThanks {
            appointment_at: None,
        },
        Reply::RescheduleAck,
        Reply::Emergency {
            on_call_alerted: true,
        },
        Reply::Emergency {
            on_call_alerted: false,
        },
        Reply::CallSuggestion,
        Reply::CallRequestAck,
    ];
    all.extend(
        Channel::ALL
            .into_iter()
            .map(|channel| Reply::ChannelSwitchAck { channel }),
    );
    all.extend((1..=5).map(|rating| Reply::RatingThanks { rating }));
    all
}

/// Every text a patient can receive by SMS, for a typical practice and patient.
fn all_sms(p: &PracticeSettings, pat: &Patient, now: DateTime<Utc>) -> Vec<String> {
    let r = reminder(p, pat, Some("cleaning"));
    let mut out = vec![
        templates::reminder_sms(&r).unwrap(),
        templates::day_of_note_sms(&r).unwrap(),
        templates::no_show_follow_up_sms(&no_show(p, pat, "2026-03-11T14:00:00Z")).unwrap(),
        templates::review_request_sms(&ReviewContext::new(p, pat).unwrap()).unwrap(),
    ];
    let ctx = ReplyContext::new(p, Some(pat), now).unwrap();
    out.extend(replies().into_iter().map(|r| reply(&ctx, r).unwrap()));
    out
}

fn assert_clean(text: &str) {
    assert!(!text.contains("{{") && !text.contains("{%"), "{text}");
    assert!(!text.contains("  "), "double space in {text:?}");
    assert!(!text.contains(" ."), "space before full stop in {text:?}");
    for word in text.split(|c: char| !c.is_alphanumeric()) {
        assert!(
            !matches!(word, "none" | "None" | "undefined" | "null"),
            "{text:?}"
        );
    }
}

#[test]
fn every_template_compiles() {
    check_templates().unwrap();
    assert!(TEMPLATES.len() >= 30);
}

#[test]
fn a_missing_variable_is_an_error_not_an_empty_string() {
    let err = render(TEMPLATES[0].0, serde_json::json!({})).unwrap_err();
    assert!(
        matches!(err, Error::Config(ref m) if m.contains("reminder_sms")),
        "{err}"
    );
    assert!(render("no_such_template.txt", serde_json::json!({})).is_err());
}

#[test]
fn the_reminder_text_names_the_practice_and_the_local_time_and_asks_c_or_r() {
    let text = templates::reminder_sms(&reminder(&practice(), &patient(), None)).unwrap();
    assert_eq!(
        text,
        "Maple Street Dental: Hi Ana, your visit is Tue, Mar 10 at 2:30 PM. Reply C to \
         confirm or R to reschedule. Reply STOP to opt out."
    );
}

#[test]
fn reminders_never_ask_the_patient_to_reply_cancel() {
    let mut p = practice();
    p.include_procedure_details = true;
    let r = reminder(&p, &patient(), Some("cleaning"));
    let email = templates::reminder_email(&r).unwrap();
    let call = templates::reminder_call(&r).unwrap();
    for text in [
        templates::reminder_sms(&r).unwrap(),
        templates::day_of_note_sms(&r).unwrap(),
        email.subject,
        email.text,
        call.voicemail,
    ] {
        assert!(!text.to_lowercase().contains("cancel"), "{text}");
    }
}

#[test]
fn the_reminder_shows_the_time_on_the_patients_own_clock_labelled() {
    let mut pat = patient();
    pat.time_zone = Some(chrono_tz::America::Los_Angeles);
    let text = templates::reminder_sms(&reminder(&practice(), &pat, None)).unwrap();
    assert!(text.contains("Tue, Mar 10 at 11:30 AM PDT"), "{text}");
}

#[test]
fn the_procedure_is_named_only_when_the_practice_allows_it() {
    let pat = patient();
    let hidden = templates::reminder_sms(&reminder(&practice(), &pat, Some("root canal"))).unwrap();
    assert!(!hidden.contains("root canal"), "{hidden}");
    let mut p = practice();
    p.include_procedure_details = true;
    let shown = templates::reminder_sms(&reminder(&p, &pat, Some("root canal"))).unwrap();
    assert!(shown.contains("your root canal visit"), "{shown}");
}

#[test]
fn the_reminder_email_uses_the_same_words_as_the_text() {
    let email = templates::reminder_email(&reminder(&practice(), &patient(), None)).unwrap();
    assert_eq!(
        email.subject,
        "Reminder: your appointment at Maple Street Dental on Tue, Mar 10 at 2:30 PM"
    );
    for words in [
        "Hi Ana,",
        "appointment on Tue, Mar 10 at 2:30 PM",
        "Reply C to confirm or R to reschedule, or call us at (212) 555-0143.",
        "Reply STOP to opt out",
    ] {
        assert!(email.text.contains(words), "{words:?} in {}", email.text);
    }
    assert_clean(&email.text);
}

#[test]
fn the_reminder_voicemail_has_no_clinical_detail_without_a_waiver() {
    let mut p = practice();
    p.include_procedure_details = true;
    let pat = patient();
    let call = templates::reminder_call(&reminder(&p, &pat, Some("root canal"))).unwrap();
    assert!(!call.voicemail.contains("root canal"), "{}", call.voicemail);
    assert!(call.voicemail.contains("call us back at (212) 555-0143"));
    // The staff member sees it, marked as theirs only.
    assert!(call
        .script
        .contains("For your reference only, do not leave on voicemail: root canal."));
    assert!(call.script.contains("Ana Lopez at (212) 555-0111"));
    assert!(call.script.contains("with Dr. Chen"));
    assert!(call.script.contains("Only once you are speaking with Ana"));
    assert_clean(&call.script);

    let mut waived = pat.clone();
    waived.voicemail_waiver = true;
    let call = templates::reminder_call(&reminder(&p, &waived, Some("root canal"))).unwrap();
    assert!(
        call.voicemail.contains("your root canal appointment"),
        "{}",
        call.voicemail
    );
    // A waiver alone does not override the practice's choice for reminders.
    let call =
        templates::reminder_call(&reminder(&practice(), &waived, Some("root canal"))).unwrap();
    assert!(!call.voicemail.contains("root canal"));
}

#[test]
fn the_call_script_has_no_reference_line_when_there_is_no_procedure() {
    let call = templates::reminder_call(&reminder(&practice(), &patient(), None)).unwrap();
    assert!(!call.script.contains("reference"));
    assert!(call.script.contains(".\n\n1. Say"), "{}", call.script);
}

#[test]
fn confirmed_patients_get_a_short_day_of_note() {
    let r = reminder(&practice(), &patient(), None);
    assert_eq!(
        templates::day_of_note_sms(&r).unwrap(),
        "Maple Street Dental: Hi Ana, see you today at 2:30 PM. Reply R if you need to \
         reschedule. Reply STOP to opt out."
    );
    let email = templates::day_of_note_email(&r).unwrap();
    assert!(email.subject.contains("2:30 PM") && email.text.contains("today at 2:30 PM"));
}

#[test]
fn the_no_show_voicemail_is_caring_gives_the_direct_number_and_a_reason_to_call() {
    let call =
        templates::no_show_call(&no_show(&practice(), &patient(), "2026-03-10T19:00:00Z")).unwrap();
    let v = &call.voicemail;
    for words in [
        "Maple Street Dental",
        "directly at (212) 555-0143",
        "We missed you today and hope you're alright",
        "we're holding options to rebook soon",
    ] {
        assert!(v.contains(words), "{words:?} in {v}");
    }
    assert!(!v.contains("root canal"), "{v}");
    assert!(call
        .script
        .contains("We missed you today and hope you're alright"));
    assert!(call.script.contains("For your reference only"));
    assert_clean(v);
}

#[test]
fn with_a_voicemail_waiver_the_no_show_voicemail_may_name_the_appointment() {
    let mut pat = patient();
    pat.voicemail_waiver = true;
    let call =
        templates::no_show_call(&no_show(&practice(), &pat, "2026-03-10T19:00:00Z")).unwrap();
    assert!(call
        .voicemail
        .contains("We missed you today at your root canal appointment"));
}

#[test]
fn the_next_day_follow_up_is_caring_and_offers_a_way_to_rebook() {
    let n = no_show(&practice(), &patient(), "2026-03-11T14:00:00Z");
    let text = templates::no_show_follow_up_sms(&n).unwrap();
    assert_eq!(
        text,
        "Maple Street Dental: Hi Ana, we missed you yesterday and hope you're OK. Reply R \
         to rebook or call (212) 555-0143. Reply STOP to opt out."
    );
    let email = templates::no_show_follow_up_email(&n).unwrap();
    assert_eq!(email.subject, "We missed you, Ana");
    assert!(email
        .text
        .contains("Reply R to this email or call us at (212) 555-0143"));
    assert!(!email.text.contains("root canal"));
}

#[test]
fn the_review_request_offers_the_public_link_and_a_private_path_beside_it() {
    let mut p = practice();
    let text = templates::review_request_sms(&ReviewContext::new(&p, &patient()).unwrap()).unwrap();
    assert!(
        text.contains("https://g.page/r/maple-street-dental/review"),
        "{text}"
    );
    assert!(text.contains("Just reply to this message"), "{text}");
    p.feedback_url = Some("https://maple.example/feedback".into());
    let text = templates::review_request_sms(&ReviewContext::new(&p, &patient()).unwrap()).unwrap();
    assert!(
        text.contains("Tell us privately: https://maple.example/feedback"),
        "{text}"
    );
    let email =
        templates::review_request_email(&ReviewContext::new(&p, &patient()).unwrap()).unwrap();
    assert!(email
        .text
        .contains("https://g.page/r/maple-street-dental/review"));
    assert!(email.text.contains("https://maple.example/feedback"));
}

#[test]
fn every_patient_gets_the_identical_public_review_link() {
    let p = practice();
    let mut other = patient();
    other.first_name = "Bob".into();
    other.new_patient = true;
    other.no_show_count = 3;
    let link = p.review_url.clone().unwrap();
    for pat in [patient(), other] {
        let text = templates::review_request_sms(&ReviewContext::new(&p, &pat).unwrap()).unwrap();
        let found: Vec<&str> = text
            .split_whitespace()
            .filter(|w| w.starts_with("https://g.page"))
            .collect();
        assert_eq!(found, vec![link.as_str()]);
    }
}

#[test]
fn a_review_request_without_a_review_url_is_an_error_that_says_what_to_do() {
    let mut p = practice();
    p.review_url = None;
    let err = ReviewContext::new(&p, &patient()).unwrap_err();
    assert!(err.to_string().contains("PATCH /v1/practice"), "{err}");
}

#[test]
fn no_rating_is_answered_with_a_request_for_a_public_review() {
    let ctx = ReplyContext::new(&practice(), Some(&patient()), utc(STARTS)).unwrap();
    for rating in 1..=5 {
        let text = reply(&ctx, Reply::RatingThanks { rating }).unwrap();
        assert!(
            !text.contains("http") && !text.to_lowercase().contains("review"),
            "{text}"
        );
        assert_eq!(text.contains("reach out"), rating <= 3, "{text}");
    }
}

#[test]
fn the_after_hours_reply_says_when_a_person_will_answer_and_the_emergency_number() {
    let p = practice();
    // Friday 2026-03-13, 19:00 EDT: closed; next opening Monday 08:00.
    let now = utc("2026-03-13T23:00:00Z");
    assert_eq!(acknowledgement(&p, now), Reply::AfterHours);
    let ctx = ReplyContext::new(&p, Some(&patient()), now).unwrap();
    assert_eq!(
        reply(&ctx, Reply::AfterHours).unwrap(),
        "Maple Street Dental: Thanks for your message. We're closed; we'll reply when we \
         open on Monday at 8:00 AM. If it's life-threatening, call 911."
    );
    // Tuesday 2026-03-10, 06:00 EDT: opens today.
    let early = ReplyContext::new(&p, None, utc("2026-03-10T10:00:00Z")).unwrap();
    assert!(reply(&early, Reply::AfterHours)
        .unwrap()
        .contains("when we open today at 8:00 AM"));
}

#[test]
fn the_after_hours_opening_is_labelled_for_a_patient_in_another_zone() {
    let mut pat = patient();
    pat.time_zone = Some(chrono_tz::America::Los_Angeles);
    let ctx = ReplyContext::new(&practice(), Some(&pat), utc("2026-03-10T02:00:00Z")).unwrap();
    assert!(reply(&ctx, Reply::AfterHours)
        .unwrap()
        .contains("when we open tomorrow at 8:00 AM EDT"));
}

#[test]
fn an_after_hours_reply_still_works_when_the_office_never_opens() {
    let mut p = practice();
    p.office_hours = crate::domain::OfficeHours(Default::default());
    let ctx = ReplyContext::new(&p, None, utc(STARTS)).unwrap();
    assert!(reply(&ctx, Reply::AfterHours)
        .unwrap()
        .contains("we'll reply as soon as we can"));
}

#[test]
fn during_office_hours_the_acknowledgement_promises_a_reply_shortly() {
    let p = practice();
    let now = utc(STARTS); // Tuesday 14:30 EDT
    assert_eq!(acknowledgement(&p, now), Reply::OfficeHoursAck);
    let ctx = ReplyContext::new(&p, Some(&patient()), now).unwrap();
    assert_eq!(
        reply(&ctx, Reply::OfficeHoursAck).unwrap(),
        "Maple Street Dental: Thanks, Ana, we got your message. Someone from our team will \
         get back to you shortly."
    );
    assert!(reply(&ctx, Reply::RescheduleAck)
        .unwrap()
        .contains("We'll be in touch shortly to find a new time, or call us at (212) 555-0143."));
}

#[test]
fn the_help_reply_gives_the_practice_its_phone_and_how_to_opt_out() {
    let ctx = ReplyContext::new(&practice(), None, utc(STARTS)).unwrap();
    let text = reply(&ctx, Reply::Help).unwrap();
    for words in [
        "Maple Street Dental",
        "(212) 555-0143",
        "Reply STOP to opt out",
    ] {
        assert!(text.contains(words), "{text}");
    }
}

#[test]
fn the_opt_out_confirmation_is_one_plain_message_with_no_marketing() {
    let ctx = ReplyContext::new(&practice(), Some(&patient()), utc(STARTS)).unwrap();
    let text = reply(&ctx, Reply::OptOutConfirmation).unwrap();
    assert_eq!(
        text,
        "Maple Street Dental: You're unsubscribed and will get no more texts from us. Reply \
         START to resubscribe."
    );
    assert!(!text.contains("http"));
    let text = reply(&ctx, Reply::OptInConfirmation).unwrap();
    assert!(text.contains("Reply HELP for help, STOP to opt out"));
}

#[test]
fn the_cancel_clarification_separates_the_visit_from_the_texts() {
    let ctx = ReplyContext::new(&practice(), Some(&patient()), utc(STARTS)).unwrap();
    let text = reply(&ctx, Reply::CancelClarification).unwrap();
    assert!(text
        .to_lowercase()
        .contains("reply cancel visit to cancel your appointment, or stop to stop texts"));
    // The answers it suggests classify as intended.
    let kw = practice().emergency_keywords;
    assert_eq!(classify("CANCEL VISIT", &kw), Intent::CancelAppointment);
    assert!(crate::policy::keywords::is_cancel_visit("CANCEL VISIT"));
    assert_eq!(classify("STOP", &kw), Intent::OptOut);
}

#[test]
fn the_call_suggestion_reply_is_understood_when_the_patient_answers_it() {
    let ctx = ReplyContext::new(&practice(), Some(&patient()), utc(STARTS)).unwrap();
    let text = reply(&ctx, Reply::CallSuggestion).unwrap();
    assert!(text.contains("reply CALL ME"), "{text}");
    assert_eq!(classify("CALL ME", &[]), Intent::CallMe);
}

#[test]
fn confirm_thanks_names_the_appointment_time_when_known() {
    let ctx = ReplyContext::new(&practice(), Some(&patient()), utc(STARTS)).unwrap();
    assert_eq!(
        reply(
            &ctx,
            Reply::ConfirmThanks {
                appointment_at: Some(utc(STARTS))
            }
        )
        .unwrap(),
        "Maple Street Dental: Thanks, Ana! You're confirmed for Tue, Mar 10 at 2:30 PM. See \
         you then."
    );
}

#[test]
fn the_channel_switch_ack_names_the_channel_and_asks_for_a_missing_address() {
    let mut pat = patient();
    let ctx = ReplyContext::new(&practice(), Some(&pat), utc(STARTS)).unwrap();
    assert_eq!(
        reply(
            &ctx,
            Reply::ChannelSwitchAck {
                channel: Channel::Email
            }
        )
        .unwrap(),
        "Maple Street Dental: Done. We'll contact you by email from now on."
    );
    pat.email = None;
    let ctx = ReplyContext::new(&practice(), Some(&pat), utc(STARTS)).unwrap();
    let text = reply(
        &ctx,
        Reply::ChannelSwitchAck {
            channel: Channel::Email,
        },
    )
    .unwrap();
    assert!(
        text.contains("We don't have your email address yet"),
        "{text}"
    );
}

#[test]
fn the_emergency_reply_puts_the_emergency_number_first() {
    let ctx = ReplyContext::new(&practice(), Some(&patient()), utc(STARTS)).unwrap();
    let text = reply(
        &ctx,
        Reply::Emergency {
            on_call_alerted: true,
        },
    )
    .unwrap();
    assert!(text.starts_with(
        "Maple Street Dental: If this is life-threatening, call 911 now. We've alerted our \
         on-call team"
    ));
}

#[test]
fn the_emergency_forward_carries_only_what_is_needed_to_call_back() {
    let mut pat = patient();
    pat.last_name = "Lopez-Garcia".into();
    let received = utc("2026-03-10T03:15:00Z");
    let ctx = EmergencyForwardContext::new(&practice(), Some(&pat), None, received).unwrap();
    let text = templates::emergency_forward_sms(&ctx).unwrap();
    assert_eq!(
        text,
        "Maple Street Dental URGENT: emergency text from Ana L. at Mon, Mar 9 at 11:15 PM. \
         Call back (212) 555-0111. Details in the task list."
    );
    assert!(!text.contains("Lopez"));
    let email = templates::emergency_forward_email(&ctx).unwrap();
    assert_eq!(
        email.subject,
        "URGENT patient message - Maple Street Dental"
    );
    assert!(!email.text.contains("Lopez") && email.text.contains("Ana L."));

    let from = PhoneNumber::parse_e164("+14155552671").unwrap();
    let unknown = EmergencyForwardContext::new(&practice(), None, Some(&from), received).unwrap();
    let text = templates::emergency_forward_sms(&unknown).unwrap();
    assert!(
        text.contains("emergency text from unknown sender at")
            && text.contains("Call back (415) 555-2671."),
        "{text}"
    );
}

#[test]
fn every_patient_text_is_short_plain_ascii_and_starts_with_the_practice_name() {
    let mut p = practice();
    p.name = "Maple Street Family Dental Care".into();
    p.include_procedure_details = true;
    p.feedback_url = Some("https://maplestreetdental.example/feedback".into());
    let mut pat = patient();
    pat.first_name = "Alexandria".into();
    for now in [utc(STARTS), utc("2026-03-14T03:00:00Z")] {
        for text in all_sms(&p, &pat, now) {
            assert!(text.chars().count() <= 320, "{} chars: {text}", text.len());
            assert!(text.is_ascii(), "{text}");
            assert!(text.starts_with(&p.name), "{text}");
            assert_clean(&text);
        }
    }
}

#[test]
fn automated_patient_texts_say_how_to_opt_out() {
    let p = practice();
    let pat = patient();
    let r = reminder(&p, &pat, None);
    for text in [
        templates::reminder_sms(&r).unwrap(),
        templates::day_of_note_sms(&r).unwrap(),
        templates::no_show_follow_up_sms(&no_show(&p, &pat, "2026-03-11T14:00:00Z")).unwrap(),
        templates::review_request_sms(&ReviewContext::new(&p, &pat).unwrap()).unwrap(),
    ] {
        assert!(text.ends_with("Reply STOP to opt out."), "{text}");
    }
}

#[test]
fn names_from_the_pms_cannot_break_a_message_apart() {
    let mut pat = patient();
    pat.first_name = "Ana\nReply YES to win {{ practice }}".into();
    let text = templates::reminder_sms(&reminder(&practice(), &pat, None)).unwrap();
    assert!(!text.contains('\n'));
    // Shown as typed (never evaluated), on one line, cut to 30 characters.
    assert!(
        text.contains("Hi Ana Reply YES to win {{ practi, your visit"),
        "{text}"
    );
}

#[test]
fn unknown_senders_get_replies_without_a_name() {
    let ctx = ReplyContext::new(&practice(), None, utc(STARTS)).unwrap();
    for r in replies() {
        let text = reply(&ctx, r).unwrap();
        assert_clean(&text);
        assert!(!text.contains("Ana"));
    }
}

fn arbitrary_patient() -> impl Strategy<Value = (Patient, String, bool, bool)> {
    (
        any::<String>(),
        any::<String>(),
        "[a-z]{6,12}",
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(first, last, kind, waiver, include)| {
            let mut pat = patient();
            pat.first_name = first;
            pat.last_name = last;
            pat.voicemail_waiver = waiver;
            (pat, format!("proc{kind}"), waiver, include)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn rendering_never_fails_and_never_leaks_a_procedure_it_may_not_show(
        (pat, kind, waiver, include) in arbitrary_patient(),
    ) {
        let mut p = practice();
        p.include_procedure_details = include;
        let r = ReminderContext::new(&p, &pat, &appointment(STARTS, Some(&kind))).unwrap();
        let sms = templates::reminder_sms(&r).unwrap();
        let email = templates::reminder_email(&r).unwrap();
        let call = templates::reminder_call(&r).unwrap();
        prop_assert_eq!(sms.contains(&kind), include);
        prop_assert_eq!(email.text.contains(&kind), include);
        prop_assert!(!email.subject.contains(&kind));
        prop_assert!(!email.subject.contains('\n'));
        prop_assert_eq!(call.voicemail.contains(&kind), include && waiver);
        prop_assert!(!templates::day_of_note_sms(&r).unwrap().contains(&kind));

        let missed = appointment(STARTS, Some(&kind));
        let n = NoShowContext::new(&p, &pat, &missed, utc(STARTS)).unwrap();
        let call = templates::no_show_call(&n).unwrap();
        prop_assert_eq!(call.voicemail.contains(&kind), waiver);
        prop_assert!(!templates::no_show_follow_up_sms(&n).unwrap().contains(&kind));
        prop_assert!(!templates::no_show_follow_up_email(&n).unwrap().text.contains(&kind));

        let fwd = EmergencyForwardContext::new(&p, Some(&pat), None, utc(STARTS)).unwrap();
        prop_assert!(!templates::emergency_forward_sms(&fwd).unwrap().contains(&kind));

        let ctx = ReplyContext::new(&p, Some(&pat), utc(STARTS)).unwrap();
        for r in replies() {
            let text = reply(&ctx, r).unwrap();
            prop_assert!(!text.chars().any(|c| c.is_control()));
        }
        prop_assert!(!sms.chars().any(|c| c.is_control()));
    }
}

#[test]
fn a_reminder_context_for_an_appointment_is_built_from_domain_types() {
    // Guards the fixture the other tests use: the appointment is Tue 2:30 PM New York.
    let a: Appointment = appointment(STARTS, None);
    let ctx = ReminderContext::new(&practice(), &patient(), &a).unwrap();
    let json = serde_json::to_value(&ctx).unwrap();
    assert_eq!(json["when"], "Tue, Mar 10 at 2:30 PM");
    assert_eq!(json["procedure"], serde_json::Value::Null);
}
