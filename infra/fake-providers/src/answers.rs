//! The handlers: each answers as the real API does, including its error bodies.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::state::{Fault, Provider, Recorded, Shared};

type St = State<Arc<Shared>>;

fn form_fields(body: &[u8]) -> HashMap<String, String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .map(|v| v.into_iter().collect())
        .unwrap_or_default()
}

fn json_fields(body: &[u8]) -> HashMap<String, String> {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
        return HashMap::new();
    };
    map.into_iter()
        .map(|(k, v)| {
            let s = match v {
                Value::String(s) => s,
                other => other.to_string(),
            };
            (k, s)
        })
        .collect()
}

pub(crate) fn basic_auth(headers: &HeaderMap) -> Option<(String, String)> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let b64 = v.strip_prefix("Basic ")?;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()?;
    let s = String::from_utf8(raw).ok()?;
    let (u, p) = s.split_once(':')?;
    Some((u.to_string(), p.to_string()))
}

pub(crate) fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    v.strip_prefix("Bearer ").map(|s| s.trim().to_string())
}

pub(crate) fn with_status(status: u16, body: Value) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (code, Json(body)).into_response()
}

fn throttled(retry_after: u64, body: Value) -> Response {
    let mut r = with_status(429, body);
    if let Ok(v) = HeaderValue::from_str(&retry_after.to_string()) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

fn new_id(prefix: &str) -> String {
    format!("{prefix}{}", ulid::Ulid::new().to_string().to_lowercase())
}

pub(crate) fn twilio_error(code: u32, message: &str, status: u16) -> Value {
    json!({
        "code": code,
        "message": message,
        "more_info": format!("https://www.twilio.com/docs/errors/{code}"),
        "status": status,
    })
}

pub async fn twilio(
    State(s): St,
    Path(sid): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let fields = form_fields(&body);
    let auth = basic_auth(&headers);
    let authenticated = auth
        .as_ref()
        .is_some_and(|(u, p)| u == &sid && s.twilio_ok(u, p));
    let mut rec = Recorded {
        provider: Provider::Twilio,
        path: format!("/2010-04-01/Accounts/{sid}/Messages.json"),
        credential: auth.map(|(u, _)| u),
        authenticated,
        fields: fields.clone(),
        message_id: None,
        status: 0,
    };
    let (status, resp) = if !authenticated {
        (
            401,
            with_status(401, twilio_error(20003, "Authenticate", 401)),
        )
    } else if let Some(fault) = s.next_fault(Provider::Twilio) {
        match fault {
            Fault::Throttle { retry_after } => (
                429,
                throttled(retry_after, twilio_error(20429, "Too Many Requests", 429)),
            ),
            Fault::Fail { status, code } => {
                let c = code.parse().unwrap_or(21211);
                (
                    status,
                    with_status(status, twilio_error(c, "Message refused", status)),
                )
            }
        }
    } else if !fields.contains_key("To") {
        (
            400,
            with_status(
                400,
                twilio_error(21604, "A 'To' phone number is required.", 400),
            ),
        )
    } else if !fields.contains_key("From") && !fields.contains_key("MessagingServiceSid") {
        (
            400,
            with_status(
                400,
                twilio_error(21603, "A 'From' phone number is required.", 400),
            ),
        )
    } else {
        let id = new_id("SM");
        rec.message_id = Some(id.clone());
        let body = json!({
            "account_sid": sid,
            "api_version": "2010-04-01",
            "body": fields.get("Body"),
            "direction": "outbound-api",
            "from": fields.get("From"),
            "messaging_service_sid": fields.get("MessagingServiceSid"),
            "num_segments": "1",
            "sid": id,
            "status": "queued",
            "to": fields.get("To"),
            "uri": format!("/2010-04-01/Accounts/{sid}/Messages/{id}.json"),
        });
        (201, with_status(201, body))
    };
    rec.status = status;
    s.record(rec);
    resp
}

pub(crate) fn telnyx_error(code: &str, title: &str, detail: &str) -> Value {
    json!({ "errors": [{ "code": code, "title": title, "detail": detail }] })
}

pub async fn telnyx(State(s): St, headers: HeaderMap, body: Bytes) -> Response {
    let fields = json_fields(&body);
    let key = bearer(&headers);
    let authenticated = key.as_deref().is_some_and(|k| s.telnyx_ok(k));
    let mut rec = Recorded {
        provider: Provider::Telnyx,
        path: "/v2/messages".into(),
        credential: key.map(|k| k.chars().take(6).collect()),
        authenticated,
        fields: fields.clone(),
        message_id: None,
        status: 0,
    };
    let (status, resp) = if !authenticated {
        let e = telnyx_error(
            "10009",
            "Authentication failed",
            "The API key is invalid or missing.",
        );
        (401, with_status(401, e))
    } else if let Some(fault) = s.next_fault(Provider::Telnyx) {
        match fault {
            Fault::Throttle { retry_after } => (
                429,
                throttled(
                    retry_after,
                    telnyx_error("10011", "Too many requests", "Rate limit exceeded."),
                ),
            ),
            Fault::Fail { status, code } => (
                status,
                with_status(
                    status,
                    telnyx_error(&code, "Message refused", "The message was refused."),
                ),
            ),
        }
    } else if !fields.contains_key("to") || !fields.contains_key("text") {
        let e = telnyx_error("10005", "Invalid value", "to and text are required.");
        (422, with_status(422, e))
    } else {
        let id = ulid::Ulid::new().to_string().to_lowercase();
        rec.message_id = Some(id.clone());
        let body = json!({ "data": {
            "record_type": "message",
            "direction": "outbound",
            "id": id,
            "type": "SMS",
            "messaging_profile_id": fields.get("messaging_profile_id"),
            "from": { "phone_number": fields.get("from") },
            "to": [{ "phone_number": fields.get("to"), "status": "queued" }],
            "text": fields.get("text"),
            "webhook_url": fields.get("webhook_url"),
            "parts": 1,
        }});
        (200, with_status(200, body))
    };
    rec.status = status;
    s.record(rec);
    resp
}

fn vonage_part(status: &str, error_text: &str) -> Value {
    json!({ "message-count": "1", "messages": [{ "status": status, "error-text": error_text }] })
}

pub async fn vonage(State(s): St, body: Bytes) -> Response {
    let fields = form_fields(&body);
    let key = fields.get("api_key").cloned();
    let authenticated = match (&key, fields.get("api_secret")) {
        (Some(k), Some(sec)) => s.vonage_ok(k, sec),
        _ => false,
    };
    let mut recorded_fields = fields.clone();
    recorded_fields.remove("api_secret");
    let mut rec = Recorded {
        provider: Provider::Vonage,
        path: "/sms/json".into(),
        credential: key,
        authenticated,
        fields: recorded_fields,
        message_id: None,
        status: 0,
    };
    let (status, resp) = if !authenticated {
        // The SMS API answers bad credentials with HTTP 200 and status "4".
        (200, with_status(200, vonage_part("4", "Bad Credentials")))
    } else if let Some(fault) = s.next_fault(Provider::Vonage) {
        match fault {
            Fault::Throttle { retry_after } => (
                429,
                throttled(retry_after, vonage_part("1", "Throughput Rate Exceeded")),
            ),
            Fault::Fail { status, code } => (
                status,
                with_status(status, vonage_part(&code, "Message refused")),
            ),
        }
    } else if !fields.contains_key("to") || !fields.contains_key("from") {
        (200, with_status(200, vonage_part("2", "Missing to param")))
    } else {
        let id = ulid::Ulid::new().to_string();
        rec.message_id = Some(id.clone());
        let body = json!({ "message-count": "1", "messages": [{
            "to": fields.get("to"),
            "message-id": id,
            "status": "0",
            "remaining-balance": "10.00",
            "message-price": "0.0333",
            "network": "310004",
        }]});
        (200, with_status(200, body))
    };
    rec.status = status;
    s.record(rec);
    resp
}

pub async fn requests(State(s): St) -> Json<Vec<Recorded>> {
    Json(s.requests())
}

#[derive(Deserialize)]
pub struct ThrottleReq {
    provider: Provider,
    #[serde(default = "one")]
    times: u32,
    #[serde(default = "one_u64")]
    retry_after: u64,
}

#[derive(Deserialize)]
pub struct FailReq {
    provider: Provider,
    #[serde(default = "one")]
    times: u32,
    status: u16,
    code: String,
}

fn one() -> u32 {
    1
}
fn one_u64() -> u64 {
    1
}

pub async fn throttle(State(s): St, Json(r): Json<ThrottleReq>) -> StatusCode {
    s.inject(
        r.provider,
        r.times,
        Fault::Throttle {
            retry_after: r.retry_after,
        },
    );
    StatusCode::NO_CONTENT
}

pub async fn fail(State(s): St, Json(r): Json<FailReq>) -> StatusCode {
    s.inject(
        r.provider,
        r.times,
        Fault::Fail {
            status: r.status,
            code: r.code,
        },
    );
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
pub struct FaultRateReq {
    rate: f64,
    #[serde(default)]
    seed: u64,
}

/// `POST /_fake/fault_rate {"rate": 0.2, "seed": 7}`: fail that share of sends.
pub async fn fault_rate(State(s): St, Json(r): Json<FaultRateReq>) -> StatusCode {
    if !(0.0..=1.0).contains(&r.rate) {
        return StatusCode::UNPROCESSABLE_ENTITY;
    }
    s.set_fault_rate(r.rate, r.seed);
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
pub struct StatusReq {
    message_id: String,
    status: String,
    #[serde(default)]
    error_code: Option<String>,
}

/// `POST /_fake/status`: reports a status for an accepted message to its callback URL;
/// answers with the status the service returned.
pub async fn status(State(s): St, Json(r): Json<StatusReq>) -> Response {
    match crate::callbacks::send(&s, &r.message_id, &r.status, r.error_code.as_deref()).await {
        Ok(answered) => with_status(200, json!({ "answered": answered })),
        Err(e) => with_status(404, json!({ "error": e })),
    }
}

#[derive(Deserialize)]
pub struct AutoStatusReq {
    enabled: bool,
}

/// `POST /_fake/auto_status {"enabled": bool}`.
pub async fn auto_status(State(s): St, Json(r): Json<AutoStatusReq>) -> StatusCode {
    s.set_auto_status(r.enabled);
    StatusCode::NO_CONTENT
}
