//! Two-way email through the local gateway over moto: an automated email's headers in the
//! outbox (Reply-To, List-Unsubscribe with a signed link and a mailto,
//! List-Unsubscribe-Post), the one-click POST, the preference page, a bad token, and a
//! patient's emailed "C" delivered as SES receiving does (`POST /_local/ses/inbound`).

use e2e_tests::{spawn_app, TestApp, OPERATOR_SECRET};
use serde_json::{json, Value};

const FROM: &str = "hello@lakeside.example";
const PATIENT: &str = "ann.lee@patients.example";

/// A practice that sends email from a verified sender; returns (practice_id, key).
async fn practice(app: &TestApp) -> (String, String) {
    local_stack::verify_sender(&app.moto.sdk_config(), FROM)
        .await
        .expect("sender verified");
    let (s, b) = app
        .call(
            "POST",
            "/v1/practices",
            Some(OPERATOR_SECRET),
            Some(json!({
                "name": "Lakeside Dental", "time_zone": "America/Chicago",
                "sms_number": "+13125550143", "email_from": FROM
            })),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    (
        b["practice_id"].as_str().unwrap_or_default().to_string(),
        b["api_key"].as_str().unwrap_or_default().to_string(),
    )
}

async fn patient(app: &TestApp, key: &str, id: &str, email: &str) {
    let (s, b) = app
        .call(
            "PUT",
            &format!("/v1/patients/{id}"),
            Some(key),
            Some(json!({
                "first_name": "Ann", "last_name": "Lee", "phone": "+13125550188", "email": email,
                "preferred_channel": "email",
                "consents": {"email": {"care": true, "reviews": true}, "sms": {"care": true}}
            })),
        )
        .await;
    assert_eq!(s, 201, "{b}");
}

/// A visit in three days at 10:00 Chicago, and the two-day reminder fired.
async fn remind(app: &TestApp, key: &str, appointment: &str, patient: &str) {
    let starts = (chrono::Utc::now() + chrono::Duration::days(3))
        .date_naive()
        .and_hms_opt(16, 0, 0)
        .expect("valid time")
        .and_utc();
    let (s, b) = app
        .call(
            "PUT",
            &format!("/v1/appointments/{appointment}"),
            Some(key),
            Some(json!({"patient_id": patient, "starts_at": starts.to_rfc3339(), "duration_minutes": 30})),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let fire_at = starts - chrono::Duration::days(2) + chrono::Duration::minutes(1);
    app.fire("reminders", fire_at).await;
}

async fn emails_to(app: &TestApp, to: &str) -> Vec<Value> {
    let (_, outbox) = app.call("GET", "/_local/outbox", None, None).await;
    outbox["email"]
        .as_array()
        .map(|a| a.iter().filter(|m| m["to"] == json!(to)).cloned().collect())
        .unwrap_or_default()
}

/// The path and query of the https link in a List-Unsubscribe header.
fn link(header: &str) -> String {
    let url = header
        .split(", ")
        .find(|p| p.starts_with("<http"))
        .map(|p| p.trim_matches(|c| c == '<' || c == '>'))
        .expect("an http link");
    let start = url.find("/public/").expect("the public path");
    url[start..].to_string()
}

async fn form(app: &TestApp, path: &str, body: &str) -> (u16, String) {
    let resp = app
        .http
        .post(format!("{}{path}", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.to_string())
        .send()
        .await
        .expect("gateway answers");
    let status = resp.status().as_u16();
    (status, resp.text().await.unwrap_or_default())
}

async fn page(app: &TestApp, path: &str) -> (u16, String) {
    let resp = app
        .http
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .expect("gateway answers");
    let status = resp.status().as_u16();
    (status, resp.text().await.unwrap_or_default())
}

async fn stored(app: &TestApp, key: &str, id: &str) -> Value {
    let (s, b) = app
        .call("GET", &format!("/v1/patients/{id}"), Some(key), None)
        .await;
    assert_eq!(s, 200, "{b}");
    b
}

#[tokio::test]
async fn automated_email_carries_one_click_unsubscribe_and_the_preference_page_works() {
    let app = spawn_app().await;
    let (practice_id, key) = practice(&app).await;
    let to = "oneclick@patients.example";
    patient(&app, &key, "pt-1", to).await;
    remind(&app, &key, "ap-1", "pt-1").await;

    let sent = emails_to(&app, to).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    let h = &sent[0]["headers"];
    assert_eq!(h["From"], json!(FROM), "{h}");
    assert_eq!(
        h["Reply-To"],
        json!(format!("reply+{practice_id}+care@mail.frontdesk.test")),
        "{h}"
    );
    assert_eq!(
        h["List-Unsubscribe-Post"],
        json!("List-Unsubscribe=One-Click"),
        "{h}"
    );
    let lu = h["List-Unsubscribe"].as_str().expect("List-Unsubscribe");
    assert!(lu.contains("<mailto:reply+"), "{lu}");
    let path = link(lu);

    // A bad or tampered token: a plain error page and nothing changes.
    let (s, body) = form(&app, &format!("{path}x"), "List-Unsubscribe=One-Click").await;
    assert_eq!(s, 400, "{body}");
    assert!(body.contains("not valid"));
    let (s, _) = page(&app, "/public/email/preferences?token=garbage").await;
    assert_eq!(s, 400);

    // The page shows the kinds and the channel.
    let (s, body) = page(&app, &path).await;
    assert_eq!(s, 200, "{body}");
    assert!(
        body.contains("name=\"care\" checked") && body.contains("name=\"reviews\" checked"),
        "{body}"
    );

    // One click: care email off at once, recorded as the patient's one-click.
    let (s, body) = form(&app, &path, "List-Unsubscribe=One-Click").await;
    assert_eq!(s, 200, "{body}");
    let (_, history) = app
        .call(
            "GET",
            "/v1/patients/pt-1/consents/history",
            Some(&key),
            None,
        )
        .await;
    let last = history["items"]
        .as_array()
        .and_then(|a| a.last())
        .cloned()
        .unwrap_or_default();
    assert_eq!(last["source"]["type"], json!("one_click"), "{history}");
    assert_eq!(
        (
            last["channel"].clone(),
            last["kind"].clone(),
            last["granted"].clone()
        ),
        (json!("email"), json!("care"), json!(false))
    );

    // The preference page: reviews kept, text messages preferred from now on.
    let (s, body) = form(&app, &path, "reviews=on&channel=sms").await;
    assert_eq!(s, 200, "{body}");
    assert!(body.contains("saved"), "{body}");
    let p = stored(&app, &key, "pt-1").await;
    assert_eq!(p["preferred_channel"], json!("sms"), "{p}");
    let (_, tl) = app
        .call("GET", "/v1/patients/pt-1/timeline", Some(&key), None)
        .await;
    assert!(
        tl.to_string().contains("preferred channel email → sms"),
        "{tl}"
    );
}

#[tokio::test]
async fn an_emailed_c_through_ses_receiving_confirms_and_is_answered_by_email() {
    let app = spawn_app().await;
    let (practice_id, key) = practice(&app).await;
    patient(&app, &key, "pt-2", PATIENT).await;
    remind(&app, &key, "ap-2", "pt-2").await;
    let eml = format!(
        "From: Ann Lee <{PATIENT}>\r\nTo: reply+{practice_id}+care@mail.frontdesk.test\r\n\
         Subject: Re: Your appointment\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         C\r\n\r\nOn Mon, Lakeside Dental <{FROM}> wrote:\r\n> Reply C to confirm\r\n"
    );
    // A failed DKIM verdict: nothing happens.
    let resp = app
        .http
        .post(format!("{}/_local/ses/inbound?dkim=FAIL", app.base))
        .body(eml.clone())
        .send()
        .await
        .expect("gateway answers");
    assert_eq!(resp.status().as_u16(), 200);
    let (_, appt) = app
        .call("GET", "/v1/appointments/ap-2", Some(&key), None)
        .await;
    assert!(appt["confirmation"].is_null(), "{appt}");

    let resp = app
        .http
        .post(format!("{}/_local/ses/inbound", app.base))
        .body(eml)
        .send()
        .await
        .expect("gateway answers");
    let out: Value = resp.json().await.expect("json");
    assert_eq!(
        out["result"]["outcomes"][0]["action"],
        json!("confirm"),
        "{out}"
    );
    let (_, appt) = app
        .call("GET", "/v1/appointments/ap-2", Some(&key), None)
        .await;
    assert_eq!(appt["confirmation"]["channel"], json!("email"), "{appt}");
    let sent = emails_to(&app, PATIENT).await;
    assert_eq!(sent.len(), 2, "the reminder and the reply: {sent:?}");
    let reply = &sent[1];
    assert_eq!(
        reply["headers"]["Reply-To"],
        json!(format!("reply+{practice_id}@mail.frontdesk.test"))
    );
    assert!(
        reply["headers"].get("List-Unsubscribe").is_none(),
        "a personal reply is not a list"
    );
}
