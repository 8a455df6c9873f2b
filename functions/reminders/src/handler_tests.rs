//! Handler tests over the in-memory store and recording senders: every rule, fast. The same
//! flows run against moto through the real adapters in `tests/moto.rs`.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::Duration;
use frontdesk::deliver::Senders;
use frontdesk::domain::{
    Appointment, AppointmentId, AppointmentStatus, Channel, ClockTime, Confirmation, ConsentSource,
    Decision, DueKind, DueWork, Message, Patient, PatientId, Practice, PracticeSettings, Priority,
    Purpose, ReminderOffset, Sweep, TaskKind,
};
use frontdesk::planning;
use frontdesk::ports::{Expect, Key, Store, Write};
use frontdesk::sweep::{SweepOptions, SweepReport};
use frontdesk::testing::{MemoryStore, RecordingEmail, RecordingSms};
use frontdesk::Error as CoreError;
use lambda_runtime::{Context, LambdaEvent};

use crate::test_support::*;
use crate::{handle, run, Deps};

struct World {
    store: Arc<MemoryStore>,
    sms: Arc<RecordingSms>,
    email: Arc<RecordingEmail>,
    deps: Deps,
}

fn world() -> World {
    world_over(None)
}

fn world_over(store: Option<Arc<dyn Store>>) -> World {
    let memory = Arc::new(MemoryStore::new());
    let sms = Arc::new(RecordingSms::default());
    let email = Arc::new(RecordingEmail::default());
    World {
        deps: Deps {
            store: store.unwrap_or_else(|| memory.clone()),
            senders: Senders {
                sms: sms.clone(),
                email: email.clone(),
            },
            options: SweepOptions::default(),
            governor: frontdesk::sweep::Governor::unlimited(),
        },
        store: memory,
        sms,
        email,
    }
}

impl World {
    /// Writes the practice, the patients and the appointments, planning the appointments'
    /// due work as the Practice API does when it was written at `planned_at`.
    async fn seed(
        &self,
        practice: &Practice,
        patients: &[&Patient],
        appointments: &[&Appointment],
        planned_at: &str,
    ) {
        let mut writes = vec![Write::Practice {
            practice: Box::new(practice.clone()),
            expect_absent: false,
        }];
        for p in patients {
            writes.push(Write::Patient {
                patient: Box::new((*p).clone()),
                expect: Expect::Any,
                previous_phone: None,
            });
        }
        for a in appointments {
            let p = patients
                .iter()
                .find(|p| p.patient_id == a.patient_id)
                .unwrap();
            let planned = planning::plan_for(a, p, &practice.settings, utc(planned_at));
            let mut a = (*a).clone();
            a.planned_due = planned.iter().map(frontdesk::keys::due_key_of).collect();
            writes.extend(planned.into_iter().map(|d| Write::Due(Box::new(d))));
            writes.push(Write::Appointment {
                appointment: Box::new(a),
                expect: Expect::Any,
            });
        }
        // A transaction holds 100 item writes and a patient with a phone is two, so 40
        // port writes per batch always fit (the in-memory store refuses more, as DynamoDB).
        for chunk in writes.chunks(40) {
            self.store.write(chunk.to_vec()).await.unwrap();
        }
    }

    async fn sweep(&self, at: &str) -> SweepReport {
        run(&self.deps, utc(at)).await.unwrap()
    }

    async fn timeline(&self, patient: &str) -> Vec<Message> {
        self.store
            .timeline(
                &practice_id(),
                &PatientId::parse(patient).unwrap(),
                None,
                1000,
            )
            .await
            .unwrap()
            .items
    }

    async fn appointment(&self, id: &str) -> Appointment {
        self.store
            .get_many(
                &practice_id(),
                &[Key::Appointment(AppointmentId::parse(id).unwrap())],
            )
            .await
            .unwrap()
            .appointment(&AppointmentId::parse(id).unwrap())
            .cloned()
            .unwrap()
    }

    fn due(&self) -> Vec<DueWork> {
        self.store
            .all_due(&practice_id())
            .into_iter()
            .filter(|d| d.kind.sweep() == Sweep::Reminders)
            .collect()
    }

    async fn confirm(&self, id: &str, at: &str) {
        let mut a = self.appointment(id).await;
        let version = a.version;
        a.confirmation = Some(Confirmation {
            at: utc(at),
            channel: Channel::Sms,
        });
        a.version += 1;
        self.store
            .write(vec![Write::Appointment {
                appointment: Box::new(a),
                expect: Expect::Version(version),
            }])
            .await
            .unwrap();
    }
}

fn count(r: &SweepReport, label: &str) -> usize {
    r.outcomes.get(label).copied().unwrap_or(0)
}

fn only_reminders(s: &mut PracticeSettings) {
    s.reminder_offsets = vec![
        ReminderOffset::Before {
            minutes: 7 * 24 * 60,
        },
        ReminderOffset::Before {
            minutes: 2 * 24 * 60,
        },
        ReminderOffset::DayOf {
            at: ClockTime::hm(8, 0),
        },
    ];
}

