//! The lists a PMS syncs from: `GET /v1/patients` and `GET /v1/appointments` (cursor pages
//! in id order, one Query each; with `updated_since`, in change order from the change
//! index, one Query per day of changes), and `GET /v1/appointments?date=YYYY-MM-DD`, the day's
//! schedule in the practice's time zone with each visit's confirmation state and risk
//! flags (one Query per UTC day the local day touches, then one BatchGetItem per 100
//! patients). Never a Scan.

use std::collections::{BTreeMap, BTreeSet};

use aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use frontdesk::domain::{
    Appointment, AppointmentStatus, Channel, ConsentBlock, MessageKind, Patient, PatientId,
};
use frontdesk::ports::{ChangeKind, Item, Key};
use http::StatusCode;
use serde::Serialize;

use crate::auth::authenticate;
use crate::deps::Deps;
use crate::error::{ApiError, ApiResult};
use crate::http_io::{json_response, Request};
use crate::patients::page_limit;
use crate::wire::{AppointmentOut, PageOut, PatientOut};

/// Patients read per BatchGetItem.
const BATCH: usize = 100;

/// How far back `updated_since` may reach; older syncs start again from the full list.
const MAX_LOOKBACK_DAYS: i64 = 366;

/// `updated_since`, if given: RFC 3339, not in the future, at most a year back.
fn updated_since(req: &Request, now: DateTime<Utc>) -> ApiResult<Option<DateTime<Utc>>> {
    let Some(raw) = req.query("updated_since") else {
        return Ok(None);
    };
    DateTime::parse_from_rfc3339(raw)
        .ok()
        .map(|t| t.to_utc())
        .filter(|t| *t <= now && now - *t <= Duration::days(MAX_LOOKBACK_DAYS))
        .map(Some)
        .ok_or_else(|| {
            ApiError::invalid(
                "updated_since",
                format!("must be an RFC 3339 time (e.g. 2026-03-01T00:00:00Z) within the last {MAX_LOOKBACK_DAYS} days; for older, page the full list"),
            )
        })
}

/// One page of the change feed, as the list's items.
async fn changes(
    deps: &Deps,
    req: &Request,
    what: ChangeKind,
    since: DateTime<Utc>,
    limit: usize,
) -> ApiResult<ApiGatewayV2httpResponse> {
    let (practice, _) = authenticate(deps, req, vec![]).await?;
    let page = deps
        .store
        .changed_since(
            &practice.practice_id,
            what,
            since,
            deps.clock.now(),
            req.query("cursor"),
            limit,
        )
        .await?;
    let items: Vec<serde_json::Value> = page
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Patient(p) => serde_json::to_value(PatientOut::from(p.as_ref())).ok(),
            Item::Appointment(a) => serde_json::to_value(AppointmentOut::from(a.as_ref())).ok(),
            _ => None,
        })
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &PageOut {
            items,
            next_cursor: page.next,
        },
    ))
}

pub async fn patients(deps: &Deps, req: &Request) -> ApiResult<ApiGatewayV2httpResponse> {
    let limit = page_limit(req)?;
    if let Some(since) = updated_since(req, deps.clock.now())? {
        return changes(deps, req, ChangeKind::Patients, since, limit).await;
    }
    let (practice, _) = authenticate(deps, req, vec![]).await?;
    let page = deps
        .store
        .patients_page(&practice.practice_id, req.query("cursor"), limit)
        .await?;
    Ok(json_response(
        StatusCode::OK,
        &PageOut {
            items: page.items.iter().map(PatientOut::from).collect(),
            next_cursor: page.next,
        },
    ))
}

pub async fn appointments(deps: &Deps, req: &Request) -> ApiResult<ApiGatewayV2httpResponse> {
    if let Some(date) = req.query("date") {
        let day = NaiveDate::parse_from_str(date, "%Y-%m-%d")
            .map_err(|_| ApiError::invalid("date", "must be a date as YYYY-MM-DD"))?;
        return schedule(deps, req, day).await;
    }
    let limit = page_limit(req)?;
    if let Some(since) = updated_since(req, deps.clock.now())? {
        return changes(deps, req, ChangeKind::Appointments, since, limit).await;
    }
    let (practice, _) = authenticate(deps, req, vec![]).await?;
    let page = deps
        .store
        .appointments_page(&practice.practice_id, req.query("cursor"), limit)
        .await?;
    Ok(json_response(
        StatusCode::OK,
        &PageOut {
            items: page.items.iter().map(AppointmentOut::from).collect(),
            next_cursor: page.next,
        },
    ))
}

/// Whether the patient has confirmed a visit that is still to happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConfirmationState {
    Confirmed,
    Unconfirmed,
    /// Checked in, completed, cancelled or a no-show: nothing to confirm.
    NotApplicable,
}

