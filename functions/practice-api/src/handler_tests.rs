//! Handler tests over the in-memory store: the whole contract, fast. The same flows run
//! against moto in `tests/` at the workspace level.

use std::sync::Arc;

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use aws_lambda_events::encodings::Body;
use chrono::{DateTime, Utc};
use frontdesk::domain::{DueKind, PracticeId, Priority, Task, TaskId, TaskKind, TaskStatus};
use frontdesk::ports::{FixedClock, Write};
use frontdesk::testing::{MemoryStore, RecordingEmail, RecordingSms};
use http::{HeaderValue, Method};
use serde_json::{json, Value};

use super::*;
use crate::auth::OperatorSecret;

const OP: &str = "test-operator-secret";

struct App {
    deps: Deps,
    store: Arc<MemoryStore>,
    sms: Arc<RecordingSms>,
    email: Arc<RecordingEmail>,
    identities: Arc<frontdesk::testing::FakeIdentities>,
    numbers: Arc<frontdesk::testing::FakeNumbers>,
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-01T15:00:00Z")
        .unwrap()
        .to_utc()
}

fn app() -> App {
    app_at(now())
}

fn app_at(at: DateTime<Utc>) -> App {
    let store = Arc::new(MemoryStore::new());
    let sms = Arc::new(RecordingSms::default());
    let email = Arc::new(RecordingEmail::default());
    let (owners, identities, numbers) = frontdesk::testing::owners();
    App {
        deps: Deps::new(
            store.clone(),
            Arc::new(FixedClock(at)),
            OperatorSecret::new(OP),
            frontdesk::deliver::Senders {
                sms: sms.clone(),
                email: email.clone(),
            },
            owners,
        ),
        store,
        sms,
        email,
        identities,
        numbers,
    }
}

