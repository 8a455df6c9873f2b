//! Broadcasts: one message to many patients (an office closure, practice news), each
//! reached on their own preferred channel. The `broadcast` item holds the request and how
//! far its audience has been expanded; each patient reached gets a `broadcast_recipient`
//! item, created once (conditionally) when the audience is expanded: the keyed send
//! intent. Its outcome is rewritten as the send settles, so progress is counted from them.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{
    BroadcastId, CannedReplyId, Channel, DomainError, MessageKind, PatientId, PracticeId, TaskId,
};

/// Patients in a list audience, at most.
pub const MAX_LISTED_PATIENTS: usize = 5000;
/// A broadcast body, at most (ten SMS segments, as a staff reply).
pub const MAX_BODY: usize = 1600;

/// Who a broadcast goes to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Audience {
    /// Patients with a (not cancelled) appointment on this date, on the practice's clock.
    AppointmentsOn { date: NaiveDate },
    /// Every patient of the practice (erased patients are gone).
    AllActive,
    /// These patients (duplicates removed, order kept).
    Patients { patient_ids: Vec<PatientId> },
}

impl Audience {
    /// Validates a listed audience: not empty, bounded, duplicates removed.
    pub fn checked(self) -> Result<Self, DomainError> {
        match self {
            Audience::Patients { patient_ids } => {
                let mut seen = std::collections::HashSet::new();
                let ids: Vec<PatientId> = patient_ids
                    .into_iter()
                    .filter(|p| seen.insert(p.clone()))
                    .collect();
                if ids.is_empty() || ids.len() > MAX_LISTED_PATIENTS {
                    return Err(DomainError::Invalid {
                        field: "audience.patient_ids",
                        reason: format!("list 1 to {MAX_LISTED_PATIENTS} patient ids"),
                    });
                }
                Ok(Audience::Patients { patient_ids: ids })
            }
            other => Ok(other),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BroadcastStatus {
    /// Waiting for its send time, or its audience is being expanded.
    Scheduled,
    /// Every recipient is known; sends are under way (or done).
    Expanded,
    /// Cancelled: nothing more goes out.
    Cancelled,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Broadcast {
    pub practice_id: PracticeId,
    pub broadcast_id: BroadcastId,
    pub audience: Audience,
    /// `care` (an office closure) or `marketing` (news): consent is checked per kind.
    pub kind: MessageKind,
    /// The text (minijinja with the canned-reply placeholders), resolved from the canned
    /// reply when one was named.
    pub body: String,
    pub reply_id: Option<CannedReplyId>,
    pub send_at: DateTime<Utc>,
    pub status: BroadcastStatus,
    /// Where the audience expansion continues (a page cursor or an offset), `None` at first.
    pub cursor: Option<String>,
    /// Recipients written so far.
    pub expanded: u32,
    /// The one call-list task for the patients who prefer a phone call.
    pub call_task: Option<TaskId>,
    /// Patients on that call list.
    pub call_list: u32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub version: u64,
}

impl Broadcast {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        practice_id: PracticeId,
        audience: Audience,
        kind: MessageKind,
        body: String,
        reply_id: Option<CannedReplyId>,
        send_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Self, DomainError> {
        if kind == MessageKind::Reviews {
            return Err(DomainError::Invalid {
                field: "kind",
                reason: "use care (e.g. an office closure) or marketing (news)".into(),
            });
        }
        let body = body.trim().to_string();
        if body.is_empty() || body.chars().count() > MAX_BODY {
            return Err(DomainError::Invalid {
                field: "body",
                reason: format!("write 1 to {MAX_BODY} characters, or name a canned reply"),
            });
        }
        Ok(Self {
            practice_id,
            broadcast_id: BroadcastId::generate(),
            audience: audience.checked()?,
            kind,
            body,
            reply_id,
            send_at: send_at.max(now),
            status: BroadcastStatus::Scheduled,
            cursor: None,
            expanded: 0,
            call_task: None,
            call_list: 0,
            created_at: now,
            updated_at: now,
            cancelled_at: None,
            version: 0,
        })
    }

    pub fn cancelled(&self) -> bool {
        self.status == BroadcastStatus::Cancelled
    }
}

/// What became of one recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum RecipientOutcome {
    /// Not handled yet.
    Pending,
    Sent {
        channel: Channel,
    },
    /// Quiet hours: it goes out at `until`.
    Deferred {
        until: DateTime<Utc>,
    },
    /// Not sent, and no task (`code`: no_consent, opted_out, no_address, daily_cap, …).
    Suppressed {
        code: String,
    },
    /// A staff task of its own (the preferred channel cannot be used for care news).
    StaffTask {
        task_id: TaskId,
    },
    /// On the broadcast's one call list (the patient prefers a call).
    CallList,
    /// The broadcast was cancelled before it went.
    Cancelled,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipient {
    pub practice_id: PracticeId,
    pub broadcast_id: BroadcastId,
    pub patient_id: PatientId,
    pub outcome: RecipientOutcome,
    pub at: DateTime<Utc>,
}

/// A broadcast's progress, counted over its recipients as they settle.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// Recipients written so far (the whole audience once expanded).
    pub recipients: u32,
    pub pending: u32,
    pub sent: u32,
    pub sent_by_channel: std::collections::BTreeMap<String, u32>,
    pub deferred: u32,
    /// The earliest and latest moment a deferred message goes out.
    pub deferred_until: Option<DeferredRange>,
    pub suppressed: u32,
    pub suppressed_by_reason: std::collections::BTreeMap<String, u32>,
    /// Staff tasks: one per patient whose channel cannot be used, plus the call list.
    pub staff_tasks: u32,
    pub call_list: u32,
    pub cancelled: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DeferredRange {
    pub earliest: DateTime<Utc>,
    pub latest: DateTime<Utc>,
}

impl Progress {
    /// Counts one recipient. Pending recipients of a cancelled broadcast count as cancelled.
    pub fn add(&mut self, r: &Recipient, cancelled: bool) {
        self.recipients += 1;
        match &r.outcome {
            RecipientOutcome::Pending if cancelled => self.cancelled += 1,
            RecipientOutcome::Pending => self.pending += 1,
            RecipientOutcome::Sent { channel } => {
                self.sent += 1;
                *self.sent_by_channel.entry(channel.to_string()).or_default() += 1;
            }
            RecipientOutcome::Deferred { until } if cancelled => {
                let _ = until;
                self.cancelled += 1;
            }
            RecipientOutcome::Deferred { until } => {
                self.deferred += 1;
                let range = self.deferred_until.get_or_insert(DeferredRange {
                    earliest: *until,
                    latest: *until,
                });
                range.earliest = range.earliest.min(*until);
                range.latest = range.latest.max(*until);
            }
            RecipientOutcome::Suppressed { code } => {
                self.suppressed += 1;
                *self.suppressed_by_reason.entry(code.clone()).or_default() += 1;
            }
            RecipientOutcome::StaffTask { .. } => self.staff_tasks += 1,
            RecipientOutcome::CallList => self.call_list += 1,
            RecipientOutcome::Cancelled => self.cancelled += 1,
        }
    }

    /// Adds the broadcast's one call-list task to the task count.
    pub fn finish(mut self, b: &Broadcast) -> Self {
        if b.call_task.is_some() {
            self.staff_tasks += 1;
        }
        self
    }
}
