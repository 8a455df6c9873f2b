use super::*;
use crate::domain::{
    Channel, Confirmation, ConsentEvent, Decision, Message, MessageId, Priority, Purpose, Task,
    TaskId,
};
use crate::policy::test_fixtures::{appointment, utc};
use crate::ports::Expect;

fn now() -> DateTime<Utc> {
    utc("2026-03-02T15:00:00Z")
}

fn types(writes: &[Write]) -> Vec<EventType> {
    events(writes, now()).iter().map(|e| e.event_type).collect()
}

fn task_types(writes: &[Write]) -> Vec<EventType> {
    task_events(writes).iter().map(|e| e.event_type).collect()
}

/// A task as the store gives it back: no news.
fn stored(mut t: Task) -> Task {
    t.news = crate::domain::TaskNews::none();
    t
}

fn task(kind: TaskKind, title: &str, created: DateTime<Utc>) -> Task {
    let mut t = Task::open(
        crate::domain::PracticeId::parse("prc_test").unwrap(),
        TaskId::generate(),
        kind,
        Priority::High,
        title,
        "detail",
        created,
    );
    t.patient_id = Some(crate::domain::PatientId::parse("pat-1").unwrap());
    t
}

#[test]
fn a_confirmation_now_is_an_event_and_a_later_rewrite_is_not() {
    let mut a = appointment("2026-03-05T15:00:00Z", None);
    a.confirmation = Some(Confirmation {
        at: now(),
        channel: Channel::Sms,
    });
    let w = Write::Appointment {
        appointment: Box::new(a.clone()),
        expect: Expect::Version(0),
    };
    let got = events(std::slice::from_ref(&w), now());
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].event_type, EventType::AppointmentConfirmed);
    assert_eq!(got[0].data["appointment_id"], "apt-1");
    assert_eq!(got[0].data["confirmation"]["channel"], "sms");
    // The same appointment written an hour later (a reminder's bookkeeping): nothing.
    assert!(events(&[w], now() + chrono::Duration::hours(1)).is_empty());
}

#[test]
fn opened_tasks_are_events_and_requests_name_what_the_patient_asked() {
    let writes = vec![
        Write::Task(Box::new(task(
            TaskKind::RescheduleRequest,
            "Reschedule request",
            now(),
        ))),
        Write::Task(Box::new(task(
            TaskKind::CancelRequest,
            "Cancel request",
            now(),
        ))),
        Write::Task(Box::new(task(
            TaskKind::CancelRequest,
            "Cancel request (to clarify)",
            now(),
        ))),
        // Read back and rewritten (a snooze, an escalation): nothing.
        Write::Task(Box::new(stored(task(
            TaskKind::InboxMessage,
            "old",
            now() - chrono::Duration::days(1),
        )))),
    ];
    assert!(types(&writes).is_empty(), "tasks are the store's to derive");
    assert_eq!(
        task_types(&writes),
        vec![
            EventType::AppointmentRescheduleRequested,
            EventType::TaskCreated,
            EventType::AppointmentCancelRequested,
            EventType::TaskCreated,
            EventType::TaskCreated,
        ]
    );
}

#[test]
fn a_task_just_resolved_is_an_event_and_its_later_rewrite_is_not() {
    let mut t = stored(task(
        TaskKind::CallPatient,
        "Call",
        now() - chrono::Duration::hours(2),
    ));
    t.resolve_as("reached", now());
    let got = task_events(&[Write::Task(Box::new(t.clone()))]);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].event_type, EventType::TaskResolved);
    assert_eq!(got[0].occurred_at, now());
    assert_eq!(got[0].data["kind"], "call_patient");
    assert!(task_events(&[Write::Task(Box::new(stored(t)))]).is_empty());
}

fn consent(granted: bool, source: ConsentChangeSource) -> Write {
    Write::ConsentEvent(Box::new(ConsentEvent {
        practice_id: crate::domain::PracticeId::parse("prc_test").unwrap(),
        patient_id: crate::domain::PatientId::parse("pat-1").unwrap(),
        event_id: ulid::Ulid::new().to_string(),
        at: now(),
        channel: Channel::Sms,
        kind: None,
        granted,
        source,
    }))
}

#[test]
fn consent_changes_by_the_patient_are_events_and_the_pms_own_are_not() {
    let stop = ConsentChangeSource::PatientKeyword {
        keyword: "STOP".into(),
    };
    assert_eq!(
        types(&[consent(false, stop.clone())]),
        vec![EventType::PatientOptedOut]
    );
    assert_eq!(
        types(&[consent(true, stop)]),
        vec![EventType::PatientPreferencesChanged]
    );
    assert!(types(&[consent(false, ConsentChangeSource::Pms)]).is_empty());
}

#[test]
fn an_inbound_message_is_an_event_without_its_body() {
    let m = Message {
        practice_id: crate::domain::PracticeId::parse("prc_test").unwrap(),
        patient_id: Some(crate::domain::PatientId::parse("pat-1").unwrap()),
        unknown_sender: None,
        message_id: MessageId::generate(),
        at: now(),
        channel: Channel::Sms,
        direction: Direction::Inbound,
        purpose: Purpose::Reply,
        body: "my tooth hurts, Ana".into(),
        decision: Decision::Received,
        appointment_id: None,
        actor: None,
    };
    let got = events(&[Write::Message(Box::new(m.clone()))], now());
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].event_type, EventType::MessageReceived);
    assert!(!got[0].payload().contains("tooth"));
    assert!(!got[0].payload().contains("Ana"));
    let mut unknown = m;
    unknown.patient_id = None;
    assert!(events(&[Write::Message(Box::new(unknown))], now()).is_empty());
}

#[test]
fn deriving_twice_adds_each_event_once() {
    let t = task(TaskKind::InboxMessage, "x", now());
    let writes = vec![Write::Task(Box::new(t.clone())), Write::Task(Box::new(t))];
    let with = with_task_events(with_task_events(writes));
    let outbox = with
        .iter()
        .filter(|w| matches!(w, Write::WebhookEvent { .. }))
        .count();
    assert_eq!(outbox, 1);
}

#[test]
fn a_slot_claimed_now_is_one_event_and_an_open_or_older_claim_is_none() {
    let a = appointment("2026-03-05T15:00:00Z", None);
    let open = crate::domain::FreedSlot::new(&a, crate::domain::SlotReason::Cancelled, now());
    let claimed = open.next(now(), |s| {
        s.state = crate::domain::SlotState::Claimed {
            patient_id: crate::domain::PatientId::parse("pat-2").unwrap(),
            entry_id: crate::domain::WaitlistEntryId::parse("wl-1").unwrap(),
            at: now(),
            via: Some(Channel::Email),
        }
    });
    let write = |s: &crate::domain::FreedSlot| Write::Slot {
        slot: Box::new(s.clone()),
        expect: Expect::Version(1),
    };
    assert!(types(&[write(&open)]).is_empty(), "freed, not claimed");
    let got = events(&[write(&claimed), write(&claimed)], now());
    assert_eq!(got.len(), 1, "one item per claim");
    assert_eq!(got[0].event_type, EventType::WaitlistSlotClaimed);
    assert_eq!(got[0].data["appointment_id"], "apt-1");
    assert_eq!(got[0].data["patient_id"], "pat-2");
    assert_eq!(got[0].data["via"], "email");
    assert!(got[0].payload().contains("waitlist.slot_claimed"));
    assert!(events(&[write(&claimed)], now() + chrono::Duration::minutes(1)).is_empty());
}
