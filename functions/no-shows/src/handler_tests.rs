//! Handler tests over the in-memory store and recording senders: every rule, fast. The
//! same day is replayed against moto, through the real adapters, in `tests/`.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use frontdesk::deliver::Senders;
use frontdesk::domain::{
    Appointment, AppointmentId, AppointmentStatus, Channel, ConsentSource, Consents, Decision,
    DueKind, EmailAddress, MessageKind, Patient, PatientId, PhoneNumber, Practice, PracticeId,
    PracticeSettings, Priority, Purpose, TaskId, TaskKind, TaskStatus,
};
use frontdesk::keys;
use frontdesk::planning;
use frontdesk::ports::{Expect, Key, Store, Write};
use frontdesk::sweep::{Claimed, Deps, DueHandler, Job, Snapshot, SweepOptions};
use frontdesk::testing::{MemoryStore, RecordingEmail, RecordingSms};
use lambda_runtime::{Context, LambdaEvent};
use serde_json::json;

use super::*;

use testkit::utc;

/// Tue 2026-03-10 14:00 in New York (EDT).
fn start() -> DateTime<Utc> {
    utc("2026-03-10T18:00:00Z")
}

/// The check is due one minute after the start (default grace).
fn check_time() -> DateTime<Utc> {
    start() + Duration::minutes(1)
}

/// Wed 2026-03-11 09:00 in New York.
fn next_morning() -> DateTime<Utc> {
    utc("2026-03-11T13:00:00Z")
}

struct World {
    store: Arc<MemoryStore>,
    sms: Arc<RecordingSms>,
    email: Arc<RecordingEmail>,
    deps: Deps,
    practice: Practice,
}

fn world() -> World {
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
    let practice = Practice {
        practice_id: PracticeId::parse("smile").unwrap(),
        settings: PracticeSettings {
            name: "Smile Dental".into(),
            time_zone: chrono_tz::America::New_York,
            sms_number: Some(PhoneNumber::parse_e164("+12125550199").unwrap()),
            email_from: Some(EmailAddress::parse("hello@smile.example").unwrap()),
            callback_phone: Some(PhoneNumber::parse_e164("+12125550100").unwrap()),
            ..Default::default()
        },
        sms_provider: Default::default(),
        api_keys: vec![],
        created_at: start() - Duration::days(30),
        updated_at: start() - Duration::days(30),
    };
    World {
        store,
        sms,
        email,
        deps,
        practice,
    }
}

fn patient(id: &str, channel: Channel) -> Patient {
    let mut p = testkit::fixtures::patient("smile", id, channel);
    p.phone = Some(testkit::fixtures::phone("+12125550123"));
    p.email = Some(testkit::fixtures::email("ana@example.com"));
    p
}

fn appointment(id: &str, patient: &Patient, starts_at: DateTime<Utc>) -> Appointment {
    let mut a = testkit::fixtures::visit(id, patient, starts_at, start() - Duration::days(7));
    a.provider = Some("Dr. Ruiz".into());
    a
}

impl World {
    /// Writes the practice, the patient and the appointment with its planned work, the way
    /// the Practice API does (planned a week before).
    async fn seed(&self, patient: &Patient, appt: &Appointment) {
        let mut appt = appt.clone();
        let planned = planning::plan(
            &appt,
            patient.zone(self.practice.settings.time_zone),
            &self.practice.settings,
            start() - Duration::days(7),
        );
        appt.planned_due = planned.iter().map(keys::due_key_of).collect();
        let mut writes = vec![
            Write::Practice {
                practice: Box::new(self.practice.clone()),
                expect_absent: false,
            },
            Write::Patient {
                patient: Box::new(patient.clone()),
                expect: Expect::Any,
                previous_phone: None,
            },
            Write::Appointment {
                appointment: Box::new(appt),
                expect: Expect::Any,
            },
        ];
        // Only the no-shows sweep's work matters here.
        writes.extend(
            planned
                .into_iter()
                .filter(|d| d.kind.sweep() == Sweep::NoShows)
                .map(|d| Write::Due(Box::new(d))),
        );
        self.store.write(writes).await.unwrap();
    }

    async fn appointment(&self, id: &str) -> Appointment {
        let id = AppointmentId::parse(id).unwrap();
        self.store
            .get_many(&self.practice.practice_id, &[Key::Appointment(id.clone())])
            .await
            .unwrap()
            .appointment(&id)
            .unwrap()
            .clone()
    }

