//! The single-table key schema. Every practice-owned item lives under `PK = P#<practice>`,
//! so no key built here can reach another tenant's data. See `docs/data-model.md`.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::domain::{
    AppointmentId, ConsentEvent, DueWork, EmailAddress, Message, MessageId, PatientId, PhoneNumber,
    PracticeId, Priority, StaffId, Sweep, TaskId, ThreadId,
};

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

pub fn due_sk(appointment: &AppointmentId, label: &str) -> String {
    format!("DUE#{appointment}#{label}")
}

pub fn due_key_of(d: &DueWork) -> String {
    if d.kind.per_patient() {
        // One item per patient of the subject (a broadcast's recipients).
        format!(
            "DUE#{}#{}#{}",
            d.appointment_id,
            d.kind.label(),
            d.patient_id
        )
    } else {
        due_sk(&d.appointment_id, &d.kind.label())
    }
}

/// Shards of each sweep's due work per UTC day (GSI1 `DUE#<sweep>#<day>#<shard>`). Writers
/// and sweeps must agree on it, so it is a constant of the code, not a setting: changing it
/// strands work in the shards a sweep no longer reads. 32 keeps the 08:00 pile-up of one
/// time zone (about 0.9 M reminders at 2 M appointments a day) at about 28 k items, and
/// their claims, per key (see docs/data-model.md, "Due work at scale").
pub const DUE_SHARDS: u32 = 32;

/// The unsharded due-work partition of one sweep and 5-minute bucket: where due work was
/// indexed before sharding. Sweeps still read it (see `SweepOptions::read_unsharded`)
/// until the work written before the change has drained; nothing new is written to it.
pub fn due_bucket_pk(sweep: Sweep, bucket: DateTime<Utc>) -> String {
    format!("DUE#{}#{}", sweep.as_str(), bucket.format("%Y-%m-%dT%H:%M"))
}

/// One shard of a sweep's due work of one UTC day: `DUE#<sweep>#<YYYY-MM-DD>#<shard, 2
/// digits>`, sorted by due time. A sweep reads any range of time within a day (a late run's
/// many buckets) with one Query per shard.
pub fn due_shard_pk(sweep: Sweep, day: chrono::NaiveDate, shard: u32) -> String {
    format!(
        "DUE#{}#{}#{shard:02}",
        sweep.as_str(),
        day.format("%Y-%m-%d")
    )
}

/// The shard of a due item: a stable hash (FNV-1a) of its practice and its key, so one
/// practice's work spreads over every shard, and a claim or release keeps its shard.
pub fn due_shard_of(d: &DueWork) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    let key = due_key_of(d);
    for b in d
        .practice_id
        .as_str()
        .bytes()
        .chain(std::iter::once(b'#'))
        .chain(key.bytes())
    {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h % DUE_SHARDS
}

/// The GSI1 partition a due item is indexed under: its sweep, the UTC day of its
/// `due_at`, its shard.
pub fn due_partition_of(d: &DueWork) -> String {
    due_shard_pk(d.kind.sweep(), d.due_at.date_naive(), due_shard_of(d))
}

pub fn due_sort(d: &DueWork) -> String {
    format!(
        "{}#{}#{}",
        sortable_time(d.due_at),
        d.practice_id,
        due_key_of(d)
    )
}

/// Lower bound of the due-index sort key for "due at or after `from`".
pub fn due_sort_from(from: DateTime<Utc>) -> String {
    sortable_time(from)
}

/// Upper bound of the due-index sort key for "due at or before `until`".
pub fn due_sort_until(until: DateTime<Utc>) -> String {
    format!("{}#~", sortable_time(until))
}

/// A patient's sending lease (one item per patient, in the practice's partition).
pub fn patient_lease_sk(patient: &PatientId) -> String {
    format!("LEASE#{patient}")
}

/// The cursor item of a sweep (system item, not practice data).
pub fn sweep_cursor_pk(sweep: Sweep) -> String {
    format!("SWEEP#{}", sweep.as_str())
}

pub const SWEEP_CURSOR_SK: &str = "CURSOR";

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

