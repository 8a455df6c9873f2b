//! Delivery events, read from an SNS topic: the SES configuration set's event destination
//! (Bounce, Complaint, Delivery, Reject, DeliveryDelay) and AWS End User Messaging SMS
//! event destinations (text delivered, failed, opted out…).
//!
//! - `ses`, `sms`: each event JSON read into an [`Event`] (pure);
//! - `process`: applying it: the timeline message (found by the SES or SMS message id
//!   within the practice that owns the sender or number) says delivered or undelivered; a
//!   permanent bounce or an invalid/opted-out number marks the channel unhealthy with one
//!   "fix the contact" task; a complaint opts the patient out of that kind of email, with
//!   a task. Applied once: reports by their conditional update, complaints by a claim.
//!
//! The local gateway feeds `POST /_local/ses/events` and `POST /_local/sms/events` through
//! [`process_message`], the same code an SNS record takes.

mod error;
mod process;
pub mod ses;
pub mod sms;

use std::sync::Arc;

use frontdesk::aws::Clients;
use frontdesk::config::Config;
use frontdesk::invocation::{diagnostic, sns_event};
use frontdesk::ports::{Clock, Store, SystemClock};
use lambda_runtime::{Diagnostic, LambdaEvent};
use serde_json::{json, Value};

pub use error::EventError;
pub use process::{process_message, Outcome};

/// What the handler needs.
#[derive(Clone)]
pub struct Deps {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
}

/// Builds the dependencies from the configuration and the shared clients. No I/O.
pub fn wire(config: &Config, clients: &Clients) -> Deps {
    Deps {
        store: Arc::new(clients.store(config)),
        clock: Arc::new(SystemClock),
    }
}

/// One delivery event, whatever carried it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// About an email the practice sent from `sender`.
    Email {
        sender: String,
        message_id: String,
        what: EmailEvent,
    },
    /// About a text the practice sent from `origination`.
    Sms {
        origination: String,
        message_id: String,
        reported: frontdesk::delivery_status::Reported,
    },
    /// An event type that changes nothing (e.g. `DeliveryDelay`, `Send`, `Open`).
    Ignored(&'static str),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmailEvent {
    Report(frontdesk::delivery_status::Reported),
    /// The recipient marked it as spam (`complaintFeedbackType`, when given).
    Complaint {
        feedback_id: String,
    },
}

/// The Lambda entry point: an SNS event. Every record is processed; records that failed
/// for a transient reason (storage) fail the invocation so SNS retries (applied records
/// are recognised on retry); unreadable or unroutable records are logged and skipped.
pub async fn handle(deps: &Deps, event: LambdaEvent<Value>) -> Result<Value, Diagnostic> {
    let event = sns_event(event.payload)?;
    let total = event.records.len();
    let mut retry = None;
    let mut applied = 0;
    for (index, record) in event.records.iter().enumerate() {
        match process_message(deps, &record.sns.message).await {
            Ok(outcome) => {
                applied += usize::from(outcome.changed());
                tracing::info!(record = index, outcome = outcome.label(), "delivery event");
            }
            Err(e) if e.is_transient() => {
                tracing::error!(record = index, error = %e, "delivery event failed; SNS will retry");
                retry.get_or_insert_with(|| format!("record {index}: {e}"));
            }
            Err(e) => {
                tracing::warn!(record = index, code = e.code(), error = %e, "delivery event skipped");
            }
        }
    }
    match retry {
        Some(first) => Err(diagnostic("DeliveryEventsFailed", first)),
        None => Ok(json!({"records": total, "changed": applied})),
    }
}

pub mod serve;
#[cfg(test)]
mod tests;
pub use serve::serve;
