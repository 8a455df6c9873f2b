//! The reminders sweep against moto through the real adapters: `DynamoStore`, `SnsSms`
//! and `SesEmail`, each test on its own fresh table. What went out is read from moto's
//! outbox, filtered by a practice name unique to the test (the outbox is shared by every
//! test using the same moto server).

use std::sync::Arc;

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use aws_lambda_events::encodings::Body;
use chrono::Duration;
use frontdesk::deliver::Senders;
use frontdesk::domain::{
    bucket_of, Appointment, AppointmentId, Channel, ClockTime, Confirmation, ConsentSource,
    Consents, Decision, DueKind, DueWork, EmailAddress, Message, MessageKind, Patient, PatientId,
    PhoneNumber, Practice, PracticeId, PracticeSettings, Priority, Purpose, ReminderOffset, Sweep,
    Task, TaskKind,
};
use frontdesk::dynamo::DynamoStore;
use frontdesk::planning;
use frontdesk::ports::{Expect, FixedClock, Key, Store, Write};
use frontdesk::ses::SesEmail;
use frontdesk::sns::SnsSms;
use frontdesk::sweep::{SweepOptions, SweepReport};
use http::{HeaderValue, Method};
use lambda_runtime::{Context, LambdaEvent};
use local_stack::Moto;
use reminders::{handle, run, Deps};
use serde_json::{json, Value};

use testkit::utc;

const FROM_EMAIL: &str = "front@reminders-test.example";

struct Stack {
    moto: &'static Moto,
    store: Arc<DynamoStore>,
    deps: Deps,
    /// Unique to this test; starts every patient message.
    name: String,
    practice_id: PracticeId,
}

async fn stack() -> Stack {
    let moto = Moto::shared()
        .await
        .expect("moto starts (run `make venv` first)");
    let table = moto
        .fresh_table()
        .await
        .expect("a table from template.yaml");
    let config = moto.sdk_config();
    local_stack::verify_sender(&config, FROM_EMAIL)
        .await
        .expect("sender verified");
    let store = Arc::new(DynamoStore::new(
        aws_sdk_dynamodb::Client::new(&config),
        table.clone(),
    ));
    let tag = table.rsplit('-').next().unwrap_or_default().to_uppercase();
    let tag = &tag[tag.len().saturating_sub(8)..];
    Stack {
        moto,
        deps: Deps {
            store: store.clone(),
            senders: Senders {
                sms: Arc::new(SnsSms::from_conf(&config)),
                email: Arc::new(SesEmail::from_conf(&config, None)),
            },
            options: SweepOptions::default(),
            governor: frontdesk::sweep::Governor::unlimited(),
        },
        store,
        name: format!("Clinic {tag}"),
        practice_id: PracticeId::parse(format!("prc-{}", tag.to_lowercase())).unwrap(),
    }
}

impl Stack {
    fn practice(&self, edit: impl FnOnce(&mut PracticeSettings)) -> Practice {
        let mut settings = PracticeSettings {
            name: self.name.clone(),
            time_zone: chrono_tz::America::New_York,
            sms_number: Some(PhoneNumber::parse_e164("+12125550100").unwrap()),
            email_from: Some(EmailAddress::parse(FROM_EMAIL).unwrap()),
            // Exact times: these tests sweep at 08:00 sharp.
            spread_minutes: 0,
            ..Default::default()
        };
        edit(&mut settings);
        Practice {
            practice_id: self.practice_id.clone(),
            settings,
            sms_provider: Default::default(),
            api_keys: vec![],
            created_at: utc("2026-01-01T00:00:00Z"),
            updated_at: utc("2026-01-01T00:00:00Z"),
        }
    }

