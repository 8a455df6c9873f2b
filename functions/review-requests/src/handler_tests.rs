//! Handler tests over the in-memory store and recording senders: every rule, fast. The
//! same flows run against moto, through the real adapters, in `tests/`.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use frontdesk::deliver::Senders;
use frontdesk::domain::{
    Appointment, AppointmentStatus, Channel, ConsentSource, Consents, Decision, DueKind,
    EmailAddress, MessageKind, Patient, PatientId, PhoneNumber, Practice, PracticeId,
    PracticeSettings, Priority, Purpose, Task, TaskId, TaskKind, TaskStatus,
};
use frontdesk::keys;
use frontdesk::planning;
use frontdesk::ports::{Expect, Key, Store, Write};
use frontdesk::sweep::{Deps, Job, SweepOptions};
use frontdesk::testing::{MemoryStore, RecordingEmail, RecordingSms};
use lambda_runtime::{Context, LambdaEvent};
use proptest::prelude::*;
use serde_json::json;

use super::*;

const REVIEW_URL: &str = "https://g.page/r/smile-dental/review";
const FEEDBACK_URL: &str = "https://smile.example/feedback";

use testkit::utc;

/// Tue 2026-03-10 13:00 in New York (EDT): the visit starts.
fn start() -> DateTime<Utc> {
    utc("2026-03-10T17:00:00Z")
}

/// Completed at 14:00 New York; the request is due two hours later, 16:00.
fn completed() -> DateTime<Utc> {
    start() + Duration::hours(1)
}

fn due_time() -> DateTime<Utc> {
    completed() + Duration::hours(2)
}

struct World {
    store: Arc<MemoryStore>,
    sms: Arc<RecordingSms>,
    email: Arc<RecordingEmail>,
    deps: Deps,
    practice: Practice,
}

fn practice_with(settings: impl FnOnce(&mut PracticeSettings)) -> Practice {
    let mut s = PracticeSettings {
        name: "Smile Dental".into(),
        time_zone: chrono_tz::America::New_York,
        sms_number: Some(PhoneNumber::parse_e164("+12125550199").unwrap()),
        email_from: Some(EmailAddress::parse("hello@smile.example").unwrap()),
        review_url: Some(REVIEW_URL.into()),
        feedback_url: Some(FEEDBACK_URL.into()),
        ..Default::default()
    };
    settings(&mut s);
    Practice {
        practice_id: PracticeId::parse("smile").unwrap(),
        settings: s,
        sms_provider: Default::default(),
        api_keys: vec![],
        created_at: start() - Duration::days(400),
        updated_at: start() - Duration::days(400),
    }
}

fn world_with(settings: impl FnOnce(&mut PracticeSettings)) -> World {
    let store = Arc::new(MemoryStore::new());
    let sms = Arc::new(RecordingSms::default());
    let email = Arc::new(RecordingEmail::default());
    let deps = Deps {
        store: store.clone(),
        senders: Senders {
            sms: sms.clone(),
            email: email.clone(),
        },
        options: SweepOptions::default(),
        governor: frontdesk::sweep::Governor::unlimited(),
    };
    World {
        store,
        sms,
        email,
        deps,
        practice: practice_with(settings),
    }
}

fn world() -> World {
    world_with(|_| {})
}

fn patient(id: &str, channel: Channel) -> Patient {
    let mut p = testkit::fixtures::patient("smile", id, channel);
    p.phone = Some(testkit::fixtures::phone("+12125550123"));
    p.email = Some(testkit::fixtures::email("ana@example.com"));
    let t = start() - Duration::days(400);
    p.consents.set(
        channel,
        MessageKind::Reviews,
        true,
        ConsentSource::PatientForm,
        t,
    );
    p
}

fn appointment(id: &str, patient: &Patient, starts_at: DateTime<Utc>) -> Appointment {
    let mut a = testkit::fixtures::visit(id, patient, starts_at, starts_at - Duration::days(7));
    a.provider = Some("Dr. Ruiz".into());
    a.status = AppointmentStatus::Completed;
    a.updated_at = starts_at + Duration::hours(1);
    a.version = 3;
    a
}

impl World {
    /// Writes the practice, the patient (only if new) and a visit completed one hour after
    /// its start, with its review request planned the way the Practice API plans it.
    async fn visit(&self, patient: &Patient, id: &str, starts_at: DateTime<Utc>) -> DueWork {
        self.visit_with_status(patient, id, starts_at, AppointmentStatus::Completed)
            .await
    }

