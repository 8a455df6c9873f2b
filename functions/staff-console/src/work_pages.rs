//! The work pages: thread (timeline and reply), tasks (assign, snooze, resolve),
//! patient, staff. Every read and action is a v1 API call made as the signed-in member
//! (`practice_api::as_staff`), so another practice's ids answer 404 like unknown ones.

use std::collections::HashMap;

use aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use chrono::Duration;
use frontdesk::domain::PatientId;
use http::Method;
use minijinja::context;
use serde::Serialize;
use serde_json::{json, Value};

use crate::console_api::{api, api_message, read, safe_id};
use crate::error::ConsoleError;
use crate::handler::Ctx;
use crate::http_io::{html, redirect, Request};
use crate::pages::render;
use crate::views::{entry, local_time_of, patient_name, str_of};
use crate::Deps;

async fn staff_names(deps: &Deps, ctx: &Ctx) -> Result<HashMap<String, String>, ConsoleError> {
    let members = deps
        .store()
        .staff_members(&ctx.signed_in.member.practice_id)
        .await?;
    Ok(members
        .into_iter()
        .map(|m| (m.staff_id.to_string(), m.name))
        .collect())
}

pub async fn thread(
    deps: &Deps,
    req: &Request,
    ctx: &Ctx,
    id: &str,
    error: Option<String>,
) -> Result<ApiGatewayV2httpResponse, ConsoleError> {
    thread_with(deps, req, ctx, id, error, None).await
}

#[derive(Serialize)]
struct CannedOption {
    reply_id: String,
    title: String,
    selected: bool,
}

/// The thread page; `draft` prefills the reply box (a canned reply's preview).
async fn thread_with(
    deps: &Deps,
    req: &Request,
    ctx: &Ctx,
    id: &str,
    error: Option<String>,
    draft: Option<String>,
) -> Result<ApiGatewayV2httpResponse, ConsoleError> {
    let id = safe_id(id)?;
    let chosen = req.field("canned");
    let canned: Vec<CannedOption> = read(deps, ctx, "/v1/practice/replies", &[]).await?["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| CannedOption {
            reply_id: str_of(r, "reply_id").unwrap_or("").into(),
            title: str_of(r, "title").unwrap_or("").into(),
            selected: !chosen.is_empty() && str_of(r, "reply_id") == Some(chosen),
        })
        .collect();
    let t = read(deps, ctx, &format!("/v1/threads/{id}"), &[("limit", "100")]).await?;
    let patient_id = str_of(&t, "patient_id").map(str::to_string);
    let who = match &patient_id {
        Some(pid) => patient_name(&read(deps, ctx, &format!("/v1/patients/{pid}"), &[]).await?),
        None => "an unknown number".to_string(),
    };
    let names = staff_names(deps, ctx).await?;
    let zone = ctx.zone(deps).await?;
    let messages: Vec<_> = t["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| entry(m, zone, |sid| names.get(sid).cloned()))
        .collect();
    let notice = match req.query("done") {
        Some("sent") => Some("Reply sent."),
        Some("deferred") => Some("Reply saved: it goes out when the patient's quiet hours end."),
        Some("linked") => {
            Some("Linked: the conversation with that number is now on this patient's thread.")
        }
        _ => None,
    };
    let status = if error.is_some() { 409 } else { 200 };
    let body = render(
        "thread.html",
        context! {
            me => &ctx.me, csrf => &ctx.csrf, thread_id => id, who, patient_id,
            number => str_of(&t, "number"), messages, error, notice,
            canned, draft, linked_patient_id => str_of(&t, "linked_patient_id"),
        },
    )?;
    Ok(html(status, body))
}

