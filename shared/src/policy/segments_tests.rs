//! One text, one segment: every SMS template, rendered with a 25-character practice name and
//! a 12-character first name in its longest realistic context (the longest weekday and
//! month, two-digit hours, a zone label, a callback number), is GSM-7 only and fits its
//! segment budget. Care texts (reminders, confirmations, day-of notes, the no-show
//! follow-up, every keyword reply, the on-call alert) fit exactly 1 segment; a review
//! request at most 2. A wording change that would double the bill fails here.

use chrono::{DateTime, Duration, Utc};

use crate::domain::{Appointment, ClockTime, DayOfWeek, OpenWindow, Patient, PracticeSettings};
use crate::domain::{Channel, PhoneNumber};
use crate::policy::segments::{segment_count, Encoding};
use crate::policy::template_context::{
    EmergencyForwardContext, NoShowContext, ReminderContext, ReplyContext, ReviewContext,
};
use crate::policy::templates::{self, reply, Reply};
use crate::policy::test_fixtures::{appointment, patient, practice, utc};

const PRACTICE: &str = "Brookside Dental Partners";
const FIRST_NAME: &str = "Christabella";

/// Wed, Sep 30 2026, 12:30 PM in New York: the longest date and time the texts print.
const STARTS: &str = "2026-09-30T16:30:00Z";

fn long_practice(feedback: bool) -> PracticeSettings {
    let mut p = practice();
    p.name = PRACTICE.into();
    p.review_url = Some("https://g.page/r/CbX2kdQe9Jw8EAE/review".into());
    p.feedback_url = feedback.then(|| "https://brooksidedental.example/feedback".into());
    p
}

/// The patient, in the practice's zone or in another one (which adds a zone label).
fn long_patient(own_zone: bool) -> Patient {
    let mut p = patient();
    p.first_name = FIRST_NAME.into();
    p.last_name = "Montgomery-Whitfield".into();
    if own_zone {
        p.time_zone = Some(chrono_tz::America::Los_Angeles);
    }
    p
}

fn visit() -> Appointment {
    appointment(STARTS, Some("cleaning"))
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

/// Times to reply at: open, closed overnight (the next opening is "tomorrow"), and closed
/// for a long weekend (the next opening names a weekday, "on Wednesday at 10:30 AM").
fn reply_times(p: &mut PracticeSettings) -> Vec<DateTime<Utc>> {
    let window = || OpenWindow {
        open: ClockTime::parse("10:30").unwrap(),
        close: ClockTime::parse("17:00").unwrap(),
    };
    p.office_hours.0.clear();
    p.office_hours.0.insert(DayOfWeek::Wed, window());
    p.office_hours.0.insert(DayOfWeek::Thu, window());
    vec![
        utc("2026-09-30T15:00:00Z"),
        utc("2026-09-30T23:00:00Z"),
        utc("2026-10-03T15:00:00Z"),
    ]
}

/// Every care text a patient (or the on-call phone) can get by SMS, with a label.
fn care_texts() -> Vec<(String, String)> {
    let mut out = vec![];
    for own_zone in [false, true] {
        for procedure in [false, true] {
            let mut p = long_practice(false);
            p.include_procedure_details = procedure;
            let pat = long_patient(own_zone);
            let r = ReminderContext::new(&p, &pat, &visit()).unwrap();
            out.push(("reminder".into(), templates::reminder_sms(&r).unwrap()));
            out.push(("day-of".into(), templates::day_of_note_sms(&r).unwrap()));
        }
        let p = long_practice(false);
        let pat = long_patient(own_zone);
        for after in [Duration::hours(20), Duration::days(6), Duration::days(9)] {
            let ctx = NoShowContext::new(&p, &pat, &visit(), utc(STARTS) + after).unwrap();
            out.push((
                format!("no-show follow-up (+{after})"),
                templates::no_show_follow_up_sms(&ctx).unwrap(),
            ));
        }
        let mut p = long_practice(false);
        for now in reply_times(&mut p) {
            for known in [Some(&pat), None] {
                let ctx = ReplyContext::new(&p, known, now).unwrap();
                for r in replies() {
                    out.push((format!("{r:?} at {now}"), reply(&ctx, r).unwrap()));
                }
            }
        }
        let from = PhoneNumber::parse_e164("+14155552671").unwrap();
        for (known, unknown) in [(Some(&pat), None), (None, Some(&from))] {
            let ctx = EmergencyForwardContext::new(&p, known, unknown, utc("2026-09-30T23:59:00Z"))
                .unwrap();
            out.push((
                "emergency forward".into(),
                templates::emergency_forward_sms(&ctx).unwrap(),
            ));
        }
    }
    out
}

fn review_texts() -> Vec<String> {
    [false, true]
        .into_iter()
        .map(|feedback| {
            let ctx = ReviewContext::new(&long_practice(feedback), &long_patient(false)).unwrap();
            templates::review_request_sms(&ctx).unwrap()
        })
        .collect()
}

#[test]
fn the_long_names_are_as_long_as_promised() {
    assert_eq!(PRACTICE.chars().count(), 25);
    assert_eq!(FIRST_NAME.chars().count(), 12);
}

#[test]
fn every_care_text_is_gsm7_and_one_segment_with_long_names() {
    let texts = care_texts();
    assert!(texts.len() > 100);
    let mut over = vec![];
    for (label, text) in &texts {
        assert!(text.contains(PRACTICE), "{label}: {text}");
        let c = segment_count(text);
        assert_eq!(c.encoding, Encoding::Gsm7, "{label}: not GSM-7: {text}");
        if c.segments != 1 {
            over.push(format!("{label} ({} chars): {text}", c.units));
        }
    }
    assert!(over.is_empty(), "over one segment:\n{}", over.join("\n"));
}

#[test]
fn a_review_request_is_gsm7_and_at_most_two_segments_with_long_names() {
    for text in review_texts() {
        assert!(text.contains(FIRST_NAME), "{text}");
        let c = segment_count(&text);
        assert_eq!(c.encoding, Encoding::Gsm7, "{text}");
        assert!(c.segments <= 2, "{} units: {text}", c.units);
    }
}

#[test]
fn practice_written_text_may_leave_gsm7_but_the_wording_never_does() {
    // A practice name with a curly apostrophe is the practice's choice; the fixed words
    // around it stay GSM-7, so only that name's characters are outside the alphabet.
    let mut p = long_practice(false);
    p.name = "Dr. O\u{2019}Neill Dental".into();
    let r = ReminderContext::new(&p, &long_patient(false), &visit()).unwrap();
    let text = templates::reminder_sms(&r).unwrap();
    let outside: Vec<char> = text
        .chars()
        .filter(|c| crate::policy::segments::gsm7_units(*c).is_none())
        .collect();
    assert_eq!(outside, vec!['\u{2019}']);
}
