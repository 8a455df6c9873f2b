//! One invocation of a scheduled sweep function, the same for every job: "now" from the
//! EventBridge event's `time`, one run of the engine with the job's handler, failures
//! logged (bounded; the report has them all), the invocation failed only when work was
//! found and none of it could be handled (so alarms see it), and the report as the result.

use chrono::{DateTime, Utc};
use lambda_runtime::{Diagnostic, LambdaEvent};
use thiserror::Error;

use std::sync::Arc;

use super::fanout::UnitQueue;
use super::{coordinate_event, event_time, run, wire, Deps, DueHandler, SweepReport};
use crate::domain::Sweep;

/// A scheduled job on the engine: its sweep and its handler for one run. Each scheduled
/// function's `main.rs` is `sweep::serve::<TheJob>()`; the local gateway and the tests
/// call [`invoke`] and [`run_job`].
pub trait Job: DueHandler + Sized {
    const SWEEP: Sweep;
    /// The handler for one run (per-run state starts empty).
    fn for_run(deps: &Deps) -> Self;
}

/// The Lambda entry point of job `J`: "now" from the event, one run, the report as JSON;
/// a failed invocation when work was found and none of it could be handled.
pub async fn invoke<J: Job>(
    deps: &Deps,
    event: LambdaEvent<serde_json::Value>,
) -> Result<serde_json::Value, Diagnostic> {
    handle_event(J::SWEEP, event, |now| run_job::<J>(deps, now)).await
}

/// One run of job `J` at `now`, failures logged.
pub async fn run_job<J: Job>(deps: &Deps, now: DateTime<Utc>) -> Result<SweepReport, SweepError> {
    run_logged(deps, J::SWEEP, now, &J::for_run(deps)).await
}

/// The whole `main` of a scheduled function: tracing, the templates checked, the
/// dependencies wired once per container (no I/O at init), then the runtime loop.
pub async fn serve<J: Job>() -> Result<(), lambda_runtime::Error> {
    lambda_runtime::tracing::init_default_subscriber();
    crate::policy::check_templates()?;
    let config = crate::config::Config::from_env()?;
    let clients = crate::aws::Clients::from_env().await;
    let deps = wire(&config, &clients)?;
    // With a work-unit queue, this invocation coordinates and `sweep-worker` sweeps.
    let queue: Option<Arc<dyn UnitQueue>> =
        crate::sqs::SqsQueue::from_env(&clients).map(|q| Arc::new(q) as Arc<dyn UnitQueue>);
    crate::telemetry::run(
        function_binary(J::SWEEP),
        |event: LambdaEvent<serde_json::Value>| {
            let (deps, queue) = (deps.clone(), queue.clone());
            async move {
                match queue {
                    Some(q) => coordinate_event::<J>(&deps, q.as_ref(), event).await,
                    None => invoke::<J>(&deps, event).await,
                }
            }
        },
    )
    .await
}

/// Failures logged one by one; beyond this, only the count.
const FAILURES_LOGGED: usize = 50;

/// The one error type of every scheduled sweep function. Messages carry ids and counts
/// only, never patient data.
#[derive(Debug, Error)]
pub enum SweepError {
    /// The invocation is not a usable EventBridge scheduled event.
    #[error("not a scheduled event with an RFC 3339 `time` ({0}); invoke with an EventBridge scheduled event")]
    BadEvent(#[source] crate::Error),

    /// The sweep could not start (its cursor could not be read).
    #[error("the sweep could not start ({0}); the next scheduled run retries")]
    Sweep(#[source] crate::Error),

    /// The coordinator could not read the cursor, enqueue the units or move the cursor.
    #[error("the sweep's work units were not all enqueued ({0}); the next scheduled run enqueues them again")]
    Coordinate(#[source] crate::Error),

    /// Work was found and every item tried failed.
    #[error(
        "all {failures} due items tried failed (first: {first}); claimed work comes back when \
         its lease ends, the rest on the next run"
    )]
    AllFailed { failures: usize, first: String },

    /// The report could not be turned into JSON (cannot happen with the report's types).
    #[error("the sweep report could not be serialised: {0}")]
    Report(String),
}

impl SweepError {
    /// `Reminders.BadEvent`, `NoShows.AllFailed`…: what the Lambda runtime reports.
    pub fn error_type(&self, sweep: Sweep) -> String {
        let what = match self {
            SweepError::BadEvent(_) => "BadEvent",
            SweepError::Sweep(_) => "SweepFailed",
            SweepError::Coordinate(_) => "CoordinateFailed",
            SweepError::AllFailed { .. } => "AllFailed",
            SweepError::Report(_) => "Report",
        };
        format!("{}.{what}", function_name(sweep))
    }

    pub fn diagnostic(&self, sweep: Sweep) -> Diagnostic {
        Diagnostic {
            error_type: self.error_type(sweep),
            error_message: self.to_string(),
        }
    }
}

/// The function's binary name (the `ColdStart` metric's `Function`).
fn function_binary(sweep: Sweep) -> &'static str {
    match sweep {
        Sweep::Reminders => "reminders",
        Sweep::NoShows => "no-shows",
        Sweep::Reviews => "review-requests",
        // The outreach function runs broadcasts and the waitlist offers.
        Sweep::Waitlist | Sweep::Broadcasts | Sweep::Birthdays | Sweep::Recall => "outreach",
    }
}

