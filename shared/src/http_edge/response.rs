//! Writing an API Gateway v2 response.

use aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use aws_lambda_events::encodings::Body;
use http::{HeaderMap, HeaderValue, StatusCode};

/// A text response with the given headers and cookies to set.
pub fn response(
    status: StatusCode,
    headers: HeaderMap,
    body: String,
    cookies: Vec<String>,
) -> ApiGatewayV2httpResponse {
    let mut resp = ApiGatewayV2httpResponse::default();
    resp.status_code = i64::from(status.as_u16());
    resp.headers = headers;
    resp.cookies = cookies;
    resp.body = Some(Body::Text(body));
    resp.is_base64_encoded = false;
    resp
}

/// A response of `content_type` that no cache keeps (`Cache-Control: no-store`).
pub fn text(
    status: StatusCode,
    content_type: &'static str,
    body: String,
) -> ApiGatewayV2httpResponse {
    let mut headers = HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_static(content_type));
    headers.insert("cache-control", HeaderValue::from_static("no-store"));
    response(status, headers, body, vec![])
}

/// The body of a response as text (empty when there is none or it is binary).
pub fn body_text(resp: &ApiGatewayV2httpResponse) -> &str {
    match &resp.body {
        Some(Body::Text(t)) => t,
        _ => "",
    }
}
