//! Requests and responses of the console: form bodies, the session cookie, and HTML with
//! a strict Content-Security-Policy (no inline script or style, forms post to self only).

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use aws_lambda_events::encodings::Body;
use http::{HeaderMap, HeaderValue, Method};

use crate::error::ConsoleError;

pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const MAX_FORM_BYTES: usize = 16 * 1024;

pub struct Request {
    pub method: Method,
    pub path: String,
    pub host: String,
    pub source_ip: String,
    pub cookies: Vec<String>,
    pub query: Vec<(String, String)>,
    pub form: Vec<(String, String)>,
}

impl Request {
    pub fn from_event(ev: ApiGatewayV2httpRequest) -> Result<Self, ConsoleError> {
        let body = match ev.body {
            None => Vec::new(),
            Some(b) if ev.is_base64_encoded => {
                base64_decode(&b).ok_or(ConsoleError::BadRequest("body"))?
            }
            Some(b) => b.into_bytes(),
        };
        if body.len() > MAX_FORM_BYTES {
            return Err(ConsoleError::BadRequest("the form is too large"));
        }
        let form = serde_urlencoded::from_bytes(&body).unwrap_or_default();
        let query = ev
            .raw_query_string
            .as_deref()
            .map(|q| serde_urlencoded::from_str(q).unwrap_or_default())
            .unwrap_or_default();
        let host = ev
            .headers
            .get("host")
            .and_then(|h| h.to_str().ok())
            .map(str::to_string)
            .or(ev.request_context.domain_name.clone())
            .unwrap_or_default();
        Ok(Self {
            method: ev.request_context.http.method.clone(),
            path: ev
                .raw_path
                .or(ev.request_context.http.path.clone())
                .unwrap_or_default(),
            host,
            source_ip: ev
                .request_context
                .http
                .source_ip
                .clone()
                .unwrap_or_default(),
            cookies: ev.cookies.unwrap_or_default(),
            query,
            form,
        })
    }

    pub fn field(&self, name: &str) -> &str {
        self.form
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies.iter().find_map(|c| {
            let (k, v) = c.split_once('=')?;
            (k.trim() == name).then_some(v.trim())
        })
    }
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(s).ok()
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
    response(
        i64::from(status),
        headers("text/html; charset=utf-8"),
        body,
        vec![],
    )
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
    status: i64,
    headers: HeaderMap,
    body: String,
    cookies: Vec<String>,
) -> ApiGatewayV2httpResponse {
    let mut r = ApiGatewayV2httpResponse::default();
    r.status_code = status;
    r.headers = headers;
    r.cookies = cookies;
    r.body = Some(Body::Text(body));
    r
}
