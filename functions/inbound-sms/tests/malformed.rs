//! A corpus of malformed webhook bodies, correctly signed where the provider signs the body
//! (so they reach the parser rather than stopping at the signature), against moto. Every
//! one gets a 4xx with a message, nothing panics, and nothing is stored or sent.

mod common;

use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use common::*;
use serde_json::json;

fn twilio_form(practice: &str, pairs: &[(&str, &str)]) -> ApiGatewayV2httpRequest {
    let form = serde_urlencoded::to_string(pairs).unwrap();
    twilio_signed_form(practice, pairs, &form)
}

fn telnyx_raw(practice: &str, body: &str, now: i64) -> ApiGatewayV2httpRequest {
    telnyx_signed(practice, body, now, TELNYX_SEED)
}

fn vonage_pairs(practice: &str, pairs: &[(&str, &str)], now: i64) -> ApiGatewayV2httpRequest {
    let mut params: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    params.push(("timestamp".into(), now.to_string()));
    vonage_signed(practice, params, VONAGE_SECRET)
}

fn vonage_raw(practice: &str, content_type: &str, body: &str) -> ApiGatewayV2httpRequest {
    webhook("vonage", practice, &[("content-type", content_type)], body)
}

#[tokio::test]
async fn every_malformed_body_is_a_4xx_and_nothing_is_stored() {
    let s = Stack::new(office_hours(), json!({})).await;
    let before = s.item_count().await;
    let p = s.practice_id.to_string();
    let p = p.as_str();
    let now = s.now.timestamp();
    let patient = s.n.patient.clone();
    let to = s.n.practice.clone();
    let long_text = "x".repeat(9000);
    let long_id = "S".repeat(200);
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let big = "a".repeat(70 * 1024);

    let mut cases: Vec<(&str, ApiGatewayV2httpRequest)> = vec![
        // --- Twilio (form data; the signature covers the parsed parameters) ---
        ("twilio: empty body", twilio_form(p, &[])),
        (
            "twilio: no MessageSid",
            twilio_form(p, &[("From", &patient), ("Body", "hi")]),
        ),
        (
            "twilio: no From",
            twilio_form(p, &[("MessageSid", "SM1"), ("Body", "hi")]),
        ),
        (
            "twilio: no Body",
            twilio_form(p, &[("MessageSid", "SM1"), ("From", &patient)]),
        ),
        (
            "twilio: From without +",
            twilio_form(
                p,
                &[
                    ("MessageSid", "SM1"),
                    ("From", "4155552671"),
                    ("Body", "hi"),
                ],
            ),
        ),
        (
            "twilio: From is words",
            twilio_form(
                p,
                &[("MessageSid", "SM1"), ("From", "hello"), ("Body", "hi")],
            ),
        ),
        (
            "twilio: From too short",
            twilio_form(p, &[("MessageSid", "SM1"), ("From", "+1"), ("Body", "hi")]),
        ),
        (
            "twilio: id with spaces",
            twilio_form(
                p,
                &[("MessageSid", "SM 1"), ("From", &patient), ("Body", "hi")],
            ),
        ),
        (
            "twilio: id too long",
            twilio_form(
                p,
                &[("MessageSid", &long_id), ("From", &patient), ("Body", "hi")],
            ),
        ),
        (
            "twilio: text too long",
            twilio_form(
                p,
                &[
                    ("MessageSid", "SM1"),
                    ("From", &patient),
                    ("Body", &long_text),
                ],
            ),
        ),
        (
            "twilio: Body repeated",
            twilio_form(
                p,
                &[
                    ("MessageSid", "SM1"),
                    ("From", &patient),
                    ("Body", "a"),
                    ("Body", "b"),
                ],
            ),
        ),
        ("twilio: broken percent-encoding", {
            // Signed over what a form parser reads from it, as Twilio would have.
            let form = "%ZZ%%=&&==&From=%2";
            let parsed: Vec<(String, String)> = serde_urlencoded::from_str(form).unwrap();
            let refs: Vec<(&str, &str)> = parsed
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            twilio_signed_form(p, &refs, form)
        }),
        (
            "twilio: JSON body",
            webhook(
                "twilio",
                p,
                &[
                    ("x-twilio-signature", "abc="),
                    ("content-type", "application/json"),
                ],
                r#"{"From": "+14155552671"}"#,
            ),
        ),
        // --- Telnyx (JSON; the signature covers the raw body) ---
        ("telnyx: empty body", telnyx_raw(p, "", now)),
        ("telnyx: not JSON", telnyx_raw(p, "STOP", now)),
        (
            "telnyx: truncated JSON",
            telnyx_raw(p, r#"{"data": {"event_type": "#, now),
        ),
        ("telnyx: array", telnyx_raw(p, "[]", now)),
        ("telnyx: null", telnyx_raw(p, "null", now)),
        ("telnyx: empty object", telnyx_raw(p, "{}", now)),
        (
            "telnyx: data is a number",
            telnyx_raw(p, r#"{"data": 5}"#, now),
        ),
        (
            "telnyx: no event_type",
            telnyx_raw(p, r#"{"data": {}}"#, now),
        ),
        (
            "telnyx: no payload",
            telnyx_raw(p, r#"{"data": {"event_type": "message.received"}}"#, now),
        ),
        (
            "telnyx: payload without id",
            telnyx_raw(
                p,
                &json!({"data": {"event_type": "message.received", "payload": {
                    "from": {"phone_number": patient}, "text": "hi"}}})
                .to_string(),
                now,
            ),
        ),
        (
            "telnyx: from is a string",
            telnyx_raw(
                p,
                &json!({"data": {"event_type": "message.received", "payload": {
                    "id": "x", "from": patient, "text": "hi"}}})
                .to_string(),
                now,
            ),
        ),
        (
            "telnyx: phone number is a number",
            telnyx_raw(
                p,
                &json!({"data": {"event_type": "message.received", "payload": {
                    "id": "x", "from": {"phone_number": 14155552671u64}, "text": "hi"}}})
                .to_string(),
                now,
            ),
        ),
        (
            "telnyx: text is an object",
            telnyx_raw(
                p,
                &json!({"data": {"event_type": "message.received", "payload": {
                    "id": "x", "from": {"phone_number": patient}, "text": {"a": 1}}}})
                .to_string(),
                now,
            ),
        ),
        (
            "telnyx: no text",
            telnyx_raw(
                p,
                &json!({"data": {"event_type": "message.received", "payload": {
                    "id": "x", "from": {"phone_number": patient}}}})
                .to_string(),
                now,
            ),
        ),
        ("telnyx: deeply nested", telnyx_raw(p, &deep, now)),
        (
            "telnyx: invalid UTF-8 escape",
            telnyx_raw(p, r#"{"data": "\ud800"}"#, now),
        ),
        (
            "telnyx: signature not base64",
            webhook(
                "telnyx",
                p,
                &[
                    ("telnyx-signature-ed25519", "!!!"),
                    ("telnyx-timestamp", &now.to_string()),
                ],
                "{}",
            ),
        ),
        // --- Vonage (JSON or form; the signature covers the parameters) ---
        (
            "vonage: no msisdn",
            vonage_pairs(p, &[("messageId", "v1"), ("text", "hi")], now),
        ),
        (
            "vonage: no messageId",
            vonage_pairs(p, &[("msisdn", "14155552671"), ("text", "hi")], now),
        ),
        (
            "vonage: no text",
            vonage_pairs(p, &[("messageId", "v1"), ("msisdn", "14155552671")], now),
        ),
        (
            "vonage: msisdn is words",
            vonage_pairs(
                p,
                &[("messageId", "v1"), ("msisdn", "abc"), ("text", "hi")],
                now,
            ),
        ),
        (
            "vonage: not JSON",
            vonage_raw(p, "application/json", "{msisdn=1"),
        ),
        (
            "vonage: JSON array",
            vonage_raw(p, "application/json", "[1, 2]"),
        ),
        (
            "vonage: nested value",
            vonage_raw(p, "application/json", r#"{"msisdn": {"a": 1}, "sig": "x"}"#),
        ),
        (
            "vonage: repeated parameter",
            vonage_raw(
                p,
                "application/x-www-form-urlencoded",
                "msisdn=1&msisdn=2&sig=x&timestamp=1",
            ),
        ),
        (
            "vonage: XML",
            vonage_raw(p, "application/xml", "<msisdn>1</msisdn>"),
        ),
        // --- Transport ---
        ("oversized body", {
            let mut ev = s.twilio_event("SMbig", &patient, "hi");
            ev.body = Some(big.clone());
            ev
        }),
        ("body marked base64 but not base64", {
            let mut ev = s.twilio_event("SMb64", &patient, "hi");
            ev.is_base64_encoded = true;
            ev.body = Some("***".into());
            ev
        }),
    ];
    // A Twilio body whose From is not a phone number, sent through the real URL-encoder.
    let odd = twilio_params("SModd", "not-a-number", &to, "hi");
    let refs: Vec<(&str, &str)> = odd.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    cases.push(("twilio: full form, bad From", twilio_form(p, &refs)));

    assert!(cases.len() >= 30, "{} cases", cases.len());
    let mut statuses = Vec::new();
    for (what, ev) in cases {
        let r = inbound_sms::respond(&s.deps, ev).await;
        assert!(
            (400..500).contains(&r.status_code),
            "{what}: {} {}",
            r.status_code,
            body_text(&r)
        );
        let body: serde_json::Value = serde_json::from_str(&body_text(&r)).unwrap();
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{what}"
        );
        assert!(
            !body_text(&r).contains("4155552671"),
            "{what}: echoes no number"
        );
        eprintln!("{:>3}  {what}: {}", r.status_code, body["error"]["message"]);
        statuses.push(r.status_code);
    }
    assert!(statuses.contains(&400));
    assert!(statuses.contains(&413));
    assert!(statuses.contains(&415));
    assert_eq!(s.item_count().await, before, "nothing stored");
    assert!(s.sms_to(&patient).await.is_empty());
}

#[tokio::test]
async fn malformed_sns_records_are_reported_and_never_panic() {
    let s = Stack::new(office_hours(), json!({})).await;
    let before = s.item_count().await;
    let patient = s.n.patient.clone();
    let practice = s.n.practice.clone();
    let messages = [
        String::new(),
        "not json".into(),
        "[]".into(),
        "{}".into(),
        json!({"originationNumber": patient, "destinationNumber": practice, "messageBody": "hi"})
            .to_string(),
        json!({"originationNumber": 5, "destinationNumber": practice, "messageBody": "hi",
               "inboundMessageId": "a"})
        .to_string(),
        aws_message("a", "+1", &practice, "hi"),
        aws_message("a", &patient, "+1", "hi"),
        aws_message("a", &patient, "+16175550100", "nobody owns this number"),
        aws_message("has space", &patient, &practice, "hi"),
    ];
    for m in messages {
        let event: aws_lambda_events::sns::SnsEvent = serde_json::from_value(sns_json(&m)).unwrap();
        let err = inbound_sms::handle_sns(&s.deps, event).await.unwrap_err();
        assert_eq!(err.status().as_u16(), 400, "{err}");
    }
    assert_eq!(s.item_count().await, before);
}
