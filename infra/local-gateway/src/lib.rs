//! The local gateway: serves `template.yaml`'s HttpApi routes by calling each function's
//! handler in-process with real API Gateway v2 events, fires scheduled functions with
//! EventBridge-shaped events, and offers local-only routes (never deployed):
//!
//! - `POST /_local/schedules/{function}?time=<RFC3339>`: fire a scheduled function once.
//! - `POST /_local/sns/inbound-sms`: deliver an AWS two-way SMS payload as an SNS event.
//! - `POST /_local/ses/events` (an SES event JSON: Bounce, Complaint, Delivery…) and
//!   `POST /_local/sms/events` (an End User Messaging SMS event): through delivery-events.
//! - `POST /_local/ses/inbound?spf=&dkim=&…`: a raw `.eml` delivered as SES receiving does
//!   (S3 object plus notification) to inbound-email (`ses_inbound`).
//! - `GET /_local/outbox`: what was sent (SMS and email, each email with its headers:
//!   From, Reply-To, List-Unsubscribe, List-Unsubscribe-Post), read from moto, and under
//!   `providers` what the fake Twilio/Telnyx/Vonage were asked to send.
//!
//! Functions not built yet are simply not served.

pub mod apigw;
pub mod console_seed;
pub mod error;
pub mod fanout;
pub mod providers;
pub mod routes;
pub mod ses_inbound;
pub mod stack;

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use http::{Request, StatusCode};
use serde_json::json;

pub use error::GatewayError;
pub use routes::Template;

/// Largest request body the gateway passes on (API Gateway's own limit is 10 MB; the
/// functions enforce their own, smaller limits).
const MAX_BODY: usize = 1024 * 1024;

pub type HttpFuture = Pin<Box<dyn Future<Output = ApiGatewayV2httpResponse> + Send>>;
/// An HTTP function: the in-process equivalent of invoking the Lambda.
pub type HttpFunction = Arc<dyn Fn(ApiGatewayV2httpRequest) -> HttpFuture + Send + Sync>;

pub type JobFuture = Pin<Box<dyn Future<Output = Result<serde_json::Value, String>> + Send>>;
/// A scheduled function, fired with the EventBridge event's `time`.
pub type ScheduledFunction = Arc<dyn Fn(chrono::DateTime<chrono::Utc>) -> JobFuture + Send + Sync>;

/// Everything the gateway serves.
#[derive(Clone)]
pub struct Gateway {
    pub template: Template,
    /// By the function's logical id in template.yaml, e.g. `PracticeApiFunction`.
    pub http: HashMap<String, HttpFunction>,
    /// By the name used in `/_local/schedules/{name}`, e.g. `reminders`.
    pub scheduled: HashMap<String, ScheduledFunction>,
    /// inbound-sms, for AWS two-way SMS delivered through SNS.
    pub inbound_sns: Option<inbound_sms::Deps>,
    /// delivery-events, for `POST /_local/ses/events` and `/_local/sms/events`.
    pub delivery_events: Option<delivery_events::Deps>,
    /// inbound-email, for `POST /_local/ses/inbound`.
    pub inbound_email: Option<ses_inbound::InboundEmail>,
    /// The moto endpoint, for the outbox.
    pub moto: Option<local_stack::Moto>,
    /// The store the functions share (tests read its request counter).
    pub store: Option<Arc<frontdesk::dynamo::DynamoStore>>,
    /// The in-process fake SMS providers, when no provider URL was set (`providers`).
    pub fake_providers: Option<fake_providers::FakeProviders>,
}

pub fn router(gw: Arc<Gateway>) -> Router {
    Router::new()
        .route("/_local/outbox", get(outbox))
        .route("/_local/schedules/{function}", post(fire_schedule))
        .route("/_local/sns/inbound-sms", post(deliver_sns))
        .route("/_local/ses/events", post(delivery_event))
        .route("/_local/sms/events", post(delivery_event))
        .route("/_local/ses/inbound", post(ses_inbound::deliver))
        .fallback(serve_http_api)
        .with_state(gw)
}

pub(crate) fn local_error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    (
        status,
        Json(json!({"error": {"code": code, "message": message.into()}})),
    )
        .into_response()
}

async fn outbox(State(gw): State<Arc<Gateway>>) -> Response {
    let Some(moto) = &gw.moto else {
        return local_error(
            StatusCode::NOT_FOUND,
            "not_found",
            "no moto server behind this gateway",
        );
    };
    match moto.outbox().await {
        Ok(mut v) => {
            // Beside SNS and SES: what each fake provider was asked to send.
            if let (Some(fake), Some(obj)) = (&gw.fake_providers, v.as_object_mut()) {
                obj.insert("providers".into(), json!(fake.requests()));
            }
            Json(v).into_response()
        }
        Err(e) => local_error(StatusCode::BAD_GATEWAY, "moto_unavailable", e.to_string()),
    }
}

async fn fire_schedule(
    State(gw): State<Arc<Gateway>>,
    Path(function): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(job) = gw.scheduled.get(&function) else {
        let mut known: Vec<&String> = gw.scheduled.keys().collect();
        known.sort();
        return local_error(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no scheduled function {function:?}; available: {known:?}"),
        );
    };
    let time = match q.get("time") {
        None => chrono::Utc::now(),
        Some(t) => match chrono::DateTime::parse_from_rfc3339(t) {
            Ok(t) => t.to_utc(),
            Err(_) => {
                return local_error(
                    StatusCode::BAD_REQUEST,
                    "bad_request",
                    "time must be RFC 3339, e.g. 2026-03-10T14:00:00Z",
                )
            }
        },
    };
    match job(time).await {
        Ok(v) => Json(json!({"function": function, "time": time, "result": v})).into_response(),
        Err(e) => local_error(StatusCode::INTERNAL_SERVER_ERROR, "job_failed", e),
    }
}

