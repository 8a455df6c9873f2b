//! A practice (tenant): its settings, provider secrets and API key hashes.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::{ClockTime, EmailAddress, OfficeHours, PhoneNumber, PracticeId, QuietHours, Region};

/// When a reminder goes out, relative to the appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReminderOffset {
    /// A fixed time before the start, e.g. 10080 minutes = one week.
    Before { minutes: u32 },
    /// On the morning of the visit at a local time (never after the start).
    DayOf { at: ClockTime },
}

impl ReminderOffset {
    /// A short stable label, used in due-work keys.
    pub fn label(&self) -> String {
        match self {
            ReminderOffset::Before { minutes } => format!("b{minutes}"),
            ReminderOffset::DayOf { at } => format!("d{}", at.0.format("%H%M")),
        }
    }
}

/// Who is on call for emergencies.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnCall {
    #[serde(default)]
    pub phone: Option<PhoneNumber>,
    #[serde(default)]
    pub email: Option<EmailAddress>,
}

/// How many automated messages one patient may receive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageCaps {
    pub per_day: u32,
    pub per_week: u32,
}

impl Default for MessageCaps {
    fn default() -> Self {
        Self {
            per_day: 3,
            per_week: 8,
        }
    }
}

/// Everything a practice can read and change through `/v1/practice`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PracticeSettings {
    pub name: String,
    pub time_zone: Tz,
    /// Region used to read national-format phone numbers.
    pub country: Region,
    /// The origination number for SMS.
    pub sms_number: Option<PhoneNumber>,
    /// A verified SES sender.
    pub email_from: Option<EmailAddress>,
    pub office_hours: OfficeHours,
    pub quiet_hours: QuietHours,
    pub reminder_offsets: Vec<ReminderOffset>,
    pub review_url: Option<String>,
    pub feedback_url: Option<String>,
    pub on_call: OnCall,
    pub callback_phone: Option<PhoneNumber>,
    pub emergency_keywords: Vec<String>,
    /// The number to call when it is life-threatening (911, 999, 112…).
    pub emergency_number: String,
    pub message_caps: MessageCaps,
    pub no_show_grace_minutes: u32,
    pub review_delay_minutes: u32,
    pub review_cap_days: u32,
    /// Back-and-forth exchanges without resolution before a call is suggested.
    pub escalate_after_exchanges: u32,
    /// Automatic replies per thread per hour, so two robots cannot ping-pong.
    pub auto_replies_per_hour: u32,
    /// Days a thread may stay without resolution before a call is suggested (the time
    /// rule, beside `escalate_after_exchanges`).
    pub stalled_thread_days: u32,
    /// Minutes past the answer time the automatic reply promised ("when we open at 8:00",
    /// or "shortly" while open) before an unanswered conversation becomes urgent and the
    /// on-call contact is told.
    pub answer_grace_minutes: u32,
    /// Whether reminders may name the appointment kind (procedure).
    pub include_procedure_details: bool,
    /// Whether confirmed patients get a short day-of note.
    pub day_of_note_for_confirmed: bool,
    /// Whether an unconfirmed appointment at the deadline may be offered to another patient.
    pub release_unconfirmed_slots: bool,
    /// The red flag of an unconfirmed visit goes up this long before the prior business
    /// day's closing (see `policy::red_flag`).
    pub red_flag_minutes_before_close: u32,
    /// New patients are flagged this much earlier still (they are called first).
    pub new_patient_red_flag_extra_minutes: u32,
    /// Minutes over which the clock-aligned due work of one practice's day (the day-of
    /// reminder, later; the red flag, earlier) is spread, per appointment and
    /// deterministically (`policy::spread`). 0 keeps the exact times.
    pub spread_minutes: u32,
    /// Waitlist patients offered a freed slot at once (see `frontdesk::waitlist`).
    pub waitlist_batch_size: u32,
    /// Minutes between two batches of offers of one freed slot.
    pub waitlist_batch_minutes: u32,
    /// Whether patients with a birth date and marketing consent get a birthday greeting
    /// (10:00 on their clock; see `frontdesk::birthdays`). Off until the practice turns it on.
    pub birthday_greetings: bool,
    /// An optional practice-written offer added to the birthday greeting ("10% off
    /// whitening this month"): at most 300 characters, no placeholders.
    pub birthday_offer: Option<String>,
    /// Whether a patient who prefers a call gets a (low-priority) call task to be wished
    /// a happy birthday. Off: staff time goes to care; the greeting is skipped, on record.
    pub birthday_call_tasks: bool,
    /// Recall: the first invitation goes this many weeks before the patient's `recall_due`.
    pub recall_lead_weeks: u32,
    /// Recall: weeks between two invitations of one series.
    pub recall_every_weeks: u32,
    /// Recall: invitations per series at most (0 turns recall off).
    pub recall_max_invitations: u32,
    /// Recall intervals by appointment kind: a completed visit of a kind listed here sets
    /// the patient's `recall_due` to the visit's date plus `every_months` (unless a later
    /// one is set already; see `frontdesk::recall::after_visit`). Empty: only the PMS
    /// sets `recall_due`.
    pub recall: Vec<RecallInterval>,
}