    async fn visit_with_status(
        &self,
        patient: &Patient,
        id: &str,
        starts_at: DateTime<Utc>,
        status: AppointmentStatus,
    ) -> DueWork {
        let mut appt = appointment(id, patient, starts_at);
        let completed_at = starts_at + Duration::hours(1);
        let planned = planning::plan(
            &appt,
            patient.zone(self.practice.settings.time_zone),
            &self.practice.settings,
            completed_at,
        );
        assert_eq!(planned.len(), 1);
        appt.planned_due = planned.iter().map(keys::due_key_of).collect();
        appt.status = status;
        let mut writes = vec![
            Write::Practice {
                practice: Box::new(self.practice.clone()),
                expect_absent: false,
            },
            Write::Appointment {
                appointment: Box::new(appt),
                expect: Expect::Any,
            },
            Write::Due(Box::new(planned[0].clone())),
        ];
        let known = self
            .store
            .get_many(
                &self.practice.practice_id,
                &[Key::Patient(patient.patient_id.clone())],
            )
            .await
            .unwrap()
            .patient(&patient.patient_id)
            .is_some();
        if !known {
            writes.push(Write::Patient {
                patient: Box::new(patient.clone()),
                expect: Expect::Absent,
                previous_phone: None,
            });
        }
        self.store.write(writes).await.unwrap();
        planned[0].clone()
    }

    async fn patient(&self, id: &PatientId) -> Patient {
        self.store
            .get_many(&self.practice.practice_id, &[Key::Patient(id.clone())])
            .await
            .unwrap()
            .patient(id)
            .unwrap()
            .clone()
    }

    async fn timeline(&self, id: &PatientId) -> Vec<frontdesk::domain::Message> {
        self.store
            .timeline(&self.practice.practice_id, id, None, 100)
            .await
            .unwrap()
            .items
    }

    fn tasks(&self) -> Vec<Task> {
        self.store.all_tasks(&self.practice.practice_id)
    }

    fn sent_count(&self) -> usize {
        self.sms.sent().len() + self.email.sent().len()
    }

    async fn last_decision(&self, id: &PatientId) -> Decision {
        self.timeline(id).await.pop().unwrap().decision
    }
}

#[tokio::test]
async fn the_request_waits_for_the_delay_and_goes_out_once_with_both_links() {
    let w = world();
    let p = patient("pt1", Channel::Sms);
    let due = w.visit(&p, "a1", start()).await;
    assert_eq!(due.kind, DueKind::ReviewRequest);
    assert_eq!(due.due_at, due_time());

    let early = run(&w.deps, due_time() - Duration::minutes(1))
        .await
        .unwrap();
    assert_eq!(early.claimed, 0);
    assert_eq!(w.sent_count(), 0);

    let r = run(&w.deps, due_time()).await.unwrap();
    assert_eq!(r.outcomes.get("sent"), Some(&1), "{r:?}");
    let sent = w.sms.sent();
    assert_eq!(sent.len(), 1);
    let body = &sent[0].body;
    assert!(body.contains(REVIEW_URL), "{body}");
    assert!(body.contains(FEEDBACK_URL), "{body}");
    assert!(body.contains("Reply STOP"), "{body}");
    assert!(
        !body.contains("root canal") && !body.contains("Dr. Ruiz"),
        "{body}"
    );

    let stored = w.patient(&p.patient_id).await;
    assert_eq!(stored.last_review_request_at, Some(due_time()));
    assert_eq!(stored.recent_automated, vec![due_time()]);
    let timeline = w.timeline(&p.patient_id).await;
    assert_eq!(timeline.len(), 1);
    assert_eq!(timeline[0].purpose, Purpose::ReviewRequest);
    assert!(matches!(timeline[0].decision, Decision::Sent { .. }));
    assert!(w.store.all_due(&w.practice.practice_id).is_empty());

    run(&w.deps, due_time() + Duration::minutes(15))
        .await
        .unwrap();
    assert_eq!(w.sent_count(), 1, "one per visit");
}

