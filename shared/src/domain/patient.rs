//! A patient: contact addresses, the channel they chose, consents, and the small amount of
//! per-patient state the policy needs (recent automated sends for caps, the inbound thread).

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::{
    Channel, Consents, EmailAddress, PatientId, PhoneNumber, PracticeId, TaskId, Unhealthy,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Patient {
    pub practice_id: PracticeId,
    pub patient_id: PatientId,
    pub first_name: String,
    pub last_name: String,
    #[serde(default)]
    pub phone: Option<PhoneNumber>,
    #[serde(default)]
    pub email: Option<EmailAddress>,
    pub preferred_channel: Channel,
    #[serde(default)]
    pub consents: Consents,
    /// The patient's own time zone, when it differs from the practice's.
    #[serde(default)]
    pub time_zone: Option<Tz>,
    #[serde(default)]
    pub birth_date: Option<NaiveDate>,
    /// When the patient is due for a recall visit (a checkup), as the PMS sets it: the
    /// recall invitations are planned from it (see `crate::recall`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recall_due: Option<NaiveDate>,
    /// A signed waiver allowing clinical details in voicemail.
    #[serde(default)]
    pub voicemail_waiver: bool,
    #[serde(default)]
    pub new_patient: bool,
    #[serde(default)]
    pub no_show_count: u32,
    /// Automated sends in the last week, newest last, for frequency caps.
    #[serde(default)]
    pub recent_automated: Vec<DateTime<Utc>>,
    #[serde(default)]
    pub thread: ThreadState,
    /// Freed slots offered to this patient from the waitlist and not answered yet: their
    /// "YES" claims one (see `crate::waitlist`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub slot_offers: Vec<super::SlotOffer>,
    /// When the last review request went out (the review cap spans visits).
    #[serde(default)]
    pub last_review_request_at: Option<DateTime<Utc>>,
    /// An open complaint (low rating, negative feedback), for staff to follow up. Never read
    /// by the review-request decision: review requests do not depend on sentiment.
    #[serde(default)]
    pub open_feedback_task: Option<TaskId>,
    /// The SMS number failed for good (see `channel_health`): automated texts stop.
    #[serde(default)]
    pub sms_health: Option<Unhealthy>,
    /// The email address failed for good (a permanent bounce): automated email stops.
    #[serde(default)]
    pub email_health: Option<Unhealthy>,
    /// When the patient chose `preferred_channel` themselves (by text, email or the
    /// preference page). A PMS update changes it only with a newer consent time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_chosen_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Optimistic-concurrency version, bumped on every write.
    #[serde(default)]
    pub version: u64,
}

/// The state of the patient's conversation with the practice, across channels.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadState {
    /// Inbound messages since the thread was last resolved (a task resolved, a confirm…).
    #[serde(default)]
    pub exchanges_since_resolution: u32,
    /// When a phone call was suggested in this thread, if it was.
    #[serde(default)]
    pub call_suggested_at: Option<DateTime<Utc>>,
    /// When the first exchange since the last resolution came in: the thread has been
    /// without resolution since then (for `stalled_thread_days`).
    #[serde(default)]
    pub unresolved_since: Option<DateTime<Utc>>,
    /// Recent automatic replies, for the per-hour auto-reply limit.
    #[serde(default)]
    pub recent_auto_replies: Vec<DateTime<Utc>>,
    /// When the patient was asked whether "cancel" meant the visit or the texts, so the
    /// question is asked once and the answer ("CANCEL VISIT") is recognised.
    #[serde(default)]
    pub cancel_clarified_at: Option<DateTime<Utc>>,
    /// The patient's last message: the 24-hour conversation window and the channel a
    /// staff reply goes out on.
    #[serde(default)]
    pub last_inbound_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub last_inbound_channel: Option<Channel>,
    /// Since when the patient waits for a human answer (the key of their inbox entry).
    #[serde(default)]
    pub waiting_since: Option<DateTime<Utc>>,
}

impl Patient {
    /// A new patient of `practice_id` who prefers `preferred_channel`, created at `now`:
    /// no addresses, consents or history yet (set the fields that apply).
    pub fn new(
        practice_id: PracticeId,
        patient_id: PatientId,
        first_name: impl Into<String>,
        last_name: impl Into<String>,
        preferred_channel: Channel,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            practice_id,
            patient_id,
            first_name: first_name.into(),
            last_name: last_name.into(),
            phone: None,
            email: None,
            preferred_channel,
            consents: Consents::default(),
            time_zone: None,
            birth_date: None,
            recall_due: None,
            voicemail_waiver: false,
            new_patient: false,
            no_show_count: 0,
            recent_automated: vec![],
            thread: ThreadState::default(),
            slot_offers: vec![],
            last_review_request_at: None,
            open_feedback_task: None,
            sms_health: None,
            email_health: None,
            channel_chosen_at: None,
            created_at: now,
            updated_at: now,
            version: 1,
        }
    }

    /// The time zone to read quiet hours in: the patient's own, else the practice's.
    pub fn zone(&self, practice_tz: Tz) -> Tz {
        self.time_zone.unwrap_or(practice_tz)
    }

    /// Whether the patient has an address for `channel`.
    pub fn has_address(&self, channel: Channel) -> bool {
        match channel {
            Channel::Sms | Channel::Voice => self.phone.is_some(),
            Channel::Email => self.email.is_some(),
        }
    }
}
