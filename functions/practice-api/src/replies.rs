//! Canned replies: `/v1/practice/replies`, a practice's saved answers (admins manage them;
//! the API key acts as the admin), and `POST .../{reply_id}/preview`, the text for one
//! conversation, which staff review and then send as a normal staff reply (the
//! console's reply form does both). Rendering is `frontdesk::domain::CannedReply`:
//! strict minijinja, an unknown placeholder refused when saved, one the conversation
//! lacks a 422 that names it.

use std::collections::BTreeMap;

use aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use frontdesk::domain::{
    CannedReply, CannedReplyId, Practice, ThreadId, CANNED_REPLY_PLACEHOLDERS, MAX_CANNED_REPLIES,
};
use frontdesk::ports::{Key, Write};
use http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::auth::authenticate;
use crate::deps::Deps;
use crate::error::{ApiError, ApiResult};
use crate::http_io::{json_response, Request};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReplyIn {
    title: String,
    body: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PreviewIn {
    thread_id: String,
}

#[derive(Debug, Serialize)]
struct ListOut<'a> {
    items: &'a [CannedReply],
    placeholders: &'static [&'static str],
}

#[derive(Debug, Serialize)]
struct PreviewOut<'a> {
    reply_id: &'a str,
    thread_id: String,
    body: String,
}

fn reply_id(id: &str) -> ApiResult<CannedReplyId> {
    CannedReplyId::parse(id).map_err(|_| ApiError::NotFound("canned reply"))
}

async fn find(deps: &Deps, practice: &Practice, id: &CannedReplyId) -> ApiResult<CannedReply> {
    deps.store
        .canned_replies(&practice.practice_id)
        .await?
        .into_iter()
        .find(|r| &r.reply_id == id)
        .ok_or(ApiError::NotFound("canned reply"))
}

fn by(req: &Request) -> Option<frontdesk::domain::StaffId> {
    req.staff.as_ref().map(|s| s.staff_id.clone())
}

pub async fn list(deps: &Deps, req: &Request) -> ApiResult<ApiGatewayV2httpResponse> {
    let (practice, _) = authenticate(deps, req, vec![]).await?;
    let mut items = deps.store.canned_replies(&practice.practice_id).await?;
    items.sort_by_key(|r| r.title.to_lowercase());
    Ok(json_response(
        StatusCode::OK,
        &ListOut {
            items: &items,
            placeholders: CANNED_REPLY_PLACEHOLDERS,
        },
    ))
}

pub async fn create(deps: &Deps, req: &Request) -> ApiResult<ApiGatewayV2httpResponse> {
    crate::as_staff::require_admin(req)?;
    let input: ReplyIn = req.json()?;
    let (practice, _) = authenticate(deps, req, vec![]).await?;
    let now = deps.clock.now();
    let reply = CannedReply::new(
        practice.practice_id.clone(),
        &input.title,
        &input.body,
        by(req),
        now,
    )?;
    let existing = deps.store.canned_replies(&practice.practice_id).await?;
    if existing.len() >= MAX_CANNED_REPLIES {
        return Err(ApiError::Conflict(format!(
            "a practice keeps at most {MAX_CANNED_REPLIES} canned replies; delete one first"
        )));
    }
    deps.store
        .write(vec![Write::CannedReply {
            reply: Box::new(reply.clone()),
            create: true,
        }])
        .await?;
    Ok(json_response(StatusCode::CREATED, &reply))
}

pub async fn update(deps: &Deps, req: &Request, id: &str) -> ApiResult<ApiGatewayV2httpResponse> {
    crate::as_staff::require_admin(req)?;
    let id = reply_id(id)?;
    let input: ReplyIn = req.json()?;
    let (practice, _) = authenticate(deps, req, vec![]).await?;
    let current = find(deps, &practice, &id).await?;
    let edited = current.edited(&input.title, &input.body, by(req), deps.clock.now())?;
    match deps
        .store
        .write(vec![Write::CannedReply {
            reply: Box::new(edited.clone()),
            create: false,
        }])
        .await
    {
        Ok(()) => Ok(json_response(StatusCode::OK, &edited)),
        Err(frontdesk::Error::Conflict) => Err(ApiError::NotFound("canned reply")),
        Err(e) => Err(e.into()),
    }
}

pub async fn delete(deps: &Deps, req: &Request, id: &str) -> ApiResult<ApiGatewayV2httpResponse> {
    crate::as_staff::require_admin(req)?;
    let id = reply_id(id)?;
    let (practice, _) = authenticate(deps, req, vec![]).await?;
    find(deps, &practice, &id).await?;
    deps.store
        .write(vec![Write::RemoveCannedReply {
            practice_id: practice.practice_id.clone(),
            reply_id: id.clone(),
        }])
        .await?;
    Ok(json_response(
        StatusCode::OK,
        &serde_json::json!({"reply_id": id.as_str(), "deleted": true}),
    ))
}

/// The reply's text for one conversation of the caller's practice.
pub async fn preview(deps: &Deps, req: &Request, id: &str) -> ApiResult<ApiGatewayV2httpResponse> {
    let id = reply_id(id)?;
    let input: PreviewIn = req.json()?;
    let thread_id = ThreadId::parse(&input.thread_id).map_err(|_| {
        ApiError::invalid(
            "thread_id",
            "use a thread id from the inbox: p_<patient id> or u_<hex>",
        )
    })?;
    let keys = thread_id
        .patient_id()
        .map(|p| vec![Key::Patient(p.clone())])
        .unwrap_or_default();
    let (practice, fetched) = authenticate(deps, req, keys).await?;
    let reply = find(deps, &practice, &id).await?;
    let settings = &practice.settings;
    let mut values: BTreeMap<&'static str, String> = BTreeMap::new();
    values.insert("practice_name", settings.name.trim().to_string());
    if let Some(n) = settings
        .callback_phone
        .as_ref()
        .or(settings.sms_number.as_ref())
    {
        values.insert("callback_number", n.as_str().to_string());
    }
    match &thread_id {
        ThreadId::Patient(patient_id) => {
            let patient = fetched
                .patient(patient_id)
                .ok_or(ApiError::NotFound("thread"))?;
            let first = patient.first_name.trim();
            if !first.is_empty() {
                values.insert("first_name", first.to_string());
            }
            let now = deps.clock.now();
            let next = deps
                .store
                .appointments_for_patient(&practice.practice_id, patient_id, now, 5)
                .await?;
            if let Some(a) = next.iter().find(|a| a.status.is_pending()) {
                values.insert(
                    "next_appointment",
                    frontdesk::time::staff_time(a.starts_at, settings.time_zone),
                );
            }
        }
        ThreadId::Unknown(_) => {
            deps.store
                .unknown_thread(&practice.practice_id, &thread_id)
                .await?
                .ok_or(ApiError::NotFound("thread"))?;
        }
    }
    let body = reply.render(&values)?;
    Ok(json_response(
        StatusCode::OK,
        &PreviewOut {
            reply_id: reply.reply_id.as_str(),
            thread_id: thread_id.to_string(),
            body,
        },
    ))
}
