//! The staff inbox: `GET /v1/inbox` (threads waiting for a human answer, oldest first)
//! and `GET /v1/threads/{thread_id}` (the whole thread). Keyed reads only: one Query on the
//! practice's `WAIT#` entries; a thread is the patient's timeline or the unknown sender's
//! messages.

use std::collections::HashSet;

use aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use chrono::{DateTime, Utc};
use frontdesk::domain::{Channel, Message, ThreadId};
use frontdesk::policy::answer_deadline;
use frontdesk::ports::Key;
use http::StatusCode;
use serde::Serialize;

use crate::auth::authenticate;
use crate::deps::Deps;
use crate::error::{ApiError, ApiResult};
use crate::http_io::{json_response, Request};
use crate::patients::page_limit;

#[derive(Debug, Serialize)]
struct InboxItem {
    thread_id: String,
    /// `patient` or `unknown_sender`.
    kind: &'static str,
    patient_id: Option<String>,
    /// The first unanswered message.
    waiting_since: DateTime<Utc>,
    channel: Channel,
    /// A line for unknown senders, e.g. "Unknown number ending 0188".
    label: Option<String>,
    /// When a person should have answered: the next opening after `waiting_since` (what
    /// the automatic reply promised) plus the practice's grace (`policy::answer_deadline`).
    answer_by: DateTime<Utc>,
    /// Past `answer_by` with no staff answer (or already escalated by the answer sweep).
    overdue: bool,
}

#[derive(Debug, Serialize)]
struct InboxOut {
    items: Vec<InboxItem>,
    next_cursor: Option<String>,
}

/// `GET /v1/inbox?cursor=&limit=`. An unknown sender who texted several times has an
/// entry per text; a page lists each thread once, at its oldest.
pub async fn list(deps: &Deps, req: &Request) -> ApiResult<ApiGatewayV2httpResponse> {
    let limit = page_limit(req)?;
    let (practice, _) = authenticate(deps, req, vec![]).await?;
    let page = deps
        .store
        .waiting(&practice.practice_id, req.query("cursor"), limit)
        .await?;
    let now = deps.clock.now();
    let mut seen = HashSet::new();
    let items = page
        .items
        .into_iter()
        .filter(|w| seen.insert(w.thread_id.clone()))
        .map(|w| {
            let answer_by = w
                .answer_by
                .unwrap_or_else(|| answer_deadline(&practice.settings, w.since));
            let overdue = w.escalated_at.is_some() || now >= answer_by;
            (w, answer_by, overdue)
        })
        .map(|(w, answer_by, overdue)| InboxItem {
            answer_by,
            overdue,
            thread_id: w.thread_id.to_string(),
            kind: thread_kind(&w.thread_id),
            patient_id: w.thread_id.patient_id().map(|p| p.to_string()),
            waiting_since: w.since,
            channel: w.channel,
            label: w.number_last4.map(|l| format!("Unknown number ending {l}")),
        })
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &InboxOut {
            items,
            next_cursor: page.next,
        },
    ))
}

fn thread_kind(t: &ThreadId) -> &'static str {
    match t {
        ThreadId::Patient(_) => "patient",
        ThreadId::Unknown(_) => "unknown_sender",
    }
}

#[derive(Debug, Serialize)]
struct ThreadOut {
    thread_id: String,
    kind: &'static str,
    patient_id: Option<String>,
    /// The unknown sender's number (in the body, never in a URL), so staff can call back.
    number: Option<String>,
    /// Waiting for a human answer since then; `null` when answered.
    waiting_since: Option<DateTime<Utc>>,
    /// An unknown sender's thread that staff linked to a patient: its history is on that
    /// patient's timeline (`p_<patient_id>`).
    #[serde(skip_serializing_if = "Option::is_none")]
    linked_patient_id: Option<String>,
    messages: Vec<Message>,
    next_cursor: Option<String>,
}

/// `GET /v1/threads/{thread_id}?cursor=&limit=`: every message, oldest first.
pub async fn get(deps: &Deps, req: &Request, id: &str) -> ApiResult<ApiGatewayV2httpResponse> {
    let thread_id = ThreadId::parse(id).map_err(|_| ApiError::NotFound("thread"))?;
    let limit = page_limit(req)?;
    let cursor = req.query("cursor");
    let out = match &thread_id {
        ThreadId::Patient(patient_id) => {
            let (practice, fetched) =
                authenticate(deps, req, vec![Key::Patient(patient_id.clone())]).await?;
            let patient = fetched
                .patient(patient_id)
                .ok_or(ApiError::NotFound("thread"))?;
            let page = deps
                .store
                .timeline(&practice.practice_id, patient_id, cursor, limit)
                .await?;
            ThreadOut {
                thread_id: thread_id.to_string(),
                kind: "patient",
                patient_id: Some(patient_id.to_string()),
                number: None,
                waiting_since: patient.thread.waiting_since,
                linked_patient_id: None,
                messages: page.items,
                next_cursor: page.next,
            }
        }
        ThreadId::Unknown(_) => {
            let (practice, _) = authenticate(deps, req, vec![]).await?;
            let thread = deps
                .store
                .unknown_thread(&practice.practice_id, &thread_id)
                .await?
                .ok_or(ApiError::NotFound("thread"))?;
            let page = deps
                .store
                .unknown_timeline(&practice.practice_id, &thread.number, cursor, limit)
                .await?;
            ThreadOut {
                thread_id: thread_id.to_string(),
                kind: "unknown_sender",
                patient_id: None,
                number: Some(thread.number.as_str().to_string()),
                waiting_since: thread.waits.iter().min().copied(),
                linked_patient_id: thread.linked.as_ref().map(|l| l.patient_id.to_string()),
                messages: page.items,
                next_cursor: page.next,
            }
        }
    };
    Ok(json_response(StatusCode::OK, &out))
}
