//! The PMS contract of issue 14 over moto (the real DynamoDB adapter behind the local
//! gateway): lists with cursors and `updated_since`, the day's schedule, a batch with
//! partial failure, `Idempotency-Key` replay and mismatch, `ETag` / `If-Match`, and minting
//! a key past the limit. (`405` with `Allow` is the Lambda router's, tested in
//! practice-api's router tests: the local gateway, like the HttpApi, answers an unrouted
//! method with 404.)

use chrono::{Duration, Utc};
use e2e_tests::{spawn_app, TestApp};
use serde_json::{json, Value};

fn patient(id: &str, phone: &str) -> Value {
    json!({
        "patient_id": id, "first_name": "Ann", "last_name": "Lee", "phone": phone,
        "preferred_channel": "sms", "consents": {"sms": {"care": true}}
    })
}

/// A PUT's body: the id is in the path.
fn put_body(phone: &str) -> Value {
    let mut p = patient("pt", phone);
    p.as_object_mut().map(|o| o.remove("patient_id"));
    p
}

async fn practice() -> (TestApp, String) {
    let app = spawn_app().await;
    let (_, key) = app.onboard("Lakeside Dental", Some("+13125550143")).await;
    (app, key)
}

#[tokio::test]
async fn lists_page_by_cursor_sync_by_updated_since_and_a_batch_reports_each_item() {
    let (app, key) = practice().await;
    let before = Utc::now() - Duration::seconds(2);
    let items: Vec<Value> = (0..5)
        .map(|i| patient(&format!("pt-{i}"), &format!("+1312555010{i}")))
        .chain([json!({"patient_id": "pt-bad", "first_name": "", "last_name": "Lee", "preferred_channel": "sms"})])
        .collect();
    let (s, b) = app
        .call(
            "POST",
            "/v1/patients:batch",
            Some(&key),
            Some(json!({"items": items})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        (b["succeeded"].clone(), b["failed"].clone()),
        (json!(5), json!(1)),
        "{b}"
    );
    assert_eq!(b["results"][5]["status"], 422);

    let (s, first) = app
        .call("GET", "/v1/patients?limit=3", Some(&key), None)
        .await;
    assert_eq!(s, 200, "{first}");
    let cursor = first["next_cursor"]
        .as_str()
        .expect("a next page")
        .to_string();
    let (_, rest) = app
        .call(
            "GET",
            &format!("/v1/patients?limit=3&cursor={cursor}"),
            Some(&key),
            None,
        )
        .await;
    let ids: Vec<&str> = first["items"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(rest["items"].as_array().into_iter().flatten())
        .filter_map(|p| p["patient_id"].as_str())
        .collect();
    assert_eq!(ids, ["pt-0", "pt-1", "pt-2", "pt-3", "pt-4"]);
    assert_eq!(rest["next_cursor"], Value::Null);

    let since = before.to_rfc3339().replace('+', "%2B");
    let (s, changed) = app
        .call(
            "GET",
            &format!("/v1/patients?updated_since={since}"),
            Some(&key),
            None,
        )
        .await;
    assert_eq!(s, 200, "{changed}");
    assert_eq!(
        changed["items"].as_array().map(Vec::len),
        Some(5),
        "{changed}"
    );
    let starts = (Utc::now() + Duration::days(3))
        .date_naive()
        .and_hms_opt(16, 0, 0)
        .expect("time")
        .and_utc();
    let visits: Vec<Value> = (0..3)
        .map(|i| json!({"appointment_id": format!("ap-{i}"), "patient_id": format!("pt-{i}"),
            "starts_at": (starts + Duration::hours(i)).to_rfc3339(), "duration_minutes": 30}))
        .chain([json!({"appointment_id": "ap-x", "patient_id": "pt-nobody", "starts_at": starts.to_rfc3339(), "duration_minutes": 30})])
        .collect();
    let (s, b) = app
        .call(
            "POST",
            "/v1/appointments:batch",
            Some(&key),
            Some(json!({"items": visits})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["succeeded"], 3, "{b}");
    assert_eq!(b["failed"], 1, "{b}");
    let day = starts.date_naive().format("%Y-%m-%d");
    let (s, schedule) = app
        .call(
            "GET",
            &format!("/v1/appointments?date={day}"),
            Some(&key),
            None,
        )
        .await;
    assert_eq!(s, 200, "{schedule}");
    let ids: Vec<&str> = schedule["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a["appointment_id"].as_str())
        .collect();
    assert_eq!(ids, ["ap-0", "ap-1", "ap-2"], "{schedule}");
}

#[tokio::test]
async fn idempotency_etags_method_errors_and_key_minting_hold_over_dynamodb() {
    let (app, key) = practice().await;
    let (s, _, b) = app
        .call_with(
            "PUT",
            "/v1/patients/pt-1",
            Some(&key),
            &[],
            Some(put_body("+13125550188")),
        )
        .await;
    assert_eq!(s, 201, "{b}");

    // ETag on GET, If-Match on PUT: a stale tag is a 412 and changes nothing.
    let (s, h, _) = app
        .call_with("GET", "/v1/patients/pt-1", Some(&key), &[], None)
        .await;
    assert_eq!(s, 200);
    let tag = h
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .expect("an ETag")
        .to_string();
    let mut renamed = put_body("+13125550188");
    renamed["last_name"] = json!("Lee-Park");
    let (s, h, b) = app
        .call_with(
            "PUT",
            "/v1/patients/pt-1",
            Some(&key),
            &[("if-match", &tag)],
            Some(renamed.clone()),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let newer = h
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert_ne!(newer, tag);
    renamed["last_name"] = json!("Stale");
    let (s, _, b) = app
        .call_with(
            "PUT",
            "/v1/patients/pt-1",
            Some(&key),
            &[("if-match", &tag)],
            Some(renamed),
        )
        .await;
    assert_eq!(s, 412, "{b}");
    let (_, p) = app.call("GET", "/v1/patients/pt-1", Some(&key), None).await;
    assert_eq!(p["last_name"], "Lee-Park");

    // Idempotency-Key: a replay answers the first result; another body with it is a 422.
    let body = json!({"items": [patient("pt-7", "+13125550166")]});
    let k = [("idempotency-key", "pms-batch-7")];
    let (s1, _, b1) = app
        .call_with(
            "POST",
            "/v1/patients:batch",
            Some(&key),
            &k,
            Some(body.clone()),
        )
        .await;
    assert_eq!(s1, 200, "{b1}");
    let (s2, h2, b2) = app
        .call_with("POST", "/v1/patients:batch", Some(&key), &k, Some(body))
        .await;
    assert_eq!((s2, &b2), (s1, &b1));
    assert_eq!(
        h2.get("idempotent-replayed").and_then(|v| v.to_str().ok()),
        Some("true")
    );
    let other = json!({"items": [patient("pt-8", "+13125550167")]});
    let (s, _, b) = app
        .call_with("POST", "/v1/patients:batch", Some(&key), &k, Some(other))
        .await;
    assert_eq!(s, 422, "{b}");
    let (s, _) = app.call("GET", "/v1/patients/pt-8", Some(&key), None).await;
    assert_eq!(s, 404, "the mismatched body was not applied");

    // Minting past the limit is a 409 that says to revoke one; no key stops working.
    let (s, minted) = app
        .call("POST", "/v1/practice/api-keys", Some(&key), None)
        .await;
    assert_eq!(s, 201, "{minted}");
    let second = minted["api_key"].as_str().unwrap_or_default().to_string();
    let (s, b) = app
        .call("POST", "/v1/practice/api-keys", Some(&key), None)
        .await;
    assert_eq!(s, 409, "{b}");
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("revoke"),
        "{b}"
    );
    for k in [&key, &second] {
        assert_eq!(app.call("GET", "/v1/practice", Some(k), None).await.0, 200);
    }
}
