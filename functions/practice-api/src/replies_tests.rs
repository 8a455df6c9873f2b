//! Canned replies: CRUD by the practice, strict placeholders, previews for a patient's and
//! an unknown sender's thread, and nothing across practices.

use chrono::Duration;
use serde_json::{json, Value};

use super::{app, now, App};

impl App {
    async fn canned(&self, key: &str, title: &str, body: &str) -> (i64, Value) {
        self.call(
            "POST",
            "/v1/practice/replies",
            Some(key),
            Some(json!({"title": title, "body": body})),
        )
        .await
    }
}

#[tokio::test]
async fn canned_replies_are_saved_listed_edited_and_deleted() {
    let app = app();
    let (_, key) = app.practice("A Dental").await;
    let (s, hours) = app
        .canned(&key, "Opening hours", "Hi {{ first_name }}, we open at 8.")
        .await;
    assert_eq!(s, 201, "{hours}");
    let id = hours["reply_id"].as_str().unwrap().to_string();
    assert!(id.starts_with("rpl_"));
    app.canned(&key, "Directions", "Park behind {{ practice_name }}.")
        .await;

    let (s, list) = app
        .call("GET", "/v1/practice/replies", Some(&key), None)
        .await;
    assert_eq!(s, 200, "{list}");
    let titles: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, vec!["Directions", "Opening hours"], "by title");
    assert!(list["placeholders"]
        .as_array()
        .unwrap()
        .contains(&json!("next_appointment")));

    let path = format!("/v1/practice/replies/{id}");
    let (s, edited) = app
        .call(
            "PUT",
            &path,
            Some(&key),
            Some(json!({"title": "Hours", "body": "We open at 7:30."})),
        )
        .await;
    assert_eq!(
        (s, edited["body"].as_str()),
        (200, Some("We open at 7:30."))
    );
    let (s, _) = app.call("DELETE", &path, Some(&key), None).await;
    assert_eq!(s, 200);
    let (s, _) = app.call("DELETE", &path, Some(&key), None).await;
    assert_eq!(s, 404);
    let (s, _) = app
        .call(
            "PUT",
            &path,
            Some(&key),
            Some(json!({"title": "Hours", "body": "x"})),
        )
        .await;
    assert_eq!(s, 404, "a deleted reply is not brought back");
}

#[tokio::test]
async fn bad_replies_are_clear_422s_and_save_nothing() {
    let app = app();
    let (_, key) = app.practice("A Dental").await;
    let (s, b) = app.canned(&key, "Hi", "Hello {{ frist_name }}").await;
    assert_eq!(s, 422, "{b}");
    assert!(
        b.to_string().contains("unknown placeholder frist_name"),
        "{b}"
    );
    let (s, b) = app.canned(&key, "Hi", "Hello {{ first_name").await;
    assert_eq!(s, 422, "{b}");
    let (s, _) = app.canned(&key, "", "Hello").await;
    assert_eq!(s, 422);
    let (s, _) = app
        .call(
            "POST",
            "/v1/practice/replies",
            Some(&key),
            Some(json!({"title": "x", "body": "y", "extra": 1})),
        )
        .await;
    assert_eq!(s, 422);
    let (s, _) = app
        .call(
            "POST",
            "/v1/practice/replies",
            None,
            Some(json!({"title": "x", "body": "y"})),
        )
        .await;
    assert_eq!(s, 401);
    let (_, list) = app
        .call("GET", "/v1/practice/replies", Some(&key), None)
        .await;
    assert_eq!(list["items"], json!([]));
}

#[tokio::test]
async fn a_preview_fills_in_the_patient_and_practice_and_names_what_is_missing() {
    let app = app();
    let (pid, key) = app.practice("A Dental").await;
    app.patient(&key, "pt-1").await;
    let (_, r) = app
        .canned(
            &key,
            "Visit",
            "Hi {{ first_name }}, {{ practice_name }} here: see you {{ next_appointment }}. \
             Questions? {{ callback_number }}",
        )
        .await;
    let preview = format!(
        "/v1/practice/replies/{}/preview",
        r["reply_id"].as_str().unwrap()
    );

    // No upcoming visit yet: the placeholder is named, nothing is guessed.
    let (s, b) = app
        .call(
            "POST",
            &preview,
            Some(&key),
            Some(json!({"thread_id": "p_pt-1"})),
        )
        .await;
    assert_eq!(s, 422, "{b}");
    assert!(b.to_string().contains("{{ next_appointment }}"), "{b}");

    let starts = (now() + Duration::days(2)).to_rfc3339();
    let (s, b) = app
        .call(
            "PUT",
            "/v1/appointments/ap-1",
            Some(&key),
            Some(super::appt_body("pt-1", &starts)),
        )
        .await;
    assert!(s < 300, "{b}");
    let (s, b) = app
        .call(
            "POST",
            &preview,
            Some(&key),
            Some(json!({"thread_id": "p_pt-1"})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let text = b["body"].as_str().unwrap();
    assert_eq!(
        text,
        "Hi Ann, A Dental here: see you Tue, Mar 3 at 9:00 AM CST. Questions? +13125550143"
    );

    // An unknown sender has no first name.
    let unknown = app
        .stranger_texted(&pid, "+13125550100", now() - Duration::hours(1))
        .await;
    let (s, b) = app
        .call(
            "POST",
            &preview,
            Some(&key),
            Some(json!({"thread_id": unknown})),
        )
        .await;
    assert_eq!(s, 422, "{b}");
    assert!(b.to_string().contains("{{ first_name }}"), "{b}");
    let (s, _) = app
        .call(
            "POST",
            &preview,
            Some(&key),
            Some(json!({"thread_id": "p_nobody"})),
        )
        .await;
    assert_eq!(s, 404);
    let (s, _) = app
        .call(
            "POST",
            &preview,
            Some(&key),
            Some(json!({"thread_id": "garbage"})),
        )
        .await;
    assert_eq!(s, 422);
}

#[tokio::test]
async fn another_practice_cannot_see_use_edit_or_delete_a_reply() {
    let app = app();
    let (_, key) = app.practice("A Dental").await;
    let key_b = app.other_practice().await;
    app.patient(&key_b, "pt-1").await;
    let (_, r) = app.canned(&key, "Hours", "We open at 8.").await;
    let path = format!("/v1/practice/replies/{}", r["reply_id"].as_str().unwrap());
    let (_, list) = app
        .call("GET", "/v1/practice/replies", Some(&key_b), None)
        .await;
    assert_eq!(list["items"], json!([]));
    for (method, p, body) in [
        (
            "PUT",
            path.clone(),
            Some(json!({"title": "x", "body": "y"})),
        ),
        ("DELETE", path.clone(), None),
        (
            "POST",
            format!("{path}/preview"),
            Some(json!({"thread_id": "p_pt-1"})),
        ),
    ] {
        let (s, b) = app.call(method, &p, Some(&key_b), body).await;
        assert_eq!(s, 404, "{method} {p}: {b}");
    }
    let (_, list) = app
        .call("GET", "/v1/practice/replies", Some(&key), None)
        .await;
    assert_eq!(list["items"][0]["body"], json!("We open at 8."));
}
