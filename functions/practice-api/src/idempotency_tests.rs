//! `Idempotency-Key` on POSTs and the API-key limit, over the in-memory store: a retry
//! gets the first answer and changes nothing; secrets shown once are never replayed.

use super::*;

#[tokio::test]
async fn a_post_retried_with_its_idempotency_key_gets_the_first_answer_once() {
    let app = app();
    let (_, key) = app.practice("Smile").await;
    app.patient(&key, "pt-1").await;
    let visit = appt_body("pt-1", "2026-03-10T09:00:00-05:00");
    let (s, _) = app
        .call("PUT", "/v1/appointments/ap-1", Some(&key), Some(visit))
        .await;
    assert_eq!(s, 201);
    let k = [("idempotency-key", "8c1f-cancel-ap-1")];
    let (first, b1) = app
        .call_with("POST", "/v1/appointments/ap-1/cancel", &key, None, &k)
        .await;
    assert_eq!(first.status_code, 200, "{b1}");
    app.store.reset_requests();
    let (again, b2) = app
        .call_with("POST", "/v1/appointments/ap-1/cancel", &key, None, &k)
        .await;
    assert_eq!(
        again.status_code, 200,
        "a replay, not the 409 a second cancel would be: {b2}"
    );
    assert_eq!(b2, b1);
    assert_eq!(
        again
            .headers
            .get("idempotent-replayed")
            .and_then(|v| v.to_str().ok()),
        Some("true")
    );
    assert_eq!(app.store.requests(), 1, "one read, nothing written again");

    // A batch retried with its key answers 201 again; without it, it would be 200s.
    let batch = json!({"items": [{"patient_id": "pt-7", "first_name": "Ed", "last_name": "Fu", "preferred_channel": "sms", "phone": "+13125550166", "consents": {"sms": {"care": true}}}]});
    let bk = [("idempotency-key", "nightly-2026-03-01")];
    let (_, once) = app
        .call_with("POST", "/v1/patients:batch", &key, Some(batch.clone()), &bk)
        .await;
    let (_, twice) = app
        .call_with("POST", "/v1/patients:batch", &key, Some(batch.clone()), &bk)
        .await;
    assert_eq!(once["results"][0]["status"], json!(201));
    assert_eq!(twice, once);
    let (_, plain) = app
        .call_with("POST", "/v1/patients:batch", &key, Some(batch), &[])
        .await;
    assert_eq!(
        plain["results"][0]["status"],
        json!(200),
        "without the key it runs again"
    );

    // The same key on another request is refused.
    let (other, b) = app
        .call_with("POST", "/v1/appointments/ap-2/cancel", &key, None, &k)
        .await;
    assert_eq!(other.status_code, 422, "{b}");
    assert_eq!(b["error"]["field"], json!("Idempotency-Key"));
    let (bad, _) = app
        .call_with(
            "POST",
            "/v1/appointments/ap-1/cancel",
            &key,
            None,
            &[("idempotency-key", "has space")],
        )
        .await;
    assert_eq!(bad.status_code, 422);

    // A new API key is shown once: its retry names it instead of minting another.
    let mint = [("idempotency-key", "mint-1")];
    let (r, minted) = app
        .call_with("POST", "/v1/practice/api-keys", &key, None, &mint)
        .await;
    assert_eq!(r.status_code, 201, "{minted}");
    let (r, b) = app
        .call_with("POST", "/v1/practice/api-keys", &key, None, &mint)
        .await;
    assert_eq!(r.status_code, 409, "{b}");
    let key_id = minted["key_id"].as_str().unwrap();
    assert!(
        b["error"]["message"].as_str().unwrap().contains(key_id),
        "{b}"
    );
    let (_, practice) = app.call("GET", "/v1/practice", Some(&key), None).await;
    assert_eq!(
        practice["api_keys"].as_array().unwrap().len(),
        2,
        "no third key: {practice}"
    );
}

#[tokio::test]
async fn minting_past_the_limit_is_a_409_that_says_to_revoke_and_no_key_stops_working() {
    let app = app();
    let (_, first) = app.practice("Smile").await;
    let (s, b) = app
        .call("POST", "/v1/practice/api-keys", Some(&first), None)
        .await;
    assert_eq!(s, 201, "{b}");
    let second = b["api_key"].as_str().unwrap().to_string();
    let (s, b) = app
        .call("POST", "/v1/practice/api-keys", Some(&first), None)
        .await;
    assert_eq!(s, 409, "{b}");
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap()
            .contains("revoke one"),
        "{b}"
    );
    for k in [&first, &second] {
        assert_eq!(app.call("GET", "/v1/practice", Some(k), None).await.0, 200);
    }
}

#[tokio::test]
async fn onboarding_retried_with_its_key_creates_one_practice() {
    let app = app();
    let body = json!({"name": "Keyed Dental", "time_zone": "America/Chicago", "sms_number": "+13125550143"});
    let k = [("idempotency-key", "onboard-keyed-1")];
    let (first, made) = app
        .call_with("POST", "/v1/practices", OP, Some(body.clone()), &k)
        .await;
    assert_eq!(first.status_code, 201, "{made}");
    let practice_id = made["practice_id"].as_str().unwrap().to_string();
    let api_key = made["api_key"].as_str().unwrap().to_string();
    let (again, b) = app
        .call_with("POST", "/v1/practices", OP, Some(body), &k)
        .await;
    assert_eq!(again.status_code, 409, "{b}");
    let text = b.to_string();
    assert!(text.contains(&practice_id), "names the practice: {text}");
    assert!(!text.contains(&api_key), "never replays the key");
    // The same key with another body is a 422; the first practice still works.
    let (other, b) = app
        .call_with(
            "POST",
            "/v1/practices",
            OP,
            Some(json!({"name": "Another", "time_zone": "America/Chicago"})),
            &k,
        )
        .await;
    assert_eq!(other.status_code, 422, "{b}");
    let (s, p) = app.call("GET", "/v1/practice", Some(&api_key), None).await;
    assert_eq!(s, 200, "{p}");
    // A new key onboards a new practice (another number: the first one is taken).
    let (fresh, b) = app
        .call_with(
            "POST",
            "/v1/practices",
            OP,
            Some(json!({"name": "Keyed Dental 2", "time_zone": "America/Chicago"})),
            &[("idempotency-key", "onboard-keyed-2")],
        )
        .await;
    assert_eq!(fresh.status_code, 201, "{b}");
    assert_ne!(b["practice_id"].as_str(), Some(practice_id.as_str()));
}
