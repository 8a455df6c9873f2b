//! The patient body: validated and merged over the stored patient (`build`), and the
//! preferred channel checked for an address and consent.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use frontdesk::domain::{
    Channel, ConsentBlock, ConsentSource, Consents, EmailAddress, MessageKind, Patient, PatientId,
    PhoneNumber, Practice,
};

use crate::error::{ApiError, ApiResult};
use crate::patient_sync::{self, Kept, PmsConsent};
use crate::wire::PatientIn;

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
pub(super) fn build(
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
