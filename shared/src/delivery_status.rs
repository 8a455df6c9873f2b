//! Delivery reports: what a provider's status callback or event says about a message we
//! sent ([`Reported`], read by each provider's pure `*_status` function), and applying it
//! ([`apply`]) to the timeline message, found by the provider's message id within the
//! practice. Applied once and never backwards: only a message still `sent` takes a
//! `delivered` or `undelivered`, so a duplicate or a late `sent` changes nothing. A
//! failure that is about the patient's number or address marks the channel unhealthy and
//! raises one "fix the contact" task (see `channel_health`), and so does a run of
//! transient failures in a row (`policy::undelivered_run`).

use chrono::{DateTime, Utc};

use crate::channel_health::{self, describe};
use crate::domain::{Channel, Decision, PracticeId};
use crate::policy::undelivered_run as run;
use crate::ports::{Key, Store, Write};
use crate::providers::Permanent;
use crate::{Error, Result};

/// What a provider reports about one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reported {
    /// Queued, accepted, sent to the carrier: nothing new (the message is already `sent`).
    Sent,
    Delivered,
    /// Not delivered. `code` is stable and names the provider (`twilio:30006`);
    /// `for_good` says what failed when it is about the recipient's number or address.
    Undelivered {
        code: String,
        for_good: Option<String>,
    },
}

/// One delivery report, from a verified callback or event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub provider_message_id: String,
    pub reported: Reported,
}

/// What applying a report did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The timeline message now says delivered/undelivered; `marked`: the channel was
    /// marked unhealthy and a task raised.
    Recorded { marked: bool },
    /// Already recorded (a duplicate), or older than what is recorded (out of order).
    Unchanged,
    /// No message of this practice has this provider id: refused, nothing stored.
    UnknownMessage,
}

impl Applied {
    pub fn label(self) -> &'static str {
        match self {
            Applied::Recorded { marked: true } => "recorded_channel_marked",
            Applied::Recorded { marked: false } => "recorded",
            Applied::Unchanged => "unchanged",
            Applied::UnknownMessage => "unknown_message",
        }
    }
}

fn undelivered(provider: &str, code: &str, permanent: Option<Permanent>) -> Reported {
    Reported::Undelivered {
        code: format!("{provider}:{code}"),
        for_good: permanent.map(|p| format!("{} ({provider} code {code})", describe(p))),
    }
}

/// Twilio `MessageStatus` and `ErrorCode` (see Twilio's error dictionary). Statuses not
/// about delivery (`receiving`, `received`, unknown ones) are `None`.
pub fn twilio_status(status: &str, error_code: Option<&str>) -> Option<Reported> {
    Some(match status {
        "queued" | "accepted" | "scheduled" | "sending" | "sent" => Reported::Sent,
        "delivered" | "read" => Reported::Delivered,
        "undelivered" | "failed" => {
            let code = error_code.filter(|c| !c.is_empty()).unwrap_or(status);
            let permanent = match code {
                "21610" | "30004" => Some(Permanent::OptedOut),
                "21211" | "30005" => Some(Permanent::InvalidNumber),
                "21614" | "30006" => Some(Permanent::NotMobile),
                _ => None,
            };
            undelivered("twilio", code, permanent)
        }
        _ => return None,
    })
}

/// Telnyx `message.sent` / `message.finalized`: the recipient's `status` and the first
/// error code.
pub fn telnyx_status(event_type: &str, status: &str, error_code: Option<&str>) -> Option<Reported> {
    Some(match (event_type, status) {
        ("message.sent", _) => Reported::Sent,
        ("message.finalized", "delivered") => Reported::Delivered,
        ("message.finalized", "delivery_failed" | "sending_failed") => {
            let code = error_code.filter(|c| !c.is_empty()).unwrap_or(status);
            let permanent = match code {
                "40300" => Some(Permanent::OptedOut),
                "40310" | "40012" => Some(Permanent::InvalidNumber),
                "40001" => Some(Permanent::NotMobile),
                _ => None,
            };
            undelivered("telnyx", code, permanent)
        }
        ("message.finalized", _) => Reported::Sent,
        _ => return None,
    })
}

/// Vonage SMS API delivery receipt `status` and `err-code`.
pub fn vonage_status(status: &str, err_code: Option<&str>) -> Option<Reported> {
    Some(match status {
        "accepted" | "buffered" => Reported::Sent,
        "delivered" => Reported::Delivered,
        "failed" | "rejected" | "expired" => {
            let code = err_code.filter(|c| !c.is_empty()).unwrap_or(status);
            let permanent = match code {
                "4" => Some(Permanent::OptedOut),
                "3" | "9" => Some(Permanent::InvalidNumber),
                _ => None,
            };
            undelivered("vonage", code, permanent)
        }
        _ => return None,
    })
}

