//! Reading API Gateway v2 (HTTP API) requests and writing their responses.

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use aws_lambda_events::encodings::Body;
use base64::Engine;
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{ApiError, ApiResult};

/// The largest body accepted. Patients and appointments are a few hundred bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The parts of a request the routes use.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    pub path: String,
    pub headers: HeaderMap,
    pub query: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Set only by `as_staff::call` (the console, in-process); never from an event.
    pub staff: Option<crate::as_staff::StaffPrincipal>,
}

impl Request {
    pub fn from_event(ev: ApiGatewayV2httpRequest) -> ApiResult<Self> {
        let method = ev.request_context.http.method.clone();
        let path = ev
            .raw_path
            .clone()
            .or_else(|| ev.request_context.http.path.clone())
            .unwrap_or_default();
        let body = match ev.body {
            None => Vec::new(),
            Some(b) if ev.is_base64_encoded => base64::engine::general_purpose::STANDARD
                .decode(b.as_bytes())
                .map_err(|_| {
                    ApiError::BadRequest("body is marked base64 but is not valid base64".into())
                })?,
            Some(b) => b.into_bytes(),
        };
        if body.len() > MAX_BODY_BYTES {
            return Err(ApiError::PayloadTooLarge(MAX_BODY_BYTES));
        }
        let query = ev
            .raw_query_string
            .as_deref()
            .map(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).unwrap_or_default())
            .unwrap_or_default();
        Ok(Self {
            method,
            path,
            headers: ev.headers,
            query,
            body,
            staff: None,
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The bearer token, if the header is well formed.
    pub fn bearer(&self) -> Option<&str> {
        let v = self.header("authorization")?;
        let (scheme, token) = v.split_once(' ')?;
        scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim())
            .filter(|t| !t.is_empty())
    }

    /// Parses the JSON body. Syntax errors are 400; a body sent as another media type is
    /// 415 (no Content-Type at all is read as JSON). `application/json` and any
    /// `application/*+json` (with parameters such as `charset`) are JSON.
    pub fn json<T: DeserializeOwned>(&self) -> ApiResult<T> {
        if let Some(ct) = self.header("content-type") {
            let essence = ct
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase();
            let is_json = essence == "application/json"
                || (essence.starts_with("application/") && essence.ends_with("+json"));
            if !is_json {
                let shown: String = essence
                    .chars()
                    .filter(|c| c.is_ascii_graphic())
                    .take(80)
                    .collect();
                return Err(ApiError::UnsupportedMediaType(shown));
            }
        }
        if self.body.is_empty() {
            return Err(ApiError::BadRequest("a JSON body is required".into()));
        }
        serde_json::from_slice(&self.body).map_err(|e| match e.classify() {
            serde_json::error::Category::Data => ApiError::invalid("body", e.to_string()),
            _ => ApiError::BadRequest(format!("body is not valid JSON: {e}")),
        })
    }

    /// Like `json`, but an empty body gives `T::default()`.
    pub fn json_or_default<T: DeserializeOwned + Default>(&self) -> ApiResult<T> {
        if self.body.iter().all(|b| b.is_ascii_whitespace()) {
            Ok(T::default())
        } else {
            self.json()
        }
    }
}

/// A JSON response.
pub fn json_response<T: Serialize>(status: StatusCode, body: &T) -> ApiGatewayV2httpResponse {
    match serde_json::to_string(body) {
        Ok(text) => raw_json(status, text),
        Err(_) => error_response(&ApiError::Internal("response did not serialise".into())),
    }
}

pub fn error_response(e: &ApiError) -> ApiGatewayV2httpResponse {
    let mut resp = raw_json(e.status(), e.body().to_string());
    if let ApiError::MethodNotAllowed(allow) = e {
        if let Ok(v) = HeaderValue::from_str(allow) {
            resp.headers.insert(http::header::ALLOW, v);
        }
    }
    if let ApiError::RateLimited(secs) = e {
        resp.headers
            .insert(http::header::RETRY_AFTER, HeaderValue::from(*secs));
    }
    resp
}

fn raw_json(status: StatusCode, text: String) -> ApiGatewayV2httpResponse {
    let mut headers = HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    headers.insert("cache-control", HeaderValue::from_static("no-store"));
    let mut resp = ApiGatewayV2httpResponse::default();
    resp.status_code = i64::from(status.as_u16());
    resp.headers = headers;
    resp.body = Some(Body::Text(text));
    resp.is_base64_encoded = false;
    resp
}