// 14:00 EDT on Tuesday 2026-03-10, two days after the US DST change.
const VISIT: &str = "2026-03-10T18:00:00Z";
const WEEK_BEFORE: &str = "2026-03-03T18:00:00Z"; // 13:00 EST: a fixed 168 hours before
const TWO_DAYS_BEFORE: &str = "2026-03-08T18:00:00Z";
const MORNING_OF: &str = "2026-03-10T12:00:00Z"; // 08:00 EDT
                                                 // 16:00 EDT on Monday, the business day before: one hour before closing (new patients
                                                 // two hours earlier still, at 14:00 EDT).
const DEADLINE: &str = "2026-03-09T20:00:00Z";
const NEW_PATIENT_DEADLINE: &str = "2026-03-09T18:00:00Z";

#[tokio::test]
async fn an_sms_patient_gets_each_reminder_once_at_its_offset_asking_for_c_or_r() {
    let w = world();
    let pt = patient("pt1", Channel::Sms);
    let a = appointment("a1", &pt, VISIT);
    w.seed(
        &practice(only_reminders),
        &[&pt],
        &[&a],
        "2026-02-01T00:00:00Z",
    )
    .await;

    let r = w.sweep("2026-03-03T17:55:00Z").await;
    assert_eq!(r.claimed, 0, "nothing is due yet");
    for at in [WEEK_BEFORE, TWO_DAYS_BEFORE, MORNING_OF] {
        let r = w.sweep(at).await;
        assert_eq!(count(&r, "reminder_sent"), 1, "at {at}: {r:?}");
        // Repeated run at the same time: nothing more.
        let again = w.sweep(at).await;
        assert_eq!(again.claimed, 0, "at {at}: {again:?}");
    }
    let sent = w.sms.sent();
    assert_eq!(sent.len(), 3);
    for s in &sent {
        assert_eq!(s.to.as_str(), "+12125550143");
        assert_eq!(s.from.as_ref().map(|f| f.as_str()), Some(PRACTICE_SMS));
        assert!(s.body.starts_with("Smile Dental:"), "{}", s.body);
        assert!(
            s.body.contains("Reply C to confirm or R to reschedule"),
            "{}",
            s.body
        );
        assert!(s.body.contains("Tue, Mar 10 at 2:00 PM"), "{}", s.body);
        assert!(
            !s.body.to_lowercase().contains("cancel"),
            "never suggests CANCEL: {}",
            s.body
        );
        assert!(
            !s.body.contains("root canal"),
            "no procedure unless the practice allows it: {}",
            s.body
        );
        assert!(!s.body.contains("Gum"), "no provider names: {}", s.body);
    }
    assert!(w.email.sent().is_empty());
    let tl = w.timeline("pt1").await;
    let sends: Vec<_> = tl
        .iter()
        .filter(|m| matches!(m.decision, Decision::Sent { .. }))
        .collect();
    assert_eq!(sends.len(), 3);
    assert!(sends
        .iter()
        .all(|m| m.purpose == Purpose::Reminder && m.channel == Channel::Sms));
    assert_eq!(
        sends.iter().map(|m| m.at).collect::<Vec<_>>(),
        vec![utc(WEEK_BEFORE), utc(TWO_DAYS_BEFORE), utc(MORNING_OF)]
    );
    let reminders_left: Vec<_> = w
        .due()
        .into_iter()
        .filter(|d| matches!(d.kind, DueKind::Reminder { .. }))
        .collect();
    assert!(reminders_left.is_empty(), "{reminders_left:?}");
}

#[tokio::test]
async fn the_procedure_is_named_only_when_the_practice_allows_it() {
    let w = world();
    let pt = patient("pt1", Channel::Sms);
    let a = appointment("a1", &pt, VISIT);
    w.seed(
        &practice(|s| s.include_procedure_details = true),
        &[&pt],
        &[&a],
        "2026-02-01T00:00:00Z",
    )
    .await;
    w.sweep(TWO_DAYS_BEFORE).await;
    let sent = w.sms.sent();
    assert_eq!(sent.len(), 1);
    assert!(sent[0].body.contains("root canal"), "{}", sent[0].body);
}

#[tokio::test]
async fn an_email_patient_gets_an_email_with_the_same_words_and_no_text() {
    let w = world();
    let pt = patient("pt1", Channel::Email);
    let a = appointment("a1", &pt, VISIT);
    w.seed(&practice(|_| {}), &[&pt], &[&a], "2026-02-01T00:00:00Z")
        .await;
    let r = w.sweep(TWO_DAYS_BEFORE).await;
    assert_eq!(count(&r, "reminder_sent"), 1, "{r:?}");
    assert!(w.sms.sent().is_empty(), "never another channel");
    let mail = w.email.sent();
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].to.as_str(), "ana@example.org");
    assert_eq!(mail[0].from.as_str(), "front@smile.example");
    assert!(mail[0].subject.contains("Smile Dental"));
    assert!(
        mail[0]
            .text
            .contains("Reply C to confirm or R to reschedule"),
        "{}",
        mail[0].text
    );
    assert!(!mail[0].text.to_lowercase().contains("cancel"));
    assert!(!mail[0].text.contains("root canal"));
    let tl = w.timeline("pt1").await;
    assert_eq!(tl.len(), 1);
    assert_eq!(tl[0].channel, Channel::Email);
}

