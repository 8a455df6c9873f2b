//! The Lambda handler: one API Gateway v2 event in, one response out. Every failure
//! becomes a JSON error response here; nothing on the input path panics.

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use lambda_runtime::{Diagnostic, LambdaEvent};

use crate::deps::Deps;
use crate::error::{ApiError, ApiResult};
use crate::http_io::{error_response, Request};
use crate::router::{self, Route};
use crate::{
    appointments, batch, broadcasts, consents, email_preferences, erasure, idempotency, inbox,
    lists, messages, patients, practices, release, replies, slot_claims, staff, task_actions,
    tasks, thread_link, waitlist, webhooks,
};

pub async fn handle(
    deps: &Deps,
    event: LambdaEvent<ApiGatewayV2httpRequest>,
) -> Result<ApiGatewayV2httpResponse, Diagnostic> {
    Ok(respond(deps, event.payload).await)
}

/// Answers one request. Also called in-process by the local gateway.
pub async fn respond(deps: &Deps, event: ApiGatewayV2httpRequest) -> ApiGatewayV2httpResponse {
    let method = event.request_context.http.method.clone();
    let result = match Request::from_event(event) {
        Ok(req) => dispatch(deps, &req).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(resp) => {
            tracing::info!(method = %method, status = resp.status_code, "request handled");
            resp
        }
        Err(e) => {
            match &e {
                ApiError::Internal(cause) | ApiError::Unavailable(cause) => {
                    tracing::error!(method = %method, status = e.status().as_u16(), cause = %cause, "request failed")
                }
                _ => {
                    tracing::info!(method = %method, status = e.status().as_u16(), code = e.code(), "request rejected")
                }
            }
            error_response(&e)
        }
    }
}

pub(crate) async fn dispatch(deps: &Deps, req: &Request) -> ApiResult<ApiGatewayV2httpResponse> {
    let route = router::route(&req.method, &req.path)?;
    if req.method == http::Method::POST {
        if let Some(key) = idempotency::key_of(req)? {
            return idempotency::run(deps, req, route, key).await;
        }
    }
    serve(deps, req, route).await
}

/// Answers a matched route.
pub(crate) async fn serve(
    deps: &Deps,
    req: &Request,
    route: Route,
) -> ApiResult<ApiGatewayV2httpResponse> {
    match route {
        Route::CreatePractice => practices::create(deps, req).await,
        Route::GetPractice => practices::get(deps, req).await,
        Route::PatchPractice => practices::patch(deps, req).await,
        Route::CreateApiKey => practices::create_key(deps, req).await,
        Route::RevokeApiKey(id) => practices::revoke_key(deps, req, &id).await,
        Route::ListPatients => lists::patients(deps, req).await,
        Route::ListAppointments => lists::appointments(deps, req).await,
        Route::BatchPatients => batch::patients(deps, req).await,
        Route::BatchAppointments => batch::appointments(deps, req).await,
        Route::PutPatient(id) => patients::put(deps, req, &id).await,
        Route::GetPatient(id) => patients::get(deps, req, &id).await,
        Route::ErasePatient(id) => erasure::erase(deps, req, &id).await,
        Route::Timeline(id) => patients::timeline(deps, req, &id).await,
        Route::ConsentHistory(id) => consents::history(deps, req, &id).await,
        Route::PutAppointment(id) => appointments::put(deps, req, &id).await,
        Route::GetAppointment(id) => appointments::get(deps, req, &id).await,
        Route::Appointment(id, action) => appointments::act(deps, req, &id, action).await,
        Route::ListTasks => tasks::list(deps, req).await,
        Route::ResolveTask(id) => tasks::resolve(deps, req, &id).await,
        Route::GetTask(id) => tasks::get(deps, req, &id).await,
        Route::AssignTask(id) => task_actions::assign(deps, req, &id).await,
        Route::SnoozeTask(id) => task_actions::snooze(deps, req, &id).await,
        Route::NoteTask(id) => task_actions::note(deps, req, &id).await,
        Route::PatientMessage(id) => messages::to_patient(deps, req, &id).await,
        Route::ThreadMessage(id) => messages::to_thread(deps, req, &id).await,
        Route::LinkThread(id) => thread_link::link(deps, req, &id).await,
        Route::Inbox => inbox::list(deps, req).await,
        Route::Thread(id) => inbox::get(deps, req, &id).await,
        Route::CreateStaff => staff::create(deps, req).await,
        Route::ListStaff => staff::list(deps, req).await,
        Route::DeleteStaff(id) => staff::delete(deps, req, &id).await,
        Route::ListReplies => replies::list(deps, req).await,
        Route::CreateReply => replies::create(deps, req).await,
        Route::UpdateReply(id) => replies::update(deps, req, &id).await,
        Route::DeleteReply(id) => replies::delete(deps, req, &id).await,
        Route::CreateWaitlistEntry => waitlist::create(deps, req).await,
        Route::ListWaitlist => waitlist::list(deps, req).await,
        Route::ReleaseAppointment(id) => release::release(deps, req, &id).await,
        Route::ClaimSlot(id) => slot_claims::claim(deps, req, &id).await,
        Route::DeleteWaitlistEntry(id) => waitlist::delete(deps, req, &id).await,
        Route::PreviewReply(id) => replies::preview(deps, req, &id).await,
        Route::EmailPreferencesPage => email_preferences::get(deps, req).await,
        Route::EmailPreferencesPost => email_preferences::post(deps, req).await,
        Route::CreateWebhook => webhooks::create(deps, req).await,
        Route::ListWebhooks => webhooks::list(deps, req).await,
        Route::DeleteWebhook(id) => webhooks::delete(deps, req, &id).await,
        Route::RotateWebhook(id) => webhooks::rotate(deps, req, &id).await,
        Route::CreateBroadcast => broadcasts::create(deps, req).await,
        Route::GetBroadcast(id) => broadcasts::get(deps, req, &id).await,
        Route::CancelBroadcast(id) => broadcasts::cancel(deps, req, &id).await,
    }
}

#[cfg(test)]
#[path = "handler_tests.rs"]
mod tests;