/// One recall interval: `{"kind": "hygiene", "every_months": 6}`. The kind matches an
/// appointment's `kind` case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecallInterval {
    pub kind: String,
    pub every_months: u32,
}

impl RecallInterval {
    /// Whether an appointment of `kind` is of this interval's kind.
    pub fn matches(&self, kind: Option<&str>) -> bool {
        kind.is_some_and(|k| k.trim().eq_ignore_ascii_case(self.kind.trim()))
    }
}

impl Default for PracticeSettings {
    fn default() -> Self {
        Self {
            name: String::new(),
            time_zone: chrono_tz::America::New_York,
            country: Region::us(),
            sms_number: None,
            email_from: None,
            office_hours: OfficeHours::default(),
            quiet_hours: QuietHours::default(),
            reminder_offsets: vec![
                ReminderOffset::Before {
                    minutes: 7 * 24 * 60,
                },
                ReminderOffset::Before {
                    minutes: 2 * 24 * 60,
                },
                ReminderOffset::DayOf {
                    at: ClockTime::hm(8, 0),
                },
            ],
            review_url: None,
            feedback_url: None,
            on_call: OnCall::default(),
            callback_phone: None,
            emergency_keywords: [
                "emergency",
                "bleeding",
                "swelling",
                "severe pain",
                "chest pain",
                "can't breathe",
                "cannot breathe",
                "overdose",
                "suicidal",
            ]
            .into_iter()
            .map(String::from)
            .collect(),
            emergency_number: "911".into(),
            message_caps: MessageCaps::default(),
            no_show_grace_minutes: 1,
            review_delay_minutes: 120,
            review_cap_days: 180,
            escalate_after_exchanges: 4,
            auto_replies_per_hour: 3,
            stalled_thread_days: 2,
            answer_grace_minutes: 30,
            include_procedure_details: false,
            day_of_note_for_confirmed: true,
            release_unconfirmed_slots: false,
            red_flag_minutes_before_close: 60,
            new_patient_red_flag_extra_minutes: 120,
            spread_minutes: 30,
            waitlist_batch_size: 5,
            waitlist_batch_minutes: 10,
            birthday_greetings: false,
            birthday_offer: None,
            birthday_call_tasks: false,
            recall_lead_weeks: 4,
            recall_every_weeks: 6,
            recall_max_invitations: 3,
            recall: vec![],
        }
    }
}

/// Per-practice provider choice, webhook secrets and outbound credentials. Write-only
/// through the API; `GET` shows only whether each is set.
/// `Debug` prints only the provider and which values are set, never a secret.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderSecrets {
    #[serde(default)]
    pub twilio_auth_token: Option<String>,
    /// Base64 Ed25519 public key from the Telnyx portal.
    #[serde(default)]
    pub telnyx_public_key: Option<String>,
    #[serde(default)]
    pub vonage_signature_secret: Option<String>,
    /// The provider that owns `sms_number` and carries every SMS (`None` = AWS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<super::SmsProvider>,
    /// Twilio outbound: the Account SID (Basic auth user, with `twilio_auth_token`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub twilio_account_sid: Option<String>,
    /// Twilio outbound: send through a Messaging Service instead of `From`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub twilio_messaging_service_sid: Option<String>,
    /// Telnyx outbound: the API key (Bearer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub telnyx_api_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub telnyx_messaging_profile_id: Option<String>,
    /// Vonage outbound (SMS API): the API key and secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vonage_api_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vonage_api_secret: Option<String>,
}