#[tokio::test]
async fn a_voice_patient_becomes_a_staff_call_with_a_script_and_nothing_is_sent() {
    let w = world();
    let pt = patient("pt1", Channel::Voice);
    let a = appointment("a1", &pt, VISIT);
    w.seed(&practice(|_| {}), &[&pt], &[&a], "2026-02-01T00:00:00Z")
        .await;
    let r = w.sweep(TWO_DAYS_BEFORE).await;
    assert_eq!(count(&r, "reminder_staff_task"), 1, "{r:?}");
    assert!(w.sms.sent().is_empty() && w.email.sent().is_empty());
    let tasks = w.store.all_tasks(&practice_id());
    assert_eq!(tasks.len(), 1);
    let t = &tasks[0];
    assert_eq!(t.kind, TaskKind::CallPatient);
    assert_eq!(t.appointment_id.as_ref().map(|a| a.as_str()), Some("a1"));
    let script = t.script.as_deref().unwrap();
    assert!(script.contains("Tue, Mar 10 at 2:00 PM"), "{script}");
    assert!(
        script.contains("For your reference only"),
        "staff see the procedure, marked: {script}"
    );
    let voicemail = t.voicemail_script.as_deref().unwrap();
    assert!(!voicemail.contains("root canal"), "{voicemail}");
    assert!(
        !t.title.contains("Ana"),
        "task titles carry no names: {}",
        t.title
    );
}

#[tokio::test]
async fn a_reminder_due_at_night_waits_for_the_patients_morning_without_counting_an_attempt() {
    let w = world();
    let mut pt = patient("pt1", Channel::Sms);
    pt.time_zone = Some(chrono_tz::America::Los_Angeles);
    // 09:00 PST on 2026-01-15; a reminder 10 hours before is due 23:00 PST.
    let a = appointment("a1", &pt, "2026-01-15T17:00:00Z");
    w.seed(
        &practice(|s| s.reminder_offsets = vec![ReminderOffset::Before { minutes: 600 }]),
        &[&pt],
        &[&a],
        "2026-01-01T00:00:00Z",
    )
    .await;
    let r = w.sweep("2026-01-15T07:00:00Z").await; // 23:00 PST
    assert_eq!(count(&r, "reminder_deferred"), 1, "{r:?}");
    assert!(w.sms.sent().is_empty());
    let due: Vec<_> = w
        .due()
        .into_iter()
        .filter(|d| matches!(d.kind, DueKind::Reminder { .. }))
        .collect();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].due_at, utc("2026-01-15T16:00:00Z"), "08:00 PST");
    assert_eq!(due[0].attempts, 0, "a deferral is not an attempt");
    let tl = w.timeline("pt1").await;
    assert_eq!(tl.len(), 1);
    assert_eq!(
        tl[0].decision,
        Decision::Deferred {
            until: utc("2026-01-15T16:00:00Z")
        }
    );

    let r = w.sweep("2026-01-15T15:55:00Z").await;
    assert_eq!(count(&r, "reminder_sent"), 0, "still quiet: {r:?}");
    let r = w.sweep("2026-01-15T16:00:00Z").await;
    assert_eq!(count(&r, "reminder_sent"), 1, "{r:?}");
    assert_eq!(w.sms.sent().len(), 1);
}

#[tokio::test]
async fn a_reminder_whose_quiet_hours_outlast_the_appointment_is_suppressed_and_recorded() {
    let w = world();
    let pt = patient("pt1", Channel::Sms);
    // 07:30 EST; a reminder two hours before is due 05:30, inside quiet hours until 08:00.
    let a = appointment("a1", &pt, "2026-01-15T12:30:00Z");
    w.seed(
        &practice(|s| s.reminder_offsets = vec![ReminderOffset::Before { minutes: 120 }]),
        &[&pt],
        &[&a],
        "2026-01-01T00:00:00Z",
    )
    .await;
    let r = w.sweep("2026-01-15T10:30:00Z").await;
    assert_eq!(count(&r, "reminder_suppressed"), 1, "{r:?}");
    assert!(w.sms.sent().is_empty());
    let tl = w.timeline("pt1").await;
    assert!(
        matches!(&tl[0].decision, Decision::Suppressed { reason } if reason.contains("too late")),
        "{tl:?}"
    );
    assert!(w
        .due()
        .iter()
        .all(|d| !matches!(d.kind, DueKind::Reminder { .. })));
}

