//! Patients: upsert (2 round trips: read practice + patient, then one transaction that
//! writes the patient, its phone index, one consent-history item per consent change and
//! its birthday and recall items, see `frontdesk::birthdays::plan` and
//! `frontdesk::recall::plan`),
//! get, and the timeline.

use aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use frontdesk::channel_healing::{self, HealedBy};
use frontdesk::domain::{
    Channel, ConsentBlock, ConsentChangeSource, ConsentEvent, ConsentSource, Consents,
    EmailAddress, MessageKind, Patient, PatientId, PhoneNumber, Practice,
};
use frontdesk::ports::{Expect, Key, Write};
use http::StatusCode;

use crate::auth::authenticate;
use crate::deps::Deps;
use crate::error::{ApiError, ApiResult};
use crate::etag;
use crate::http_io::{json_response, Request};
use crate::patient_sync::{self, Kept, PmsConsent};
use crate::wire::{PageOut, PatientIn, PatientOut, PutPatientOut};

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

fn name(field: &'static str, s: &str) -> ApiResult<String> {
    let t = s.trim();
    if t.is_empty() || t.chars().count() > 100 || t.chars().any(char::is_control) {
        return Err(ApiError::invalid(
            field,
            "must be 1 to 100 characters with no control characters",
        ));
    }
    Ok(t.to_string())
}

fn channel(field: &str, s: &str) -> ApiResult<Channel> {
    match s {
        "sms" => Ok(Channel::Sms),
        "email" => Ok(Channel::Email),
        "voice" => Ok(Channel::Voice),
        _ => Err(ApiError::invalid(
            field.to_string(),
            "must be one of sms, email, voice",
        )),
    }
}

fn kind(field: &str, s: &str) -> ApiResult<MessageKind> {
    match s {
        "care" => Ok(MessageKind::Care),
        "reviews" => Ok(MessageKind::Reviews),
        "marketing" => Ok(MessageKind::Marketing),
        _ => Err(ApiError::invalid(
            field.to_string(),
            "must be one of care, reviews, marketing",
        )),
    }
}

/// How far from today a `recall_due` may be, either way.
const RECALL_DUE_DAYS: i64 = 3660;

/// How far ahead of our clock a `consent_at` may be (the PMS's clock may run fast).
const CONSENT_AT_SKEW_MINUTES: i64 = 5;