    async fn patient(&self, id: &str) -> Patient {
        let id = PatientId::parse(id).unwrap();
        self.store
            .get_many(&self.practice.practice_id, &[Key::Patient(id.clone())])
            .await
            .unwrap()
            .patient(&id)
            .unwrap()
            .clone()
    }

    async fn timeline(&self, id: &str) -> Vec<frontdesk::domain::Message> {
        self.store
            .timeline(
                &self.practice.practice_id,
                &PatientId::parse(id).unwrap(),
                None,
                100,
            )
            .await
            .unwrap()
            .items
    }

    fn tasks(&self) -> Vec<frontdesk::domain::Task> {
        self.store.all_tasks(&self.practice.practice_id)
    }

    fn nothing_sent(&self) -> bool {
        self.sms.sent().is_empty() && self.email.sent().is_empty()
    }

    async fn resolve(&self, task_id: &TaskId, resolution: &str) {
        let mut task = self
            .tasks()
            .into_iter()
            .find(|t| &t.task_id == task_id)
            .unwrap();
        task.status = TaskStatus::Resolved;
        task.resolution = Some(resolution.into());
        task.resolved_at = Some(start() + Duration::hours(1));
        self.store
            .write(vec![Write::Task(Box::new(task))])
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn a_missed_appointment_becomes_a_no_show_with_an_urgent_wellbeing_task_and_nothing_is_sent()
{
    let w = world();
    let p = patient("pt1", Channel::Sms);
    w.seed(&p, &appointment("a1", &p, start())).await;

    let early = run(&w.deps, start()).await.unwrap();
    assert_eq!(early.claimed, 0, "not before start + grace");

    let report = run(&w.deps, check_time()).await.unwrap();
    assert_eq!(report.outcomes.get("no_show"), Some(&1), "{report:?}");

    let a = w.appointment("a1").await;
    assert_eq!(a.status, AppointmentStatus::NoShow);
    assert_eq!(a.version, 2);
    let tasks = w.tasks();
    assert_eq!(tasks.len(), 1);
    let task = &tasks[0];
    assert_eq!(a.tasks, vec![task.task_id.clone()]);
    assert_eq!(task.kind, TaskKind::WellbeingCall);
    assert_eq!(task.priority, Priority::Urgent);
    assert_eq!(task.due_at, check_time());
    assert!(task
        .title
        .to_lowercase()
        .contains("check the patient is ok"));
    assert!(task
        .detail
        .contains("concerned for them, not for the schedule"));
    assert!(!task.detail.contains("Repeat"));
    let script = task.script.as_deref().unwrap();
    assert!(script.contains("Ana Lopez") && script.contains("(212) 555-0123"));
    assert!(script.contains("hope you're alright"));

    assert_eq!(w.patient("pt1").await.no_show_count, 1);

    let timeline = w.timeline("pt1").await;
    assert_eq!(timeline.len(), 1);
    assert_eq!(timeline[0].channel, Channel::Voice);
    assert_eq!(timeline[0].purpose, Purpose::NoShowFollowUp);
    assert!(matches!(
        &timeline[0].decision,
        Decision::StaffTask { task_id, .. } if task_id == &task.task_id
    ));

    let due = w.store.all_due(&w.practice.practice_id);
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].kind, DueKind::NoShowFollowUp);
    assert_eq!(due[0].due_at, next_morning());
    assert_eq!(a.planned_due, vec![keys::due_key_of(&due[0])]);

    // Nothing to the patient, all day.
    for minutes in [5, 60, 240, 600] {
        run(&w.deps, check_time() + Duration::minutes(minutes))
            .await
            .unwrap();
    }
    assert!(w.nothing_sent());
    assert_eq!(w.tasks().len(), 1);
}

