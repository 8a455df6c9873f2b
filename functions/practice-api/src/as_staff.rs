//! The staff console's way into this API: a request on behalf of a signed-in staff member
//! of one practice, answered in-process by the same handlers and rules as the v1 API.
//!
//! The console authenticates the session itself (`frontdesk::staff_signin`) and passes the
//! practice here; such a request carries no API key and can only reach that practice. The
//! marker lives in `Request::staff`, which `Request::from_event` never sets, so nothing
//! from outside can claim it. Staff management (`/v1/staff`) needs an admin.

use frontdesk::domain::{PracticeId, StaffId, StaffRole};
use frontdesk::http_edge::{body_text, HttpRequest};
use http::Method;

use crate::deps::Deps;
use crate::error::{ApiError, ApiResult};
use crate::http_io::{error_response, Request};

/// Who the console says is asking (already authenticated by their session).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffPrincipal {
    pub practice_id: PracticeId,
    pub staff_id: StaffId,
    pub role: StaffRole,
}

/// Calls `method path` (with `query` and a JSON `body`) as `principal`. The answer is the
/// API's own status and JSON body.
pub async fn call(
    deps: &Deps,
    principal: &StaffPrincipal,
    method: Method,
    path: &str,
    query: &[(&str, &str)],
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    let http = HttpRequest::new(method, path)
        .with_query(query)
        .with_header("content-type", "application/json")
        .with_body(body.map(|b| b.to_string().into_bytes()).unwrap_or_default());
    let req = Request {
        http,
        staff: Some(principal.clone()),
    };
    let resp = match crate::handler::dispatch(deps, &req).await {
        Ok(r) => r,
        Err(e) => error_response(&e),
    };
    let json = serde_json::from_str(body_text(&resp)).unwrap_or(serde_json::Value::Null);
    (u16::try_from(resp.status_code).unwrap_or(500), json)
}

/// Refuses a console caller who is not an admin (API keys act as the admin).
pub fn require_admin(req: &Request) -> ApiResult<()> {
    match &req.staff {
        Some(p) if p.role != StaffRole::Admin => Err(ApiError::NotFound("page")),
        _ => Ok(()),
    }
}
