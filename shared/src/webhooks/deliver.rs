//! The `webhooks` job: drains the outbox (R31), practice by practice, each event in the
//! order it happened.
//!
//! - **Claim, then send.** An event is claimed by rewriting it with its version + 1 and a
//!   lease ([`LEASE`]) as its next time; an overlapping or retried run that read the same
//!   version conflicts and leaves it alone, so two runs never send one event at once.
//! - **At least once, idempotent by `webhook-id`.** The result is written after the sends;
//!   a run that dies in between leaves the claim, and the event comes due again when the
//!   lease ends, with the same id. Receivers drop an id they have seen.
//! - **Retries.** A failed delivery (not a 2xx, a timeout, no connection) is tried again
//!   after [`backoff::delay`]; a subscription failing for [`backoff::GIVE_UP_AFTER`] without
//!   a success is disabled, and a staff task says which and why.
//! - **Order.** Per subscription within a run: once a delivery to it fails, its later events
//!   in the run wait with it (same next time), so they are retried behind it, in order.
//!   Across runs the order is kept for the events that come due together; it is not a
//!   guarantee. Every payload carries `timestamp` (when it happened) for receivers to order by.
//! - **Bounded.** At most `limit` events per outbox shard per run, and no new claim after
//!   the run's `budget`.

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::{backoff, signature, Delivery, EndpointState, OutboxEvent, WebhookEndpoint};
use crate::domain::{Priority, Task, TaskId, TaskKind};
use crate::ports::{Store, Write};
use crate::{Error, Result};

/// How long a claimed event is left to the run that claimed it.
pub const LEASE: Duration = Duration::minutes(2);
/// Events read per outbox shard per run.
pub const DEFAULT_LIMIT: usize = 200;
pub use super::transport::{HttpTransport, Transport, HTTP_TIMEOUT, REFUSED};

/// What one run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    pub due: usize,
    /// Deliveries answered with a 2xx.
    pub delivered: usize,
    /// Deliveries that failed and wait for a retry.
    pub retrying: usize,
    /// Events with nobody to deliver to (no subscription wanted them), removed.
    pub dropped: usize,
    /// Events claimed by an overlapping run, or left for the next run (budget).
    pub skipped: usize,
    /// Subscriptions disabled in this run.
    pub disabled: usize,
    /// Events that could not be handled (a storage error); the next run tries again.
    pub failures: Vec<String>,
}

/// Options of a run.
#[derive(Debug, Clone)]
pub struct Run {
    pub now: DateTime<Utc>,
    pub limit: usize,
    /// No new event is claimed after this much time (keep it under the function timeout).
    pub budget: StdDuration,
}

impl Run {
    pub fn at(now: DateTime<Utc>) -> Self {
        Self {
            now,
            limit: DEFAULT_LIMIT,
            budget: StdDuration::from_secs(40),
        }
    }
}

/// Delivers every due event (see the module documentation).
pub async fn deliver_due(store: &dyn Store, http: &dyn Transport, run: &Run) -> Result<Report> {
    let started = Instant::now();
    let due = store.webhook_events_due(run.now, run.limit).await?;
    let mut report = Report {
        due: due.len(),
        ..Report::default()
    };
    let mut by_practice: BTreeMap<String, Vec<OutboxEvent>> = BTreeMap::new();
    for e in due {
        by_practice
            .entry(e.practice_id.as_str().to_string())
            .or_default()
            .push(e);
    }
    for (_, mut events) in by_practice {
        events.sort_by(|a, b| (a.occurred_at, &a.event_id).cmp(&(b.occurred_at, &b.event_id)));
        let practice_id = events[0].practice_id.clone();
        if let Err(e) = practice(store, http, run, started, events, &mut report).await {
            tracing::warn!(practice_id = %practice_id, error = %e, "webhook deliveries of a practice stopped; the next run goes on");
            report.failures.push(format!("{practice_id}: {e}"));
        }
    }
    Ok(report)
}

/// The endpoints of one practice as this run changes them.
struct Endpoints {
    all: Vec<WebhookEndpoint>,
    changed: HashSet<String>,
    /// Failed in this run: later deliveries wait behind the failure, until this time.
    held: BTreeMap<String, DateTime<Utc>>,
}