    fn patient(&self, n: u32, channel: Channel) -> Patient {
        let t = utc("2026-01-01T00:00:00Z");
        let mut consents = Consents::default();
        consents.set(
            channel,
            MessageKind::Care,
            true,
            ConsentSource::PatientForm,
            t,
        );
        Patient {
            phone: Some(PhoneNumber::parse_e164(&format!("+1212555{:04}", 1000 + n)).unwrap()),
            email: Some(EmailAddress::parse(&format!("pt{n}@example.org")).unwrap()),
            consents,
            ..Patient::new(
                self.practice_id.clone(),
                PatientId::parse(format!("pt{n}")).unwrap(),
                "Ana",
                "Lopez",
                channel,
                t,
            )
        }
    }

    fn appointment(&self, id: &str, patient: &Patient, starts_at: &str) -> Appointment {
        let mut a = testkit::fixtures::appointment(id, patient, starts_at);
        a.provider = None;
        a.kind = Some("extraction".into());
        a
    }

    /// The practice, its patients, and appointments planned as the Practice API plans them
    /// when written at `planned_at`. Store writes only (no BatchWriteItem), one per record.
    async fn seed(
        &self,
        practice: &Practice,
        patients: &[&Patient],
        appointments: &[&Appointment],
        planned_at: &str,
    ) {
        self.store
            .write(vec![Write::Practice {
                practice: Box::new(practice.clone()),
                expect_absent: false,
            }])
            .await
            .unwrap();
        for p in patients {
            self.store
                .write(vec![Write::Patient {
                    patient: Box::new((*p).clone()),
                    expect: Expect::Any,
                    previous_phone: None,
                }])
                .await
                .unwrap();
        }
        for a in appointments {
            let p = patients
                .iter()
                .find(|p| p.patient_id == a.patient_id)
                .unwrap();
            let planned = planning::plan_for(a, p, &practice.settings, utc(planned_at));
            let mut a = (*a).clone();
            a.planned_due = planned.iter().map(frontdesk::keys::due_key_of).collect();
            let mut writes: Vec<Write> = planned
                .into_iter()
                .map(|d| Write::Due(Box::new(d)))
                .collect();
            writes.push(Write::Appointment {
                appointment: Box::new(a),
                expect: Expect::Any,
            });
            self.store.write(writes).await.unwrap();
        }
    }

    async fn sweep(&self, at: &str) -> SweepReport {
        let r = run(&self.deps, utc(at)).await.unwrap();
        assert_eq!(r.failures, vec![], "at {at}: {r:?}");
        r
    }