#[tokio::test]
async fn work_for_a_moved_cancelled_or_missing_appointment_is_stale_and_sends_nothing() {
    let w = world();
    let pt = patient("pt1", Channel::Sms);
    let moved = appointment("moved", &pt, VISIT);
    let cancelled = appointment("cancelled", &pt, VISIT);
    let settings =
        practice(|s| s.reminder_offsets = vec![ReminderOffset::Before { minutes: 2880 }]);
    w.seed(
        &settings,
        &[&pt],
        &[&moved, &cancelled],
        "2026-02-01T00:00:00Z",
    )
    .await;
    // Changed behind the planner's back (defense in depth: the Practice API replans).
    let mut m = w.appointment("moved").await;
    m.starts_at = utc("2026-03-11T18:00:00Z");
    let mut c = w.appointment("cancelled").await;
    c.status = AppointmentStatus::Cancelled;
    // Due work whose appointment record does not exist at all.
    let missing = appointment("missing", &pt, VISIT);
    let orphans = planning::plan(
        &missing,
        chrono_tz::America::New_York,
        &settings.settings,
        utc("2026-02-01T00:00:00Z"),
    );
    let mut writes: Vec<Write> = orphans
        .into_iter()
        .map(|d| Write::Due(Box::new(d)))
        .collect();
    for a in [m, c] {
        writes.push(Write::Appointment {
            appointment: Box::new(a),
            expect: Expect::Any,
        });
    }
    w.store.write(writes).await.unwrap();

    let r = w.sweep(TWO_DAYS_BEFORE).await;
    assert_eq!(count(&r, "stale"), 3, "{r:?}");
    assert_eq!(r.failures, vec![]);
    assert!(w.sms.sent().is_empty());
    assert!(
        w.timeline("pt1").await.is_empty(),
        "nothing recorded as sent"
    );
    let left: Vec<_> = w
        .due()
        .into_iter()
        .filter(|d| d.due_at <= utc(TWO_DAYS_BEFORE))
        .collect();
    assert!(left.is_empty(), "stale work is finished: {left:?}");
}

#[tokio::test]
async fn a_confirmed_patient_is_not_asked_again_and_gets_a_short_day_of_note() {
    let w = world();
    let pt = patient("pt1", Channel::Sms);
    let a = appointment("a1", &pt, VISIT);
    w.seed(
        &practice(only_reminders),
        &[&pt],
        &[&a],
        "2026-02-01T00:00:00Z",
    )
    .await;
    assert_eq!(count(&w.sweep(WEEK_BEFORE).await, "reminder_sent"), 1);
    w.confirm("a1", "2026-03-04T12:00:00Z").await;

    let r = w.sweep(TWO_DAYS_BEFORE).await;
    assert_eq!(count(&r, "already_confirmed"), 1, "{r:?}");
    let r = w.sweep(DEADLINE).await;
    assert_eq!(count(&r, "deadline_confirmed"), 1, "{r:?}");
    let r = w.sweep(MORNING_OF).await;
    assert_eq!(count(&r, "day_of_note_sent"), 1, "{r:?}");

    let sent = w.sms.sent();
    assert_eq!(sent.len(), 2);
    assert!(sent[0].body.contains("Reply C to confirm"));
    assert!(
        sent[1].body.contains("see you today at 2:00 PM"),
        "{}",
        sent[1].body
    );
    assert!(
        !sent[1].body.contains("confirm"),
        "no second confirm request: {}",
        sent[1].body
    );
    let tl = w.timeline("pt1").await;
    assert_eq!(tl.last().map(|m| m.purpose), Some(Purpose::DayOfNote));
    assert!(
        w.store.all_tasks(&practice_id()).is_empty(),
        "no red flag for a confirmed visit"
    );
}

#[tokio::test]
async fn without_day_of_notes_a_confirmed_patient_hears_nothing_more() {
    let w = world();
    let pt = patient("pt1", Channel::Sms);
    let mut a = appointment("a1", &pt, VISIT);
    a.confirmation = Some(Confirmation {
        at: utc("2026-02-02T00:00:00Z"),
        channel: Channel::Voice,
    });
    w.seed(
        &practice(|s| {
            only_reminders(s);
            s.day_of_note_for_confirmed = false;
        }),
        &[&pt],
        &[&a],
        "2026-02-01T00:00:00Z",
    )
    .await;
    for at in [WEEK_BEFORE, TWO_DAYS_BEFORE, DEADLINE, MORNING_OF] {
        w.sweep(at).await;
    }
    assert!(w.sms.sent().is_empty());
    assert!(w.timeline("pt1").await.is_empty());
    assert!(w.due().is_empty(), "every reminder finished: {:?}", w.due());
}

#[tokio::test]
async fn a_confirmed_voice_patient_gets_no_courtesy_call() {
    let w = world();
    let pt = patient("pt1", Channel::Voice);
    let mut a = appointment("a1", &pt, VISIT);
    a.confirmation = Some(Confirmation {
        at: utc("2026-02-02T00:00:00Z"),
        channel: Channel::Voice,
    });
    w.seed(
        &practice(only_reminders),
        &[&pt],
        &[&a],
        "2026-02-01T00:00:00Z",
    )
    .await;
    let r = w.sweep(MORNING_OF).await;
    assert_eq!(count(&r, "day_of_note_not_sendable"), 1, "{r:?}");
    assert!(w.store.all_tasks(&practice_id()).is_empty());
}

#[tokio::test]
async fn an_opted_out_patient_is_never_texted_and_staff_are_told() {
    let w = world();
    let mut pt = patient("pt1", Channel::Sms);
    pt.consents.opt_out(
        Channel::Sms,
        ConsentSource::PatientKeyword,
        utc("2026-02-10T00:00:00Z"),
    );
    let a = appointment("a1", &pt, VISIT);
    w.seed(&practice(|_| {}), &[&pt], &[&a], "2026-02-01T00:00:00Z")
        .await;
    let r = w.sweep(TWO_DAYS_BEFORE).await;
    assert_eq!(count(&r, "reminder_staff_task"), 1, "{r:?}");
    assert!(
        w.sms.sent().is_empty() && w.email.sent().is_empty(),
        "not even by email"
    );
    let tasks = w.store.all_tasks(&practice_id());
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].kind, TaskKind::ChannelUnusable);
    assert!(tasks[0].detail.contains("opted out"));
}

