//! Which job an invocation runs: the EventBridge event's `detail.job` (each schedule in
//! `template.yaml` sets it). One match arm per job: a new job is a variant, its name, and
//! its arm in [`handle`].

use lambda_runtime::{Diagnostic, LambdaEvent};
use serde_json::Value;

use frontdesk::domain::Sweep;
use frontdesk::sweep::SweepError;

use crate::{birthdays, broadcasts, recall};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// Every job in turn, broadcasts first (the schedule's event names none).
    All,
    Broadcasts,
    /// Offers of freed slots to waitlist patients, in batches (`frontdesk::waitlist`).
    Waitlist,
    /// Birthday greetings (see [`crate::birthdays`]).
    Birthdays,
    /// Recall invitations (see [`crate::recall`]).
    Recall,
}

impl Job {
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "all" => Some(Job::All),
            "broadcasts" => Some(Job::Broadcasts),
            "waitlist" => Some(Job::Waitlist),
            "birthdays" => Some(Job::Birthdays),
            "recall" => Some(Job::Recall),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Job::All => "all",
            Job::Broadcasts => "broadcasts",
            Job::Waitlist => "waitlist",
            Job::Birthdays => "birthdays",
            Job::Recall => "recall",
        }
    }

    /// The job of a scheduled event: `detail.job`; an event without one (the schedule's)
    /// runs every job, broadcasts first.
    pub fn of_event(event: &Value) -> Result<Self, Diagnostic> {
        match event.get("detail").and_then(|d| d.get("job")) {
            None | Some(Value::Null) => Ok(Job::All),
            Some(Value::String(name)) => Self::parse(name).ok_or_else(|| unknown(name)),
            Some(_) => Err(unknown("(not a string)")),
        }
    }
}

fn unknown(name: &str) -> Diagnostic {
    Diagnostic {
        error_type: "Outreach.UnknownJob".into(),
        error_message: format!(
            "unknown outreach job {name:?}: set the schedule's detail to {{\"job\": \"broadcasts\"}}, \
             {{\"job\": \"waitlist\"}}, {{\"job\": \"birthdays\"}} or {{\"job\": \"recall\"}}"
        ),
    }
}

/// The Lambda entry point: the job the event names, "now" from its `time`.
pub async fn handle(
    deps: &frontdesk::sweep::Deps,
    event: LambdaEvent<Value>,
) -> Result<Value, Diagnostic> {
    match Job::of_event(&event.payload)? {
        Job::Broadcasts => broadcasts::handle(deps, event).await,
        Job::Waitlist => waitlist(deps, event).await,
        Job::Birthdays => birthdays::handle(deps, event).await,
        Job::Recall => recall::handle(deps, event).await,
        Job::All => {
            // Every job runs even if one fails; the invocation fails if any did.
            let sent = broadcasts::handle(deps, event.clone()).await;
            let offered = waitlist(deps, event.clone()).await;
            let greeted = birthdays::handle(deps, event.clone()).await;
            let invited = recall::handle(deps, event).await;
            Ok(serde_json::json!({
                "broadcasts": sent?,
                "waitlist": offered?,
                "birthdays": greeted?,
                "recall": invited?,
            }))
        }
    }
}

async fn waitlist(
    deps: &frontdesk::sweep::Deps,
    event: LambdaEvent<Value>,
) -> Result<Value, Diagnostic> {
    frontdesk::sweep::handle_event(Sweep::Waitlist, event, |now| async move {
        frontdesk::waitlist::offer_due(deps, now)
            .await
            .map_err(SweepError::Sweep)
    })
    .await
}

/// The whole `main`: tracing, templates checked, dependencies wired once (no I/O at init),
/// then the runtime loop.
pub async fn serve() -> Result<(), lambda_runtime::Error> {
    lambda_runtime::tracing::init_default_subscriber();
    frontdesk::policy::check_templates()?;
    let config = frontdesk::config::Config::from_env()?;
    let deps = frontdesk::sweep::wire(&config, &frontdesk::aws::Clients::from_env().await)?;
    frontdesk::telemetry::run("outreach", |event: LambdaEvent<Value>| {
        let deps = deps.clone();
        async move { handle(&deps, event).await }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_event_names_the_job() {
        assert_eq!(
            Job::of_event(&json!({"detail": {"job": "broadcasts"}})).unwrap(),
            Job::Broadcasts
        );
        assert_eq!(
            Job::of_event(&json!({"time": "2026-01-01T00:00:00Z"})).unwrap(),
            Job::All
        );
        let e = Job::of_event(&json!({"detail": {"job": "fireworks"}})).unwrap_err();
        assert_eq!(e.error_type, "Outreach.UnknownJob");
        assert_eq!(Job::parse(Job::Broadcasts.name()), Some(Job::Broadcasts));
        assert_eq!(
            Job::of_event(&json!({"detail": {"job": "waitlist"}})).unwrap(),
            Job::Waitlist
        );
        assert_eq!(
            Job::of_event(&json!({"detail": {"job": "birthdays"}})).unwrap(),
            Job::Birthdays
        );
        assert_eq!(
            Job::of_event(&json!({"detail": {"job": "recall"}})).unwrap(),
            Job::Recall
        );
    }
}