    /// This test's SMS in moto's outbox: (to, body).
    async fn texts(&self) -> Vec<(String, String)> {
        let outbox = self.moto.outbox().await.unwrap();
        outbox["sms"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| {
                m["body"]
                    .as_str()
                    .unwrap_or_default()
                    .starts_with(&format!("{}:", self.name))
            })
            .map(|m| {
                (
                    m["to"].as_str().unwrap().to_string(),
                    m["body"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }

    /// This test's email in moto's outbox.
    async fn emails(&self) -> Vec<Value> {
        let outbox = self.moto.outbox().await.unwrap();
        outbox["email"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| {
                m["subject"]
                    .as_str()
                    .unwrap_or_default()
                    .contains(&self.name)
            })
            .cloned()
            .collect()
    }

    async fn timeline(&self, patient: &str) -> Vec<Message> {
        self.store
            .timeline(
                &self.practice_id,
                &PatientId::parse(patient).unwrap(),
                None,
                100,
            )
            .await
            .unwrap()
            .items
    }

    async fn appointment_now(&self, id: &str) -> Appointment {
        let id = AppointmentId::parse(id).unwrap();
        self.store
            .get_many(&self.practice_id, &[Key::Appointment(id.clone())])
            .await
            .unwrap()
            .appointment(&id)
            .cloned()
            .unwrap()
    }

    async fn open_tasks(&self) -> Vec<Task> {
        self.store
            .open_tasks(&self.practice_id, None, 100)
            .await
            .unwrap()
            .items
    }

    async fn due_at(&self, at: &str) -> Vec<DueWork> {
        let at = utc(at);
        self.store
            .due_in_bucket(Sweep::Reminders, bucket_of(at), at)
            .await
            .unwrap()
    }
}

fn count(r: &SweepReport, label: &str) -> usize {
    r.outcomes.get(label).copied().unwrap_or(0)
}

#[tokio::test]
async fn offsets_follow_each_patients_clock_across_dst_changes() {
    let mut s = stack().await;
    // Sweeps here are days apart with nothing due between them: look back 6 hours rather
    // than a week, to spare moto thousands of empty bucket queries.
    s.deps.options.max_catch_up = Duration::hours(6);
    let practice = s.practice(|_| {}); // New York; 1 week, 2 days, 08:00 on the day
    let ny = s.patient(1, Channel::Sms);
    let mut london = s.patient(2, Channel::Sms);
    london.time_zone = Some(chrono_tz::Europe::London);
    // 14:00 EDT on Tue Mar 10, two days after the US change (the week before was EST).
    let a_ny = s.appointment("a-ny", &ny, "2026-03-10T18:00:00Z");
    // 14:00 BST on Tue Mar 31, two days after the UK change.
    let a_london = s.appointment("a-london", &london, "2026-03-31T13:00:00Z");
    s.seed(
        &practice,
        &[&ny, &london],
        &[&a_ny, &a_london],
        "2026-02-01T00:00:00Z",
    )
    .await;

    let expected = [
        ("2026-03-03T18:00:00Z", "+12125551001"), // 168 h before: 13:00 EST
        ("2026-03-08T18:00:00Z", "+12125551001"), // 48 h before: 14:00 EDT
        ("2026-03-10T12:00:00Z", "+12125551001"), // 08:00 EDT on the day
        ("2026-03-24T13:00:00Z", "+12125551002"), // 168 h before: 13:00 GMT
        ("2026-03-29T13:00:00Z", "+12125551002"), // 48 h before: 14:00 BST
        ("2026-03-31T07:00:00Z", "+12125551002"), // 08:00 BST on the day (03:00 in New York)
    ];
    for (i, (at, to)) in expected.iter().enumerate() {
        let before = (utc(at) - Duration::minutes(5)).to_rfc3339();
        let r = s.sweep(&before).await;
        assert_eq!(
            count(&r, "reminder_sent"),
            0,
            "nothing early, at {before}: {r:?}"
        );
        let r = s.sweep(at).await;
        assert_eq!(count(&r, "reminder_sent"), 1, "at {at}: {r:?}");
        let texts = s.texts().await;
        assert_eq!(texts.len(), i + 1, "{texts:?}");
        assert_eq!(&texts[i].0, to);
    }
    let texts = s.texts().await;
    for (_, body) in &texts[..3] {
        assert!(body.contains("Tue, Mar 10 at 2:00 PM."), "{body}");
    }
    for (_, body) in &texts[3..] {
        assert!(
            body.contains("Tue, Mar 31 at 2:00 PM BST"),
            "the patient's clock, labelled: {body}"
        );
    }
    for (_, body) in &texts {
        assert!(
            body.contains("Reply C to confirm or R to reschedule"),
            "{body}"
        );
        assert!(
            !body.to_lowercase().contains("cancel") && !body.contains("extraction"),
            "{body}"
        );
    }
    let sent_at: Vec<_> = s.timeline("pt2").await.iter().map(|m| m.at).collect();
    assert_eq!(
        sent_at,
        vec![utc(expected[3].0), utc(expected[4].0), utc(expected[5].0)]
    );
}

#[tokio::test]
async fn a_reminder_due_at_night_is_deferred_to_the_patients_morning_and_sent_then() {
    let s = stack().await;
    let practice =
        s.practice(|p| p.reminder_offsets = vec![ReminderOffset::Before { minutes: 600 }]);
    let mut pt = s.patient(1, Channel::Sms);
    pt.time_zone = Some(chrono_tz::America::Los_Angeles);
    // 09:00 PST; its reminder is due at 23:00 PST, 02:00 in the practice's New York.
    let a = s.appointment("a1", &pt, "2026-01-15T17:00:00Z");
    s.seed(&practice, &[&pt], &[&a], "2026-01-01T00:00:00Z")
        .await;

    let r = s.sweep("2026-01-15T07:00:00Z").await;
    assert_eq!(count(&r, "reminder_deferred"), 1, "{r:?}");
    assert!(s.texts().await.is_empty(), "nothing at night");
    let tl = s.timeline("pt1").await;
    assert_eq!(tl.len(), 1);
    assert_eq!(
        tl[0].decision,
        Decision::Deferred {
            until: utc("2026-01-15T16:00:00Z")
        }
    );
    let due = s.due_at("2026-01-15T16:00:00Z").await;
    let reminder: Vec<_> = due
        .iter()
        .filter(|d| matches!(d.kind, DueKind::Reminder { .. }))
        .collect();
    assert_eq!(reminder.len(), 1, "{due:?}");
    assert_eq!(reminder[0].due_at, utc("2026-01-15T16:00:00Z"), "08:00 PST");
    assert_eq!(
        reminder[0].attempts, 0,
        "a deferral is not a failed attempt"
    );

    let r = s.sweep("2026-01-15T15:55:00Z").await;
    assert_eq!(count(&r, "reminder_sent"), 0, "{r:?}");
    let r = s.sweep("2026-01-15T16:00:00Z").await;
    assert_eq!(count(&r, "reminder_sent"), 1, "{r:?}");
    let texts = s.texts().await;
    assert_eq!(texts.len(), 1);
    assert!(texts[0].1.contains("9:00 AM PST"), "{}", texts[0].1);
}

#[tokio::test]
async fn overlapping_sweeps_send_each_reminder_exactly_once() {
    let s = stack().await;
    let practice =
        s.practice(|p| p.reminder_offsets = vec![ReminderOffset::Before { minutes: 2880 }]);
    let patients: Vec<Patient> = (0..12)
        .map(|n| {
            s.patient(
                n,
                if n % 4 == 0 {
                    Channel::Email
                } else {
                    Channel::Sms
                },
            )
        })
        .collect();
    let appts: Vec<Appointment> = patients
        .iter()
        .enumerate()
        .map(|(i, p)| s.appointment(&format!("a{i}"), p, "2026-03-10T18:00:00Z"))
        .collect();
    s.seed(
        &practice,
        &patients.iter().collect::<Vec<_>>(),
        &appts.iter().collect::<Vec<_>>(),
        "2026-02-01T00:00:00Z",
    )
    .await;
    let mut other = s.deps.clone();
    other.options.concurrency = 2;
    let now = utc("2026-03-08T18:00:00Z");
    let (a, b, c) = tokio::join!(
        run(&s.deps, now),
        run(&other, now),
        run(&s.deps, now + Duration::minutes(1))
    );
    let (a, b, c) = (a.unwrap(), b.unwrap(), c.unwrap());
    assert_eq!(a.claimed + b.claimed + c.claimed, 12, "{a:?}\n{b:?}\n{c:?}");
    assert!(a.failures.is_empty() && b.failures.is_empty() && c.failures.is_empty());
    let r = s.sweep("2026-03-08T18:05:00Z").await;
    assert_eq!(r.claimed, 0, "and a retried run later finds nothing: {r:?}");
    let texts = s.texts().await;
    let emails = s.emails().await;
    assert_eq!((texts.len(), emails.len()), (9, 3), "{texts:?} {emails:?}");
    let mut to: Vec<_> = texts.iter().map(|t| t.0.clone()).collect();
    to.sort();
    to.dedup();
    assert_eq!(to.len(), 9, "one text per patient");
}

#[tokio::test]
async fn a_missed_run_catches_up_at_two_requests_per_reminder() {
    let s = stack().await;
    let practice =
        s.practice(|p| p.reminder_offsets = vec![ReminderOffset::Before { minutes: 60 }]);
    let patients: Vec<Patient> = (0..3).map(|n| s.patient(n, Channel::Sms)).collect();
    let appts: Vec<Appointment> = ["11:00", "11:20", "11:40"]
        .iter()
        .zip(&patients)
        .enumerate()
        .map(|(i, (t, p))| s.appointment(&format!("a{i}"), p, &format!("2026-03-10T{t}:00-04:00")))
        .collect();
    s.seed(
        &practice,
        &patients.iter().collect::<Vec<_>>(),
        &appts.iter().collect::<Vec<_>>(),
        "2026-02-01T00:00:00Z",
    )
    .await;
    s.sweep("2026-03-10T09:55:00-04:00").await;
    // The 10:00 to 10:55 runs never happened; 11:00 catches up on all three.
    s.store.reset_requests();
    let r = s.sweep("2026-03-10T11:00:00-04:00").await;
    assert_eq!(count(&r, "reminder_sent"), 3, "{r:?}");
    assert_eq!(s.texts().await.len(), 3);
    // cursor read, one range query per shard of the day (32) and per unsharded bucket
    // (14: 09:55 to 11:00), per page with work one batch read and one lease release, a
    // claim (with the patient's lease) and one transaction per reminder, the cursor write.
    assert_eq!(r.buckets, 14);
    assert_eq!(r.pages, 32 + 14);
    // (one to three pages hold the three reminders, by their shards)
    let requests = s.store.requests();
    let fixed = 1 + 32 + 14 + 2 * 3 + 1;
    assert!(
        requests >= fixed + 2 && requests <= fixed + 2 * 3,
        "{requests} requests: {r:?}"
    );
    let r = s.sweep("2026-03-10T11:05:00-04:00").await;
    assert_eq!(r.claimed, 0);
    assert_eq!(s.texts().await.len(), 3);
}

#[tokio::test]
async fn a_confirmation_stops_further_requests_and_leaves_a_day_of_note() {
    let s = stack().await;
    let practice = s.practice(|_| {});
    let pt = s.patient(1, Channel::Sms);
    let a = s.appointment("a1", &pt, "2026-03-10T18:00:00Z");
    s.seed(&practice, &[&pt], &[&a], "2026-02-01T00:00:00Z")
        .await;
    assert_eq!(
        count(&s.sweep("2026-03-03T18:00:00Z").await, "reminder_sent"),
        1
    );
    // The patient replies C: the inbound function records it on the appointment.
    let mut a = s.appointment_now("a1").await;
    let version = a.version;
    a.confirmation = Some(Confirmation {
        at: utc("2026-03-03T18:30:00Z"),
        channel: Channel::Sms,
    });
    a.version += 1;
    s.store
        .write(vec![Write::Appointment {
            appointment: Box::new(a),
            expect: Expect::Version(version),
        }])
        .await
        .unwrap();

    let r = s.sweep("2026-03-08T18:00:00Z").await;
    assert_eq!(count(&r, "already_confirmed"), 1, "{r:?}");
    let r = s.sweep("2026-03-10T04:00:00Z").await;
    assert_eq!(count(&r, "deadline_confirmed"), 1, "{r:?}");
    let r = s.sweep("2026-03-10T12:00:00Z").await;
    assert_eq!(count(&r, "day_of_note_sent"), 1, "{r:?}");
    let texts = s.texts().await;
    assert_eq!(texts.len(), 2, "{texts:?}");
    assert!(texts[0].1.contains("Reply C to confirm"));
    assert!(
        texts[1].1.contains("see you today at 2:00 PM"),
        "{}",
        texts[1].1
    );
    assert!(!texts[1].1.contains("confirm"));
    assert!(s.open_tasks().await.is_empty());
    let purposes: Vec<_> = s.timeline("pt1").await.iter().map(|m| m.purpose).collect();
    assert_eq!(purposes, vec![Purpose::Reminder, Purpose::DayOfNote]);
}

#[tokio::test]
async fn a_monday_visit_unconfirmed_raises_its_red_flag_on_friday_afternoon_new_patients_first() {
    let s = stack().await;
    // Office hours: Monday to Friday 08:00-17:00 New York; Saturday and Sunday closed.
    // No reminders, so the sweeps below only have the red flags to raise.
    let practice = s.practice(|p| {
        p.release_unconfirmed_slots = true;
        p.reminder_offsets = vec![];
    });
    let regular = s.patient(1, Channel::Sms);
    let mut newbie = s.patient(2, Channel::Email);
    newbie.new_patient = true;
    let mut far = s.patient(3, Channel::Sms);
    far.time_zone = Some(chrono_tz::America::Los_Angeles);
    // Monday 2026-03-16, 10:00, 11:00 and 12:00 EDT.
    let a1 = s.appointment("a1", &regular, "2026-03-16T14:00:00Z");
    let a2 = s.appointment("a2", &newbie, "2026-03-16T15:00:00Z");
    let a3 = s.appointment("a3", &far, "2026-03-16T16:00:00Z");
    s.seed(
        &practice,
        &[&regular, &newbie, &far],
        &[&a1, &a2, &a3],
        "2026-03-12T12:00:00Z",
    )
    .await;

    let r = s.sweep("2026-03-13T17:55:00Z").await; // Friday 13:55
    assert_eq!(r.claimed, 0, "{r:?}");
    let r = s.sweep("2026-03-13T18:00:00Z").await; // Friday 14:00: new patients first
    assert_eq!(
        (count(&r, "red_flag"), count(&r, "red_flag_new_patient")),
        (0, 1),
        "{r:?}"
    );
    let r = s.sweep("2026-03-13T20:00:00Z").await; // Friday 16:00, an hour before closing
    assert_eq!(
        (count(&r, "red_flag"), count(&r, "red_flag_new_patient")),
        (2, 0),
        "the patient in Los Angeles too: staff call on the practice's hours. {r:?}"
    );
    let r = s.sweep("2026-03-16T04:00:00Z").await; // midnight before the visit: nothing left
    assert_eq!(r.claimed, 0, "{r:?}");

    let tasks = s.open_tasks().await;
    assert_eq!(tasks.len(), 3);
    assert_eq!(tasks[0].priority, Priority::Urgent, "new patients first");
    assert_eq!(tasks[0].patient_id.as_ref().unwrap().as_str(), "pt2");
    assert!(
        tasks[0].title.contains("higher no-show risk"),
        "{}",
        tasks[0].title
    );
    assert!(tasks[0].detail.contains("higher risk"));
    for t in &tasks {
        assert_eq!(t.kind, TaskKind::UnconfirmedAppointment);
        assert!(
            t.created_at
                .with_timezone(&chrono_tz::America::New_York)
                .format("%a")
                .to_string()
                == "Fri"
        );
        assert!(
            t.detail.contains("may be offered to another patient"),
            "{}",
            t.detail
        );
        let a = s
            .appointment_now(t.appointment_id.as_ref().unwrap().as_str())
            .await;
        assert_eq!(a.tasks, vec![t.task_id.clone()]);
    }
    assert_eq!(tasks[1].priority, Priority::High);
    assert!(
        s.texts().await.is_empty() && s.emails().await.is_empty(),
        "nothing is sent to patients"
    );
}

#[tokio::test]
async fn an_email_patient_is_reminded_through_ses_and_a_voice_patient_by_a_staff_call() {
    let s = stack().await;
    let practice = s.practice(|p| {
        p.reminder_offsets = vec![ReminderOffset::DayOf {
            at: ClockTime::hm(9, 0),
        }]
    });
    let mail = s.patient(1, Channel::Email);
    let voice = s.patient(2, Channel::Voice);
    let a1 = s.appointment("a1", &mail, "2026-03-10T18:00:00Z");
    let a2 = s.appointment("a2", &voice, "2026-03-10T18:00:00Z");
    s.seed(
        &practice,
        &[&mail, &voice],
        &[&a1, &a2],
        "2026-03-09T12:00:00Z",
    )
    .await;
    // The deadline has passed unconfirmed; let it raise its flags first.
    s.sweep("2026-03-10T04:00:00Z").await;
    let r = s.sweep("2026-03-10T13:00:00Z").await;
    assert_eq!(
        (count(&r, "reminder_sent"), count(&r, "reminder_staff_task")),
        (1, 1),
        "{r:?}"
    );
    let emails = s.emails().await;
    assert_eq!(emails.len(), 1);
    assert_eq!(emails[0]["to"], json!("pt1@example.org"));
    assert_eq!(emails[0]["from"], json!(FROM_EMAIL));
    assert!(emails[0]["body"]
        .as_str()
        .unwrap()
        .contains("Reply C to confirm or R to reschedule"));
    assert!(s.texts().await.is_empty(), "neither patient gets a text");
    let calls: Vec<_> = s
        .open_tasks()
        .await
        .into_iter()
        .filter(|t| t.kind == TaskKind::CallPatient)
        .collect();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].patient_id.as_ref().unwrap().as_str(), "pt2");
    assert!(calls[0]
        .script
        .as_deref()
        .unwrap()
        .contains("Can we count on seeing you?"));
}

// --- Through the Practice API ---------------------------------------------------------

const OPERATOR: &str = "moto-test-operator";

fn api_event(
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> ApiGatewayV2httpRequest {
    let mut ev = ApiGatewayV2httpRequest::default();
    ev.request_context.http.method = Method::from_bytes(method.as_bytes()).unwrap();
    ev.raw_path = Some(path.to_string());
    ev.raw_query_string = Some(String::new());
    ev.headers.insert(
        "authorization",
        HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
    );
    if let Some(b) = body {
        ev.headers
            .insert("content-type", HeaderValue::from_static("application/json"));
        ev.body = Some(b.to_string());
    }
    ev
}

async fn api(
    s: &Stack,
    at: &str,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> Value {
    let deps = practice_api::Deps::new(
        s.store.clone(),
        Arc::new(FixedClock(utc(at))),
        practice_api::auth::OperatorSecret::new(OPERATOR),
        s.deps.senders.clone(),
        frontdesk::testing::owners().0,
    );
    let r: ApiGatewayV2httpResponse =
        practice_api::respond(&deps, api_event(method, path, token, body)).await;
    let body = match &r.body {
        Some(Body::Text(t)) => serde_json::from_str(t).unwrap(),
        _ => Value::Null,
    };
    assert!(
        r.status_code < 300,
        "{method} {path}: {} {body}",
        r.status_code
    );
    body
}

#[tokio::test]
async fn a_moved_appointment_fires_only_its_new_slots_reminders() {
    let s = stack().await;
    let at = "2026-02-01T15:00:00Z";
    let created = api(
        &s,
        at,
        "POST",
        "/v1/practices",
        OPERATOR,
        Some(
            json!({"name": s.name, "time_zone": "America/New_York", "sms_number": "+12125550100"}),
        ),
    )
    .await;
    let key = created["api_key"].as_str().unwrap().to_string();
    let practice_id = PracticeId::parse(created["practice_id"].as_str().unwrap()).unwrap();
    api(
        &s,
        at,
        "PUT",
        "/v1/patients/pt-1",
        &key,
        Some(json!({
            "first_name": "Ann", "last_name": "Lee", "phone": "+12125551001",
            "preferred_channel": "sms", "consents": {"sms": {"care": true}}
        })),
    )
    .await;
    let visit = |starts: &str| json!({"patient_id": "pt-1", "starts_at": starts, "duration_minutes": 30, "kind": "cleaning"});
    api(
        &s,
        at,
        "PUT",
        "/v1/appointments/a-1",
        &key,
        Some(visit("2026-03-10T14:00:00-04:00")),
    )
    .await;
    // Moved to the next day, after the old slot's week-before reminder went out.
    let r = s.sweep("2026-03-03T18:00:00Z").await;
    assert_eq!(count(&r, "reminder_sent"), 1, "{r:?}");
    api(
        &s,
        "2026-03-04T15:00:00Z",
        "PUT",
        "/v1/appointments/a-1",
        &key,
        Some(visit("2026-03-11T10:00:00-04:00")),
    )
    .await;
    // A stale item the Practice API did not know about (defense in depth): the old slot's
    // two-day reminder, as if a replan had been lost.
    let old_two_days = DueWork {
        practice_id: practice_id.clone(),
        appointment_id: AppointmentId::parse("a-1").unwrap(),
        patient_id: PatientId::parse("pt-1").unwrap(),
        kind: DueKind::Reminder {
            offset: ReminderOffset::Before { minutes: 2879 },
        },
        due_at: utc("2026-03-08T18:01:00Z"),
        planned_for: utc("2026-03-10T18:00:00Z"),
        attempts: 0,
    };
    s.store
        .write(vec![Write::Due(Box::new(old_two_days))])
        .await
        .unwrap();

    let r = s.sweep("2026-03-08T18:05:00Z").await; // the old slot's two-day mark
    assert_eq!(count(&r, "reminder_sent"), 0, "{r:?}");
    assert_eq!(count(&r, "stale"), 1, "{r:?}");
    let r = s.sweep("2026-03-09T14:00:00Z").await; // the new slot's two-day mark
    assert_eq!(count(&r, "reminder_sent"), 1, "{r:?}");
    let r = s.sweep("2026-03-10T12:00:00Z").await; // the old slot's morning: nothing
    assert_eq!(count(&r, "reminder_sent"), 0, "{r:?}");
    // The new slot's morning: 08:00 plus its spread (this practice keeps the default
    // 30-minute window), so by 08:45 it has gone.
    let r = s.sweep("2026-03-11T12:45:00Z").await;
    assert_eq!(count(&r, "reminder_sent"), 1, "{r:?}");
    let texts = s.texts().await;
    assert_eq!(texts.len(), 3, "{texts:?}");
    assert!(texts[0].1.contains("Tue, Mar 10 at 2:00 PM"));
    for (_, body) in &texts[1..] {
        assert!(
            body.contains("Wed, Mar 11 at 10:00 AM"),
            "only the new slot: {body}"
        );
    }
}

#[tokio::test]
async fn the_handler_answers_an_eventbridge_event_with_the_report() {
    let s = stack().await;
    let practice =
        s.practice(|p| p.reminder_offsets = vec![ReminderOffset::Before { minutes: 2880 }]);
    let pt = s.patient(1, Channel::Sms);
    let a = s.appointment("a1", &pt, "2026-03-10T18:00:00Z");
    s.seed(&practice, &[&pt], &[&a], "2026-02-01T00:00:00Z")
        .await;
    let event = json!({
        "version": "0", "id": "89d1a02d-5ec7-412e-82f5-13505f849b41", "detail-type": "Scheduled Event",
        "source": "aws.events", "account": "123456789012", "time": "2026-03-08T18:00:00Z",
        "region": "us-east-1", "resources": ["arn:aws:events:us-east-1:123456789012:rule/reminders"], "detail": {}
    });
    let out = handle(&s.deps, LambdaEvent::new(event, Context::default()))
        .await
        .unwrap();
    assert_eq!(out["outcomes"]["reminder_sent"], json!(1), "{out}");
    assert_eq!(s.texts().await.len(), 1);
}
