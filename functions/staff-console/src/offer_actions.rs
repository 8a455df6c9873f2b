//! "Accepted by phone" on a freed slot's offer task: staff called the waitlist patient and
//! they said yes. The console claims the slot for them through the API
//! (`POST /v1/waitlist/slots/{appointment_id}/claim`, the same claim rule as a texted or
//! emailed yes: the first one wins), then resolves the task as reached. A slot taken
//! meanwhile is shown as the API's message, and the task stays open (tell the patient).

use aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use http::Method;
use serde_json::{json, Value};

use crate::console_api::{api, api_message, read, safe_id};
use crate::error::ConsoleError;
use crate::handler::Ctx;
use crate::http_io::{redirect, Request};
use crate::views::str_of;
use crate::work_pages::tasks;
use crate::Deps;

/// Whether a task (as the API lists it) is a freed slot's offer, open and about a patient
/// and an appointment.
pub(crate) fn is_offer(t: &Value) -> bool {
    str_of(t, "title") == Some(frontdesk::waitlist::OFFER_TASK_TITLE)
        && str_of(t, "status") == Some("open")
        && str_of(t, "patient_id").is_some()
        && str_of(t, "appointment_id").is_some()
}

pub(crate) async fn accepted_by_phone(
    deps: &Deps,
    req: &Request,
    ctx: &Ctx,
    id: &str,
) -> Result<ApiGatewayV2httpResponse, ConsoleError> {
    let id = safe_id(id)?;
    let task = &read(deps, ctx, &format!("/v1/tasks/{id}"), &[]).await?;
    if !is_offer(task) {
        return Err(ConsoleError::NotFound);
    }
    let (Some(patient_id), Some(appointment_id)) =
        (str_of(task, "patient_id"), str_of(task, "appointment_id"))
    else {
        return Err(ConsoleError::NotFound);
    };
    let me = ctx.signed_in.member.staff_id.as_str();
    let path = format!("/v1/waitlist/slots/{}/claim", safe_id(appointment_id)?);
    let body = json!({"patient_id": patient_id, "staff_id": me});
    match api(deps, ctx, Method::POST, &path, &[], Some(body)).await {
        (200, _) => {}
        (404, _) => return Err(ConsoleError::NotFound),
        (_, v) => return tasks(deps, req, ctx, Some(api_message(&v))).await,
    }
    let resolve = json!({"outcome": "reached", "staff_id": me});
    let path = format!("/v1/tasks/{id}/resolve");
    match api(deps, ctx, Method::POST, &path, &[], Some(resolve)).await {
        (200 | 201, _) => Ok(redirect("/console/tasks?done=accepted", vec![])),
        (_, v) => tasks(deps, req, ctx, Some(api_message(&v))).await,
    }
}
