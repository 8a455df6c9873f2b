//! The providers' number lists, which Frontdesk reads to accept a practice's number only
//! with the credentials of the account that holds it:
//! `GET /2010-04-01/Accounts/{sid}/IncomingPhoneNumbers.json?PhoneNumber=` (Twilio),
//! `GET /v2/phone_numbers?filter[phone_number]=` (Telnyx) and
//! `GET /account/numbers?api_key&api_secret&pattern&search_pattern` (Vonage), with each
//! provider's list shape and authentication error.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{json, Value};

use crate::answers::{basic_auth, bearer, telnyx_error, twilio_error, with_status};
use crate::state::{Provider, Shared};

type St = State<Arc<Shared>>;

fn query(raw: Option<String>) -> HashMap<String, String> {
    raw.and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(&q).ok())
        .map(|v| v.into_iter().collect())
        .unwrap_or_default()
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

pub async fn twilio(
    State(s): St,
    Path(sid): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let authenticated = basic_auth(&headers).is_some_and(|(u, p)| u == sid && s.twilio_ok(&u, &p));
    if !authenticated {
        return with_status(401, twilio_error(20003, "Authenticate", 401));
    }
    let wanted = query(raw).get("PhoneNumber").cloned().unwrap_or_default();
    let numbers: Vec<Value> = s
        .owned(Provider::Twilio, &sid, &wanted)
        .into_iter()
        .map(|n| json!({"sid": format!("PN{}", digits(&n)), "phone_number": n, "capabilities": {"sms": true}}))
        .collect();
    with_status(
        200,
        json!({
            "incoming_phone_numbers": numbers,
            "page": 0, "page_size": 50, "next_page_uri": null,
            "uri": format!("/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers.json"),
        }),
    )
}

pub async fn telnyx(State(s): St, RawQuery(raw): RawQuery, headers: HeaderMap) -> Response {
    let Some(key) = bearer(&headers).filter(|k| s.telnyx_ok(k)) else {
        let e = telnyx_error(
            "10009",
            "Authentication failed",
            "The API key is invalid or missing.",
        );
        return with_status(401, e);
    };
    let wanted = query(raw)
        .get("filter[phone_number]")
        .cloned()
        .unwrap_or_default();
    let data: Vec<Value> = s
        .owned(Provider::Telnyx, &key, &wanted)
        .into_iter()
        .map(|n| json!({"id": digits(&n), "record_type": "phone_number", "phone_number": n, "status": "active"}))
        .collect();
    let total = data.len();
    with_status(
        200,
        json!({"data": data, "meta": {"total_results": total, "page_number": 1, "page_size": 20, "total_pages": 1}}),
    )
}

pub async fn vonage(State(s): St, RawQuery(raw): RawQuery) -> Response {
    let q = query(raw);
    let key = q.get("api_key").cloned().unwrap_or_default();
    let secret = q.get("api_secret").cloned().unwrap_or_default();
    if !s.vonage_ok(&key, &secret) {
        return with_status(
            401,
            json!({"error-code": "401", "error-code-label": "authentication failed"}),
        );
    }
    // search_pattern 0: the number starts with the pattern (digits, no '+').
    let pattern = q.get("pattern").map(|p| digits(p)).unwrap_or_default();
    let numbers: Vec<Value> = s
        .owned(Provider::Vonage, &key, &format!("+{pattern}"))
        .into_iter()
        .map(|n| json!({"country": "US", "msisdn": digits(&n), "type": "mobile-lvn", "features": ["SMS"]}))
        .collect();
    if numbers.is_empty() {
        return with_status(200, json!({"count": 0}));
    }
    with_status(200, json!({"count": numbers.len(), "numbers": numbers}))
}