#[tokio::test]
async fn without_a_feedback_url_the_private_path_is_replying() {
    let w = world_with(|s| s.feedback_url = None);
    let p = patient("pt1", Channel::Sms);
    w.visit(&p, "a1", start()).await;
    run(&w.deps, due_time()).await.unwrap();
    let body = &w.sms.sent()[0].body;
    assert!(body.contains(REVIEW_URL), "{body}");
    assert!(body.contains("reply to this message"), "{body}");
}

#[tokio::test]
async fn an_email_patient_gets_an_email_with_the_same_links_and_no_text() {
    let w = world();
    let p = patient("pt1", Channel::Email);
    w.visit(&p, "a1", start()).await;
    let r = run(&w.deps, due_time()).await.unwrap();
    assert_eq!(r.outcomes.get("sent"), Some(&1), "{r:?}");
    assert!(w.sms.sent().is_empty());
    let email = w.email.sent().pop().unwrap();
    assert_eq!(email.to.as_str(), "ana@example.com");
    assert!(email.text.contains(REVIEW_URL) && email.text.contains(FEEDBACK_URL));
}

#[tokio::test]
async fn a_visit_completed_in_the_evening_waits_for_office_friendly_hours() {
    let w = world();
    let p = patient("pt1", Channel::Sms);
    // Friday 2026-03-13, starts 16:00 New York, completed 17:00, due 19:00: too late.
    let friday = utc("2026-03-13T20:00:00Z");
    let due = w.visit(&p, "a1", friday).await;
    assert_eq!(due.due_at, utc("2026-03-13T23:00:00Z"));
    let r = run(&w.deps, due.due_at).await.unwrap();
    assert_eq!(
        r.outcomes.get("waiting_for_office_hours"),
        Some(&1),
        "{r:?}"
    );
    assert_eq!(w.sent_count(), 0);
    let waiting = w.store.all_due(&w.practice.practice_id).pop().unwrap();
    let monday_nine = utc("2026-03-16T13:00:00Z");
    assert_eq!(waiting.due_at, monday_nine, "Monday 09:00 New York");
    assert_eq!(waiting.attempts, 0);
    assert!(matches!(
        w.last_decision(&p.patient_id).await,
        Decision::Deferred { until } if until == monday_nine
    ));
    // Nothing over the weekend.
    for at in ["2026-03-14T15:00:00Z", "2026-03-15T15:00:00Z"] {
        run(&w.deps, utc(at)).await.unwrap();
    }
    assert_eq!(w.sent_count(), 0);
    let r = run(&w.deps, monday_nine).await.unwrap();
    assert_eq!(r.outcomes.get("sent"), Some(&1), "{r:?}");
}

#[tokio::test]
async fn the_cap_holds_across_visits_and_lifts_after_it() {
    let w = world_with(|s| s.review_cap_days = 90);
    let p = patient("pt1", Channel::Sms);
    w.visit(&p, "a1", start()).await;
    run(&w.deps, due_time()).await.unwrap();
    assert_eq!(w.sent_count(), 1);

    let second = start() + Duration::days(30);
    w.visit(&p, "a2", second).await;
    let r = run(&w.deps, second + Duration::hours(3)).await.unwrap();
    assert_eq!(r.outcomes.get("suppressed_cap"), Some(&1), "{r:?}");
    assert_eq!(w.sent_count(), 1);
    assert!(matches!(
        w.last_decision(&p.patient_id).await,
        Decision::Suppressed { reason } if reason.contains("90 days")
    ));

    let third = start() + Duration::days(91);
    w.visit(&p, "a3", third).await;
    let r = run(&w.deps, third + Duration::hours(3)).await.unwrap();
    assert_eq!(r.outcomes.get("sent"), Some(&1), "{r:?}");
    assert_eq!(w.sent_count(), 2);
}

#[tokio::test]
async fn two_visits_of_one_patient_in_one_run_make_one_request() {
    let w = world();
    let p = patient("pt1", Channel::Sms);
    w.visit(&p, "a1", start()).await;
    w.visit(&p, "a2", start()).await;
    // The engine hands the patient's visits over one after another, the second on the
    // patient as the first request left them: capped in the same run.
    let r = run(&w.deps, due_time()).await.unwrap();
    assert_eq!(r.outcomes.get("sent"), Some(&1), "{r:?}");
    assert_eq!(r.outcomes.get("suppressed_cap"), Some(&1), "{r:?}");
    assert_eq!(w.sent_count(), 1);
    assert!(w.store.all_due(&w.practice.practice_id).is_empty());
}

