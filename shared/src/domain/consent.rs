//! Consent: per channel and per message kind, each change with its source and time.
//! An opt-out on a channel (STOP) overrides every kind on that channel until the patient
//! opts back in (START).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::{Channel, MessageKind};

/// Who recorded a consent change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentSource {
    /// Practice staff, through the PMS or the API.
    PracticeStaff,
    /// The patient, by a keyword such as STOP or START.
    PatientKeyword,
    /// The patient, on an intake or consent form.
    PatientForm,
    /// The patient's mail provider reported a complaint (the email was marked as spam).
    Complaint,
}

/// One recorded consent decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentGrant {
    pub granted: bool,
    pub source: ConsentSource,
    pub at: DateTime<Utc>,
}

/// Consent on one channel.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelConsent {
    /// Per-kind grants. A kind with no entry has no consent.
    #[serde(default)]
    pub kinds: BTreeMap<MessageKind, ConsentGrant>,
    /// Set by an opt-out keyword (or staff); cleared by an opt-in keyword.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opted_out: Option<ConsentGrant>,
}

/// All of a patient's consents.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Consents(pub BTreeMap<Channel, ChannelConsent>);

/// Why a channel may not be used for a kind of message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentBlock {
    OptedOut,
    NoConsent,
}

impl Consents {
    /// Whether `kind` messages may go out on `channel`.
    pub fn check(&self, channel: Channel, kind: MessageKind) -> Result<(), ConsentBlock> {
        let Some(c) = self.0.get(&channel) else {
            return Err(ConsentBlock::NoConsent);
        };
        if c.opted_out.is_some() {
            return Err(ConsentBlock::OptedOut);
        }
        match c.kinds.get(&kind) {
            Some(g) if g.granted => Ok(()),
            _ => Err(ConsentBlock::NoConsent),
        }
    }

    pub fn allows(&self, channel: Channel, kind: MessageKind) -> bool {
        self.check(channel, kind).is_ok()
    }

    pub fn is_opted_out(&self, channel: Channel) -> bool {
        self.0.get(&channel).is_some_and(|c| c.opted_out.is_some())
    }

    /// Records a grant or withdrawal of one kind on one channel.
    pub fn set(
        &mut self,
        channel: Channel,
        kind: MessageKind,
        granted: bool,
        source: ConsentSource,
        at: DateTime<Utc>,
    ) {
        self.0.entry(channel).or_default().kinds.insert(
            kind,
            ConsentGrant {
                granted,
                source,
                at,
            },
        );
    }

    /// An opt-out keyword: blocks every kind on the channel.
    pub fn opt_out(&mut self, channel: Channel, source: ConsentSource, at: DateTime<Utc>) {
        self.0.entry(channel).or_default().opted_out = Some(ConsentGrant {
            granted: false,
            source,
            at,
        });
    }

    /// An opt-in keyword: lifts the opt-out; per-kind grants recorded before it apply again.
    /// A patient who texts START has asked for care messages at least.
    pub fn opt_in(&mut self, channel: Channel, source: ConsentSource, at: DateTime<Utc>) {
        let c = self.0.entry(channel).or_default();
        c.opted_out = None;
        let care = c.kinds.get(&MessageKind::Care).is_some_and(|g| g.granted);
        if !care {
            c.kinds.insert(
                MessageKind::Care,
                ConsentGrant {
                    granted: true,
                    source,
                    at,
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .to_utc()
    }

    #[test]
    fn no_entry_means_no_consent() {
        let c = Consents::default();
        assert_eq!(
            c.check(Channel::Sms, MessageKind::Care),
            Err(ConsentBlock::NoConsent)
        );
    }

    #[test]
    fn opt_out_overrides_every_kind_and_opt_in_restores_care() {
        let mut c = Consents::default();
        c.set(
            Channel::Sms,
            MessageKind::Reviews,
            true,
            ConsentSource::PatientForm,
            t(),
        );
        c.opt_out(Channel::Sms, ConsentSource::PatientKeyword, t());
        assert_eq!(
            c.check(Channel::Sms, MessageKind::Reviews),
            Err(ConsentBlock::OptedOut)
        );
        assert!(c.is_opted_out(Channel::Sms));
        c.opt_in(Channel::Sms, ConsentSource::PatientKeyword, t());
        assert!(c.allows(Channel::Sms, MessageKind::Care));
        assert!(c.allows(Channel::Sms, MessageKind::Reviews));
        assert!(!c.allows(Channel::Sms, MessageKind::Marketing));
    }
}
