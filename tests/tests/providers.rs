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
    let report = app.fire("reminders", fire_at).await;
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

/// Posts a signed webhook event (built by the test kit's signers) to the gateway.
async fn post_event(
    app: &e2e_tests::TestApp,
    ev: aws_lambda_events::apigw::ApiGatewayV2httpRequest,
) {
    let path = ev.raw_path.clone().unwrap_or_default();
    let mut req = app.http.post(format!("{}{}", app.base, path));
    for (k, v) in ev.headers.iter() {
        if k.as_str() != "host" {
            req = req.header(k.as_str(), v.as_bytes());
        }
    }
    let r = req
        .body(ev.body.clone().unwrap_or_default())
        .send()
        .await
        .expect("gateway reachable");
    assert_eq!(r.status().as_u16(), 200, "{path}");
}

/// The patient's text, signed as each provider signs it, reaching the practice's webhook.
async fn patient_texts(
    app: &e2e_tests::TestApp,
    provider: &str,
    practice: &str,
    from: &str,
    to: &str,
) {
    let now = chrono::Utc::now().timestamp();
    match provider {
        "twilio" => {
            let url = format!("{}/webhooks/sms/twilio/{practice}", app.base);
            let params = testkit::signers::twilio_params(
                fake_providers::DEMO_TWILIO_SID,
                from,
                to,
                "Hello, is Tuesday ok?",
            );
            let refs: Vec<(&str, &str)> = params
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let sig =
                testkit::signers::twilio_signature(fake_providers::DEMO_TWILIO_TOKEN, &url, &refs);
            let r = app
                .http
                .post(&url)
                .header("x-twilio-signature", sig)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(serde_urlencoded::to_string(&refs).expect("form"))
                .send()
                .await
                .expect("gateway reachable");
            assert_eq!(r.status().as_u16(), 200);
        }
        "telnyx" => {
            let body =
                testkit::signers::telnyx_body("in-telnyx-1", from, to, "Hello, is Tuesday ok?");
            let seed = fake_providers::DEMO_TELNYX_SIGNING_SEED;
            post_event(
                app,
                testkit::signers::telnyx_signed(practice, &body, now, seed),
            )
            .await;
        }
        _ => {
            let params = testkit::signers::vonage_params(
                "in-vonage-1",
                from,
                to,
                "Hello, is Tuesday ok?",
                now,
            );
            let ev = testkit::signers::vonage_signed(
                practice,
                params,
                fake_providers::DEMO_VONAGE_SIGNATURE_SECRET,
            );
            post_event(app, ev).await;
        }
    }
}

#[tokio::test]
async fn each_practices_reply_to_a_patient_and_its_staff_message_leave_through_its_provider() {
    let app = spawn_app().await;
    let practices = [
        (
            "twilio",
            "+13125550231",
            "+13125550331",
            json!({"provider": "twilio",
                   "twilio_account_sid": fake_providers::DEMO_TWILIO_SID,
                   "twilio_auth_token": fake_providers::DEMO_TWILIO_TOKEN}),
        ),
        (
            "telnyx",
            "+13125550232",
            "+13125550332",
            json!({"provider": "telnyx", "telnyx_api_key": fake_providers::DEMO_TELNYX_KEY,
                   "telnyx_public_key": fake_providers::demo_telnyx_public_key()}),
        ),
        (
            "vonage",
            "+13125550233",
            "+13125550333",
            json!({"provider": "vonage", "vonage_api_key": fake_providers::DEMO_VONAGE_KEY,
                   "vonage_api_secret": fake_providers::DEMO_VONAGE_SECRET,
                   "vonage_signature_secret": fake_providers::DEMO_VONAGE_SIGNATURE_SECRET}),
        ),
    ];
    for (provider, number, phone, settings) in &practices {
        let key = practice_with_patient(&app, provider, number, phone, settings.clone()).await;
        // Quiet hours of one minute, so the staff message goes now whatever the clock says.
        let (s, b) = app
            .call(
                "PATCH",
                "/v1/practice",
                Some(&key),
                Some(json!({"quiet_hours": {"start": "03:00", "end": "03:01"}})),
            )
            .await;
        assert_eq!(s, 200, "{b}");
        let (s, b) = app.call("GET", "/v1/practice", Some(&key), None).await;
        assert_eq!(s, 200, "{b}");
        let practice_id = b["practice_id"].as_str().unwrap_or_default().to_string();

        patient_texts(&app, provider, &practice_id, phone, number).await;
        let (s, b) = app
            .call(
                "POST",
                "/v1/patients/pt-1/messages",
                Some(&key),
                Some(json!({"body": "Tuesday at 3 works. See you then!"})),
            )
            .await;
        assert_eq!(s, 201, "{provider}: {b}");
    }

    let (_, outbox) = app.call("GET", "/_local/outbox", None, None).await;
    let requests = outbox["providers"].as_array().cloned().unwrap_or_default();
    for (provider, number, phone, _) in &practices {
        let digits = |n: &str| n.trim_start_matches('+').to_string();
        let (from_field, to_field, want_from, want_to) = match *provider {
            "twilio" => ("From", "To", number.to_string(), phone.to_string()),
            "telnyx" => ("from", "to", number.to_string(), phone.to_string()),
            _ => ("from", "to", digits(number), digits(phone)),
        };
        let sent: Vec<&Value> = requests
            .iter()
            .filter(|r| r["provider"] == json!(provider) && r["fields"][to_field] == json!(want_to))
            .collect();
        assert_eq!(
            sent.len(),
            2,
            "{provider}: the answer to the text and the staff message: {outbox}"
        );
        for r in &sent {
            assert_eq!(r["authenticated"], json!(true), "{provider}");
            assert_eq!(
                r["fields"][from_field],
                json!(want_from),
                "{provider}: from the practice's number"
            );
        }
    }
    // Nothing for these patients went through SNS.
    let sns = outbox["sms"].as_array().cloned().unwrap_or_default();
    assert!(
        !sns.iter().any(|m| practices
            .iter()
            .any(|(_, _, phone, _)| m["to"] == json!(phone))),
        "{outbox}"
    );
}