#[tokio::test]
async fn no_show_and_cancelled_visits_are_never_asked() {
    for status in [AppointmentStatus::NoShow, AppointmentStatus::Cancelled] {
        let w = world();
        let p = patient("pt1", Channel::Sms);
        w.visit_with_status(&p, "a1", start(), status).await;
        let r = run(&w.deps, due_time()).await.unwrap();
        assert_eq!(
            r.outcomes.get("suppressed_not_completed"),
            Some(&1),
            "{r:?}"
        );
        assert_eq!(w.sent_count(), 0);
        assert!(w.tasks().is_empty());
        assert_eq!(w.patient(&p.patient_id).await.last_review_request_at, None);
    }
}

#[tokio::test]
async fn a_practice_without_a_review_url_sends_nothing_and_says_why() {
    let w = world_with(|s| s.review_url = None);
    let p = patient("pt1", Channel::Sms);
    w.visit(&p, "a1", start()).await;
    let r = run(&w.deps, due_time()).await.unwrap();
    assert_eq!(
        r.outcomes.get("suppressed_no_review_url"),
        Some(&1),
        "{r:?}"
    );
    assert_eq!(w.sent_count(), 0);
    assert_eq!(
        w.last_decision(&p.patient_id).await,
        Decision::Suppressed {
            reason: "practice has no review_url".into()
        }
    );
}

#[tokio::test]
async fn an_open_or_resolved_complaint_never_holds_the_request() {
    // Holding requests from unhappy patients is review gating (Google forbids it).
    for (status, sent) in [(TaskStatus::Open, 1), (TaskStatus::Resolved, 1)] {
        let w = world();
        let mut p = patient("pt1", Channel::Sms);
        let complaint = Task {
            status,
            patient_id: Some(p.patient_id.clone()),
            ..Task::open(
                p.practice_id.clone(),
                TaskId::generate(),
                TaskKind::FeedbackFollowUp,
                Priority::High,
                "Follow up on feedback",
                "A low rating",
                start(),
            )
        };
        p.open_feedback_task = Some(complaint.task_id.clone());
        w.store
            .write(vec![Write::Task(Box::new(complaint))])
            .await
            .unwrap();
        w.visit(&p, "a1", start()).await;
        let r = run(&w.deps, due_time()).await.unwrap();
        assert_eq!(w.sent_count(), sent, "{status:?}: {r:?}");
        assert_eq!(r.outcomes.get("sent"), Some(&1), "{status:?}: {r:?}");
        assert_eq!(r.outcomes.get("suppressed_open_feedback"), None);
    }
}

#[tokio::test]
async fn without_review_consent_nothing_is_sent_on_any_channel() {
    let w = world();
    let mut p = patient("pt1", Channel::Sms);
    p.consents = Consents::default();
    for channel in [Channel::Sms, Channel::Email] {
        p.consents.set(
            channel,
            MessageKind::Care,
            true,
            ConsentSource::PatientForm,
            start(),
        );
    }
    p.consents.set(
        Channel::Email,
        MessageKind::Reviews,
        true,
        ConsentSource::PatientForm,
        start(),
    );
    w.visit(&p, "a1", start()).await;
    let r = run(&w.deps, due_time()).await.unwrap();
    assert_eq!(r.outcomes.get("suppressed"), Some(&1), "{r:?}");
    assert_eq!(
        w.sent_count(),
        0,
        "never email instead of the preferred sms"
    );
    assert!(w.tasks().is_empty(), "staff never chase review consent");
    assert_eq!(w.patient(&p.patient_id).await.last_review_request_at, None);
}

#[tokio::test]
async fn an_opted_out_patient_gets_nothing() {
    let w = world();
    let mut p = patient("pt1", Channel::Sms);
    p.consents
        .opt_out(Channel::Sms, ConsentSource::PatientKeyword, start());
    w.visit(&p, "a1", start()).await;
    run(&w.deps, due_time()).await.unwrap();
    assert_eq!(w.sent_count(), 0);
}

