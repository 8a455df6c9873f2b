//! The bench's practices, patients, appointments and due reminders, and their seeding.

use chrono::{DateTime, Duration, Utc};
use frontdesk::domain::{
    bucket_of, Appointment, AppointmentId, AppointmentStatus, Channel, ConsentSource, Consents,
    DueKind, DueWork, MessageKind, Patient, PatientId, PhoneNumber, Practice, PracticeId,
    PracticeSettings, ReminderOffset, BUCKET_MINUTES,
};
use frontdesk::ports::{Expect, Store, Write};
use futures_util::stream::{self, StreamExt, TryStreamExt};

use super::BoxError;

/// Reminders per seeding transaction: 4 item operations each (patient, its phone-index
/// copy, appointment, due work), so 100 operations.
const PER_SEED_WRITE: usize = 25;
const SEED_CONCURRENCY: usize = 8;

/// What to seed: `reminders` due reminders across `practices` practices, spread over
/// `buckets` 5-minute buckets before "now" (1: every reminder in one bucket, as the 08:00
/// day-of reminders of one time zone are).
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub reminders: usize,
    pub practices: usize,
    pub buckets: usize,
}

pub fn practice_id(i: usize) -> Result<PracticeId, BoxError> {
    Ok(PracticeId::parse(format!("bench-{i:04}"))?)
}

fn practice(i: usize, now: DateTime<Utc>) -> Result<Practice, BoxError> {
    Ok(Practice {
        practice_id: practice_id(i)?,
        settings: PracticeSettings {
            name: format!("Bench Dental {i:04}"),
            time_zone: chrono_tz::America::New_York,
            sms_number: Some(PhoneNumber::parse_e164(&format!(
                "+1212{:07}",
                5_550_000 + i
            ))?),
            reminder_offsets: vec![ReminderOffset::Before { minutes: 2880 }],
            ..Default::default()
        },
        sms_provider: Default::default(),
        api_keys: vec![],
        created_at: now,
        updated_at: now,
    })
}

pub fn phone(i: usize) -> Result<PhoneNumber, BoxError> {
    Ok(PhoneNumber::parse_e164(&format!(
        "+1646{:07}",
        2_000_000 + i
    ))?)
}

/// The i-th reminder: its patient, appointment and due work.
pub fn reminder(
    i: usize,
    shape: Shape,
    now: DateTime<Utc>,
) -> Result<(Patient, Appointment, DueWork), BoxError> {
    let practice_id = practice_id(i % shape.practices)?;
    let patient_id = PatientId::parse(format!("pt{i:06}"))?;
    let appointment_id = AppointmentId::parse(format!("a{i:06}"))?;
    let mut consents = Consents::default();
    consents.set(
        Channel::Sms,
        MessageKind::Care,
        true,
        ConsentSource::PatientForm,
        now,
    );
    // The buckets before now's, seconds apart within a bucket.
    let step = i64::try_from(i)?;
    let buckets = i64::try_from(shape.buckets.max(1))?;
    let first = bucket_of(now) - Duration::minutes(BUCKET_MINUTES);
    let due_at = first - Duration::minutes(BUCKET_MINUTES * (step % buckets))
        + Duration::seconds((step * 7) % (BUCKET_MINUTES * 60));
    let starts_at = due_at + Duration::minutes(2880);
    let patient = Patient {
        phone: Some(phone(i)?),
        consents,
        ..Patient::new(
            practice_id.clone(),
            patient_id.clone(),
            "Pat",
            "Bench",
            Channel::Sms,
            now,
        )
    };
    let kind = DueKind::Reminder {
        offset: ReminderOffset::Before { minutes: 2880 },
    };
    let due = DueWork {
        practice_id: practice_id.clone(),
        appointment_id: appointment_id.clone(),
        patient_id: patient_id.clone(),
        kind: kind.clone(),
        due_at,
        planned_for: starts_at,
        attempts: 0,
    };
    let appointment = Appointment {
        practice_id,
        appointment_id: appointment_id.clone(),
        patient_id,
        starts_at,
        duration_minutes: 30,
        provider: None,
        kind: Some("cleaning".into()),
        status: AppointmentStatus::Scheduled,
        confirmation: None,
        planned_due: vec![frontdesk::keys::due_sk(&appointment_id, &kind.label())],
        tasks: vec![],
        created_at: now,
        updated_at: now,
        version: 1,
    };
    Ok((patient, appointment, due))
}

/// Seeds the practices and the reminders with Store writes of at most 100 item operations
/// each, sent concurrently. No BatchWriteItem.
pub async fn seed(store: &dyn Store, shape: Shape, now: DateTime<Utc>) -> Result<(), BoxError> {
    let practices: Vec<usize> = (0..shape.practices).collect();
    for chunk in practices.chunks(100) {
        let mut writes = Vec::with_capacity(chunk.len());
        for i in chunk {
            writes.push(Write::Practice {
                practice: Box::new(practice(*i, now)?),
                expect_absent: false,
            });
        }
        store.write(writes).await?;
    }
    let batches: Vec<Vec<usize>> = (0..shape.reminders)
        .collect::<Vec<_>>()
        .chunks(PER_SEED_WRITE)
        .map(<[usize]>::to_vec)
        .collect();
    stream::iter(batches)
        .map(|batch| async move {
            let mut writes = Vec::with_capacity(batch.len() * 3);
            for i in batch {
                let (patient, appointment, due) = reminder(i, shape, now)?;
                writes.push(Write::Patient {
                    patient: Box::new(patient),
                    expect: Expect::Any,
                    previous_phone: None,
                });
                writes.push(Write::Appointment {
                    appointment: Box::new(appointment),
                    expect: Expect::Any,
                });
                writes.push(Write::Due(Box::new(due)));
            }
            store.write(writes).await.map_err(BoxError::from)
        })
        .buffer_unordered(SEED_CONCURRENCY)
        .try_collect::<Vec<()>>()
        .await?;
    Ok(())
}
