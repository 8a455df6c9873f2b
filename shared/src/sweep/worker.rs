//! The fan-out's two invocations: a sweep function's scheduled invocation as coordinator
//! (when `SWEEP_QUEUE_URL` is set), and `sweep-worker`, one function for every sweep's
//! units: an SQS event source mapping delivers batches, each unit is dispatched by its
//! sweep to that job's handler, and failed units come back as batch item failures
//! (`ReportBatchItemFailures`). The local gateway drains the queue the same way.

use std::sync::Arc;

use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use chrono::{DateTime, Utc};
use lambda_runtime::{Diagnostic, LambdaEvent};
use serde::Serialize;

use super::fanout::{coordinate, work_unit, Coordinated, Unit, UnitEnd, UnitQueue};
use super::{event_time, Deps, DueHandler, Job, SweepError, SweepReport};
use crate::domain::Sweep;

/// The variable naming the work-unit queue: set, the sweeps' scheduled invocations
/// coordinate instead of sweeping themselves.
pub const SWEEP_QUEUE_URL_ENV: &str = "SWEEP_QUEUE_URL";

/// How long before its invocation's deadline a worker stops starting pages (one page of
/// 100 items at the governor's pace fits in it).
pub const STOP_MARGIN: chrono::Duration = chrono::Duration::seconds(20);

type MakeHandler = Arc<dyn Fn(&Deps) -> Box<dyn DueHandler> + Send + Sync>;

/// The jobs a worker runs units of, by sweep.
#[derive(Clone)]
pub struct Workers {
    deps: Deps,
    queue: Arc<dyn UnitQueue>,
    jobs: Vec<(Sweep, MakeHandler)>,
}

/// What one batch (or one local drain) did.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Worked {
    pub units: usize,
    pub continued: usize,
    pub retried: usize,
    pub failed_units: usize,
    /// The units' reports added up.
    pub report: SweepReport,
}

impl Workers {
    pub fn new(deps: Deps, queue: Arc<dyn UnitQueue>) -> Self {
        Self {
            deps,
            queue,
            jobs: Vec::new(),
        }
    }

    /// Runs `J`'s units too (a fresh handler per unit).
    pub fn with<J: Job + 'static>(mut self) -> Self {
        let make: MakeHandler = Arc::new(|deps| Box::new(J::for_run(deps)));
        self.jobs.push((J::SWEEP, make));
        self
    }

    pub fn queue(&self) -> &Arc<dyn UnitQueue> {
        &self.queue
    }

    /// One message's body: parsed, dispatched by its sweep, streamed until `stop_at`.
    pub async fn work(&self, body: &str, stop_at: Option<DateTime<Utc>>) -> (SweepReport, UnitEnd) {
        let unit = match Unit::parse(body) {
            Ok(u) => u,
            Err(e) => return (SweepReport::default(), UnitEnd::Failed(e.to_string())),
        };
        let Some((_, make)) = self.jobs.iter().find(|(s, _)| *s == unit.sweep) else {
            let end = UnitEnd::Failed(format!(
                "no worker job for the {} sweep; deploy the function with it",
                unit.sweep.as_str()
            ));
            return (SweepReport::default(), end);
        };
        let handler = make(&self.deps);
        let opts = super::SweepOptions {
            stop_at,
            ..self.deps.options.clone()
        };
        work_unit(
            self.deps.store.as_ref(),
            self.queue.as_ref(),
            &unit,
            &opts,
            handler.as_ref(),
        )
        .await
    }

    /// Messages one after another, the failed ones' ids returned.
    pub async fn work_all(
        &self,
        messages: Vec<(String, String)>,
        stop_at: Option<DateTime<Utc>>,
    ) -> (Worked, Vec<String>) {
        let mut worked = Worked::default();
        let mut failed = Vec::new();
        for (id, body) in messages {
            let (report, end) = self.work(&body, stop_at).await;
            worked.add(&report);
            worked.units += 1;
            match end {
                UnitEnd::Settled { continued, retried } => {
                    worked.continued += usize::from(continued);
                    worked.retried += usize::from(retried);
                }
                UnitEnd::Failed(why) => {
                    tracing::error!(message_id = %id, error = %why, "work unit failed; SQS redelivers it, then dead-letters it");
                    worked.failed_units += 1;
                    failed.push(id);
                }
            }
        }
        (worked, failed)
    }

    /// The `sweep-worker` Lambda entry point: stops `STOP_MARGIN` before the deadline.
    pub async fn handle(
        &self,
        event: LambdaEvent<SqsEvent>,
    ) -> Result<SqsBatchResponse, Diagnostic> {
        let stop_at = stop_at(event.context.deadline);
        let messages = event
            .payload
            .records
            .into_iter()
            .map(|m| (m.message_id.unwrap_or_default(), m.body.unwrap_or_default()))
            .collect();
        let (worked, failed) = self.work_all(messages, stop_at).await;
        tracing::info!(
            units = worked.units,
            continued = worked.continued,
            retried = worked.retried,
            failed_units = worked.failed_units,
            claimed = worked.report.claimed,
            "work units handled"
        );
        let mut response = SqsBatchResponse::default();
        response.batch_item_failures = failed
            .into_iter()
            .map(|id| {
                let mut f = BatchItemFailure::default();
                f.item_identifier = id;
                f
            })
            .collect();
        Ok(response)
    }

    /// Locally (the gateway, tests): what the event source mapping does, until the queue
    /// has no visible message: receive up to 10, work them, delete the settled ones.
    pub async fn drain(&self) -> crate::Result<Worked> {
        let mut total = Worked::default();
        loop {
            let received = self.queue.receive(10).await?;
            if received.is_empty() {
                return Ok(total);
            }
            let receipts: Vec<(String, String)> = received
                .iter()
                .map(|m| (m.id.clone(), m.receipt.clone()))
                .collect();
            let messages = received.into_iter().map(|m| (m.id, m.body)).collect();
            let (worked, failed) = self.work_all(messages, None).await;
            for (id, receipt) in receipts {
                if !failed.contains(&id) {
                    self.queue.delete(&receipt).await?;
                }
            }
            total.merge(worked);
        }
    }
}

