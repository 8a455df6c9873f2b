//! Staff replies: `POST /v1/patients/{id}/messages` and `POST /v1/threads/{id}/messages`.
//!
//! The policy (`frontdesk::policy::route_reply`) decides the channel and the time; this
//! file reads, records and sends. Round trips: 1 read (practice + patient, or practice then
//! the unknown sender's thread item), 1 transaction (the idempotency claim, the timeline
//! entry, the inbox entries removed, the thread state), then the send. A send that fails
//! afterwards rewrites the entry as failed and puts the thread back in the inbox.

use aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use chrono::{DateTime, Duration, Utc};
use frontdesk::domain::{
    Actor, Channel, Decision, Message, PatientId, Practice, StaffId, ThreadId,
};
use frontdesk::policy::{route_reply, ReplyRoute, ReplyTo};
use frontdesk::ports::{Key, Write};
use serde::{Deserialize, Serialize};

use crate::auth::authenticate;
use crate::deps::Deps;
use crate::error::{ApiError, ApiResult};
use crate::http_io::Request;
use crate::reply_delivery::{finish, reopen_patient, reopen_unknown, Target};

/// Longest reply accepted (ten SMS segments).
const MAX_BODY_CHARS: usize = 1600;
/// Decide-and-write attempts when the thread changed meanwhile.
const MAX_ATTEMPTS: usize = 3;
/// Inbox entries one reply clears (a transaction holds at most 100 writes).
const MAX_CLEARED: usize = 90;
/// How long an `Idempotency-Key` is remembered.
const IDEMPOTENCY_TTL: Duration = Duration::hours(24);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReplyIn {
    body: String,
    /// Who is replying, until console sessions name them.
    #[serde(default)]
    staff_id: Option<String>,
}

/// A validated reply request.
struct Reply {
    body: String,
    actor: Actor,
    idempotency_key: Option<String>,
}

#[derive(Debug, Serialize)]
pub(crate) struct ReplyOut<'a> {
    pub thread_id: String,
    /// `sent` or `deferred`.
    pub status: &'static str,
    pub channel: Channel,
    pub deferred_until: Option<DateTime<Utc>>,
    pub message: &'a Message,
}

fn parse(req: &Request) -> ApiResult<Reply> {
    let input: ReplyIn = req.json()?;
    let body = input.body.trim().to_string();
    let bad_control = body
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t');
    if body.is_empty() || body.chars().count() > MAX_BODY_CHARS || bad_control {
        return Err(ApiError::invalid(
            "body",
            format!("must be 1 to {MAX_BODY_CHARS} characters of text"),
        ));
    }
    let staff_id = input
        .staff_id
        .map(StaffId::parse)
        .transpose()
        .map_err(|_| ApiError::invalid("staff_id", "must be a staff id such as stf_01h..."))?;
    let idempotency_key = match req.header("idempotency-key") {
        None => None,
        Some(k)
            if (1..=100).contains(&k.len())
                && k.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b)) =>
        {
            Some(k.to_string())
        }
        Some(_) => {
            return Err(ApiError::invalid(
                "Idempotency-Key",
                "must be 1 to 100 characters of letters, digits, '-', '_', '.' or ':'",
            ))
        }
    };
    Ok(Reply {
        body,
        actor: Actor::from_staff(staff_id),
        idempotency_key,
    })
}

fn already_sent() -> ApiError {
    ApiError::Conflict(
        "a reply with this Idempotency-Key was already accepted and is on the thread; \
         it was not sent again"
            .into(),
    )
}

/// What one attempt decided.
pub(crate) struct Decided {
    pub channel: Channel,
    pub deferred_until: Option<DateTime<Utc>>,
    pub message: Message,
    pub writes: Vec<Write>,
}

fn decide(
    practice: &Practice,
    to: ReplyTo<'_>,
    reply: &Reply,
    thread_id: &ThreadId,
    now: DateTime<Utc>,
) -> ApiResult<Decided> {
    let (channel, deferred_until) = match route_reply(to, &practice.settings, now) {
        ReplyRoute::Send { channel } => (channel, None),
        ReplyRoute::Defer { channel, until } => (channel, Some(until)),
        ReplyRoute::Refuse { refusal } => {
            return Err(ApiError::ReplyRefused {
                code: refusal.code(),
                message: refusal.describe(),
            })
        }
    };
    let decision = match deferred_until {
        Some(until) => Decision::Deferred { until },
        None => Decision::Sent {
            provider_message_id: None,
        },
    };
    let (patient_id, unknown) = match to {
        ReplyTo::Patient(p) => (Some(&p.patient_id), None),
        ReplyTo::Unknown(t) => (None, Some(&t.number)),
    };
    let message = Message::staff_reply(
        &practice.practice_id,
        patient_id,
        unknown,
        now,
        channel,
        reply.body.clone(),
        decision,
        reply.actor.clone(),
    );
    let mut writes = Vec::new();
    if let Some(key) = &reply.idempotency_key {
        writes.push(Write::Claim {
            practice_id: practice.practice_id.clone(),
            key: format!("staff-reply:{thread_id}:{key}"),
            expires_at: now.checked_add_signed(IDEMPOTENCY_TTL).unwrap_or(now),
        });
    }
    writes.push(Write::Message(Box::new(message.clone())));
    if deferred_until.is_some() {
        // Found and sent by the staff-replies sweep when it comes due.
        writes.push(Write::DeferReply(Box::new(message.clone())));
    }
    Ok(Decided {
        channel,
        deferred_until,
        message,
        writes,
    })
}

