//! A run that reaches its invocation's deadline stops between pages; the next run resumes
//! with nothing skipped and nothing handled twice.

use super::Claimed;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::*;
use crate::domain::{AppointmentId, DueKind, PatientId, PracticeId, Sweep};
use crate::ports::{Store, Write};
use crate::testing::{utc, MemoryStore};

/// Finishes every item after a pause, counting each item's handlings.
struct Slow {
    store: Arc<MemoryStore>,
    seen: Arc<Mutex<HashMap<String, usize>>>,
}

#[async_trait]
impl DueHandler for Slow {
    async fn handle(&self, item: Claimed) -> Result<Handled> {
        let claimed = item.work;
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        *self
            .seen
            .lock()
            .unwrap()
            .entry(claimed.appointment_id.to_string())
            .or_default() += 1;
        self.store
            .write(vec![Write::DoneDue {
                claimed: Box::new(claimed),
            }])
            .await?;
        Ok(Handled::Done("done"))
    }
}

#[tokio::test]
async fn a_run_stopped_by_its_deadline_leaves_the_rest_for_the_next_run() {
    let store = Arc::new(MemoryStore::new());
    let practice = PracticeId::parse("prc_deadline").unwrap();
    let work: Vec<DueWork> = (0..300)
        .map(|i| DueWork {
            practice_id: practice.clone(),
            appointment_id: AppointmentId::parse(format!("appt-{i}")).unwrap(),
            patient_id: PatientId::parse(format!("pat-{i}")).unwrap(),
            kind: DueKind::NoShowCheck,
            due_at: utc("2026-01-01T10:01:00Z") + Duration::seconds(i),
            planned_for: utc("2026-01-01T10:00:00Z"),
            attempts: 0,
        })
        .collect();
    for chunk in work.chunks(100) {
        store
            .write(
                chunk
                    .iter()
                    .cloned()
                    .map(|d| Write::Due(Box::new(d)))
                    .collect(),
            )
            .await
            .unwrap();
    }
    let handler = Slow {
        store: store.clone(),
        seen: Arc::default(),
    };
    let now = utc("2026-01-01T10:20:00Z");
    // Pages of 5 handled one item at a time: the deadline falls well inside the run.
    let tight = SweepOptions {
        concurrency: 1,
        chunk: 5,
        stop_at: Some(Utc::now() + Duration::milliseconds(150)),
        ..SweepOptions::default()
    };
    let first = run(store.as_ref(), Sweep::NoShows, now, &tight, &handler)
        .await
        .unwrap();
    assert!(first.stopped_early, "{first:?}");
    assert!(first.claimed > 0 && first.claimed < 300, "{first:?}");
    assert_eq!(first.failed, 0);
    // The cursor stayed: the next run (a minute later) finds the rest.
    let rest = run(
        store.as_ref(),
        Sweep::NoShows,
        now + Duration::minutes(1),
        &SweepOptions::default(),
        &handler,
    )
    .await
    .unwrap();
    assert!(!rest.stopped_early);
    assert_eq!(first.claimed + rest.claimed, 300, "{first:?} {rest:?}");
    let seen = handler.seen.lock().unwrap();
    assert_eq!(seen.len(), 300, "none skipped");
    assert!(seen.values().all(|n| *n == 1), "none twice");
    assert!(store.all_due(&practice).is_empty());
}
