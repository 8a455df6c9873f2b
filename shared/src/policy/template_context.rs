//! Typed contexts for the message templates. **Minimum necessary is enforced here**, not in
//! the templates: a context is only built by its constructor from the domain types, and the
//! constructor hands a template only what it may show.
//!
//! - **Procedure** (the appointment kind, e.g. "root canal") appears in patient reminders
//!   only when the practice enabled `include_procedure_details`.
//! - **Voicemail** names the procedure only when the patient signed `voicemail_waiver`
//!   (and, for reminders, the practice also enabled procedure details). Anyone can hear a
//!   voicemail.
//! - **Staff scripts** may show the procedure and provider to the staff member, marked as
//!   "for your reference only", and tell them to confirm who they are speaking to first.
//! - **Provider names** are never sent to patients automatically: a specialist's name can
//!   reveal a condition.
//! - **Free text from the PMS** (names, procedures) is cleaned: control characters and line
//!   breaks become spaces, and it is cut to a sensible length so an SMS stays short.
//! - Times are shown on the patient's wall clock, labelled with the zone abbreviation when
//!   it differs from the practice's.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::domain::{Appointment, Channel, Patient, PhoneNumber, PracticeSettings};
use crate::{Error, Result};

use super::local_time::{
    date_and_time, relative_day, relative_day_and_time, time_of_day, zones_differ,
};

/// Longest first name shown in a message.
const MAX_FIRST_NAME: usize = 30;
/// Longest procedure text shown in a message.
const MAX_DETAIL: usize = 60;
/// Longest practice name (settings allow 100).
const MAX_PRACTICE: usize = 100;

/// Replaces control characters and runs of whitespace with one space, trims, and cuts to
/// `max` characters.
pub(crate) fn clean(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max * 4));
    for word in s
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.chars().count() > max {
        out = out
            .chars()
            .take(max)
            .collect::<String>()
            .trim_end()
            .to_string();
    }
    out
}

fn clean_opt(s: Option<&str>, max: usize) -> Option<String> {
    s.map(|s| clean(s, max)).filter(|s| !s.is_empty())
}

/// A number the way people dial it at home: `(212) 555-0143` for a US number.
pub(crate) fn display_phone(p: &PhoneNumber) -> String {
    phonenumber::parse(None, p.as_str())
        .map(|n| n.format().mode(phonenumber::Mode::National).to_string())
        .unwrap_or_else(|_| p.as_str().to_string())
}

/// The number patients should call: the practice's callback phone, else its SMS number.
fn callback(practice: &PracticeSettings) -> Option<String> {
    practice
        .callback_phone
        .as_ref()
        .or(practice.sms_number.as_ref())
        .map(display_phone)
}

fn practice_name(practice: &PracticeSettings) -> String {
    let name = clean(&practice.name, MAX_PRACTICE);
    if name.is_empty() {
        "Your care team".to_string()
    } else {
        name
    }
}

fn first_name(patient: &Patient) -> Option<String> {
    clean_opt(Some(&patient.first_name), MAX_FIRST_NAME)
}

/// "Ana L.": enough for staff to recognise the patient in a list.
fn short_name(patient: &Patient) -> String {
    let first = first_name(patient).unwrap_or_else(|| "Patient".to_string());
    match clean(&patient.last_name, MAX_FIRST_NAME).chars().next() {
        Some(initial) => format!("{first} {initial}."),
        None => first,
    }
}

fn full_name(patient: &Patient) -> String {
    clean(
        &format!("{} {}", patient.first_name, patient.last_name),
        2 * MAX_FIRST_NAME,
    )
}

fn patient_phone(patient: &Patient) -> String {
    patient
        .phone
        .as_ref()
        .map(display_phone)
        .unwrap_or_else(|| "no phone number on file".to_string())
}

/// The patient's zone, and whether to label times with it.
fn patient_zone(practice: &PracticeSettings, patient: &Patient, at: DateTime<Utc>) -> (Tz, bool) {
    let zone = patient.zone(practice.time_zone);
    (zone, zones_differ(zone, practice.time_zone, at))
}