#[tokio::test]
async fn a_voice_patient_gets_a_low_priority_note_for_the_next_call_and_no_message() {
    let w = world();
    let p = patient("pt1", Channel::Voice);
    w.visit(&p, "a1", start()).await;
    let r = run(&w.deps, due_time()).await.unwrap();
    assert_eq!(r.outcomes.get("voice_note"), Some(&1), "{r:?}");
    assert_eq!(w.sent_count(), 0);
    let tasks = w.tasks();
    assert_eq!(tasks.len(), 1);
    let note = &tasks[0];
    assert_eq!(note.priority, Priority::Low);
    assert!(
        note.title.contains("no separate call needed"),
        "{}",
        note.title
    );
    let script = note.script.as_deref().unwrap();
    assert!(
        script.contains(REVIEW_URL) && script.contains(FEEDBACK_URL),
        "{script}"
    );
    assert_eq!(
        w.patient(&p.patient_id).await.last_review_request_at,
        Some(due_time())
    );
    let timeline = w.timeline(&p.patient_id).await;
    assert_eq!(timeline[0].channel, Channel::Voice);
    assert!(matches!(timeline[0].decision, Decision::StaffTask { .. }));
    // The note counts for the cap: the next visit adds no second note.
    let next = start() + Duration::days(10);
    w.visit(&p, "a2", next).await;
    run(&w.deps, next + Duration::hours(3)).await.unwrap();
    assert_eq!(w.tasks().len(), 1);
}

#[tokio::test]
async fn overlapping_sweeps_send_once() {
    let w = world();
    for i in 0..20 {
        let p = patient(&format!("pt{i}"), Channel::Sms);
        w.visit(&p, &format!("a{i}"), start()).await;
    }
    let (a, b, c) = tokio::join!(
        run(&w.deps, due_time()),
        run(&w.deps, due_time()),
        run(&w.deps, due_time())
    );
    let claimed: usize = [a, b, c].into_iter().map(|r| r.unwrap().claimed).sum();
    assert_eq!(claimed, 20);
    assert_eq!(w.sms.sent().len(), 20);
}

#[tokio::test]
async fn a_stale_patient_in_the_batch_is_re_read_after_the_send_and_not_sent_again() {
    let w = world();
    let p = patient("pt1", Channel::Sms);
    let due = w.visit(&p, "a1", start()).await;
    let batch = sweep::read_batch(w.store.as_ref(), std::slice::from_ref(&due))
        .await
        .unwrap();
    // The patient changes after the batch was read (an inbound text, a PMS update).
    let mut changed = w.patient(&p.patient_id).await;
    changed.first_name = "Anna".into();
    changed.version += 1;
    w.store
        .write(vec![Write::Patient {
            patient: Box::new(changed),
            expect: Expect::Version(1),
            previous_phone: None,
        }])
        .await
        .unwrap();
    let claimed = w
        .store
        .claim_due(&due, due_time() + Duration::minutes(10))
        .await
        .unwrap()
        .unwrap();
    let handler = ReviewRequests::for_run(&w.deps);
    let snapshot = Snapshot::from_batch(&batch, &claimed);
    let handled = handler
        .handle(Claimed::new(claimed, snapshot, due_time()))
        .await
        .unwrap();
    assert_eq!(handled, Handled::Done("sent"));
    assert_eq!(w.sms.sent().len(), 1);
    let stored = w.patient(&p.patient_id).await;
    assert_eq!(stored.first_name, "Anna", "the concurrent change is kept");
    assert_eq!(stored.last_review_request_at, Some(due_time()));
}

#[tokio::test]
async fn a_provider_outage_fails_the_run_and_the_request_comes_back() {
    let w = world();
    let p = patient("pt1", Channel::Sms);
    w.visit(&p, "a1", start()).await;
    *w.sms.fail_with.lock().unwrap() = Some(frontdesk::Error::SendUnavailable(
        "SNS Publish: timed out".into(),
    ));
    let event = json!({"time": due_time().to_rfc3339()});
    let err = crate::handle(&w.deps, LambdaEvent::new(event, Default::default()))
        .await
        .unwrap_err();
    assert!(err.error_type.ends_with(".AllFailed"), "{}", err.error_type);
    assert_eq!(w.patient(&p.patient_id).await.last_review_request_at, None);
    *w.sms.fail_with.lock().unwrap() = None;
    let r = run(&w.deps, due_time() + Duration::minutes(15))
        .await
        .unwrap();
    assert_eq!(r.outcomes.get("sent"), Some(&1), "{r:?}");
}