/// An SES event (as the configuration set's SNS destination publishes it) or an End User
/// Messaging SMS event, through delivery-events' own code for one SNS record.
async fn delivery_event(State(gw): State<Arc<Gateway>>, body: axum::body::Bytes) -> Response {
    let Some(deps) = &gw.delivery_events else {
        return local_error(
            StatusCode::NOT_FOUND,
            "not_found",
            "delivery-events is not served",
        );
    };
    let Ok(text) = std::str::from_utf8(&body) else {
        return local_error(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "the event must be UTF-8 JSON",
        );
    };
    match delivery_events::process_message(deps, text).await {
        Ok(outcome) => Json(json!({"outcome": outcome.label()})).into_response(),
        Err(e) if e.is_transient() => {
            local_error(StatusCode::SERVICE_UNAVAILABLE, e.code(), e.to_string())
        }
        Err(e) => local_error(StatusCode::UNPROCESSABLE_ENTITY, e.code(), e.to_string()),
    }
}

/// Wraps an AWS End User Messaging two-way SMS payload (`originationNumber`,
/// `destinationNumber`, `messageBody`, `inboundMessageId`) in an SNS event, as the
/// inbound topic would deliver it.
async fn deliver_sns(State(gw): State<Arc<Gateway>>, body: axum::body::Bytes) -> Response {
    let Some(deps) = &gw.inbound_sns else {
        return local_error(
            StatusCode::NOT_FOUND,
            "not_found",
            "inbound-sms is not served",
        );
    };
    let Ok(text) = std::str::from_utf8(&body) else {
        return local_error(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "the payload must be UTF-8 JSON",
        );
    };
    if serde_json::from_str::<serde_json::Value>(text).is_err() {
        return local_error(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "the payload must be JSON",
        );
    }
    let now = chrono::Utc::now();
    let event = json!({
        "Records": [{
            "EventSource": "aws:sns",
            "EventVersion": "1.0",
            "EventSubscriptionArn": "arn:aws:sns:us-east-1:000000000000:frontdesk-inbound-sms:local",
            "Sns": {
                "Type": "Notification",
                "MessageId": format!("local-{}", now.timestamp_nanos_opt().unwrap_or_default()),
                "TopicArn": "arn:aws:sns:us-east-1:000000000000:frontdesk-inbound-sms",
                "Subject": null,
                "Message": text,
                "Timestamp": now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                "SignatureVersion": "1",
                "Signature": "local",
                "SigningCertUrl": "https://sns.us-east-1.amazonaws.com/local.pem",
                "UnsubscribeUrl": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe",
                "MessageAttributes": {}
            }
        }]
    });
    let event: aws_lambda_events::sns::SnsEvent = match serde_json::from_value(event) {
        Ok(e) => e,
        Err(e) => {
            return local_error(
                StatusCode::BAD_REQUEST,
                "bad_request",
                format!("cannot build the SNS event: {e}"),
            )
        }
    };
    match inbound_sms::handle_sns(deps, event).await {
        Ok(()) => Json(json!({"delivered": true})).into_response(),
        Err(e) => local_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "not_processed",
            e.to_string(),
        ),
    }
}

async fn serve_http_api(State(gw): State<Arc<Gateway>>, req: Request<Body>) -> Response {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().unwrap_or("").to_string();
    let Some((route, params)) = gw.template.match_http(parts.method.as_str(), &path) else {
        // API Gateway answers unknown routes itself, before any function runs.
        return local_error(
            StatusCode::NOT_FOUND,
            "not_found",
            "no route for this method and path",
        );
    };
    let Some(function) = gw.http.get(&route.function) else {
        return local_error(
            StatusCode::NOT_IMPLEMENTED,
            "not_served",
            format!("{} is not served by the local gateway yet", route.function),
        );
    };
    let bytes = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            return local_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "body too large",
            )
        }
    };
    let event = match apigw::to_event(
        route,
        params,
        &parts.method,
        &path,
        &query,
        &parts.headers,
        &bytes,
    ) {
        Ok(e) => e,
        Err(e) => {
            return local_error(
                StatusCode::BAD_REQUEST,
                "bad_request",
                format!("cannot build the event: {e}"),
            )
        }
    };
    apigw::from_response(function(event).await)
}

/// The scheduled functions: their `/_local/schedules/{name}` and template.yaml logical id.
pub const SCHEDULED: &[(&str, &str)] = &[
    ("reminders", "RemindersFunction"),
    ("no-shows", "NoShowsFunction"),
    ("review-requests", "ReviewRequestsFunction"),
    ("outreach", "OutreachFunction"),
    ("staff-replies", "StaffRepliesFunction"),
    ("answer-sla", "AnswerSlaFunction"),
    ("webhooks", "WebhooksFunction"),
];

/// Fires each scheduled function on its rate from template.yaml, with the current time,
/// as EventBridge would. Failures are logged and the loop goes on.
pub fn spawn_schedules(gw: Arc<Gateway>) {
    for s in gw.template.schedules.clone() {
        let Some((name, _)) = SCHEDULED.iter().find(|(_, id)| *id == s.function) else {
            continue;
        };
        let Some(job) = gw.scheduled.get(*name).cloned() else {
            continue;
        };
        let name = name.to_string();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(s.every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Err(e) = job(chrono::Utc::now()).await {
                    tracing::warn!(function = %name, error = %e, "scheduled run failed");
                }
            }
        });
    }
}
