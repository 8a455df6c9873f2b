//! Task work over the in-memory store: listing by status and filters, one task, assign,
//! snooze, notes, resolving with an outcome, and the thread reset.

use chrono::Duration;
use frontdesk::domain::{PatientId, PracticeId, Priority, Task, TaskId, TaskKind, ThreadState};
use frontdesk::ports::{Expect, Key, Store, Write};
use serde_json::{json, Value};

use super::{app, now, App};

fn task(practice: &str, kind: TaskKind, priority: Priority, patient: Option<&str>) -> Task {
    Task {
        patient_id: patient.map(|p| PatientId::parse(p).unwrap()),
        ..Task::open(
            PracticeId::parse(practice).unwrap(),
            TaskId::generate(),
            kind,
            priority,
            "Text from the patient",
            "Read the thread and answer.",
            now(),
        )
    }
}

impl App {
    async fn seed_task(&self, t: &Task) -> String {
        self.store
            .write(vec![Write::Task(Box::new(t.clone()))])
            .await
            .unwrap();
        t.task_id.to_string()
    }

    async fn tasks(&self, key: &str, query: &str) -> Vec<Value> {
        let (s, b) = self
            .call("GET", &format!("/v1/tasks{query}"), Some(key), None)
            .await;
        assert_eq!(s, 200, "{b}");
        b["items"].as_array().unwrap().clone()
    }
}

