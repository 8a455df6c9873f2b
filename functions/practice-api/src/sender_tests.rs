//! One practice never sends as another: `email_from` is owned by one practice. Setting
//! another practice's sender is a 409 (at onboarding and in `PATCH /v1/practice`), the
//! owner can move away from it, and then it is free.

use frontdesk::domain::EmailAddress;
use frontdesk::ports::Store;

use super::*;

async fn onboard(app: &App, body: Value) -> (i64, Value) {
    app.call("POST", "/v1/practices", Some(OP), Some(body))
        .await
}

async fn owner(app: &App, address: &str) -> Option<PracticeId> {
    app.store
        .sender_owner(&EmailAddress::parse(address).unwrap())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_practice_cannot_set_another_practices_sender() {
    let app = app();
    let (s, b) = onboard(
        &app,
        json!({"name": "B Dental", "email_from": "hello@b-dental.example"}),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    let b_id = PracticeId::parse(b["practice_id"].as_str().unwrap()).unwrap();
    assert_eq!(
        owner(&app, "hello@b-dental.example").await,
        Some(b_id.clone())
    );

    let (_, a_key) = app.practice("A Dental").await;
    for sender in ["hello@b-dental.example", "Hello@B-Dental.example"] {
        let (s, body) = app
            .call(
                "PATCH",
                "/v1/practice",
                Some(&a_key),
                Some(json!({"email_from": sender})),
            )
            .await;
        assert_eq!(s, 409, "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("email_from"),
            "{body}"
        );
    }
    let (_, a) = app.call("GET", "/v1/practice", Some(&a_key), None).await;
    assert!(a["email_from"].is_null(), "nothing changed: {a}");
    assert_eq!(owner(&app, "hello@b-dental.example").await, Some(b_id));

    // Nor at onboarding.
    let (s, body) = onboard(
        &app,
        json!({"name": "C Dental", "email_from": "hello@b-dental.example"}),
    )
    .await;
    assert_eq!(s, 409, "{body}");
}

#[tokio::test]
async fn the_owner_keeps_its_sender_and_releases_it_when_it_moves() {
    let app = app();
    let (s, b) = onboard(
        &app,
        json!({"name": "B Dental", "email_from": "hello@b-dental.example"}),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    let b_key = b["api_key"].as_str().unwrap().to_string();
    let b_id = PracticeId::parse(b["practice_id"].as_str().unwrap()).unwrap();
    // Patching anything else keeps (re-claims) the sender.
    let (s, body) = app
        .call(
            "PATCH",
            "/v1/practice",
            Some(&b_key),
            Some(json!({"review_cap_days": 90})),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(
        owner(&app, "hello@b-dental.example").await,
        Some(b_id.clone())
    );
    // Moving to a new sender frees the old one.
    let (s, body) = app
        .call(
            "PATCH",
            "/v1/practice",
            Some(&b_key),
            Some(json!({"email_from": "front@b-dental.example"})),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(owner(&app, "hello@b-dental.example").await, None);
    assert_eq!(owner(&app, "front@b-dental.example").await, Some(b_id));

    let (_, a_key) = app.practice("A Dental").await;
    let (s, body) = app
        .call(
            "PATCH",
            "/v1/practice",
            Some(&a_key),
            Some(json!({"email_from": "hello@b-dental.example"})),
        )
        .await;
    assert_eq!(s, 200, "a released sender is free: {body}");
}
