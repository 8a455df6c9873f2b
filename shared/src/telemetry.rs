//! Custom metrics in CloudWatch Embedded Metric Format (EMF): the `metrics` facade with the
//! `metrics_cloudwatch_embedded` recorder, installed once per container by [`run`] (the
//! runtime loop of every function) and flushed to stdout after each invocation, where
//! CloudWatch Logs extracts them. The alarms in template.yaml read them.
//!
//! Dimensions come from fixed label sets only (channel, outcome, reason, provider,
//! action, sweep, function): never an id, a number, a name or any text from a patient.
//! Without an installed recorder (unit tests, the local gateway) recording is a no-op.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use lambda_runtime::{Diagnostic, LambdaEvent};
use metrics_cloudwatch_embedded::Collector;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::deliver::Delivery;
use crate::domain::{Channel, Sweep};
use crate::policy::SuppressReason;

/// The namespace the alarms read (`Frontdesk/<Stage>` in template.yaml).
pub const NAMESPACE_ENV: &str = "METRICS_NAMESPACE";
pub const DEFAULT_NAMESPACE: &str = "Frontdesk";

/// Metric names (template.yaml's alarms and docs/operations.md name them too).
pub const SENDS: &str = "Sends";
pub const SUPPRESSIONS: &str = "Suppressions";
pub const INBOUND: &str = "Inbound";
pub const SWEEP_ITEMS: &str = "SweepItems";
pub const SWEEP_LAG_SECONDS: &str = "SweepLagSeconds";
pub const COLD_START: &str = "ColdStart";

static COLLECTOR: OnceLock<&'static Collector> = OnceLock::new();

/// Installs the EMF recorder as the global `metrics` recorder, once per process; later
/// calls return the same collector. `None` if another recorder was installed first.
pub fn install(namespace: &str) -> Option<&'static Collector> {
    if let Some(c) = COLLECTOR.get() {
        return Some(c);
    }
    match metrics_cloudwatch_embedded::Builder::new()
        .cloudwatch_namespace(namespace.to_string())
        .init()
    {
        Ok(c) => {
            describe();
            Some(*COLLECTOR.get_or_init(|| c))
        }
        Err(e) => {
            tracing::warn!(error = %e, "metrics recorder not installed; no EMF metrics");
            None
        }
    }
}

/// Writes what was recorded since the last flush as EMF lines (one JSON document per
/// label set) to `writer`, tagged with `request_id` when given. No-op without a recorder.
pub fn flush(request_id: Option<&str>, writer: impl std::io::Write) -> std::io::Result<()> {
    match COLLECTOR.get() {
        Some(c) => {
            if let Some(id) = request_id {
                c.set_property("RequestId", id.to_string());
            }
            c.flush(writer)
        }
        None => Ok(()),
    }
}

fn describe() {
    use metrics::Unit;
    metrics::describe_counter!(
        SENDS,
        Unit::Count,
        "automated messages by channel and outcome"
    );
    metrics::describe_counter!(SUPPRESSIONS, Unit::Count, "messages not sent, by reason");
    metrics::describe_counter!(INBOUND, Unit::Count, "inbound texts by provider and action");
    metrics::describe_counter!(SWEEP_ITEMS, Unit::Count, "due items a sweep run handled");
    metrics::describe_gauge!(
        SWEEP_LAG_SECONDS,
        Unit::Seconds,
        "age of the oldest due item not done"
    );
    metrics::describe_counter!(COLD_START, Unit::Count, "first invocations of a container");
}

fn namespace_from_env() -> String {
    std::env::var(NAMESPACE_ENV)
        .ok()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| DEFAULT_NAMESPACE.to_string())
}

/// The runtime loop of a function named `function` (its binary name): the EMF recorder
/// installed, a `ColdStart` on the first invocation, metrics flushed to stdout after every
/// invocation (so a frozen container loses none).
pub async fn run<A, R, E, F, Fut>(
    function: &'static str,
    handler: F,
) -> Result<(), lambda_runtime::Error>
where
    A: DeserializeOwned + Send + 'static,
    R: Serialize + Send + 'static,
    F: Fn(LambdaEvent<A>) -> Fut,
    E: Into<Diagnostic>,
    Fut: Future<Output = Result<R, E>> + Send,
{
    install(&namespace_from_env());
    let cold = AtomicBool::new(true);
    lambda_runtime::run(lambda_runtime::service_fn(|event: LambdaEvent<A>| {
        if cold.swap(false, Ordering::Relaxed) {
            cold_start(function);
        }
        let request_id = event.context.request_id.clone();
        let invocation = handler(event);
        async move {
            let out: Result<R, Diagnostic> = invocation.await.map_err(Into::into);
            if let Err(e) = flush(Some(&request_id), std::io::stdout().lock()) {
                tracing::warn!(error = %e, "metrics could not be written");
            }
            out
        }
    }))
    .await
}

/// The first invocation of a container.
pub fn cold_start(function: &'static str) {
    metrics::counter!(COLD_START, "Function" => function).increment(1);
}

/// One automated message's delivery decision, on `channel` (the patient's preferred one;
/// never another).
pub fn delivered(channel: Channel, delivery: &Delivery) {
    metrics::counter!(SENDS, "Channel" => channel.as_str(), "Outcome" => delivery.label())
        .increment(1);
}

/// Why a message was not sent.
pub fn suppressed(reason: &SuppressReason) {
    metrics::counter!(SUPPRESSIONS, "Reason" => suppress_label(reason)).increment(1);
}

pub fn suppress_label(reason: &SuppressReason) -> &'static str {
    match reason {
        SuppressReason::OptionalNotAllowed { .. } => "optional_not_allowed",
        SuppressReason::DailyCap { .. } => "daily_cap",
        SuppressReason::WeeklyCap { .. } => "weekly_cap",
        SuppressReason::AfterDeadline { .. } => "after_deadline",
        SuppressReason::NoSendingWindow => "no_sending_window",
    }
}

/// An inbound text from `provider` (aws, twilio, telnyx, vonage) and what was done with it
/// (the plan's action label: opt_out, confirm, duplicate...).
pub fn inbound(provider: &'static str, action: &'static str) {
    metrics::counter!(INBOUND, "Provider" => provider, "Action" => action).increment(1);
}

/// One sweep run: the items it handled, by outcome, and its lag (the age of the oldest
/// due item it found not done; 0 when it found none).
pub fn sweep_run(
    sweep: Sweep,
    claimed: usize,
    failed: usize,
    not_claimed: usize,
    lag_seconds: f64,
) {
    let name = sweep.as_str();
    for (outcome, n) in [
        ("claimed", claimed),
        ("failed", failed),
        ("not_claimed", not_claimed),
    ] {
        if n > 0 {
            metrics::counter!(SWEEP_ITEMS, "Sweep" => name, "Outcome" => outcome)
                .increment(n as u64);
        }
    }
    metrics::gauge!(SWEEP_LAG_SECONDS, "Sweep" => name).set(lag_seconds.max(0.0));
}