#[tokio::test]
async fn the_voicemail_names_the_visit_only_with_the_patients_waiver() {
    for waiver in [false, true] {
        let w = world();
        let mut p = patient("pt1", Channel::Sms);
        p.voicemail_waiver = waiver;
        w.seed(&p, &appointment("a1", &p, start())).await;
        run(&w.deps, check_time()).await.unwrap();
        let task = w.tasks().pop().unwrap();
        let voicemail = task.voicemail_script.unwrap();
        assert!(voicemail.contains("Smile Dental"), "{voicemail}");
        assert!(
            voicemail.contains("(212) 555-0100"),
            "direct callback: {voicemail}"
        );
        assert!(voicemail.contains("We missed you today"), "{voicemail}");
        assert!(voicemail.contains("hope you're alright"), "{voicemail}");
        assert!(
            voicemail.contains("holding options to rebook soon"),
            "{voicemail}"
        );
        assert!(!voicemail.contains("Dr. Ruiz"), "{voicemail}");
        assert_eq!(voicemail.contains("root canal"), waiver, "{voicemail}");
        // Staff may see it, marked as theirs only.
        assert!(task.script.unwrap().contains("root canal"));
    }
}

#[tokio::test]
async fn the_voicemail_falls_back_to_the_sms_number_without_a_callback_phone() {
    let mut w = world();
    w.practice.settings.callback_phone = None;
    let p = patient("pt1", Channel::Sms);
    w.seed(&p, &appointment("a1", &p, start())).await;
    run(&w.deps, check_time()).await.unwrap();
    let voicemail = w.tasks().pop().unwrap().voicemail_script.unwrap();
    assert!(voicemail.contains("(212) 555-0199"), "{voicemail}");
}

#[tokio::test]
async fn a_repeat_no_show_is_flagged_for_staff() {
    let w = world();
    let mut p = patient("pt1", Channel::Sms);
    p.no_show_count = 2;
    w.seed(&p, &appointment("a1", &p, start())).await;
    run(&w.deps, check_time()).await.unwrap();
    let task = w.tasks().pop().unwrap();
    assert_eq!(task.priority, Priority::Urgent);
    assert!(task.title.contains("repeat"), "{}", task.title);
    assert!(
        task.detail.contains("missed appointment number 3"),
        "{}",
        task.detail
    );
    assert_eq!(w.patient("pt1").await.no_show_count, 3);
}

#[tokio::test]
async fn appointments_that_were_checked_in_completed_or_cancelled_are_not_no_shows() {
    for status in [
        AppointmentStatus::CheckedIn,
        AppointmentStatus::Completed,
        AppointmentStatus::Cancelled,
    ] {
        let w = world();
        let p = patient("pt1", Channel::Sms);
        let mut a = appointment("a1", &p, start());
        w.seed(&p, &a).await;
        a.status = status;
        a.version = 2;
        a.planned_due = w.appointment("a1").await.planned_due;
        w.store
            .write(vec![Write::Appointment {
                appointment: Box::new(a),
                expect: Expect::Version(1),
            }])
            .await
            .unwrap();
        let r = run(&w.deps, check_time()).await.unwrap();
        assert_eq!(r.outcomes.get("not_missed"), Some(&1), "{status:?}");
        assert!(w.tasks().is_empty());
        assert_eq!(w.appointment("a1").await.status, status);
        assert_eq!(w.patient("pt1").await.no_show_count, 0);
        assert!(w.store.all_due(&w.practice.practice_id).is_empty());
    }
}

#[tokio::test]
async fn overlapping_sweeps_raise_one_task() {
    let w = world();
    for i in 0..12 {
        let p = patient(&format!("pt{i}"), Channel::Sms);
        w.seed(&p, &appointment(&format!("a{i}"), &p, start()))
            .await;
    }
    let (a, b, c) = tokio::join!(
        run(&w.deps, check_time()),
        run(&w.deps, check_time()),
        run(&w.deps, check_time())
    );
    let claimed: usize = [a, b, c].into_iter().map(|r| r.unwrap().claimed).sum();
    assert_eq!(claimed, 12);
    assert_eq!(w.tasks().len(), 12);
    for i in 0..12 {
        assert_eq!(w.patient(&format!("pt{i}")).await.no_show_count, 1);
    }
}

#[tokio::test]
async fn two_missed_visits_of_one_patient_in_one_run_count_twice() {
    // Both checks read the same patient version from the batch: the second write loses
    // its condition, re-reads and counts on top of the first.
    let w = world();
    let p = patient("pt1", Channel::Sms);
    w.seed(&p, &appointment("a1", &p, start())).await;
    w.seed(&p, &appointment("a2", &p, start())).await;
    let r = run(&w.deps, check_time()).await.unwrap();
    assert_eq!(r.outcomes.get("no_show"), Some(&2), "{r:?}");
    assert!(r.failures.is_empty());
    assert_eq!(w.patient("pt1").await.no_show_count, 2);
    assert_eq!(w.tasks().len(), 2);
}