async fn practice(
    store: &dyn Store,
    http: &dyn Transport,
    run: &Run,
    started: Instant,
    events: Vec<OutboxEvent>,
    report: &mut Report,
) -> Result<()> {
    let practice_id = events[0].practice_id.clone();
    let mut eps = Endpoints {
        all: store.webhook_endpoints(&practice_id).await?,
        changed: HashSet::new(),
        held: BTreeMap::new(),
    };
    let mut tasks = Vec::new();
    for event in events {
        if started.elapsed() > run.budget {
            report.skipped += 1;
            continue;
        }
        match one(store, http, run, event, &mut eps, &mut tasks, report).await {
            Ok(()) => {}
            Err(Error::Conflict) => report.skipped += 1,
            Err(e) => return Err(e),
        }
    }
    let mut writes: Vec<Write> = eps
        .all
        .iter()
        .filter(|e| eps.changed.contains(&e.webhook_id))
        .map(|e| Write::WebhookEndpoint {
            endpoint: Box::new(e.clone()),
            create: false,
        })
        .collect();
    writes.extend(tasks.into_iter().map(|t| Write::Task(Box::new(t))));
    if !writes.is_empty() {
        let writes = super::with_events(writes, run.now);
        match store.write(writes).await {
            // A subscription deleted meanwhile: nothing to record for it.
            Ok(()) | Err(Error::Conflict) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn jitter() -> f64 {
    use rand::Rng;
    rand::rng().random::<f64>()
}

async fn one(
    store: &dyn Store,
    http: &dyn Transport,
    run: &Run,
    event: OutboxEvent,
    eps: &mut Endpoints,
    tasks: &mut Vec<Task>,
    report: &mut Report,
) -> Result<()> {
    let now = run.now;
    let mut claimed = event.clone();
    if !claimed.fanned_out {
        for ep in eps
            .all
            .iter()
            .filter(|ep| ep.wants(event.event_type, event.occurred_at))
        {
            claimed.deliveries.insert(
                ep.webhook_id.clone(),
                Delivery {
                    attempts: 0,
                    next_at: now,
                    delivered_at: None,
                    last_error: None,
                },
            );
        }
        claimed.fanned_out = true;
    }
    // Subscriptions deleted or disabled since: nothing more is sent to them.
    claimed.deliveries.retain(|id, d| {
        d.delivered_at.is_some()
            || eps
                .all
                .iter()
                .any(|ep| &ep.webhook_id == id && ep.state == EndpointState::Active)
    });
    if claimed.finished() {
        store
            .write(vec![Write::DoneWebhookEvent {
                practice_id: event.practice_id.clone(),
                event_id: event.event_id.clone(),
                version: event.version,
            }])
            .await?;
        report.dropped += usize::from(claimed.deliveries.is_empty());
        return Ok(());
    }
    claimed.version = event.version + 1;
    claimed.next_at = now + LEASE;
    store
        .write(vec![Write::WebhookEvent {
            event: Box::new(claimed.clone()),
            expect_version: Some(event.version),
        }])
        .await?;

    let body = claimed.payload();
    let ids: Vec<String> = claimed.deliveries.keys().cloned().collect();
    for id in ids {
        let Some(d) = claimed.deliveries.get_mut(&id) else {
            continue;
        };
        if d.delivered_at.is_some() || d.next_at > now {
            continue;
        }
        if let Some(until) = eps.held.get(&id) {
            d.next_at = *until;
            continue;
        }
        let Some(ep) = eps.all.iter_mut().find(|e| e.webhook_id == id) else {
            continue;
        };
        let ts = now.timestamp();
        let headers = vec![
            (signature::ID_HEADER, claimed.event_id.clone()),
            (signature::TIMESTAMP_HEADER, ts.to_string()),
            (
                signature::SIGNATURE_HEADER,
                ep.signing_secrets(now)
                    .into_iter()
                    .map(|k| signature::sign(k, &claimed.event_id, ts, body.as_bytes()))
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
        ];
        d.attempts += 1;
        let outcome = match http.post(&ep.url, headers, body.clone()).await {
            Ok(status) if (200..300).contains(&status) => Ok(()),
            Ok(status) => Err(format!("http {status}")),
            Err(why) => Err(why),
        };
        match outcome {
            Ok(()) => {
                d.delivered_at = Some(now);
                d.last_error = None;
                report.delivered += 1;
                if ep.failing_since.is_some() {
                    ep.failing_since = None;
                    ep.last_error = None;
                    eps.changed.insert(id.clone());
                }
            }
            Err(why) => {
                d.last_error = Some(why.clone());
                d.next_at = now + backoff::delay(d.attempts, jitter());
                eps.held.insert(id.clone(), d.next_at);
                let since = *ep.failing_since.get_or_insert(now);
                ep.last_error = Some(why.clone());
                eps.changed.insert(id.clone());
                tracing::info!(practice_id = %ep.practice_id, webhook_id = %id, attempts = d.attempts, error = %why, "webhook delivery failed; retrying later");
                if backoff::give_up(since, now) {
                    disable(ep, &why, now, tasks);
                    report.disabled += 1;
                } else {
                    report.retrying += 1;
                }
            }
        }
    }
    claimed.deliveries.retain(|id, d| {
        d.delivered_at.is_some()
            || eps
                .all
                .iter()
                .any(|ep| &ep.webhook_id == id && ep.state == EndpointState::Active)
    });
    if claimed.finished() {
        store
            .write(vec![Write::DoneWebhookEvent {
                practice_id: claimed.practice_id.clone(),
                event_id: claimed.event_id.clone(),
                version: claimed.version,
            }])
            .await
    } else {
        let seen = claimed.version;
        claimed.version = seen + 1;
        claimed.next_at = claimed.earliest_pending().unwrap_or(now);
        store
            .write(vec![Write::WebhookEvent {
                event: Box::new(claimed),
                expect_version: Some(seen),
            }])
            .await
    }
}

fn disable(ep: &mut WebhookEndpoint, why: &str, now: DateTime<Utc>, tasks: &mut Vec<Task>) {
    let reason = format!(
        "every delivery failed for {} hours (last: {why})",
        backoff::GIVE_UP_AFTER.num_hours()
    );
    ep.state = EndpointState::Disabled {
        at: now,
        reason: reason.clone(),
    };
    tracing::warn!(practice_id = %ep.practice_id, webhook_id = %ep.webhook_id, "webhook subscription disabled");
    tasks.push(Task::open(
        ep.practice_id.clone(),
        TaskId::generate(),
        TaskKind::SendFailed,
        Priority::High,
        "Webhook endpoint disabled",
        format!(
            "Webhook {} ({}) was turned off: {reason}. Events since are not sent to it. \
             Ask whoever runs that system to fix the receiver, then create the webhook \
             again (POST /v1/webhooks) and delete this one.",
            ep.webhook_id, ep.url
        ),
        now,
    ));
}

#[cfg(test)]
#[path = "deliver_tests.rs"]
mod tests;
