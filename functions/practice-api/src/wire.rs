//! JSON shapes of the API, separate from the stored domain types. Requests reject unknown
//! fields, so a typo is a clear 4xx instead of a silently ignored setting.

use chrono::{DateTime, NaiveDate, Utc};
use frontdesk::domain::{
    Appointment, AppointmentStatus, Channel, ChannelHealthView, Confirmation, Consents, Patient,
    Practice, PracticeSettings,
};
use frontdesk::ports::IdentityStatus;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `PUT /v1/patients/{id}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatientIn {
    pub first_name: String,
    pub last_name: String,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    pub preferred_channel: String,
    /// `{"sms": {"care": true, "reviews": false}, "email": {...}}`
    #[serde(default)]
    pub consents: BTreeMap<String, BTreeMap<String, bool>>,
    /// Who gathered these consents: `practice_staff` (default) or `patient_form`.
    #[serde(default)]
    pub consent_source: Option<String>,
    /// When the practice gathered these consents and this channel (RFC 3339). Needed to
    /// override a choice the patient made themselves after that time.
    #[serde(default)]
    pub consent_at: Option<String>,
    #[serde(default)]
    pub time_zone: Option<String>,
    #[serde(default)]
    pub birth_date: Option<String>,
    /// When the patient is due for a recall visit (YYYY-MM-DD): plans the recall
    /// invitations; null or absent clears it.
    #[serde(default)]
    pub recall_due: Option<String>,
    #[serde(default)]
    pub voicemail_waiver: Option<bool>,
    #[serde(default)]
    pub new_patient: Option<bool>,
}

#[derive(Debug, Serialize)]
pub struct PatientOut<'a> {
    pub patient_id: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub phone: Option<&'a str>,
    pub email: Option<&'a str>,
    pub preferred_channel: Channel,
    pub consents: &'a Consents,
    pub time_zone: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub recall_due: Option<NaiveDate>,
    pub voicemail_waiver: bool,
    pub new_patient: bool,
    pub no_show_count: u32,
    /// Whether SMS and email still reach the patient (`channel_health`).
    pub channel_health: ChannelHealthView<'a>,
    /// When the patient chose `preferred_channel` themselves, if they did.
    pub channel_chosen_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// `PUT /v1/patients/{id}`: the patient as stored, and the request's fields kept as the
/// patient set them (empty when everything was applied).
#[derive(Debug, Serialize)]
pub struct PutPatientOut<'a> {
    #[serde(flatten)]
    pub patient: PatientOut<'a>,
    pub kept: Vec<crate::patient_sync::Kept>,
}

impl<'a> From<&'a Patient> for PatientOut<'a> {
    fn from(p: &'a Patient) -> Self {
        Self {
            patient_id: p.patient_id.as_str(),
            first_name: &p.first_name,
            last_name: &p.last_name,
            phone: p.phone.as_ref().map(|x| x.as_str()),
            email: p.email.as_ref().map(|x| x.as_str()),
            preferred_channel: p.preferred_channel,
            consents: &p.consents,
            time_zone: p.time_zone.map(|z| z.name().to_string()),
            birth_date: p.birth_date,
            recall_due: p.recall_due,
            voicemail_waiver: p.voicemail_waiver,
            new_patient: p.new_patient,
            no_show_count: p.no_show_count,
            channel_health: ChannelHealthView::of(p),
            channel_chosen_at: p.channel_chosen_at,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// `PUT /v1/appointments/{id}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppointmentIn {
    pub patient_id: String,
    /// RFC 3339 with offset.
    pub starts_at: String,
    pub duration_minutes: i64,
    #[serde(default)]
    pub provider: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct AppointmentOut<'a> {
    pub appointment_id: &'a str,
    pub patient_id: &'a str,
    pub starts_at: DateTime<Utc>,
    pub duration_minutes: u32,
    pub provider: Option<&'a str>,
    pub kind: Option<&'a str>,
    pub status: AppointmentStatus,
    pub confirmed: bool,
    pub confirmation: Option<&'a Confirmation>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl<'a> From<&'a Appointment> for AppointmentOut<'a> {
    fn from(a: &'a Appointment) -> Self {
        Self {
            appointment_id: a.appointment_id.as_str(),
            patient_id: a.patient_id.as_str(),
            starts_at: a.starts_at,
            duration_minutes: a.duration_minutes,
            provider: a.provider.as_deref(),
            kind: a.kind.as_deref(),
            status: a.status,
            confirmed: a.confirmation.is_some(),
            confirmation: a.confirmation.as_ref(),
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

/// Provider secrets are write-only: reads only say whether each is set.
#[derive(Debug, Serialize)]
pub struct SecretsOut {
    /// The provider that carries the practice's SMS (not a secret).
    pub provider: &'static str,
    pub twilio_auth_token: bool,
    pub telnyx_public_key: bool,
    pub vonage_signature_secret: bool,
    pub twilio_account_sid: bool,
    pub twilio_messaging_service_sid: bool,
    pub telnyx_api_key: bool,
    pub telnyx_messaging_profile_id: bool,
    pub vonage_api_key: bool,
    pub vonage_api_secret: bool,
}

#[derive(Debug, Serialize)]
pub struct ApiKeyOut<'a> {
    pub key_id: &'a str,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
pub struct PracticeOut<'a> {
    pub practice_id: &'a str,
    #[serde(flatten)]
    pub settings: &'a PracticeSettings,
    pub sms_provider: SecretsOut,
    pub api_keys: Vec<ApiKeyOut<'a>>,
    /// Where SES stands with `email_from` (verified, pending_verification, failed);
    /// absent when there is no sender or SES could not say.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_from_status: Option<IdentityStatus>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl PracticeOut<'_> {
    pub fn with_sender_status(mut self, status: Option<IdentityStatus>) -> Self {
        self.email_from_status = status;
        self
    }
}

impl<'a> From<&'a Practice> for PracticeOut<'a> {
    fn from(p: &'a Practice) -> Self {
        Self {
            practice_id: p.practice_id.as_str(),
            settings: &p.settings,
            sms_provider: SecretsOut {
                twilio_auth_token: p.sms_provider.twilio_auth_token.is_some(),
                telnyx_public_key: p.sms_provider.telnyx_public_key.is_some(),
                vonage_signature_secret: p.sms_provider.vonage_signature_secret.is_some(),
                provider: p.sms_provider.provider.unwrap_or_default().as_str(),
                twilio_account_sid: p.sms_provider.twilio_account_sid.is_some(),
                twilio_messaging_service_sid: p.sms_provider.twilio_messaging_service_sid.is_some(),
                telnyx_api_key: p.sms_provider.telnyx_api_key.is_some(),
                telnyx_messaging_profile_id: p.sms_provider.telnyx_messaging_profile_id.is_some(),
                vonage_api_key: p.sms_provider.vonage_api_key.is_some(),
                vonage_api_secret: p.sms_provider.vonage_api_secret.is_some(),
            },
            api_keys: p
                .api_keys
                .iter()
                .map(|k| ApiKeyOut {
                    key_id: &k.key_id,
                    created_at: k.created_at,
                })
                .collect(),
            email_from_status: None,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct PageOut<T: Serialize> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}