#[tokio::test]
async fn tasks_are_listed_by_status_kind_priority_and_assignee() {
    let app = app();
    let (pid, key) = app.practice("A Dental").await;
    let inbox = app
        .seed_task(&task(&pid, TaskKind::InboxMessage, Priority::Normal, None))
        .await;
    let call = app
        .seed_task(&task(&pid, TaskKind::CallPatient, Priority::Urgent, None))
        .await;
    let snoozed = app
        .seed_task(&task(&pid, TaskKind::SendFailed, Priority::High, None))
        .await;
    let (s, b) = app
        .call(
            "POST",
            &format!("/v1/tasks/{snoozed}/snooze"),
            Some(&key),
            Some(json!({"until": (now() + Duration::hours(3)).to_rfc3339()})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["view"], json!("snoozed"));
    let (s, b) = app
        .call(
            "POST",
            &format!("/v1/tasks/{call}/assign"),
            Some(&key),
            Some(json!({"staff_id": "stf_bo"})),
        )
        .await;
    assert_eq!(
        (s, b["work"]["assignee"].clone()),
        (200, json!("stf_bo")),
        "{b}"
    );

    let ids = |items: Vec<Value>| -> Vec<String> {
        items
            .iter()
            .map(|i| i["task_id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        ids(app.tasks(&key, "").await),
        vec![call.clone(), inbox.clone()]
    );
    assert_eq!(ids(app.tasks(&key, "?status=snoozed").await), vec![snoozed]);
    assert_eq!(
        ids(app.tasks(&key, "?kind=inbox_message").await),
        vec![inbox.clone()]
    );
    assert_eq!(
        ids(app.tasks(&key, "?priority=urgent").await),
        vec![call.clone()]
    );
    assert_eq!(
        ids(app.tasks(&key, "?assignee=stf_bo").await),
        vec![call.clone()]
    );

    let (s, b) = app
        .call(
            "POST",
            &format!("/v1/tasks/{call}/resolve"),
            Some(&key),
            Some(json!({"outcome": "left_voicemail", "staff_id": "stf_bo"})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["resolution"], json!("left_voicemail"));
    assert_eq!(b["work"]["outcome"], json!("left_voicemail"));
    assert_eq!(
        ids(app.tasks(&key, "?status=resolved").await),
        vec![call.clone()]
    );
    assert_eq!(ids(app.tasks(&key, "").await), vec![inbox]);

    for bad in [
        "?status=done",
        "?kind=nope",
        "?priority=meh",
        "?assignee=a%23b",
    ] {
        let (s, _) = app
            .call("GET", &format!("/v1/tasks{bad}"), Some(&key), None)
            .await;
        assert_eq!(s, 422, "{bad}");
    }
    let (s, _) = app.call("GET", "/v1/tasks", None, None).await;
    assert_eq!(s, 401);
}

#[tokio::test]
async fn outcomes_are_per_kind_and_the_old_free_resolution_still_works() {
    let app = app();
    let (pid, key) = app.practice("A Dental").await;
    let call = app
        .seed_task(&task(&pid, TaskKind::WellbeingCall, Priority::Urgent, None))
        .await;
    let path = format!("/v1/tasks/{call}/resolve");
    let (s, b) = app
        .call(
            "POST",
            &path,
            Some(&key),
            Some(json!({"outcome": "answered"})),
        )
        .await;
    assert_eq!(
        (s, b["error"]["field"].clone()),
        (422, json!("outcome")),
        "{b}"
    );
    assert!(b["error"]["message"]
        .as_str()
        .unwrap()
        .contains("reached, left_voicemail, no_answer"));
    let (s, b) = app
        .call(
            "POST",
            &path,
            Some(&key),
            Some(json!({"resolution": "spoke to the daughter"})),
        )
        .await;
    assert_eq!(
        (s, b["resolution"].clone()),
        (200, json!("spoke to the daughter"))
    );
    let (s, b) = app
        .call(
            "POST",
            &format!("/v1/tasks/{call}/assign"),
            Some(&key),
            Some(json!({"staff_id": "stf_1"})),
        )
        .await;
    assert_eq!(s, 409, "a resolved task is not reassigned: {b}");
}

#[tokio::test]
async fn one_task_is_read_and_worked_only_by_its_own_practice() {
    let app = app();
    let (pid, key) = app.practice("A Dental").await;
    let (s, b) = app
        .call(
            "POST",
            "/v1/practices",
            Some(super::OP),
            Some(json!({"name": "B Dental", "time_zone": "America/Chicago", "sms_number": "+13125550144"})),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let key_b = b["api_key"].as_str().unwrap().to_string();
    let id = app
        .seed_task(&task(&pid, TaskKind::InboxMessage, Priority::Normal, None))
        .await;
    let (s, b) = app
        .call("GET", &format!("/v1/tasks/{id}"), Some(&key), None)
        .await;
    assert_eq!((s, b["view"].clone()), (200, json!("open")), "{b}");
    for (method, path, body) in [
        ("GET", format!("/v1/tasks/{id}"), None),
        (
            "POST",
            format!("/v1/tasks/{id}/assign"),
            Some(json!({"staff_id": "stf_x"})),
        ),
        (
            "POST",
            format!("/v1/tasks/{id}/snooze"),
            Some(json!({"until": "2026-03-02T09:00:00-06:00"})),
        ),
        (
            "POST",
            format!("/v1/tasks/{id}/notes"),
            Some(json!({"text": "called"})),
        ),
        ("POST", format!("/v1/tasks/{id}/resolve"), Some(json!({}))),
    ] {
        let (s, _) = app.call(method, &path, Some(&key_b), body.clone()).await;
        assert_eq!(s, 404, "{method} {path} from another practice");
        let (s, _) = app.call(method, &path, None, body).await;
        assert_eq!(s, 401, "{method} {path} without a key");
    }
    let (s, _) = app.call("GET", "/v1/tasks/no%23pe", Some(&key), None).await;
    assert_eq!(s, 404);
    let (s, b) = app
        .call(
            "POST",
            &format!("/v1/tasks/{id}/snooze"),
            Some(&key),
            Some(json!({"until": "2020-01-01T00:00:00Z"})),
        )
        .await;
    assert_eq!((s, b["error"]["field"].clone()), (422, json!("until")));
    let (s, b) = app
        .call(
            "POST",
            &format!("/v1/tasks/{id}/notes"),
            Some(&key),
            Some(json!({"text": " "})),
        )
        .await;
    assert_eq!((s, b["error"]["field"].clone()), (422, json!("text")));
    let (s, _) = app
        .call(
            "POST",
            &format!("/v1/tasks/{id}/assign"),
            Some(&key),
            Some(json!({})),
        )
        .await;
    assert_eq!(s, 422);
}

#[tokio::test]
async fn resolving_a_threads_task_settles_the_thread_and_every_action_is_on_the_timeline() {
    let app = app();
    let (pid, key) = app.practice("A Dental").await;
    app.patient(&key, "pt-1").await;
    let practice_id = PracticeId::parse(&pid).unwrap();
    let patient_id = PatientId::parse("pt-1").unwrap();
    let read = || async {
        app.store
            .get_many(&practice_id, &[Key::Patient(patient_id.clone())])
            .await
            .unwrap()
            .patient(&patient_id)
            .unwrap()
            .clone()
    };
    let mut p = read().await;
    let v = p.version;
    p.thread = ThreadState {
        exchanges_since_resolution: 5,
        call_suggested_at: Some(now()),
        waiting_since: Some(now()),
        ..ThreadState::default()
    };
    p.version += 1;
    app.store
        .write(vec![
            Write::Patient {
                patient: Box::new(p),
                expect: Expect::Version(v),
                previous_phone: None,
            },
            Write::Waiting(Box::new(frontdesk::domain::Waiting::patient(
                &practice_id,
                &patient_id,
                now(),
                frontdesk::domain::Channel::Sms,
            ))),
        ])
        .await
        .unwrap();
    let (_, inbox) = app.call("GET", "/v1/inbox", Some(&key), None).await;
    assert_eq!(inbox["items"].as_array().unwrap().len(), 1);
    let id = app
        .seed_task(&task(
            &pid,
            TaskKind::InboxMessage,
            Priority::Normal,
            Some("pt-1"),
        ))
        .await;
    for (path, body) in [
        ("assign", json!({"staff_id": "stf_ana"})),
        (
            "notes",
            json!({"text": "Asked about parking", "staff_id": "stf_ana"}),
        ),
        (
            "resolve",
            json!({"outcome": "answered", "staff_id": "stf_ana"}),
        ),
    ] {
        let (s, b) = app
            .call(
                "POST",
                &format!("/v1/tasks/{id}/{path}"),
                Some(&key),
                Some(body),
            )
            .await;
        assert_eq!(s, 200, "{path}: {b}");
    }
    let p = read().await;
    assert_eq!(p.thread.exchanges_since_resolution, 0);
    assert_eq!(p.thread.call_suggested_at, None);
    assert_eq!(p.thread.waiting_since, None);
    let (_, inbox) = app.call("GET", "/v1/inbox", Some(&key), None).await;
    assert!(
        inbox["items"].as_array().unwrap().is_empty(),
        "dealt with: {inbox}"
    );

    let (_, t) = app
        .call("GET", "/v1/patients/pt-1/timeline", Some(&key), None)
        .await;
    // (One fixed test clock: entries of the same instant come in id order.)
    let mut actions: Vec<(String, Value)> = t["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["purpose"] == json!("staff_action"))
        .map(|m| (m["body"].as_str().unwrap().to_string(), m["actor"].clone()))
        .collect();
    actions.sort_by(|a, b| a.0.cmp(&b.0));
    let ana = json!({"type": "staff", "staff_id": "stf_ana"});
    assert_eq!(
        actions,
        vec![
            ("Note added to the task".to_string(), ana.clone()),
            ("Task assigned to stf_ana".to_string(), ana.clone()),
            ("Task resolved: answered".to_string(), ana),
        ]
    );
    assert!(!t.to_string().contains("parking"), "notes stay on the task");
    let (_, task) = app
        .call("GET", &format!("/v1/tasks/{id}"), Some(&key), None)
        .await;
    assert_eq!(
        task["work"]["notes"][0]["text"],
        json!("Asked about parking")
    );
}

#[tokio::test]
async fn an_unknown_senders_task_is_worked_on_their_thread_and_resolving_it_clears_the_inbox() {
    let app = app();
    let (pid, key) = app.practice("A Dental").await;
    let thread = app
        .stranger_texted(&pid, "+13125550100", now() - Duration::hours(1))
        .await;
    let mut t = task(&pid, TaskKind::UnknownSender, Priority::Normal, None);
    t.work.thread_id = Some(frontdesk::domain::ThreadId::parse(&thread).unwrap());
    let id = app.seed_task(&t).await;
    for (path, body) in [
        (
            "notes",
            json!({"text": "Wrong number", "staff_id": "stf_ana"}),
        ),
        (
            "resolve",
            json!({"outcome": "no_reply_needed", "staff_id": "stf_ana"}),
        ),
    ] {
        let (s, b) = app
            .call(
                "POST",
                &format!("/v1/tasks/{id}/{path}"),
                Some(&key),
                Some(body),
            )
            .await;
        assert_eq!(s, 200, "{path}: {b}");
    }
    assert!(app.inbox(&key).await.is_empty(), "dealt with");
    let (s, b) = app
        .call("GET", &format!("/v1/threads/{thread}"), Some(&key), None)
        .await;
    assert_eq!(s, 200, "{b}");
    let actions: Vec<&Value> = b["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["purpose"] == json!("staff_action"))
        .collect();
    assert_eq!(actions.len(), 2, "{b}");
    assert!(actions
        .iter()
        .all(|m| m["actor"] == json!({"type": "staff", "staff_id": "stf_ana"})));
}
