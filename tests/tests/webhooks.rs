//! Outbound webhooks end to end over moto: a patient's text changes something, the outbox
//! item commits with it, and the `webhooks` job (fired as its schedule would) delivers it
//! over real HTTP to a local receiver that verifies every Standard Webhooks signature.
//! Proven here: delivered once with a valid signature; a failing receiver retried with
//! backoff until it succeeds; overlapping runs never send one event twice; a run that dies
//! after claiming loses nothing.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Duration, Utc};
use e2e_tests::{spawn_app, TestApp};
use frontdesk::ports::{Store, Write};
use frontdesk::webhooks::{deliver, signature, WebhookSecret};
use serde_json::{json, Value};

/// What the receiver saw: every attempt (id, status it answered) and the accepted bodies.
#[derive(Default)]
struct Seen {
    secret: Option<WebhookSecret>,
    /// The receiver's clock (the fired time): signatures are checked against it.
    now: i64,
    fail_next: usize,
    attempts: Vec<(String, u16)>,
    accepted: Vec<Value>,
}

type Shared = Arc<Mutex<Seen>>;

async fn receive(State(seen): State<Shared>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let mut s = seen.lock().expect("receiver state");
    let h = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let id = h(signature::ID_HEADER);
    let Some(secret) = s.secret.clone() else {
        return StatusCode::SERVICE_UNAVAILABLE;
    };
    let verdict = signature::verify(
        &secret,
        &id,
        &h(signature::TIMESTAMP_HEADER),
        &h(signature::SIGNATURE_HEADER),
        &body,
        s.now,
    );
    let status = if verdict.is_err() {
        StatusCode::UNAUTHORIZED
    } else if s.fail_next > 0 {
        s.fail_next -= 1;
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::NO_CONTENT
    };
    s.attempts.push((id, status.as_u16()));
    if status == StatusCode::NO_CONTENT {
        s.accepted
            .push(serde_json::from_slice(&body).unwrap_or(Value::Null));
    }
    status
}

/// A receiver on 127.0.0.1: its URL and what it saw.
async fn receiver() -> (String, Shared) {
    let seen: Shared = Arc::default();
    let app = axum::Router::new()
        .route("/hooks", axum::routing::post(receive))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("free port");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/hooks"), seen)
}

struct Setup {
    app: TestApp,
    key: String,
    seen: Shared,
}

/// A practice with a patient, an appointment in three days and a webhook for `events`.
async fn setup(events: &[&str]) -> Setup {
    let app = spawn_app().await;
    let (_, key) = app.onboard("Lakeside Dental", Some("+13125550143")).await;
    app.ann_in_three_days(&key).await;
    let (url, seen) = receiver().await;
    let (s, hook) = app
        .call(
            "POST",
            "/v1/webhooks",
            Some(&key),
            Some(json!({"url": url, "events": events})),
        )
        .await;
    assert_eq!(s, 201, "{hook}");
    let secret =
        WebhookSecret::parse(hook["secret"].as_str().unwrap_or_default()).expect("a whsec_ secret");
    seen.lock().expect("state").secret = Some(secret);
    Setup { app, key, seen }
}

impl Setup {
    async fn text(&self, body: &str, id: &str) {
        let (s, b) = self
            .app
            .call(
                "POST",
                "/_local/sns/inbound-sms",
                None,
                Some(json!({
                    "originationNumber": "+13125550188", "destinationNumber": "+13125550143",
                    "messageBody": body, "inboundMessageId": id
                })),
            )
            .await;
        assert_eq!(s, 200, "{b}");
    }

    async fn deliver_at(&self, at: DateTime<Utc>) -> Value {
        self.seen.lock().expect("state").now = at.timestamp();
        self.app.fire("webhooks", at).await["result"].clone()
    }

    fn accepted_types(&self) -> Vec<String> {
        let s = self.seen.lock().expect("state");
        s.accepted
            .iter()
            .map(|v| v["type"].as_str().unwrap_or_default().to_string())
            .collect()
    }
}