/// An appointment reminder, a day-of note, and the reminder call for voice patients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReminderContext {
    practice: String,
    callback: Option<String>,
    first_name: String,
    /// "Tue, Mar 10 at 2:30 PM" on the patient's clock.
    when: String,
    /// "2:30 PM" on the patient's clock.
    time: String,
    /// Only when the practice allows procedure details.
    procedure: Option<String>,
    /// Only with procedure details allowed *and* the patient's voicemail waiver.
    voicemail_procedure: Option<String>,
    /// For the staff member's eyes, in the call script.
    staff_procedure: Option<String>,
    staff_provider: Option<String>,
    patient_name: String,
    patient_phone: String,
}

impl ReminderContext {
    pub fn new(
        practice: &PracticeSettings,
        patient: &Patient,
        appointment: &Appointment,
    ) -> Result<Self> {
        let (zone, label) = patient_zone(practice, patient, appointment.starts_at);
        let kind = clean_opt(appointment.kind.as_deref(), MAX_DETAIL);
        let procedure = kind.clone().filter(|_| practice.include_procedure_details);
        let voicemail_procedure = procedure.clone().filter(|_| patient.voicemail_waiver);
        Ok(Self {
            practice: practice_name(practice),
            callback: callback(practice),
            first_name: first_name(patient).unwrap_or_else(|| "there".to_string()),
            when: date_and_time(appointment.starts_at, zone, label)?,
            time: time_of_day(appointment.starts_at, zone, label)?,
            procedure,
            voicemail_procedure,
            staff_procedure: kind,
            staff_provider: clean_opt(appointment.provider.as_deref(), MAX_DETAIL),
            patient_name: full_name(patient),
            patient_phone: patient_phone(patient),
        })
    }
}

/// A missed appointment: the wellbeing call, its voicemail, and the caring follow-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoShowContext {
    practice: String,
    callback: Option<String>,
    first_name: String,
    /// "today", "yesterday", "on Friday"… relative to when the message goes out.
    missed_day: String,
    missed_time: String,
    /// Only with the patient's voicemail waiver.
    voicemail_procedure: Option<String>,
    staff_procedure: Option<String>,
    patient_name: String,
    patient_phone: String,
}

impl NoShowContext {
    /// `now` is when the call or message happens, so "today" or "yesterday" is right.
    pub fn new(
        practice: &PracticeSettings,
        patient: &Patient,
        appointment: &Appointment,
        now: DateTime<Utc>,
    ) -> Result<Self> {
        let (zone, label) = patient_zone(practice, patient, appointment.starts_at);
        let kind = clean_opt(appointment.kind.as_deref(), MAX_DETAIL);
        Ok(Self {
            practice: practice_name(practice),
            callback: callback(practice),
            first_name: first_name(patient).unwrap_or_else(|| "there".to_string()),
            missed_day: relative_day(appointment.starts_at, now, zone)?,
            missed_time: time_of_day(appointment.starts_at, zone, label)?,
            voicemail_procedure: kind.clone().filter(|_| patient.voicemail_waiver),
            staff_procedure: kind,
            patient_name: full_name(patient),
            patient_phone: patient_phone(patient),
        })
    }
}

/// A review request: the practice's one public review link for everyone, and beside it a
/// private way to tell the practice what could be better.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReviewContext {
    practice: String,
    first_name: String,
    /// `practice.review_url`, verbatim: the same link for every patient, whatever they
    /// might think of the visit (no review gating, no per-patient tracking).
    review_url: String,
    feedback_url: Option<String>,
}

impl ReviewContext {
    /// Fails when the practice has no `review_url`.
    pub fn new(practice: &PracticeSettings, patient: &Patient) -> Result<Self> {
        let review_url = practice
            .review_url
            .clone()
            .filter(|u| !u.trim().is_empty())
            .ok_or_else(|| Error::Invalid {
                field: "review_url",
                reason: "is not set; set it with PATCH /v1/practice before review requests \
                         can go out"
                    .into(),
            })?;
        Ok(Self {
            practice: practice_name(practice),
            first_name: first_name(patient).unwrap_or_else(|| "there".to_string()),
            review_url,
            feedback_url: practice
                .feedback_url
                .clone()
                .filter(|u| !u.trim().is_empty()),
        })
    }
}