#[tokio::test]
async fn the_daily_cap_holds_even_for_two_visits_handled_in_the_same_chunk() {
    let w = world();
    let pt = patient("pt1", Channel::Sms);
    let a1 = appointment("a1", &pt, VISIT);
    let a2 = appointment("a2", &pt, VISIT);
    let a3 = appointment("a3", &pt, VISIT);
    w.seed(
        &practice(|s| {
            s.reminder_offsets = vec![ReminderOffset::Before { minutes: 2880 }];
            s.message_caps.per_day = 2;
        }),
        &[&pt],
        &[&a1, &a2, &a3],
        "2026-02-01T00:00:00Z",
    )
    .await;
    let r = w.sweep(TWO_DAYS_BEFORE).await;
    assert_eq!(count(&r, "reminder_sent"), 2, "{r:?}");
    assert_eq!(count(&r, "reminder_suppressed"), 1, "{r:?}");
    assert_eq!(w.sms.sent().len(), 2);
    let tl = w.timeline("pt1").await;
    assert!(tl.iter().any(
        |m| matches!(&m.decision, Decision::Suppressed { reason } if reason.contains("daily cap"))
    ));
}

#[tokio::test]
async fn an_unreachable_provider_is_retried_with_backoff_then_handed_to_staff() {
    let w = world();
    let pt = patient("pt1", Channel::Sms);
    let a = appointment("a1", &pt, VISIT);
    w.seed(
        &practice(|s| s.reminder_offsets = vec![ReminderOffset::Before { minutes: 2880 }]),
        &[&pt],
        &[&a],
        "2026-02-01T00:00:00Z",
    )
    .await;
    *w.sms.fail_with.lock().unwrap() =
        Some(CoreError::SendUnavailable("SNS Publish: timed out".into()));
    let r = w.sweep(TWO_DAYS_BEFORE).await;
    assert_eq!(count(&r, "reminder_retry"), 1, "{r:?}");
    let d = w
        .due()
        .into_iter()
        .find(|d| matches!(d.kind, DueKind::Reminder { .. }))
        .unwrap();
    assert_eq!(d.due_at, utc(TWO_DAYS_BEFORE) + Duration::minutes(5));
    assert_eq!(d.attempts, 1);
    assert!(
        w.timeline("pt1").await.is_empty(),
        "nothing went out, nothing recorded yet"
    );

    let mut at = d.due_at;
    let mut reports = vec![];
    for _ in 0..6 {
        let due = w
            .due()
            .into_iter()
            .find(|d| matches!(d.kind, DueKind::Reminder { .. }));
        let Some(due) = due else { break };
        at = at.max(due.due_at);
        reports.push(run(&w.deps, at).await.unwrap());
    }
    let gave_up: usize = reports.iter().map(|r| count(r, "gave_up")).sum();
    assert_eq!(gave_up, 1, "{reports:?}");
    let tasks = w.store.all_tasks(&practice_id());
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].kind, TaskKind::SendFailed);
    assert!(w.sms.sent().is_empty());
}

#[tokio::test]
async fn a_rejected_message_is_finished_with_a_task_not_retried() {
    let w = world();
    let pt = patient("pt1", Channel::Sms);
    let a = appointment("a1", &pt, VISIT);
    w.seed(&practice(|_| {}), &[&pt], &[&a], "2026-02-01T00:00:00Z")
        .await;
    *w.sms.fail_with.lock().unwrap() = Some(CoreError::SendRejected(
        "SNS Publish: InvalidParameter (HTTP 400)".into(),
    ));
    let r = w.sweep(TWO_DAYS_BEFORE).await;
    assert_eq!(count(&r, "reminder_rejected"), 1, "{r:?}");
    assert_eq!(
        w.store.all_tasks(&practice_id())[0].kind,
        TaskKind::SendFailed
    );
    assert!(w.due().iter().all(|d| d.kind
        != DueKind::Reminder {
            offset: ReminderOffset::Before { minutes: 2880 }
        }));
}

