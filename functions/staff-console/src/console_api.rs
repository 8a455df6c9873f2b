//! The console's one way to the v1 API: calls made in-process as the signed-in member
//! (`practice_api::as_staff`), the reads a page needs, and the ids a URL may carry.

use http::Method;
use serde_json::Value;

use crate::error::ConsoleError;
use crate::handler::Ctx;
use crate::views::str_of;
use crate::Deps;

pub(crate) async fn api(
    deps: &Deps,
    ctx: &Ctx,
    method: Method,
    path: &str,
    query: &[(&str, &str)],
    body: Option<Value>,
) -> (u16, Value) {
    practice_api::as_staff::call(&deps.api, &ctx.principal(), method, path, query, body).await
}

/// A read that must succeed: 404 (or any refusal) is the console's 404.
pub(crate) async fn read(
    deps: &Deps,
    ctx: &Ctx,
    path: &str,
    query: &[(&str, &str)],
) -> Result<Value, ConsoleError> {
    match api(deps, ctx, Method::GET, path, query, None).await {
        (200, v) => Ok(v),
        (404 | 400 | 401, _) => Err(ConsoleError::NotFound),
        (s, _) => Err(ConsoleError::Store(frontdesk::Error::Storage(format!(
            "the API answered {s}"
        )))),
    }
}

pub(crate) fn api_message(v: &Value) -> String {
    v.get("error")
        .and_then(|e| str_of(e, "message"))
        .unwrap_or("The action could not be done.")
        .to_string()
}

/// Only ids that parse reach the API (and so a URL never carries anything else).
pub(crate) fn safe_id(id: &str) -> Result<&str, ConsoleError> {
    let ok = !id.is_empty()
        && id.len() <= 80
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    ok.then_some(id).ok_or(ConsoleError::NotFound)
}
