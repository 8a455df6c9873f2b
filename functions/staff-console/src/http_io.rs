//! Requests and responses of the console: form bodies, the session cookie, and HTML with
//! a strict Content-Security-Policy (no inline script or style, forms post to self only).

use std::ops::Deref;

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use frontdesk::http_edge::{self, EdgeError, HttpRequest};
use http::{HeaderMap, HeaderValue, StatusCode};

use crate::error::ConsoleError;

pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const MAX_FORM_BYTES: usize = 16 * 1024;

/// One console request: the decoded HTTP request (read through `Deref`), its host and
/// source address, and the posted form.
pub struct Request {
    pub http: HttpRequest,
    pub host: String,
    pub source_ip: String,
    pub form: Vec<(String, String)>,
}

impl Deref for Request {
    type Target = HttpRequest;

    fn deref(&self) -> &HttpRequest {
        &self.http
    }
}

impl Request {
    pub fn from_event(ev: ApiGatewayV2httpRequest) -> Result<Self, ConsoleError> {
        let http = HttpRequest::from_event(ev, MAX_FORM_BYTES).map_err(|e| match e {
            EdgeError::BodyNotBase64 => ConsoleError::BadRequest("body"),
            EdgeError::BodyTooLarge(_) => ConsoleError::BadRequest("the form is too large"),
        })?;
        Ok(Self {
            host: http.host(),
            source_ip: http.source_ip.clone().unwrap_or_default(),
            form: http.form(),
            http,
        })
    }

    pub fn field(&self, name: &str) -> &str {
        self.form
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

fn headers(content_type: &'static str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("content-type", HeaderValue::from_static(content_type));
    h.insert("content-security-policy", HeaderValue::from_static(CSP));
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("cache-control", HeaderValue::from_static("no-store"));
    h
}

pub fn html(status: u16, body: String) -> ApiGatewayV2httpResponse {
    response(status, headers("text/html; charset=utf-8"), body, vec![])
}

pub fn asset(content_type: &'static str, body: &'static str) -> ApiGatewayV2httpResponse {
    let mut h = headers(content_type);
    h.insert(
        "cache-control",
        HeaderValue::from_static("public, max-age=300"),
    );
    response(200, h, body.to_string(), vec![])
}

/// `303 See Other` to a console path (after a form post), with cookies to set.
pub fn redirect(to: &str, cookies: Vec<String>) -> ApiGatewayV2httpResponse {
    let mut h = headers("text/plain; charset=utf-8");
    if let Ok(v) = HeaderValue::from_str(to) {
        h.insert("location", v);
    }
    response(303, h, String::new(), cookies)
}

fn response(
    status: u16,
    headers: HeaderMap,
    body: String,
    cookies: Vec<String>,
) -> ApiGatewayV2httpResponse {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    http_edge::response(status, headers, body, cookies)
}
