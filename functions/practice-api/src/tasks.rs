//! Staff tasks: the open list (most urgent, then newest, first) and resolving one.

use aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use frontdesk::domain::{TaskId, TaskStatus};
use frontdesk::ports::{Key, Write};
use http::StatusCode;

use crate::auth::authenticate;
use crate::deps::Deps;
use crate::error::{ApiError, ApiResult};
use crate::http_io::{json_response, Request};
use crate::patients::page_limit;
use crate::wire::{PageOut, ResolveIn};

pub async fn list(deps: &Deps, req: &Request) -> ApiResult<ApiGatewayV2httpResponse> {
    match req.query("status") {
        None | Some("open") => {}
        Some(_) => return Err(ApiError::invalid("status", "only status=open is listed")),
    }
    let limit = page_limit(req)?;
    let (practice, _) = authenticate(deps, req, vec![]).await?;
    let page = deps
        .store
        .open_tasks(&practice.practice_id, req.query("cursor"), limit)
        .await?;
    Ok(json_response(
        StatusCode::OK,
        &PageOut {
            items: page.items,
            next_cursor: page.next,
        },
    ))
}

/// Resolving twice is harmless: the second call returns the task as it is.
pub async fn resolve(deps: &Deps, req: &Request, id: &str) -> ApiResult<ApiGatewayV2httpResponse> {
    let task_id = TaskId::parse(id).map_err(|_| ApiError::NotFound("task"))?;
    let input: ResolveIn = req.json_or_default()?;
    let resolution = match input.resolution.map(|s| s.trim().to_string()) {
        Some(s) if s.is_empty() || s.chars().count() > 200 || s.chars().any(char::is_control) => {
            return Err(ApiError::invalid(
                "resolution",
                "must be 1 to 200 characters",
            ))
        }
        other => other.unwrap_or_else(|| "done".into()),
    };
    let (_, fetched) = authenticate(deps, req, vec![Key::Task(task_id.clone())]).await?;
    let task = fetched.task(&task_id).ok_or(ApiError::NotFound("task"))?;
    if task.status == TaskStatus::Resolved {
        return Ok(json_response(StatusCode::OK, task));
    }
    let mut task = task.clone();
    task.status = TaskStatus::Resolved;
    task.resolved_at = Some(deps.clock.now());
    task.resolution = Some(resolution);
    deps.store
        .write(vec![Write::Task(Box::new(task.clone()))])
        .await?;
    Ok(json_response(StatusCode::OK, &task))
}