#[tokio::test]
async fn a_stale_batch_is_re_read_and_the_count_is_not_lost() {
    let w = world();
    let p = patient("pt1", Channel::Sms);
    let a = appointment("a1", &p, start());
    w.seed(&p, &a).await;
    // The batch is read, then an inbound text updates the patient.
    let due = w.store.all_due(&w.practice.practice_id).pop().unwrap();
    let batch = sweep::read_batch(w.store.as_ref(), std::slice::from_ref(&due))
        .await
        .unwrap();
    let mut changed = w.patient("pt1").await;
    changed.no_show_count = 4;
    changed.version = 2;
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
        .claim_due(&due, check_time() + Duration::minutes(10))
        .await
        .unwrap()
        .unwrap();
    let handler = NoShows::for_run(&w.deps);
    let snapshot = Snapshot::from_batch(&batch, &claimed);
    let handled = handler
        .handle(Claimed::new(claimed, snapshot, check_time()))
        .await
        .unwrap();
    assert_eq!(handled, Handled::Done("no_show"));
    assert_eq!(w.patient("pt1").await.no_show_count, 5);
    assert_eq!(w.appointment("a1").await.status, AppointmentStatus::NoShow);
}

#[tokio::test]
async fn a_moved_appointment_is_not_checked_at_its_old_time() {
    let w = world();
    let p = patient("pt1", Channel::Sms);
    let a = appointment("a1", &p, start());
    w.seed(&p, &a).await;
    // Moved to tomorrow without re-planning (the API would re-plan; the check must not
    // trust the old item either way).
    let mut moved = w.appointment("a1").await;
    moved.starts_at = start() + Duration::days(1);
    moved.version = 2;
    w.store
        .write(vec![Write::Appointment {
            appointment: Box::new(moved),
            expect: Expect::Version(1),
        }])
        .await
        .unwrap();
    let r = run(&w.deps, check_time()).await.unwrap();
    assert_eq!(r.outcomes.get("stale"), Some(&1));
    assert_eq!(
        w.appointment("a1").await.status,
        AppointmentStatus::Scheduled
    );
    assert!(w.tasks().is_empty());
}

/// Runs the check, then the next morning's follow-up.
async fn miss_and_follow_up(w: &World, p: &Patient) -> frontdesk::sweep::SweepReport {
    w.seed(p, &appointment("a1", p, start())).await;
    run(&w.deps, check_time()).await.unwrap();
    let before = run(&w.deps, next_morning() - Duration::minutes(1))
        .await
        .unwrap();
    assert_eq!(before.claimed, 0, "not before 09:00");
    assert!(w.nothing_sent());
    run(&w.deps, next_morning()).await.unwrap()
}

#[tokio::test]
async fn an_sms_patient_gets_one_caring_text_the_next_morning() {
    let w = world();
    let p = patient("pt1", Channel::Sms);
    let r = miss_and_follow_up(&w, &p).await;
    assert_eq!(r.outcomes.get("sent"), Some(&1), "{r:?}");
    let sent = w.sms.sent();
    assert_eq!(sent.len(), 1);
    assert!(w.email.sent().is_empty());
    let body = &sent[0].body;
    assert_eq!(sent[0].to.as_str(), "+12125550123");
    assert!(body.contains("we missed you yesterday"), "{body}");
    assert!(body.contains("Reply R to rebook"), "{body}");
    assert!(body.contains("(212) 555-0100"), "{body}");
    assert!(
        !body.contains("root canal") && !body.contains("Dr. Ruiz"),
        "{body}"
    );
    assert!(w.store.all_due(&w.practice.practice_id).is_empty());
    let timeline = w.timeline("pt1").await;
    assert!(matches!(
        timeline.last().unwrap().decision,
        Decision::Sent { .. }
    ));
    assert_eq!(
        w.patient("pt1").await.recent_automated,
        vec![next_morning()]
    );
    // Exactly once.
    run(&w.deps, next_morning() + Duration::minutes(30))
        .await
        .unwrap();
    assert_eq!(w.sms.sent().len(), 1);
}

