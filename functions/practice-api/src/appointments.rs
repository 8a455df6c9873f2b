//! Appointments: upsert (2 round trips: read practice + appointment + patient, then one
//! transaction writing the appointment and replacing its due work), get, and the
//! check-in / complete / cancel actions. A visit completed (either way) whose kind has a
//! recall interval sets the patient's `recall_due` in the same batch (`recall_after_visit`).

use aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use chrono::{DateTime, Utc};
use frontdesk::domain::{
    Appointment, AppointmentChange, AppointmentId, AppointmentStatus, Patient, PatientId, Practice,
    SlotReason,
};
use frontdesk::ports::{Expect, Fetched, Key, Write};
use frontdesk::{keys, planning, waitlist};
use http::StatusCode;

use crate::arrivals::late_arrival_writes;
use crate::auth::authenticate;
use crate::deps::Deps;
use crate::error::{ApiError, ApiResult};
use crate::etag;
use crate::http_io::{json_response, Request};
use crate::router::AppointmentAction;
use crate::wire::{AppointmentIn, AppointmentOut};

pub async fn put(deps: &Deps, req: &Request, id: &str) -> ApiResult<ApiGatewayV2httpResponse> {
    let appointment_id = AppointmentId::parse(id)?;
    let input: AppointmentIn = req.json()?;
    let patient_id = PatientId::parse(input.patient_id.as_str())?;
    let (practice, fetched) = authenticate(
        deps,
        req,
        vec![
            Key::Appointment(appointment_id.clone()),
            Key::Patient(patient_id),
        ],
    )
    .await?;
    let existing = fetched.appointment(&appointment_id);
    etag::check_if_match(
        req,
        existing.map(|e| etag::of_version(e.version)).as_deref(),
    )?;
    let (status, appt) = upsert(deps, &practice, &fetched, appointment_id, input).await?;
    let resp = json_response(status, &AppointmentOut::from(&appt));
    Ok(etag::tagged(resp, &etag::of_version(appt.version)))
}

/// Validates one appointment against the stored one and its patient (both in `fetched`)
/// and writes it with its re-planned due work, in one transaction. 201 when new.
pub(crate) async fn upsert(
    deps: &Deps,
    practice: &Practice,
    fetched: &Fetched,
    appointment_id: AppointmentId,
    input: AppointmentIn,
) -> ApiResult<(StatusCode, Appointment)> {
    let patient_id = PatientId::parse(input.patient_id.as_str())?;
    let starts_at = DateTime::parse_from_rfc3339(&input.starts_at)
        .map_err(|_| {
            ApiError::invalid(
                "starts_at",
                "must be RFC 3339 with an offset, e.g. 2026-03-10T14:00:00-05:00",
            )
        })?
        .to_utc();
    let duration_minutes = u32::try_from(input.duration_minutes)
        .ok()
        .filter(|d| (1..=24 * 60).contains(d))
        .ok_or_else(|| ApiError::invalid("duration_minutes", "must be from 1 to 1440"))?;
    let provider = short_text("provider", input.provider)?;
    let kind = short_text("kind", input.kind)?;
    let requested_status = input.status.as_deref().map(parse_status).transpose()?;
    let patient = fetched.patient(&patient_id).ok_or_else(|| {
        ApiError::invalid(
            "patient_id",
            "no such patient in this practice; PUT the patient first",
        )
    })?;
    let now = deps.clock.now();
    let existing = fetched.appointment(&appointment_id);

    let change = AppointmentChange {
        patient_id: patient_id.clone(),
        starts_at,
        duration_minutes,
        provider,
        kind,
        status: requested_status,
    };
    let mut appt = match existing {
        None => Appointment::new(
            practice.practice_id.clone(),
            appointment_id.clone(),
            change,
            now,
        ),
        Some(old) => old
            .upsert(change, now)
            .map_err(|refused| ApiError::Conflict(refused.to_string()))?,
    };
    let replan = existing.is_none_or(|old| old.needs_replan(&appt));
    let mut writes = if replan {
        replan_writes(&mut appt, practice, Some(patient), now)
    } else {
        vec![]
    };
    if let Some(old) = existing {
        // `status=checked_in` (or `completed`) after a no-show is a late arrival too.
        writes.extend(late_arrival_writes(deps, practice, old, appt.status, now).await?);
        if old.status != AppointmentStatus::Cancelled && appt.status == AppointmentStatus::Cancelled
        {
            // The freed slot goes to the waitlist (see `frontdesk::waitlist`).
            writes.extend(waitlist::free_slot(&appt, SlotReason::Cancelled, now));
        }
    }
    if existing.is_none_or(|old| old.status != AppointmentStatus::Completed) {
        recall_after_visit(deps, practice, &appt, Some(patient), &mut writes, now).await?;
    }
    writes.push(Write::Appointment {
        appointment: Box::new(appt.clone()),
        expect: existing.map_or(Expect::Absent, |e| Expect::Version(e.version)),
    });
    deps.store.write(writes).await?;
    let status = if existing.is_some() {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, appt))
}

pub async fn get(deps: &Deps, req: &Request, id: &str) -> ApiResult<ApiGatewayV2httpResponse> {
    let appointment_id = AppointmentId::parse(id).map_err(|_| ApiError::NotFound("appointment"))?;
    let (_, fetched) =
        authenticate(deps, req, vec![Key::Appointment(appointment_id.clone())]).await?;
    let a = fetched
        .appointment(&appointment_id)
        .ok_or(ApiError::NotFound("appointment"))?;
    let resp = json_response(StatusCode::OK, &AppointmentOut::from(a));
    Ok(etag::tagged(resp, &etag::of_version(a.version)))
}

