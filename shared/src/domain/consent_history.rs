//! Consent history: every consent change kept as its own append-only record, so a practice
//! can answer "when did this patient agree to texts, and who said so?" for years. The
//! patient's `Consents` stay the current state; each write that changes them also writes
//! one [`ConsentEvent`] per change, in the same transaction.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Channel, Consents, MessageKind, PatientId, PracticeId};
use crate::error::Error as DomainError;

/// Who made a consent change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ConsentChangeSource {
    /// The practice's PMS, through `PUT /v1/patients/{id}`.
    Pms,
    /// The patient, by a keyword text (`STOP`, `START`).
    PatientKeyword { keyword: String },
    /// The patient, on a preference page.
    PreferencePage,
    /// The patient, by an email's one-click unsubscribe (RFC 8058): "patient, one-click".
    OneClick,
    /// A named staff member.
    Staff { staff_id: String },
    /// A complaint (marked as spam) reported by the patient's mail provider through SES.
    Complaint,
}

impl ConsentChangeSource {
    /// A staff member's change: the id must be 1 to 64 printable characters.
    pub fn staff(staff_id: &str) -> Result<Self, DomainError> {
        let id = staff_id.trim();
        if id.is_empty() || id.chars().count() > 64 || id.chars().any(char::is_control) {
            return Err(DomainError::Invalid {
                field: "staff_id",
                reason: "must be 1 to 64 characters with no control characters".into(),
            });
        }
        Ok(Self::Staff {
            staff_id: id.to_string(),
        })
    }

    /// The patient's opt-out or opt-in keyword, as the canonical word (`STOP`, `START`).
    pub fn keyword(word: &'static str) -> Self {
        Self::PatientKeyword {
            keyword: word.to_string(),
        }
    }
}

/// One consent change: granted or revoked, for one kind on one channel, or for the whole
/// channel (`kind: None`: an opt-out or opt-in keyword).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentEvent {
    pub practice_id: PracticeId,
    pub patient_id: PatientId,
    /// A ULID, unique within the patient's history.
    pub event_id: String,
    pub at: DateTime<Utc>,
    pub channel: Channel,
    /// `None`: the whole channel (an opt-out blocks every kind; an opt-in lifts it).
    #[serde(default)]
    pub kind: Option<MessageKind>,
    pub granted: bool,
    pub source: ConsentChangeSource,
}

/// What changed: (channel, kind or whole channel, granted now).
pub type ConsentChange = (Channel, Option<MessageKind>, bool);

/// The changes from `before` (none for a new patient) to `after`, channel by channel: each
/// kind whose grant changed (or appeared, or disappeared while granted), and each opt-out
/// set or lifted. In a stable order (channels, then the channel-wide change, then kinds).
pub fn consent_changes(before: Option<&Consents>, after: &Consents) -> Vec<ConsentChange> {
    let empty = Consents::default();
    let before = before.unwrap_or(&empty);
    let mut out = vec![];
    for channel in Channel::ALL {
        let b = before.0.get(&channel);
        let a = after.0.get(&channel);
        let was_out = b.is_some_and(|c| c.opted_out.is_some());
        let is_out = a.is_some_and(|c| c.opted_out.is_some());
        if was_out != is_out {
            out.push((channel, None, !is_out));
        }
        for kind in MessageKind::ALL {
            let was = b.and_then(|c| c.kinds.get(&kind)).map(|g| g.granted);
            let is = a.and_then(|c| c.kinds.get(&kind)).map(|g| g.granted);
            match (was, is) {
                (w, Some(now)) if w != Some(now) => out.push((channel, Some(kind), now)),
                (Some(true), None) => out.push((channel, Some(kind), false)),
                _ => {}
            }
        }
    }
    out
}

