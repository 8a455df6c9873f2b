//! One patient, one message at a time, across sweeps and overlapping runs: the patient's
//! lease, taken with each claim.

use super::Claimed;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use super::*;
use crate::domain::{AppointmentId, DueKind, PatientId, PracticeId, Sweep};
use crate::ports::{Store, Write};
use crate::testing::{utc, MemoryStore};

/// Finishes every item after a pause, recording how many items of one patient were being
/// handled at once, by any run.
struct Overlap {
    store: Arc<MemoryStore>,
    busy: Arc<Mutex<HashMap<PatientId, usize>>>,
    worst: Arc<AtomicUsize>,
    handled: Arc<AtomicUsize>,
}

#[async_trait]
impl DueHandler for Overlap {
    async fn handle(&self, item: Claimed) -> Result<Handled> {
        let claimed = item.work;
        let now = {
            let mut busy = self.busy.lock().unwrap();
            let n = busy.entry(claimed.patient_id.clone()).or_default();
            *n += 1;
            *n
        };
        self.worst.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(std::time::Duration::from_millis(3)).await;
        *self
            .busy
            .lock()
            .unwrap()
            .entry(claimed.patient_id.clone())
            .or_default() -= 1;
        self.store
            .write(vec![Write::DoneDue {
                claimed: Box::new(claimed),
            }])
            .await?;
        self.handled.fetch_add(1, Ordering::SeqCst);
        Ok(Handled::Done("done"))
    }
}

fn item(practice: &PracticeId, patient: usize, n: usize, kind: DueKind) -> DueWork {
    DueWork {
        practice_id: practice.clone(),
        appointment_id: AppointmentId::parse(format!("appt-{patient}-{n}")).unwrap(),
        patient_id: PatientId::parse(format!("pat-{patient}")).unwrap(),
        kind,
        due_at: utc("2026-01-01T10:01:00Z"),
        planned_for: utc("2026-01-02T10:00:00Z"),
        attempts: 0,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_sweeps_and_overlapping_runs_never_handle_one_patient_at_once() {
    let store = Arc::new(MemoryStore::new());
    let practice = PracticeId::parse("prc_lease").unwrap();
    let mut work = Vec::new();
    for patient in 0..12 {
        for n in 0..3 {
            work.push(item(&practice, patient, n, DueKind::NoShowCheck));
            work.push(item(&practice, patient, n + 10, DueKind::ReviewRequest));
        }
    }
    let total = work.len();
    for chunk in work.chunks(50) {
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
    let handler = Arc::new(Overlap {
        store: store.clone(),
        busy: Arc::default(),
        worst: Arc::default(),
        handled: Arc::default(),
    });
    let opts = SweepOptions {
        concurrency: 8,
        ..SweepOptions::default()
    };
    // Four runs at once, two per sweep (a Lambda retry beside each), then again each time
    // the leases have ended, until everything is done.
    let mut busy_seen = 0;
    for round in 0..6 {
        let now = utc("2026-01-01T10:05:00Z") + Duration::minutes(3 * round);
        let mut runs = Vec::new();
        for sweep in [
            Sweep::NoShows,
            Sweep::Reviews,
            Sweep::NoShows,
            Sweep::Reviews,
        ] {
            let (store, handler, opts) = (store.clone(), handler.clone(), opts.clone());
            runs.push(tokio::spawn(async move {
                run(store.as_ref(), sweep, now, &opts, handler.as_ref())
                    .await
                    .unwrap()
            }));
        }
        for r in runs {
            let report = r.await.unwrap();
            assert_eq!(report.failed, 0, "{report:?}");
            busy_seen += report.patient_busy;
        }
        if handler.handled.load(Ordering::SeqCst) == total {
            break;
        }
    }
    assert_eq!(
        handler.worst.load(Ordering::SeqCst),
        1,
        "never two at once for one patient"
    );
    assert_eq!(
        handler.handled.load(Ordering::SeqCst),
        total,
        "all done, none twice"
    );
    assert!(busy_seen > 0, "the runs did contend for patients");
    assert!(store.all_due(&practice).is_empty());
}

#[tokio::test]
async fn work_left_for_a_busy_patient_keeps_its_bucket_for_the_next_run() {
    let store = Arc::new(MemoryStore::new());
    let practice = PracticeId::parse("prc_busy").unwrap();
    let d = item(&practice, 1, 1, DueKind::NoShowCheck);
    store
        .write(vec![Write::Due(Box::new(d.clone()))])
        .await
        .unwrap();
    // Another run holds the patient until 10:07.
    let other = crate::ports::PatientLease {
        holder: "other".into(),
        until: utc("2026-01-01T10:07:00Z"),
        now: utc("2026-01-01T10:05:00Z"),
    };
    let mut held = item(&practice, 1, 2, DueKind::NoShowCheck);
    held.due_at = utc("2026-01-02T00:00:00Z");
    store
        .write(vec![Write::Due(Box::new(held.clone()))])
        .await
        .unwrap();
    store
        .claim_due_leased(&held, utc("2026-01-02T00:10:00Z"), &other)
        .await
        .unwrap();
    let handler = Overlap {
        store: store.clone(),
        busy: Arc::default(),
        worst: Arc::default(),
        handled: Arc::default(),
    };
    let opts = SweepOptions::default();
    let first = run(
        store.as_ref(),
        Sweep::NoShows,
        utc("2026-01-01T10:06:00Z"),
        &opts,
        &handler,
    )
    .await
    .unwrap();
    assert_eq!((first.patient_busy, first.claimed), (1, 0));
    // The cursor stayed on the bucket: a later run still finds the item.
    let second = run(
        store.as_ref(),
        Sweep::NoShows,
        utc("2026-01-01T10:08:00Z"),
        &opts,
        &handler,
    )
    .await
    .unwrap();
    assert_eq!((second.patient_busy, second.claimed), (0, 1), "{second:?}");
}
