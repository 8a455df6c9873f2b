//! A staff work item: a call to make, an emergency, a red flag, an inbox message.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{AppointmentId, PatientId, PracticeId, TaskId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    /// A patient missed their start: call to check they are OK.
    WellbeingCall,
    /// A voice-preference patient's reminder or follow-up: a call with a script.
    CallPatient,
    /// The preferred channel cannot be used (no address, no consent, opted out).
    ChannelUnusable,
    Emergency,
    /// Unconfirmed by the end of the day before.
    UnconfirmedAppointment,
    RescheduleRequest,
    CancelRequest,
    /// A free-text message for staff.
    InboxMessage,
    UnknownSender,
    /// The patient asked for a call or a channel change.
    ChannelSwitchRequest,
    /// A low rating or negative feedback: reach out and make it right.
    FeedbackFollowUp,
    /// A send that kept failing after its retries.
    SendFailed,
    /// A waitlist patient took a freed slot: book it for them in the PMS.
    WaitlistBooking,
}

/// Priority, most urgent first when sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Urgent,
    High,
    Normal,
    Low,
}

impl Priority {
    /// 0 = most urgent; used in the open-task index sort key.
    pub fn rank(self) -> u8 {
        match self {
            Priority::Urgent => 0,
            Priority::High => 1,
            Priority::Normal => 2,
            Priority::Low => 3,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    Open,
    Resolved,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Task {
    pub practice_id: PracticeId,
    pub task_id: TaskId,
    pub kind: TaskKind,
    pub priority: Priority,
    pub status: TaskStatus,
    /// One line for the task list. Minimum necessary; no message bodies.
    pub title: String,
    /// What to do and why.
    pub detail: String,
    /// A call script, for call tasks.
    #[serde(default)]
    pub script: Option<String>,
    /// A voicemail script, for call tasks.
    #[serde(default)]
    pub voicemail_script: Option<String>,
    #[serde(default)]
    pub patient_id: Option<PatientId>,
    #[serde(default)]
    pub appointment_id: Option<AppointmentId>,
    pub due_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub resolved_at: Option<DateTime<Utc>>,
    /// How it was resolved: "reached", "left_voicemail", "auto: checked in late"…
    #[serde(default)]
    pub resolution: Option<String>,
    /// Staff work: assignee, snooze, notes, outcome.
    #[serde(default)]
    pub work: super::TaskWork,
    /// What writing this task tells the practice's systems: set by [`Task::open`]
    /// (`task.created`) and by resolving it ([`Task::resolve_as`], `TaskWork`'s resolve and
    /// close), so every store write of a new or just-resolved task carries its outbox event
    /// (see `webhooks::derive::with_task_events`). Never stored: a task read back has none.
    #[serde(skip)]
    pub news: TaskNews,
}

/// The news a task write carries (see `Task::news`). Not part of the task's value: any two
/// are equal, so a task read back equals the one written.
#[derive(Debug, Clone, Copy, Default)]
pub struct TaskNews {
    created: bool,
    resolved: bool,
}

impl TaskNews {
    /// Just opened: its write is `task.created`.
    pub fn created(self) -> bool {
        self.created
    }

    /// Just resolved: its write is `task.resolved`.
    pub fn resolved(self) -> bool {
        self.resolved
    }

    /// Nothing to tell (a task as stored).
    pub fn none() -> Self {
        Self::default()
    }
}

impl PartialEq for TaskNews {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Task {
    /// A new open task of `practice_id` for staff, due and created at `at`, about nobody
    /// in particular yet (set `patient_id`, `appointment_id`, scripts or `due_at` on it).
    pub fn open(
        practice_id: PracticeId,
        task_id: TaskId,
        kind: TaskKind,
        priority: Priority,
        title: impl Into<String>,
        detail: impl Into<String>,
        at: DateTime<Utc>,
    ) -> Self {
        Self {
            practice_id,
            task_id,
            kind,
            priority,
            status: TaskStatus::Open,
            title: title.into(),
            detail: detail.into(),
            script: None,
            voicemail_script: None,
            patient_id: None,
            appointment_id: None,
            due_at: at,
            created_at: at,
            resolved_at: None,
            resolution: None,
            work: super::TaskWork::default(),
            news: TaskNews {
                created: true,
                resolved: false,
            },
        }
    }

    /// Resolves the task at `now` with `resolution` (a service's own resolution: checked in
    /// late, released); its write is `task.resolved`.
    pub fn resolve_as(&mut self, resolution: impl Into<String>, now: DateTime<Utc>) {
        self.status = TaskStatus::Resolved;
        self.resolved_at = Some(now);
        self.resolution = Some(resolution.into());
        self.news.resolved = true;
    }

    /// Marks the task as just resolved (for `TaskWork`'s resolutions).
    pub(super) fn note_resolved(&mut self) {
        self.news.resolved = true;
    }
}
