//! Staff work on a task: who has it, until when it is snoozed, notes, and the outcome it
//! was resolved with. Each kind of task has its own set of outcomes.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::{Actor, DomainError, StaffId, Task, TaskKind, TaskStatus, ThreadId};

/// Longest snooze.
pub const MAX_SNOOZE: Duration = Duration::days(30);
/// Notes one task keeps.
pub const MAX_NOTES: usize = 50;
pub const MAX_NOTE_CHARS: usize = 1000;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskWork {
    #[serde(default)]
    pub assignee: Option<StaffId>,
    #[serde(default)]
    pub snoozed_until: Option<DateTime<Utc>>,
    #[serde(default)]
    pub notes: Vec<TaskNote>,
    #[serde(default)]
    pub outcome: Option<TaskOutcome>,
    #[serde(default)]
    pub resolved_by: Option<Actor>,
    /// The conversation the task is about, when it has no patient (an unknown sender's).
    #[serde(default)]
    pub thread_id: Option<ThreadId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskNote {
    pub at: DateTime<Utc>,
    pub actor: Actor,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskOutcome {
    Reached,
    LeftVoicemail,
    NoAnswer,
    ContactUpdated,
    Answered,
    NoReplyNeeded,
    Rebooked,
    Handled,
}

impl TaskOutcome {
    pub const ALL: [TaskOutcome; 8] = [
        TaskOutcome::Reached,
        TaskOutcome::LeftVoicemail,
        TaskOutcome::NoAnswer,
        TaskOutcome::ContactUpdated,
        TaskOutcome::Answered,
        TaskOutcome::NoReplyNeeded,
        TaskOutcome::Rebooked,
        TaskOutcome::Handled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskOutcome::Reached => "reached",
            TaskOutcome::LeftVoicemail => "left_voicemail",
            TaskOutcome::NoAnswer => "no_answer",
            TaskOutcome::ContactUpdated => "contact_updated",
            TaskOutcome::Answered => "answered",
            TaskOutcome::NoReplyNeeded => "no_reply_needed",
            TaskOutcome::Rebooked => "rebooked",
            TaskOutcome::Handled => "handled",
        }
    }
}

/// What a listing shows a task as: snoozed is an open task whose snooze has not ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskView {
    Open,
    Snoozed,
    Resolved,
}

impl TaskKind {
    /// The outcomes a task of this kind may be resolved with.
    pub fn outcomes(self) -> &'static [TaskOutcome] {
        use TaskOutcome::*;
        match self {
            TaskKind::WellbeingCall | TaskKind::CallPatient | TaskKind::FeedbackFollowUp => {
                &[Reached, LeftVoicemail, NoAnswer]
            }
            TaskKind::ChannelUnusable | TaskKind::ChannelSwitchRequest | TaskKind::SendFailed => {
                &[ContactUpdated, Reached, NoAnswer]
            }
            TaskKind::Emergency => &[Handled, Reached, NoAnswer],
            TaskKind::UnconfirmedAppointment
            | TaskKind::RescheduleRequest
            | TaskKind::CancelRequest => &[Rebooked, Reached, LeftVoicemail, NoAnswer],
            TaskKind::WaitlistBooking => &[Rebooked, Reached, NoAnswer],
            TaskKind::InboxMessage | TaskKind::UnknownSender => &[Answered, NoReplyNeeded, Reached],
        }
    }

    /// Tasks about the patient's conversation: resolving one settles the thread (the
    /// escalation counters start again).
    pub fn settles_thread(self) -> bool {
        matches!(
            self,
            TaskKind::InboxMessage
                | TaskKind::UnknownSender
                | TaskKind::ChannelSwitchRequest
                | TaskKind::RescheduleRequest
                | TaskKind::CancelRequest
                | TaskKind::FeedbackFollowUp
                | TaskKind::Emergency
        )
    }

    /// Parses the wire name (`inbox_message`…).
    pub fn parse(s: &str) -> Option<TaskKind> {
        serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
    }
}

