//! The DynamoDB adapter against moto, through the real SDK client. Every test gets its own
//! table (`fresh_table`), so tests run in parallel without sharing data.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Duration, TimeZone, Utc};
use frontdesk::domain::{
    Appointment, AppointmentId, AppointmentStatus, Channel, ChannelConsent, ConsentGrant,
    ConsentSource, Consents, Decision, Direction, DueKind, DueWork, Message, MessageId,
    MessageKind, Patient, PatientId, PhoneNumber, Practice, PracticeId, PracticeSettings, Priority,
    Purpose, ReminderOffset, Sweep, Task, TaskId, TaskKind, TaskStatus,
};
use frontdesk::dynamo::DynamoStore;
use frontdesk::keys;
use frontdesk::ports::{Expect, Item, Key, Store, Write};
use frontdesk::Error;
use local_stack::Moto;

async fn store() -> DynamoStore {
    let moto = Moto::shared().await.expect("moto starts");
    let table = moto.fresh_table().await.expect("table is created");
    DynamoStore::new(aws_sdk_dynamodb::Client::new(&moto.sdk_config()), table)
}

async fn raw_client() -> aws_sdk_dynamodb::Client {
    let moto = Moto::shared().await.expect("moto starts");
    aws_sdk_dynamodb::Client::new(&moto.sdk_config())
}

fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 10, h, m, 0).unwrap()
}

fn phone(n: &str) -> PhoneNumber {
    PhoneNumber::parse_e164(n).unwrap()
}

fn practice(id: &PracticeId) -> Practice {
    Practice {
        practice_id: id.clone(),
        settings: PracticeSettings {
            name: "Smile Dental".into(),
            sms_number: Some(phone("+12125550199")),
            ..Default::default()
        },
        sms_provider: Default::default(),
        api_keys: vec![],
        created_at: at(9, 0),
        updated_at: at(9, 0),
    }
}

fn patient(practice_id: &PracticeId, id: &str, number: Option<&str>) -> Patient {
    let mut sms = ChannelConsent::default();
    sms.kinds.insert(
        MessageKind::Care,
        ConsentGrant {
            granted: true,
            source: ConsentSource::PracticeStaff,
            at: at(9, 0),
        },
    );
    Patient {
        practice_id: practice_id.clone(),
        patient_id: PatientId::parse(id).unwrap(),
        first_name: "Ada".into(),
        last_name: "Lovelace".into(),
        phone: number.map(phone),
        email: None,
        preferred_channel: Channel::Sms,
        consents: Consents(BTreeMap::from([(Channel::Sms, sms)])),
        time_zone: Some(chrono_tz::Europe::London),
        birth_date: None,
        voicemail_waiver: false,
        new_patient: true,
        no_show_count: 0,
        recent_automated: vec![at(9, 30)],
        thread: Default::default(),
        last_review_request_at: None,
        open_feedback_task: None,
        created_at: at(9, 0),
        updated_at: at(9, 0),
        version: 1,
    }
}

fn appointment(practice_id: &PracticeId, id: &str, patient_id: &str) -> Appointment {
    Appointment {
        practice_id: practice_id.clone(),
        appointment_id: AppointmentId::parse(id).unwrap(),
        patient_id: PatientId::parse(patient_id).unwrap(),
        starts_at: at(15, 0),
        duration_minutes: 30,
        provider: Some("Dr. Who".into()),
        kind: None,
        status: AppointmentStatus::Scheduled,
        confirmation: None,
        planned_due: vec![],
        tasks: vec![],
        created_at: at(9, 0),
        updated_at: at(9, 0),
        version: 1,
    }
}

fn message(practice_id: &PracticeId, patient_id: &str, when: DateTime<Utc>) -> Message {
    Message {
        practice_id: practice_id.clone(),
        patient_id: Some(PatientId::parse(patient_id).unwrap()),
        unknown_sender: None,
        message_id: MessageId::generate(),
        at: when,
        channel: Channel::Sms,
        direction: Direction::Outbound,
        purpose: Purpose::Reminder,
        body: format!("See you at {when}"),
        decision: Decision::Sent {
            provider_message_id: Some("m-1".into()),
        },
        appointment_id: None,
        actor: None,
    }
}

fn task(practice_id: &PracticeId, priority: Priority, created_at: DateTime<Utc>) -> Task {
    Task {
        practice_id: practice_id.clone(),
        task_id: TaskId::generate(),
        kind: TaskKind::InboxMessage,
        priority,
        status: TaskStatus::Open,
        title: "Reply to a patient".into(),
        detail: "A free-text message arrived".into(),
        script: None,
        voicemail_script: None,
        patient_id: None,
        appointment_id: None,
        due_at: created_at,
        created_at,
        resolved_at: None,
        resolution: None,
        work: Default::default(),
    }
}

fn due(
    practice_id: &PracticeId,
    appointment: &str,
    kind: DueKind,
    due_at: DateTime<Utc>,
) -> DueWork {
    DueWork {
        practice_id: practice_id.clone(),
        appointment_id: AppointmentId::parse(appointment).unwrap(),
        patient_id: PatientId::parse("pat-1").unwrap(),
        kind,
        due_at,
        planned_for: at(15, 0),
        attempts: 0,
    }
}

fn put_patient(p: Patient, expect: Expect, previous_phone: Option<PhoneNumber>) -> Write {
    Write::Patient {
        patient: Box::new(p),
        expect,
        previous_phone,
    }
}

