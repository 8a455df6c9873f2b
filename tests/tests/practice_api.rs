//! The Practice API end to end: real HTTP into the local gateway, the real handler, the
//! real DynamoDB adapter against moto.

use e2e_tests::{spawn_app, OPERATOR_SECRET};
use serde_json::json;

fn patient(phone: &str) -> serde_json::Value {
    json!({
        "first_name": "Ann", "last_name": "Lee", "phone": phone, "email": "ann@example.com",
        "preferred_channel": "sms", "consents": {"sms": {"care": true, "reviews": true}, "email": {"care": true}},
        "new_patient": true
    })
}

fn appointment(patient: &str, starts: &str) -> serde_json::Value {
    json!({"patient_id": patient, "starts_at": starts, "duration_minutes": 45, "provider": "Dr. Ruiz", "kind": "cleaning"})
}

#[tokio::test]
async fn a_practice_a_patient_and_an_appointment_live_their_whole_life_cycle() {
    let app = spawn_app().await;
    let (_, key) = app.onboard("Lakeside Dental", Some("+13125550143")).await;

    let (s, p) = app
        .call(
            "PATCH",
            "/v1/practice",
            Some(&key),
            Some(json!({"callback_phone": "(312) 555-0199"})),
        )
        .await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["callback_phone"], json!("+13125550199"));

    let (s, b) = app
        .call(
            "PUT",
            "/v1/patients/pt-1",
            Some(&key),
            Some(patient("312-555-0188")),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["phone"], json!("+13125550188"));
    let (s, b) = app
        .call(
            "PUT",
            "/v1/patients/pt-1",
            Some(&key),
            Some(patient("312-555-0177")),
        )
        .await;
    assert_eq!(s, 200, "{b}");

    let (s, a) = app
        .call(
            "PUT",
            "/v1/appointments/ap-1",
            Some(&key),
            Some(appointment("pt-1", "2030-05-20T09:00:00-05:00")),
        )
        .await;
    assert_eq!(s, 201, "{a}");
    let (s, a) = app
        .call(
            "PUT",
            "/v1/appointments/ap-1",
            Some(&key),
            Some(appointment("pt-1", "2030-05-21T10:00:00-05:00")),
        )
        .await;
    assert_eq!(
        (s, a["starts_at"].clone()),
        (200, json!("2030-05-21T15:00:00Z"))
    );
    let (s, a) = app
        .call("GET", "/v1/appointments/ap-1", Some(&key), None)
        .await;
    assert_eq!(
        (s, a["status"].clone(), a["confirmed"].clone()),
        (200, json!("scheduled"), json!(false))
    );
    for (action, status) in [("check-in", "checked_in"), ("complete", "completed")] {
        let (s, a) = app
            .call(
                "POST",
                &format!("/v1/appointments/ap-1/{action}"),
                Some(&key),
                None,
            )
            .await;
        assert_eq!((s, a["status"].clone()), (200, json!(status)));
    }
    let (s, _) = app
        .call("POST", "/v1/appointments/ap-1/cancel", Some(&key), None)
        .await;
    assert_eq!(s, 409);

    let (s, t) = app
        .call("GET", "/v1/patients/pt-1/timeline", Some(&key), None)
        .await;
    assert_eq!((s, t["items"].clone()), (200, json!([])));
    let (s, t) = app
        .call("GET", "/v1/tasks?status=open", Some(&key), None)
        .await;
    assert_eq!((s, t["items"].clone()), (200, json!([])));
}