pub async fn reply(
    deps: &Deps,
    req: &Request,
    ctx: &Ctx,
    id: &str,
) -> Result<ApiGatewayV2httpResponse, ConsoleError> {
    let id = safe_id(id)?;
    let mut text = req.field("body").trim().to_string();
    let canned = req.field("canned");
    let preview = req.field("action") == "preview";
    // A canned reply: rendered for this conversation, shown in the box to edit (Preview),
    // or sent as it is when the box is empty (Send).
    if !canned.is_empty() && (preview || text.is_empty()) {
        let path = format!("/v1/practice/replies/{}/preview", safe_id(canned)?);
        match api(
            deps,
            ctx,
            Method::POST,
            &path,
            &[],
            Some(json!({"thread_id": id})),
        )
        .await
        {
            (200, v) => text = str_of(&v, "body").unwrap_or("").to_string(),
            (404, _) => return Err(ConsoleError::NotFound),
            (_, v) => return thread(deps, req, ctx, id, Some(api_message(&v))).await,
        }
        if preview {
            return thread_with(deps, req, ctx, id, None, Some(text)).await;
        }
    }
    if text.is_empty() {
        return thread(deps, req, ctx, id, Some("Write a message first.".into())).await;
    }
    let body = json!({"body": &text, "staff_id": ctx.signed_in.member.staff_id.as_str()});
    let path = format!("/v1/threads/{id}/messages");
    match api(deps, ctx, Method::POST, &path, &[], Some(body)).await {
        (201, _) => Ok(redirect(
            &format!("/console/threads/{id}?done=sent"),
            vec![],
        )),
        (202, _) => Ok(redirect(
            &format!("/console/threads/{id}?done=deferred"),
            vec![],
        )),
        (404, _) => Err(ConsoleError::NotFound),
        (_, v) => thread(deps, req, ctx, id, Some(api_message(&v))).await,
    }
}

#[derive(Serialize)]
struct TaskRow {
    task_id: String,
    title: String,
    detail: String,
    priority: String,
    kind: String,
    script: Option<String>,
    patient_id: Option<String>,
    assignee: Option<String>,
    /// A freed slot's offer task: "Accepted by phone" claims the slot for the patient.
    offer: bool,
}

pub async fn tasks(
    deps: &Deps,
    req: &Request,
    ctx: &Ctx,
    error: Option<String>,
) -> Result<ApiGatewayV2httpResponse, ConsoleError> {
    let page = read(
        deps,
        ctx,
        "/v1/tasks",
        &[("status", "open"), ("limit", "50")],
    )
    .await?;
    let names = staff_names(deps, ctx).await?;
    let rows: Vec<TaskRow> = page["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| TaskRow {
            task_id: str_of(t, "task_id").unwrap_or("").into(),
            title: str_of(t, "title").unwrap_or("").into(),
            detail: str_of(t, "detail").unwrap_or("").into(),
            priority: str_of(t, "priority").unwrap_or("").into(),
            kind: str_of(t, "kind").unwrap_or("").replace('_', " "),
            script: str_of(t, "script").map(str::to_string),
            patient_id: str_of(t, "patient_id").map(str::to_string),
            assignee: t
                .get("work")
                .and_then(|w| str_of(w, "assignee"))
                .map(|a| names.get(a).cloned().unwrap_or_else(|| a.to_string())),
            offer: crate::offer_actions::is_offer(t),
        })
        .collect();
    let notice = match req.query("done") {
        Some("resolve") => Some("Task resolved."),
        Some("assign") => Some("Task assigned to you."),
        Some("snooze") => Some("Task snoozed."),
        Some("accepted") => {
            Some("The appointment is the patient's: a task to book it in the PMS is open.")
        }
        _ => None,
    };
    let status = if error.is_some() { 409 } else { 200 };
    let body = render(
        "tasks.html",
        context! { me => &ctx.me, csrf => &ctx.csrf, tasks => rows, error, notice },
    )?;
    Ok(html(status, body))
}

pub async fn task_action(
    deps: &Deps,
    req: &Request,
    ctx: &Ctx,
    id: &str,
    action: &str,
) -> Result<ApiGatewayV2httpResponse, ConsoleError> {
    let id = safe_id(id)?;
    let me = ctx.signed_in.member.staff_id.as_str();
    let body = match action {
        "assign" => json!({"staff_id": me, "by": me}),
        "snooze" => {
            let hours: i64 = req.field("hours").trim().parse().unwrap_or(2);
            let until = deps.clock().now() + Duration::hours(hours.clamp(1, 72));
            json!({"until": until.to_rfc3339(), "staff_id": me})
        }
        "resolve" => match req.field("outcome") {
            "" => json!({"staff_id": me}),
            o => json!({"outcome": o, "staff_id": me}),
        },
        "accepted-by-phone" => {
            return crate::offer_actions::accepted_by_phone(deps, req, ctx, id).await
        }
        _ => return Err(ConsoleError::NotFound),
    };
    let path = format!("/v1/tasks/{id}/{action}");
    match api(deps, ctx, Method::POST, &path, &[], Some(body)).await {
        (200 | 201, _) => Ok(redirect(&format!("/console/tasks?done={action}"), vec![])),
        (404, _) => Err(ConsoleError::NotFound),
        (_, v) => tasks(deps, req, ctx, Some(api_message(&v))).await,
    }
}

