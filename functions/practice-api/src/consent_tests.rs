//! `GET /v1/patients/{id}/consents/history` over the in-memory store: PMS changes are
//! appended in the same write as the patient, unchanged consents add nothing.

use super::*;

#[tokio::test]
async fn pms_changes_are_appended_and_listed_oldest_first_in_pages() {
    let app = app();
    let (_, key) = app.practice("Smile").await;
    app.patient(&key, "pt-1").await; // sms care + reviews granted
    app.patient(&key, "pt-1").await; // the same again: nothing new
    let (s, b) = app
        .call(
            "PUT",
            "/v1/patients/pt-1",
            Some(&key),
            Some(json!({
                "first_name": "Ann", "last_name": "Lee", "phone": "(312) 555-0188",
                "preferred_channel": "sms", "consents": {"sms": {"care": true, "reviews": false}}
            })),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (s, page) = app
        .call(
            "GET",
            "/v1/patients/pt-1/consents/history?limit=2",
            Some(&key),
            None,
        )
        .await;
    assert_eq!(s, 200, "{page}");
    let first = page["items"].as_array().unwrap().clone();
    assert_eq!(first.len(), 2);
    let cursor = page["next_cursor"].as_str().unwrap().to_string();
    let (_, rest) = app
        .call(
            "GET",
            &format!("/v1/patients/pt-1/consents/history?limit=2&cursor={cursor}"),
            Some(&key),
            None,
        )
        .await;
    let all: Vec<Value> = first
        .into_iter()
        .chain(rest["items"].as_array().unwrap().clone())
        .collect();
    let seen: Vec<(&str, bool, &str)> = all
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap(),
                e["granted"].as_bool().unwrap(),
                e["source"]["type"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            ("care", true, "pms"),
            ("reviews", true, "pms"),
            ("reviews", false, "pms")
        ]
    );
}

#[tokio::test]
async fn another_practices_patient_has_no_history_here() {
    let app = app();
    let (_, a) = app.practice("A").await;
    let (s, body) = app
        .call(
            "POST",
            "/v1/practices",
            Some(OP),
            Some(json!({"name": "B"})),
        )
        .await;
    assert_eq!(s, 201, "{body}");
    let b = body["api_key"].as_str().unwrap().to_string();
    app.patient(&a, "pt-1").await;
    let (s, _) = app
        .call("GET", "/v1/patients/pt-1/consents/history", Some(&b), None)
        .await;
    assert_eq!(s, 404);
}
