//! Each SMS provider's webhook signing, implemented here from the provider's documentation
//! (so tests check the algorithms rather than reuse the code under test), and builders for
//! the API Gateway v2 events and SNS records those webhooks arrive as.

use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use base64::Engine;
use ed25519_dalek::{Signer, SigningKey};
use hmac::{Hmac, Mac};
use http::{HeaderValue, Method};
use serde_json::{json, Value};

/// The host the local gateway serves on; signatures cover URLs on it.
pub const LOCAL_HOST: &str = "127.0.0.1:3000";

/// The webhook URL a provider calls (and signs) for a practice.
pub fn webhook_url(provider: &str, practice: &str) -> String {
    format!("http://{LOCAL_HOST}/webhooks/sms/{provider}/{practice}")
}

/// `POST /webhooks/sms/{provider}/{practice}?{query}` with these headers and body.
pub fn webhook_event(
    provider: &str,
    practice: &str,
    headers: &[(&str, &str)],
    body: &str,
    query: &str,
) -> ApiGatewayV2httpRequest {
    let mut ev = ApiGatewayV2httpRequest::default();
    ev.request_context.http.method = Method::POST;
    ev.raw_path = Some(format!("/webhooks/sms/{provider}/{practice}"));
    ev.raw_query_string = Some(query.to_string());
    ev.headers
        .insert("host", HeaderValue::from_static(LOCAL_HOST));
    for (k, v) in headers {
        ev.headers.insert(
            http::HeaderName::from_bytes(k.as_bytes()).expect("header name"),
            HeaderValue::from_str(v).expect("header value"),
        );
    }
    if !body.is_empty() {
        ev.body = Some(body.to_string());
    }
    ev
}

// --- Twilio: base64(HMAC-SHA1(auth token, URL + sorted name/value pairs)) ----------------

