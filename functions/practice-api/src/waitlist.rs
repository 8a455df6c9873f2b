//! The waitlist: `POST /v1/waitlist` (a patient, the provider or kind they want, the days
//! and hours that suit them), `GET /v1/waitlist` (oldest first), `DELETE
//! /v1/waitlist/{entry_id}`. Freed slots are offered to it by `frontdesk::waitlist`.

use aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use frontdesk::domain::{
    ClockTime, DayOfWeek, PatientId, WaitlistEntry, WaitlistEntryId, WaitlistWish,
};
use frontdesk::ports::{Key, Write};
use http::StatusCode;
use serde::Deserialize;

use crate::auth::authenticate;
use crate::deps::Deps;
use crate::error::{ApiError, ApiResult};
use crate::http_io::{json_response, Request};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryIn {
    patient_id: String,
    #[serde(default)]
    provider: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    days: Vec<String>,
    from: String,
    until: String,
}

fn day(s: &str) -> ApiResult<DayOfWeek> {
    serde_json::from_value(serde_json::Value::String(s.trim().to_lowercase()))
        .map_err(|_| ApiError::invalid("days", "use mon, tue, wed, thu, fri, sat or sun"))
}

fn time(field: &'static str, s: &str) -> ApiResult<ClockTime> {
    ClockTime::parse(s).map_err(|_| ApiError::invalid(field, "use HH:MM (24-hour, practice time)"))
}

pub async fn create(deps: &Deps, req: &Request) -> ApiResult<ApiGatewayV2httpResponse> {
    let input: EntryIn = req.json()?;
    let patient_id = PatientId::parse(input.patient_id.as_str())?;
    let days = input
        .days
        .iter()
        .map(|d| day(d))
        .collect::<ApiResult<Vec<_>>>()?;
    let wish = WaitlistWish::new(
        input.provider,
        input.kind,
        days,
        time("from", &input.from)?,
        time("until", &input.until)?,
    )?;
    let (practice, fetched) =
        authenticate(deps, req, vec![Key::Patient(patient_id.clone())]).await?;
    if fetched.patient(&patient_id).is_none() {
        return Err(ApiError::invalid(
            "patient_id",
            "no such patient in this practice; PUT the patient first",
        ));
    }
    let entry = WaitlistEntry::new(practice.practice_id, patient_id, wish, deps.clock.now());
    deps.store
        .write(vec![Write::WaitlistEntry(Box::new(entry.clone()))])
        .await?;
    Ok(json_response(StatusCode::CREATED, &entry))
}

pub async fn list(deps: &Deps, req: &Request) -> ApiResult<ApiGatewayV2httpResponse> {
    let (practice, _) = authenticate(deps, req, vec![]).await?;
    let items = deps.store.waitlist(&practice.practice_id).await?;
    Ok(json_response(
        StatusCode::OK,
        &serde_json::json!({ "items": items }),
    ))
}

pub async fn delete(deps: &Deps, req: &Request, id: &str) -> ApiResult<ApiGatewayV2httpResponse> {
    let entry_id = WaitlistEntryId::parse(id).map_err(|_| ApiError::NotFound("waitlist entry"))?;
    let (practice, fetched) =
        authenticate(deps, req, vec![Key::WaitlistEntry(entry_id.clone())]).await?;
    if fetched.waitlist_entry(&entry_id).is_none() {
        return Err(ApiError::NotFound("waitlist entry"));
    }
    deps.store
        .write(vec![Write::RemoveWaitlistEntry {
            practice_id: practice.practice_id,
            entry_id: entry_id.clone(),
        }])
        .await?;
    Ok(json_response(
        StatusCode::OK,
        &serde_json::json!({"entry_id": entry_id.as_str(), "deleted": true}),
    ))
}