/// Check-in, complete, cancel. Arriving after a no-show (check-in or complete) is a late
/// arrival: see `frontdesk::arrival`.
pub async fn act(
    deps: &Deps,
    req: &Request,
    id: &str,
    action: AppointmentAction,
) -> ApiResult<ApiGatewayV2httpResponse> {
    let appointment_id = AppointmentId::parse(id).map_err(|_| ApiError::NotFound("appointment"))?;
    let (practice, fetched) =
        authenticate(deps, req, vec![Key::Appointment(appointment_id.clone())]).await?;
    let old = fetched
        .appointment(&appointment_id)
        .ok_or(ApiError::NotFound("appointment"))?;
    let next = match action {
        AppointmentAction::CheckIn => AppointmentStatus::CheckedIn,
        AppointmentAction::Complete => AppointmentStatus::Completed,
        AppointmentAction::Cancel => AppointmentStatus::Cancelled,
    };
    if old.status == next {
        return Ok(json_response(StatusCode::OK, &AppointmentOut::from(old)));
    }
    let now = deps.clock.now();
    let mut appt = old.clone();
    appt.status = old.status.transition(next)?;
    appt.updated_at = now;
    appt.version = old.version + 1;
    let mut writes = replan_writes(&mut appt, &practice, None, now);

    // A no-show who arrives after all (check-in or complete): see `frontdesk::arrival`.
    writes.extend(late_arrival_writes(deps, &practice, old, next, now).await?);
    if next == AppointmentStatus::Cancelled {
        // The freed slot goes to the waitlist (see `frontdesk::waitlist`).
        writes.extend(waitlist::free_slot(&appt, SlotReason::Cancelled, now));
    }
    recall_after_visit(deps, &practice, &appt, None, &mut writes, now).await?;
    writes.push(Write::Appointment {
        appointment: Box::new(appt.clone()),
        expect: Expect::Version(old.version),
    });
    deps.store.write(writes).await?;
    Ok(json_response(StatusCode::OK, &AppointmentOut::from(&appt)))
}

/// A visit just completed whose kind has a recall interval (settings `recall`) sets the
/// patient's `recall_due` and plans the series (`frontdesk::recall::after_visit`), in the
/// completion's batch. The patient as the batch leaves them: a late arrival's write of
/// them is changed in place (one write per item); else `patient`, or read (R1) when the
/// interval applies. A patient changed meanwhile conflicts (409: retry).
async fn recall_after_visit(
    deps: &Deps,
    practice: &Practice,
    appt: &Appointment,
    patient: Option<&Patient>,
    writes: &mut Vec<Write>,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let settings = &practice.settings;
    if appt.status != AppointmentStatus::Completed
        || !settings
            .recall
            .iter()
            .any(|r| r.matches(appt.kind.as_deref()))
    {
        return Ok(());
    }
    let in_batch = writes.iter().position(
        |w| matches!(w, Write::Patient { patient: p, .. } if p.patient_id == appt.patient_id),
    );
    if let Some(i) = in_batch {
        if let Write::Patient {
            patient: p,
            expect: Expect::Version(seen),
            ..
        } = &writes[i]
        {
            let mut base = (**p).clone();
            base.version = *seen;
            let mut more = frontdesk::recall::after_visit(appt, &base, settings, now);
            if let Some(Write::Patient { .. }) = more.last() {
                if let Some(w) = more.pop() {
                    writes[i] = w;
                }
            }
            writes.extend(more);
        }
        return Ok(());
    }
    let read;
    let patient = match patient {
        Some(p) => p,
        None => {
            read = deps
                .store
                .get_many(
                    &practice.practice_id,
                    &[Key::Patient(appt.patient_id.clone())],
                )
                .await?;
            match read.patient(&appt.patient_id) {
                Some(p) => p,
                None => return Ok(()),
            }
        }
    };
    writes.extend(frontdesk::recall::after_visit(appt, patient, settings, now));
    Ok(())
}

/// Replaces the appointment's planned due work with what its current state calls for
/// (for its patient, when read: their zone and a new patient's earlier red flag).
fn replan_writes(
    appt: &mut Appointment,
    practice: &Practice,
    patient: Option<&Patient>,
    now: DateTime<Utc>,
) -> Vec<Write> {
    let planned = match patient {
        Some(p) => planning::plan_for(appt, p, &practice.settings, now),
        None => planning::plan(appt, practice.settings.time_zone, &practice.settings, now),
    };
    let new_keys: Vec<String> = planned.iter().map(keys::due_key_of).collect();
    let mut writes: Vec<Write> = appt
        .planned_due
        .iter()
        .filter(|old| !new_keys.contains(old))
        .map(|old| Write::RemoveDue {
            practice_id: appt.practice_id.clone(),
            due_key: old.clone(),
        })
        .collect();
    writes.extend(planned.into_iter().map(|d| Write::Due(Box::new(d))));
    appt.planned_due = new_keys;
    writes
}

fn parse_status(s: &str) -> ApiResult<AppointmentStatus> {
    Ok(match s {
        "scheduled" => AppointmentStatus::Scheduled,
        "checked_in" => AppointmentStatus::CheckedIn,
        "completed" => AppointmentStatus::Completed,
        "cancelled" => AppointmentStatus::Cancelled,
        "no_show" => AppointmentStatus::NoShow,
        _ => {
            return Err(ApiError::invalid(
                "status",
                "must be one of scheduled, checked_in, completed, cancelled, no_show",
            ))
        }
    })
}

fn short_text(field: &'static str, v: Option<String>) -> ApiResult<Option<String>> {
    match v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()) {
        Some(s) if s.chars().count() > 100 || s.chars().any(char::is_control) => {
            Err(ApiError::invalid(
                field,
                "must be at most 100 characters with no control characters",
            ))
        }
        other => Ok(other),
    }
}