#[tokio::test]
async fn a_confirmation_reaches_the_pms_once_with_a_valid_signature() {
    let t = setup(&["appointment.confirmed", "message.received"]).await;
    t.text("YES", "wh-confirm-1").await;
    let (_, appt) = t
        .app
        .call("GET", "/v1/appointments/ap-1", Some(&t.key), None)
        .await;
    assert!(appt["confirmation"].is_object(), "{appt}");

    let now = Utc::now() + Duration::seconds(1);
    // Two runs at once (an overlapping schedule): each event still goes once.
    let (a, b) = tokio::join!(t.deliver_at(now), t.deliver_at(now));
    let delivered = a["delivered"].as_u64().unwrap_or(0) + b["delivered"].as_u64().unwrap_or(0);
    assert_eq!(delivered, 2, "{a} {b}");
    let mut types = t.accepted_types();
    types.sort();
    assert_eq!(types, ["appointment.confirmed", "message.received"]);
    {
        let s = t.seen.lock().expect("state");
        assert!(
            s.attempts.iter().all(|(_, st)| *st == 204),
            "every signature verified: {:?}",
            s.attempts
        );
        let ids: std::collections::HashSet<&str> =
            s.attempts.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids.len(), s.attempts.len(), "one attempt per webhook-id");
        let confirmed = s
            .accepted
            .iter()
            .find(|v| v["type"] == "appointment.confirmed")
            .expect("confirmed");
        assert_eq!(confirmed["data"]["appointment_id"], "ap-1");
        assert_eq!(confirmed["data"]["patient_id"], "pt-1");
        let text = serde_json::to_string(&s.accepted).unwrap_or_default();
        assert!(
            !text.contains("YES") && !text.contains("Ann"),
            "ids and states only: {text}"
        );
    }
    // Later runs send nothing more.
    let r = t.deliver_at(now + Duration::hours(1)).await;
    assert_eq!(r["due"], 0, "{r}");
    assert_eq!(t.seen.lock().expect("state").attempts.len(), 2);
}

#[tokio::test]
async fn a_failing_receiver_is_retried_with_backoff_and_then_gets_it_once() {
    let t = setup(&["appointment.confirmed"]).await;
    t.seen.lock().expect("state").fail_next = 2;
    t.text("YES", "wh-retry-1").await;
    let t0 = Utc::now() + Duration::seconds(1);
    let r = t.deliver_at(t0).await;
    assert_eq!(r["retrying"], 1, "{r}");
    // Within the first backoff (15 to 30 s) nothing is due.
    let r = t.deliver_at(t0 + Duration::seconds(10)).await;
    assert_eq!(r["due"], 0, "{r}");
    let r = t.deliver_at(t0 + Duration::seconds(31)).await;
    assert_eq!(r["retrying"], 1, "the second attempt fails too: {r}");
    let r = t.deliver_at(t0 + Duration::seconds(32)).await;
    assert_eq!(r["due"], 0, "the next wait doubles: {r}");
    let r = t.deliver_at(t0 + Duration::seconds(31 + 61)).await;
    assert_eq!(r["delivered"], 1, "{r}");
    {
        let s = t.seen.lock().expect("state");
        let statuses: Vec<u16> = s.attempts.iter().map(|a| a.1).collect();
        assert_eq!(statuses, [500, 500, 204]);
        assert!(
            s.attempts.iter().all(|a| a.0 == s.attempts[0].0),
            "one webhook-id across retries"
        );
        assert_eq!(s.accepted.len(), 1);
    }
    // The subscription shows it recovered.
    let (_, list) = t.app.call("GET", "/v1/webhooks", Some(&t.key), None).await;
    assert_eq!(list["items"][0]["state"], "active");
    assert_eq!(list["items"][0]["failing_since"], Value::Null, "{list}");
}

#[tokio::test]
async fn a_run_that_dies_after_claiming_loses_nothing() {
    let t = setup(&["patient.opted_out"]).await;
    t.text("STOP", "wh-stop-1").await;
    let now = Utc::now() + Duration::seconds(1);
    // The change and its event committed together: the event is in the outbox.
    let due = t
        .app
        .store
        .webhook_events_due(now, 10)
        .await
        .expect("outbox")
        .into_iter()
        .filter(|e| e.event_type.as_str() == "patient.opted_out")
        .collect::<Vec<_>>();
    assert_eq!(due.len(), 1);
    // A run claims it and dies before sending (the claim is all it wrote).
    let mut claimed = due[0].clone();
    claimed.version += 1;
    claimed.next_at = now + deliver::LEASE;
    t.app
        .store
        .write(vec![Write::WebhookEvent {
            event: Box::new(claimed),
            expect_version: Some(due[0].version),
        }])
        .await
        .expect("claim");
    let r = t.deliver_at(now).await;
    assert_eq!(r["delivered"], 0, "leased to the run that died: {r}");
    let r = t.deliver_at(now + deliver::LEASE).await;
    assert_eq!(r["delivered"], 1, "{r}");
    assert_eq!(t.accepted_types(), ["patient.opted_out"]);
    let s = t.seen.lock().expect("state");
    assert_eq!(s.accepted[0]["data"]["patient_id"], "pt-1");
    assert_eq!(s.accepted[0]["data"]["channel"], "sms");
}