impl Worked {
    fn add(&mut self, r: &SweepReport) {
        let t = &mut self.report;
        t.buckets += r.buckets;
        t.found += r.found;
        t.claimed += r.claimed;
        t.not_claimed += r.not_claimed;
        t.patient_busy += r.patient_busy;
        t.pages += r.pages;
        t.stopped_early |= r.stopped_early;
        for (k, v) in &r.outcomes {
            *t.outcomes.entry(k.clone()).or_default() += v;
        }
        for f in &r.failures {
            t.fail(f.clone());
        }
        t.failed += r.failed.saturating_sub(r.failures.len());
    }

    fn merge(&mut self, other: Worked) {
        self.units += other.units;
        self.continued += other.continued;
        self.retried += other.retried;
        self.failed_units += other.failed_units;
        self.add(&other.report);
    }
}

/// The wall-clock time to stop at for an invocation deadline in epoch milliseconds
/// (`0`: none, as in tests and the local gateway).
pub fn stop_at(deadline_ms: u64) -> Option<DateTime<Utc>> {
    let ms = i64::try_from(deadline_ms).ok().filter(|ms| *ms > 0)?;
    DateTime::from_timestamp_millis(ms).map(|d| d - STOP_MARGIN)
}

/// Job `J`'s coordinator at `now`: its units enqueued, the cursor moved.
pub async fn coordinate_job<J: Job>(
    deps: &Deps,
    queue: &dyn UnitQueue,
    now: DateTime<Utc>,
) -> Result<Coordinated, SweepError> {
    coordinate(deps.store.as_ref(), queue, J::SWEEP, now, &deps.options)
        .await
        .map_err(SweepError::Coordinate)
}

/// The coordinator's Lambda entry point: "now" from the EventBridge event.
pub async fn coordinate_event<J: Job>(
    deps: &Deps,
    queue: &dyn UnitQueue,
    event: LambdaEvent<serde_json::Value>,
) -> Result<serde_json::Value, Diagnostic> {
    let result = match event_time(&event.payload) {
        Ok(now) => coordinate_job::<J>(deps, queue, now).await,
        Err(e) => Err(SweepError::BadEvent(e)),
    };
    result
        .and_then(|c| serde_json::to_value(&c).map_err(|e| SweepError::Report(e.to_string())))
        .map_err(|e| e.diagnostic(J::SWEEP))
}

/// The whole `main` of `sweep-worker`: `register` adds the jobs (the multi-call binary
/// names them), `SWEEP_QUEUE_URL` names the queue continuations go to.
pub async fn serve_worker(
    register: impl FnOnce(Workers) -> Workers,
) -> Result<(), lambda_runtime::Error> {
    lambda_runtime::tracing::init_default_subscriber();
    crate::policy::check_templates()?;
    let config = crate::config::Config::from_env()?;
    let clients = crate::aws::Clients::from_env().await;
    let deps = super::wire(&config, &clients)?;
    let Some(queue) = crate::sqs::SqsQueue::from_env(&clients) else {
        return Err(format!("set {SWEEP_QUEUE_URL_ENV} to the work-unit queue's URL").into());
    };
    let workers = register(Workers::new(deps, Arc::new(queue)));
    crate::telemetry::run("sweep-worker", |event: LambdaEvent<SqsEvent>| {
        let workers = workers.clone();
        async move { workers.handle(event).await }
    })
    .await
}
