//! A PMS update never undoes what the patient told us, end to end over moto: the patient
//! texts STOP (AWS two-way SMS over SNS), then the PMS pushes the same patient still
//! marked `sms` with a new address and birthday. The PUT succeeds, stores the rest, keeps
//! the opt-out and says why; only the patient's own newer consent form lifts it.

use e2e_tests::{spawn_app, TestApp};
use serde_json::{json, Value};

async fn text(app: &TestApp, from: &str, body: &str, id: &str) {
    let (s, b) = app
        .call(
            "POST",
            "/_local/sns/inbound-sms",
            None,
            Some(json!({
                "originationNumber": from, "destinationNumber": "+13125550143",
                "messageBody": body, "inboundMessageId": id
            })),
        )
        .await;
    assert_eq!(s, 200, "{b}");
}

fn ann(extra: Value) -> Value {
    let mut body = json!({
        "first_name": "Ann", "last_name": "Lee", "phone": "+13125550188", "email": "ann@example.com",
        "preferred_channel": "sms", "consents": {"sms": {"care": true}, "email": {"care": true}}
    });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    body
}

#[tokio::test]
async fn a_pms_update_after_stop_is_stored_but_keeps_the_opt_out_and_says_why() {
    let app = spawn_app().await;
    let (_, key) = app.onboard("Lakeside Dental", Some("+13125550143")).await;
    let (s, b) = app
        .call("PUT", "/v1/patients/pt-1", Some(&key), Some(ann(json!({}))))
        .await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["kept"], json!([]));
    text(&app, "+13125550188", "STOP", "sync-stop-1").await;

    let update = ann(json!({"email": "ann.lee@example.com", "birth_date": "1980-04-02"}));
    let (s, b) = app
        .call("PUT", "/v1/patients/pt-1", Some(&key), Some(update))
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["email"], json!("ann.lee@example.com"));
    assert_eq!(b["birth_date"], json!("1980-04-02"));
    assert_eq!(b["preferred_channel"], json!("sms"));
    assert!(b["consents"]["sms"]["opted_out"].is_object(), "{b}");
    let kept = b["kept"].as_array().cloned().unwrap_or_default();
    assert_eq!(kept.len(), 1, "{b}");
    assert_eq!(kept[0]["field"], json!("consents.sms"));
    assert_eq!(kept[0]["value"], json!("opted_out"));
    assert!(kept[0]["reason"]
        .as_str()
        .unwrap_or_default()
        .contains("by text"));

    // Staff moving the patient to email is applied (the patient did not choose sms).
    let (s, b) = app
        .call(
            "PUT",
            "/v1/patients/pt-1",
            Some(&key),
            Some(ann(json!({"preferred_channel": "email"}))),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["preferred_channel"], json!("email"));
    // And moving back onto the opted-out channel is kept at email.
    let (s, b) = app
        .call("PUT", "/v1/patients/pt-1", Some(&key), Some(ann(json!({}))))
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["preferred_channel"], json!("email"));
    let fields: Vec<&str> = b["kept"]
        .as_array()
        .map(|k| k.iter().filter_map(|x| x["field"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(fields, ["consents.sms", "preferred_channel"], "{b}");

    // A form the patient signed before the STOP changes nothing; one signed after lifts it.
    let (_, history) = app
        .call(
            "GET",
            "/v1/patients/pt-1/consents/history",
            Some(&key),
            None,
        )
        .await;
    let stop_at = history["items"]
        .as_array()
        .and_then(|i| i.iter().find(|e| e["kind"] == json!("all")))
        .and_then(|e| e["at"].as_str())
        .map(|s| {
            chrono::DateTime::parse_from_rfc3339(s)
                .expect("rfc3339")
                .to_utc()
        })
        .expect("the STOP is in the history");
    let before = (stop_at - chrono::Duration::days(1)).to_rfc3339();
    let (s, b) = app
        .call(
            "PUT",
            "/v1/patients/pt-1",
            Some(&key),
            Some(ann(
                json!({"consent_source": "patient_form", "consent_at": before}),
            )),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert!(b["consents"]["sms"]["opted_out"].is_object(), "{b}");
    let after = (stop_at + chrono::Duration::seconds(1)).to_rfc3339();
    let (s, b) = app
        .call(
            "PUT",
            "/v1/patients/pt-1",
            Some(&key),
            Some(ann(
                json!({"consent_source": "patient_form", "consent_at": after}),
            )),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert!(b["consents"]["sms"]["opted_out"].is_null(), "{b}");
    assert_eq!(b["preferred_channel"], json!("sms"));
    assert_eq!(b["kept"], json!([]));
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
        .and_then(|i| i.last())
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        (
            last["kind"].clone(),
            last["granted"].clone(),
            last["source"]["type"].clone()
        ),
        (json!("all"), json!(true), json!("pms"))
    );

    // A consent time in the future is refused, naming the field.
    let future = (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339();
    let (s, b) = app
        .call(
            "PUT",
            "/v1/patients/pt-1",
            Some(&key),
            Some(ann(json!({"consent_at": future}))),
        )
        .await;
    assert_eq!(s, 422, "{b}");
    assert_eq!(b["error"]["field"], json!("consent_at"));
}

#[tokio::test]
async fn a_channel_the_patient_chose_by_text_stands_until_a_newer_pms_consent() {
    let app = spawn_app().await;
    let (_, key) = app.onboard("Lakeside Dental", Some("+13125550143")).await;
    let (s, b) = app
        .call("PUT", "/v1/patients/pt-1", Some(&key), Some(ann(json!({}))))
        .await;
    assert_eq!(s, 201, "{b}");
    text(
        &app,
        "+13125550188",
        "Please email me instead",
        "sync-switch-1",
    )
    .await;
    let (_, p) = app.call("GET", "/v1/patients/pt-1", Some(&key), None).await;
    assert_eq!(p["preferred_channel"], json!("email"), "{p}");
    let chosen = p["channel_chosen_at"]
        .as_str()
        .expect("the patient's choice is dated")
        .to_string();

    let (s, b) = app
        .call(
            "PUT",
            "/v1/patients/pt-1",
            Some(&key),
            Some(ann(json!({"last_name": "Lee-Park"}))),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["last_name"], json!("Lee-Park"));
    assert_eq!(b["preferred_channel"], json!("email"));
    assert_eq!(b["kept"][0]["field"], json!("preferred_channel"), "{b}");
    assert_eq!(b["kept"][0]["requested"], json!("sms"));

    let later = (chrono::DateTime::parse_from_rfc3339(&chosen).expect("rfc3339")
        + chrono::Duration::seconds(1))
    .to_rfc3339();
    let (s, b) = app
        .call(
            "PUT",
            "/v1/patients/pt-1",
            Some(&key),
            Some(ann(json!({"consent_at": later}))),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["preferred_channel"], json!("sms"));
    assert!(b["channel_chosen_at"].is_null());
    assert_eq!(b["kept"], json!([]));
}
