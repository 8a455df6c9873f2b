//! Linking an unknown number's conversation to a patient from its thread page: the form
//! posts the patient's id (and whether the number becomes their mobile number) to
//! `POST /v1/threads/{thread_id}/link`, as the signed-in member; on success the console
//! opens the patient's thread, where the history now is.

use aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use frontdesk::domain::PatientId;
use http::Method;
use serde_json::json;

use crate::console_api::{api, api_message, safe_id};
use crate::error::ConsoleError;
use crate::handler::Ctx;
use crate::http_io::{redirect, Request};
use crate::views::str_of;
use crate::work_pages::thread;
use crate::Deps;

pub async fn link(
    deps: &Deps,
    req: &Request,
    ctx: &Ctx,
    id: &str,
) -> Result<ApiGatewayV2httpResponse, ConsoleError> {
    let id = safe_id(id)?;
    let patient = req.field("patient_id").trim().to_string();
    if PatientId::parse(&patient).is_err() {
        let why = "Enter the patient's id (from the patient's page or the practice system).";
        return thread(deps, req, ctx, id, Some(why.into())).await;
    }
    let body = json!({
        "patient_id": patient,
        "update_contact": req.field("update_contact") == "yes",
        "staff_id": ctx.signed_in.member.staff_id.as_str(),
    });
    let path = format!("/v1/threads/{id}/link");
    match api(deps, ctx, Method::POST, &path, &[], Some(body)).await {
        (200, v) => {
            let to = str_of(&v, "patient_thread_id").unwrap_or("");
            Ok(redirect(
                &format!("/console/threads/{}?done=linked", safe_id(to)?),
                vec![],
            ))
        }
        (_, v) => thread(deps, req, ctx, id, Some(api_message(&v))).await,
    }
}
