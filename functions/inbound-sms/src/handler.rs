//! The Lambda handler. One binary takes both event shapes:
//!
//! - API Gateway v2 (HTTP API) events: `POST /webhooks/sms/{provider}/{practice_id}` from
//!   Twilio, Telnyx or Vonage ([`respond`]);
//! - SNS events (`Records[0].EventSource == "aws:sns"`): AWS End User Messaging two-way SMS
//!   ([`handle_sns`]).
//!
//! Every failure becomes a response (HTTP) or a reported error (SNS) here; nothing on the
//! input path panics. Logs carry the practice id, provider, action and outcome only: never
//! a phone number, a name or a message body.

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use aws_lambda_events::sns::SnsEvent;
use frontdesk::domain::PracticeId;
use frontdesk::invocation::{diagnostic, sns_event};
use lambda_runtime::{Diagnostic, LambdaEvent};
use serde_json::{json, Value};

use crate::deps::Deps;
use crate::error::{InboundError, Refusal};
use crate::http_io::{error_response, json_ok, twiml_ok, Request, MAX_BODY_BYTES};
use crate::inbound::{Parsed, Provider};
use crate::process::{process, Outcome};
use crate::providers::{self, aws};
use crate::routes::{self, Hook};
use crate::status;

/// The two event shapes this function accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Sns,
    Http,
    Other,
}

fn shape(v: &Value) -> Shape {
    let first_source = v
        .get("Records")
        .and_then(Value::as_array)
        .and_then(|r| r.first())
        .and_then(|r| r.get("EventSource"))
        .and_then(Value::as_str);
    if first_source == Some("aws:sns") {
        Shape::Sns
    } else if v.get("requestContext").is_some_and(Value::is_object)
        && (v.get("rawPath").is_some() || v.get("routeKey").is_some())
    {
        Shape::Http
    } else {
        Shape::Other
    }
}

/// The Lambda entry point: dispatches on the event's shape.
pub async fn handle(deps: &Deps, event: LambdaEvent<Value>) -> Result<Value, Diagnostic> {
    let payload = event.payload;
    match shape(&payload) {
        Shape::Sns => {
            let records = payload
                .get("Records")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            let event = sns_event(payload)?;
            handle_sns(deps, event)
                .await
                .map(|()| json!({ "records": records }))
                .map_err(|e| diagnostic("InboundSmsRecordsFailed", e.to_string()))
        }
        Shape::Http => {
            let request: ApiGatewayV2httpRequest = match serde_json::from_value(payload) {
                Ok(r) => r,
                Err(_) => {
                    let e = InboundError::bad_request("the HTTP event could not be read");
                    return to_value(error_response(&e));
                }
            };
            to_value(respond(deps, request).await)
        }
        Shape::Other => {
            tracing::error!("unsupported event shape");
            Err(diagnostic(
                "UnsupportedEvent",
                "expected an API Gateway v2 HTTP event or an SNS event",
            ))
        }
    }
}

fn to_value(resp: ApiGatewayV2httpResponse) -> Result<Value, Diagnostic> {
    serde_json::to_value(resp).map_err(|_| {
        diagnostic(
            "ResponseNotSerialisable",
            "the response could not be written",
        )
    })
}

/// Answers one webhook request. Also called in-process by the local gateway.
pub async fn respond(deps: &Deps, event: ApiGatewayV2httpRequest) -> ApiGatewayV2httpResponse {
    let req = match Request::from_event(event, MAX_BODY_BYTES) {
        Ok(req) => req,
        Err(e) => {
            let e = InboundError::from(e);
            tracing::info!(
                status = e.status().as_u16(),
                code = e.code(),
                "webhook refused"
            );
            return error_response(&e);
        }
    };
    let (hook, provider, practice) = match routes::route(&req.method, &req.path) {
        Ok(found) => found,
        Err(e) => {
            tracing::info!(status = e.status().as_u16(), "no webhook route");
            return error_response(&e);
        }
    };
    if hook == Hook::Status {
        return status_response(deps, provider, practice, &req).await;
    }
    let Some(provider) = Provider::from_path(provider) else {
        tracing::info!(status = 404, "no webhook route");
        return error_response(&InboundError::NotFound);
    };
    match webhook(deps, provider, practice, &req).await {
        Ok(ack) => {
            tracing::info!(
                provider = provider.as_str(),
                outcome = ack.label(),
                "webhook acknowledged"
            );
            match provider {
                Provider::Twilio => twiml_ok(),
                _ => json_ok(ack.label()),
            }
        }
        Err(e) => {
            let status = e.status().as_u16();
            match &e {
                InboundError::Unavailable(_) | InboundError::Internal(_) => tracing::error!(
                    provider = provider.as_str(),
                    status,
                    cause = e.cause().unwrap_or_default(),
                    "webhook failed"
                ),
                _ => tracing::info!(
                    provider = provider.as_str(),
                    status,
                    code = e.code(),
                    reason = e.cause().unwrap_or_default(),
                    "webhook refused"
                ),
            }
            error_response(&e)
        }
    }
}