#[tokio::test]
async fn an_unconfirmed_visit_at_the_deadline_is_a_red_flag_and_new_patients_are_urgent() {
    let w = world();
    let regular = patient("regular", Channel::Sms);
    let mut newbie = patient("newbie", Channel::Email);
    newbie.new_patient = true;
    let confirmed = patient("confirmed", Channel::Sms);
    let a_regular = appointment("a-regular", &regular, VISIT);
    let a_new = appointment("a-new", &newbie, VISIT);
    let mut a_confirmed = appointment("a-confirmed", &confirmed, VISIT);
    a_confirmed.confirmation = Some(Confirmation {
        at: utc("2026-03-09T00:00:00Z"),
        channel: Channel::Sms,
    });
    w.seed(
        &practice(|s| s.release_unconfirmed_slots = true),
        &[&regular, &newbie, &confirmed],
        &[&a_regular, &a_new, &a_confirmed],
        "2026-03-09T12:00:00Z",
    )
    .await;
    let r = w.sweep("2026-03-09T17:55:00Z").await;
    assert_eq!(
        r.claimed, 0,
        "not before the afternoon of the day before: {r:?}"
    );
    let r = w.sweep(NEW_PATIENT_DEADLINE).await;
    assert_eq!(
        count(&r, "red_flag_new_patient"),
        1,
        "new patients first: {r:?}"
    );
    assert_eq!(count(&r, "red_flag"), 0, "{r:?}");
    let r = w.sweep(DEADLINE).await;
    assert_eq!(count(&r, "red_flag"), 1, "{r:?}");
    assert_eq!(count(&r, "deadline_confirmed"), 1, "{r:?}");

    assert!(
        w.sms.sent().is_empty() && w.email.sent().is_empty(),
        "nothing to patients"
    );
    let tasks = w.store.all_tasks(&practice_id());
    assert_eq!(tasks.len(), 2);
    let by_patient: BTreeMap<_, _> = tasks
        .iter()
        .map(|t| (t.patient_id.as_ref().unwrap().as_str().to_string(), t))
        .collect();
    let reg = by_patient["regular"];
    assert_eq!(
        (reg.kind, reg.priority),
        (TaskKind::UnconfirmedAppointment, Priority::High)
    );
    assert!(
        reg.detail.contains("Tue, Mar 10 at 2:00 PM EDT"),
        "{}",
        reg.detail
    );
    assert!(
        reg.detail.contains("may be offered to another patient"),
        "{}",
        reg.detail
    );
    assert!(!reg.detail.contains("higher risk"));
    let new = by_patient["newbie"];
    assert_eq!(
        (new.kind, new.priority),
        (TaskKind::UnconfirmedAppointment, Priority::Urgent)
    );
    assert!(
        new.title.contains("new patient") && new.title.contains("higher no-show risk"),
        "{}",
        new.title
    );
    assert!(new.detail.contains("higher risk"), "{}", new.detail);
    assert!(new
        .script
        .as_deref()
        .unwrap()
        .contains("Can we count on seeing you?"));
    for t in &tasks {
        assert!(
            !t.title.contains("Ana") && !t.title.contains("root canal"),
            "{}",
            t.title
        );
        let a = w
            .appointment(t.appointment_id.as_ref().unwrap().as_str())
            .await;
        assert_eq!(
            a.tasks,
            vec![t.task_id.clone()],
            "the task is on the appointment"
        );
        assert_eq!(a.version, 2);
    }
    assert!(w.timeline("regular").await.is_empty());
}

#[tokio::test]
async fn without_slot_release_the_red_flag_does_not_mention_offering_the_slot() {
    let w = world();
    let pt = patient("pt1", Channel::Sms);
    let a = appointment("a1", &pt, VISIT);
    w.seed(&practice(|_| {}), &[&pt], &[&a], "2026-03-09T12:00:00Z")
        .await;
    w.sweep(DEADLINE).await;
    let tasks = w.store.all_tasks(&practice_id());
    assert_eq!(tasks.len(), 1);
    assert!(!tasks[0].detail.contains("offered"), "{}", tasks[0].detail);
}

#[tokio::test]
async fn a_red_flag_whose_appointment_changed_meanwhile_is_decided_again_on_the_fresh_appointment()
{
    let inner = Arc::new(MemoryStore::new());
    let racing = Arc::new(SpyStore::with_hook(
        inner.clone(),
        BumpBeforeWrite {
            appointment: AppointmentId::parse("a1").unwrap(),
            armed: std::sync::atomic::AtomicBool::new(true),
        },
    ));
    let w = world_over(Some(racing));
    let w = World { store: inner, ..w };
    let pt = patient("pt1", Channel::Sms);
    let a = appointment("a1", &pt, VISIT);
    w.seed(&practice(|_| {}), &[&pt], &[&a], "2026-03-09T12:00:00Z")
        .await;
    let r = w.sweep(DEADLINE).await;
    // The first transaction lost its condition and wrote nothing; the engine re-read the
    // appointment and decided again, keeping the concurrent change.
    assert_eq!(count(&r, "red_flag"), 1, "{r:?}");
    assert!(r.failures.is_empty(), "{r:?}");
    let tasks = w.store.all_tasks(&practice_id());
    assert_eq!(tasks.len(), 1, "one task, nothing half-written");
    let stored = w.appointment("a1").await;
    assert_eq!(stored.tasks, vec![tasks[0].task_id.clone()]);
    assert_eq!(
        stored.duration_minutes,
        a.duration_minutes + 15,
        "the change is kept"
    );
    assert!(w
        .due()
        .iter()
        .all(|d| d.kind != DueKind::ConfirmationDeadline));
    let r = w.sweep("2026-03-09T20:10:00Z").await;
    assert_eq!(count(&r, "red_flag"), 0, "{r:?}");
    assert_eq!(w.store.all_tasks(&practice_id()).len(), 1);
}

