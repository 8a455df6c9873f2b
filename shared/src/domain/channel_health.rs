//! Channel health: whether a patient's SMS number or email address still reaches them.
//!
//! A permanent failure (an invalid or landline number, a carrier-level opt-out, a permanent
//! email bounce) marks that channel unhealthy with what failed and when, and raises one
//! "fix the contact" task for staff. Automated sends to an unhealthy channel stop and become
//! staff tasks instead (never another channel). A later inbound message on the channel, or a
//! corrected number or address, makes it healthy again.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Channel, Patient, TaskId};

/// Why a channel stopped working. Never holds the number, the address or a message body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unhealthy {
    /// Stable code of what failed, e.g. `twilio:opted_out (code 21610)`, `ses:bounce:permanent`.
    pub code: String,
    /// For staff: what failed and what to do.
    pub reason: String,
    pub since: DateTime<Utc>,
    /// The one "fix the contact" task raised when it was marked.
    pub task_id: TaskId,
}

/// A channel's health, as shown to practices (`GET /v1/patients/{id}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HealthView<'a> {
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_id: Option<&'a str>,
}

impl<'a> HealthView<'a> {
    pub fn of(health: Option<&'a Unhealthy>) -> Self {
        match health {
            None => HealthView {
                status: "healthy",
                code: None,
                reason: None,
                since: None,
                task_id: None,
            },
            Some(u) => HealthView {
                status: "unhealthy",
                code: Some(&u.code),
                reason: Some(&u.reason),
                since: Some(u.since),
                task_id: Some(u.task_id.as_str()),
            },
        }
    }
}

/// The health of the channels that can fail (voice is a staff call: never marked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChannelHealthView<'a> {
    pub sms: HealthView<'a>,
    pub email: HealthView<'a>,
}

impl<'a> ChannelHealthView<'a> {
    pub fn of(p: &'a Patient) -> Self {
        Self {
            sms: HealthView::of(p.sms_health.as_ref()),
            email: HealthView::of(p.email_health.as_ref()),
        }
    }
}

impl Patient {
    /// Why `channel` is unusable for automated sends, if it is marked unhealthy. SMS health
    /// is the number's; voice (a staff call) is never blocked by it.
    pub fn unhealthy(&self, channel: Channel) -> Option<&Unhealthy> {
        match channel {
            Channel::Sms => self.sms_health.as_ref(),
            Channel::Email => self.email_health.as_ref(),
            Channel::Voice => None,
        }
    }

    /// Carries the health of `previous` over to this new version of the patient: a channel
    /// whose number or address changed (a corrected contact from the PMS or staff) is
    /// healthy again; an unchanged one keeps its mark.
    pub fn carry_health(&mut self, previous: &Patient) {
        self.sms_health = keep_if_same(&previous.phone, &self.phone, &previous.sms_health);
        self.email_health = keep_if_same(&previous.email, &self.email, &previous.email_health);
    }
}

fn keep_if_same<T: PartialEq>(
    old: &Option<T>,
    new: &Option<T>,
    health: &Option<Unhealthy>,
) -> Option<Unhealthy> {
    if old == new {
        health.clone()
    } else {
        None
    }
}

/// The title of the "fix the contact" task. No names, numbers or addresses.
pub fn fix_contact_title(channel: Channel) -> &'static str {
    match channel {
        Channel::Sms => "Fix the contact: the patient's mobile number cannot receive texts",
        Channel::Email => "Fix the contact: the patient's email address cannot receive email",
        Channel::Voice => "Fix the contact: the patient's phone number",
    }
}

/// The detail of the "fix the contact" task: what failed, and what to do.
pub fn fix_contact_detail(channel: Channel, what_failed: &str) -> String {
    let (thing, by) = match channel {
        Channel::Email => ("email address", "email"),
        _ => ("mobile number", "text"),
    };
    format!(
        "A {by} to this patient failed for good ({what_failed}). Automated {by}s to them have \
         stopped. Check their {thing} with the patient and correct it in the practice system; \
         a corrected {thing}, or a new message from the patient on this channel, turns \
         automated {by}s back on. Nothing was sent on another channel."
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{EmailAddress, PatientId, PhoneNumber, PracticeId};

    fn unhealthy() -> Unhealthy {
        Unhealthy {
            code: "twilio:opted_out (code 21610)".into(),
            reason: "opted out at the carrier".into(),
            since: Utc::now(),
            task_id: TaskId::generate(),
        }
    }

    fn patient() -> Patient {
        let mut p = Patient::new(
            PracticeId::parse("prc_h").unwrap(),
            PatientId::parse("pat_h").unwrap(),
            "A",
            "B",
            Channel::Sms,
            Utc::now(),
        );
        p.phone = Some(PhoneNumber::parse_e164("+14155550100").unwrap());
        p.email = Some(EmailAddress::parse("a@example.com").unwrap());
        p.sms_health = Some(unhealthy());
        p.email_health = Some(unhealthy());
        p
    }

    #[test]
    fn a_changed_contact_heals_only_its_own_channel() {
        let old = patient();
        let mut new = old.clone();
        new.sms_health = None;
        new.email_health = None;
        new.phone = Some(PhoneNumber::parse_e164("+14155550101").unwrap());
        new.carry_health(&old);
        assert_eq!(new.sms_health, None);
        assert_eq!(new.email_health, old.email_health);
        assert!(new.unhealthy(Channel::Voice).is_none());
    }

    #[test]
    fn the_view_says_healthy_or_why_not() {
        let mut p = patient();
        p.email_health = None;
        let v = serde_json::to_value(ChannelHealthView::of(&p)).unwrap();
        assert_eq!(v["sms"]["status"], "unhealthy");
        assert_eq!(v["sms"]["code"], "twilio:opted_out (code 21610)");
        assert_eq!(v["email"], serde_json::json!({"status": "healthy"}));
    }
}