pub fn twilio_signature(token: &str, url: &str, params: &[(&str, &str)]) -> String {
    let mut sorted = params.to_vec();
    sorted.sort();
    let mut data = url.to_string();
    for (k, v) in sorted {
        data.push_str(k);
        data.push_str(v);
    }
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(token.as_bytes()).expect("any key length");
    mac.update(data.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The form Twilio posts for an inbound SMS.
pub fn twilio_params(sid: &str, from: &str, to: &str, body: &str) -> Vec<(String, String)> {
    [
        ("ToCountry", "US"),
        ("SmsMessageSid", sid),
        ("NumMedia", "0"),
        ("SmsSid", sid),
        ("SmsStatus", "received"),
        ("Body", body),
        ("To", to),
        ("NumSegments", "1"),
        ("MessageSid", sid),
        ("AccountSid", "AC00000000000000000000000000000000"),
        ("From", from),
        ("ApiVersion", "2010-04-01"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// A Twilio webhook whose signature covers exactly `params`, sent as the form `form`.
pub fn twilio_signed_form(
    practice: &str,
    token: &str,
    params: &[(&str, &str)],
    form: &str,
) -> ApiGatewayV2httpRequest {
    let sig = twilio_signature(token, &webhook_url("twilio", practice), params);
    webhook_event(
        "twilio",
        practice,
        &[
            ("x-twilio-signature", &sig),
            ("content-type", "application/x-www-form-urlencoded"),
        ],
        form,
        "",
    )
}

/// A correctly signed Twilio inbound SMS.
pub fn twilio_event(
    practice: &str,
    token: &str,
    sid: &str,
    from: &str,
    to: &str,
    body: &str,
) -> ApiGatewayV2httpRequest {
    let params = twilio_params(sid, from, to, body);
    let refs: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let form = serde_urlencoded::to_string(&refs).expect("a form");
    twilio_signed_form(practice, token, &refs, &form)
}

// --- Telnyx: Ed25519 over "{timestamp}|{raw body}" ---------------------------------------

/// The base64 public key a practice stores for a signing seed.
pub fn telnyx_public_key(seed: [u8; 32]) -> String {
    base64::engine::general_purpose::STANDARD
        .encode(SigningKey::from_bytes(&seed).verifying_key().to_bytes())
}

/// A Telnyx `message.received` event body.
pub fn telnyx_body(id: &str, from: &str, to: &str, text: &str) -> String {
    json!({
        "data": {
            "event_type": "message.received",
            "id": format!("evt-{id}"),
            "occurred_at": "2026-03-10T15:00:00.000+00:00",
            "payload": {
                "id": id,
                "direction": "inbound",
                "from": {"phone_number": from, "carrier": "T-Mobile USA", "line_type": "Wireless"},
                "to": [{"phone_number": to, "status": "webhook_delivered"}],
                "text": text,
                "type": "SMS",
                "parts": 1
            },
            "record_type": "event"
        },
        "meta": {"attempt": 1, "delivered_to": "http://127.0.0.1:3000/"}
    })
    .to_string()
}

/// `body` signed with `seed` at `timestamp` (Unix seconds).
pub fn telnyx_signed(
    practice: &str,
    body: &str,
    timestamp: i64,
    seed: [u8; 32],
) -> ApiGatewayV2httpRequest {
    let ts = timestamp.to_string();
    let sig = SigningKey::from_bytes(&seed).sign(format!("{ts}|{body}").as_bytes());
    let sig = base64::engine::general_purpose::STANDARD.encode(sig.to_bytes());
    webhook_event(
        "telnyx",
        practice,
        &[
            ("telnyx-signature-ed25519", &sig),
            ("telnyx-timestamp", &ts),
            ("content-type", "application/json"),
        ],
        body,
        "",
    )
}

// --- Vonage: hex HMAC-SHA256 of "&name=value…" sorted, "&"/"=" in values as "_" ------------

pub fn vonage_sig(secret: &str, params: &[(String, String)]) -> String {
    let mut sorted = params.to_vec();
    sorted.sort();
    let mut data = String::new();
    for (k, v) in sorted {
        data.push('&');
        data.push_str(&k);
        data.push('=');
        data.push_str(&v.replace(['&', '='], "_"));
    }
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(data.as_bytes());
    hex::encode_upper(mac.finalize().into_bytes())
}

/// The parameters Vonage sends for an inbound SMS (numbers without the `+`).
pub fn vonage_params(
    id: &str,
    from: &str,
    to: &str,
    text: &str,
    timestamp: i64,
) -> Vec<(String, String)> {
    [
        ("msisdn", from.trim_start_matches('+')),
        ("to", to.trim_start_matches('+')),
        ("messageId", id),
        ("text", text),
        ("type", "text"),
        ("keyword", "HI"),
        ("api-key", "abcd1234"),
        ("message-timestamp", "2026-03-10 15:00:00"),
        ("timestamp", &timestamp.to_string()),
        ("nonce", "7f1c9c1e-8b9c-4e3a-9d7e-2a1b3c4d5e6f"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// `params` with their `sig`, posted as JSON.
pub fn vonage_signed(
    practice: &str,
    mut params: Vec<(String, String)>,
    secret: &str,
) -> ApiGatewayV2httpRequest {
    let sig = vonage_sig(secret, &params);
    params.push(("sig".into(), sig));
    let body: serde_json::Map<String, Value> = params
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    webhook_event(
        "vonage",
        practice,
        &[("content-type", "application/json")],
        &Value::Object(body).to_string(),
        "",
    )
}

// --- AWS End User Messaging two-way SMS, through SNS --------------------------------------

/// The message End User Messaging publishes for an inbound text.
pub fn aws_message(id: &str, from: &str, to: &str, body: &str) -> String {
    json!({
        "originationNumber": from,
        "destinationNumber": to,
        "messageKeyword": "KEYWORD_000000000000",
        "messageBody": body,
        "inboundMessageId": id,
        "previousPublishedMessageId": "wJ0BANG6jsGnyHBWq5wVuDZPLgqgfSbP"
    })
    .to_string()
}

/// An SNS Lambda event with one record carrying `message`.
pub fn sns_json(message: &str) -> Value {
    json!({
        "Records": [{
            "EventSource": "aws:sns",
            "EventVersion": "1.0",
            "EventSubscriptionArn": "arn:aws:sns:us-east-1:000000000000:inbound-sms:sub",
            "Sns": {
                "Type": "Notification",
                "MessageId": "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
                "TopicArn": "arn:aws:sns:us-east-1:000000000000:inbound-sms",
                "Subject": null,
                "Message": message,
                "Timestamp": "2026-03-10T15:00:00.000Z",
                "SignatureVersion": "1",
                "Signature": "EXAMPLE",
                "SigningCertUrl": "https://sns.us-east-1.amazonaws.com/cert.pem",
                "UnsubscribeUrl": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe",
                "MessageAttributes": {}
            }
        }]
    })
}