#[tokio::test]
async fn overlapping_sweeps_send_each_reminder_once() {
    let inner = Arc::new(MemoryStore::new());
    let w = world_over(Some(Arc::new(SpyStore::with_hook(
        inner.clone(),
        PassThrough,
    ))));
    let w = World { store: inner, ..w };
    let mut patients = Vec::new();
    for i in 0..30 {
        patients.push(patient(
            &format!("pt{i}"),
            if i % 3 == 0 {
                Channel::Email
            } else {
                Channel::Sms
            },
        ));
    }
    let appts: Vec<_> = patients
        .iter()
        .enumerate()
        .map(|(i, p)| appointment(&format!("a{i}"), p, VISIT))
        .collect();
    w.seed(
        &practice(only_reminders),
        &patients.iter().collect::<Vec<_>>(),
        &appts.iter().collect::<Vec<_>>(),
        "2026-02-01T00:00:00Z",
    )
    .await;
    let mut deps = w.deps.clone();
    deps.options.concurrency = 3;
    let (a, b, c) = tokio::join!(
        run(&w.deps, utc(TWO_DAYS_BEFORE)),
        run(&deps, utc(TWO_DAYS_BEFORE)),
        run(&w.deps, utc("2026-03-08T18:02:00Z"))
    );
    let (a, b, c) = (a.unwrap(), b.unwrap(), c.unwrap());
    assert_eq!(a.claimed + b.claimed + c.claimed, 30, "{a:?} {b:?} {c:?}");
    assert!(
        a.not_claimed + b.not_claimed + c.not_claimed > 0,
        "the runs really overlapped"
    );
    assert_eq!(w.sms.sent().len() + w.email.sent().len(), 30);
}

#[tokio::test]
async fn a_missed_run_catches_up_and_a_reminder_costs_two_round_trips() {
    let w = world();
    let mut patients = Vec::new();
    let mut appts = Vec::new();
    // 20 visits spread over an hour: their two-day reminders fall in 12 buckets.
    for i in 0..20 {
        let p = patient(&format!("pt{i}"), Channel::Sms);
        let starts = utc(VISIT) + Duration::minutes(3 * i);
        appts.push(appointment(&format!("a{i}"), &p, &starts.to_rfc3339()));
        patients.push(p);
    }
    w.seed(
        &practice(|s| s.reminder_offsets = vec![ReminderOffset::Before { minutes: 2880 }]),
        &patients.iter().collect::<Vec<_>>(),
        &appts.iter().collect::<Vec<_>>(),
        "2026-02-01T00:00:00Z",
    )
    .await;
    // A run just before, then nothing for an hour.
    w.sweep("2026-03-08T17:55:00Z").await;
    // The shards the hour's reminders are in: one page each.
    let shards: std::collections::HashSet<String> = w
        .store
        .all_due(&practice_id())
        .iter()
        .filter(|d| d.kind.sweep() == Sweep::Reminders && d.due_at <= utc("2026-03-08T19:00:00Z"))
        .map(frontdesk::keys::due_partition_of)
        .collect();
    w.store.reset_requests();
    let r = w.sweep("2026-03-08T19:00:00Z").await;
    assert_eq!(count(&r, "reminder_sent"), 20, "{r:?}");
    assert_eq!(w.sms.sent().len(), 20);
    // cursor read + one range query per shard of the day (32) + one per unsharded bucket
    // (14) + per page holding work one batch read and one lease release + 20 × (claim with
    // the patient's lease + transaction) + cursor write.
    let requests = w.store.requests();
    assert_eq!(r.buckets, 14);
    assert_eq!(r.pages, 32 + 14);
    assert_eq!(
        requests,
        1 + 32 + 14 + 2 * shards.len() + 2 * 20 + 1,
        "{r:?}"
    );
    let r = w.sweep("2026-03-08T19:05:00Z").await;
    assert_eq!(r.found, 0);
}

fn scheduled_event(time: &str) -> LambdaEvent<serde_json::Value> {
    // The shape of an EventBridge scheduled event (`sam local generate-event cloudwatch scheduled-event`).
    let payload = serde_json::json!({
        "id": "cdc73f9d-aea9-11e3-9d5a-835b769c0d9c",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": time,
        "region": "us-east-1",
        "resources": ["arn:aws:events:us-east-1:123456789012:rule/ExampleRule"],
        "detail": {}
    });
    LambdaEvent::new(payload, Context::default())
}

#[tokio::test]
async fn the_handler_takes_now_from_the_event_and_returns_the_report() {
    let w = world();
    let pt = patient("pt1", Channel::Sms);
    let a = appointment("a1", &pt, VISIT);
    w.seed(&practice(|_| {}), &[&pt], &[&a], "2026-02-01T00:00:00Z")
        .await;
    let out = handle(&w.deps, scheduled_event(TWO_DAYS_BEFORE))
        .await
        .unwrap();
    assert_eq!(out["claimed"], 1, "{out}");
    assert_eq!(out["outcomes"]["reminder_sent"], 1, "{out}");
    assert_eq!(out["failures"], serde_json::json!([]));
    let bad = handle(
        &w.deps,
        LambdaEvent::new(serde_json::json!({"detail": {}}), Context::default()),
    )
    .await
    .unwrap_err();
    assert_eq!(bad.error_type, "Reminders.BadEvent");
}