#[tokio::test]
async fn an_email_patient_gets_an_email_and_no_text() {
    let w = world();
    let mut p = patient("pt1", Channel::Email);
    p.consents.set(
        Channel::Sms,
        MessageKind::Care,
        true,
        ConsentSource::PatientForm,
        start(),
    );
    let r = miss_and_follow_up(&w, &p).await;
    assert_eq!(r.outcomes.get("sent"), Some(&1), "{r:?}");
    assert!(w.sms.sent().is_empty());
    let sent = w.email.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to.as_str(), "ana@example.com");
    assert!(sent[0].subject.contains("We missed you"));
    assert!(sent[0].text.contains("Reply R"), "{}", sent[0].text);
}

#[tokio::test]
async fn a_voice_patient_gets_a_call_task_with_the_script_and_nothing_sent() {
    let w = world();
    let p = patient("pt1", Channel::Voice);
    let r = miss_and_follow_up(&w, &p).await;
    assert_eq!(r.outcomes.get("staff_task"), Some(&1), "{r:?}");
    assert!(w.nothing_sent());
    let call = w
        .tasks()
        .into_iter()
        .find(|t| t.kind == TaskKind::CallPatient)
        .unwrap();
    assert_eq!(call.priority, Priority::Normal);
    assert!(call.script.unwrap().contains("We missed you yesterday"));
    assert!(!call.voicemail_script.unwrap().contains("root canal"));
}

#[tokio::test]
async fn without_care_consent_the_follow_up_is_a_staff_task_not_another_channel() {
    let w = world();
    let mut p = patient("pt1", Channel::Sms);
    p.consents = Consents::default();
    p.consents.set(
        Channel::Email,
        MessageKind::Care,
        true,
        ConsentSource::PatientForm,
        start(),
    );
    let r = miss_and_follow_up(&w, &p).await;
    assert_eq!(r.outcomes.get("staff_task"), Some(&1), "{r:?}");
    assert!(w.nothing_sent());
    assert!(w
        .tasks()
        .iter()
        .any(|t| t.kind == TaskKind::ChannelUnusable));
}

#[tokio::test]
async fn a_follow_up_due_in_quiet_hours_waits_for_the_morning() {
    let w = world();
    let p = patient("pt1", Channel::Sms);
    w.seed(&p, &appointment("a1", &p, start())).await;
    run(&w.deps, check_time()).await.unwrap();
    // The sweep was down; it comes back at 22:00 New York the next day.
    let night = utc("2026-03-12T02:00:00Z");
    let r = run(&w.deps, night).await.unwrap();
    assert_eq!(r.outcomes.get("deferred"), Some(&1), "{r:?}");
    assert!(w.nothing_sent());
    let due = w.store.all_due(&w.practice.practice_id).pop().unwrap();
    assert_eq!(due.due_at, utc("2026-03-12T12:00:00Z"), "08:00 New York");
    assert_eq!(due.attempts, 0, "a deferral is not a failed attempt");
    let r = run(&w.deps, utc("2026-03-12T12:00:00Z")).await.unwrap();
    assert_eq!(r.outcomes.get("sent"), Some(&1), "{r:?}");
    let body = &w.sms.sent()[0].body;
    assert!(
        body.contains("on Tuesday") || body.contains("missed you"),
        "{body}"
    );
}

#[tokio::test]
async fn a_patient_who_rebooked_gets_no_follow_up() {
    let w = world();
    let p = patient("pt1", Channel::Sms);
    w.seed(&p, &appointment("a1", &p, start())).await;
    run(&w.deps, check_time()).await.unwrap();
    // Booked again that afternoon (a new appointment, next week).
    let mut next = appointment("a2", &p, start() + Duration::days(7));
    next.created_at = start() + Duration::hours(2);
    w.store
        .write(vec![Write::Appointment {
            appointment: Box::new(next),
            expect: Expect::Absent,
        }])
        .await
        .unwrap();
    let r = run(&w.deps, next_morning()).await.unwrap();
    assert_eq!(r.outcomes.get("suppressed_rebooked"), Some(&1), "{r:?}");
    assert!(w.nothing_sent());
    let timeline = w.timeline("pt1").await;
    assert!(matches!(
        &timeline.last().unwrap().decision,
        Decision::Suppressed { reason } if reason.contains("another appointment")
    ));
}