impl ConsentEvent {
    /// The records of `changes` for one patient, all from `source` at `at`.
    pub fn record(
        practice_id: &PracticeId,
        patient_id: &PatientId,
        changes: &[ConsentChange],
        source: &ConsentChangeSource,
        at: DateTime<Utc>,
    ) -> Vec<ConsentEvent> {
        // Monotonic across the process, so changes keep the order they were made in,
        // within one batch and across requests at the same instant.
        changes
            .iter()
            .map(|(channel, kind, granted)| ConsentEvent {
                practice_id: practice_id.clone(),
                patient_id: patient_id.clone(),
                event_id: super::ids::monotonic_ulid().to_string(),
                at,
                channel: *channel,
                kind: *kind,
                granted: *granted,
                source: source.clone(),
            })
            .collect()
    }

    /// The events between two states of a patient's consents.
    pub fn between(
        practice_id: &PracticeId,
        patient_id: &PatientId,
        before: Option<&Consents>,
        after: &Consents,
        source: &ConsentChangeSource,
        at: DateTime<Utc>,
    ) -> Vec<ConsentEvent> {
        Self::record(
            practice_id,
            patient_id,
            &consent_changes(before, after),
            source,
            at,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ConsentSource;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn a_new_patient_records_each_grant() {
        let mut c = Consents::default();
        let at = t("2026-01-01T00:00:00Z");
        c.set(
            Channel::Sms,
            MessageKind::Care,
            true,
            ConsentSource::PracticeStaff,
            at,
        );
        c.set(
            Channel::Sms,
            MessageKind::Marketing,
            false,
            ConsentSource::PracticeStaff,
            at,
        );
        assert_eq!(
            consent_changes(None, &c),
            vec![
                (Channel::Sms, Some(MessageKind::Care), true),
                (Channel::Sms, Some(MessageKind::Marketing), false),
            ]
        );
    }

    #[test]
    fn stop_and_start_are_channel_wide_changes_and_nothing_is_repeated() {
        let at = t("2026-01-01T00:00:00Z");
        let mut c = Consents::default();
        c.set(
            Channel::Sms,
            MessageKind::Care,
            true,
            ConsentSource::PracticeStaff,
            at,
        );
        let before = c.clone();
        assert!(consent_changes(Some(&before), &c).is_empty());
        c.opt_out(Channel::Sms, ConsentSource::PatientKeyword, at);
        assert_eq!(
            consent_changes(Some(&before), &c),
            vec![(Channel::Sms, None, false)]
        );
        let stopped = c.clone();
        c.opt_in(Channel::Sms, ConsentSource::PatientKeyword, at);
        assert_eq!(
            consent_changes(Some(&stopped), &c),
            vec![(Channel::Sms, None, true)]
        );
    }

    #[test]
    fn start_without_care_consent_also_records_the_care_grant() {
        let at = t("2026-01-01T00:00:00Z");
        let mut c = Consents::default();
        c.opt_out(Channel::Sms, ConsentSource::PatientKeyword, at);
        let before = c.clone();
        c.opt_in(Channel::Sms, ConsentSource::PatientKeyword, at);
        assert_eq!(
            consent_changes(Some(&before), &c),
            vec![
                (Channel::Sms, None, true),
                (Channel::Sms, Some(MessageKind::Care), true)
            ]
        );
    }

    #[test]
    fn changes_made_together_keep_their_order() {
        let at = t("2026-01-01T00:00:00Z");
        let changes: Vec<ConsentChange> = MessageKind::ALL
            .iter()
            .map(|k| (Channel::Sms, Some(*k), true))
            .collect();
        for _ in 0..50 {
            let events = ConsentEvent::record(
                &PracticeId::parse("prc_a").unwrap(),
                &PatientId::parse("pt-1").unwrap(),
                &changes,
                &ConsentChangeSource::Pms,
                at,
            );
            let ids: Vec<_> = events.iter().map(|e| e.event_id.clone()).collect();
            let mut sorted = ids.clone();
            sorted.sort();
            assert_eq!(ids, sorted);
        }
    }

    #[test]
    fn a_staff_source_needs_an_id_and_serialises_with_it() {
        assert!(ConsentChangeSource::staff("  ").is_err());
        let s = ConsentChangeSource::staff("staff-17").unwrap();
        assert_eq!(
            serde_json::to_value(&s).unwrap(),
            serde_json::json!({"type": "staff", "staff_id": "staff-17"})
        );
    }
}