/// Parses an outcome for a kind of task; the error lists the allowed ones.
pub fn parse_outcome(kind: TaskKind, s: &str) -> Result<TaskOutcome, DomainError> {
    kind.outcomes()
        .iter()
        .copied()
        .find(|o| o.as_str() == s)
        .ok_or_else(|| DomainError::Invalid {
            field: "outcome",
            reason: format!(
                "must be one of {} for this kind of task",
                kind.outcomes()
                    .iter()
                    .map(|o| o.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })
}

impl Task {
    pub fn view(&self, now: DateTime<Utc>) -> TaskView {
        match self.status {
            TaskStatus::Resolved => TaskView::Resolved,
            TaskStatus::Open if self.work.snoozed_until.is_some_and(|u| u > now) => {
                TaskView::Snoozed
            }
            TaskStatus::Open => TaskView::Open,
        }
    }

    pub fn assign(&mut self, staff: StaffId) {
        self.work.assignee = Some(staff);
    }

    /// Snoozes an open task until `until` (after `now`, within 30 days).
    pub fn snooze(&mut self, until: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), DomainError> {
        let latest = now.checked_add_signed(MAX_SNOOZE).unwrap_or(now);
        if until <= now || until > latest {
            return Err(DomainError::Invalid {
                field: "until",
                reason: "must be a time in the next 30 days".into(),
            });
        }
        self.work.snoozed_until = Some(until);
        Ok(())
    }

    pub fn add_note(
        &mut self,
        text: &str,
        actor: Actor,
        at: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        let text = text.trim();
        let bad = text
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t');
        if text.is_empty() || text.chars().count() > MAX_NOTE_CHARS || bad {
            return Err(DomainError::Invalid {
                field: "text",
                reason: format!("must be 1 to {MAX_NOTE_CHARS} characters of text"),
            });
        }
        if self.work.notes.len() >= MAX_NOTES {
            return Err(DomainError::Invalid {
                field: "text",
                reason: format!(
                    "a task keeps at most {MAX_NOTES} notes; resolve it or open a new one"
                ),
            });
        }
        self.work.notes.push(TaskNote {
            at,
            actor,
            text: text.to_string(),
        });
        Ok(())
    }

    /// Resolves an open task with an outcome (kept as `resolution` too, as before) or a
    /// free resolution.
    pub fn resolve(
        &mut self,
        outcome: Option<TaskOutcome>,
        resolution: String,
        actor: Actor,
        now: DateTime<Utc>,
    ) {
        self.status = TaskStatus::Resolved;
        self.resolved_at = Some(now);
        self.resolution = Some(outcome.map_or(resolution, |o| o.as_str().to_string()));
        self.work.outcome = outcome;
        self.work.resolved_by = Some(actor);
        self.work.snoozed_until = None;
        self.note_resolved();
    }

    /// Resolves an open task that the service itself settled (a healed channel): the
    /// outcome, nobody's name as resolver.
    pub fn close_automatically(&mut self, outcome: TaskOutcome, now: DateTime<Utc>) {
        self.status = TaskStatus::Resolved;
        self.resolved_at = Some(now);
        self.resolution = Some(format!("auto: {}", outcome.as_str()));
        self.work.outcome = Some(outcome);
        self.work.resolved_by = None;
        self.work.snoozed_until = None;
        self.note_resolved();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_outcomes_and_call_tasks_have_the_call_ones() {
        for kind in [TaskKind::WellbeingCall, TaskKind::CallPatient] {
            let names: Vec<&str> = kind.outcomes().iter().map(|o| o.as_str()).collect();
            assert_eq!(names, vec!["reached", "left_voicemail", "no_answer"]);
        }
        assert!(parse_outcome(TaskKind::CallPatient, "answered").is_err());
        assert_eq!(
            parse_outcome(TaskKind::InboxMessage, "answered").unwrap(),
            TaskOutcome::Answered
        );
        assert_eq!(
            TaskKind::parse("inbox_message"),
            Some(TaskKind::InboxMessage)
        );
        assert_eq!(TaskKind::parse("nope"), None);
        for o in TaskOutcome::ALL {
            let json = serde_json::to_value(o).unwrap();
            assert_eq!(json, serde_json::json!(o.as_str()));
        }
    }
}