/// Replies to an inbound text, from a known patient or an unknown sender.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReplyContext {
    practice: String,
    callback: Option<String>,
    first_name: Option<String>,
    emergency_number: String,
    /// Whether the office is open now (practice zone).
    office_open: bool,
    /// The next office opening, "tomorrow at 8:00 AM", in the practice's zone (labelled
    /// when the patient's zone differs).
    next_opening: Option<String>,
    #[serde(skip)]
    has_phone: bool,
    #[serde(skip)]
    has_email: bool,
    #[serde(skip)]
    zone: Tz,
    #[serde(skip)]
    label_times: bool,
}

impl ReplyContext {
    pub fn new(
        practice: &PracticeSettings,
        patient: Option<&Patient>,
        now: DateTime<Utc>,
    ) -> Result<Self> {
        let practice_zone = practice.time_zone;
        let (zone, label) = match patient {
            Some(p) => patient_zone(practice, p, now),
            None => (practice_zone, false),
        };
        let opening = practice.office_hours.next_opening(now, practice_zone);
        let next_opening = opening
            .map(|o| relative_day_and_time(o, now, practice_zone, label))
            .transpose()?;
        let emergency = clean(&practice.emergency_number, 6);
        Ok(Self {
            practice: practice_name(practice),
            callback: callback(practice),
            first_name: patient.and_then(first_name),
            emergency_number: if emergency.is_empty() {
                "your local emergency number".to_string()
            } else {
                emergency
            },
            office_open: practice.office_hours.is_open(now, practice_zone),
            next_opening,
            has_phone: patient.is_some_and(|p| p.phone.is_some()),
            has_email: patient.is_some_and(|p| p.email.is_some()),
            zone,
            label_times: label,
        })
    }

    pub(crate) fn has_address(&self, channel: Channel) -> bool {
        match channel {
            Channel::Sms | Channel::Voice => self.has_phone,
            Channel::Email => self.has_email,
        }
    }

    /// An appointment time on the patient's clock.
    pub(crate) fn when(&self, at: DateTime<Utc>) -> Result<String> {
        date_and_time(at, self.zone, self.label_times)
    }
}

/// An emergency forwarded to the on-call team: who to call back and when it came in, and
/// nothing more (no message text, no keyword, no clinical detail). The rest is in the task
/// list, behind the practice's login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EmergencyForwardContext {
    practice: String,
    /// "Ana L.", or "unknown sender".
    patient_label: String,
    reply_phone: String,
    /// When the message arrived, on the practice's clock.
    received: String,
}

impl EmergencyForwardContext {
    /// `from` is the number the message came from (preferred for calling back); the
    /// patient's phone on file is used otherwise.
    pub fn new(
        practice: &PracticeSettings,
        patient: Option<&Patient>,
        from: Option<&PhoneNumber>,
        received_at: DateTime<Utc>,
    ) -> Result<Self> {
        let reply_phone = from
            .or(patient.and_then(|p| p.phone.as_ref()))
            .map(display_phone)
            .unwrap_or_else(|| "no phone number on file".to_string());
        Ok(Self {
            practice: practice_name(practice),
            patient_label: patient
                .map(short_name)
                .unwrap_or_else(|| "unknown sender".to_string()),
            reply_phone,
            received: date_and_time(received_at, practice.time_zone, false)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleaning_removes_line_breaks_and_control_characters_and_cuts_length() {
        assert_eq!(clean("  Ana\n\tMaria\u{7}  ", 30), "Ana Maria");
        assert_eq!(clean("abcdefghij", 4), "abcd");
        assert_eq!(clean("ab  cd", 3), "ab");
        assert_eq!(clean("", 3), "");
    }

    #[test]
    fn phone_numbers_are_shown_in_national_format() {
        let p = PhoneNumber::parse_e164("+12125550143").unwrap();
        assert_eq!(display_phone(&p), "(212) 555-0143");
    }
}