#[tokio::test]
async fn one_practices_key_never_reaches_another_practices_data() {
    let app = spawn_app().await;
    let (_, key_a) = app.onboard("A", None).await;
    let (_, key_b) = app.onboard("B", None).await;
    app.call(
        "PUT",
        "/v1/patients/shared-id",
        Some(&key_b),
        Some(patient("+13125550188")),
    )
    .await;
    app.call(
        "PUT",
        "/v1/appointments/ap-b",
        Some(&key_b),
        Some(appointment("shared-id", "2030-05-20T09:00:00-05:00")),
    )
    .await;
    let before = app
        .call("GET", "/v1/appointments/ap-b", Some(&key_b), None)
        .await;

    for (m, p) in [
        ("GET", "/v1/patients/shared-id"),
        ("GET", "/v1/patients/shared-id/timeline"),
        ("GET", "/v1/appointments/ap-b"),
        ("POST", "/v1/appointments/ap-b/cancel"),
        ("POST", "/v1/appointments/ap-b/check-in"),
        ("POST", "/v1/tasks/tsk_x/resolve"),
    ] {
        let (s, b) = app.call(m, p, Some(&key_a), None).await;
        assert_eq!(s, 404, "{m} {p}: {b}");
    }
    // A writing an appointment for B's patient id: the patient is not A's.
    let (s, _) = app
        .call(
            "PUT",
            "/v1/appointments/ap-b",
            Some(&key_a),
            Some(appointment("shared-id", "2030-06-01T09:00:00-05:00")),
        )
        .await;
    assert_eq!(s, 422);
    assert_eq!(
        app.call("GET", "/v1/appointments/ap-b", Some(&key_b), None)
            .await,
        before
    );
    // The same patient id in practice A is a different patient.
    let (s, _) = app
        .call(
            "PUT",
            "/v1/patients/shared-id",
            Some(&key_a),
            Some(patient("+13125550111")),
        )
        .await;
    assert_eq!(s, 201);
    let (_, b) = app
        .call("GET", "/v1/patients/shared-id", Some(&key_b), None)
        .await;
    assert_eq!(b["phone"], json!("+13125550188"));
}

#[tokio::test]
async fn bad_input_is_rejected_before_anything_is_written() {
    let app = spawn_app().await;
    let (_, key) = app.onboard("A", None).await;
    let mut bad = patient("+13125550188");
    bad["email"] = json!("nope");
    let (s, b) = app
        .call("PUT", "/v1/patients/p1", Some(&key), Some(bad))
        .await;
    assert_eq!((s, b["error"]["field"].clone()), (422, json!("email")));
    let (s, _) = app.call("GET", "/v1/patients/p1", Some(&key), None).await;
    assert_eq!(s, 404);
    let resp = app
        .http
        .put(format!("{}/v1/patients/p1", app.base))
        .bearer_auth(&key)
        .header("content-type", "application/json")
        .body("{\"first_name\":")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    let (s, _) = app
        .call(
            "POST",
            "/v1/practices",
            Some("not-the-secret"),
            Some(json!({"name": "X"})),
        )
        .await;
    assert_eq!(s, 401);
    let (s, _) = app
        .call(
            "POST",
            "/v1/practices",
            Some(OPERATOR_SECRET),
            Some(json!({"name": ""})),
        )
        .await;
    assert_eq!(s, 422);
}

#[tokio::test]
async fn patient_and_appointment_upserts_take_two_dynamodb_requests() {
    let app = spawn_app().await;
    let (_, key) = app.onboard("A", None).await;
    app.store.reset_requests();
    app.call(
        "PUT",
        "/v1/patients/p1",
        Some(&key),
        Some(patient("+13125550188")),
    )
    .await;
    assert_eq!(app.store.requests(), 2, "patient create");
    app.store.reset_requests();
    app.call(
        "PUT",
        "/v1/patients/p1",
        Some(&key),
        Some(patient("+13125550177")),
    )
    .await;
    assert_eq!(
        app.store.requests(),
        2,
        "patient update with a phone change"
    );
    app.store.reset_requests();
    app.call(
        "PUT",
        "/v1/appointments/a1",
        Some(&key),
        Some(appointment("p1", "2030-05-20T09:00:00-05:00")),
    )
    .await;
    assert_eq!(
        app.store.requests(),
        2,
        "appointment create with its due work"
    );
    app.store.reset_requests();
    app.call(
        "PUT",
        "/v1/appointments/a1",
        Some(&key),
        Some(appointment("p1", "2030-05-22T09:00:00-05:00")),
    )
    .await;
    assert_eq!(
        app.store.requests(),
        2,
        "appointment move replacing its due work"
    );
}

#[tokio::test]
async fn unknown_routes_are_answered_by_the_gateway() {
    let app = spawn_app().await;
    let (s, b) = app.call("GET", "/nope", None, None).await;
    assert_eq!((s, b["error"]["code"].clone()), (404, json!("not_found")));
    let (s, b) = app.call("GET", "/_local/outbox", None, None).await;
    assert_eq!(s, 200, "{b}");
}
