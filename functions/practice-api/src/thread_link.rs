//! Linking an unknown sender's thread to a patient: `POST /v1/threads/{thread_id}/link`
//! with `{patient_id, update_contact?, staff_id?}`. The thread's whole history moves onto
//! the patient's timeline once: each message is rewritten under the patient (same id and
//! time, so the same key) and its unknown-sender copy deleted, in transactions of at most
//! [`PAGE`] messages. Its open inbox entries move to the patient's thread. The patient's
//! number changes only with `update_contact: true` (and an opt-out the sender texted from
//! it becomes the patient's, recorded in the consent history).
//!
//! Once and only once: the first transaction records the link on the thread item
//! (`linked`) with a `link:<thread>` claim, so a concurrent second link conflicts. A retry,
//! or a second link to the same patient, finishes any move left over and changes nothing
//! else (the moved copies are idempotent puts of the same items, the deletes idempotent);
//! a link to another patient is 409.
//!
//! Round trips: R2 (practice + patient), R11 (the thread), one write (the link), then per
//! page one Query (R12) and one write; the last Query finds nothing left.

use aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use chrono::{DateTime, Duration, Utc};
use frontdesk::domain::{
    Actor, Channel, ConsentChangeSource, ConsentEvent, ConsentSource, Patient, PatientId,
    PracticeId, ThreadId, ThreadLink, UnknownThread, Waiting,
};
use frontdesk::ports::{Expect, Key, Write};
use http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::auth::authenticate;
use crate::deps::Deps;
use crate::error::{ApiError, ApiResult};
use crate::http_io::{json_response, Request};

/// Messages moved per transaction (a message and its SENT# copy are up to 3 operations).
const PAGE: usize = 30;
/// Pages moved in one request; a longer history answers 503 and a retry continues.
const MAX_PAGES: usize = 100;
const ATTEMPTS: usize = 3;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LinkIn {
    patient_id: String,
    /// Use the sender's number as the patient's mobile number (the staff member's choice).
    #[serde(default)]
    update_contact: bool,
    #[serde(default)]
    staff_id: Option<String>,
}

#[derive(Debug, Serialize)]
struct LinkOut {
    thread_id: String,
    patient_id: String,
    /// The patient's thread, where the history now is.
    patient_thread_id: String,
    /// Messages this request moved (0 on a retry of a finished link).
    moved: usize,
    contact_updated: bool,
    linked_at: DateTime<Utc>,
}