/// Shards of the answer-deadline index (GSI1 `DUE#answers#<n>`): practices spread over
/// them by id, and the sweep queries each.
pub const ANSWER_SHARDS: u32 = 4;

/// The answer-deadline index partition of a practice's inbox entries.
pub fn answers_due_pk(practice: &PracticeId) -> String {
    let shard = practice
        .as_str()
        .bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
        % ANSWER_SHARDS;
    answers_due_shard_pk(shard)
}

pub fn answers_due_shard_pk(shard: u32) -> String {
    format!("DUE#answers#{shard}")
}

/// Deadline first, then the entry.
pub fn answers_due_sort(at: DateTime<Utc>, practice: &PracticeId, sk: &str) -> String {
    format!("{}#{practice}#{sk}", sortable_time(at))
}

/// A notice due of an urgent task, in the practice's partition.
pub fn notice_sk(at: DateTime<Utc>, task: &TaskId) -> String {
    format!("NOTICE#{}#{task}", sortable_time(at))
}

/// Shards of the notices-due index (GSI1 `DUE#notices#<n>`), like the answer index's.
pub const NOTICE_SHARDS: u32 = 4;

/// The notices-due index partition of a practice's notices.
pub fn notices_due_pk(practice: &PracticeId) -> String {
    let shard = practice
        .as_str()
        .bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
        % NOTICE_SHARDS;
    notices_due_shard_pk(shard)
}

pub fn notices_due_shard_pk(shard: u32) -> String {
    format!("DUE#notices#{shard}")
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

/// Prefix of a practice's staff members.
pub const STAFF_PREFIX: &str = "STAFF#";

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

pub fn staff_sk(id: &StaffId) -> String {
    format!("{STAFF_PREFIX}{id}")
}

/// The staff email index: one staff member per email within a practice (sign-in looks
/// the email up here).
pub fn staff_email_sk(email: &EmailAddress) -> String {
    format!("STAFFEMAIL#{}", email.as_str().to_ascii_lowercase())
}

/// A pending staff invitation, by the SHA-256 of its token.
pub fn invitation_sk(token_hash: &str) -> String {
    format!("INVITE#{token_hash}")
}

/// Prefix of a practice's console sessions.
pub const SESSION_PREFIX: &str = "SESSION#";

/// A console session, by the SHA-256 of its cookie token.
pub fn session_sk(token_hash: &str) -> String {
    format!("{SESSION_PREFIX}{token_hash}")
}

/// The global sign-in index: which practice and staff member an email signs in as.
pub fn staff_login_pk(email: &EmailAddress) -> String {
    format!("LOGIN#{}", email.as_str().to_ascii_lowercase())
}
pub const STAFF_LOGIN_SK: &str = "LOGIN";

/// Failed sign-ins of one scope, by the hash of the scope (never an email or address).
pub fn sign_in_failures_pk(scope_key: &str) -> String {
    format!("SIGNINFAIL#{scope_key}")
}
pub const SIGN_IN_FAILURES_SK: &str = "SIGNINFAIL";

/// The GSI1 partition of staff replies deferred past quiet hours (few: one partition).
pub const DEFERRED_REPLIES_PK: &str = "DUE#staff-replies";

pub fn deferred_reply_sk(message: &MessageId) -> String {
    format!("DEFER#{message}")
}

pub fn deferred_reply_sort(
    until: DateTime<Utc>,
    practice: &PracticeId,
    message: &MessageId,
) -> String {
    format!("{}#{practice}#{message}", sortable_time(until))
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

/// Shards of the outbox index (GSI1 `DUE#webhooks#<n>`), like the answer-deadline index.
pub const WEBHOOK_SHARDS: u32 = 4;

pub fn webhook_due_pk(practice: &PracticeId) -> String {
    let shard = practice
        .as_str()
        .bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
        % WEBHOOK_SHARDS;
    webhook_due_shard_pk(shard)
}

pub fn webhook_due_shard_pk(shard: u32) -> String {
    format!("DUE#webhooks#{shard}")
}

/// Due first, then the practice and the event.
pub fn webhook_due_sort(next_at: DateTime<Utc>, practice: &PracticeId, event_id: &str) -> String {
    format!("{}#{practice}#{event_id}", sortable_time(next_at))
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
