//! Reading API Gateway v2 (HTTP API) webhook requests and writing their responses.

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use aws_lambda_events::encodings::Body;
use base64::Engine;
use http::{HeaderMap, HeaderValue, Method, StatusCode};

use crate::error::InboundError;

/// The largest body accepted. Provider webhooks are a few kilobytes at most.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The empty TwiML answer: Twilio sends nothing itself; replies go out through our sender.
pub const EMPTY_TWIML: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Response></Response>"#;

/// The parts of a webhook request the providers need.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    /// The path exactly as the client sent it (percent-encoding kept).
    pub raw_path: String,
    /// The query string exactly as sent, without `?`.
    pub raw_query: String,
    pub headers: HeaderMap,
    /// The raw body bytes (base64 already undone).
    pub body: Vec<u8>,
    /// `requestContext.domainName`, used when there is no Host header.
    pub domain_name: Option<String>,
}

impl Request {
    pub fn from_event(ev: ApiGatewayV2httpRequest) -> Result<Self, InboundError> {
        let raw_path = ev
            .raw_path
            .clone()
            .or_else(|| ev.request_context.http.path.clone())
            .unwrap_or_default();
        let body = match ev.body {
            None => Vec::new(),
            Some(b) if ev.is_base64_encoded => base64::engine::general_purpose::STANDARD
                .decode(b.as_bytes())
                .map_err(|_| {
                    InboundError::bad_request("the body is marked base64 but is not valid base64")
                })?,
            Some(b) => b.into_bytes(),
        };
        if body.len() > MAX_BODY_BYTES {
            return Err(InboundError::PayloadTooLarge(MAX_BODY_BYTES));
        }
        Ok(Self {
            method: ev.request_context.http.method.clone(),
            raw_path,
            raw_query: ev.raw_query_string.unwrap_or_default(),
            headers: ev.headers,
            body,
            domain_name: ev.request_context.domain_name,
        })
    }

    /// A header as text (first value), if present and printable.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The media type of the body, lower-cased, without parameters.
    pub fn media_type(&self) -> Option<String> {
        self.header("content-type").map(|ct| {
            ct.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
    }

    /// The URL the caller used, as a provider signs it: `PUBLIC_BASE_URL` + raw path + raw
    /// query when the base is configured, else rebuilt from `X-Forwarded-Proto`, `Host`
    /// (or the API's domain name), the raw path and the raw query. Without a forwarded
    /// scheme, a loopback host is `http` (the local gateway) and anything else `https`
    /// (API Gateway always sets the header).
    pub fn public_url(&self, public_base_url: Option<&str>) -> String {
        let query = if self.raw_query.is_empty() {
            String::new()
        } else {
            format!("?{}", self.raw_query)
        };
        if let Some(base) = public_base_url {
            return format!("{}{}{}", base.trim_end_matches('/'), self.raw_path, query);
        }
        let host = self
            .header("host")
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .or(self.domain_name.as_deref())
            .unwrap_or("localhost");
        let forwarded = self
            .header("x-forwarded-proto")
            .and_then(|p| p.split(',').next())
            .map(|p| p.trim().to_ascii_lowercase())
            .filter(|p| p == "http" || p == "https");
        let scheme = forwarded.unwrap_or_else(|| {
            if is_loopback(host) {
                "http".into()
            } else {
                "https".into()
            }
        });
        format!("{scheme}://{host}{}{query}", self.raw_path)
    }
}

fn is_loopback(host: &str) -> bool {
    let name = if host.starts_with('[') {
        host.split(']')
            .next()
            .unwrap_or(host)
            .trim_start_matches('[')
    } else {
        host.rsplit_once(':').map_or(host, |(h, _)| h)
    };
    name == "localhost" || name == "::1" || name.starts_with("127.")
}

fn response(
    status: StatusCode,
    content_type: &'static str,
    text: String,
) -> ApiGatewayV2httpResponse {
    let mut headers = HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_static(content_type));
    headers.insert("cache-control", HeaderValue::from_static("no-store"));
    let mut resp = ApiGatewayV2httpResponse::default();
    resp.status_code = i64::from(status.as_u16());
    resp.headers = headers;
    resp.body = Some(Body::Text(text));
    resp.is_base64_encoded = false;
    resp
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
    response(e.status(), "application/json", e.body().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(host: Option<&str>, proto: Option<&str>, query: &str) -> Request {
        let mut headers = HeaderMap::new();
        if let Some(h) = host {
            headers.insert("host", HeaderValue::from_str(h).unwrap());
        }
        if let Some(p) = proto {
            headers.insert("x-forwarded-proto", HeaderValue::from_str(p).unwrap());
        }
        Request {
            method: Method::POST,
            raw_path: "/webhooks/sms/twilio/prc_1".into(),
            raw_query: query.into(),
            headers,
            body: vec![],
            domain_name: Some("abc.execute-api.us-east-1.amazonaws.com".into()),
        }
    }

    #[test]
    fn the_public_url_is_rebuilt_from_forwarding_headers() {
        assert_eq!(
            request(Some("127.0.0.1:3000"), None, "").public_url(None),
            "http://127.0.0.1:3000/webhooks/sms/twilio/prc_1"
        );
        assert_eq!(
            request(Some("api.example.com"), Some("https"), "a=1&b=%20").public_url(None),
            "https://api.example.com/webhooks/sms/twilio/prc_1?a=1&b=%20"
        );
        assert_eq!(
            request(None, None, "").public_url(None),
            "https://abc.execute-api.us-east-1.amazonaws.com/webhooks/sms/twilio/prc_1"
        );
        assert_eq!(
            request(Some("evil.example"), Some("https"), "")
                .public_url(Some("https://sms.example.com/")),
            "https://sms.example.com/webhooks/sms/twilio/prc_1"
        );
    }

    #[test]
    fn loopback_hosts_are_recognised() {
        for h in [
            "localhost",
            "localhost:3000",
            "127.0.0.1",
            "127.0.0.1:3000",
            "[::1]:3000",
        ] {
            assert!(is_loopback(h), "{h}");
        }
        for h in ["example.com", "10.0.0.1:80", "[2001:db8::1]:443"] {
            assert!(!is_loopback(h), "{h}");
        }
    }
}