pub async fn link(deps: &Deps, req: &Request, id: &str) -> ApiResult<ApiGatewayV2httpResponse> {
    let thread_id = match ThreadId::parse(id) {
        Ok(t @ ThreadId::Unknown(_)) => t,
        _ => return Err(ApiError::NotFound("thread")),
    };
    let input: LinkIn = req.json()?;
    let patient_id = PatientId::parse(&input.patient_id).map_err(|_| {
        ApiError::invalid("patient_id", "must be one of the practice's patient ids")
    })?;
    let actor = crate::task_actions::actor(input.staff_id)?;
    let (practice, fetched) =
        authenticate(deps, req, vec![Key::Patient(patient_id.clone())]).await?;
    let pid = practice.practice_id.clone();
    let mut patient = fetched
        .patient(&patient_id)
        .cloned()
        .ok_or(ApiError::NotFound("patient"))?;
    let mut contact_updated = false;
    let mut linked_at = None;
    for _ in 0..ATTEMPTS {
        let thread = deps
            .store
            .unknown_thread(&pid, &thread_id)
            .await?
            .ok_or(ApiError::NotFound("thread"))?;
        if let Some(l) = &thread.linked {
            if l.patient_id != patient_id {
                return Err(ApiError::Conflict(
                    "this thread is already linked to another patient; its history is on \
                     that patient's timeline"
                        .into(),
                ));
            }
            linked_at = Some(l.at);
            break;
        }
        let now = deps.clock.now();
        let writes = link_writes(&thread, &patient, input.update_contact, &actor, now);
        match deps.store.write(writes).await {
            Ok(()) => {
                contact_updated =
                    input.update_contact && patient.phone.as_ref() != Some(&thread.number);
                linked_at = Some(now);
                break;
            }
            // A second link got there first, a text arrived, or the patient changed: look again.
            Err(frontdesk::Error::Conflict) => {
                if let Some(p) = deps
                    .store
                    .get_many(&pid, &[Key::Patient(patient_id.clone())])
                    .await?
                    .patient(&patient_id)
                {
                    patient = p.clone();
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    let linked_at = linked_at.ok_or_else(|| {
        ApiError::Unavailable("the thread kept changing while it was linked; try again".into())
    })?;
    let thread = deps
        .store
        .unknown_thread(&pid, &thread_id)
        .await?
        .ok_or(ApiError::NotFound("thread"))?;
    let moved = move_history(deps, &pid, &thread, &patient_id).await?;
    Ok(json_response(
        StatusCode::OK,
        &LinkOut {
            thread_id: thread_id.to_string(),
            patient_id: patient_id.to_string(),
            patient_thread_id: ThreadId::patient(&patient_id).to_string(),
            moved,
            contact_updated,
            linked_at,
        },
    ))
}

/// The link itself: the thread item marked linked (its inbox entries cleared, conditional
/// on the entries seen), the claim, the entries moved to the patient's thread and, if
/// chosen, the patient's number. One transaction.
fn link_writes(
    thread: &UnknownThread,
    patient: &Patient,
    update_contact: bool,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Vec<Write> {
    let pid = &thread.practice_id;
    let mut linked = thread.clone();
    linked.waits.clear();
    linked.linked = Some(ThreadLink {
        patient_id: patient.patient_id.clone(),
        at: now,
        by: actor.clone(),
    });
    let mut writes = vec![
        Write::Claim {
            practice_id: pid.clone(),
            key: format!("link:{}", thread.thread_id),
            expires_at: now + Duration::days(2),
        },
        Write::UnknownThread {
            thread: Box::new(linked),
            seen_waits: thread.waits.len(),
        },
    ];
    writes.extend(thread.waits.iter().map(|since| Write::RemoveWaiting {
        practice_id: pid.clone(),
        thread_id: thread.thread_id.clone(),
        since: *since,
    }));
    let waiting = thread.waits.iter().min().copied();
    let new_phone = update_contact && patient.phone.as_ref() != Some(&thread.number);
    let joins_inbox = waiting.is_some() && patient.thread.waiting_since.is_none();
    if new_phone || joins_inbox {
        let mut next = patient.clone();
        if new_phone {
            next.phone = Some(thread.number.clone());
            // A new number starts healthy (as a corrected contact from the PMS does).
            next.carry_health(patient);
            // The sender texted STOP from it: that opt-out is the patient's now.
            if thread.opted_out && !next.consents.is_opted_out(Channel::Sms) {
                next.consents
                    .opt_out(Channel::Sms, ConsentSource::PatientKeyword, now);
                writes.extend(
                    ConsentEvent::between(
                        pid,
                        &patient.patient_id,
                        Some(&patient.consents),
                        &next.consents,
                        &ConsentChangeSource::PatientKeyword {
                            keyword: "STOP".into(),
                        },
                        now,
                    )
                    .into_iter()
                    .map(|e| Write::ConsentEvent(Box::new(e))),
                );
            }
        }
        if let (true, Some(since)) = (joins_inbox, waiting) {
            next.thread.waiting_since = Some(since);
            next.thread.last_inbound_channel = Some(Channel::Sms);
            writes.push(Write::Waiting(Box::new(Waiting::patient(
                pid,
                &patient.patient_id,
                since,
                Channel::Sms,
            ))));
        }
        next.version = patient.version.saturating_add(1);
        next.updated_at = now;
        writes.push(Write::Patient {
            patient: Box::new(next),
            expect: Expect::Version(patient.version),
            previous_phone: if new_phone {
                patient.phone.clone()
            } else {
                None
            },
        });
    }
    writes
}

/// Moves what is left of the sender's messages onto the patient's timeline, a page per
/// transaction, reading from the start each time (moved messages are gone from there).
async fn move_history(
    deps: &Deps,
    practice_id: &PracticeId,
    thread: &UnknownThread,
    patient_id: &PatientId,
) -> ApiResult<usize> {
    let mut moved = 0;
    for _ in 0..MAX_PAGES {
        let page = deps
            .store
            .unknown_timeline(practice_id, &thread.number, None, PAGE)
            .await?;
        if page.items.is_empty() {
            return Ok(moved);
        }
        let mut writes = Vec::with_capacity(page.items.len() * 2);
        for m in &page.items {
            let mut copy = m.clone();
            copy.patient_id = Some(patient_id.clone());
            copy.unknown_sender = None;
            writes.push(Write::Message(Box::new(copy)));
            writes.push(Write::RemoveMessage(Box::new(m.clone())));
        }
        deps.store.write(writes).await?;
        moved += page.items.len();
    }
    Err(ApiError::Unavailable(
        "the thread's history is long; part of it moved. Send the same request again to \
         move the rest"
            .into(),
    ))
}