/// Answers a delivery status callback (see [`status`]).
async fn status_response(
    deps: &Deps,
    provider: &str,
    practice: &str,
    req: &Request,
) -> ApiGatewayV2httpResponse {
    let Some(provider) = Provider::from_path(provider) else {
        tracing::info!(status = 404, "no status route");
        return error_response(&InboundError::NotFound);
    };
    match status::status_webhook(deps, provider, practice, req).await {
        Ok(ack) => {
            tracing::info!(
                provider = provider.as_str(),
                outcome = ack.label(),
                "status callback acknowledged"
            );
            json_ok(ack.label())
        }
        Err(e) => {
            let status = e.status().as_u16();
            if matches!(e, InboundError::Unavailable(_) | InboundError::Internal(_)) {
                tracing::error!(
                    provider = provider.as_str(),
                    status,
                    cause = e.cause().unwrap_or_default(),
                    "status callback failed"
                );
            } else {
                tracing::info!(
                    provider = provider.as_str(),
                    status,
                    code = e.code(),
                    reason = e.cause().unwrap_or_default(),
                    "status callback refused"
                );
            }
            error_response(&e)
        }
    }
}

/// How a webhook was acknowledged.
enum Ack {
    Processed(Outcome),
    Ignored,
}

impl Ack {
    fn label(&self) -> &'static str {
        match self {
            Ack::Processed(o) if o.duplicate => "duplicate",
            Ack::Processed(_) => "received",
            Ack::Ignored => "ignored",
        }
    }
}

async fn webhook(
    deps: &Deps,
    provider: Provider,
    practice: &str,
    req: &Request,
) -> Result<Ack, InboundError> {
    let now = deps.clock.now();
    // Signature and timestamp present and fresh, before anything is read.
    let unverified = providers::read(provider, req, now, deps.public_base_url.as_deref())?;
    let practice_id = PracticeId::parse(practice)
        .map_err(|_| InboundError::Forbidden(Refusal::UnknownPractice))?;
    // Trip 1: the practice (for its secret) and the sender's patients, concurrently.
    let (practice, candidates) = match unverified.sender() {
        Some(phone) => {
            let (p, c) = tokio::join!(
                deps.store.get_practice(&practice_id),
                deps.store.patients_by_phone(&practice_id, phone)
            );
            (p, Some(c))
        }
        None => (deps.store.get_practice(&practice_id).await, None),
    };
    let practice = practice?.ok_or(InboundError::Forbidden(Refusal::UnknownPractice))?;
    unverified
        .proof
        .verify(&practice.sms_provider)
        .map_err(InboundError::Forbidden)?;
    match unverified.content? {
        Parsed::Ignored(what) => {
            tracing::info!(
                practice_id = %practice.practice_id,
                provider = provider.as_str(),
                event = what,
                "provider event ignored"
            );
            Ok(Ack::Ignored)
        }
        Parsed::Message(inbound) => {
            let candidates = candidates.transpose()?.unwrap_or_default();
            let outcome = process(deps, &practice, candidates, &inbound).await?;
            log_outcome(&practice.practice_id, provider, &outcome);
            Ok(Ack::Processed(outcome))
        }
    }
}

fn log_outcome(practice_id: &PracticeId, provider: Provider, o: &Outcome) {
    frontdesk::telemetry::inbound(provider.as_str(), o.action);
    tracing::info!(
        practice_id = %practice_id,
        provider = provider.as_str(),
        action = o.action,
        known_sender = o.known_sender,
        duplicate = o.duplicate,
        sent = o.sent,
        failed = o.failed,
        suppressed = o.suppressed,
        "inbound text processed"
    );
}

/// Handles AWS two-way SMS delivered through SNS. Every record is processed; malformed or
/// unroutable records are logged and reported in the returned error (after the others
/// were processed), so the invocation fails visibly. A retry is harmless: processed
/// records are recognised by their idempotency claim.
pub async fn handle_sns(deps: &Deps, event: SnsEvent) -> Result<(), InboundError> {
    let total = event.records.len();
    let mut failed = 0;
    let mut first: Option<String> = None;
    let mut retryable = false;
    for (index, record) in event.records.iter().enumerate() {
        match sns_record(deps, &record.sns.message).await {
            Ok(()) => {}
            Err(e) => {
                failed += 1;
                retryable |= e.is_transient();
                tracing::error!(
                    record = index,
                    code = e.code(),
                    error = %e,
                    cause = e.cause().unwrap_or_default(),
                    "an SNS record could not be processed"
                );
                first.get_or_insert_with(|| format!("record {index}: {e}"));
            }
        }
    }
    match first {
        None => Ok(()),
        Some(first) => Err(InboundError::Records {
            failed,
            total,
            first,
            retryable,
        }),
    }
}

async fn sns_record(deps: &Deps, message: &str) -> Result<(), InboundError> {
    let msg = aws::parse(message)?;
    let practice_id = deps
        .store
        .practice_for_number(&msg.destination)
        .await?
        .ok_or_else(|| {
            InboundError::bad_request(
                "no practice owns the destination number; set it as a practice's sms_number",
            )
        })?;
    let (practice, candidates) = tokio::join!(
        deps.store.get_practice(&practice_id),
        deps.store
            .patients_by_phone(&practice_id, &msg.inbound.from)
    );
    let practice = practice?.ok_or_else(|| {
        InboundError::Internal("the destination number routes to a missing practice".into())
    })?;
    let outcome = process(deps, &practice, candidates?, &msg.inbound).await?;
    log_outcome(&practice.practice_id, msg.inbound.provider, &outcome);
    Ok(())
}

#[cfg(test)]
#[path = "handler_tests.rs"]
mod tests;
