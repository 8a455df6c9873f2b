//! `ETag` on reads of one resource and `If-Match` on its writes, so a PMS that read a
//! patient, an appointment or the practice settings can update it only if nobody changed
//! it since (412 otherwise). A patient's or appointment's tag is its version; the
//! practice's is its last update time. Strong tags, compared strongly (RFC 9110 §13.1.1).

use aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use chrono::{DateTime, Utc};
use http::HeaderValue;

use crate::error::{ApiError, ApiResult};
use crate::http_io::Request;

/// The tag of a versioned item.
pub fn of_version(version: u64) -> String {
    format!("\"v{version}\"")
}

/// The tag of the practice settings.
pub fn of_time(t: DateTime<Utc>) -> String {
    format!("\"t{}\"", t.timestamp_millis())
}

/// Sets the `ETag` header.
pub fn tagged(mut resp: ApiGatewayV2httpResponse, tag: &str) -> ApiGatewayV2httpResponse {
    if let Ok(v) = HeaderValue::from_str(tag) {
        resp.headers.insert(http::header::ETAG, v);
    }
    resp
}

/// Checks `If-Match` against the current tag (`None`: the resource does not exist).
/// No header: nothing to check. `*` matches any existing resource.
pub fn check_if_match(req: &Request, current: Option<&str>) -> ApiResult<()> {
    let Some(header) = req.header("if-match") else {
        return Ok(());
    };
    let matches = |current: &str| {
        header
            .split(',')
            .map(str::trim)
            .any(|t| t == "*" || t == current)
    };
    match current {
        Some(c) if matches(c) => Ok(()),
        Some(c) => Err(ApiError::PreconditionFailed(format!(
            "If-Match does not match the current ETag {c}: it changed since you read it; GET it again, reapply your change and retry"
        ))),
        None => Err(ApiError::PreconditionFailed(
            "If-Match was sent but the resource does not exist; send the PUT without If-Match to create it".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use frontdesk::http_edge::HttpRequest;

    fn req(if_match: Option<&str>) -> Request {
        let mut http = HttpRequest::new(http::Method::PUT, "/");
        if let Some(v) = if_match {
            http = http.with_header("if-match", v);
        }
        http.into()
    }

    #[test]
    fn if_match_passes_on_the_current_tag_or_star_and_fails_otherwise() {
        let v3 = of_version(3);
        assert!(check_if_match(&req(None), Some(&v3)).is_ok());
        assert!(check_if_match(&req(None), None).is_ok());
        assert!(check_if_match(&req(Some("\"v3\"")), Some(&v3)).is_ok());
        assert!(check_if_match(&req(Some("\"v1\", \"v3\"")), Some(&v3)).is_ok());
        assert!(check_if_match(&req(Some("*")), Some(&v3)).is_ok());
        for stale in ["\"v2\"", "W/\"v3\"", "v3"] {
            assert!(
                matches!(
                    check_if_match(&req(Some(stale)), Some(&v3)),
                    Err(ApiError::PreconditionFailed(_))
                ),
                "{stale}"
            );
        }
        assert!(matches!(
            check_if_match(&req(Some("*")), None),
            Err(ApiError::PreconditionFailed(_))
        ));
    }
}
