//! A late arrival, whatever route records it: the rule is `frontdesk::arrival`; this reads
//! what it needs (the patient and the appointment's tasks, one `get_many`) and returns the
//! writes for the same batch as the appointment.

use chrono::{DateTime, Utc};
use frontdesk::arrival::{is_late_arrival, late_arrival};
use frontdesk::domain::{Appointment, AppointmentStatus, Practice, Task};
use frontdesk::ports::{Key, Write};

use crate::deps::Deps;
use crate::error::ApiResult;

/// The writes that record `before` becoming `next` as a late arrival; none when it is not
/// one (no extra read either).
pub(crate) async fn late_arrival_writes(
    deps: &Deps,
    practice: &Practice,
    before: &Appointment,
    next: AppointmentStatus,
    now: DateTime<Utc>,
) -> ApiResult<Vec<Write>> {
    if !is_late_arrival(before.status, next) {
        return Ok(vec![]);
    }
    let mut keys = vec![Key::Patient(before.patient_id.clone())];
    keys.extend(before.tasks.iter().cloned().map(Key::Task));
    let fetched = deps.store.get_many(&practice.practice_id, &keys).await?;
    let tasks: Vec<Task> = before
        .tasks
        .iter()
        .filter_map(|id| fetched.task(id).cloned())
        .collect();
    Ok(late_arrival(
        before,
        next,
        fetched.patient(&before.patient_id),
        &tasks,
        now,
    )
    .map(|l| l.into_writes(&practice.practice_id))
    .unwrap_or_default())
}
