//! Sending a committed staff reply, and putting the thread back in the inbox when the
//! send fails afterwards.

use chrono::{DateTime, Utc};
use frontdesk::domain::{Decision, Patient, Practice, ThreadId, UnknownThread, Waiting};
use frontdesk::ports::{Expect, Write};
use frontdesk::staff_replies::send_reply;
use http::StatusCode;

use aws_lambda_events::apigw::ApiGatewayV2httpResponse;

use crate::deps::Deps;
use crate::error::{ApiError, ApiResult};
use crate::http_io::json_response;
use crate::messages::{Decided, ReplyOut};

/// The writes that put a patient's thread back in the inbox after a failed send.
pub(crate) fn reopen_patient(before: &Patient, written: Patient) -> Vec<Write> {
    let Some(since) = before.thread.waiting_since else {
        return vec![];
    };
    let channel = before
        .thread
        .last_inbound_channel
        .unwrap_or(before.preferred_channel);
    let mut reopened = written.clone();
    reopened.thread.waiting_since = Some(since);
    reopened.version = written.version.saturating_add(1);
    vec![
        Write::Waiting(Box::new(Waiting::patient(
            &before.practice_id,
            &before.patient_id,
            since,
            channel,
        ))),
        Write::Patient {
            patient: Box::new(reopened),
            expect: Expect::Version(written.version),
            previous_phone: None,
        },
    ]
}

pub(crate) fn reopen_unknown(
    before: &UnknownThread,
    written: UnknownThread,
    cleared: &[DateTime<Utc>],
) -> Vec<Write> {
    let mut writes: Vec<Write> = cleared
        .iter()
        .map(|since| {
            Write::Waiting(Box::new(Waiting::unknown(
                &before.practice_id,
                &before.number,
                *since,
            )))
        })
        .collect();
    let seen = written.waits.len();
    let mut reopened = written;
    reopened.waits = before.waits.clone();
    writes.push(Write::UnknownThread {
        thread: Box::new(reopened),
        seen_waits: seen,
    });
    writes
}

/// Who a reply goes to: the patient, or an unknown sender's thread.
pub(crate) use frontdesk::policy::ReplyTo as Target;

/// Sends a committed reply (unless deferred) and answers the request.
pub(crate) async fn finish(
    deps: &Deps,
    practice: &Practice,
    target: Target<'_>,
    d: Decided,
    restore: Option<Vec<Write>>,
    thread_id: &ThreadId,
) -> ApiResult<ApiGatewayV2httpResponse> {
    let out = |code: StatusCode, status: &'static str| {
        json_response(
            code,
            &ReplyOut {
                thread_id: thread_id.to_string(),
                status,
                channel: d.channel,
                deferred_until: d.deferred_until,
                message: &d.message,
            },
        )
    };
    if d.deferred_until.is_some() {
        return Ok(out(StatusCode::ACCEPTED, "deferred"));
    }
    match send_reply(&deps.senders, practice, target, d.channel, &d.message.body).await {
        Ok(()) => Ok(out(StatusCode::CREATED, "sent")),
        Err(e) => {
            let unavailable = matches!(e, frontdesk::Error::SendUnavailable(_));
            let mut failed = d.message.clone();
            failed.decision = Decision::Failed {
                reason: e.to_string(),
                attempts: 1,
            };
            let mut writes = vec![Write::Message(Box::new(failed))];
            writes.extend(restore.unwrap_or_default());
            if let Err(w) = deps.store.write(writes).await {
                tracing::error!(practice_id = %practice.practice_id, error = %w, "a failed staff reply could not be recorded");
            }
            tracing::warn!(practice_id = %practice.practice_id, channel = %d.channel, unavailable, "a staff reply could not be sent");
            Err(ApiError::ReplyFailed(format!(
                "the {} provider {} the reply. It is recorded as failed on the thread, which is \
                 back in the inbox: {} and send it again (with a new Idempotency-Key).",
                d.channel,
                if unavailable {
                    "could not be reached for"
                } else {
                    "refused"
                },
                if unavailable {
                    "wait a moment"
                } else {
                    "check the patient's contact details"
                },
            )))
        }
    }
}
