//! `/v1/webhooks` over the in-memory store: the secret is shown once, https only, known
//! event types, at most five, delete and rotate, and a retried create is never replayed.

use serde_json::{json, Value};

use super::*;

const HOOK: &str = "https://pms.example.com/frontdesk";

impl App {
    async fn webhook(&self, key: &str, body: Value) -> (i64, Value) {
        self.call("POST", "/v1/webhooks", Some(key), Some(body))
            .await
    }
}

#[tokio::test]
async fn a_webhook_shows_its_secret_once_and_lists_its_state() {
    let app = app();
    let (_, key) = app.practice("Smile").await;
    let (s, made) = app
        .webhook(
            &key,
            json!({"url": HOOK, "events": ["task.created", "appointment.confirmed"]}),
        )
        .await;
    assert_eq!(s, 201, "{made}");
    let id = made["webhook_id"].as_str().unwrap().to_string();
    assert!(id.starts_with("wh_"));
    assert!(made["secret"].as_str().unwrap().starts_with("whsec_"));
    assert_eq!(made["state"], "active");
    assert_eq!(
        made["events"],
        json!(["appointment.confirmed", "task.created"])
    );

    let (s, list) = app.call("GET", "/v1/webhooks", Some(&key), None).await;
    assert_eq!(s, 200);
    assert_eq!(list["items"][0]["webhook_id"], id.as_str());
    assert!(
        list["items"][0].get("secret").is_none(),
        "never listed: {list}"
    );
    assert!(!list.to_string().contains("whsec_"));

    let (s, rotated) = app
        .call(
            "POST",
            &format!("/v1/webhooks/{id}/rotate"),
            Some(&key),
            None,
        )
        .await;
    assert_eq!(s, 200, "{rotated}");
    assert_ne!(rotated["secret"], made["secret"]);

    let (s, _) = app
        .call("DELETE", &format!("/v1/webhooks/{id}"), Some(&key), None)
        .await;
    assert_eq!(s, 200);
    let (s, _) = app
        .call("DELETE", &format!("/v1/webhooks/{id}"), Some(&key), None)
        .await;
    assert_eq!(s, 404);
    let (s, _) = app
        .call("DELETE", "/v1/webhooks/wh_not-an-id", Some(&key), None)
        .await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn bad_webhooks_are_422_and_a_sixth_is_409() {
    let app = app();
    let (_, key) = app.practice("Smile").await;
    for (body, field) in [
        (
            json!({"url": "http://pms.example.com/h", "events": ["task.created"]}),
            "url",
        ),
        (
            json!({"url": "https://10.0.0.5/h", "events": ["task.created"]}),
            "url",
        ),
        (
            json!({"url": "http://127.0.0.1:9/h", "events": ["task.created"]}),
            "url",
        ),
        (json!({"url": HOOK, "events": ["task.exploded"]}), "events"),
        (json!({"url": HOOK, "events": []}), "events"),
    ] {
        let (s, b) = app.webhook(&key, body).await;
        assert_eq!(s, 422, "{b}");
        assert_eq!(b["error"]["field"], field, "{b}");
    }
    for _ in 0..5 {
        let (s, _) = app
            .webhook(&key, json!({"url": HOOK, "events": ["task.created"]}))
            .await;
        assert_eq!(s, 201);
    }
    let (s, b) = app
        .webhook(&key, json!({"url": HOOK, "events": ["task.created"]}))
        .await;
    assert_eq!(s, 409, "{b}");
}

#[tokio::test]
async fn a_retried_create_names_the_webhook_and_never_replays_its_secret() {
    let app = app();
    let (_, key) = app.practice("Smile").await;
    let body = json!({"url": HOOK, "events": ["task.created"]});
    let k = [("idempotency-key", "wh-create-1")];
    let (first, made) = app
        .call_with("POST", "/v1/webhooks", &key, Some(body.clone()), &k)
        .await;
    assert_eq!(first.status_code, 201, "{made}");
    let (again, b) = app
        .call_with("POST", "/v1/webhooks", &key, Some(body), &k)
        .await;
    assert_eq!(again.status_code, 409, "{b}");
    let text = b.to_string();
    assert!(
        text.contains(made["webhook_id"].as_str().unwrap()),
        "{text}"
    );
    assert!(!text.contains("whsec_"));
    let (_, list) = app.call("GET", "/v1/webhooks", Some(&key), None).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "created once");
}