#[tokio::test]
async fn a_no_show_wellbeing_task_reaches_the_pms_once_and_its_resolution_too() {
    let t = setup(&["task.created", "task.resolved"]).await;
    let now = Utc::now();
    let starts = now - Duration::minutes(20);
    let (s, b) = t
        .app
        .call(
            "PUT",
            "/v1/appointments/ap-2",
            Some(&t.key),
            Some(json!({"patient_id": "pt-1", "starts_at": starts.to_rfc3339(), "duration_minutes": 30})),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    // The real no-show sweep opens the wellbeing call; nothing else wrote an event for it.
    let report = t.app.fire("no-shows", now + Duration::minutes(1)).await;
    assert_eq!(report["result"]["outcomes"]["no_show"], 1, "{report}");

    let at = now + Duration::minutes(2);
    let (a, b) = tokio::join!(t.deliver_at(at), t.deliver_at(at));
    let delivered = a["delivered"].as_u64().unwrap_or(0) + b["delivered"].as_u64().unwrap_or(0);
    assert_eq!(delivered, 1, "{a} {b}");
    assert_eq!(t.accepted_types(), ["task.created"]);
    let task_id = {
        let s = t.seen.lock().expect("state");
        assert!(
            s.attempts.iter().all(|(_, st)| *st == 204),
            "{:?}",
            s.attempts
        );
        let created = &s.accepted[0]["data"];
        assert_eq!(created["kind"], "wellbeing_call", "{created}");
        assert_eq!(created["appointment_id"], "ap-2");
        assert_eq!(created["patient_id"], "pt-1");
        created["task_id"].as_str().unwrap_or_default().to_string()
    };
    let r = t.deliver_at(at + Duration::hours(1)).await;
    assert_eq!(r["due"], 0, "delivered once: {r}");

    // The patient turns up: the check-in resolves the call, and that is an event too.
    let (s, appt) = t
        .app
        .call("POST", "/v1/appointments/ap-2/check-in", Some(&t.key), None)
        .await;
    assert_eq!(s, 200, "{appt}");
    let r = t.deliver_at(Utc::now() + Duration::minutes(1)).await;
    assert_eq!(r["delivered"], 1, "{r}");
    assert_eq!(t.accepted_types(), ["task.created", "task.resolved"]);
    let s = t.seen.lock().expect("state");
    assert_eq!(s.accepted[1]["data"]["task_id"], task_id.as_str());
    let ids: std::collections::HashSet<&str> =
        s.attempts.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids.len(), 2, "one webhook-id per event: {:?}", s.attempts);
}

#[tokio::test]
async fn deliveries_to_internal_addresses_are_refused_at_connect_time_unless_loopback_is_allowed() {
    use frontdesk::webhooks::deliver::{HttpTransport, Transport, REFUSED};
    use frontdesk::webhooks::target::TargetPolicy;
    let (url, seen) = receiver().await;
    seen.lock().expect("state").secret =
        WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").ok();
    let by_name = url.replace("127.0.0.1", "localhost");
    let deployed = HttpTransport::new(TargetPolicy::public_only()).expect("client");
    for target in [&url, &by_name] {
        let got = deployed.post(target, vec![], "{}".into()).await;
        assert_eq!(got, Err(REFUSED.to_string()), "{target}");
    }
    assert!(
        seen.lock().expect("state").attempts.is_empty(),
        "nothing reached the receiver"
    );
    // The explicit local setting admits loopback (the receiver answers; it refuses the
    // unsigned request, which is the receiver's business).
    let local = HttpTransport::new(TargetPolicy::with_loopback()).expect("client");
    for target in [&url, &by_name] {
        let got = local.post(target, vec![], "{}".into()).await;
        assert_eq!(got, Ok(401), "{target}");
    }
}
