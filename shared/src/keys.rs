//! The single-table key schema. Every practice-owned item lives under `PK = P#<practice>`,
//! so no key built here can reach another tenant's data. See `docs/data-model.md`.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::domain::{
    AppointmentId, ConsentEvent, EmailAddress, Message, PatientId, PhoneNumber, PracticeId,
    Priority, TaskId, ThreadId,
};

mod due;
mod staff;

pub use due::*;
pub use staff::*;

pub const PK: &str = "PK";
pub const SK: &str = "SK";
pub const GSI1: &str = "GSI1";
pub const GSI1_PK: &str = "GSI1PK";
pub const GSI1_SK: &str = "GSI1SK";
pub const GSI2: &str = "GSI2";
pub const GSI2_PK: &str = "GSI2PK";
pub const GSI2_SK: &str = "GSI2SK";
pub const GSI3: &str = "GSI3";
pub const GSI3_PK: &str = "GSI3PK";
pub const GSI3_SK: &str = "GSI3SK";
pub const GSI4: &str = "GSI4";
pub const GSI4_PK: &str = "GSI4PK";
pub const GSI4_SK: &str = "GSI4SK";
/// DynamoDB TTL attribute (epoch seconds).
pub const TTL: &str = "expires_at_epoch";

/// Fixed-width UTC time for sort keys: lexical order is time order.
pub fn sortable_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub fn practice_pk(p: &PracticeId) -> String {
    format!("P#{p}")
}

pub const PRACTICE_SK: &str = "PRACTICE";

/// Prefix of every patient item of a practice (the patient list pages over it).
pub const PATIENT_PREFIX: &str = "PATIENT#";

pub fn patient_sk(id: &PatientId) -> String {
    format!("{PATIENT_PREFIX}{id}")
}

/// Prefix of every phone-index entry for one number.
pub fn phone_prefix(phone: &PhoneNumber) -> String {
    format!("PHONE#{phone}#")
}

pub fn phone_sk(phone: &PhoneNumber, id: &PatientId) -> String {
    format!("{}{id}", phone_prefix(phone))
}

/// The change-index partition (GSI3) of one kind of a practice's items (`patients`,
/// `appointments`) changed on one UTC day: what `updated_since` reads.
pub fn changes_pk(p: &PracticeId, kind: &str, day: chrono::NaiveDate) -> String {
    format!("P#{p}#CHG#{kind}#{}", day.format("%Y-%m-%d"))
}

/// Change order: the change time, then the id.
pub fn change_sort(updated_at: DateTime<Utc>, id: &str) -> String {
    format!("{}#{id}", sortable_time(updated_at))
}

/// Prefix of every appointment item of a practice (the appointment list pages over it).
pub const APPOINTMENT_PREFIX: &str = "APPT#";

/// GSI4 partition of the patients with one email address in a practice (an inbound email is
/// matched to its sender with one Query). The address is lowercased and hashed, so no
/// address appears in a key.
pub fn patient_email_pk(practice: &PracticeId, email: &EmailAddress) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(email.as_str().to_lowercase().as_bytes());
    format!("P#{practice}#EMAIL#{}", hex::encode(&digest[..16]))
}

pub fn appointment_sk(id: &AppointmentId) -> String {
    format!("{APPOINTMENT_PREFIX}{id}")
}

/// The day-schedule index partition (GSI1) of a practice: appointments starting on one
/// UTC date. One partition per practice and day, so no partition grows without bound and
/// a local day is at most two Queries.
pub fn appointment_day_pk(p: &PracticeId, starts_at: DateTime<Utc>) -> String {
    format!("P#{p}#DAY#{}", starts_at.format("%Y-%m-%d"))
}

pub fn task_sk(id: &TaskId) -> String {
    format!("TASK#{id}")
}

/// The task index partition (GSI4) of one patient: every task about them, open and
/// resolved, so an erasure finds them by key whatever the practice's other tasks.
pub fn patient_tasks_pk(p: &PracticeId, patient: &PatientId) -> String {
    format!("P#{p}#PT#{patient}#TASKS")
}

/// The timeline thread of a patient, or of an unknown sender's number.
pub fn thread_prefix(patient: Option<&PatientId>, unknown: Option<&PhoneNumber>) -> String {
    match (patient, unknown) {
        (Some(p), _) => format!("TL#{p}#"),
        (None, Some(n)) => format!("TL#~{n}#"),
        (None, None) => "TL#~#".to_string(),
    }
}

pub fn message_sk(m: &Message) -> String {
    format!(
        "{}{}#{}",
        thread_prefix(m.patient_id.as_ref(), m.unknown_sender.as_ref()),
        sortable_time(m.at),
        m.message_id
    )
}

/// Prefix of a patient's consent history (append-only, oldest first).
pub fn consent_prefix(patient: &PatientId) -> String {
    format!("CONSENT#{patient}#")
}

