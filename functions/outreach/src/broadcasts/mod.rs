//! Broadcasts on the shared sweep engine (`Sweep::Broadcasts`): a broadcast's expansion
//! item (due at its send time) writes its recipients page by page; each recipient's send
//! item is claimed, delivered on the patient's channel and settled with its outcome.
//! Overlapping or retried runs act once: claims are conditional, recipients are created
//! once, the broadcast is version-checked.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration as StdDuration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use frontdesk::domain::{Broadcast, BroadcastId, DueKind, DueWork, PracticeId, Sweep};
use frontdesk::ports::Key;
use frontdesk::sweep::{Claimed, DueHandler, Handled};

mod call_list;
pub mod content;
pub mod decide;
pub mod expand;
mod send;

/// How long a run trusts a broadcast it read (a cancel is seen within this).
const FRESH_FOR: StdDuration = StdDuration::from_secs(2);

/// Broadcasts a run has read, with when.
type Seen = HashMap<(PracticeId, BroadcastId), (Instant, Option<Broadcast>)>;

/// The broadcasts job: the run's dependencies, its send budget, and the broadcasts it read.
pub struct Broadcasts {
    pub(crate) deps: frontdesk::sweep::Deps,
    pub(crate) budget: crate::pace::Budget,
    seen: Mutex<Seen>,
}

impl frontdesk::sweep::Job for Broadcasts {
    const SWEEP: Sweep = Sweep::Broadcasts;
    fn for_run(deps: &frontdesk::sweep::Deps) -> Self {
        Self {
            deps: deps.clone(),
            budget: Default::default(),
            seen: Mutex::new(HashMap::new()),
        }
    }
}

/// The Lambda entry point of this job.
pub async fn handle(
    deps: &frontdesk::sweep::Deps,
    event: lambda_runtime::LambdaEvent<serde_json::Value>,
) -> Result<serde_json::Value, lambda_runtime::Diagnostic> {
    frontdesk::sweep::invoke::<Broadcasts>(deps, event).await
}

/// One run at `now` (tests, the local gateway).
pub async fn run(
    deps: &frontdesk::sweep::Deps,
    now: DateTime<Utc>,
) -> Result<frontdesk::sweep::SweepReport, frontdesk::sweep::SweepError> {
    frontdesk::sweep::run_job::<Broadcasts>(deps, now).await
}

impl Broadcasts {
    /// The broadcast, read at most once per [`FRESH_FOR`] in a run.
    async fn broadcast(&self, claimed: &DueWork) -> frontdesk::Result<Option<Broadcast>> {
        let Some(id) = claimed.broadcast_id() else {
            return Ok(None);
        };
        let key = (claimed.practice_id.clone(), id.clone());
        {
            let seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((at, b)) = seen.get(&key) {
                if at.elapsed() < FRESH_FOR {
                    return Ok(b.clone());
                }
            }
        }
        let fetched = self
            .deps
            .store
            .get_many(&claimed.practice_id, &[Key::Broadcast(id.clone())])
            .await?;
        let b = fetched.broadcast(&id).cloned();
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        seen.insert(key, (Instant::now(), b.clone()));
        Ok(b)
    }
}

#[async_trait]
impl DueHandler for Broadcasts {
    async fn handle(&self, item: Claimed) -> frontdesk::Result<Handled> {
        let (claimed, snapshot, now) = item.into_parts();
        let store = self.deps.store.as_ref();
        match claimed.kind {
            DueKind::BroadcastExpand => match snapshot.practice.as_ref() {
                Some(practice) => expand::expand(store, &claimed, practice, now).await,
                None => {
                    store.write(vec![frontdesk::sweep::done(&claimed)]).await?;
                    Ok(Handled::Done("broadcast_practice_gone"))
                }
            },
            _ => {
                let b = self.broadcast(&claimed).await?;
                send::send(self, &claimed, &snapshot, b.as_ref(), now).await
            }
        }
    }
}

#[cfg(test)]
#[path = "decide_tests.rs"]
mod decide_tests;
