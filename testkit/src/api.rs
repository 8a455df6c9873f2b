//! The Practice API called in-process, with real API Gateway v2 events, the way a
//! practice's systems would call it through the gateway.

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use aws_lambda_events::encodings::Body;
use http::{HeaderValue, Method};
use serde_json::Value;

/// `METHOD path[?query]` with an optional bearer token and JSON body.
pub fn event(
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> ApiGatewayV2httpRequest {
    let mut ev = ApiGatewayV2httpRequest::default();
    ev.request_context.http.method = Method::from_bytes(method.as_bytes()).expect("a method");
    let (p, q) = path.split_once('?').unwrap_or((path, ""));
    ev.raw_path = Some(p.to_string());
    ev.raw_query_string = Some(q.to_string());
    if let Some(t) = token {
        ev.headers.insert(
            "authorization",
            HeaderValue::from_str(&format!("Bearer {t}")).expect("a printable token"),
        );
    }
    if let Some(b) = body {
        ev.headers
            .insert("content-type", HeaderValue::from_static("application/json"));
        ev.body = Some(b.to_string());
    }
    ev
}

/// The response body as text.
pub fn body_text(r: &ApiGatewayV2httpResponse) -> String {
    match &r.body {
        Some(Body::Text(t)) => t.clone(),
        Some(Body::Binary(b)) => String::from_utf8_lossy(b).into_owned(),
        _ => String::new(),
    }
}

/// The response body as JSON (`Null` when empty or not JSON).
pub fn body_json(r: &ApiGatewayV2httpResponse) -> Value {
    serde_json::from_str(&body_text(r)).unwrap_or(Value::Null)
}

/// Calls the Practice API; returns the status and the JSON body.
pub async fn call(
    deps: &practice_api::Deps,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (i64, Value) {
    let r = practice_api::respond(deps, event(method, path, token, body.as_ref())).await;
    (r.status_code, body_json(&r))
}
