//! Keys of work that comes due: the sweeps' due items (sharded per UTC day), their leases
//! and cursors, and the practice-sharded due indexes (answer deadlines, urgent-task
//! notices, deferred staff replies, the webhook outbox).

use chrono::{DateTime, Utc};

use crate::domain::{AppointmentId, DueWork, MessageId, PatientId, PracticeId, Sweep, TaskId};

use super::sortable_time;

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

/// The shard of a due item: a stable hash of its practice and its key
/// (`crate::stable_hash`), so one practice's work spreads over every shard, and a claim or
/// release keeps its shard. Until 2026-12-04 it was plain 32-bit FNV-1a `% 32`, which
/// loaded one key 16% above its share over sequential ids; items indexed under that shard
/// are still read (a sweep reads every shard of a day) and take this one at their next
/// claim.
pub fn due_shard_of(d: &DueWork) -> u32 {
    let h = crate::stable_hash::stable_hash([d.practice_id.as_str(), &due_key_of(d)]);
    u32::try_from(h % u64::from(DUE_SHARDS)).unwrap_or(0)
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

/// Shards of the answer-deadline index (GSI1 `DUE#answers#<n>`): practices spread over
/// them by id, and the sweep queries each.
pub const ANSWER_SHARDS: u32 = 4;

/// The answer-deadline index partition of a practice's inbox entries.
pub fn answers_due_pk(practice: &PracticeId) -> String {
    answers_due_shard_pk(practice_shard(practice, ANSWER_SHARDS))
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
    notices_due_shard_pk(practice_shard(practice, NOTICE_SHARDS))
}

pub fn notices_due_shard_pk(shard: u32) -> String {
    format!("DUE#notices#{shard}")
}
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

/// Shards of the outbox index (GSI1 `DUE#webhooks#<n>`), like the answer-deadline index.
pub const WEBHOOK_SHARDS: u32 = 4;

pub fn webhook_due_pk(practice: &PracticeId) -> String {
    webhook_due_shard_pk(practice_shard(practice, WEBHOOK_SHARDS))
}

pub fn webhook_due_shard_pk(shard: u32) -> String {
    format!("DUE#webhooks#{shard}")
}

/// Due first, then the practice and the event.
pub fn webhook_due_sort(next_at: DateTime<Utc>, practice: &PracticeId, event_id: &str) -> String {
    format!("{}#{practice}#{event_id}", sortable_time(next_at))
}

/// The shard of a practice in a practice-sharded index (answers, notices, the webhook
/// outbox): a stable hash of its id, so all of one practice's entries share one shard.
fn practice_shard(practice: &PracticeId, shards: u32) -> u32 {
    practice
        .as_str()
        .bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
        % shards
}

/// An automatic reply's send intent, in the practice's partition.
pub fn reply_intent_sk(message: &MessageId) -> String {
    format!("INTENT#REPLY#{message}")
}

/// Shards of the reply-intent index (GSI1 `DUE#replies#<n>`), like the answer index's.
pub const REPLY_INTENT_SHARDS: u32 = 4;

pub fn reply_intents_due_pk(practice: &PracticeId) -> String {
    reply_intents_due_shard_pk(practice_shard(practice, REPLY_INTENT_SHARDS))
}

pub fn reply_intents_due_shard_pk(shard: u32) -> String {
    format!("DUE#replies#{shard}")
}

/// Due first, then the practice and the reply.
pub fn reply_intent_due_sort(
    due_at: DateTime<Utc>,
    practice: &PracticeId,
    message: &MessageId,
) -> String {
    format!("{}#{practice}#{message}", sortable_time(due_at))
}

#[cfg(test)]
#[path = "due_tests.rs"]
mod tests;
