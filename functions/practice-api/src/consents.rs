//! `GET /v1/patients/{id}/consents/history?cursor=&limit=`: every consent change of the
//! patient, oldest first, with who made it (PMS, the patient by keyword or preference
//! page, staff by id) and when. 2 round trips: the key check with the patient, then one
//! Query on the patient's `CONSENT#` items (never a Scan).

use aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use chrono::{DateTime, Utc};
use frontdesk::domain::{ConsentChangeSource, ConsentEvent, PatientId};
use frontdesk::ports::Key;
use http::StatusCode;
use serde::Serialize;

use crate::auth::authenticate;
use crate::deps::Deps;
use crate::error::{ApiError, ApiResult};
use crate::http_io::{json_response, Request};
use crate::patients::page_limit;
use crate::wire::PageOut;

/// One change, as the API shows it.
#[derive(Debug, Serialize)]
pub struct ConsentEventOut {
    pub event_id: String,
    pub at: DateTime<Utc>,
    pub channel: &'static str,
    /// `care`, `reviews`, `marketing`, or `all` for a channel-wide opt-out or opt-in.
    pub kind: &'static str,
    pub granted: bool,
    pub source: ConsentChangeSource,
}

impl From<ConsentEvent> for ConsentEventOut {
    fn from(e: ConsentEvent) -> Self {
        Self {
            event_id: e.event_id,
            at: e.at,
            channel: e.channel.as_str(),
            kind: e.kind.map_or("all", |k| k.as_str()),
            granted: e.granted,
            source: e.source,
        }
    }
}

pub async fn history(deps: &Deps, req: &Request, id: &str) -> ApiResult<ApiGatewayV2httpResponse> {
    let patient_id = PatientId::parse(id).map_err(|_| ApiError::NotFound("patient"))?;
    let limit = page_limit(req)?;
    let (practice, fetched) =
        authenticate(deps, req, vec![Key::Patient(patient_id.clone())]).await?;
    fetched
        .patient(&patient_id)
        .ok_or(ApiError::NotFound("patient"))?;
    let page = deps
        .store
        .consent_history(
            &practice.practice_id,
            &patient_id,
            req.query("cursor"),
            limit,
        )
        .await?;
    Ok(json_response(
        StatusCode::OK,
        &PageOut {
            items: page
                .items
                .into_iter()
                .map(ConsentEventOut::from)
                .collect::<Vec<_>>(),
            next_cursor: page.next,
        },
    ))
}
