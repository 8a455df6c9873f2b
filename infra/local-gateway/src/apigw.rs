//! Turning a local HTTP request into the API Gateway v2 (HTTP API, payload 2.0) event that
//! Lambda would receive, and the handler's response back. The event is built as the JSON
//! API Gateway sends and deserialised like the Lambda runtime does, so handlers see the
//! real wire shape.

use std::collections::HashMap;

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use aws_lambda_events::encodings::Body as LambdaBody;
use axum::body::Body;
use axum::response::Response;
use chrono::Utc;
use http::{HeaderMap, Method, StatusCode};
use serde_json::{json, Map, Value};

use crate::routes::HttpRoute;

pub fn to_event(
    route: &HttpRoute,
    params: HashMap<String, String>,
    method: &Method,
    path: &str,
    query: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<ApiGatewayV2httpRequest, serde_json::Error> {
    let mut hdrs = Map::new();
    let mut cookies = Vec::new();
    for (name, value) in headers {
        let Ok(v) = value.to_str() else { continue };
        if name.as_str() == "cookie" {
            cookies.extend(v.split(';').map(|c| c.trim().to_string()));
            continue;
        }
        // API Gateway joins repeated headers with commas.
        match hdrs.get_mut(name.as_str()) {
            Some(Value::String(existing)) => {
                existing.push(',');
                existing.push_str(v);
            }
            _ => {
                hdrs.insert(name.as_str().to_string(), Value::String(v.to_string()));
            }
        }
    }
    let mut qs: Map<String, Value> = Map::new();
    for (k, v) in serde_urlencoded::from_str::<Vec<(String, String)>>(query).unwrap_or_default() {
        match qs.get_mut(&k) {
            Some(Value::String(existing)) => {
                existing.push(',');
                existing.push_str(&v);
            }
            _ => {
                qs.insert(k, Value::String(v));
            }
        }
    }
    let (body_value, b64) = match std::str::from_utf8(body) {
        _ if body.is_empty() => (Value::Null, false),
        Ok(text) => (Value::String(text.to_string()), false),
        Err(_) => {
            use base64::Engine;
            (
                Value::String(base64::engine::general_purpose::STANDARD.encode(body)),
                true,
            )
        }
    };
    let now = Utc::now();
    let route_key = format!("{} {}", route.method, route.path);
    let mut ev = json!({
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": query,
        "headers": hdrs,
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local",
            "domainName": headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1"),
            "domainPrefix": "local",
            "http": {
                "method": method.as_str(),
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": headers.get("user-agent").and_then(|h| h.to_str().ok()).unwrap_or(""),
            },
            "requestId": ulid_like(),
            "routeKey": route_key,
            "stage": "$default",
            "time": now.format("%d/%b/%Y:%H:%M:%S %z").to_string(),
            "timeEpoch": now.timestamp_millis(),
        },
        "isBase64Encoded": b64,
    });
    if !qs.is_empty() {
        ev["queryStringParameters"] = Value::Object(qs);
    }
    if !params.is_empty() {
        ev["pathParameters"] = serde_json::to_value(params)?;
    }
    if !cookies.is_empty() {
        ev["cookies"] = serde_json::to_value(cookies)?;
    }
    if !body_value.is_null() {
        ev["body"] = body_value;
    }
    serde_json::from_value(ev)
}

fn ulid_like() -> String {
    format!(
        "local-{}",
        Utc::now().timestamp_nanos_opt().unwrap_or_default()
    )
}

pub fn from_response(r: ApiGatewayV2httpResponse) -> Response {
    let status = u16::try_from(r.status_code)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::BAD_GATEWAY);
    let bytes: Vec<u8> = match r.body {
        Some(LambdaBody::Text(t)) if r.is_base64_encoded => {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD
                .decode(t)
                .unwrap_or_default()
        }
        Some(LambdaBody::Text(t)) => t.into_bytes(),
        Some(LambdaBody::Binary(b)) => b,
        _ => Vec::new(),
    };
    let mut resp = Response::new(Body::from(bytes));
    *resp.status_mut() = status;
    for (k, v) in r.headers.iter() {
        resp.headers_mut().insert(k.clone(), v.clone());
    }
    // Payload 2.0 returns cookies apart from the headers; API Gateway sends each as a
    // Set-Cookie header.
    for c in &r.cookies {
        if let Ok(v) = http::HeaderValue::from_str(c) {
            resp.headers_mut().append(http::header::SET_COOKIE, v);
        }
    }
    resp
}