fn claim(practice_id: &PracticeId, key: &str) -> Write {
    Write::Claim {
        practice_id: practice_id.clone(),
        key: key.into(),
        expires_at: at(12, 0) + Duration::days(30),
    }
}

#[tokio::test]
async fn a_claim_can_be_made_only_once() {
    let store = store().await;
    let p = PracticeId::generate();
    store
        .write(vec![claim(&p, "reminder#a1#b2880")])
        .await
        .unwrap();
    let again = store.write(vec![claim(&p, "reminder#a1#b2880")]).await;
    assert_eq!(again, Err(Error::Conflict));
    // The same key in another practice is another claim.
    store
        .write(vec![claim(&PracticeId::generate(), "reminder#a1#b2880")])
        .await
        .unwrap();
}

#[tokio::test]
async fn a_claim_is_stored_with_its_ttl() {
    let store = store().await;
    let p = PracticeId::generate();
    store.write(vec![claim(&p, "inbound#SM123")]).await.unwrap();
    let item = raw_client()
        .await
        .get_item()
        .table_name(store.table_name())
        .key(keys::PK, AttributeValue::S(keys::practice_pk(&p)))
        .key(keys::SK, AttributeValue::S(keys::claim_sk("inbound#SM123")))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    let expected = (at(12, 0) + Duration::days(30)).timestamp().to_string();
    assert_eq!(item[keys::TTL], AttributeValue::N(expected));
}

#[tokio::test]
async fn creating_a_patient_that_already_exists_conflicts() {
    let store = store().await;
    let p = PracticeId::generate();
    let ada = patient(&p, "pat-1", Some("+12125550111"));
    store
        .write(vec![put_patient(ada.clone(), Expect::Absent, None)])
        .await
        .unwrap();
    let mut other = ada.clone();
    other.first_name = "Someone else".into();
    assert_eq!(
        store
            .write(vec![put_patient(other, Expect::Absent, None)])
            .await,
        Err(Error::Conflict)
    );
    let fetched = store
        .get_many(&p, &[Key::Patient(ada.patient_id.clone())])
        .await
        .unwrap();
    assert_eq!(fetched.patient(&ada.patient_id), Some(&ada));
}

#[tokio::test]
async fn a_stale_version_conflicts_and_the_current_version_wins() {
    let store = store().await;
    let p = PracticeId::generate();
    let mut ada = patient(&p, "pat-1", None);
    store
        .write(vec![put_patient(ada.clone(), Expect::Absent, None)])
        .await
        .unwrap();
    ada.version = 2;
    ada.first_name = "Augusta".into();
    assert_eq!(
        store
            .write(vec![put_patient(ada.clone(), Expect::Version(7), None)])
            .await,
        Err(Error::Conflict)
    );
    store
        .write(vec![put_patient(ada.clone(), Expect::Version(1), None)])
        .await
        .unwrap();
    assert_eq!(
        store
            .write(vec![put_patient(ada.clone(), Expect::Version(1), None)])
            .await,
        Err(Error::Conflict),
        "version 1 is gone now"
    );
    let appt = appointment(&p, "appt-1", "pat-1");
    store
        .write(vec![Write::Appointment {
            appointment: Box::new(appt.clone()),
            expect: Expect::Absent,
        }])
        .await
        .unwrap();
    assert_eq!(
        store
            .write(vec![Write::Appointment {
                appointment: Box::new(appt),
                expect: Expect::Version(0),
            }])
            .await,
        Err(Error::Conflict)
    );
}

