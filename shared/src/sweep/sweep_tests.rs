use super::*;
use crate::domain::DueKind;
use crate::testing::MemoryStore;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use crate::testing::utc;

fn due(practice: &str, appt: &str, at: &str) -> DueWork {
    DueWork {
        practice_id: PracticeId::parse(practice).unwrap(),
        appointment_id: AppointmentId::parse(appt).unwrap(),
        patient_id: PatientId::parse("pt").unwrap(),
        kind: DueKind::NoShowCheck,
        due_at: utc(at),
        planned_for: utc(at),
        attempts: 0,
    }
}

/// Finishes every item it is given and counts them.
struct Finish(AtomicUsize, Arc<MemoryStore>);

#[async_trait]
impl DueHandler for Finish {
    async fn handle(&self, claimed: DueWork, _: &Batch, _: DateTime<Utc>) -> Result<Handled> {
        self.0.fetch_add(1, Ordering::SeqCst);
        self.1
            .write(vec![Write::DoneDue {
                claimed: Box::new(claimed),
            }])
            .await?;
        Ok(Handled::Done("done"))
    }
}

/// Always fails after claiming.
struct Fail;

#[async_trait]
impl DueHandler for Fail {
    async fn handle(&self, _: DueWork, _: &Batch, _: DateTime<Utc>) -> Result<Handled> {
        Err(crate::Error::Storage("boom".into()))
    }
}

async fn seed(store: &MemoryStore, items: &[DueWork]) {
    store
        .write(
            items
                .iter()
                .cloned()
                .map(|d| Write::Due(Box::new(d)))
                .collect(),
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn a_late_run_catches_up_on_every_overdue_bucket_and_not_on_future_work() {
    let store = Arc::new(MemoryStore::new());
    seed(
        &store,
        &[
            due("p1", "a1", "2026-01-01T10:00:00Z"),
            due("p1", "a2", "2026-01-01T11:07:00Z"),
            due("p2", "a3", "2026-01-01T12:00:00Z"),
        ],
    )
    .await;
    let h = Finish(AtomicUsize::new(0), store.clone());
    let opts = SweepOptions::default();
    let r = run(
        store.as_ref(),
        Sweep::NoShows,
        utc("2026-01-01T09:00:00Z"),
        &opts,
        &h,
    )
    .await
    .unwrap();
    assert_eq!(r.claimed, 0);
    // The 10:00 and 11:05 runs were missed; the 11:30 run does both, not the 12:00 item.
    let r = run(
        store.as_ref(),
        Sweep::NoShows,
        utc("2026-01-01T11:30:00Z"),
        &opts,
        &h,
    )
    .await
    .unwrap();
    assert_eq!((r.claimed, r.failures.len()), (2, 0));
    assert_eq!(store.all_due(&PracticeId::parse("p2").unwrap()).len(), 1);
    let r = run(
        store.as_ref(),
        Sweep::NoShows,
        utc("2026-01-01T12:00:00Z"),
        &opts,
        &h,
    )
    .await
    .unwrap();
    assert_eq!(r.claimed, 1);
    assert_eq!(h.0.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn overlapping_runs_handle_each_item_once() {
    let store = Arc::new(MemoryStore::new());
    let items: Vec<DueWork> = (0..40)
        .map(|i| due("p1", &format!("a{i}"), "2026-01-01T10:00:00Z"))
        .collect();
    seed(&store, &items).await;
    let h = Finish(AtomicUsize::new(0), store.clone());
    let opts = SweepOptions::default();
    let now = utc("2026-01-01T10:01:00Z");
    let (a, b) = tokio::join!(
        run(store.as_ref(), Sweep::NoShows, now, &opts, &h),
        run(store.as_ref(), Sweep::NoShows, now, &opts, &h)
    );
    assert_eq!(a.unwrap().claimed + b.unwrap().claimed, 40);
    assert_eq!(h.0.load(Ordering::SeqCst), 40);
}

#[tokio::test]
async fn failing_work_comes_back_after_its_lease_and_then_goes_to_staff() {
    let store = Arc::new(MemoryStore::new());
    seed(&store, &[due("p1", "a1", "2026-01-01T10:00:00Z")]).await;
    let opts = SweepOptions::default();
    let mut now = utc("2026-01-01T10:00:00Z");
    let mut reports = Vec::new();
    for _ in 0..6 {
        reports.push(
            run(store.as_ref(), Sweep::NoShows, now, &opts, &Fail)
                .await
                .unwrap(),
        );
        now += opts.lease + Duration::minutes(1);
    }
    assert_eq!(
        reports.iter().map(|r| r.failures.len()).sum::<usize>(),
        4,
        "four failed attempts, reported"
    );
    assert_eq!(reports[4].outcomes.get("gave_up"), Some(&1));
    let tasks = store.all_tasks(&PracticeId::parse("p1").unwrap());
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].kind, TaskKind::SendFailed);
    assert!(store.all_due(&PracticeId::parse("p1").unwrap()).is_empty());
}

#[test]
fn work_is_interleaved_across_practices() {
    let items = vec![
        due("p1", "a1", "2026-01-01T10:00:00Z"),
        due("p1", "a2", "2026-01-01T10:00:00Z"),
        due("p1", "a3", "2026-01-01T10:00:00Z"),
        due("p2", "b1", "2026-01-01T10:00:00Z"),
    ];
    let order: Vec<String> = fair_order(items)
        .iter()
        .map(|d| d.appointment_id.to_string())
        .collect();
    assert_eq!(order, vec!["a1", "b1", "a2", "a3"]);
}

#[test]
fn the_event_time_is_the_sweeps_now() {
    let ev = serde_json::json!({"time": "2026-11-22T18:05:00Z", "detail-type": "Scheduled Event"});
    assert_eq!(event_time(&ev).unwrap(), utc("2026-11-22T18:05:00Z"));
    assert!(event_time(&serde_json::json!({})).is_err());
}