/// Validates the input and merges it over the stored patient. Consent changes keep their
/// history: a grant that did not change keeps its original source and time, and what the
/// patient told us themselves stands (see `patient_sync`); the fields kept are returned.
fn build(
    practice: &Practice,
    existing: Option<&Patient>,
    patient_id: PatientId,
    input: PatientIn,
    now: DateTime<Utc>,
) -> ApiResult<(Patient, Vec<Kept>)> {
    let first_name = name("first_name", &input.first_name)?;
    let last_name = name("last_name", &input.last_name)?;
    let phone = input
        .phone
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(|s| PhoneNumber::parse(s, Some(practice.settings.country)))
        .transpose()?;
    let email = input
        .email
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(EmailAddress::parse)
        .transpose()?;
    let preferred = channel("preferred_channel", &input.preferred_channel)?;
    let source = match input.consent_source.as_deref() {
        None | Some("practice_staff") => ConsentSource::PracticeStaff,
        Some("patient_form") => ConsentSource::PatientForm,
        Some(_) => {
            return Err(ApiError::invalid(
                "consent_source",
                "must be practice_staff or patient_form (keywords are recorded by the patient's own texts)",
            ))
        }
    };
    let consent_at = input
        .consent_at
        .as_deref()
        .map(|s| {
            DateTime::parse_from_rfc3339(s)
                .ok()
                .map(|t| t.to_utc())
                .filter(|t| *t <= now + chrono::Duration::minutes(CONSENT_AT_SKEW_MINUTES))
                .ok_or_else(|| {
                    ApiError::invalid(
                        "consent_at",
                        "must be an RFC 3339 time with offset, not in the future: when the practice gathered these consents",
                    )
                })
        })
        .transpose()?;
    let time_zone = input
        .time_zone
        .as_deref()
        .map(|s| {
            s.parse::<Tz>().map_err(|_| {
                ApiError::invalid(
                    "time_zone",
                    "must be an IANA time zone such as America/Chicago",
                )
            })
        })
        .transpose()?;
    let birth_date = input
        .birth_date
        .as_deref()
        .map(|s| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .filter(|d| *d <= now.date_naive())
                .ok_or_else(|| ApiError::invalid("birth_date", "must be a past date as YYYY-MM-DD"))
        })
        .transpose()?;
    let recall_due = input
        .recall_due
        .as_deref()
        .map(|s| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .filter(|d| (*d - now.date_naive()).num_days().abs() <= RECALL_DUE_DAYS)
                .ok_or_else(|| {
                    ApiError::invalid(
                        "recall_due",
                        "must be a date as YYYY-MM-DD within 10 years of today",
                    )
                })
        })
        .transpose()?;

    let mut consents: Consents = existing.map(|e| e.consents.clone()).unwrap_or_default();
    let mut granted_care = Vec::new();
    for (ch, kinds) in &input.consents {
        let c = channel(&format!("consents.{ch}"), ch)?;
        for (k, granted) in kinds {
            let kd = kind(&format!("consents.{ch}.{k}"), k)?;
            if kd == MessageKind::Care && *granted {
                granted_care.push(c);
            }
            let unchanged = consents
                .0
                .get(&c)
                .and_then(|cc| cc.kinds.get(&kd))
                .is_some_and(|g| g.granted == *granted);
            if !unchanged {
                consents.set(c, kd, *granted, source, now);
            }
        }
    }

    let settled = patient_sync::reconcile(
        existing,
        preferred,
        &granted_care,
        &mut consents,
        PmsConsent {
            source,
            at: consent_at,
        },
    );

    let mut patient = Patient {
        channel_chosen_at: settled.channel_chosen_at,
        phone,
        email,
        consents,
        time_zone,
        birth_date,
        recall_due,
        voicemail_waiver: input.voicemail_waiver.unwrap_or(false),
        new_patient: input.new_patient.unwrap_or(false),
        ..Patient::new(
            practice.practice_id.clone(),
            patient_id,
            first_name,
            last_name,
            settled.preferred,
            now,
        )
    };
    if let Some(e) = existing {
        patient.voicemail_waiver = input.voicemail_waiver.unwrap_or(e.voicemail_waiver);
        patient.new_patient = input.new_patient.unwrap_or(e.new_patient);
        patient.no_show_count = e.no_show_count;
        patient.recent_automated = e.recent_automated.clone();
        patient.thread = e.thread.clone();
        patient.slot_offers = e.slot_offers.clone();
        patient.last_review_request_at = e.last_review_request_at;
        patient.open_feedback_task = e.open_feedback_task.clone();
        // A corrected number or address heals its channel; an unchanged one stays marked.
        patient.carry_health(e);
        patient.created_at = e.created_at;
        patient.version = e.version + 1;
    }
    check_preferred(&patient)?;
    Ok((patient, settled.kept))
}

/// The preferred channel must be usable: an address and consent for care messages (an
/// opt-out the patient made is theirs to lift, not a PMS error).
fn check_preferred(p: &Patient) -> ApiResult<()> {
    let ch = p.preferred_channel;
    if !p.has_address(ch) {
        let need = if ch == Channel::Email {
            "email"
        } else {
            "phone"
        };
        return Err(ApiError::invalid(
            "preferred_channel",
            format!("is {ch} but the patient has no {need}; send {need} or choose another channel"),
        ));
    }
    match p.consents.check(ch, MessageKind::Care) {
        Ok(()) => Ok(()),
        // Only a stored patient can have opted out: the opt-out stands, is reported in
        // `kept`, and automated messages on it become staff tasks until the patient opts in.
        Err(ConsentBlock::OptedOut) => Ok(()),
        Err(ConsentBlock::NoConsent) => Err(ApiError::invalid(
            "preferred_channel",
            format!("is {ch} but there is no consent for care messages on it; send consents.{ch}.care = true once the patient has agreed"),
        )),
    }
}