#[tokio::test]
async fn a_patient_is_found_by_phone_within_its_practice_and_not_from_another() {
    let store = store().await;
    let mine = PracticeId::generate();
    let theirs = PracticeId::generate();
    let shared_phone = "+12125550111";
    let parent = patient(&mine, "pat-parent", Some(shared_phone));
    let child = patient(&mine, "pat-child", Some(shared_phone));
    let stranger = patient(&mine, "pat-other", Some("+12125550122"));
    store
        .write(vec![
            put_patient(parent.clone(), Expect::Absent, None),
            put_patient(child.clone(), Expect::Absent, None),
            put_patient(stranger, Expect::Absent, None),
        ])
        .await
        .unwrap();

    store.reset_requests();
    let found = store
        .patients_by_phone(&mine, &phone(shared_phone))
        .await
        .unwrap();
    assert_eq!(store.requests(), 1, "one Query");
    let mut ids: Vec<_> = found.iter().map(|p| p.patient_id.as_str()).collect();
    ids.sort();
    assert_eq!(ids, ["pat-child", "pat-parent"]);
    assert!(
        found.contains(&parent) && found.contains(&child),
        "full copies"
    );

    assert!(store
        .patients_by_phone(&theirs, &phone(shared_phone))
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn changing_a_phone_removes_the_old_index_entry() {
    let store = store().await;
    let p = PracticeId::generate();
    let (old, new) = ("+12125550111", "+12125550122");
    let mut ada = patient(&p, "pat-1", Some(old));
    store
        .write(vec![put_patient(ada.clone(), Expect::Absent, None)])
        .await
        .unwrap();
    ada.phone = Some(phone(new));
    ada.version = 2;
    store
        .write(vec![put_patient(
            ada.clone(),
            Expect::Version(1),
            Some(phone(old)),
        )])
        .await
        .unwrap();
    assert!(store
        .patients_by_phone(&p, &phone(old))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        store.patients_by_phone(&p, &phone(new)).await.unwrap(),
        vec![ada.clone()]
    );

    // Removing the phone altogether removes its entry too.
    ada.phone = None;
    ada.version = 3;
    store
        .write(vec![put_patient(ada, Expect::Version(2), Some(phone(new)))])
        .await
        .unwrap();
    assert!(store
        .patients_by_phone(&p, &phone(new))
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn the_timeline_pages_in_time_order_across_pages() {
    let store = store().await;
    let p = PracticeId::generate();
    let written: Vec<Message> = [40, 5, 25, 10, 55]
        .iter()
        .map(|m| message(&p, "pat-1", at(10, *m)))
        .collect();
    let mut writes: Vec<Write> = written
        .iter()
        .map(|m| Write::Message(Box::new(m.clone())))
        .collect();
    writes.push(Write::Message(Box::new(message(&p, "pat-2", at(10, 30)))));
    store.write(writes).await.unwrap();

    let mut seen: Vec<Message> = vec![];
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        store.reset_requests();
        let page = store
            .timeline(
                &p,
                &PatientId::parse("pat-1").unwrap(),
                cursor.as_deref(),
                2,
            )
            .await
            .unwrap();
        assert_eq!(store.requests(), 1, "one Query per page");
        pages += 1;
        assert!(page.items.len() <= 2);
        seen.extend(page.items);
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let mut expected = written.clone();
    expected.sort_by_key(|m| m.at);
    assert_eq!(
        seen, expected,
        "oldest first, whole messages, only this patient's"
    );

    // A page that ends exactly at the end has no cursor (no empty last page).
    let all = store
        .timeline(&p, &PatientId::parse("pat-1").unwrap(), None, 5)
        .await
        .unwrap();
    assert_eq!(all.items.len(), 5);
    assert_eq!(all.next, None);
}

#[tokio::test]
async fn a_foreign_or_garbage_timeline_cursor_is_rejected() {
    let store = store().await;
    let mine = PracticeId::generate();
    let theirs = PracticeId::generate();
    let pat = PatientId::parse("pat-1").unwrap();
    store
        .write(
            (0..3)
                .map(|m| Write::Message(Box::new(message(&theirs, "pat-1", at(11, m)))))
                .collect(),
        )
        .await
        .unwrap();
    let foreign = store
        .timeline(&theirs, &pat, None, 1)
        .await
        .unwrap()
        .next
        .unwrap();
    let other_patient = PatientId::parse("pat-2").unwrap();
    for (practice, patient, cursor) in [
        (&mine, &pat, foreign.as_str()),
        (&theirs, &other_patient, foreign.as_str()),
        (&mine, &pat, "not a cursor"),
        (&mine, &pat, "eyJQSyI6IlAjeCJ9"),
    ] {
        let err = store
            .timeline(practice, patient, Some(cursor), 10)
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::Invalid {
                    field: "cursor",
                    ..
                }
            ),
            "{err:?}"
        );
    }
}

#[tokio::test]
async fn open_tasks_come_most_urgent_then_newest_and_resolved_tasks_leave_the_list() {
    let store = store().await;
    let p = PracticeId::generate();
    let normal_old = task(&p, Priority::Normal, at(8, 0));
    let normal_new = task(&p, Priority::Normal, at(9, 0));
    let urgent = task(&p, Priority::Urgent, at(7, 0));
    let low = task(&p, Priority::Low, at(10, 0));
    let high = task(&p, Priority::High, at(6, 0));
    let elsewhere = task(&PracticeId::generate(), Priority::Urgent, at(6, 0));
    store
        .write(
            [&normal_old, &normal_new, &urgent, &low, &high, &elsewhere]
                .into_iter()
                .map(|t| Write::Task(Box::new(t.clone())))
                .collect(),
        )
        .await
        .unwrap();

    let first = store.open_tasks(&p, None, 3).await.unwrap();
    let second = store
        .open_tasks(&p, first.next.as_deref(), 3)
        .await
        .unwrap();
    assert_eq!(second.next, None);
    let order: Vec<_> = first
        .items
        .iter()
        .chain(&second.items)
        .map(|t| &t.task_id)
        .collect();
    assert_eq!(
        order,
        vec![
            &urgent.task_id,
            &high.task_id,
            &normal_new.task_id,
            &normal_old.task_id,
            &low.task_id
        ]
    );

    let mut done = urgent.clone();
    done.status = TaskStatus::Resolved;
    done.resolved_at = Some(at(12, 0));
    done.resolution = Some("reached".into());
    store
        .write(vec![Write::Task(Box::new(done.clone()))])
        .await
        .unwrap();
    let open = store.open_tasks(&p, None, 10).await.unwrap();
    assert_eq!(open.items.len(), 4);
    assert!(open.items.iter().all(|t| t.task_id != urgent.task_id));
    let fetched = store
        .get_many(&p, &[Key::Task(done.task_id.clone())])
        .await
        .unwrap();
    assert_eq!(
        fetched.task(&done.task_id),
        Some(&done),
        "the resolved task is still stored"
    );

    // A cursor from another practice's list is refused.
    let other = PracticeId::generate();
    store
        .write(vec![
            Write::Task(Box::new(task(&other, Priority::Low, at(1, 0)))),
            Write::Task(Box::new(task(&other, Priority::Low, at(2, 0)))),
        ])
        .await
        .unwrap();
    let foreign = store
        .open_tasks(&other, None, 1)
        .await
        .unwrap()
        .next
        .unwrap();
    let err = store.open_tasks(&p, Some(&foreign), 10).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Invalid {
                field: "cursor",
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn due_in_bucket_returns_only_work_of_that_sweep_due_by_then() {
    let store = store().await;
    let p = PracticeId::generate();
    let q = PracticeId::generate();
    let reminder = |appt: &str, when| {
        due(
            &p,
            appt,
            DueKind::Reminder {
                offset: ReminderOffset::Before { minutes: 2880 },
            },
            when,
        )
    };
    let early = reminder("appt-1", at(10, 1));
    let on_time = reminder("appt-2", at(10, 3));
    let later = reminder("appt-3", at(10, 4));
    let next_bucket = reminder("appt-4", at(10, 6));
    let other_practice = due(&q, "appt-5", DueKind::ConfirmationDeadline, at(10, 2));
    let no_show = due(&p, "appt-6", DueKind::NoShowCheck, at(10, 2));
    store
        .write(
            [
                &early,
                &on_time,
                &later,
                &next_bucket,
                &other_practice,
                &no_show,
            ]
            .into_iter()
            .map(|d| Write::Due(Box::new(d.clone())))
            .collect(),
        )
        .await
        .unwrap();

    let got = store
        .due_in_bucket(Sweep::Reminders, at(10, 0), at(10, 3))
        .await
        .unwrap();
    assert_eq!(
        got,
        vec![early.clone(), other_practice, on_time.clone()],
        "due order, across practices"
    );
    let no_shows = store
        .due_in_bucket(Sweep::NoShows, at(10, 0), at(10, 59))
        .await
        .unwrap();
    assert_eq!(no_shows, vec![no_show]);
    let next = store
        .due_in_bucket(Sweep::Reminders, at(10, 5), at(10, 59))
        .await
        .unwrap();
    assert_eq!(next, vec![next_bucket]);

    store
        .write(vec![Write::RemoveDue {
            practice_id: p.clone(),
            due_key: keys::due_key_of(&early),
        }])
        .await
        .unwrap();
    let got = store
        .due_in_bucket(Sweep::Reminders, at(10, 0), at(10, 4))
        .await
        .unwrap();
    assert!(!got.contains(&early));
    assert!(got.contains(&on_time) && got.contains(&later));
}

#[tokio::test]
async fn a_number_route_belongs_to_one_practice() {
    let store = store().await;
    let a = PracticeId::generate();
    let b = PracticeId::generate();
    let number = phone("+12125550199");
    let route = |p: &PracticeId| Write::NumberRoute {
        number: number.clone(),
        practice_id: p.clone(),
    };
    let unroute = |p: &PracticeId| Write::RemoveNumberRoute {
        number: number.clone(),
        practice_id: p.clone(),
    };
    assert_eq!(store.practice_for_number(&number).await.unwrap(), None);
    store.write(vec![route(&a)]).await.unwrap();
    store.write(vec![route(&a)]).await.unwrap();
    assert_eq!(store.write(vec![route(&b)]).await, Err(Error::Conflict));
    assert_eq!(
        store.practice_for_number(&number).await.unwrap(),
        Some(a.clone())
    );

    // Another practice removing it does nothing (as in the in-memory store).
    store.write(vec![unroute(&b)]).await.unwrap();
    store
        .write(vec![
            unroute(&b),
            Write::Task(Box::new(task(&b, Priority::Low, at(1, 0)))),
        ])
        .await
        .unwrap();
    assert_eq!(
        store.open_tasks(&b, None, 10).await.unwrap().items.len(),
        1,
        "the rest of the batch is written"
    );
    assert_eq!(
        store.practice_for_number(&number).await.unwrap(),
        Some(a.clone())
    );

    store.write(vec![unroute(&a)]).await.unwrap();
    assert_eq!(store.practice_for_number(&number).await.unwrap(), None);
    store.write(vec![route(&b)]).await.unwrap();
    assert_eq!(store.practice_for_number(&number).await.unwrap(), Some(b));
}

#[tokio::test]
async fn a_transaction_with_a_failed_condition_writes_nothing() {
    let store = store().await;
    let p = PracticeId::generate();
    store.write(vec![claim(&p, "inbound#SM1")]).await.unwrap();
    let pat = PatientId::parse("pat-1").unwrap();
    let result = store
        .write(vec![
            Write::Message(Box::new(message(&p, "pat-1", at(10, 0)))),
            Write::Task(Box::new(task(&p, Priority::Urgent, at(10, 0)))),
            put_patient(
                patient(&p, "pat-1", Some("+12125550111")),
                Expect::Absent,
                None,
            ),
            claim(&p, "inbound#SM1"),
        ])
        .await;
    assert_eq!(result, Err(Error::Conflict));
    assert!(store
        .timeline(&p, &pat, None, 10)
        .await
        .unwrap()
        .items
        .is_empty());
    assert!(store
        .open_tasks(&p, None, 10)
        .await
        .unwrap()
        .items
        .is_empty());
    assert!(store
        .get_many(&p, &[Key::Patient(pat.clone())])
        .await
        .unwrap()
        .0
        .is_empty());
    assert!(store
        .patients_by_phone(&p, &phone("+12125550111"))
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn get_many_reads_three_items_in_one_request() {
    let store = store().await;
    let p = PracticeId::generate();
    let prac = practice(&p);
    let pat = patient(&p, "pat-1", Some("+12125550111"));
    let appt = appointment(&p, "appt-1", "pat-1");
    store
        .write(vec![
            Write::Practice {
                practice: Box::new(prac.clone()),
                expect_absent: true,
            },
            put_patient(pat.clone(), Expect::Absent, None),
            Write::Appointment {
                appointment: Box::new(appt.clone()),
                expect: Expect::Absent,
            },
        ])
        .await
        .unwrap();

    store.reset_requests();
    let keys = [
        Key::Appointment(appt.appointment_id.clone()),
        Key::Practice,
        Key::Patient(pat.patient_id.clone()),
        Key::Task(TaskId::parse("tsk_missing").unwrap()),
    ];
    let fetched = store.get_many(&p, &keys).await.unwrap();
    assert_eq!(store.requests(), 1, "one BatchGetItem");
    assert_eq!(fetched.0.len(), 3, "missing items are left out");
    assert_eq!(fetched.practice(), Some(&prac));
    assert_eq!(fetched.patient(&pat.patient_id), Some(&pat));
    assert_eq!(fetched.appointment(&appt.appointment_id), Some(&appt));

    store.reset_requests();
    assert_eq!(store.get_practice(&p).await.unwrap(), Some(prac));
    assert_eq!(store.requests(), 1, "one GetItem");
    assert_eq!(
        store.get_practice(&PracticeId::generate()).await.unwrap(),
        None
    );
}

#[tokio::test]
async fn every_batch_of_writes_is_one_request() {
    let store = store().await;
    let p = PracticeId::generate();
    store.reset_requests();
    store
        .write(vec![Write::Message(Box::new(message(
            &p,
            "pat-1",
            at(10, 0),
        )))])
        .await
        .unwrap();
    assert_eq!(store.requests(), 1, "one PutItem");
    store.reset_requests();
    store
        .write(vec![
            put_patient(
                patient(&p, "pat-1", Some("+12125550111")),
                Expect::Absent,
                None,
            ),
            Write::Message(Box::new(message(&p, "pat-1", at(10, 1)))),
            claim(&p, "k"),
        ])
        .await
        .unwrap();
    assert_eq!(store.requests(), 1, "one TransactWriteItems");
    store.reset_requests();
    store.write(vec![]).await.unwrap();
    assert_eq!(store.requests(), 0);
}

#[tokio::test]
async fn a_corrupt_item_is_reported_not_skipped() {
    let store = store().await;
    let p = PracticeId::generate();
    let good = patient(&p, "pat-good", Some("+12125550111"));
    store
        .write(vec![put_patient(good, Expect::Absent, None)])
        .await
        .unwrap();
    let raw = raw_client().await;
    for (sk, ty) in [
        (
            keys::patient_sk(&PatientId::parse("pat-bad").unwrap()),
            "patient",
        ),
        (
            keys::phone_sk(
                &phone("+12125550111"),
                &PatientId::parse("pat-bad").unwrap(),
            ),
            "patient_phone",
        ),
    ] {
        raw.put_item()
            .table_name(store.table_name())
            .item(keys::PK, AttributeValue::S(keys::practice_pk(&p)))
            .item(keys::SK, AttributeValue::S(sk))
            .item("type", AttributeValue::S(ty.into()))
            .item("first_name", AttributeValue::S("Grace Hopper".into()))
            .send()
            .await
            .unwrap();
    }
    let err = store
        .get_many(&p, &[Key::Patient(PatientId::parse("pat-bad").unwrap())])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Corrupt(_)), "{err:?}");
    assert!(
        !err.to_string().contains("Grace"),
        "no stored values in errors: {err}"
    );
    let err = store
        .patients_by_phone(&p, &phone("+12125550111"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Corrupt(_)), "{err:?}");
}

#[tokio::test]
async fn an_unreachable_table_is_a_storage_error_without_item_contents() {
    let moto = Moto::shared().await.unwrap();
    let store = DynamoStore::new(
        aws_sdk_dynamodb::Client::new(&moto.sdk_config()),
        "frontdesk-test-no-such-table",
    );
    let p = PracticeId::generate();
    let err = store
        .write(vec![put_patient(
            patient(&p, "pat-1", Some("+12125550111")),
            Expect::Any,
            None,
        )])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Storage(_)), "{err:?}");
    let text = err.to_string();
    assert!(!text.contains("+1212") && !text.contains("Ada"), "{text}");
}

fn no_show_check(practice_id: &PracticeId, appointment: &str, due_at: DateTime<Utc>) -> DueWork {
    due(practice_id, appointment, DueKind::NoShowCheck, due_at)
}

async fn plan(store: &DynamoStore, work: &[&DueWork]) {
    store
        .write(
            work.iter()
                .map(|d| Write::Due(Box::new((*d).clone())))
                .collect(),
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn due_work_is_claimed_once_even_by_overlapping_sweeps() {
    let store = store().await;
    let p = PracticeId::generate();
    let seen = no_show_check(&p, "appt-1", at(10, 1));
    plan(&store, &[&seen]).await;

    store.reset_requests();
    let claimed = store
        .claim_due(&seen, at(10, 11))
        .await
        .unwrap()
        .expect("the first sweep claims it");
    assert_eq!(store.requests(), 1, "one UpdateItem");
    let mut expected = seen.clone();
    expected.due_at = at(10, 11);
    expected.attempts = 1;
    assert_eq!(claimed, expected, "the stored item as it is now");

    // A second sweep that read the same item before the claim loses.
    assert_eq!(store.claim_due(&seen, at(10, 12)).await.unwrap(), None);
    // After the lease, the next sweep sees the claimed item and may claim it again.
    let again = store
        .claim_due(&claimed, at(10, 21))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.attempts, 2);
    assert_eq!(store.claim_due(&claimed, at(10, 22)).await.unwrap(), None);

    // Two sweeps claiming the same items at the same moment, through clones of one store.
    // moto 5.2.5 serves requests on threads and checks an UpdateItem's condition without a
    // lock, so two truly simultaneous claims sometimes both succeed there (from 1 in ~170
    // races alone to 1 in ~10 with the suite running in parallel); DynamoDB serialises the
    // writes to one item. Exactly-once is proven deterministically above. Here: both sweeps
    // get an answer, not an error; one of them wins; and the item as seen is spent.
    let other = store.clone();
    let work: Vec<DueWork> = (0..10)
        .map(|i| no_show_check(&p, &format!("appt-race-{i}"), at(10, 2)))
        .collect();
    plan(&store, &work.iter().collect::<Vec<_>>()).await;
    for w in &work {
        let (a, b) = tokio::join!(
            store.claim_due(w, at(10, 12)),
            other.claim_due(w, at(10, 13))
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        assert!(a.is_some() || b.is_some(), "one of the sweeps claims it");
        assert_eq!(
            store.claim_due(w, at(10, 14)).await.unwrap(),
            None,
            "a third sweep with the same view loses"
        );
    }

    // Work that was removed (or never planned) cannot be claimed.
    let gone = no_show_check(&p, "appt-gone", at(10, 1));
    assert_eq!(store.claim_due(&gone, at(10, 11)).await.unwrap(), None);
}

#[tokio::test]
async fn a_claimed_item_moves_from_its_bucket_to_the_lease_bucket() {
    let store = store().await;
    let p = PracticeId::generate();
    let seen = no_show_check(&p, "appt-1", at(10, 1));
    let neighbour = no_show_check(&p, "appt-2", at(10, 3));
    plan(&store, &[&seen, &neighbour]).await;

    let claimed = store.claim_due(&seen, at(10, 17)).await.unwrap().unwrap();
    assert_eq!(
        store
            .due_in_bucket(Sweep::NoShows, at(10, 0), at(10, 59))
            .await
            .unwrap(),
        vec![neighbour],
        "gone from the old bucket"
    );
    assert_eq!(
        store
            .due_in_bucket(Sweep::NoShows, at(10, 15), at(10, 17))
            .await
            .unwrap(),
        vec![claimed],
        "in the lease bucket"
    );
    assert!(
        store
            .due_in_bucket(Sweep::NoShows, at(10, 15), at(10, 16))
            .await
            .unwrap()
            .is_empty(),
        "not due before the lease ends"
    );
}

#[tokio::test]
async fn finishing_due_work_needs_the_current_claim() {
    let store = store().await;
    let p = PracticeId::generate();
    let seen = no_show_check(&p, "appt-1", at(10, 1));
    plan(&store, &[&seen]).await;
    let claimed = store.claim_due(&seen, at(10, 11)).await.unwrap().unwrap();

    let done = |d: &DueWork| Write::DoneDue {
        claimed: Box::new(d.clone()),
    };
    assert_eq!(
        store.write(vec![done(&seen)]).await,
        Err(Error::Conflict),
        "a stale claim"
    );
    // In a transaction, a stale claim writes nothing else either.
    let note = message(&p, "pat-1", at(10, 5));
    assert_eq!(
        store
            .write(vec![done(&seen), Write::Message(Box::new(note))])
            .await,
        Err(Error::Conflict)
    );
    assert!(store
        .timeline(&p, &PatientId::parse("pat-1").unwrap(), None, 10)
        .await
        .unwrap()
        .items
        .is_empty());

    store.reset_requests();
    store.write(vec![done(&claimed)]).await.unwrap();
    assert_eq!(store.requests(), 1, "one DeleteItem");
    assert!(store
        .due_in_bucket(Sweep::NoShows, at(10, 10), at(10, 59))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(store.claim_due(&claimed, at(10, 21)).await.unwrap(), None);
    assert_eq!(
        store.write(vec![done(&claimed)]).await,
        Err(Error::Conflict),
        "already done"
    );
}

#[tokio::test]
async fn releasing_due_work_moves_it_to_its_next_bucket() {
    let store = store().await;
    let p = PracticeId::generate();
    let seen = no_show_check(&p, "appt-1", at(10, 1));
    plan(&store, &[&seen]).await;
    let claimed = store.claim_due(&seen, at(10, 11)).await.unwrap().unwrap();
    let mut next = claimed.clone();
    next.due_at = at(11, 2);

    let release = |held: &DueWork| Write::ReleaseDue {
        claimed: Box::new(held.clone()),
        next: Box::new(next.clone()),
    };
    assert_eq!(
        store.write(vec![release(&seen)]).await,
        Err(Error::Conflict),
        "a stale claim"
    );
    store.reset_requests();
    store
        .write(vec![
            release(&claimed),
            Write::Message(Box::new(message(&p, "pat-1", at(10, 5)))),
        ])
        .await
        .unwrap();
    assert_eq!(store.requests(), 1, "one TransactWriteItems");
    assert!(store
        .due_in_bucket(Sweep::NoShows, at(10, 10), at(10, 59))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        store
            .due_in_bucket(Sweep::NoShows, at(11, 0), at(11, 2))
            .await
            .unwrap(),
        vec![next.clone()]
    );
    // The released item is claimable as it now is, and the old claim is spent.
    assert_eq!(
        store.write(vec![release(&claimed)]).await,
        Err(Error::Conflict)
    );
    let reclaimed = store.claim_due(&next, at(11, 12)).await.unwrap().unwrap();
    assert_eq!(reclaimed.attempts, claimed.attempts + 1);
}

#[tokio::test]
async fn noting_an_automated_send_updates_both_copies_and_the_version() {
    let store = store().await;
    let p = PracticeId::generate();
    let number = "+12125550111";
    let ada = patient(&p, "pat-1", Some(number));
    store
        .write(vec![put_patient(ada.clone(), Expect::Absent, None)])
        .await
        .unwrap();
    let note = |phone: Option<&str>, when| Write::NoteAutomatedSend {
        practice_id: p.clone(),
        patient_id: ada.patient_id.clone(),
        phone: phone.map(self::phone),
        at: when,
    };

    store.reset_requests();
    store
        .write(vec![note(Some(number), at(10, 0))])
        .await
        .unwrap();
    assert_eq!(store.requests(), 1, "one TransactWriteItems");
    let mut expected = ada.clone();
    expected.recent_automated = vec![at(9, 30), at(10, 0)];
    expected.version = 2;
    let fetched = store
        .get_many(&p, &[Key::Patient(ada.patient_id.clone())])
        .await
        .unwrap();
    assert_eq!(fetched.patient(&ada.patient_id), Some(&expected));
    assert_eq!(
        store.patients_by_phone(&p, &phone(number)).await.unwrap(),
        vec![expected.clone()]
    );

    // A stale upsert can no longer erase the noted send.
    let mut stale = ada.clone();
    stale.first_name = "Augusta".into();
    stale.version = 2;
    assert_eq!(
        store
            .write(vec![put_patient(stale, Expect::Version(1), None)])
            .await,
        Err(Error::Conflict)
    );

    // Without a phone: one UpdateItem on the patient alone.
    store.reset_requests();
    store.write(vec![note(None, at(10, 5))]).await.unwrap();
    assert_eq!(store.requests(), 1, "one UpdateItem");
    let main = store
        .get_many(&p, &[Key::Patient(ada.patient_id.clone())])
        .await
        .unwrap();
    let main = main.patient(&ada.patient_id).unwrap();
    assert_eq!(main.recent_automated, vec![at(9, 30), at(10, 0), at(10, 5)]);
    assert_eq!(main.version, 3);

    // A phone that is no longer the patient's: the main item is noted, no stub copy. The
    // copy's lenient condition fails, so the rest is sent again: one extra round trip.
    let old = "+12125550999";
    store.reset_requests();
    store.write(vec![note(Some(old), at(10, 6))]).await.unwrap();
    assert_eq!(store.requests(), 2);
    assert!(store
        .patients_by_phone(&p, &phone(old))
        .await
        .unwrap()
        .is_empty());

    // A patient that is gone is a conflict.
    let ghost = Write::NoteAutomatedSend {
        practice_id: p.clone(),
        patient_id: PatientId::parse("pat-ghost").unwrap(),
        phone: None,
        at: at(10, 7),
    };
    assert_eq!(store.write(vec![ghost]).await, Err(Error::Conflict));
    assert!(store
        .get_many(&p, &[Key::Patient(PatientId::parse("pat-ghost").unwrap())])
        .await
        .unwrap()
        .0
        .is_empty());
}

#[tokio::test]
async fn an_upsert_and_a_noted_send_in_one_batch_apply_in_order() {
    let store = store().await;
    let p = PracticeId::generate();
    let number = "+12125550111";
    let mut ada = patient(&p, "pat-1", Some(number));
    store
        .write(vec![put_patient(ada.clone(), Expect::Absent, None)])
        .await
        .unwrap();
    ada.first_name = "Augusta".into();
    ada.version = 2;
    store
        .write(vec![
            put_patient(ada.clone(), Expect::Version(1), None),
            Write::NoteAutomatedSend {
                practice_id: p.clone(),
                patient_id: ada.patient_id.clone(),
                phone: Some(phone(number)),
                at: at(10, 0),
            },
        ])
        .await
        .unwrap();
    let mut expected = ada.clone();
    expected.recent_automated.push(at(10, 0));
    expected.version = 3;
    assert_eq!(
        store
            .get_many(&p, &[Key::Patient(ada.patient_id.clone())])
            .await
            .unwrap()
            .patient(&ada.patient_id),
        Some(&expected)
    );
    assert_eq!(
        store.patients_by_phone(&p, &phone(number)).await.unwrap(),
        vec![expected]
    );
}

#[tokio::test]
async fn get_across_reads_items_of_two_practices_in_one_request() {
    let store = store().await;
    let a = PracticeId::generate();
    let b = PracticeId::generate();
    let (prac_a, prac_b) = (practice(&a), practice(&b));
    // The same patient id in both practices: two different patients.
    let (pat_a, mut pat_b) = (patient(&a, "pat-1", None), patient(&b, "pat-1", None));
    pat_b.first_name = "Grace".into();
    let mut writes = vec![];
    for (prac, pat) in [(&prac_a, &pat_a), (&prac_b, &pat_b)] {
        writes.push(Write::Practice {
            practice: Box::new(prac.clone()),
            expect_absent: true,
        });
        writes.push(put_patient(pat.clone(), Expect::Absent, None));
    }
    store.write(writes).await.unwrap();

    let pat = PatientId::parse("pat-1").unwrap();
    store.reset_requests();
    let items = store
        .get_across(&[
            (b.clone(), Key::Patient(pat.clone())),
            (a.clone(), Key::Practice),
            (a.clone(), Key::Patient(pat.clone())),
            (b.clone(), Key::Practice),
            (b.clone(), Key::Task(TaskId::parse("tsk_missing").unwrap())),
            (a.clone(), Key::Practice),
        ])
        .await
        .unwrap();
    assert_eq!(store.requests(), 1, "one BatchGetItem");
    assert_eq!(
        items,
        vec![
            Item::Patient(Box::new(pat_b)),
            Item::Practice(Box::new(prac_a)),
            Item::Patient(Box::new(pat_a)),
            Item::Practice(Box::new(prac_b)),
        ],
        "in the order asked, each key once, missing ones left out"
    );

    // More than 100 keys: one BatchGetItem per 100.
    let many: Vec<(PracticeId, Key)> = (0..150)
        .map(|i| {
            let p = if i % 2 == 0 { &a } else { &b };
            (
                p.clone(),
                Key::Task(TaskId::parse(format!("tsk_{i}")).unwrap()),
            )
        })
        .chain([(a.clone(), Key::Practice)])
        .collect();
    store.reset_requests();
    let items = store.get_across(&many).await.unwrap();
    assert_eq!(store.requests(), 2);
    assert_eq!(items.len(), 1);

    store.reset_requests();
    assert!(store.get_across(&[]).await.unwrap().is_empty());
    assert_eq!(store.requests(), 0);
}

#[tokio::test]
async fn a_sweep_cursor_round_trips() {
    let store = store().await;
    assert_eq!(store.sweep_cursor(Sweep::Reminders).await.unwrap(), None);
    store.reset_requests();
    store
        .write(vec![Write::SweepCursor {
            sweep: Sweep::Reminders,
            bucket: at(10, 5),
        }])
        .await
        .unwrap();
    assert_eq!(store.requests(), 1, "one PutItem");
    store.reset_requests();
    assert_eq!(
        store.sweep_cursor(Sweep::Reminders).await.unwrap(),
        Some(at(10, 5))
    );
    assert_eq!(store.requests(), 1, "one GetItem");
    store
        .write(vec![Write::SweepCursor {
            sweep: Sweep::Reminders,
            bucket: at(10, 10),
        }])
        .await
        .unwrap();
    assert_eq!(
        store.sweep_cursor(Sweep::Reminders).await.unwrap(),
        Some(at(10, 10))
    );
    assert_eq!(store.sweep_cursor(Sweep::NoShows).await.unwrap(), None);
}

#[tokio::test]
async fn a_patients_appointments_are_listed_soonest_first_from_a_time_and_only_theirs() {
    let store = store().await;
    let practice = PracticeId::parse("p-appts").unwrap();
    let mk = |id: &str, patient: &str, at: &str| frontdesk::domain::Appointment {
        practice_id: practice.clone(),
        appointment_id: frontdesk::domain::AppointmentId::parse(id).unwrap(),
        patient_id: PatientId::parse(patient).unwrap(),
        starts_at: chrono::DateTime::parse_from_rfc3339(at).unwrap().to_utc(),
        duration_minutes: 30,
        provider: None,
        kind: None,
        status: frontdesk::domain::AppointmentStatus::Scheduled,
        confirmation: None,
        planned_due: vec![],
        tasks: vec![],
        created_at: chrono::Utc::now(),
        updated_at: chrono::Utc::now(),
        version: 1,
    };
    let writes = [
        mk("a-late", "pt-1", "2030-03-01T10:00:00Z"),
        mk("a-past", "pt-1", "2020-03-01T10:00:00Z"),
        mk("a-soon", "pt-1", "2030-01-01T10:00:00Z"),
        mk("a-other", "pt-2", "2030-01-01T09:00:00Z"),
    ]
    .into_iter()
    .map(|a| Write::Appointment {
        appointment: Box::new(a),
        expect: Expect::Absent,
    })
    .collect();
    store.write(writes).await.unwrap();
    store.reset_requests();
    let from = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
        .unwrap()
        .to_utc();
    let found = store
        .appointments_for_patient(&practice, &PatientId::parse("pt-1").unwrap(), from, 5)
        .await
        .unwrap();
    let ids: Vec<&str> = found.iter().map(|a| a.appointment_id.as_str()).collect();
    assert_eq!(ids, vec!["a-soon", "a-late"]);
    assert_eq!(store.requests(), 1);
}
