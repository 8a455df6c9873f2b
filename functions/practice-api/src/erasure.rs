//! `DELETE /v1/patients/{id}`: erases a patient's personal data. Gone: the patient item
//! (name, phone, email, birth date, preferences), its phone-lookup entry, every timeline
//! entry (message bodies with them), the due work of their appointments (no reminder or
//! review request can go out), their inbox entry, the copies of their messages (the
//! delivery-report lookups, deferred replies: nothing of theirs is sent later), and the
//! personal details of their tasks (titles, details, call scripts, notes: each task is
//! rewritten as "patient record erased" and, if open, resolved, so it leaves the open list
//! and the sweeps). Kept: the consent history (ids,
//! channels, kinds, grants, sources and times: no contact data), the minimal audit a
//! regulator or carrier may ask for; and the appointment records, which carry no contact
//! data and belong to the PMS (cancel or delete them there).
//!
//! Round trips: 1 read (practice + patient), one Query per 200 timeline entries, one for
//! the appointments, one for the patient's tasks (their task index, GSI4: the practice's
//! other tasks are never read), then one transaction per 100 writes. The patient item goes in the
//! last transaction, so a retry after a failure part-way finds the patient and finishes.

use aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use chrono::DateTime;
use frontdesk::domain::{PatientId, Task, TaskStatus, ThreadId};
use frontdesk::ports::{Key, Write};
use http::StatusCode;
use serde_json::json;

use crate::auth::authenticate;
use crate::deps::Deps;
use crate::error::{ApiError, ApiResult};
use crate::http_io::{json_response, Request};

/// Timeline entries read per Query.
const PAGE: usize = 200;
/// Deletions per transaction (DynamoDB's limit).
const PER_TRANSACTION: usize = 100;
/// Appointments whose due work is removed (a patient's whole history is far fewer).
const MAX_APPOINTMENTS: usize = 1000;

pub async fn erase(deps: &Deps, req: &Request, id: &str) -> ApiResult<ApiGatewayV2httpResponse> {
    let patient_id = PatientId::parse(id).map_err(|_| ApiError::NotFound("patient"))?;
    let (practice, fetched) =
        authenticate(deps, req, vec![Key::Patient(patient_id.clone())]).await?;
    let patient = fetched
        .patient(&patient_id)
        .ok_or(ApiError::NotFound("patient"))?
        .clone();
    let practice_id = &practice.practice_id;

    let mut writes: Vec<Write> = Vec::new();
    let mut messages = 0usize;
    let mut cursor: Option<String> = None;
    loop {
        let page = deps
            .store
            .timeline(practice_id, &patient_id, cursor.as_deref(), PAGE)
            .await?;
        messages += page.items.len();
        writes.extend(
            page.items
                .into_iter()
                .map(|m| Write::RemoveMessage(Box::new(m))),
        );
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let appointments = deps
        .store
        .appointments_for_patient(
            practice_id,
            &patient_id,
            DateTime::UNIX_EPOCH,
            MAX_APPOINTMENTS,
        )
        .await?;
    let mut due_work = 0usize;
    for a in &appointments {
        for due_key in &a.planned_due {
            due_work += 1;
            writes.push(Write::RemoveDue {
                practice_id: practice_id.clone(),
                due_key: due_key.clone(),
            });
        }
    }
    // By the patient's task index (one Query per 1 MB), not the practice's task list.
    let tasks = deps.store.patient_tasks(practice_id, &patient_id).await?;
    let task_count = tasks.len();
    let now = deps.clock.now();
    writes.extend(
        tasks
            .into_iter()
            .map(|t| Write::Task(Box::new(scrubbed(t, now)))),
    );
    if let Some(since) = patient.thread.waiting_since {
        writes.push(Write::RemoveWaiting {
            practice_id: practice_id.clone(),
            thread_id: ThreadId::patient(&patient_id),
            since,
        });
    }
    let mut chunks: Vec<Vec<Write>> = Vec::new();
    let mut rest = writes;
    while rest.len() > PER_TRANSACTION {
        let tail = rest.split_off(PER_TRANSACTION);
        chunks.push(rest);
        rest = tail;
    }
    // The patient and its phone entry (2 deletions) go last, in a transaction with room.
    if rest.len() + 2 > PER_TRANSACTION {
        chunks.push(rest);
        rest = Vec::new();
    }
    rest.push(Write::RemovePatient {
        practice_id: practice_id.clone(),
        patient_id: patient_id.clone(),
        phone: patient.phone.clone(),
    });
    chunks.push(rest);
    for chunk in chunks {
        deps.store.write(chunk).await?;
    }
    tracing::info!(practice_id = %practice_id, messages, due_work, tasks = task_count, "patient erased");
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "patient_id": patient_id.as_str(),
            "erased": true,
            "removed": {"messages": messages, "due_work": due_work, "appointments_unplanned": appointments.len(), "tasks_scrubbed": task_count},
            "kept": "consent history (channels, kinds, grants, sources and times; no contact data) and the appointment records (no contact data; cancel or delete them in the PMS)",
        }),
    ))
}

/// The task without anything personal: ids, kind, priority and times stay (the practice's
/// workload record); an open one is resolved as erased.
fn scrubbed(mut t: Task, now: chrono::DateTime<chrono::Utc>) -> Task {
    t.title = "Patient record erased".into();
    t.detail = "The details of this task were removed when the patient's record was erased.".into();
    t.script = None;
    t.voicemail_script = None;
    t.work.notes.clear();
    t.work.outcome = None;
    if t.status != TaskStatus::Resolved {
        t.status = TaskStatus::Resolved;
        t.resolved_at = Some(now);
        t.resolution = Some("patient erased".into());
    } else {
        t.resolution = t.resolution.map(|_| "patient erased".into());
    }
    t
}
