use super::Claimed;
use super::*;
use crate::domain::{AppointmentId, DueKind, PatientId, PracticeId, Sweep, TaskKind};
use crate::ports::{Store, Write};
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
    async fn handle(&self, item: Claimed) -> Result<Handled> {
        let claimed = item.work;
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
    async fn handle(&self, _item: Claimed) -> Result<Handled> {
        Err(crate::Error::Storage("boom".into()))
    }
}

async fn seed(store: &MemoryStore, items: &[DueWork]) {
    for chunk in items.chunks(100) {
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
        reports.iter().map(|r| r.failed).sum::<usize>(),
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

#[test]
fn fair_order_keeps_every_item_and_each_practices_order() {
    let mut items = Vec::new();
    for i in 0..300 {
        let p = format!("p{}", i % 7 + (i % 3));
        items.push(due(&p, &format!("a{i}"), "2026-01-01T10:00:00Z"));
    }
    let out = fair_order(items.clone());
    assert_eq!(out.len(), items.len());
    for p in ["p0", "p1", "p4", "p8"] {
        let mine = |v: &[DueWork]| -> Vec<String> {
            v.iter()
                .filter(|d| d.practice_id.as_str() == p)
                .map(|d| d.appointment_id.to_string())
                .collect()
        };
        assert_eq!(mine(&out), mine(&items), "{p} keeps its order");
    }
    // The first round has one item of every practice.
    let first: std::collections::HashSet<_> =
        out.iter().take(9).map(|d| d.practice_id.clone()).collect();
    assert_eq!(first.len(), 9);
}

#[tokio::test]
async fn a_report_keeps_the_first_failures_and_counts_them_all() {
    let store = Arc::new(MemoryStore::new());
    let items: Vec<DueWork> = (0..(FAILURES_KEPT + 20))
        .map(|i| {
            let mut d = due("p1", &format!("a{i}"), "2026-01-01T10:00:00Z");
            d.patient_id = PatientId::parse(format!("pt{i}")).unwrap();
            d
        })
        .collect();
    seed(&store, &items).await;
    let opts = SweepOptions::default();
    let r = run(
        store.as_ref(),
        Sweep::NoShows,
        utc("2026-01-01T10:01:00Z"),
        &opts,
        &Fail,
    )
    .await
    .unwrap();
    assert_eq!(r.failed, FAILURES_KEPT + 20);
    assert_eq!(r.failures.len(), FAILURES_KEPT);
}

#[tokio::test]
async fn a_late_run_leases_from_the_wall_clock() {
    let store = Arc::new(MemoryStore::new());
    seed(&store, &[due("p1", "a1", "2026-01-01T10:00:00Z")]).await;
    let opts = SweepOptions::deployed();
    // An event from long ago (a retry, a backlog): the claim must outlast the run itself.
    let before = Utc::now();
    run(
        store.as_ref(),
        Sweep::NoShows,
        utc("2026-01-01T10:01:00Z"),
        &opts,
        &Fail,
    )
    .await
    .unwrap();
    let leased = store.all_due(&PracticeId::parse("p1").unwrap());
    assert!(
        leased[0].due_at >= before + opts.lease,
        "{:?}",
        leased[0].due_at
    );
    let replay = SweepOptions::default().lease_until(utc("2026-01-01T10:01:00Z"));
    assert_eq!(
        replay,
        utc("2026-01-01T10:11:00Z"),
        "replays lease from the event"
    );
}

/// Records the snapshots it is given and how many of a patient's items overlap.
struct Serial {
    store: Arc<MemoryStore>,
    busy: std::sync::Mutex<std::collections::HashSet<String>>,
    overlaps: AtomicUsize,
    stamped_seen: AtomicUsize,
}

#[async_trait]
impl DueHandler for Serial {
    async fn handle(&self, item: Claimed) -> Result<Handled> {
        let (claimed, s, _) = item.into_parts();
        let who = claimed.patient_id.to_string();
        if !self.busy.lock().unwrap().insert(who.clone()) {
            self.overlaps.fetch_add(1, Ordering::SeqCst);
        }
        if s.patient.as_ref().is_some_and(|p| p.no_show_count > 0) {
            self.stamped_seen.fetch_add(1, Ordering::SeqCst);
        }
        tokio::task::yield_now().await;
        let mut writes = vec![done(&claimed)];
        if let Some(mut p) = s.patient.clone() {
            p.no_show_count += 1;
            p.version += 1;
            writes.push(Write::Patient {
                patient: Box::new(p),
                expect: crate::ports::Expect::Any,
                previous_phone: None,
            });
        }
        let r = self.store.write(writes).await;
        self.busy.lock().unwrap().remove(&who);
        r.map(|()| Handled::Done("done"))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_patients_items_are_handled_one_at_a_time_each_on_fresh_records() {
    let store = Arc::new(MemoryStore::new());
    let patient = crate::domain::Patient::new(
        PracticeId::parse("p1").unwrap(),
        PatientId::parse("pt").unwrap(),
        "A",
        "B",
        crate::domain::Channel::Sms,
        utc("2026-01-01T00:00:00Z"),
    );
    store
        .write(vec![Write::Patient {
            patient: Box::new(patient),
            expect: crate::ports::Expect::Any,
            previous_phone: None,
        }])
        .await
        .unwrap();
    let items: Vec<DueWork> = (0..5)
        .map(|i| due("p1", &format!("a{i}"), "2026-01-01T10:00:00Z"))
        .collect();
    seed(&store, &items).await;
    let h = Serial {
        store: store.clone(),
        busy: Default::default(),
        overlaps: AtomicUsize::new(0),
        stamped_seen: AtomicUsize::new(0),
    };
    let r = run(
        store.as_ref(),
        Sweep::NoShows,
        utc("2026-01-01T10:01:00Z"),
        &SweepOptions::default(),
        &h,
    )
    .await
    .unwrap();
    assert_eq!(r.claimed, 5);
    assert_eq!(h.overlaps.load(Ordering::SeqCst), 0, "never two at once");
    assert_eq!(
        h.stamped_seen.load(Ordering::SeqCst),
        4,
        "every later item saw the earlier one's write"
    );
}

#[tokio::test]
async fn work_of_another_sweep_is_refused_not_handled() {
    let store = Arc::new(MemoryStore::new());
    let mut d = due("p1", "a1", "2026-01-01T10:00:00Z");
    d.kind = DueKind::ReviewRequest;
    seed(&store, std::slice::from_ref(&d)).await;
    let h = Finish(AtomicUsize::new(0), store.clone());
    let opts = SweepOptions::default();
    let engine = engine::Engine {
        store: store.as_ref(),
        sweep: Sweep::NoShows,
        now: utc("2026-01-01T10:01:00Z"),
        opts: &opts,
        handler: &h,
        holder: "test".into(),
    };
    // Handed over directly: the engine's queries never mix partitions.
    let err = engine
        .handle_one(&d, &Batch::default(), false, &mut None)
        .await;
    assert!(
        matches!(&err, Err(engine::Busy::Failed(crate::Error::Invalid { reason, .. })) if reason.contains("reviews sweep")),
        "{err:?}"
    );
    assert_eq!(h.0.load(Ordering::SeqCst), 0);
}
