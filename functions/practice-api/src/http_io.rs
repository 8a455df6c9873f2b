//! The API's side of the shared HTTP edge (`frontdesk::http_edge`): JSON bodies in, JSON
//! answers out, and the staff console's in-process marker.

use std::ops::Deref;

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use frontdesk::http_edge::{self, EdgeError, HttpRequest};
use http::{HeaderValue, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{ApiError, ApiResult};

/// The largest body accepted. Patients and appointments are a few hundred bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// One API request: the decoded HTTP request (read through `Deref`) and who the console
/// says is asking.
#[derive(Debug, Clone)]
pub struct Request {
    pub http: HttpRequest,
    /// Set only by `as_staff::call` (the console, in-process); never from an event.
    pub staff: Option<crate::as_staff::StaffPrincipal>,
}

impl Deref for Request {
    type Target = HttpRequest;

    fn deref(&self) -> &HttpRequest {
        &self.http
    }
}

impl From<HttpRequest> for Request {
    fn from(http: HttpRequest) -> Self {
        Self { http, staff: None }
    }
}

impl From<EdgeError> for ApiError {
    fn from(e: EdgeError) -> Self {
        match e {
            EdgeError::BodyTooLarge(max) => ApiError::PayloadTooLarge(max),
            EdgeError::BodyNotBase64 => ApiError::BadRequest(e.to_string()),
        }
    }
}

impl Request {
    pub fn from_event(ev: ApiGatewayV2httpRequest) -> ApiResult<Self> {
        Ok(HttpRequest::from_event(ev, MAX_BODY_BYTES)?.into())
    }

    /// Parses the JSON body. Syntax errors are 400; a body sent as another media type is
    /// 415 (no Content-Type at all is read as JSON). `application/json` and any
    /// `application/*+json` (with parameters such as `charset`) are JSON.
    pub fn json<T: DeserializeOwned>(&self) -> ApiResult<T> {
        if let Some(essence) = self.media_type() {
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
        Ok(text) => http_edge::text(status, "application/json", text),
        Err(_) => error_response(&ApiError::Internal("response did not serialise".into())),
    }
}

pub fn error_response(e: &ApiError) -> ApiGatewayV2httpResponse {
    let mut resp = http_edge::text(e.status(), "application/json", e.body().to_string());
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
