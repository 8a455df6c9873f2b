//! Shared builders for the policy tests.

use crate::domain::{
    Appointment, Channel, ConsentSource, MessageKind, Patient, PhoneNumber, PracticeSettings,
};

pub use crate::testing::utc;

/// A practice in New York with the default settings.
pub fn practice() -> PracticeSettings {
    PracticeSettings {
        name: "Maple Street Dental".into(),
        callback_phone: Some(PhoneNumber::parse_e164("+12125550143").unwrap()),
        sms_number: Some(PhoneNumber::parse_e164("+12125550199").unwrap()),
        review_url: Some("https://g.page/r/maple-street-dental/review".into()),
        ..PracticeSettings::default()
    }
}

/// A patient with a phone and an email, preferring SMS, with no consents yet. Built from
/// JSON so that fields other engineers add (with serde defaults) need no change here.
pub fn patient() -> Patient {
    serde_json::from_value(serde_json::json!({
        "practice_id": "prc_test",
        "patient_id": "pat-1",
        "first_name": "Ana",
        "last_name": "Lopez",
        "phone": "+12125550111",
        "email": "ana@example.com",
        "preferred_channel": "sms",
        "created_at": "2025-01-01T00:00:00Z",
        "updated_at": "2025-01-01T00:00:00Z",
    }))
    .unwrap()
}

/// Grants every kind of message on `channel`.
pub fn consent_all(p: &mut Patient, channel: Channel) {
    for kind in MessageKind::ALL {
        p.consents.set(
            channel,
            kind,
            true,
            ConsentSource::PatientForm,
            utc("2025-01-01T00:00:00Z"),
        );
    }
}

/// A scheduled appointment for [`patient`], with Dr. Chen.
pub fn appointment(starts_at: &str, kind: Option<&str>) -> Appointment {
    serde_json::from_value(serde_json::json!({
        "practice_id": "prc_test",
        "appointment_id": "apt-1",
        "patient_id": "pat-1",
        "starts_at": starts_at,
        "duration_minutes": 45,
        "provider": "Dr. Chen",
        "kind": kind,
        "status": "scheduled",
        "created_at": "2025-01-01T00:00:00Z",
        "updated_at": "2025-01-01T00:00:00Z",
    }))
    .unwrap()
}
