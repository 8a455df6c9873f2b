//! A PMS update never undoes what the patient told us. Pure: the stored patient, what the
//! PMS sent and when its consent was gathered in; the channel and consents to store, and
//! each field kept as the patient set it, with why.
//!
//! - An opt-out (STOP by text, an unsubscribe, staff on the patient's word) stands until a
//!   newer consent from the patient arrives through the PMS: `consent_source: patient_form`
//!   with a `consent_at` after the opt-out, granting care on that channel. A grant from
//!   `practice_staff` never lifts it (carriers and the TCPA require the patient's own
//!   consent after an opt-out).
//! - A channel the patient chose themselves (by text or the preference page) stands until
//!   the PMS sends another with a `consent_at` after the patient's choice.
//! - The preferred channel never moves onto a channel the patient opted out of.

use chrono::{DateTime, SecondsFormat, Utc};
use frontdesk::domain::{Channel, ConsentGrant, ConsentSource, Consents, Patient};
use serde::Serialize;

/// A field of the request not applied because the patient's own choice is newer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Kept {
    /// `preferred_channel`, or `consents.<channel>`.
    pub field: String,
    /// What is stored: the channel, or `opted_out`.
    pub value: String,
    /// What the PMS asked for.
    pub requested: String,
    /// Why, and what would change it.
    pub reason: String,
}

/// Who gathered the request's consents and when (`consent_at`, if the PMS sent it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PmsConsent {
    pub source: ConsentSource,
    pub at: Option<DateTime<Utc>>,
}

impl PmsConsent {
    fn newer_than(&self, t: DateTime<Utc>) -> bool {
        self.at.is_some_and(|at| at > t)
    }
}

/// What to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reconciled {
    pub preferred: Channel,
    pub channel_chosen_at: Option<DateTime<Utc>>,
    pub kept: Vec<Kept>,
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn how(g: &ConsentGrant) -> &'static str {
    match g.source {
        ConsentSource::PatientKeyword => "by text",
        ConsentSource::PatientForm => "on a form",
        ConsentSource::PracticeStaff => "through staff",
        ConsentSource::Complaint => "by marking an email as spam",
    }
}

/// Lifts or keeps each stored opt-out in `consents` (already merged with the request's
/// grants), then settles the preferred channel. `granted_care` lists the channels the
/// request grants care messages on.
pub fn reconcile(
    existing: Option<&Patient>,
    requested: Channel,
    granted_care: &[Channel],
    consents: &mut Consents,
    pms: PmsConsent,
) -> Reconciled {
    let mut kept = Vec::new();
    for ch in Channel::ALL {
        let Some(out) = consents.0.get(&ch).and_then(|c| c.opted_out.clone()) else {
            continue;
        };
        let asks = granted_care.contains(&ch) || requested == ch;
        if !asks {
            continue;
        }
        let lifts = granted_care.contains(&ch)
            && pms.source == ConsentSource::PatientForm
            && pms.newer_than(out.at);
        if lifts {
            if let Some(c) = consents.0.get_mut(&ch) {
                c.opted_out = None;
            }
            continue;
        }
        kept.push(Kept {
            field: format!("consents.{ch}"),
            value: "opted_out".into(),
            requested: if granted_care.contains(&ch) {
                "care granted".into()
            } else {
                format!("preferred_channel {ch}")
            },
            reason: format!(
                "the patient opted out of {ch} {} at {}; only the patient can opt back in \
                 (texting START, or a consent form sent as consent_source patient_form \
                 with a consent_at after the opt-out and consents.{ch}.care true)",
                how(&out),
                stamp(out.at)
            ),
        });
    }

    let Some(e) = existing else {
        return Reconciled {
            preferred: requested,
            channel_chosen_at: None,
            kept,
        };
    };
    if requested == e.preferred_channel {
        return Reconciled {
            preferred: requested,
            channel_chosen_at: e.channel_chosen_at,
            kept,
        };
    }
    if let Some(chosen) = e.channel_chosen_at.filter(|t| !pms.newer_than(*t)) {
        kept.push(Kept {
            field: "preferred_channel".into(),
            value: e.preferred_channel.to_string(),
            requested: requested.to_string(),
            reason: format!(
                "the patient chose {} themselves at {}; send consent_at (when the patient \
                 told the practice otherwise) later than that to change it",
                e.preferred_channel,
                stamp(chosen)
            ),
        });
        return Reconciled {
            preferred: e.preferred_channel,
            channel_chosen_at: Some(chosen),
            kept,
        };
    }
    if consents.is_opted_out(requested) {
        kept.push(Kept {
            field: "preferred_channel".into(),
            value: e.preferred_channel.to_string(),
            requested: requested.to_string(),
            reason: format!(
                "the patient opted out of {requested}, so it cannot become their preferred \
                 channel (see consents.{requested})"
            ),
        });
        return Reconciled {
            preferred: e.preferred_channel,
            channel_chosen_at: e.channel_chosen_at,
            kept,
        };
    }
    Reconciled {
        preferred: requested,
        channel_chosen_at: None,
        kept,
    }
}

#[cfg(test)]
#[path = "patient_sync_tests.rs"]
mod tests;