fn function_name(sweep: Sweep) -> &'static str {
    match sweep {
        Sweep::Reminders => "Reminders",
        Sweep::NoShows => "NoShows",
        Sweep::Reviews => "ReviewRequests",
        Sweep::Waitlist => "Outreach.Waitlist",
        Sweep::Broadcasts => "Outreach.Broadcasts",
        Sweep::Birthdays => "Outreach.Birthdays",
        Sweep::Recall => "Outreach.Recall",
    }
}

/// Declares a scheduled job of a function crate: the struct holding the run's
/// dependencies (`deps`), its [`Job`] impl, and the crate's `handle` (the Lambda entry
/// point the local gateway calls too) and `run` (one sweep at `now`, for tests).
#[macro_export]
macro_rules! sweep_job {
    ($(#[$meta:meta])* $name:ident, $sweep:expr) => {
        $(#[$meta])*
        pub struct $name {
            pub(crate) deps: $crate::sweep::Deps,
        }

        impl $crate::sweep::Job for $name {
            const SWEEP: $crate::domain::Sweep = $sweep;
            fn for_run(deps: &$crate::sweep::Deps) -> Self {
                Self { deps: deps.clone() }
            }
        }

        /// The Lambda entry point: "now" is the EventBridge event's `time`; the sweep
        /// report as JSON. The invocation fails when work was found and none succeeded.
        pub async fn handle(
            deps: &$crate::sweep::Deps,
            event: ::lambda_runtime::LambdaEvent<::serde_json::Value>,
        ) -> ::std::result::Result<::serde_json::Value, ::lambda_runtime::Diagnostic> {
            $crate::sweep::invoke::<$name>(deps, event).await
        }

        /// One sweep at `now`, including whatever a missed or failed run left behind.
        pub async fn run(
            deps: &$crate::sweep::Deps,
            now: ::chrono::DateTime<::chrono::Utc>,
        ) -> ::std::result::Result<$crate::sweep::SweepReport, $crate::sweep::SweepError> {
            $crate::sweep::run_job::<$name>(deps, now).await
        }
    };
}

/// The Lambda entry point of a sweep function: `run(now)` with "now" from the event.
pub async fn handle_event<F, Fut>(
    sweep: Sweep,
    event: LambdaEvent<serde_json::Value>,
    run: F,
) -> Result<serde_json::Value, Diagnostic>
where
    F: FnOnce(DateTime<Utc>) -> Fut,
    Fut: std::future::Future<Output = Result<SweepReport, SweepError>>,
{
    let result = match event_time(&event.payload) {
        Ok(now) => run(now).await.and_then(all_failed),
        Err(e) => Err(SweepError::BadEvent(e)),
    };
    result
        .and_then(|report| {
            serde_json::to_value(&report).map_err(|e| SweepError::Report(e.to_string()))
        })
        .map_err(|e| e.diagnostic(sweep))
}

/// Work was found and none of it succeeded: the invocation fails, so alarms see it.
fn all_failed(report: SweepReport) -> Result<SweepReport, SweepError> {
    match report.failures.first() {
        Some(first) if report.claimed == 0 => Err(SweepError::AllFailed {
            failures: report.failed,
            first: first.error.clone(),
        }),
        _ => Ok(report),
    }
}

/// One run of `sweep` at `now` with `handler`, failures logged. `Err` only when the sweep
/// could not start; partial or total failures are in the report (`handle_event` fails the
/// invocation when nothing succeeded).
pub async fn run_logged(
    deps: &Deps,
    sweep: Sweep,
    now: DateTime<Utc>,
    handler: &dyn DueHandler,
) -> Result<SweepReport, SweepError> {
    let report = run(deps.store.as_ref(), sweep, now, &deps.options, handler)
        .await
        .map_err(SweepError::Sweep)?;
    log_failures(sweep, &report);
    Ok(report)
}

fn log_failures(sweep: Sweep, report: &SweepReport) {
    for f in report.failures.iter().take(FAILURES_LOGGED) {
        tracing::error!(
            sweep = sweep.as_str(),
            practice_id = %f.practice_id,
            due_key = %f.due_key,
            error = %f.error,
            "due work failed; claimed work comes back after its lease"
        );
    }
    if report.failed > FAILURES_LOGGED {
        tracing::error!(
            sweep = sweep.as_str(),
            not_logged = report.failed - FAILURES_LOGGED,
            "more due work failed; see the report"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_types_name_the_function_and_the_failure() {
        let e = SweepError::AllFailed {
            failures: 2,
            first: "storage unavailable".into(),
        };
        assert_eq!(e.error_type(Sweep::Reviews), "ReviewRequests.AllFailed");
        let d = e.diagnostic(Sweep::NoShows);
        assert_eq!(d.error_type, "NoShows.AllFailed");
        assert!(d.error_message.contains("all 2 due items"));
    }

    #[tokio::test]
    async fn a_bad_event_fails_the_invocation_without_running() {
        let event = LambdaEvent::new(serde_json::json!({"time": "yesterday"}), Default::default());
        let out = handle_event(Sweep::Reminders, event, |_| async {
            panic!("must not run on a bad event")
        })
        .await;
        assert_eq!(out.unwrap_err().error_type, "Reminders.BadEvent");
    }
}