#[tokio::test]
async fn the_same_appointment_moved_back_to_scheduled_gets_no_follow_up() {
    let w = world();
    let p = patient("pt1", Channel::Sms);
    w.seed(&p, &appointment("a1", &p, start())).await;
    run(&w.deps, check_time()).await.unwrap();
    let mut a = w.appointment("a1").await;
    a.status = AppointmentStatus::Scheduled;
    a.starts_at = start() + Duration::days(2);
    a.version += 1;
    w.store
        .write(vec![Write::Appointment {
            appointment: Box::new(a),
            expect: Expect::Version(2),
        }])
        .await
        .unwrap();
    let r = run(&w.deps, next_morning()).await.unwrap();
    assert_eq!(r.outcomes.get("suppressed_rebooked"), Some(&1), "{r:?}");
    assert!(w.nothing_sent());
}

#[tokio::test]
async fn staff_who_reached_the_patient_stop_the_follow_up_but_a_voicemail_does_not() {
    for (resolution, sent) in [("reached", 0), ("left_voicemail", 1)] {
        let w = world();
        let p = patient("pt1", Channel::Sms);
        w.seed(&p, &appointment("a1", &p, start())).await;
        run(&w.deps, check_time()).await.unwrap();
        let task = w.tasks().pop().unwrap();
        w.resolve(&task.task_id, resolution).await;
        let r = run(&w.deps, next_morning()).await.unwrap();
        assert_eq!(w.sms.sent().len(), sent, "{resolution}: {r:?}");
        if sent == 0 {
            assert_eq!(r.outcomes.get("suppressed_reached"), Some(&1));
        }
    }
}

#[tokio::test]
async fn two_missed_visits_the_same_day_get_one_follow_up() {
    let w = world();
    let p = patient("pt1", Channel::Sms);
    w.seed(&p, &appointment("a1", &p, start())).await;
    w.seed(&p, &appointment("a2", &p, start() + Duration::hours(1)))
        .await;
    run(&w.deps, check_time()).await.unwrap();
    run(&w.deps, check_time() + Duration::hours(1))
        .await
        .unwrap();
    let r = run(&w.deps, next_morning()).await.unwrap();
    assert_eq!(r.outcomes.get("sent"), Some(&1), "{r:?}");
    assert_eq!(r.outcomes.get("suppressed_same_day"), Some(&1), "{r:?}");
    assert_eq!(w.sms.sent().len(), 1);
}

#[tokio::test]
async fn a_send_that_cannot_reach_the_provider_fails_the_run_and_comes_back() {
    let w = world();
    let p = patient("pt1", Channel::Sms);
    w.seed(&p, &appointment("a1", &p, start())).await;
    run(&w.deps, check_time()).await.unwrap();
    *w.sms.fail_with.lock().unwrap() = Some(frontdesk::Error::SendUnavailable(
        "SNS Publish: timed out".into(),
    ));
    let event = json!({"time": next_morning().to_rfc3339()});
    let err = crate::handle(&w.deps, LambdaEvent::new(event, Default::default()))
        .await
        .unwrap_err();
    assert!(err.error_type.ends_with(".AllFailed"), "{}", err.error_type);
    assert!(
        w.timeline("pt1").await.len() == 1,
        "nothing recorded for the failed attempt"
    );
    *w.sms.fail_with.lock().unwrap() = None;
    let r = run(&w.deps, next_morning() + Duration::minutes(11))
        .await
        .unwrap();
    assert_eq!(r.outcomes.get("sent"), Some(&1), "{r:?}");
}

#[tokio::test]
async fn the_handler_takes_now_from_the_scheduled_event_and_returns_the_report() {
    let w = world();
    let p = patient("pt1", Channel::Sms);
    w.seed(&p, &appointment("a1", &p, start())).await;
    let fixture: serde_json::Value =
        serde_json::from_str(include_str!("../tests/fixtures/scheduled-event.json")).unwrap();
    assert_eq!(fixture["time"], json!("2026-03-10T18:01:00Z"));
    let out = handle(&w.deps, LambdaEvent::new(fixture, Context::default()))
        .await
        .unwrap();
    assert_eq!(out["claimed"], json!(1));
    assert_eq!(out["outcomes"]["no_show"], json!(1));
    assert_eq!(out["failures"], json!([]));

    let bad = handle(
        &w.deps,
        LambdaEvent::new(
            json!({"detail-type": "Scheduled Event"}),
            Context::default(),
        ),
    )
    .await
    .unwrap_err();
    assert_eq!(bad.error_type, "NoShows.BadEvent");
}
