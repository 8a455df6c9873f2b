//! Every operation of the Practice API, called through the local gateway over moto, and each
//! response (successes and errors) checked against the OpenAPI document by
//! `infra/openapi_check.py` (openapi-spec-validator and the OpenAPI 3.1 schema validator):
//! the status must be documented for that operation and the body must match its schema.

use std::collections::BTreeSet;
use std::io::Write;
use std::process::{Command, Stdio};

use e2e_tests::{spawn_app, TestApp, OPERATOR_SECRET};
use serde_json::{json, Value};

/// The responses seen, as (method, path template, status, body).
struct Samples<'a> {
    app: &'a TestApp,
    seen: Vec<Value>,
}

impl Samples<'_> {
    async fn hit(
        &mut self,
        method: &str,
        template: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let (status, got) = self.app.call(method, path, token, body).await;
        self.record(method, template, status, &got);
        (status, got)
    }

    fn record(&mut self, method: &str, template: &str, status: u16, body: &Value) {
        self.seen
            .push(json!({"method": method, "path": template, "status": status, "body": body}));
    }
}

/// An hour ago, as a query value.
fn since_hour_ago() -> String {
    (chrono::Utc::now() - chrono::Duration::hours(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn venv_python() -> std::path::PathBuf {
    local_stack::venv_dir().join("bin").join("python")
}

#[tokio::test]
async fn every_operation_answers_as_the_openapi_document_says() {
    let app = spawn_app().await;
    let mut s = Samples {
        app: &app,
        seen: Vec::new(),
    };
    let onboarding = json!({"name": "Lakeside Dental", "time_zone": "America/Chicago", "sms_number": "+13125550143"});
    let (st, b) = s
        .hit(
            "POST",
            "/v1/practices",
            "/v1/practices",
            Some(OPERATOR_SECRET),
            Some(onboarding.clone()),
        )
        .await;
    assert_eq!(st, 201, "{b}");
    let key = b["api_key"].as_str().unwrap_or_default().to_string();
    let k = Some(key.as_str());
    s.hit(
        "POST",
        "/v1/practices",
        "/v1/practices",
        Some("wrong"),
        Some(onboarding.clone()),
    )
    .await;
    s.hit(
        "POST",
        "/v1/practices",
        "/v1/practices",
        Some(OPERATOR_SECRET),
        Some(onboarding),
    )
    .await;
    s.hit(
        "POST",
        "/v1/practices",
        "/v1/practices",
        Some(OPERATOR_SECRET),
        Some(json!({"name": "X", "bogus": 1})),
    )
    .await;

    s.hit("GET", "/v1/practice", "/v1/practice", k, None).await;
    s.hit("GET", "/v1/practice", "/v1/practice", None, None)
        .await;
    let patch = json!({"quiet_hours": {"start": "20:00", "end": "08:00"}, "sms_provider": {"provider": "twilio", "twilio_account_sid": fake_providers::DEMO_TWILIO_SID, "twilio_auth_token": fake_providers::DEMO_TWILIO_TOKEN}});
    let (st, b) = s
        .hit("PATCH", "/v1/practice", "/v1/practice", k, Some(patch))
        .await;
    assert_eq!(st, 200, "{b}");
    s.hit(
        "PATCH",
        "/v1/practice",
        "/v1/practice",
        k,
        Some(json!({"time_zone": "Mars/Base"})),
    )
    .await;

    let (st, b) = s
        .hit(
            "POST",
            "/v1/practice/api-keys",
            "/v1/practice/api-keys",
            k,
            None,
        )
        .await;
    assert_eq!(st, 201, "{b}");
    let new_key = b["key_id"].as_str().unwrap_or_default().to_string();
    let revoke = "/v1/practice/api-keys/{key_id}";
    s.hit(
        "DELETE",
        revoke,
        &format!("/v1/practice/api-keys/{new_key}"),
        k,
        None,
    )
    .await;
    s.hit("DELETE", revoke, "/v1/practice/api-keys/key_nope", k, None)
        .await;

    let patient = "/v1/patients/{patient_id}";
    let ann = json!({
        "first_name": "Ann", "last_name": "Lee", "phone": "+13125550188", "email": "ann@example.com",
        "preferred_channel": "sms", "consents": {"sms": {"care": true}, "email": {"care": true}},
        "birth_date": "1980-04-02", "time_zone": "America/Chicago"
    });
    let (st, b) = s
        .hit("PUT", patient, "/v1/patients/pt-1", k, Some(ann.clone()))
        .await;
    assert_eq!(st, 201, "{b}");
    s.hit("PUT", patient, "/v1/patients/pt-1", k, Some(ann.clone()))
        .await;
    s.hit(
        "PUT",
        patient,
        "/v1/patients/pt-2",
        k,
        Some(json!({"first_name": "Bo", "last_name": "Li", "preferred_channel": "sms"})),
    )
    .await;
    s.hit("GET", patient, "/v1/patients/pt-1", k, None).await;
    s.hit("GET", patient, "/v1/patients/nobody", k, None).await;
    s.hit(
        "GET",
        "/v1/patients/{patient_id}/consents/history",
        "/v1/patients/pt-1/consents/history",
        k,
        None,
    )
    .await;

    let appointment = "/v1/appointments/{appointment_id}";
    let visit = json!({"patient_id": "pt-1", "starts_at": "2030-05-20T09:00:00-05:00", "duration_minutes": 45, "provider": "Dr. Ruiz", "kind": "cleaning"});
    let (st, b) = s
        .hit(
            "PUT",
            appointment,
            "/v1/appointments/ap-1",
            k,
            Some(visit.clone()),
        )
        .await;
    assert_eq!(st, 201, "{b}");
    s.hit(
        "PUT",
        appointment,
        "/v1/appointments/ap-2",
        k,
        Some(visit.clone()),
    )
    .await;
    s.hit("PUT", appointment, "/v1/appointments/ap-3", k, Some(json!({"patient_id": "nobody", "starts_at": "2030-05-20T09:00:00-05:00", "duration_minutes": 45}))).await;
    s.hit("GET", appointment, "/v1/appointments/ap-1", k, None)
        .await;
    let (st, b) = s
        .hit("GET", "/v1/patients", "/v1/patients?limit=1", k, None)
        .await;
    assert_eq!(st, 200, "{b}");
    s.hit(
        "GET",
        "/v1/patients",
        "/v1/patients?cursor=garbage",
        k,
        None,
    )
    .await;
    let since = since_hour_ago();
    s.hit(
        "GET",
        "/v1/patients",
        &format!("/v1/patients?updated_since={since}"),
        k,
        None,
    )
    .await;
    s.hit(
        "GET",
        "/v1/appointments",
        &format!("/v1/appointments?updated_since={since}"),
        k,
        None,
    )
    .await;
    s.hit(
        "GET",
        "/v1/patients",
        "/v1/patients?updated_since=yesterday",
        k,
        None,
    )
    .await;
    s.hit(
        "GET",
        "/v1/appointments",
        "/v1/appointments?limit=1",
        k,
        None,
    )
    .await;
    let (st, b) = s
        .hit(
            "GET",
            "/v1/appointments",
            "/v1/appointments?date=2030-05-20",
            k,
            None,
        )
        .await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(b["items"].as_array().map(Vec::len), Some(2), "{b}");
    s.hit(
        "GET",
        "/v1/appointments",
        "/v1/appointments?date=May",
        k,
        None,
    )
    .await;
    let (st, b) = s
        .hit("POST", "/v1/patients:batch", "/v1/patients:batch", k, Some(json!({"items": [
            {"patient_id": "pt-3", "first_name": "Cy", "last_name": "Ng", "email": "cy@example.com", "preferred_channel": "email", "consents": {"email": {"care": true}}},
            {"patient_id": "pt-3", "first_name": "Cy", "last_name": "Ng", "preferred_channel": "email"},
            {"patient_id": "pt-4", "first_name": "Di", "last_name": "Ox", "preferred_channel": "sms"},
            {"first_name": "No", "last_name": "Id", "preferred_channel": "sms"}
        ]})))
        .await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(
        (b["succeeded"].clone(), b["failed"].clone()),
        (json!(1), json!(3)),
        "{b}"
    );
    s.hit(
        "POST",
        "/v1/patients:batch",
        "/v1/patients:batch",
        k,
        Some(json!({"items": []})),
    )
    .await;
    let (st, b) = s
        .hit("POST", "/v1/appointments:batch", "/v1/appointments:batch", k, Some(json!({"items": [
            {"appointment_id": "ap-9", "patient_id": "pt-3", "starts_at": "2030-05-21T09:00:00-05:00", "duration_minutes": 30},
            {"appointment_id": "ap-10", "patient_id": "nobody", "starts_at": "2030-05-21T09:00:00-05:00", "duration_minutes": 30}
        ]})))
        .await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(b["results"][0]["status"], json!(201), "{b}");
    assert_eq!(b["results"][1]["status"], json!(422), "{b}");
    s.hit("GET", appointment, "/v1/appointments/nope", k, None)
        .await;
    s.hit(
        "POST",
        "/v1/appointments/{appointment_id}/check-in",
        "/v1/appointments/ap-1/check-in",
        k,
        None,
    )
    .await;
    s.hit(
        "POST",
        "/v1/appointments/{appointment_id}/complete",
        "/v1/appointments/ap-1/complete",
        k,
        None,
    )
    .await;
    s.hit(
        "POST",
        "/v1/appointments/{appointment_id}/cancel",
        "/v1/appointments/ap-2/cancel",
        k,
        None,
    )
    .await;
    s.hit(
        "POST",
        "/v1/appointments/{appointment_id}/release",
        "/v1/appointments/ap-2/release",
        k,
        None,
    )
    .await;
    let made = s
        .hit(
            "POST",
            "/v1/waitlist",
            "/v1/waitlist",
            k,
            Some(json!({"patient_id": "pt-1", "days": ["mon", "tue"], "from": "08:00", "until": "12:00"})),
        )
        .await;
    s.hit(
        "POST",
        "/v1/waitlist",
        "/v1/waitlist",
        k,
        Some(json!({"patient_id": "pt-1", "days": [], "from": "08:00", "until": "12:00"})),
    )
    .await;
    s.hit("GET", "/v1/waitlist", "/v1/waitlist", k, None).await;
    let entry = made.1["entry_id"].as_str().unwrap_or("wl_none").to_string();
    s.hit(
        "DELETE",
        "/v1/waitlist/{entry_id}",
        &format!("/v1/waitlist/{entry}"),
        k,
        None,
    )
    .await;
    s.hit(
        "DELETE",
        "/v1/waitlist/{entry_id}",
        "/v1/waitlist/wl_gone",
        k,
        None,
    )
    .await;
    // No slot was freed here: a claim is a 404, and a body without a patient a 4xx first.
    for body in [json!({"patient_id": "pt-1"}), json!({"staff_id": "st-1"})] {
        s.hit(
            "POST",
            "/v1/waitlist/slots/{appointment_id}/claim",
            "/v1/waitlist/slots/ap-none/claim",
            k,
            Some(body),
        )
        .await;
    }
    s.hit(
        "POST",
        "/v1/appointments/{appointment_id}/check-in",
        "/v1/appointments/ap-2/check-in",
        k,
        None,
    )
    .await;

    // The patient writes in: an inbox thread and its task.
    let (st, b) = app
        .call(
            "POST",
            "/_local/sns/inbound-sms",
            None,
            Some(json!({
                "originationNumber": "+13125550188", "destinationNumber": "+13125550143",
                "messageBody": "Can I bring my son to the visit?", "inboundMessageId": "conf-1"
            })),
        )
        .await;
    assert_eq!(st, 200, "{b}");
    s.hit(
        "GET",
        "/v1/patients/{patient_id}/timeline",
        "/v1/patients/pt-1/timeline?limit=2",
        k,
        None,
    )
    .await;
    s.hit(
        "GET",
        "/v1/patients/{patient_id}/timeline",
        "/v1/patients/pt-1/timeline?limit=0",
        k,
        None,
    )
    .await;
    s.hit("GET", "/v1/inbox", "/v1/inbox", k, None).await;
    s.hit(
        "GET",
        "/v1/threads/{thread_id}",
        "/v1/threads/p_pt-1",
        k,
        None,
    )
    .await;
    s.hit(
        "GET",
        "/v1/threads/{thread_id}",
        "/v1/threads/p_nobody",
        k,
        None,
    )
    .await;
    let (st, tasks) = s.hit("GET", "/v1/tasks", "/v1/tasks", k, None).await;
    assert_eq!(st, 200, "{tasks}");
    s.hit("GET", "/v1/tasks", "/v1/tasks?priority=whenever", k, None)
        .await;
    let task_id = tasks["items"][0]["task_id"]
        .as_str()
        .unwrap_or("none")
        .to_string();

    let (st, b) = s
        .hit(
            "POST",
            "/v1/staff",
            "/v1/staff",
            k,
            Some(json!({"name": "Rita Moreno", "email": "rita@example.com", "role": "staff"})),
        )
        .await;
    assert_eq!(st, 201, "{b}");
    let staff_id = b["staff_id"].as_str().unwrap_or_default().to_string();
    s.hit(
        "POST",
        "/v1/staff",
        "/v1/staff",
        k,
        Some(json!({"name": "Rita Moreno", "email": "rita@example.com", "role": "staff"})),
    )
    .await;
    s.hit("GET", "/v1/staff", "/v1/staff", k, None).await;

    let t = |suffix: &str| format!("/v1/tasks/{task_id}{suffix}");
    s.hit("GET", "/v1/tasks/{task_id}", &t(""), k, None).await;
    s.hit("GET", "/v1/tasks/{task_id}", "/v1/tasks/nope", k, None)
        .await;
    s.hit(
        "POST",
        "/v1/tasks/{task_id}/assign",
        &t("/assign"),
        k,
        Some(json!({"staff_id": staff_id})),
    )
    .await;
    s.hit(
        "POST",
        "/v1/tasks/{task_id}/notes",
        &t("/notes"),
        k,
        Some(json!({"text": "Called, left a message"})),
    )
    .await;
    s.hit(
        "POST",
        "/v1/tasks/{task_id}/snooze",
        &t("/snooze"),
        k,
        Some(json!({"until": "2031-01-01T00:00:00Z"})),
    )
    .await;
    s.hit(
        "POST",
        "/v1/patients/{patient_id}/messages",
        "/v1/patients/pt-1/messages",
        k,
        Some(json!({"body": "Yes, of course."})),
    )
    .await;
    s.hit(
        "POST",
        "/v1/threads/{thread_id}/messages",
        "/v1/threads/p_pt-1/messages",
        k,
        Some(json!({"body": "See you then."})),
    )
    .await;
    s.hit(
        "POST",
        "/v1/threads/{thread_id}/messages",
        "/v1/threads/p_pt-1/messages",
        k,
        Some(json!({})),
    )
    .await;
    let nobody = format!("/v1/threads/u_{}/link", "0".repeat(32));
    s.hit(
        "POST",
        "/v1/threads/{thread_id}/link",
        &nobody,
        k,
        Some(json!({"patient_id": "pt-1"})),
    )
    .await;
    s.hit(
        "POST",
        "/v1/threads/{thread_id}/link",
        &nobody,
        k,
        Some(json!({})),
    )
    .await;
    s.hit(
        "POST",
        "/v1/tasks/{task_id}/resolve",
        &t("/resolve"),
        k,
        Some(json!({"outcome": "answered"})),
    )
    .await;
    s.hit(
        "POST",
        "/v1/tasks/{task_id}/resolve",
        &t("/resolve"),
        k,
        Some(json!({"outcome": "rebooked"})),
    )
    .await;
    s.hit(
        "DELETE",
        "/v1/staff/{staff_id}",
        &format!("/v1/staff/{staff_id}"),
        k,
        None,
    )
    .await;
    s.hit(
        "DELETE",
        "/v1/staff/{staff_id}",
        "/v1/staff/nobody",
        k,
        None,
    )
    .await;

    // Canned replies: saved, listed, edited, previewed for a conversation, removed.
    let replies = "/v1/practice/replies";
    let one = "/v1/practice/replies/{reply_id}";
    s.hit("GET", replies, replies, k, None).await;
    let (st, b) = s
        .hit(
            "POST",
            replies,
            replies,
            k,
            Some(json!({"title": "Hours", "body": "Hi {{ first_name }}, we open at 8."})),
        )
        .await;
    assert_eq!(st, 201, "{b}");
    s.hit(
        "POST",
        replies,
        replies,
        k,
        Some(json!({"title": "Bad", "body": "{{ nope }}"})),
    )
    .await;
    let reply = format!(
        "/v1/practice/replies/{}",
        b["reply_id"].as_str().unwrap_or_default()
    );
    s.hit(
        "PUT",
        one,
        &reply,
        k,
        Some(json!({"title": "Hours", "body": "Hi {{ first_name }}, we open at 8:00."})),
    )
    .await;
    s.hit(
        "PUT",
        one,
        "/v1/practice/replies/rpl_none",
        k,
        Some(json!({"title": "x", "body": "y"})),
    )
    .await;
    let preview = "/v1/practice/replies/{reply_id}/preview";
    s.hit(
        "POST",
        preview,
        &format!("{reply}/preview"),
        k,
        Some(json!({"thread_id": "p_pt-1"})),
    )
    .await;
    s.hit("DELETE", one, &reply, k, None).await;
    s.hit("DELETE", one, &reply, k, None).await;

    // Webhooks: subscribed (the secret once), refused (http), listed, rotated, removed.
    let hooks = "/v1/webhooks";
    let hook = "/v1/webhooks/{webhook_id}";
    let (st, made) = s
        .hit(
            "POST",
            hooks,
            hooks,
            k,
            Some(json!({"url": "https://pms.example.com/hooks", "events": ["task.created"]})),
        )
        .await;
    assert_eq!(st, 201, "{made}");
    s.hit(
        "POST",
        hooks,
        hooks,
        k,
        Some(json!({"url": "http://pms.example.com/hooks", "events": ["task.created"]})),
    )
    .await;
    s.hit("GET", hooks, hooks, k, None).await;
    let made_path = format!(
        "/v1/webhooks/{}",
        made["webhook_id"].as_str().unwrap_or_default()
    );
    let rotate = "/v1/webhooks/{webhook_id}/rotate";
    let (st, b) = s
        .hit("POST", rotate, &format!("{made_path}/rotate"), k, None)
        .await;
    assert_eq!(st, 200, "{b}");
    s.hit("DELETE", hook, &made_path, k, None).await;
    s.hit("DELETE", hook, &made_path, k, None).await;
    s.hit("POST", rotate, &format!("{made_path}/rotate"), k, None)
        .await;

    // Broadcasts: scheduled, read with their progress, cancelled; bad input refused.
    let broadcasts = "/v1/broadcasts";
    let (st, b) = s
        .hit(
            "POST",
            broadcasts,
            broadcasts,
            k,
            Some(json!({
                "audience": {"type": "patients", "patient_ids": ["pt-1"]},
                "kind": "care",
                "body": "Hi {{ first_name }}, the office is closed today.",
                "send_at": "2099-01-01T15:00:00Z"
            })),
        )
        .await;
    assert_eq!(st, 201, "{b}");
    s.hit(
        "POST",
        broadcasts,
        broadcasts,
        k,
        Some(
            json!({"audience": {"type": "all_active"}, "kind": "marketing", "body": "{{ nope }}"}),
        ),
    )
    .await;
    let one_broadcast = format!(
        "/v1/broadcasts/{}",
        b["broadcast_id"].as_str().unwrap_or_default()
    );
    let get_b = "/v1/broadcasts/{broadcast_id}";
    s.hit("GET", get_b, &one_broadcast, k, None).await;
    s.hit("GET", get_b, "/v1/broadcasts/bc_none", k, None).await;
    let cancel_b = "/v1/broadcasts/{broadcast_id}/cancel";
    s.hit(
        "POST",
        cancel_b,
        &format!("{one_broadcast}/cancel"),
        k,
        None,
    )
    .await;
    s.hit("POST", cancel_b, "/v1/broadcasts/bc_none/cancel", k, None)
        .await;

    // The patient's public preference page: a link that is not valid changes nothing.
    let prefs = "/public/email/preferences";
    s.hit(
        "GET",
        prefs,
        "/public/email/preferences?token=bogus",
        None,
        None,
    )
    .await;
    s.hit(
        "POST",
        prefs,
        "/public/email/preferences?token=bogus",
        None,
        None,
    )
    .await;

    let (st, b) = s.hit("DELETE", patient, "/v1/patients/pt-1", k, None).await;
    assert_eq!(st, 200, "{b}");
    s.hit("DELETE", patient, "/v1/patients/pt-1", k, None).await;

    // A body that is not JSON, and JSON sent without saying so.
    for (ct, body) in [("application/json", "{not json"), ("text/plain", "{}")] {
        let resp = app
            .http
            .put(format!("{}/v1/patients/pt-1", app.base))
            .bearer_auth(&key)
            .header("content-type", ct)
            .body(body)
            .send()
            .await
            .expect("gateway answers");
        let status = resp.status().as_u16();
        let got: Value = resp.json().await.unwrap_or(Value::Null);
        s.record("PUT", patient, status, &got);
    }

    let statuses: BTreeSet<u16> = s
        .seen
        .iter()
        .filter_map(|v| v["status"].as_u64())
        .map(|v| v as u16)
        .collect();
    for want in [200, 201, 400, 401, 404, 409, 415, 422] {
        assert!(
            statuses.contains(&want),
            "no sample answered {want}: {statuses:?}"
        );
    }
    let covered: BTreeSet<(String, String)> = s
        .seen
        .iter()
        .map(|v| {
            (
                v["method"].as_str().unwrap_or_default().to_string(),
                v["path"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    for (m, p) in practice_api::router::ROUTES {
        assert!(
            covered.contains(&(m.to_string(), p.to_string())),
            "{m} {p} is never called here"
        );
    }

    let spec = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../functions/practice-api/openapi.yaml"
    );
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../infra/openapi_check.py");
    let mut child = Command::new(venv_python())
        .args([script, spec, "--responses"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the venv's python runs (make venv)");
    let samples = serde_json::to_vec(&s.seen).expect("samples serialise");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&samples)
        .expect("samples written");
    let out = child.wait_with_output().expect("the checker finishes");
    assert!(
        out.status.success(),
        "responses that break the OpenAPI document:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