/// Applies a verified report for `practice_id`. Round trips: one GetItem (the sent copy),
/// one write; a failure for good reads the patient first (one more) and, if another
/// report marked the channel meanwhile, writes the report alone (one more).
pub async fn apply(
    store: &dyn Store,
    practice_id: &PracticeId,
    report: &Report,
    now: DateTime<Utc>,
) -> Result<Applied> {
    let Some(sent) = store
        .sent_message(practice_id, &report.provider_message_id)
        .await?
    else {
        return Ok(Applied::UnknownMessage);
    };
    let id = Some(report.provider_message_id.clone());
    let (decision, for_good) = match &report.reported {
        Reported::Sent => return Ok(Applied::Unchanged),
        Reported::Delivered => (
            Decision::Delivered {
                provider_message_id: id,
                at: now,
            },
            None,
        ),
        Reported::Undelivered { code, for_good } => (
            Decision::Undelivered {
                provider_message_id: id,
                code: code.clone(),
                at: now,
            },
            for_good.clone().map(|f| (code.clone(), f)),
        ),
    };
    let mut updated = sent.clone();
    updated.decision = decision;
    let report_write = Write::DeliveryReport(Box::new(updated));
    let mut writes = vec![report_write.clone()];
    if let (Some((code, what)), Some(patient_id), Channel::Sms | Channel::Email) =
        (for_good, &sent.patient_id, sent.channel)
    {
        let fetched = store
            .get_many(practice_id, &[Key::Patient(patient_id.clone())])
            .await?;
        if let Some(p) = fetched
            .patient(patient_id)
            .filter(|p| p.unhealthy(sent.channel).is_none())
        {
            let task = channel_health::fix_contact_task(p, sent.channel, &what, None, now);
            writes.extend(channel_health::mark(
                p,
                sent.channel,
                &code,
                &what,
                task,
                now,
            ));
        }
    }
    let marking = writes.len() > 1;
    let transient = match &report.reported {
        Reported::Undelivered {
            code,
            for_good: None,
        } => Some(code.as_str()),
        _ => None,
    };
    match store.write(writes).await {
        Ok(()) if marking => Ok(Applied::Recorded { marked: true }),
        Ok(()) => {
            let marked = match transient {
                Some(code) => mark_if_repeated(store, &sent, code, now).await?,
                None => false,
            };
            Ok(Applied::Recorded { marked })
        }
        Err(Error::Conflict) if marking => match store.write(vec![report_write]).await {
            Ok(()) => Ok(Applied::Recorded { marked: false }),
            Err(Error::Conflict) => Ok(Applied::Unchanged),
            Err(e) => Err(e),
        },
        Err(Error::Conflict) => Ok(Applied::Unchanged),
        Err(e) => Err(e),
    }
}

/// After a transient failure is recorded: if it is the `UNDELIVERED_RUN_LIMIT`th in a row
/// on the channel (no delivery, no message from the patient in between), marks the channel
/// with the one "fix the contact" task. Read after the report's own write, so of two
/// racing reports at least the later sees both; the mark's condition (only while healthy)
/// raises the task once. Round trips: one Query (the latest messages); when the run is
/// long enough, one GetItem (the patient) and one write.
async fn mark_if_repeated(
    store: &dyn Store,
    sent: &crate::domain::Message,
    code: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let (Some(patient_id), Channel::Sms | Channel::Email) = (&sent.patient_id, sent.channel) else {
        return Ok(false);
    };
    let recent = store
        .recent_messages(&sent.practice_id, patient_id, run::RUN_LOOKBACK)
        .await?;
    let length = run::run_length(recent.iter().map(|m| run::fate(m, sent.channel)));
    if length < run::UNDELIVERED_RUN_LIMIT {
        return Ok(false);
    }
    let fetched = store
        .get_many(&sent.practice_id, &[Key::Patient(patient_id.clone())])
        .await?;
    let Some(p) = fetched
        .patient(patient_id)
        .filter(|p| p.unhealthy(sent.channel).is_none())
    else {
        return Ok(false);
    };
    let what = run::describe_run(sent.channel, length, code);
    let task = channel_health::fix_contact_task(p, sent.channel, &what, None, now);
    let code = format!("repeated_undelivered ({code})");
    match store
        .write(channel_health::mark(
            p,
            sent.channel,
            &code,
            &what,
            task,
            now,
        ))
        .await
    {
        Ok(()) => Ok(true),
        Err(Error::Conflict) => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_sent_delivered_or_undelivered_with_the_code() {
        assert_eq!(twilio_status("sent", None), Some(Reported::Sent));
        assert_eq!(twilio_status("delivered", None), Some(Reported::Delivered));
        assert_eq!(twilio_status("received", None), None);
        match twilio_status("undelivered", Some("30006")) {
            Some(Reported::Undelivered { code, for_good }) => {
                assert_eq!(code, "twilio:30006");
                assert!(for_good.unwrap().contains("landline"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            twilio_status("undelivered", Some("30003")),
            Some(Reported::Undelivered {
                code: "twilio:30003".into(),
                for_good: None
            })
        );
        assert!(matches!(
            telnyx_status("message.finalized", "delivery_failed", Some("40300")),
            Some(Reported::Undelivered {
                for_good: Some(_),
                ..
            })
        ));
        assert_eq!(
            telnyx_status("message.finalized", "delivered", None),
            Some(Reported::Delivered)
        );
        assert_eq!(telnyx_status("message.received", "", None), None);
        assert_eq!(
            vonage_status("delivered", Some("0")),
            Some(Reported::Delivered)
        );
        assert!(matches!(
            vonage_status("failed", Some("9")),
            Some(Reported::Undelivered {
                for_good: Some(_),
                ..
            })
        ));
    }
}