pub fn consent_sk(e: &ConsentEvent) -> String {
    format!(
        "{}{}#{}",
        consent_prefix(&e.patient_id),
        sortable_time(e.at),
        e.event_id
    )
}

/// The copy of a sent message under the provider's message id, for delivery reports.
pub fn sent_sk(provider_message_id: &str) -> String {
    format!("SENT#{provider_message_id}")
}

/// A remembered POST (`Idempotency-Key`), by the hash of the key.
pub fn idempotency_sk(key_hash: &str) -> String {
    format!("IDEM#{key_hash}")
}

pub fn claim_sk(key: &str) -> String {
    format!("CLAIM#{key}")
}

pub fn number_route_pk(n: &PhoneNumber) -> String {
    format!("NUMBER#{n}")
}

pub const NUMBER_ROUTE_SK: &str = "ROUTE";

/// The ownership item of an email sender identity (an address, compared case-blind): it
/// names the one practice that may send from it.
pub fn sender_pk(address: &EmailAddress) -> String {
    format!("SENDER#{}", address.as_str().to_lowercase())
}

pub const SENDER_SK: &str = "OWNER";

/// The open-task index partition of a practice (sparse: resolved tasks leave it).
pub fn open_tasks_pk(p: &PracticeId) -> String {
    format!("P#{p}#OPEN")
}

/// Most urgent first, then newest first.
pub fn open_task_sort(priority: Priority, created_at: DateTime<Utc>, id: &TaskId) -> String {
    let inverted = i64::MAX - created_at.timestamp_millis();
    format!("{}#{inverted:020}#{id}", priority.rank())
}

/// The appointment index partition of one patient (GSI2, sorted by start time).
pub fn patient_appointments_pk(p: &PracticeId, patient: &PatientId) -> String {
    format!("P#{p}#PT#{patient}#APPTS")
}

pub fn patient_appointment_sort(starts_at: DateTime<Utc>, id: &AppointmentId) -> String {
    format!("{}#{id}", sortable_time(starts_at))
}

/// Prefix of the practice's inbox entries (threads waiting for a human answer).
pub const WAITING_PREFIX: &str = "WAIT#";

/// An inbox entry: oldest waiting first.
pub fn waiting_sk(since: DateTime<Utc>, thread: &ThreadId) -> String {
    format!("{WAITING_PREFIX}{}#{thread}", sortable_time(since))
}

/// An unknown sender's thread item (the number behind the opaque thread id).
pub fn unknown_thread_sk(thread: &ThreadId) -> String {
    format!("THREAD#{thread}")
}

/// The resolved-task index partition of a practice (GSI2): resolved tasks, newest first.
pub fn resolved_tasks_pk(p: &PracticeId) -> String {
    format!("P#{p}#RESOLVED")
}

pub fn resolved_task_sort(resolved_at: DateTime<Utc>, id: &TaskId) -> String {
    let inverted = i64::MAX - resolved_at.timestamp_millis();
    format!("{inverted:020}#{id}")
}

/// A practice's canned replies (one item each, listed by prefix).
pub const CANNED_REPLY_PREFIX: &str = "REPLY#";

pub fn canned_reply_sk(id: &crate::domain::CannedReplyId) -> String {
    format!("{CANNED_REPLY_PREFIX}{id}")
}

/// A practice's waitlist (one item per entry, oldest first by its ULID id).
pub const WAITLIST_PREFIX: &str = "WAITLIST#";

pub fn waitlist_sk(id: &crate::domain::WaitlistEntryId) -> String {
    format!("{WAITLIST_PREFIX}{id}")
}

/// A freed slot and its offers, by the appointment that freed it.
pub fn slot_sk(id: &AppointmentId) -> String {
    format!("SLOT#{id}")
}

/// A practice's webhook subscriptions (one item each, listed by prefix).
pub const WEBHOOK_PREFIX: &str = "WEBHOOK#";

pub fn webhook_sk(webhook_id: &str) -> String {
    format!("{WEBHOOK_PREFIX}{webhook_id}")
}

/// An outbox item (an event for the practice's webhooks).
pub fn webhook_event_sk(event_id: &str) -> String {
    format!("WHEVT#{event_id}")
}

/// A broadcast.
pub fn broadcast_sk(id: &crate::domain::BroadcastId) -> String {
    format!("BCAST#{id}")
}

/// Prefix of a broadcast's recipients (its progress is counted over them).
pub fn recipient_prefix(id: &crate::domain::BroadcastId) -> String {
    format!("BCAST#{id}#R#")
}

/// One recipient of a broadcast: the keyed send intent, created once.
pub fn recipient_sk(id: &crate::domain::BroadcastId, patient: &PatientId) -> String {
    format!("{}{patient}", recipient_prefix(id))
}
