//! Reading API Gateway v2 (HTTP API) webhook requests and writing their responses.

use aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use frontdesk::http_edge::{self, EdgeError};
use http::{HeaderValue, StatusCode};

use crate::error::InboundError;

/// A webhook request: the shared edge's decoded request.
pub use frontdesk::http_edge::HttpRequest as Request;

/// The largest body accepted. Provider webhooks are a few kilobytes at most.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The empty TwiML answer: Twilio sends nothing itself; replies go out through our sender.
pub const EMPTY_TWIML: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Response></Response>"#;

impl From<EdgeError> for InboundError {
    fn from(e: EdgeError) -> Self {
        match e {
            EdgeError::BodyTooLarge(max) => InboundError::PayloadTooLarge(max),
            EdgeError::BodyNotBase64 => InboundError::bad_request(e.to_string()),
        }
    }
}

fn response(
    status: StatusCode,
    content_type: &'static str,
    text: String,
) -> ApiGatewayV2httpResponse {
    http_edge::text(status, content_type, text)
}

/// Twilio's acknowledgement: 200 with an empty TwiML document.
pub fn twiml_ok() -> ApiGatewayV2httpResponse {
    response(StatusCode::OK, "text/xml", EMPTY_TWIML.to_string())
}

/// A JSON acknowledgement (Telnyx, Vonage).
pub fn json_ok(outcome: &str) -> ApiGatewayV2httpResponse {
    response(
        StatusCode::OK,
        "application/json",
        serde_json::json!({ "status": outcome }).to_string(),
    )
}

pub fn error_response(e: &InboundError) -> ApiGatewayV2httpResponse {
    let mut resp = response(e.status(), "application/json", e.body().to_string());
    if matches!(e, InboundError::MethodNotAllowed) {
        resp.headers
            .insert(http::header::ALLOW, HeaderValue::from_static("POST"));
    }
    resp
}