/// `POST /v1/patients/{patient_id}/messages`.
pub async fn to_patient(
    deps: &Deps,
    req: &Request,
    id: &str,
) -> ApiResult<ApiGatewayV2httpResponse> {
    let patient_id = PatientId::parse(id).map_err(|_| ApiError::NotFound("patient"))?;
    patient_reply(deps, req, patient_id).await
}

/// `POST /v1/threads/{thread_id}/messages`: a patient's thread or an unknown sender's.
pub async fn to_thread(
    deps: &Deps,
    req: &Request,
    id: &str,
) -> ApiResult<ApiGatewayV2httpResponse> {
    match ThreadId::parse(id).map_err(|_| ApiError::NotFound("thread"))? {
        ThreadId::Patient(patient_id) => patient_reply(deps, req, patient_id).await,
        thread_id @ ThreadId::Unknown(_) => unknown_reply(deps, req, thread_id).await,
    }
}

async fn patient_reply(
    deps: &Deps,
    req: &Request,
    patient_id: PatientId,
) -> ApiResult<ApiGatewayV2httpResponse> {
    let reply = parse(req)?;
    let thread_id = ThreadId::patient(&patient_id);
    let key = Key::Patient(patient_id.clone());
    let (practice, fetched) = authenticate(deps, req, vec![key.clone()]).await?;
    let mut patient = fetched
        .patient(&patient_id)
        .cloned()
        .ok_or(ApiError::NotFound("patient"))?;
    for _ in 0..MAX_ATTEMPTS {
        let now = deps.clock.now();
        let mut d = decide(
            &practice,
            ReplyTo::Patient(&patient),
            &reply,
            &thread_id,
            now,
        )?;
        // A deferred reply has not answered the patient yet: the thread stays in the inbox.
        let answered = if d.deferred_until.is_none() {
            frontdesk::staff_replies::answered_patient(&patient, now, &mut d.writes)
        } else {
            None
        };
        match deps.store.write(d.writes.clone()).await {
            Ok(()) => {
                let restore = answered.map(|a| reopen_patient(&patient, a));
                return finish(
                    deps,
                    &practice,
                    Target::Patient(&patient),
                    d,
                    restore,
                    &thread_id,
                )
                .await;
            }
            Err(frontdesk::Error::Conflict) => {}
            Err(e) => return Err(e.into()),
        }
        let fresh = deps
            .store
            .get_many(&practice.practice_id, std::slice::from_ref(&key))
            .await?;
        let fresh = fresh
            .patient(&patient_id)
            .cloned()
            .ok_or(ApiError::NotFound("patient"))?;
        if fresh.version == patient.version {
            return Err(already_sent());
        }
        patient = fresh;
    }
    Err(changing())
}

fn changing() -> ApiError {
    ApiError::Conflict(
        "the thread kept changing while the reply was recorded; read it again and retry".into(),
    )
}

async fn unknown_reply(
    deps: &Deps,
    req: &Request,
    thread_id: ThreadId,
) -> ApiResult<ApiGatewayV2httpResponse> {
    let reply = parse(req)?;
    let (practice, _) = authenticate(deps, req, vec![]).await?;
    let read = || deps.store.unknown_thread(&practice.practice_id, &thread_id);
    let mut thread = read().await?.ok_or(ApiError::NotFound("thread"))?;
    for _ in 0..MAX_ATTEMPTS {
        let now = deps.clock.now();
        let mut d = decide(
            &practice,
            ReplyTo::Unknown(&thread),
            &reply,
            &thread_id,
            now,
        )?;
        let clear = if d.deferred_until.is_none() {
            MAX_CLEARED
        } else {
            0
        };
        let cleared: Vec<DateTime<Utc>> = thread.waits.iter().take(clear).copied().collect();
        for since in &cleared {
            d.writes.push(Write::RemoveWaiting {
                practice_id: practice.practice_id.clone(),
                thread_id: thread_id.clone(),
                since: *since,
            });
        }
        let mut answered = thread.clone();
        answered.waits.drain(..cleared.len());
        d.writes.push(Write::UnknownThread {
            thread: Box::new(answered.clone()),
            seen_waits: thread.waits.len(),
        });
        match deps.store.write(d.writes.clone()).await {
            Ok(()) => {
                let restore = reopen_unknown(&thread, answered, &cleared);
                return finish(
                    deps,
                    &practice,
                    Target::Unknown(&thread),
                    d,
                    Some(restore),
                    &thread_id,
                )
                .await;
            }
            Err(frontdesk::Error::Conflict) => {}
            Err(e) => return Err(e.into()),
        }
        let fresh = read().await?.ok_or(ApiError::NotFound("thread"))?;
        if fresh.waits.len() == thread.waits.len() {
            return Err(already_sent());
        }
        thread = fresh;
    }
    Err(changing())
}