impl std::fmt::Debug for ProviderSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let set = |v: &Option<String>| v.is_some();
        f.debug_struct("ProviderSecrets")
            .field("provider", &self.provider)
            .field("twilio_auth_token", &set(&self.twilio_auth_token))
            .field("telnyx_public_key", &set(&self.telnyx_public_key))
            .field(
                "vonage_signature_secret",
                &set(&self.vonage_signature_secret),
            )
            .field("twilio_account_sid", &set(&self.twilio_account_sid))
            .field(
                "twilio_messaging_service_sid",
                &set(&self.twilio_messaging_service_sid),
            )
            .field("telnyx_api_key", &set(&self.telnyx_api_key))
            .field(
                "telnyx_messaging_profile_id",
                &set(&self.telnyx_messaging_profile_id),
            )
            .field("vonage_api_key", &set(&self.vonage_api_key))
            .field("vonage_api_secret", &set(&self.vonage_api_secret))
            .finish()
    }
}

/// A stored API key: only its SHA-256 hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyRecord {
    pub key_id: String,
    pub hash: String,
    pub created_at: DateTime<Utc>,
}

/// The practice item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Practice {
    pub practice_id: PracticeId,
    pub settings: PracticeSettings,
    #[serde(default)]
    pub sms_provider: ProviderSecrets,
    #[serde(default)]
    pub api_keys: Vec<ApiKeyRecord>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_once_named() {
        let s = PracticeSettings {
            name: "Smile Dental".into(),
            ..Default::default()
        };
        s.validate().unwrap();
        assert!(
            PracticeSettings::default().validate().is_err(),
            "a practice needs a name"
        );
    }

    #[test]
    fn settings_round_trip_through_json() {
        let s = PracticeSettings {
            name: "Smile".into(),
            ..Default::default()
        };
        let json = serde_json::to_string(&s).unwrap();
        let back: PracticeSettings = serde_json::from_str(&json).unwrap();
        assert_eq!(s, back);
    }

    #[test]
    fn recall_intervals_are_checked_on_parse() {
        let parse = |recall: serde_json::Value| {
            let s: PracticeSettings =
                serde_json::from_value(serde_json::json!({"name": "Smile", "recall": recall}))
                    .map_err(|e| e.to_string())?;
            s.validate().map(|_| s).map_err(|e| e.to_string())
        };
        let ok = parse(serde_json::json!([{"kind": "hygiene", "every_months": 6}])).unwrap();
        assert!(ok.recall[0].matches(Some(" Hygiene ")));
        assert!(!ok.recall[0].matches(Some("exam")) && !ok.recall[0].matches(None));
        for bad in [
            serde_json::json!([{"kind": "hygiene", "every_months": 0}]),
            serde_json::json!([{"kind": "hygiene", "every_months": 37}]),
            serde_json::json!([{"kind": " ", "every_months": 6}]),
            serde_json::json!([{"kind": "hygiene", "every_months": 6},
                               {"kind": "HYGIENE", "every_months": 12}]),
            serde_json::json!([{"kind": "hygiene", "every_months": 6, "extra": 1}]),
        ] {
            assert!(parse(bad.clone()).is_err(), "{bad}");
        }
        assert!(parse(serde_json::json!([{"kind": "exam", "every_months": 36}])).is_ok());
    }

    #[test]
    fn offsets_have_stable_labels() {
        assert_eq!(ReminderOffset::Before { minutes: 2880 }.label(), "b2880");
        assert_eq!(
            ReminderOffset::DayOf {
                at: ClockTime::hm(8, 0)
            }
            .label(),
            "d0800"
        );
    }
}
