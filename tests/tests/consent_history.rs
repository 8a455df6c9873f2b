//! Consent history end to end over moto: a PMS upsert and update through the practice
//! API, then STOP and START texted by the patient (AWS two-way SMS over SNS). The history
//! shows every change with its source, oldest first.

use e2e_tests::spawn_app;
use serde_json::{json, Value};

async fn text(app: &e2e_tests::TestApp, body: &str, id: &str) {
    let (s, b) = app
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

fn summary(items: &[Value]) -> Vec<(String, String, bool, String)> {
    items
        .iter()
        .map(|e| {
            let source = match e["source"]["type"].as_str().unwrap_or_default() {
                "patient_keyword" => format!(
                    "keyword:{}",
                    e["source"]["keyword"].as_str().unwrap_or_default()
                ),
                other => other.to_string(),
            };
            (
                e["channel"].as_str().unwrap_or_default().to_string(),
                e["kind"].as_str().unwrap_or_default().to_string(),
                e["granted"].as_bool().unwrap_or_default(),
                source,
            )
        })
        .collect()
}

#[tokio::test]
async fn the_history_shows_every_change_with_its_source_across_pms_stop_and_start() {
    let app = spawn_app().await;
    let (_, key) = app.onboard("Lakeside Dental", Some("+13125550143")).await;
    let put = |consents: Value| {
        json!({
            "first_name": "Ann", "last_name": "Lee", "phone": "+13125550188",
            "preferred_channel": "sms", "consents": consents
        })
    };
    let (s, b) = app
        .call(
            "PUT",
            "/v1/patients/pt-1",
            Some(&key),
            Some(put(json!({"sms": {"care": true}}))),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    // The PMS update: reviews granted; care unchanged (no record for it).
    let (s, b) = app
        .call(
            "PUT",
            "/v1/patients/pt-1",
            Some(&key),
            Some(put(json!({"sms": {"care": true, "reviews": true}}))),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    text(&app, "STOP", "e2e-stop-1").await;
    text(&app, "START", "e2e-start-1").await;

    let (s, page) = app
        .call(
            "GET",
            "/v1/patients/pt-1/consents/history?limit=2",
            Some(&key),
            None,
        )
        .await;
    assert_eq!(s, 200, "{page}");
    let mut items = page["items"].as_array().cloned().unwrap_or_default();
    let mut cursor = page["next_cursor"].as_str().map(String::from);
    while let Some(c) = cursor {
        let (s, next) = app
            .call(
                "GET",
                &format!("/v1/patients/pt-1/consents/history?limit=2&cursor={c}"),
                Some(&key),
                None,
            )
            .await;
        assert_eq!(s, 200, "{next}");
        items.extend(next["items"].as_array().cloned().unwrap_or_default());
        cursor = next["next_cursor"].as_str().map(String::from);
    }
    let want =
        |c: &str, k: &str, g: bool, s: &str| (c.to_string(), k.to_string(), g, s.to_string());
    assert_eq!(
        summary(&items),
        vec![
            want("sms", "care", true, "pms"),
            want("sms", "reviews", true, "pms"),
            want("sms", "all", false, "keyword:STOP"),
            want("sms", "all", true, "keyword:START"),
        ],
        "{items:?}"
    );
    let times: Vec<&str> = items.iter().filter_map(|e| e["at"].as_str()).collect();
    assert_eq!(times.len(), 4);

    let (s, _) = app
        .call(
            "GET",
            "/v1/patients/nobody/consents/history",
            Some(&key),
            None,
        )
        .await;
    assert_eq!(s, 404);
    let (s, _) = app
        .call("GET", "/v1/patients/pt-1/consents/history", None, None)
        .await;
    assert_eq!(s, 401);
}
