//! Bulk upserts for a PMS's first load and nightly sync: `POST /v1/patients:batch` and
//! `POST /v1/appointments:batch`, up to 100 items each. Every item is validated and
//! written on its own (its own transaction, exactly as its single `PUT` would be), so one
//! bad item fails alone: the response has one result per item, in order, with its status
//! and either the stored resource or the error. Round trips: one read of every item's
//! stored state (BatchGetItem, 100 keys a request), then one transaction per item, at most
//! `CONCURRENCY` at a time.

use std::collections::BTreeSet;

use aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use frontdesk::domain::{AppointmentId, PatientId};
use frontdesk::ports::Key;
use futures_util::stream::{self, StreamExt};
use http::StatusCode;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::authenticate;
use crate::deps::Deps;
use crate::error::{ApiError, ApiResult};
use crate::http_io::{json_response, Request};
use crate::wire::{AppointmentIn, AppointmentOut, PatientIn, PatientOut, PutPatientOut};
use crate::{appointments, patients};

/// The most items one batch may hold.
pub const MAX_ITEMS: usize = 100;
/// Items written at once.
const CONCURRENCY: usize = 8;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchIn {
    items: Vec<Value>,
}

/// One item: its id (taken out of the object under `id_field`) and the rest as the
/// single-item body, or why it cannot be read.
fn split<T: DeserializeOwned>(
    index: usize,
    item: Value,
    id_field: &'static str,
) -> ApiResult<(String, T)> {
    let Value::Object(mut map) = item else {
        return Err(ApiError::invalid(
            format!("items[{index}]"),
            "must be an object",
        ));
    };
    let id = match map.remove(id_field) {
        Some(Value::String(s)) => s,
        _ => {
            return Err(ApiError::invalid(
                format!("items[{index}].{id_field}"),
                "is required (a string)",
            ))
        }
    };
    let body: T = serde_json::from_value(Value::Object(map))
        .map_err(|e| ApiError::invalid(format!("items[{index}]"), e.to_string()))?;
    Ok((id, body))
}

fn items(req: &Request) -> ApiResult<Vec<Value>> {
    let batch: BatchIn = req.json()?;
    if batch.items.is_empty() || batch.items.len() > MAX_ITEMS {
        return Err(ApiError::invalid(
            "items",
            format!("must hold 1 to {MAX_ITEMS} items; split larger loads into several batches"),
        ));
    }
    Ok(batch.items)
}

/// A failed item's result.
fn failed(index: usize, id_field: &str, id: Option<&str>, e: &ApiError) -> Value {
    let mut out =
        json!({"index": index, "status": e.status().as_u16(), "error": e.body()["error"]});
    out[id_field] = id.map_or(Value::Null, |s| Value::String(s.to_string()));
    out
}

fn summary(results: Vec<Value>) -> ApiGatewayV2httpResponse {
    let ok = results
        .iter()
        .filter(|r| r["status"].as_u64().is_some_and(|s| s < 300))
        .count();
    json_response(
        StatusCode::OK,
        &json!({"succeeded": ok, "failed": results.len() - ok, "results": results}),
    )
}

/// Marks every id after its first appearance as a duplicate.
fn first_seen(ids: &[Option<String>]) -> Vec<bool> {
    let mut seen = BTreeSet::new();
    ids.iter()
        .map(|id| id.as_ref().is_none_or(|i| seen.insert(i.clone())))
        .collect()
}

fn duplicate(index: usize, field: &str) -> ApiError {
    ApiError::invalid(
        format!("items[{index}].{field}"),
        "appears earlier in this batch; send each one once",
    )
}

/// Each item split into its id (as sent, and parsed with `parse_id`) and body, and whether
/// it is the first item with its id.
#[allow(clippy::type_complexity)]
fn parse_items<Id, Body: DeserializeOwned>(
    raw: Vec<Value>,
    field: &'static str,
    parse_id: impl Fn(&str) -> ApiResult<Id>,
) -> (Vec<(Option<String>, ApiResult<(Id, Body)>)>, Vec<bool>) {
    let parsed: Vec<(Option<String>, ApiResult<(Id, Body)>)> = raw
        .into_iter()
        .enumerate()
        .map(|(i, item)| match split::<Body>(i, item, field) {
            Ok((id, body)) => (Some(id.clone()), parse_id(&id).map(|p| (p, body))),
            Err(e) => (None, Err(e)),
        })
        .collect();
    let firsts = first_seen(&parsed.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>());
    (parsed, firsts)
}

