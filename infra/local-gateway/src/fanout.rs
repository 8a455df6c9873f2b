//! `make run`'s sweeps as deployed: the scheduled reminders, no-shows and review-requests
//! invocations coordinate onto an SQS queue in moto, and the gateway then drains the
//! queue into the worker in-process (what the event source mapping does in AWS), so the
//! schedule's answer is the units' reports added up.

use std::collections::HashMap;
use std::sync::Arc;

use frontdesk::aws::Clients;
use frontdesk::sqs::SqsQueue;
use frontdesk::sweep::fanout::UnitQueue;
use frontdesk::sweep::{coordinate_job, Deps, Job, Workers};

use crate::{GatewayError, ScheduledFunction};

/// Creates (or finds) the work-unit queue in moto.
pub async fn local_queue(clients: &Clients, name: &str) -> Result<Arc<SqsQueue>, GatewayError> {
    let out = clients
        .sqs
        .create_queue()
        .queue_name(name)
        .send()
        .await
        .map_err(|e| GatewayError::Config(format!("the local sweep queue: {e:?}")))?;
    let url = out
        .queue_url()
        .ok_or_else(|| GatewayError::Config("moto returned no queue URL".into()))?;
    Ok(Arc::new(SqsQueue::new(clients.sqs.clone(), url)))
}

/// Replaces the three sweeps' scheduled functions with coordinate-then-drain.
pub fn wire(scheduled: &mut HashMap<String, ScheduledFunction>, deps: Deps, queue: Arc<SqsQueue>) {
    let queue: Arc<dyn UnitQueue> = queue;
    let workers = Workers::new(deps.clone(), queue.clone())
        .with::<reminders::Reminders>()
        .with::<no_shows::NoShows>()
        .with::<review_requests::ReviewRequests>();
    scheduled.insert(
        "reminders".into(),
        coordinated::<reminders::Reminders>(&deps, &workers),
    );
    scheduled.insert(
        "no-shows".into(),
        coordinated::<no_shows::NoShows>(&deps, &workers),
    );
    scheduled.insert(
        "review-requests".into(),
        coordinated::<review_requests::ReviewRequests>(&deps, &workers),
    );
}

fn coordinated<J: Job + 'static>(deps: &Deps, workers: &Workers) -> ScheduledFunction {
    let (deps, workers) = (deps.clone(), workers.clone());
    Arc::new(move |now| {
        let (deps, workers) = (deps.clone(), workers.clone());
        Box::pin(async move {
            let coordinated = coordinate_job::<J>(&deps, workers.queue().as_ref(), now)
                .await
                .map_err(|e| e.to_string())?;
            let worked = workers.drain().await.map_err(|e| e.to_string())?;
            let r = &worked.report;
            if r.claimed == 0 && r.failed > 0 {
                let first = r.failures.first().map(|f| f.error.clone());
                return Err(format!(
                    "all {} due items tried failed (first: {})",
                    r.failed,
                    first.unwrap_or_default()
                ));
            }
            let mut out = serde_json::to_value(&worked.report).map_err(|e| e.to_string())?;
            if let Some(o) = out.as_object_mut() {
                o.insert("units".into(), coordinated.units.into());
                o.insert("continued".into(), worked.continued.into());
                o.insert("retried".into(), worked.retried.into());
                o.insert("failed_units".into(), worked.failed_units.into());
            }
            Ok(out)
        })
    })
}

#[cfg(test)]
mod tests {
    use crate::stack::{build_with, Sweeps};

    /// `make run`'s wiring: a fired sweep coordinates onto moto's SQS and the gateway
    /// drains the queue into the worker before answering.
    #[tokio::test]
    async fn a_fired_sweep_coordinates_and_is_drained_through_motos_queue() {
        let moto = local_stack::Moto::shared()
            .await
            .expect("moto starts (make venv)");
        let table = moto.fresh_table().await.expect("a fresh table");
        let gw = build_with(
            moto.clone(),
            &table,
            "operator-secret-for-tests-only",
            None,
            Sweeps::FanOut,
        )
        .await
        .expect("the gateway builds");
        let fire = gw.scheduled.get("no-shows").expect("no-shows is wired");
        let now = chrono::Utc::now();
        let report = fire(now).await.expect("the run succeeds");
        // 32 shards of today (and of yesterday when the lookback crosses midnight), and
        // the unsharded buckets.
        assert!(report["units"].as_u64().unwrap_or(0) >= 32, "{report}");
        assert_eq!(report["failed_units"], 0, "{report}");
        assert_eq!(report["claimed"], 0, "{report}");
        // The queue is empty: a second tick plans only the time since.
        let again = fire(now + chrono::Duration::minutes(1))
            .await
            .expect("again");
        assert!(again["units"].as_u64().unwrap_or(0) <= 32 + 2, "{again}");
    }
}
