//! Staff accounts over the in-memory store: invite (link, email, hashed token), list,
//! remove, duplicates, bad input and other practices.

use frontdesk::domain::{token_hash, PracticeId};
use serde_json::json;

use super::{app, App};

impl App {
    async fn practice_with_sender(&self) -> (String, String) {
        let (s, b) = self
            .call(
                "POST",
                "/v1/practices",
                Some(super::OP),
                Some(
                    json!({"name": "Lakeside Dental", "time_zone": "America/Chicago",
                    "sms_number": "+13125550143", "email_from": "desk@lakeside.example"}),
                ),
            )
            .await;
        assert_eq!(s, 201, "{b}");
        (
            b["practice_id"].as_str().unwrap().into(),
            b["api_key"].as_str().unwrap().into(),
        )
    }
}

#[tokio::test]
async fn an_admin_invites_staff_by_email_with_a_single_use_link_stored_hashed() {
    let app = app();
    let (pid, key) = app.practice_with_sender().await;
    let (s, b) = app
        .call(
            "POST",
            "/v1/staff",
            Some(&key),
            Some(json!({"name": "Ana Ruiz", "email": "ana@lakeside.example", "role": "staff"})),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["invitation_emailed"], json!(true));
    assert_eq!(b["staff"]["status"], json!("invited"));
    let url = b["invite_url"].as_str().unwrap();
    let code = url
        .split("#code=")
        .nth(1)
        .expect("the code is in the fragment");
    let (practice_in_code, token) = code.rsplit_once('.').expect("<practice>.<token>");
    assert_eq!(practice_in_code, pid);
    let mail = app.email.sent();
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].from.as_str(), "desk@lakeside.example");
    assert_eq!(mail[0].to.as_str(), "ana@lakeside.example");
    assert!(mail[0].text.contains(url));

    let invitations = app.store.all_invitations(&PracticeId::parse(&pid).unwrap());
    assert_eq!(invitations.len(), 1);
    assert_eq!(invitations[0].token_hash, token_hash(token));
    assert_eq!(
        (invitations[0].expires_at - super::now()).num_hours(),
        72,
        "the link works for 72 hours"
    );

    let (s, b) = app
        .call(
            "POST",
            "/v1/staff",
            Some(&key),
            Some(json!({"name": "Ana R", "email": "ANA@lakeside.example", "role": "admin"})),
        )
        .await;
    assert_eq!(s, 409, "one staff member per email: {b}");

    let (s, list) = app.call("GET", "/v1/staff", Some(&key), None).await;
    assert_eq!(s, 200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert!(!list.to_string().contains("password"));
    let id = list["items"][0]["staff_id"].as_str().unwrap().to_string();

    let (s, b) = app
        .call("DELETE", &format!("/v1/staff/{id}"), Some(&key), None)
        .await;
    assert_eq!((s, b["removed"].clone()), (200, json!(true)));
    let (s, _) = app
        .call("DELETE", &format!("/v1/staff/{id}"), Some(&key), None)
        .await;
    assert_eq!(s, 404);
    let (_, list) = app.call("GET", "/v1/staff", Some(&key), None).await;
    assert!(list["items"].as_array().unwrap().is_empty());
    let (s, _) = app
        .call(
            "POST",
            "/v1/staff",
            Some(&key),
            Some(json!({"name": "Ana Ruiz", "email": "ana@lakeside.example", "role": "staff"})),
        )
        .await;
    assert_eq!(s, 201, "a removed member's email can be invited again");
}

#[tokio::test]
async fn staff_routes_refuse_bad_input_missing_keys_and_other_practices() {
    let app = app();
    let (_, key) = app.practice("No Sender Dental").await;
    let (s, b) = app
        .call(
            "POST",
            "/v1/staff",
            Some(&key),
            Some(json!({"name": "Bo", "email": "bo@example.com", "role": "staff"})),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(
        b["invitation_emailed"],
        json!(false),
        "no email_from: the link is returned"
    );
    let id = b["staff_id"].as_str().unwrap().to_string();
    for (body, field) in [
        (
            json!({"name": "Bo", "email": "bo@example.com", "role": "owner"}),
            "role",
        ),
        (
            json!({"name": "Bo", "email": "not-an-email", "role": "staff"}),
            "email",
        ),
        (
            json!({"name": " ", "email": "cy@example.com", "role": "staff"}),
            "name",
        ),
    ] {
        let (s, b) = app.call("POST", "/v1/staff", Some(&key), Some(body)).await;
        assert_eq!((s, b["error"]["field"].clone()), (422, json!(field)), "{b}");
    }
    let (s, _) = app.call("GET", "/v1/staff", None, None).await;
    assert_eq!(s, 401);
    let (s, b) = app
        .call(
            "POST",
            "/v1/practices",
            Some(super::OP),
            Some(json!({"name": "B Dental", "time_zone": "America/Chicago", "sms_number": "+13125550144"})),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let key_b = b["api_key"].as_str().unwrap().to_string();
    let (s, _) = app
        .call("DELETE", &format!("/v1/staff/{id}"), Some(&key_b), None)
        .await;
    assert_eq!(s, 404, "another practice's staff member");
    let (_, list) = app.call("GET", "/v1/staff", Some(&key_b), None).await;
    assert!(list["items"].as_array().unwrap().is_empty());
    let (s, _) = app
        .call("DELETE", "/v1/staff/no%23pe", Some(&key), None)
        .await;
    assert_eq!(s, 404);
}