pub async fn patients(deps: &Deps, req: &Request) -> ApiResult<ApiGatewayV2httpResponse> {
    let raw = items(req)?;
    let (practice, _) = authenticate(deps, req, vec![]).await?;
    let (parsed, firsts) = parse_items::<PatientId, PatientIn>(raw, "patient_id", |id| {
        PatientId::parse(id).map_err(ApiError::from)
    });
    // BatchGetItem refuses duplicate keys: each id once.
    let ids: BTreeSet<PatientId> = parsed
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok().map(|(id, _)| id.clone()))
        .collect();
    let keys: Vec<Key> = ids.into_iter().map(Key::Patient).collect();
    let fetched = deps.store.get_many(&practice.practice_id, &keys).await?;
    let practice = &practice;
    let fetched = &fetched;
    let results = stream::iter(parsed.into_iter().zip(firsts).enumerate())
        .map(|(i, ((raw_id, item), first))| async move {
            let result = match item {
                Err(e) => Err(e),
                Ok(_) if !first => Err(duplicate(i, "patient_id")),
                Ok((id, body)) => {
                    let existing = fetched.patient(&id);
                    patients::upsert(deps, practice, existing, id, body).await
                }
            };
            match result {
                Ok((status, patient, kept)) => {
                    let out = PutPatientOut {
                        patient: PatientOut::from(&patient),
                        kept,
                    };
                    json!({"index": i, "patient_id": patient.patient_id.as_str(), "status": status.as_u16(), "patient": out})
                }
                Err(e) => failed(i, "patient_id", raw_id.as_deref(), &e),
            }
        })
        .buffered(CONCURRENCY)
        .collect::<Vec<Value>>()
        .await;
    Ok(summary(results))
}

pub async fn appointments(deps: &Deps, req: &Request) -> ApiResult<ApiGatewayV2httpResponse> {
    let raw = items(req)?;
    let (practice, _) = authenticate(deps, req, vec![]).await?;
    let (parsed, firsts) =
        parse_items::<AppointmentId, AppointmentIn>(raw, "appointment_id", |id| {
            AppointmentId::parse(id).map_err(ApiError::from)
        });
    // BatchGetItem refuses duplicate keys: each id once.
    let mut appointment_ids = BTreeSet::new();
    let mut patient_ids = BTreeSet::new();
    for (_, r) in &parsed {
        if let Ok((id, body)) = r {
            appointment_ids.insert(id.clone());
            if let Ok(p) = PatientId::parse(&body.patient_id) {
                patient_ids.insert(p);
            }
        }
    }
    let keys: Vec<Key> = appointment_ids
        .into_iter()
        .map(Key::Appointment)
        .chain(patient_ids.into_iter().map(Key::Patient))
        .collect();
    let fetched = deps.store.get_many(&practice.practice_id, &keys).await?;
    let practice = &practice;
    let fetched = &fetched;
    let results = stream::iter(parsed.into_iter().zip(firsts).enumerate())
        .map(|(i, ((raw_id, item), first))| async move {
            let result = match item {
                Err(e) => Err(e),
                Ok(_) if !first => Err(duplicate(i, "appointment_id")),
                Ok((id, body)) => appointments::upsert(deps, practice, fetched, id, body).await,
            };
            match result {
                Ok((status, appt)) => json!({
                    "index": i,
                    "appointment_id": appt.appointment_id.as_str(),
                    "status": status.as_u16(),
                    "appointment": AppointmentOut::from(&appt),
                }),
                Err(e) => failed(i, "appointment_id", raw_id.as_deref(), &e),
            }
        })
        .buffered(CONCURRENCY)
        .collect::<Vec<Value>>()
        .await;
    Ok(summary(results))
}
