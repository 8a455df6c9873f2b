//! Staff tasks: listing (by status, kind, priority, assignee), one task, and resolving one
//! with an outcome. Assigning, snoozing and notes are in `task_actions`.
//!
//! Listings are keyed: open and snoozed tasks come from the open-task index (GSI2
//! `P#<p>#OPEN`), resolved ones from `P#<p>#RESOLVED`; the other filters apply to each
//! page, so a page may hold fewer than `limit` tasks (follow `next_cursor`).

use aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use frontdesk::domain::{
    parse_outcome, Actor, Priority, StaffId, Task, TaskId, TaskKind, TaskStatus, TaskView,
};
use http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::auth::authenticate;
use crate::deps::Deps;
use crate::error::{ApiError, ApiResult};
use crate::http_io::{json_response, Request};
use crate::patients::page_limit;
use crate::task_actions::{self, Change};
use crate::wire::PageOut;

/// A task as listed: the stored task and what it shows as now.
#[derive(Debug, Serialize)]
pub struct TaskOut<'a> {
    #[serde(flatten)]
    pub task: &'a Task,
    pub view: TaskView,
}

fn priority(s: &str) -> ApiResult<Priority> {
    serde_json::from_value(serde_json::Value::String(s.into()))
        .map_err(|_| ApiError::invalid("priority", "must be one of urgent, high, normal, low"))
}

pub async fn list(deps: &Deps, req: &Request) -> ApiResult<ApiGatewayV2httpResponse> {
    let view = match req.query("status") {
        None | Some("open") => TaskView::Open,
        Some("snoozed") => TaskView::Snoozed,
        Some("resolved") => TaskView::Resolved,
        Some(_) => {
            return Err(ApiError::invalid(
                "status",
                "must be one of open, snoozed, resolved",
            ))
        }
    };
    let kind = req
        .query("kind")
        .map(|k| {
            TaskKind::parse(k).ok_or_else(|| {
                ApiError::invalid(
                    "kind",
                    "must be a task kind such as inbox_message or call_patient",
                )
            })
        })
        .transpose()?;
    let priority = req.query("priority").map(priority).transpose()?;
    let assignee = req
        .query("assignee")
        .map(|a| StaffId::parse(a).map_err(|_| ApiError::invalid("assignee", "must be a staff id")))
        .transpose()?;
    let limit = page_limit(req)?;
    let (practice, _) = authenticate(deps, req, vec![]).await?;
    let cursor = req.query("cursor");
    let page = match view {
        TaskView::Resolved => {
            deps.store
                .resolved_tasks(&practice.practice_id, cursor, limit)
                .await?
        }
        TaskView::Open | TaskView::Snoozed => {
            deps.store
                .open_tasks(&practice.practice_id, cursor, limit)
                .await?
        }
    };
    let now = deps.clock.now();
    let items = page
        .items
        .iter()
        .filter(|t| t.view(now) == view)
        .filter(|t| kind.is_none_or(|k| t.kind == k))
        .filter(|t| priority.is_none_or(|p| t.priority == p))
        .filter(|t| assignee.is_none() || t.work.assignee == assignee)
        .map(|t| TaskOut {
            task: t,
            view: t.view(now),
        })
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &PageOut {
            items,
            next_cursor: page.next,
        },
    ))
}

/// `GET /v1/tasks/{task_id}`.
pub async fn get(deps: &Deps, req: &Request, id: &str) -> ApiResult<ApiGatewayV2httpResponse> {
    let task_id = TaskId::parse(id).map_err(|_| ApiError::NotFound("task"))?;
    let (_, fetched) = authenticate(
        deps,
        req,
        vec![frontdesk::ports::Key::Task(task_id.clone())],
    )
    .await?;
    let task = fetched.task(&task_id).ok_or(ApiError::NotFound("task"))?;
    Ok(json_response(
        StatusCode::OK,
        &TaskOut {
            task,
            view: task.view(deps.clock.now()),
        },
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResolveIn {
    /// One of the task kind's outcomes (call tasks: reached, left_voicemail, no_answer).
    #[serde(default)]
    outcome: Option<String>,
    /// The free resolution of earlier clients, kept for compatibility.
    #[serde(default)]
    resolution: Option<String>,
    #[serde(default)]
    staff_id: Option<String>,
}

/// Resolving twice is harmless: the second call returns the task as it is. Resolving a
/// thread's task (an inbox message, a channel switch…) settles the patient's thread.
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
    let actor = task_actions::actor(input.staff_id)?;
    let outcome = input.outcome;
    task_actions::apply(deps, req, &task_id, |task, now| {
        if task.status == TaskStatus::Resolved {
            return Ok(Change::Unchanged);
        }
        let outcome = outcome
            .as_deref()
            .map(|o| parse_outcome(task.kind, o))
            .transpose()?;
        let what = format!(
            "Task resolved: {}",
            outcome.map_or(resolution.as_str(), |o| o.as_str())
        );
        task.resolve(outcome, resolution.clone(), actor.clone(), now);
        Ok(Change::Changed {
            what,
            actor: actor.clone(),
            settles_thread: task.kind.settles_thread(),
        })
    })
    .await
}

/// The actor of a request: the staff member named, else the API key.
pub fn actor_of(staff_id: Option<StaffId>) -> Actor {
    Actor::from_staff(staff_id)
}