pub fn event(
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> ApiGatewayV2httpRequest {
    let mut ev = ApiGatewayV2httpRequest::default();
    ev.request_context.http.method = Method::from_bytes(method.as_bytes()).unwrap();
    let (p, q) = path.split_once('?').unwrap_or((path, ""));
    ev.raw_path = Some(p.to_string());
    ev.raw_query_string = Some(q.to_string());
    if let Some(t) = token {
        ev.headers.insert(
            "authorization",
            HeaderValue::from_str(&format!("Bearer {t}")).unwrap(),
        );
    }
    if let Some(b) = body {
        ev.headers
            .insert("content-type", HeaderValue::from_static("application/json"));
        ev.body = Some(b.to_string());
    }
    ev
}

fn body_json(r: &ApiGatewayV2httpResponse) -> Value {
    match &r.body {
        Some(Body::Text(t)) => serde_json::from_str(t).unwrap(),
        _ => Value::Null,
    }
}

impl App {
    async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (i64, Value) {
        let text = body.map(|b| b.to_string());
        let r = respond(&self.deps, event(method, path, token, text.as_deref())).await;
        (r.status_code, body_json(&r))
    }

    async fn practice(&self, name: &str) -> (String, String) {
        let (s, b) = self
            .call(
                "POST",
                "/v1/practices",
                Some(OP),
                Some(json!({"name": name, "time_zone": "America/Chicago", "sms_number": "+13125550143"})),
            )
            .await;
        assert_eq!(s, 201, "{b}");
        (
            b["practice_id"].as_str().unwrap().into(),
            b["api_key"].as_str().unwrap().into(),
        )
    }

    async fn patient(&self, key: &str, id: &str) -> Value {
        let (s, b) = self
            .call(
                "PUT",
                &format!("/v1/patients/{id}"),
                Some(key),
                Some(json!({
                    "first_name": "Ann", "last_name": "Lee", "phone": "(312) 555-0188",
                    "preferred_channel": "sms", "consents": {"sms": {"care": true, "reviews": true}}
                })),
            )
            .await;
        assert!(s == 201 || s == 200, "{b}");
        b
    }
}

fn appt_body(patient: &str, starts: &str) -> Value {
    json!({"patient_id": patient, "starts_at": starts, "duration_minutes": 30, "provider": "Dr. Ruiz", "kind": "cleaning"})
}

#[tokio::test]
async fn onboarding_needs_the_operator_secret_and_returns_a_working_key_once() {
    let app = app();
    let (s, _) = app
        .call(
            "POST",
            "/v1/practices",
            Some("wrong"),
            Some(json!({"name": "X"})),
        )
        .await;
    assert_eq!(s, 401);
    let (s, _) = app
        .call("POST", "/v1/practices", None, Some(json!({"name": "X"})))
        .await;
    assert_eq!(s, 401);
    let (id, key) = app.practice("Smile Dental").await;
    let (s, b) = app.call("GET", "/v1/practice", Some(&key), None).await;
    assert_eq!(s, 200);
    assert_eq!(b["practice_id"], json!(id));
    assert_eq!(b["name"], json!("Smile Dental"));
    assert!(
        b.get("api_key").is_none(),
        "the key is shown only at creation"
    );
    assert!(!b.to_string().contains(&key));
}

#[tokio::test]
async fn settings_patch_validates_and_masks_provider_secrets() {
    let app = app();
    let (_, key) = app.practice("Smile").await;
    let (s, b) = app
        .call(
            "PATCH",
            "/v1/practice",
            Some(&key),
            Some(json!({"quiet_hours": {"start": "20:00", "end": "09:00"}, "sms_provider": {"twilio_auth_token": "tok123"}})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["quiet_hours"]["start"], json!("20:00"));
    assert_eq!(b["sms_provider"]["twilio_auth_token"], json!(true));
    assert!(!b.to_string().contains("tok123"));
    assert_eq!(b["sms_provider"]["provider"], json!("aws"));
    let (s, b) = app
        .call(
            "PATCH",
            "/v1/practice",
            Some(&key),
            Some(json!({"sms_provider": {
                "provider": "twilio",
                "twilio_account_sid": "AC00000000000000000000000000000001",
                "telnyx_api_key": "KEYsecret-telnyx",
                "vonage_api_secret": "vonage-secret-1"
            }})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["sms_provider"]["provider"], json!("twilio"));
    assert_eq!(b["sms_provider"]["twilio_account_sid"], json!(true));
    assert_eq!(b["sms_provider"]["vonage_api_key"], json!(false));
    for secret in [
        "AC00000000000000000000000000000001",
        "KEYsecret-telnyx",
        "vonage-secret-1",
    ] {
        assert!(!b.to_string().contains(secret), "{secret} is write-only");
    }
    for bad in [
        json!({"time_zone": "Mars/Olympus"}),
        json!({"quiet_hours": {"start": "25:00", "end": "08:00"}}),
        json!({"nonsense": 1}),
        json!({"name": ""}),
        json!({"review_url": "javascript:alert(1)"}),
        json!({"sms_number": "12"}),
        json!({"sms_provider": {"telnyx_public_key": "not base64!"}}),
        json!({"sms_provider": {"provider": "plivo"}}),
        json!({"sms_provider": {"twilio_account_sid": "AC0001"}}),
        json!({"message_caps": {"per_day": 0, "per_week": 1}}),
    ] {
        let (s, b) = app
            .call("PATCH", "/v1/practice", Some(&key), Some(bad.clone()))
            .await;
        assert_eq!(s, 422, "{bad} -> {b}");
        assert!(b["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()));
    }
    let (_, b) = app.call("GET", "/v1/practice", Some(&key), None).await;
    assert_eq!(
        b["quiet_hours"]["start"],
        json!("20:00"),
        "rejected patches wrote nothing"
    );
}

#[tokio::test]
async fn an_origination_number_belongs_to_one_practice() {
    let app = app();
    app.practice("A").await;
    let (s, b) = app
        .call(
            "POST",
            "/v1/practices",
            Some(OP),
            Some(json!({"name": "B", "sms_number": "+13125550143"})),
        )
        .await;
    assert_eq!(s, 409, "{b}");
}

#[tokio::test]
async fn key_rotation_keeps_the_old_key_until_revoked() {
    let app = app();
    let (_, old) = app.practice("Smile").await;
    let (s, b) = app
        .call("POST", "/v1/practice/api-keys", Some(&old), None)
        .await;
    assert_eq!(s, 201);
    let new = b["api_key"].as_str().unwrap().to_string();
    assert_eq!(
        app.call("GET", "/v1/practice", Some(&new), None).await.0,
        200
    );
    assert_eq!(
        app.call("GET", "/v1/practice", Some(&old), None).await.0,
        200
    );
    let (_, p) = app.call("GET", "/v1/practice", Some(&new), None).await;
    let old_id = p["api_keys"][0]["key_id"].as_str().unwrap().to_string();
    let (s, _) = app
        .call(
            "DELETE",
            &format!("/v1/practice/api-keys/{old_id}"),
            Some(&new),
            None,
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        app.call("GET", "/v1/practice", Some(&old), None).await.0,
        401
    );
    let (_, p) = app.call("GET", "/v1/practice", Some(&new), None).await;
    let last = p["api_keys"][0]["key_id"].as_str().unwrap().to_string();
    let (s, _) = app
        .call(
            "DELETE",
            &format!("/v1/practice/api-keys/{last}"),
            Some(&new),
            None,
        )
        .await;
    assert_eq!(s, 409, "the only key cannot be revoked");
}

#[tokio::test]
async fn patient_upsert_normalises_the_phone_and_records_consent_source() {
    let app = app();
    let (_, key) = app.practice("Smile").await;
    let b = app.patient(&key, "pt-1").await;
    assert_eq!(b["phone"], json!("+13125550188"));
    assert_eq!(
        b["consents"]["sms"]["kinds"]["care"]["source"],
        json!("practice_staff")
    );
    let (s, b) = app.call("GET", "/v1/patients/pt-1", Some(&key), None).await;
    assert_eq!(s, 200);
    assert_eq!(b["first_name"], json!("Ann"));
}

#[tokio::test]
async fn a_preferred_channel_without_address_or_consent_is_422_and_writes_nothing() {
    let app = app();
    let (_, key) = app.practice("Smile").await;
    for body in [
        json!({"first_name": "A", "last_name": "B", "preferred_channel": "email"}),
        json!({"first_name": "A", "last_name": "B", "preferred_channel": "sms", "phone": "+13125550188"}),
        json!({"first_name": "A", "last_name": "B", "preferred_channel": "voice", "phone": "+13125550188", "consents": {"sms": {"care": true}}}),
    ] {
        let (s, b) = app
            .call("PUT", "/v1/patients/pt-9", Some(&key), Some(body))
            .await;
        assert_eq!(s, 422, "{b}");
        assert_eq!(b["error"]["field"], json!("preferred_channel"));
    }
    assert_eq!(
        app.call("GET", "/v1/patients/pt-9", Some(&key), None)
            .await
            .0,
        404
    );
}

#[tokio::test]
async fn bad_input_of_every_field_type_is_a_clear_4xx_and_writes_nothing() {
    let app = app();
    let (_, key) = app.practice("Smile").await;
    let base = json!({"first_name": "A", "last_name": "B", "phone": "+13125550188", "preferred_channel": "sms", "consents": {"sms": {"care": true}}});
    let cases: Vec<(&str, Value)> = vec![
        ("first_name", json!("")),
        ("first_name", json!(42)),
        ("last_name", json!("x".repeat(101))),
        ("phone", json!("not a phone")),
        ("email", json!("ann@")),
        ("preferred_channel", json!("pigeon")),
        ("consents", json!({"fax": {"care": true}})),
        ("consents", json!({"sms": {"spam": true}})),
        ("consents", json!({"sms": {"care": "yes"}})),
        ("consent_source", json!("patient_keyword")),
        ("time_zone", json!("Nowhere/City")),
        ("birth_date", json!("31/12/1990")),
        ("birth_date", json!("2999-01-01")),
        ("voicemail_waiver", json!("true")),
        ("surprise", json!(1)),
    ];
    for (field, value) in cases {
        let mut body = base.clone();
        body[field] = value.clone();
        let (s, b) = app
            .call("PUT", "/v1/patients/pt-x", Some(&key), Some(body))
            .await;
        assert!((400..500).contains(&s), "{field}={value} -> {s} {b}");
        assert!(
            b["error"]["code"].is_string() && b["error"]["message"].is_string(),
            "{b}"
        );
    }
    for raw in ["", "{", "[]", "null", "\"x\""] {
        let r = respond(
            &app.deps,
            event("PUT", "/v1/patients/pt-x", Some(&key), Some(raw)),
        )
        .await;
        assert!(
            (400..500).contains(&r.status_code),
            "{raw:?} -> {}",
            r.status_code
        );
    }
    let r = respond(
        &app.deps,
        event(
            "PUT",
            "/v1/patients/bad%23id",
            Some(&key),
            Some(&base.to_string()),
        ),
    )
    .await;
    assert_eq!(r.status_code, 422);
    let huge = format!("{{\"first_name\": \"{}\"}}", "a".repeat(70_000));
    let r = respond(
        &app.deps,
        event("PUT", "/v1/patients/pt-x", Some(&key), Some(&huge)),
    )
    .await;
    assert_eq!(r.status_code, 413);
    assert_eq!(
        app.call("GET", "/v1/patients/pt-x", Some(&key), None)
            .await
            .0,
        404
    );

    app.patient(&key, "pt-1").await;
    for (field, value) in [
        ("starts_at", json!("tomorrow")),
        ("starts_at", json!("2026-03-10T14:00:00")),
        ("duration_minutes", json!(0)),
        ("duration_minutes", json!(-5)),
        ("duration_minutes", json!(100000)),
        ("patient_id", json!("nobody")),
        ("status", json!("exploded")),
        ("kind", json!("x".repeat(101))),
    ] {
        let mut body = appt_body("pt-1", "2026-03-10T14:00:00-06:00");
        body[field] = value.clone();
        let (s, b) = app
            .call("PUT", "/v1/appointments/a-1", Some(&key), Some(body))
            .await;
        assert!((400..500).contains(&s), "{field}={value} -> {s} {b}");
    }
    assert_eq!(
        app.call("GET", "/v1/appointments/a-1", Some(&key), None)
            .await
            .0,
        404
    );
}

#[tokio::test]
async fn the_full_life_cycle_of_an_appointment() {
    let app = app();
    let (pid, key) = app.practice("Smile").await;
    let practice_id = PracticeId::parse(pid).unwrap();
    app.patient(&key, "pt-1").await;
    let (s, b) = app
        .call(
            "PUT",
            "/v1/appointments/a-1",
            Some(&key),
            Some(appt_body("pt-1", "2026-03-20T14:00:00-05:00")),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["status"], json!("scheduled"));
    assert_eq!(b["confirmed"], json!(false));
    let due = app.store.all_due(&practice_id);
    assert_eq!(
        due.len(),
        5,
        "three reminders, a deadline and a no-show check"
    );

    // Moving it replaces every due item: nothing keeps the old slot's time.
    let (s, _) = app
        .call(
            "PUT",
            "/v1/appointments/a-1",
            Some(&key),
            Some(appt_body("pt-1", "2026-03-25T10:00:00-05:00")),
        )
        .await;
    assert_eq!(s, 200);
    let due = app.store.all_due(&practice_id);
    assert!(
        due.iter()
            .all(|d| d.planned_for.to_rfc3339() == "2026-03-25T15:00:00+00:00"),
        "{due:?}"
    );

    let (s, b) = app
        .call("POST", "/v1/appointments/a-1/check-in", Some(&key), None)
        .await;
    assert_eq!((s, b["status"].clone()), (200, json!("checked_in")));
    assert!(app.store.all_due(&practice_id).is_empty());
    let (s, b) = app
        .call("POST", "/v1/appointments/a-1/complete", Some(&key), None)
        .await;
    assert_eq!((s, b["status"].clone()), (200, json!("completed")));
    let due = app.store.all_due(&practice_id);
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].kind, DueKind::ReviewRequest);
    let (s, b) = app
        .call("POST", "/v1/appointments/a-1/cancel", Some(&key), None)
        .await;
    assert_eq!(s, 409, "completed is final: {b}");
    let (s, _) = app
        .call(
            "PUT",
            "/v1/appointments/a-1",
            Some(&key),
            Some(appt_body("pt-1", "2026-04-01T10:00:00-05:00")),
        )
        .await;
    assert_eq!(s, 409, "a completed visit cannot be moved");
}

#[tokio::test]
async fn cancelling_removes_every_planned_reminder() {
    let app = app();
    let (pid, key) = app.practice("Smile").await;
    app.patient(&key, "pt-1").await;
    app.call(
        "PUT",
        "/v1/appointments/a-1",
        Some(&key),
        Some(appt_body("pt-1", "2026-03-20T14:00:00-05:00")),
    )
    .await;
    let (s, _) = app
        .call("POST", "/v1/appointments/a-1/cancel", Some(&key), None)
        .await;
    assert_eq!(s, 200);
    let due = app.store.all_due(&PracticeId::parse(pid).unwrap());
    assert!(
        due.iter().all(|d| d.kind == DueKind::WaitlistOffer),
        "no reminder is left, only the offer of the freed slot to the waitlist: {due:?}"
    );
    assert_eq!(due.len(), 1);
}

#[tokio::test]
async fn a_late_check_in_resolves_the_wellbeing_call() {
    let app = app();
    let (pid, key) = app.practice("Smile").await;
    let practice_id = PracticeId::parse(pid).unwrap();
    app.patient(&key, "pt-1").await;
    app.call(
        "PUT",
        "/v1/appointments/a-1",
        Some(&key),
        Some(appt_body("pt-1", "2026-03-01T08:30:00-06:00")),
    )
    .await;
    // What the no-show sweep does: mark the no-show and raise a wellbeing call.
    let task = Task::open(
        practice_id.clone(),
        TaskId::generate(),
        TaskKind::WellbeingCall,
        Priority::Urgent,
        "Check on patient",
        "Missed start",
        now(),
    );
    let (_, fetched) = (
        (),
        app.deps
            .store
            .get_many(
                &practice_id,
                &[frontdesk::ports::Key::Appointment(
                    frontdesk::domain::AppointmentId::parse("a-1").unwrap(),
                )],
            )
            .await
            .unwrap(),
    );
    let mut appt = fetched
        .appointment(&frontdesk::domain::AppointmentId::parse("a-1").unwrap())
        .unwrap()
        .clone();
    let v = appt.version;
    appt.status = frontdesk::domain::AppointmentStatus::NoShow;
    appt.tasks.push(task.task_id.clone());
    appt.version += 1;
    app.deps
        .store
        .write(vec![
            Write::Task(Box::new(task.clone())),
            Write::Appointment {
                appointment: Box::new(appt),
                expect: frontdesk::ports::Expect::Version(v),
            },
        ])
        .await
        .unwrap();
    let (_, open) = app
        .call("GET", "/v1/tasks?status=open", Some(&key), None)
        .await;
    assert_eq!(open["items"].as_array().unwrap().len(), 1);

    let (s, b) = app
        .call("POST", "/v1/appointments/a-1/check-in", Some(&key), None)
        .await;
    assert_eq!(s, 200, "{b}");
    let (_, open) = app
        .call("GET", "/v1/tasks?status=open", Some(&key), None)
        .await;
    assert!(open["items"].as_array().unwrap().is_empty(), "{open}");
    let all = app.store.all_tasks(&practice_id);
    assert_eq!(
        all[0].resolution.as_deref(),
        Some(frontdesk::arrival::ARRIVED_LATE)
    );
}

#[tokio::test]
async fn tasks_list_most_urgent_first_and_resolve_once() {
    let app = app();
    let (pid, key) = app.practice("Smile").await;
    let practice_id = PracticeId::parse(pid).unwrap();
    let mk = |p: Priority, mins: i64| Task {
        due_at: now(),
        ..Task::open(
            practice_id.clone(),
            TaskId::generate(),
            TaskKind::InboxMessage,
            p,
            format!("{p:?}"),
            String::new(),
            now() + chrono::Duration::minutes(mins),
        )
    };
    let tasks = [
        mk(Priority::Low, 0),
        mk(Priority::Urgent, 1),
        mk(Priority::Normal, 2),
        mk(Priority::Urgent, 3),
    ];
    app.deps
        .store
        .write(
            tasks
                .iter()
                .cloned()
                .map(|t| Write::Task(Box::new(t)))
                .collect(),
        )
        .await
        .unwrap();
    let (s, b) = app
        .call("GET", "/v1/tasks?status=open&limit=3", Some(&key), None)
        .await;
    assert_eq!(s, 200);
    let ids: Vec<&str> = b["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["task_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        vec![
            tasks[3].task_id.as_str(),
            tasks[1].task_id.as_str(),
            tasks[2].task_id.as_str()
        ]
    );
    let cursor = b["next_cursor"].as_str().unwrap();
    let (_, b2) = app
        .call(
            "GET",
            &format!("/v1/tasks?status=open&limit=3&cursor={cursor}"),
            Some(&key),
            None,
        )
        .await;
    assert_eq!(b2["items"][0]["task_id"], json!(tasks[0].task_id.as_str()));

    let path = format!("/v1/tasks/{}/resolve", tasks[1].task_id);
    let (s, b) = app
        .call(
            "POST",
            &path,
            Some(&key),
            Some(json!({"resolution": "reached"})),
        )
        .await;
    assert_eq!((s, b["status"].clone()), (200, json!("resolved")));
    let (s, b) = app.call("POST", &path, Some(&key), None).await;
    assert_eq!((s, b["resolution"].clone()), (200, json!("reached")));
    assert_eq!(
        app.call("GET", "/v1/tasks?status=closed", Some(&key), None)
            .await
            .0,
        422
    );
}

#[tokio::test]
async fn another_practices_data_is_not_found_and_unchanged() {
    let app = app();
    let (_, key_a) = app.practice("A").await;
    let (b_id, key_b) = app
        .call(
            "POST",
            "/v1/practices",
            Some(OP),
            Some(json!({"name": "B"})),
        )
        .await
        .1
        .as_object()
        .map(|o| {
            (
                o["practice_id"].as_str().unwrap().to_string(),
                o["api_key"].as_str().unwrap().to_string(),
            )
        })
        .unwrap();
    app.patient(&key_b, "pt-b").await;
    app.call(
        "PUT",
        "/v1/appointments/a-b",
        Some(&key_b),
        Some(appt_body("pt-b", "2026-03-20T14:00:00-05:00")),
    )
    .await;
    let b_practice = PracticeId::parse(b_id).unwrap();
    let task = Task::open(
        b_practice.clone(),
        TaskId::generate(),
        TaskKind::InboxMessage,
        Priority::Normal,
        "b",
        String::new(),
        now(),
    );
    app.deps
        .store
        .write(vec![Write::Task(Box::new(task.clone()))])
        .await
        .unwrap();
    let before = (
        app.call("GET", "/v1/patients/pt-b", Some(&key_b), None)
            .await,
        app.call("GET", "/v1/appointments/a-b", Some(&key_b), None)
            .await,
        app.store.all_tasks(&b_practice),
    );

    let t = task.task_id.as_str();
    let attempts: Vec<(&str, String, Option<Value>)> = vec![
        ("GET", "/v1/patients/pt-b".into(), None),
        ("GET", "/v1/patients/pt-b/timeline".into(), None),
        ("GET", "/v1/appointments/a-b".into(), None),
        ("POST", "/v1/appointments/a-b/check-in".into(), None),
        ("POST", "/v1/appointments/a-b/complete".into(), None),
        ("POST", "/v1/appointments/a-b/cancel".into(), None),
        ("POST", format!("/v1/tasks/{t}/resolve"), None),
    ];
    for (m, p, body) in attempts {
        let (s, b) = app.call(m, &p, Some(&key_a), body).await;
        assert_eq!(s, 404, "{m} {p} -> {b}");
    }
    let (_, open) = app.call("GET", "/v1/tasks", Some(&key_a), None).await;
    assert!(open["items"].as_array().unwrap().is_empty());
    // A's key with B's id spliced in is not B's key.
    let forged = key_a.replacen(&key_a[4..4 + 30], &key_b[4..4 + 30], 1);
    assert_eq!(
        app.call("GET", "/v1/patients/pt-b", Some(&forged), None)
            .await
            .0,
        401
    );

    let after = (
        app.call("GET", "/v1/patients/pt-b", Some(&key_b), None)
            .await,
        app.call("GET", "/v1/appointments/a-b", Some(&key_b), None)
            .await,
        app.store.all_tasks(&b_practice),
    );
    assert_eq!(before, after);
}

#[tokio::test]
async fn upserts_use_at_most_two_store_round_trips() {
    let app = app();
    let (_, key) = app.practice("Smile").await;
    app.store.reset_requests();
    app.patient(&key, "pt-1").await;
    assert_eq!(app.store.requests(), 2, "patient create");
    app.store.reset_requests();
    app.patient(&key, "pt-1").await;
    assert_eq!(app.store.requests(), 2, "patient update");
    app.store.reset_requests();
    app.call(
        "PUT",
        "/v1/appointments/a-1",
        Some(&key),
        Some(appt_body("pt-1", "2026-03-20T14:00:00-05:00")),
    )
    .await;
    assert_eq!(app.store.requests(), 2, "appointment create");
    app.store.reset_requests();
    app.call(
        "PUT",
        "/v1/appointments/a-1",
        Some(&key),
        Some(appt_body("pt-1", "2026-03-21T14:00:00-05:00")),
    )
    .await;
    assert_eq!(app.store.requests(), 2, "appointment move");
}

#[tokio::test]
async fn unknown_routes_and_methods_get_json_errors() {
    let app = app();
    let (s, b) = app.call("GET", "/v1/nothing", None, None).await;
    assert_eq!((s, b["error"]["code"].clone()), (404, json!("not_found")));
    let (s, b) = app.call("DELETE", "/v1/practice", None, None).await;
    assert_eq!(
        (s, b["error"]["code"].clone()),
        (405, json!("method_not_allowed"))
    );
    let r = respond(&app.deps, event("DELETE", "/v1/practice", None, None)).await;
    let allow = r.headers.get("allow").and_then(|v| v.to_str().ok());
    let mut allowed: Vec<&str> = allow.unwrap_or_default().split(", ").collect();
    allowed.sort();
    assert_eq!(allowed, ["GET", "PATCH"], "405 names the allowed methods");
    let (s, b) = app
        .call("GET", "/v1/practice", Some("Bearer-less junk"), None)
        .await;
    assert_eq!(
        (s, b["error"]["code"].clone()),
        (401, json!("unauthorized"))
    );
}

#[tokio::test]
async fn a_no_show_is_rebooked_by_moving_it_not_by_resetting_its_status() {
    let app = app();
    let (pid, key) = app.practice("Smile").await;
    app.patient(&key, "pt-1").await;
    app.call(
        "PUT",
        "/v1/appointments/a-1",
        Some(&key),
        Some(appt_body("pt-1", "2026-03-01T08:30:00-06:00")),
    )
    .await;
    let mut body = appt_body("pt-1", "2026-03-01T08:30:00-06:00");
    body["status"] = json!("no_show");
    assert_eq!(
        app.call(
            "PUT",
            "/v1/appointments/a-1",
            Some(&key),
            Some(body.clone())
        )
        .await
        .0,
        200
    );
    body["status"] = json!("scheduled");
    let (s, b) = app
        .call("PUT", "/v1/appointments/a-1", Some(&key), Some(body))
        .await;
    assert_eq!(s, 409, "{b}");
    let (s, b) = app
        .call(
            "PUT",
            "/v1/appointments/a-1",
            Some(&key),
            Some(appt_body("pt-1", "2026-03-05T08:30:00-06:00")),
        )
        .await;
    assert_eq!((s, b["status"].clone()), (200, json!("scheduled")));
    let due = app.store.all_due(&PracticeId::parse(pid).unwrap());
    assert!(due
        .iter()
        .all(|d| d.planned_for.to_rfc3339() == "2026-03-05T14:30:00+00:00"));
}

#[path = "arrival_tests.rs"]
mod arrival;

#[path = "consent_tests.rs"]
mod consent;

#[path = "sender_tests.rs"]
mod sender;

#[path = "messages_tests.rs"]
mod messages_tests;

#[path = "inbox_tests.rs"]
mod inbox_tests;

#[path = "thread_link_tests.rs"]
mod thread_link_tests;

#[path = "healing_tests.rs"]
mod healing_tests;

#[path = "tasks_tests.rs"]
mod tasks_tests;

#[path = "replies_tests.rs"]
mod replies_tests;

#[path = "staff_tests.rs"]
mod staff_tests;

#[path = "ownership_tests.rs"]
mod ownership_tests;

#[path = "sync_tests.rs"]
mod sync_tests;

#[path = "idempotency_tests.rs"]
mod idempotency_tests;

#[path = "rate_limit_tests.rs"]
mod rate_limit_tests;
#[path = "waitlist_tests.rs"]
mod waitlist_tests;
#[path = "webhooks_tests.rs"]
mod webhooks_tests;
