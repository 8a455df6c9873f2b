//! The records tests start from, each built in exactly one place: a practice in New York,
//! a patient with an address on every channel and care consent on the chosen one, and an
//! appointment. Change what a test needs on the returned value.

use chrono::{DateTime, Utc};
use frontdesk::domain::{
    Appointment, AppointmentChange, AppointmentId, Channel, ConsentSource, Consents, EmailAddress,
    MessageKind, Patient, PatientId, PhoneNumber, Practice, PracticeId, PracticeSettings,
    ProviderSecrets,
};

use crate::time::utc;

/// When the fixtures were created.
pub const CREATED: &str = "2026-01-01T00:00:00Z";
pub const PRACTICE_SMS: &str = "+12125550100";
pub const PATIENT_PHONE: &str = "+12125550143";

pub fn phone(s: &str) -> PhoneNumber {
    PhoneNumber::parse_e164(s).expect("an E.164 test number")
}

pub fn email(s: &str) -> EmailAddress {
    EmailAddress::parse(s).expect("a test email address")
}

pub fn practice_id(id: &str) -> PracticeId {
    PracticeId::parse(id).expect("a practice id")
}

/// "Smile Dental", New York, with an SMS number and a sender; `settings` adjusts the rest.
/// Due work at its exact times (`spread_minutes: 0`): tests that spread set it.
pub fn practice(id: &str, settings: impl FnOnce(&mut PracticeSettings)) -> Practice {
    let mut s = PracticeSettings {
        name: "Smile Dental".into(),
        time_zone: chrono_tz::America::New_York,
        sms_number: Some(phone(PRACTICE_SMS)),
        email_from: Some(email("front@smile.example")),
        spread_minutes: 0,
        ..Default::default()
    };
    settings(&mut s);
    practice_with(id, s, ProviderSecrets::default(), utc(CREATED))
}

/// A practice with exactly these settings and provider secrets.
pub fn practice_with(
    id: &str,
    settings: PracticeSettings,
    sms_provider: ProviderSecrets,
    at: DateTime<Utc>,
) -> Practice {
    Practice {
        practice_id: practice_id(id),
        settings,
        sms_provider,
        api_keys: vec![],
        created_at: at,
        updated_at: at,
    }
}

/// A patient of `practice` who prefers `channel`, with a phone and an email, and care
/// consent on `channel` from the patient's form.
pub fn patient(practice: &str, id: &str, channel: Channel) -> Patient {
    let t = utc(CREATED);
    let mut consents = Consents::default();
    consents.set(
        channel,
        MessageKind::Care,
        true,
        ConsentSource::PatientForm,
        t,
    );
    Patient {
        phone: Some(phone(PATIENT_PHONE)),
        email: Some(email("ana@example.org")),
        consents,
        ..Patient::new(
            practice_id(practice),
            PatientId::parse(id).expect("a patient id"),
            "Ana",
            "Lopez",
            channel,
            t,
        )
    }
}

/// A scheduled 30-minute visit of `patient` starting at `starts_at` (RFC 3339).
pub fn appointment(id: &str, patient: &Patient, starts_at: &str) -> Appointment {
    visit(id, patient, utc(starts_at), utc(CREATED))
}

/// A scheduled 30-minute root canal with Dr. Gum of `patient` at `starts_at`, booked at
/// `booked`.
pub fn visit(
    id: &str,
    patient: &Patient,
    starts_at: DateTime<Utc>,
    booked: DateTime<Utc>,
) -> Appointment {
    let change = AppointmentChange {
        patient_id: patient.patient_id.clone(),
        starts_at,
        duration_minutes: 30,
        provider: Some("Dr. Gum".into()),
        kind: Some("root canal".into()),
        status: None,
    };
    let id = AppointmentId::parse(id).expect("an appointment id");
    Appointment::new(patient.practice_id.clone(), id, change, booked)
}