#[derive(Serialize)]
struct ConsentRow {
    at: String,
    channel: String,
    kind: Option<String>,
    granted: bool,
    source: String,
}

pub async fn patient(
    deps: &Deps,
    ctx: &Ctx,
    id: &str,
) -> Result<ApiGatewayV2httpResponse, ConsoleError> {
    let id = safe_id(id)?;
    let p = read(deps, ctx, &format!("/v1/patients/{id}"), &[]).await?;
    let history = read(
        deps,
        ctx,
        &format!("/v1/patients/{id}/consents/history"),
        &[("limit", "100")],
    )
    .await?;
    let zone = ctx.zone(deps).await?;
    let consents: Vec<ConsentRow> = history["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| ConsentRow {
            at: local_time_of(c, "at", zone),
            channel: str_of(c, "channel").unwrap_or("").into(),
            kind: str_of(c, "kind").map(str::to_string),
            granted: c.get("granted").and_then(Value::as_bool).unwrap_or(false),
            source: match c.get("source").and_then(|s| str_of(s, "type")) {
                Some("staff") => {
                    format!("staff ({})", c["source"]["staff_id"].as_str().unwrap_or(""))
                }
                Some("patient_keyword") => format!(
                    "patient keyword {}",
                    c["source"]["keyword"].as_str().unwrap_or("")
                ),
                Some(other) => other.replace('_', " "),
                None => String::new(),
            },
        })
        .collect();
    let patient_id = PatientId::parse(id).map_err(|_| ConsoleError::NotFound)?;
    let now = deps.clock().now();
    let upcoming = deps
        .store()
        .appointments_for_patient(&ctx.signed_in.member.practice_id, &patient_id, now, 10)
        .await?;
    let appointments: Vec<Value> = upcoming
        .iter()
        .map(|a| {
            json!({
                "starts_at": frontdesk::time::staff_time(a.starts_at, zone),
                "kind": a.kind, "status": a.status,
            })
        })
        .collect();
    let body = render(
        "patient.html",
        context! { me => &ctx.me, csrf => &ctx.csrf, p, consents, appointments },
    )?;
    Ok(html(200, body))
}

pub async fn staff(
    deps: &Deps,
    ctx: &Ctx,
    invite_url: Option<String>,
) -> Result<ApiGatewayV2httpResponse, ConsoleError> {
    let list = read(deps, ctx, "/v1/staff", &[]).await?;
    let members = list["items"].clone();
    let notice = invite_url.as_ref().map(|_| "Invitation created.");
    let body = render(
        "staff.html",
        context! { me => &ctx.me, csrf => &ctx.csrf, members, invite_url, notice },
    )?;
    Ok(html(200, body))
}

pub async fn invite(
    deps: &Deps,
    req: &Request,
    ctx: &Ctx,
) -> Result<ApiGatewayV2httpResponse, ConsoleError> {
    let body = json!({
        "name": req.field("name"), "email": req.field("email"), "role": req.field("role"),
    });
    match api(deps, ctx, Method::POST, "/v1/staff", &[], Some(body)).await {
        (201, v) => {
            let url = str_of(&v, "invite_url").unwrap_or("").to_string();
            let url = if url.starts_with('/') {
                format!("{}{url}", base(req))
            } else {
                url
            };
            staff(deps, ctx, Some(url)).await
        }
        (_, v) => {
            let list = read(deps, ctx, "/v1/staff", &[]).await?;
            let body = render(
                "staff.html",
                context! { me => &ctx.me, csrf => &ctx.csrf, members => list["items"].clone(), error => api_message(&v) },
            )?;
            Ok(html(400, body))
        }
    }
}

fn base(req: &Request) -> String {
    if frontdesk::domain::is_loopback_host(&req.host) {
        format!("http://{}", req.host)
    } else {
        format!("https://{}", req.host)
    }
}