#[tokio::test]
async fn the_handler_takes_now_from_the_scheduled_event_and_returns_the_report() {
    let w = world();
    let p = patient("pt1", Channel::Sms);
    w.visit(&p, "a1", start()).await;
    let fixture: serde_json::Value =
        serde_json::from_str(include_str!("../tests/fixtures/scheduled-event.json")).unwrap();
    assert_eq!(fixture["time"], json!("2026-03-10T20:00:00Z"));
    let out = handle(&w.deps, LambdaEvent::new(fixture, Context::default()))
        .await
        .unwrap();
    assert_eq!(out["outcomes"]["sent"], json!(1), "{out}");
    let bad = handle(
        &w.deps,
        LambdaEvent::new(json!({"time": "soon"}), Context::default()),
    )
    .await
    .unwrap_err();
    assert_eq!(bad.error_type, "ReviewRequests.BadEvent");
}

/// Varied patients: names with odd characters, zones, histories, channels, new or not,
/// waivers, no-show counts, ages. None of it may change the link.
fn varied_patient(i: usize, seed: u64) -> Patient {
    let channel = if (seed + i as u64) % 2 == 0 {
        Channel::Sms
    } else {
        Channel::Email
    };
    let mut p = patient(&format!("pt{i}"), channel);
    let names = [
        "Ana", "Zoë", "O'Brien", "李", "Jean-Luc", "  Bob \n", "", "Ñandú",
    ];
    p.first_name = names[(seed as usize + i) % names.len()].into();
    p.last_name = names[(seed as usize + 3 * i) % names.len()].into();
    p.no_show_count = ((seed >> 3) % 5) as u32;
    p.new_patient = seed % 3 == 0;
    p.voicemail_waiver = seed % 5 == 0;
    p.time_zone = [
        None,
        Some(chrono_tz::America::Chicago),
        Some(chrono_tz::America::Los_Angeles),
    ][(seed as usize + i) % 3];
    p.birth_date =
        chrono::NaiveDate::from_ymd_opt(1940 + (seed % 80) as i32, 1 + (i % 12) as u32, 1);
    p.thread.exchanges_since_resolution = (seed % 7) as u32;
    p
}

fn links_in(w: &World) -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = w
        .sms
        .sent()
        .into_iter()
        .map(|s| s.body)
        .chain(w.email.sent().into_iter().map(|e| e.text))
        .map(|body| {
            let review = body
                .split_whitespace()
                .filter(|t| t.starts_with("https://g.page"))
                .collect::<Vec<_>>()
                .join(" ");
            (review, body.contains(FEEDBACK_URL))
        })
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn every_patient_gets_the_identical_public_link_and_the_private_path() {
    let w = world();
    let n = 40;
    for i in 0..n {
        let p = varied_patient(i, i as u64 * 7919);
        w.visit(&p, &format!("a{i}"), start() + Duration::minutes(i as i64))
            .await;
    }
    let r = run(&w.deps, utc("2026-03-10T21:00:00Z")).await.unwrap();
    assert_eq!(r.outcomes.get("sent"), Some(&n), "{r:?}");
    let links = links_in(&w);
    assert_eq!(links.len(), n);
    assert!(
        links.iter().all(|l| *l == (REVIEW_URL.to_string(), true)),
        "{links:?}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// No review gating: whatever the patient's data, an eligible patient gets exactly the
    /// practice's public link and the private feedback path, never anything else.
    #[test]
    fn no_patient_data_changes_the_link(
        seed in any::<u64>(),
        i in 0usize..1000,
        minutes in 0i64..(60 * 24 * 30),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let w = world();
            let p = varied_patient(i, seed);
            let starts = start() + Duration::minutes(minutes);
            let due = w.visit(&p, "a1", starts).await;
            // Run until it is handled (it may wait for office-friendly hours).
            let mut at = due.due_at;
            for _ in 0..5 {
                run(&w.deps, at).await.unwrap();
                match w.store.all_due(&w.practice.practice_id).pop() {
                    Some(d) => at = d.due_at.max(at),
                    None => break,
                }
            }
            let links = links_in(&w);
            prop_assert_eq!(links, vec![(REVIEW_URL.to_string(), true)]);
            Ok(())
        })?;
    }
}

#[path = "sentiment_tests.rs"]
mod sentiment;