/// What staff should look at before the visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskFlag {
    /// Scheduled and not confirmed.
    Unconfirmed,
    /// The patient missed a visit before.
    PreviousNoShow,
    /// The patient opted out of their preferred channel: reminders become staff tasks.
    OptedOut,
    /// No consent for care messages on the preferred channel.
    NoConsent,
    /// No phone or email for the preferred channel.
    NoAddress,
    /// The patient prefers calls: reminders are staff call tasks.
    CallsOnly,
    NewPatient,
    /// The patient record is missing (pushed before its patient, or erased).
    UnknownPatient,
}

#[derive(Debug, Serialize)]
struct ScheduledOut<'a> {
    #[serde(flatten)]
    appointment: AppointmentOut<'a>,
    confirmation_state: ConfirmationState,
    risk_flags: Vec<RiskFlag>,
}

#[derive(Debug, Serialize)]
struct ScheduleOut<'a> {
    date: NaiveDate,
    time_zone: &'a str,
    items: Vec<ScheduledOut<'a>>,
    next_cursor: Option<String>,
}

/// The flags of one visit. Pure.
pub fn risk_flags(a: &Appointment, patient: Option<&Patient>) -> Vec<RiskFlag> {
    let mut flags = BTreeSet::new();
    if a.status == AppointmentStatus::Scheduled && a.confirmation.is_none() {
        flags.insert(RiskFlag::Unconfirmed);
    }
    match patient {
        None => {
            flags.insert(RiskFlag::UnknownPatient);
        }
        Some(p) => {
            if p.no_show_count > 0 {
                flags.insert(RiskFlag::PreviousNoShow);
            }
            if p.new_patient {
                flags.insert(RiskFlag::NewPatient);
            }
            let ch = p.preferred_channel;
            if ch == Channel::Voice {
                flags.insert(RiskFlag::CallsOnly);
            } else if !p.has_address(ch) {
                flags.insert(RiskFlag::NoAddress);
            } else {
                match p.consents.check(ch, MessageKind::Care) {
                    Ok(()) => {}
                    Err(ConsentBlock::OptedOut) => {
                        flags.insert(RiskFlag::OptedOut);
                    }
                    Err(ConsentBlock::NoConsent) => {
                        flags.insert(RiskFlag::NoConsent);
                    }
                }
            }
        }
    }
    flags.into_iter().collect()
}

fn confirmation_state(a: &Appointment) -> ConfirmationState {
    match (a.status, &a.confirmation) {
        (AppointmentStatus::Scheduled, Some(_)) => ConfirmationState::Confirmed,
        (AppointmentStatus::Scheduled, None) => ConfirmationState::Unconfirmed,
        _ => ConfirmationState::NotApplicable,
    }
}

/// The UTC instant a local date starts at (the first valid instant on a DST gap).
fn local_midnight(tz: Tz, day: NaiveDate) -> DateTime<Utc> {
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    (0..4)
        .find_map(|h| {
            tz.from_local_datetime(&(midnight + Duration::hours(h)))
                .earliest()
        })
        .map(|t| t.to_utc())
        .unwrap_or_else(|| midnight.and_utc())
}

async fn schedule(
    deps: &Deps,
    req: &Request,
    day: NaiveDate,
) -> ApiResult<ApiGatewayV2httpResponse> {
    let (practice, _) = authenticate(deps, req, vec![]).await?;
    let tz = practice.settings.time_zone;
    let next = day
        .succ_opt()
        .ok_or_else(|| ApiError::invalid("date", "is out of range"))?;
    let visits = deps
        .store
        .appointments_starting(
            &practice.practice_id,
            local_midnight(tz, day),
            local_midnight(tz, next),
        )
        .await?;
    let ids: BTreeSet<PatientId> = visits.iter().map(|a| a.patient_id.clone()).collect();
    let ids: Vec<PatientId> = ids.into_iter().collect();
    let mut patients: BTreeMap<PatientId, Patient> = BTreeMap::new();
    for chunk in ids.chunks(BATCH) {
        let keys: Vec<Key> = chunk.iter().cloned().map(Key::Patient).collect();
        let fetched = deps.store.get_many(&practice.practice_id, &keys).await?;
        for id in chunk {
            if let Some(p) = fetched.patient(id) {
                patients.insert(id.clone(), p.clone());
            }
        }
    }
    let items = visits
        .iter()
        .map(|a| ScheduledOut {
            appointment: AppointmentOut::from(a),
            confirmation_state: confirmation_state(a),
            risk_flags: risk_flags(a, patients.get(&a.patient_id)),
        })
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &ScheduleOut {
            date: day,
            time_zone: tz.name(),
            items,
            next_cursor: None,
        },
    ))
}
