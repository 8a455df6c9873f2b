//! Outbound SMS through the provider that owns the practice's number, end to end: the
//! local gateway (which serves the fake Twilio, Telnyx and Vonage in-process), a reminder
//! fired by the schedule route, and the outbox. A Twilio, a Telnyx and a Vonage practice
//! each text from their own number through their provider with its auth; an AWS practice
//! still goes through SNS (moto).

use e2e_tests::spawn_app;
use serde_json::{json, Value};

async fn practice_with_patient(
    app: &e2e_tests::TestApp,
    name: &str,
    number: &str,
    patient_phone: &str,
    provider: Value,
) -> String {
    let (_, key) = app.onboard(name, Some(number)).await;
    let (s, b) = app
        .call(
            "PATCH",
            "/v1/practice",
            Some(&key),
            Some(json!({ "sms_provider": provider })),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = app
        .call(
            "PUT",
            "/v1/patients/pt-1",
            Some(&key),
            Some(json!({
                "first_name": "Ann", "last_name": "Lee", "phone": patient_phone,
                "preferred_channel": "sms", "consents": {"sms": {"care": true}}
            })),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    key
}

#[tokio::test]
async fn each_practice_texts_a_reminder_through_the_provider_that_owns_its_number() {
    let app = spawn_app().await;
    let practices = [
        (
            "Twilio Dental",
            "+13125550201",
            "+13125550301",
            json!({"provider": "twilio",
                   "twilio_account_sid": fake_providers::DEMO_TWILIO_SID,
                   "twilio_auth_token": fake_providers::DEMO_TWILIO_TOKEN}),
        ),
        (
            "Telnyx Dental",
            "+13125550202",
            "+13125550302",
            json!({"provider": "telnyx", "telnyx_api_key": fake_providers::DEMO_TELNYX_KEY}),
        ),
        (
            "Vonage Dental",
            "+13125550203",
            "+13125550303",
            json!({"provider": "vonage",
                   "vonage_api_key": fake_providers::DEMO_VONAGE_KEY,
                   "vonage_api_secret": fake_providers::DEMO_VONAGE_SECRET}),
        ),
        (
            "Aws Dental",
            "+13125550204",
            "+13125550304",
            json!({"provider": "aws"}),
        ),
    ];
    let starts = (chrono::Utc::now() + chrono::Duration::days(3))
        .date_naive()
        .and_hms_opt(16, 0, 0)
        .expect("valid time")
        .and_utc();
    let mut keys = vec![];
    for (name, number, phone, provider) in &practices {
        let key = practice_with_patient(&app, name, number, phone, provider.clone()).await;
        let (s, b) = app
            .call(
                "PUT",
                "/v1/appointments/ap-1",
                Some(&key),
                Some(json!({"patient_id": "pt-1", "starts_at": starts.to_rfc3339(), "duration_minutes": 30})),
            )
            .await;
        assert_eq!(s, 201, "{b}");
        keys.push(key);
    }

    let fire_at = starts - chrono::Duration::days(2) + chrono::Duration::minutes(1);
    let (s, report) = app
        .call(
            "POST",
            &format!(
                "/_local/schedules/reminders?time={}",
                fire_at.to_rfc3339().replace('+', "%2B")
            ),
            None,
            None,
        )
        .await;
    assert_eq!(s, 200, "{report}");
    assert_eq!(report["result"]["claimed"], json!(4), "{report}");

    let (_, outbox) = app.call("GET", "/_local/outbox", None, None).await;
    let sent = outbox["providers"].as_array().cloned().unwrap_or_default();
    assert_eq!(sent.len(), 3, "{outbox}");
    let find = |provider: &str| {
        sent.iter()
            .find(|r| r["provider"] == json!(provider))
            .cloned()
            .unwrap_or_else(|| panic!("nothing sent through {provider}: {outbox}"))
    };
    let twilio = find("twilio");
    assert_eq!(twilio["authenticated"], json!(true));
    assert_eq!(twilio["fields"]["From"], json!("+13125550201"));
    assert_eq!(twilio["fields"]["To"], json!("+13125550301"));
    let telnyx = find("telnyx");
    assert_eq!(telnyx["authenticated"], json!(true));
    assert_eq!(telnyx["fields"]["from"], json!("+13125550202"));
    assert_eq!(telnyx["fields"]["to"], json!("+13125550302"));
    let vonage = find("vonage");
    assert_eq!(vonage["authenticated"], json!(true));
    assert_eq!(vonage["fields"]["from"], json!("13125550203"));
    assert_eq!(vonage["fields"]["to"], json!("13125550303"));

    // The provider's message id is on the timeline.
    let (_, timeline) = app
        .call("GET", "/v1/patients/pt-1/timeline", Some(&keys[0]), None)
        .await;
    let id = twilio["message_id"].as_str().unwrap_or("?");
    assert!(timeline.to_string().contains(id), "{id} in {timeline}");

    // The AWS practice's reminder went through SNS, and only that one.
    let sns: Vec<&Value> = outbox["sms"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|m| {
                    [
                        "+13125550301",
                        "+13125550302",
                        "+13125550303",
                        "+13125550304",
                    ]
                    .contains(&m["to"].as_str().unwrap_or(""))
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(sns.len(), 1, "{outbox}");
    assert_eq!(sns[0]["to"], json!("+13125550304"));
}
