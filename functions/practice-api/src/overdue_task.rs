//! The answer sweep's tasks: the open task a waiting thread made, raised to urgent, or a
//! new urgent one for a thread that has none (`answer_sla`).

use chrono::{DateTime, Utc};
use frontdesk::domain::{
    Practice, Priority, Task, TaskId, TaskKind, TaskStatus, ThreadId, Waiting,
};

/// The open task a thread's messages made: an unknown sender's names the thread; a
/// patient's is theirs and about their messages. Most urgent, then newest, first.
pub(crate) fn thread_task<'a>(tasks: &'a [Task], thread: &ThreadId) -> Option<&'a Task> {
    tasks.iter().find(|t| {
        t.status == TaskStatus::Open
            && match thread {
                ThreadId::Unknown(_) => t.work.thread_id.as_ref() == Some(thread),
                ThreadId::Patient(p) => t.patient_id.as_ref() == Some(p) && conversational(t.kind),
            }
    })
}

/// Tasks a patient's message makes (not calls the practice planned).
fn conversational(kind: TaskKind) -> bool {
    matches!(
        kind,
        TaskKind::InboxMessage
            | TaskKind::RescheduleRequest
            | TaskKind::CancelRequest
            | TaskKind::ChannelSwitchRequest
            | TaskKind::FeedbackFollowUp
            | TaskKind::UnknownSender
    )
}

pub(crate) fn raised(mut t: Task, now: DateTime<Utc>) -> Task {
    t.priority = Priority::Urgent;
    t.due_at = t.due_at.min(now);
    t.work.snoozed_until = None;
    t
}

/// A thread with no open task (resolved without an answer, or never made one).
pub(crate) fn overdue_task(
    practice: &Practice,
    w: &Waiting,
    deadline: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Task {
    let zone = practice.settings.time_zone;
    let title = match &w.number_last4 {
        Some(last4) => format!("Reply overdue: unknown number ending {last4}"),
        None => "Reply overdue: a patient is waiting".to_string(),
    };
    let detail = format!(
        "A message waiting since {} had no reply by {}, the time the automatic answer \
         promised (with the practice's grace). Open the thread and answer, or call.",
        frontdesk::time::staff_time(w.since, zone),
        frontdesk::time::staff_time(deadline, zone),
    );
    let mut task = Task::open(
        practice.practice_id.clone(),
        TaskId::generate(),
        TaskKind::InboxMessage,
        Priority::Urgent,
        title,
        detail,
        now,
    );
    task.patient_id = w.thread_id.patient_id().cloned();
    if matches!(w.thread_id, ThreadId::Unknown(_)) {
        task.work.thread_id = Some(w.thread_id.clone());
    }
    task
}
