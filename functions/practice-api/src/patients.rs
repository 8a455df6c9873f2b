//! Patients: upsert (2 round trips: read practice + patient, then one transaction that
//! writes the patient, its phone index, one consent-history item per consent change and
//! its birthday and recall items, see `frontdesk::birthdays::plan` and
//! `frontdesk::recall::plan`),
//! get, and the timeline.

use aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use frontdesk::channel_healing::{self, HealedBy};
use frontdesk::domain::{ConsentChangeSource, ConsentEvent, Patient, PatientId, Practice};
use frontdesk::ports::{Expect, Key, Write};
use http::StatusCode;

use crate::auth::authenticate;
use crate::deps::Deps;
use crate::error::{ApiError, ApiResult};
use crate::etag;
use crate::http_io::{json_response, Request};
use crate::patient_sync::Kept;
use crate::wire::{PageOut, PatientIn, PatientOut, PutPatientOut};

mod body;

use body::build;

pub const DEFAULT_PAGE: usize = 50;
pub const MAX_PAGE: usize = 200;

pub async fn put(deps: &Deps, req: &Request, id: &str) -> ApiResult<ApiGatewayV2httpResponse> {
    let patient_id = PatientId::parse(id)?;
    let input: PatientIn = req.json()?;
    let (practice, fetched) =
        authenticate(deps, req, vec![Key::Patient(patient_id.clone())]).await?;
    let existing = fetched.patient(&patient_id);
    etag::check_if_match(
        req,
        existing.map(|e| etag::of_version(e.version)).as_deref(),
    )?;
    let (status, patient, kept) = upsert(deps, &practice, existing, patient_id, input).await?;
    let resp = json_response(
        status,
        &PutPatientOut {
            patient: PatientOut::from(&patient),
            kept,
        },
    );
    Ok(etag::tagged(resp, &etag::of_version(patient.version)))
}

/// Validates one patient over the stored one and writes it (one transaction: the
/// patient, its phone index, its consent-history entries). 201 when new, else 200.
pub(crate) async fn upsert(
    deps: &Deps,
    practice: &Practice,
    existing: Option<&Patient>,
    patient_id: PatientId,
    input: PatientIn,
) -> ApiResult<(StatusCode, Patient, Vec<Kept>)> {
    let now = deps.clock.now();
    let (patient, kept) = build(practice, existing, patient_id, input, now)?;
    let previous_phone = existing
        .and_then(|e| e.phone.clone())
        .filter(|old| Some(old) != patient.phone.as_ref());
    let expect = existing.map_or(Expect::Absent, |e| Expect::Version(e.version));
    let mut writes = vec![Write::Patient {
        patient: Box::new(patient.clone()),
        expect,
        previous_phone,
    }];
    // Every consent change, appended to the history in the same transaction.
    writes.extend(
        ConsentEvent::between(
            &practice.practice_id,
            &patient.patient_id,
            existing.map(|e| &e.consents),
            &patient.consents,
            &ConsentChangeSource::Pms,
            now,
        )
        .into_iter()
        .map(|e| Write::ConsentEvent(Box::new(e))),
    );
    // The patient's one birthday item, replaced (or removed with the birth date).
    writes.extend(frontdesk::birthdays::plan(
        &patient,
        existing,
        &practice.settings,
        now,
    ));
    // A new or changed recall date starts its series again (an unchanged one leaves it).
    writes.extend(frontdesk::recall::plan(
        &patient,
        existing,
        &practice.settings,
        now,
    ));
    deps.store.write(writes).await?;
    if let Some(e) = existing {
        close_healed(deps, practice, e, &patient, now).await;
    }
    let status = if existing.is_some() {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, patient, kept))
}

/// A corrected number or address healed its channel: its "fix the contact" task closes,
/// recorded on the timeline. Best effort after the patient's write (a failure leaves the
/// task for staff to resolve, and is logged without PHI).
async fn close_healed(
    deps: &Deps,
    practice: &Practice,
    before: &Patient,
    after: &Patient,
    now: chrono::DateTime<chrono::Utc>,
) {
    let healed = channel_healing::healed(before, after);
    if let Err(e) = channel_healing::close_fix_tasks(
        deps.store.as_ref(),
        &practice.practice_id,
        &healed,
        HealedBy::CorrectedContact,
        now,
    )
    .await
    {
        tracing::warn!(
            practice_id = %practice.practice_id,
            error = %e,
            "the fix-the-contact task of a corrected contact could not be closed; staff can resolve it"
        );
    }
}

pub async fn get(deps: &Deps, req: &Request, id: &str) -> ApiResult<ApiGatewayV2httpResponse> {
    let patient_id = PatientId::parse(id).map_err(|_| ApiError::NotFound("patient"))?;
    let (_, fetched) = authenticate(deps, req, vec![Key::Patient(patient_id.clone())]).await?;
    let p = fetched
        .patient(&patient_id)
        .ok_or(ApiError::NotFound("patient"))?;
    let resp = json_response(StatusCode::OK, &PatientOut::from(p));
    Ok(etag::tagged(resp, &etag::of_version(p.version)))
}

/// `GET /v1/patients/{id}/timeline?cursor=&limit=`: every message, every channel, oldest
/// first, with the decision behind each outbound one.
pub async fn timeline(deps: &Deps, req: &Request, id: &str) -> ApiResult<ApiGatewayV2httpResponse> {
    let patient_id = PatientId::parse(id).map_err(|_| ApiError::NotFound("patient"))?;
    let limit = page_limit(req)?;
    let (practice, fetched) =
        authenticate(deps, req, vec![Key::Patient(patient_id.clone())]).await?;
    fetched
        .patient(&patient_id)
        .ok_or(ApiError::NotFound("patient"))?;
    let page = deps
        .store
        .timeline(
            &practice.practice_id,
            &patient_id,
            req.query("cursor"),
            limit,
        )
        .await?;
    Ok(json_response(
        StatusCode::OK,
        &PageOut {
            items: page.items,
            next_cursor: page.next,
        },
    ))
}

pub fn page_limit(req: &Request) -> ApiResult<usize> {
    match req.query("limit") {
        None => Ok(DEFAULT_PAGE),
        Some(s) => match s.parse::<usize>() {
            Ok(n) if (1..=MAX_PAGE).contains(&n) => Ok(n),
            _ => Err(ApiError::invalid(
                "limit",
                format!("must be a whole number from 1 to {MAX_PAGE}"),
            )),
        },
    }
}
