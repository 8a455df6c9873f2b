//! Builders for the contract cases: one practice's items on 2026-03-10.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, TimeZone, Utc};
use frontdesk::domain::{
    Appointment, AppointmentId, AppointmentStatus, Channel, ChannelConsent, ConsentGrant,
    ConsentSource, Consents, Decision, Direction, DueKind, DueWork, Message, MessageKind, Patient,
    PatientId, PhoneNumber, Practice, PracticeId, PracticeSettings, Priority, Purpose, Task,
    TaskId, TaskKind,
};
use frontdesk::ports::{Expect, Store, Write};

pub fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 10, h, m, 0).unwrap()
}

pub fn phone(n: &str) -> PhoneNumber {
    PhoneNumber::parse_e164(n).unwrap()
}

pub fn pid(id: &str) -> PatientId {
    PatientId::parse(id).unwrap()
}

pub fn practice(id: &PracticeId) -> Practice {
    Practice {
        practice_id: id.clone(),
        settings: PracticeSettings {
            name: "Smile Dental".into(),
            sms_number: Some(phone("+12125550199")),
            ..Default::default()
        },
        sms_provider: Default::default(),
        api_keys: vec![],
        created_at: at(9, 0),
        updated_at: at(9, 0),
    }
}

pub fn patient(practice_id: &PracticeId, id: &str, number: Option<&str>) -> Patient {
    let mut sms = ChannelConsent::default();
    sms.kinds.insert(
        MessageKind::Care,
        ConsentGrant {
            granted: true,
            source: ConsentSource::PracticeStaff,
            at: at(9, 0),
        },
    );
    Patient {
        practice_id: practice_id.clone(),
        patient_id: pid(id),
        first_name: "Ada".into(),
        last_name: "Lovelace".into(),
        phone: number.map(phone),
        email: None,
        preferred_channel: Channel::Sms,
        consents: Consents(BTreeMap::from([(Channel::Sms, sms)])),
        time_zone: Some(chrono_tz::Europe::London),
        birth_date: None,
        recall_due: None,
        voicemail_waiver: false,
        new_patient: true,
        no_show_count: 0,
        recent_automated: vec![at(9, 30)],
        thread: Default::default(),
        slot_offers: vec![],
        last_review_request_at: None,
        open_feedback_task: None,
        sms_health: None,
        email_health: None,
        channel_chosen_at: None,
        created_at: at(9, 0),
        updated_at: at(9, 0),
        version: 1,
    }
}

pub fn appointment(practice_id: &PracticeId, id: &str, patient_id: &str) -> Appointment {
    Appointment {
        practice_id: practice_id.clone(),
        appointment_id: AppointmentId::parse(id).unwrap(),
        patient_id: pid(patient_id),
        starts_at: at(15, 0),
        duration_minutes: 30,
        provider: Some("Dr. Who".into()),
        kind: None,
        status: AppointmentStatus::Scheduled,
        confirmation: None,
        planned_due: vec![],
        tasks: vec![],
        created_at: at(9, 0),
        updated_at: at(9, 0),
        version: 1,
    }
}

pub fn message(practice_id: &PracticeId, patient_id: &str, when: DateTime<Utc>) -> Message {
    Message::new(
        practice_id.clone(),
        when,
        Channel::Sms,
        Direction::Outbound,
        Purpose::Reminder,
        format!("See you at {when}"),
        Decision::Sent {
            provider_message_id: Some("m-1".into()),
        },
    )
    .for_patient(&pid(patient_id))
}

pub fn task(practice_id: &PracticeId, priority: Priority, created_at: DateTime<Utc>) -> Task {
    Task::open(
        practice_id.clone(),
        TaskId::generate(),
        TaskKind::InboxMessage,
        priority,
        "Reply to a patient",
        "A free-text message arrived",
        created_at,
    )
}

pub fn due(
    practice_id: &PracticeId,
    appointment: &str,
    kind: DueKind,
    due_at: DateTime<Utc>,
) -> DueWork {
    DueWork {
        practice_id: practice_id.clone(),
        appointment_id: AppointmentId::parse(appointment).unwrap(),
        patient_id: pid("pat-1"),
        kind,
        due_at,
        planned_for: at(15, 0),
        attempts: 0,
    }
}

pub fn no_show_check(
    practice_id: &PracticeId,
    appointment: &str,
    due_at: DateTime<Utc>,
) -> DueWork {
    due(practice_id, appointment, DueKind::NoShowCheck, due_at)
}

pub fn put_patient(p: Patient, expect: Expect, previous_phone: Option<PhoneNumber>) -> Write {
    Write::Patient {
        patient: Box::new(p),
        expect,
        previous_phone,
    }
}

pub fn claim(practice_id: &PracticeId, key: &str) -> Write {
    Write::Claim {
        practice_id: practice_id.clone(),
        key: key.into(),
        expires_at: claim_expiry(),
    }
}

/// When the claims of `claim` expire.
pub fn claim_expiry() -> DateTime<Utc> {
    at(12, 0) + Duration::days(30)
}

pub fn note_send(
    practice_id: &PracticeId,
    patient_id: &PatientId,
    number: Option<&str>,
    when: DateTime<Utc>,
) -> Write {
    Write::NoteAutomatedSend {
        practice_id: practice_id.clone(),
        patient_id: patient_id.clone(),
        phone: number.map(phone),
        at: when,
    }
}

/// Plans due work in one batch.
/// Plans due work, 100 items (one transaction) at a time.
pub async fn plan<S: Store>(store: &S, work: &[&DueWork]) {
    for chunk in work.chunks(100) {
        store
            .write(
                chunk
                    .iter()
                    .map(|d| Write::Due(Box::new((*d).clone())))
                    .collect(),
            )
            .await
            .unwrap();
    }
}

/// Asserts the error is the "bad cursor" one.
pub fn assert_invalid_cursor<T: std::fmt::Debug>(result: frontdesk::Result<T>) {
    match result {
        Err(frontdesk::Error::Invalid {
            field: "cursor", ..
        }) => {}
        other => panic!("expected an invalid cursor, got {other:?}"),
    }
}