#[tokio::test]
async fn when_every_item_fails_the_invocation_fails_and_partial_failures_are_reported() {
    let inner = Arc::new(MemoryStore::new());
    let failing = Arc::new(SpyStore::with_hook(inner.clone(), FailingFinish));
    let w = world_over(Some(failing));
    let w = World { store: inner, ..w };
    let pt = patient("pt1", Channel::Voice);
    let a = appointment("a1", &pt, VISIT);
    w.seed(&practice(|_| {}), &[&pt], &[&a], "2026-02-01T00:00:00Z")
        .await;
    let err = handle(&w.deps, scheduled_event(TWO_DAYS_BEFORE))
        .await
        .unwrap_err();
    assert_eq!(err.error_type, "Reminders.AllFailed");
    assert!(err.error_message.contains("lease"), "{}", err.error_message);
    assert!(
        !err.error_message.contains("+1212"),
        "no phone numbers in errors"
    );
}

#[tokio::test]
async fn a_reminder_replanned_while_it_was_being_sent_is_still_recorded_and_the_new_plan_kept() {
    let inner = Arc::new(MemoryStore::new());
    let w = world_over(Some(Arc::new(SpyStore::with_hook(
        inner.clone(),
        ReplanDuringSend {
            armed: std::sync::atomic::AtomicBool::new(true),
        },
    ))));
    let w = World { store: inner, ..w };
    let pt = patient("pt1", Channel::Sms);
    let a = appointment("a1", &pt, VISIT);
    w.seed(
        &practice(|s| s.reminder_offsets = vec![ReminderOffset::Before { minutes: 2880 }]),
        &[&pt],
        &[&a],
        "2026-02-01T00:00:00Z",
    )
    .await;
    let r = w.sweep(TWO_DAYS_BEFORE).await;
    assert_eq!(count(&r, "reminder_sent"), 1, "{r:?}");
    assert_eq!(r.failures, vec![]);
    assert_eq!(w.sms.sent().len(), 1);
    let tl = w.timeline("pt1").await;
    assert!(
        matches!(tl[0].decision, Decision::Sent { .. }),
        "the send is on the timeline: {tl:?}"
    );
    let replanned: Vec<_> = w
        .due()
        .into_iter()
        .filter(|d| matches!(d.kind, DueKind::Reminder { .. }))
        .collect();
    assert_eq!(
        replanned.len(),
        1,
        "the new plan is not finished by the old claim"
    );
    assert_eq!(replanned[0].attempts, 0);
}

/// Just before the first write that records a sent message, the Practice API replans the
/// appointment's due work (same key, new time), so the claim is no longer the sweep's.
struct ReplanDuringSend {
    armed: std::sync::atomic::AtomicBool,
}

#[async_trait]
impl WriteHook for ReplanDuringSend {
    async fn write(&self, inner: &MemoryStore, writes: Vec<Write>) -> frontdesk::Result<()> {
        let claimed = writes.iter().find_map(|w| match w {
            Write::DoneDue { claimed } => Some((**claimed).clone()),
            _ => None,
        });
        let sends = writes
            .iter()
            .any(|w| matches!(w, Write::Message(m) if matches!(m.decision, Decision::Sent { .. })));
        if let Some(mut d) = claimed.filter(|_| sends) {
            if self.armed.swap(false, std::sync::atomic::Ordering::SeqCst) {
                d.due_at += Duration::days(1);
                d.planned_for += Duration::days(1);
                d.attempts = 0;
                inner.write(vec![Write::Due(Box::new(d))]).await?;
            }
        }
        inner.write(writes).await
    }
}

/// Writes that finish or release due work fail (a DynamoDB outage after the claim).
struct FailingFinish;

#[async_trait]
impl WriteHook for FailingFinish {
    async fn write(&self, inner: &MemoryStore, writes: Vec<Write>) -> frontdesk::Result<()> {
        if writes
            .iter()
            .any(|w| matches!(w, Write::DoneDue { .. } | Write::ReleaseDue { .. }))
        {
            return Err(CoreError::Storage(
                "DynamoDB TransactWriteItems: service unavailable".into(),
            ));
        }
        inner.write(writes).await
    }
}

/// The appointment changes just before the first write that touches it (a Practice API
/// upsert racing the sweep).
struct BumpBeforeWrite {
    appointment: AppointmentId,
    armed: std::sync::atomic::AtomicBool,
}

#[async_trait]
impl WriteHook for BumpBeforeWrite {
    async fn write(&self, inner: &MemoryStore, writes: Vec<Write>) -> frontdesk::Result<()> {
        let touches = writes
            .iter()
            .any(|w| matches!(w, Write::Appointment { appointment, .. } if appointment.appointment_id == self.appointment));
        if touches && self.armed.swap(false, std::sync::atomic::Ordering::SeqCst) {
            let fetched = inner
                .get_many(
                    &practice_id(),
                    &[Key::Appointment(self.appointment.clone())],
                )
                .await?;
            if let Some(a) = fetched.appointment(&self.appointment) {
                let mut a = a.clone();
                a.version += 1;
                a.duration_minutes += 15;
                inner
                    .write(vec![Write::Appointment {
                        appointment: Box::new(a),
                        expect: Expect::Any,
                    }])
                    .await?;
            }
        }
        inner.write(writes).await
    }
}

#[path = "overlap_tests.rs"]
mod overlap;

#[cfg(test)]
#[path = "governed_tests.rs"]
mod governed_tests;

#[cfg(test)]
#[path = "spread_tests.rs"]
mod spread_tests;
