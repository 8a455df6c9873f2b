//! Broadcasts: `POST /v1/broadcasts` (one message to an audience, each patient on their own
//! channel, at a send time), `GET /v1/broadcasts/{id}` (the broadcast and its progress,
//! counted over its recipients as they settle) and `POST /v1/broadcasts/{id}/cancel`
//! (nothing more goes out). The `outreach` function does the sending.

use aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use chrono::{DateTime, Utc};
use frontdesk::domain::{
    Audience, Broadcast, BroadcastId, BroadcastStatus, CannedReply, CannedReplyId, DueWork,
    MessageKind, Progress,
};
use frontdesk::ports::{Expect, Key, Write};
use http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::auth::authenticate;
use crate::deps::Deps;
use crate::error::{ApiError, ApiResult};
use crate::http_io::{json_response, Request};

/// Recipients read per Query when counting progress.
const RECIPIENTS_PAGE: usize = 1000;
/// Re-reads after a lost version check when cancelling.
const CANCEL_TRIES: usize = 3;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BroadcastIn {
    audience: Audience,
    kind: MessageKind,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    reply_id: Option<CannedReplyId>,
    #[serde(default)]
    send_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize)]
struct BroadcastOut<'a> {
    #[serde(flatten)]
    broadcast: &'a Broadcast,
    progress: Progress,
}

fn broadcast_id(id: &str) -> ApiResult<BroadcastId> {
    BroadcastId::parse(id).map_err(|_| ApiError::NotFound("broadcast"))
}

fn invalid(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::Invalid {
        field: field.into(),
        message: message.into(),
    }
}

pub async fn create(deps: &Deps, req: &Request) -> ApiResult<ApiGatewayV2httpResponse> {
    let input: BroadcastIn = req.json()?;
    let (practice, _) = authenticate(deps, req, vec![]).await?;
    let now = deps.clock.now();
    let body = match (input.body, &input.reply_id) {
        (Some(body), None) => body,
        (None, Some(id)) => find_reply(deps, &practice.practice_id, id).await?.body,
        _ => {
            return Err(invalid(
                "body",
                "give either body or reply_id (a canned reply), not both",
            ))
        }
    };
    let b = Broadcast::new(
        practice.practice_id.clone(),
        input.audience,
        input.kind,
        body,
        input.reply_id,
        input.send_at.unwrap_or(now),
        now,
    )?;
    check_body(&b, &practice.settings)?;
    deps.store
        .write(vec![
            Write::Broadcast {
                broadcast: Box::new(b.clone()),
                expect: Expect::Absent,
            },
            Write::Due(Box::new(DueWork::broadcast_expand(
                practice.practice_id.clone(),
                &b.broadcast_id,
                b.send_at,
            ))),
        ])
        .await?;
    tracing::info!(practice_id = %practice.practice_id, broadcast_id = %b.broadcast_id, "broadcast scheduled");
    Ok(json_response(
        StatusCode::CREATED,
        &BroadcastOut {
            broadcast: &b,
            progress: Progress::default(),
        },
    ))
}

/// The body must render with only the placeholders every patient has.
fn check_body(b: &Broadcast, settings: &frontdesk::domain::PracticeSettings) -> ApiResult<()> {
    let template = b.template().map_err(|e| invalid("body", e.to_string()))?;
    let mut values = frontdesk::domain::broadcast_values(settings, None);
    // The check must not depend on whether the practice has set a callback number.
    values.insert("callback_number", "the office".to_string());
    template.render(&values).map_err(|_| {
        invalid(
            "body",
            "a broadcast may use {{ first_name }}, {{ practice_name }} and {{ callback_number }} only",
        )
    })?;
    Ok(())
}

async fn find_reply(
    deps: &Deps,
    practice_id: &frontdesk::domain::PracticeId,
    id: &CannedReplyId,
) -> ApiResult<CannedReply> {
    deps.store
        .canned_replies(practice_id)
        .await?
        .into_iter()
        .find(|r| &r.reply_id == id)
        .ok_or_else(|| {
            invalid(
                "reply_id",
                "no canned reply with this id; list them at GET /v1/practice/replies",
            )
        })
}

pub async fn get(deps: &Deps, req: &Request, id: &str) -> ApiResult<ApiGatewayV2httpResponse> {
    let id = broadcast_id(id)?;
    let (practice, fetched) = authenticate(deps, req, vec![Key::Broadcast(id.clone())]).await?;
    let b = fetched
        .broadcast(&id)
        .cloned()
        .ok_or(ApiError::NotFound("broadcast"))?;
    let progress = progress(deps, &practice.practice_id, &b).await?;
    Ok(json_response(
        StatusCode::OK,
        &BroadcastOut {
            broadcast: &b,
            progress,
        },
    ))
}

/// Counts every recipient: one Query per 1,000 (a few per MB).
async fn progress(
    deps: &Deps,
    practice_id: &frontdesk::domain::PracticeId,
    b: &Broadcast,
) -> ApiResult<Progress> {
    let mut p = Progress::default();
    let mut cursor: Option<String> = None;
    loop {
        let page = deps
            .store
            .broadcast_recipients(
                practice_id,
                &b.broadcast_id,
                cursor.as_deref(),
                RECIPIENTS_PAGE,
            )
            .await?;
        for r in &page.items {
            p.add(r, b.cancelled());
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => return Ok(p.finish(b)),
        }
    }
}

pub async fn cancel(deps: &Deps, req: &Request, id: &str) -> ApiResult<ApiGatewayV2httpResponse> {
    let id = broadcast_id(id)?;
    let (practice, mut fetched) = authenticate(deps, req, vec![Key::Broadcast(id.clone())]).await?;
    for _ in 0..CANCEL_TRIES {
        let b = fetched
            .broadcast(&id)
            .cloned()
            .ok_or(ApiError::NotFound("broadcast"))?;
        if b.cancelled() {
            let progress = progress(deps, &practice.practice_id, &b).await?;
            return Ok(json_response(
                StatusCode::OK,
                &BroadcastOut {
                    broadcast: &b,
                    progress,
                },
            ));
        }
        let now = deps.clock.now();
        let cancelled = Broadcast {
            status: BroadcastStatus::Cancelled,
            cancelled_at: Some(now),
            updated_at: now,
            version: b.version + 1,
            ..b.clone()
        };
        match deps
            .store
            .write(vec![Write::Broadcast {
                broadcast: Box::new(cancelled.clone()),
                expect: Expect::Version(b.version),
            }])
            .await
        {
            Ok(()) => {
                tracing::info!(practice_id = %practice.practice_id, broadcast_id = %id, "broadcast cancelled");
                let progress = progress(deps, &practice.practice_id, &cancelled).await?;
                return Ok(json_response(
                    StatusCode::OK,
                    &BroadcastOut {
                        broadcast: &cancelled,
                        progress,
                    },
                ));
            }
            Err(frontdesk::Error::Conflict) => {
                fetched = deps
                    .store
                    .get_many(&practice.practice_id, &[Key::Broadcast(id.clone())])
                    .await?;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::Unavailable(
        "the broadcast kept changing while it was being cancelled".into(),
    ))
}
