//! `/v1/webhooks`: the practice's webhook subscriptions (admins manage them; the API key
//! acts as the admin). A subscription's `whsec_` secret is in the answer of its creation
//! and of a rotation only; listings show its state (active, or disabled and why), never the
//! secret. Delivery is the `webhooks` job (`frontdesk::webhooks::deliver`).

use aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use chrono::{DateTime, Utc};
use frontdesk::ports::Write;
use frontdesk::webhooks::target::{check_registration, TargetPolicy};
use frontdesk::webhooks::{EndpointState, EventType, WebhookEndpoint, MAX_ENDPOINTS};
use http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::auth::authenticate;
use crate::deps::Deps;
use crate::error::{ApiError, ApiResult};
use crate::http_io::{json_response, Request};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WebhookIn {
    url: String,
    events: Vec<String>,
}

/// A subscription as the API shows it: never its secret.
#[derive(Debug, Serialize)]
pub struct WebhookOut<'a> {
    webhook_id: &'a str,
    url: &'a str,
    events: &'a [EventType],
    state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    disabled_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    disabled_reason: Option<&'a str>,
    failing_since: Option<DateTime<Utc>>,
    last_error: Option<&'a str>,
    created_at: DateTime<Utc>,
    /// Only when created or rotated.
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<&'a str>,
}

impl<'a> WebhookOut<'a> {
    fn of(e: &'a WebhookEndpoint, show_secret: bool) -> Self {
        let (state, disabled_at, disabled_reason) = match &e.state {
            EndpointState::Active => ("active", None, None),
            EndpointState::Disabled { at, reason } => {
                ("disabled", Some(*at), Some(reason.as_str()))
            }
        };
        Self {
            webhook_id: &e.webhook_id,
            url: &e.url,
            events: &e.events,
            state,
            disabled_at,
            disabled_reason,
            failing_since: e.failing_since,
            last_error: e.last_error.as_deref(),
            created_at: e.created_at,
            secret: show_secret.then(|| e.secret.reveal()),
        }
    }
}

fn event_types(names: &[String]) -> ApiResult<Vec<EventType>> {
    names
        .iter()
        .map(|n| {
            EventType::parse(n).ok_or_else(|| {
                let known: Vec<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
                ApiError::invalid(
                    "events",
                    format!("unknown event type; use {}", known.join(", ")),
                )
            })
        })
        .collect()
}

async fn find(
    deps: &Deps,
    practice_id: &frontdesk::domain::PracticeId,
    id: &str,
) -> ApiResult<WebhookEndpoint> {
    if !WebhookEndpoint::valid_id(id) {
        return Err(ApiError::NotFound("webhook"));
    }
    deps.store
        .webhook_endpoints(practice_id)
        .await?
        .into_iter()
        .find(|e| e.webhook_id == id)
        .ok_or(ApiError::NotFound("webhook"))
}

pub async fn create(deps: &Deps, req: &Request) -> ApiResult<ApiGatewayV2httpResponse> {
    crate::as_staff::require_admin(req)?;
    let input: WebhookIn = req.json()?;
    let events = event_types(&input.events)?;
    let (practice, _) = authenticate(deps, req, vec![]).await?;
    let endpoint = WebhookEndpoint::new(
        practice.practice_id.clone(),
        input.url.trim(),
        events,
        deps.webhook_loopback,
        deps.clock.now(),
    )?;
    let policy = if deps.webhook_loopback {
        TargetPolicy::with_loopback()
    } else {
        TargetPolicy::public_only()
    };
    check_registration(&endpoint.url, policy)
        .await
        .map_err(|r| frontdesk::domain::DomainError::Invalid {
            field: "url",
            reason: r.to_string(),
        })?;
    let existing = deps.store.webhook_endpoints(&practice.practice_id).await?;
    if existing.len() >= MAX_ENDPOINTS {
        return Err(ApiError::Conflict(format!(
            "a practice keeps at most {MAX_ENDPOINTS} webhooks; delete one first (DELETE /v1/webhooks/{{webhook_id}})"
        )));
    }
    deps.store
        .write(vec![Write::WebhookEndpoint {
            endpoint: Box::new(endpoint.clone()),
            create: true,
        }])
        .await?;
    tracing::info!(practice_id = %practice.practice_id, webhook_id = %endpoint.webhook_id, "webhook created");
    Ok(json_response(
        StatusCode::CREATED,
        &WebhookOut::of(&endpoint, true),
    ))
}

pub async fn list(deps: &Deps, req: &Request) -> ApiResult<ApiGatewayV2httpResponse> {
    let (practice, _) = authenticate(deps, req, vec![]).await?;
    let mut items = deps.store.webhook_endpoints(&practice.practice_id).await?;
    items.sort_by_key(|e| e.created_at);
    let out: Vec<WebhookOut<'_>> = items.iter().map(|e| WebhookOut::of(e, false)).collect();
    Ok(json_response(
        StatusCode::OK,
        &serde_json::json!({ "items": out }),
    ))
}

pub async fn delete(deps: &Deps, req: &Request, id: &str) -> ApiResult<ApiGatewayV2httpResponse> {
    crate::as_staff::require_admin(req)?;
    let (practice, _) = authenticate(deps, req, vec![]).await?;
    let endpoint = find(deps, &practice.practice_id, id).await?;
    deps.store
        .write(vec![Write::RemoveWebhookEndpoint {
            practice_id: practice.practice_id.clone(),
            webhook_id: endpoint.webhook_id.clone(),
        }])
        .await?;
    Ok(json_response(
        StatusCode::OK,
        &serde_json::json!({"webhook_id": endpoint.webhook_id, "deleted": true}),
    ))
}

/// `POST /v1/webhooks/{id}/rotate`: a new secret, shown once; the old one keeps signing
/// beside it for 24 hours.
pub async fn rotate(deps: &Deps, req: &Request, id: &str) -> ApiResult<ApiGatewayV2httpResponse> {
    crate::as_staff::require_admin(req)?;
    let (practice, _) = authenticate(deps, req, vec![]).await?;
    let mut endpoint = find(deps, &practice.practice_id, id).await?;
    endpoint.rotate(deps.clock.now());
    match deps
        .store
        .write(vec![Write::WebhookEndpoint {
            endpoint: Box::new(endpoint.clone()),
            create: false,
        }])
        .await
    {
        Ok(()) => Ok(json_response(
            StatusCode::OK,
            &WebhookOut::of(&endpoint, true),
        )),
        Err(frontdesk::Error::Conflict) => Err(ApiError::NotFound("webhook")),
        Err(e) => Err(e.into()),
    }
}
