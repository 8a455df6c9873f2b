//! The inbox page: the threads waiting for a human answer, oldest first, with how long
//! each has waited and an "Overdue" badge on those past the answer the patient was
//! promised (`GET /v1/inbox`, read as the signed-in member).

use aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use minijinja::context;
use serde::Serialize;

use crate::console_api::read;
use crate::error::ConsoleError;
use crate::handler::Ctx;
use crate::http_io::html;
use crate::pages::render;
use crate::views::{patient_name, str_of, time_of, waited};
use crate::Deps;

#[derive(Serialize)]
struct InboxRow {
    thread_id: String,
    who: String,
    channel: String,
    waited: String,
    /// Past the answer the automatic reply promised (the API's `overdue`).
    overdue: bool,
}

pub async fn inbox(deps: &Deps, ctx: &Ctx) -> Result<ApiGatewayV2httpResponse, ConsoleError> {
    let now = deps.clock().now();
    let page = read(deps, ctx, "/v1/inbox", &[("limit", "50")]).await?;
    let mut rows = Vec::new();
    for item in page["items"].as_array().into_iter().flatten() {
        let who = match str_of(item, "patient_id") {
            Some(pid) => match read(deps, ctx, &format!("/v1/patients/{pid}"), &[]).await {
                Ok(p) => patient_name(&p),
                Err(_) => "A patient".into(),
            },
            None => str_of(item, "label")
                .unwrap_or("Unknown number")
                .to_string(),
        };
        rows.push(InboxRow {
            thread_id: str_of(item, "thread_id").unwrap_or("").to_string(),
            who,
            channel: str_of(item, "channel").unwrap_or("").to_string(),
            waited: time_of(item, "waiting_since").map_or(String::new(), |t| waited(t, now)),
            overdue: item["overdue"].as_bool().unwrap_or(false),
        });
    }
    let body = render(
        "inbox.html",
        context! { me => &ctx.me, csrf => &ctx.csrf, items => rows },
    )?;
    Ok(html(200, body))
}
