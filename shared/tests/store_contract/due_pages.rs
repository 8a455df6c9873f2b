//! Due work at scale: sharded bucket partitions read a bounded page at a time, and claims
//! that take the patient's sending lease in the same round trip.

use std::collections::{BTreeMap, HashSet};

use chrono::Duration;
use frontdesk::domain::{DueWork, PatientId, PracticeId, Sweep};
use frontdesk::keys;
use frontdesk::ports::{DuePartition, LeasedClaim, PatientLease};
use frontdesk::Error;

use crate::fixtures::*;
use crate::ContractStore;

fn lease(holder: &str, now_min: u32, minutes: i64) -> PatientLease {
    PatientLease {
        holder: holder.into(),
        until: at(10, now_min) + Duration::minutes(minutes),
        now: at(10, now_min),
    }
}

fn for_patient(p: &PracticeId, appt: &str, patient: &str, m: u32) -> DueWork {
    DueWork {
        patient_id: PatientId::parse(patient).unwrap(),
        ..no_show_check(p, appt, at(10, m))
    }
}

/// Every page of one partition from 10:01 to 10:04, checking each page's size and cost.
async fn read_shard<S: ContractStore>(
    store: &S,
    partition: DuePartition,
    limit: usize,
) -> Vec<DueWork> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        store.reset_requests();
        let page = store
            .due_page(
                Sweep::NoShows,
                partition,
                at(10, 1),
                at(10, 4),
                cursor.as_deref(),
                limit,
            )
            .await
            .unwrap();
        assert_eq!(store.requests(), 1, "one Query per page");
        assert!(page.items.len() <= limit, "a page holds at most its limit");
        out.extend(page.items);
        match page.next {
            Some(next) => cursor = Some(next),
            None => return out,
        }
    }
}

pub async fn due_pages_stream_each_shard_in_due_order_a_bounded_page_at_a_time<S: ContractStore>(
    store: S,
) {
    let practices: Vec<PracticeId> = (0..5).map(|_| PracticeId::generate()).collect();
    let mut planned = Vec::new();
    for (i, p) in practices.iter().enumerate() {
        for a in 0..40 {
            // Every minute of the bucket: 10:00 is before the range read.
            planned.push(no_show_check(
                p,
                &format!("appt-{i}-{a}"),
                at(10, (a % 5) as u32),
            ));
        }
    }
    let refs: Vec<&DueWork> = planned.iter().collect();
    plan(&store, &refs).await;

    let mut seen = Vec::new();
    let mut per_shard = BTreeMap::new();
    let day = at(10, 0).date_naive();
    for partition in DuePartition::shards(day) {
        let got = read_shard(&store, partition, 3).await;
        let mut sorted = got.clone();
        sorted.sort_by_key(keys::due_sort);
        assert_eq!(got, sorted, "due order within a shard");
        for d in &got {
            assert_eq!(DuePartition::of(d), partition, "each item in its shard");
        }
        per_shard.insert(format!("{partition:?}"), got.len());
        seen.extend(got);
    }
    let unsharded = read_shard(&store, DuePartition::Unsharded { bucket: at(10, 0) }, 3).await;
    assert!(
        unsharded.is_empty(),
        "nothing new goes to the unsharded partition"
    );
    let mut want: Vec<DueWork> = planned
        .iter()
        .filter(|d| d.due_at >= at(10, 1) && d.due_at <= at(10, 4))
        .cloned()
        .collect();
    want.sort_by_key(keys::due_sort);
    seen.sort_by_key(keys::due_sort);
    assert_eq!(seen, want, "every item due in the range, once");
    let busiest = per_shard.values().max().copied().unwrap_or(0);
    assert!(busiest <= 16, "160 items over 32 shards: {per_shard:?}");

    // The whole bucket through the convenience read: one Query per partition.
    store.reset_requests();
    let all = store
        .due_in_bucket(Sweep::NoShows, at(10, 0), at(10, 4))
        .await
        .unwrap();
    let mut whole: Vec<DueWork> = planned
        .into_iter()
        .filter(|d| d.due_at <= at(10, 4))
        .collect();
    whole.sort_by_key(keys::due_sort);
    assert_eq!(all, whole);
    assert_eq!(store.requests(), keys::DUE_SHARDS as usize + 1);
}

pub async fn a_due_cursor_from_another_partition_is_rejected<S: ContractStore>(store: S) {
    let p = PracticeId::generate();
    let work: Vec<DueWork> = (0..200)
        .map(|i| no_show_check(&p, &format!("appt-{i}"), at(10, 1)))
        .collect();
    let refs: Vec<&DueWork> = work.iter().collect();
    plan(&store, &refs).await;
    let shard = DuePartition::of(&work[0]);
    let page = store
        .due_page(Sweep::NoShows, shard, at(10, 0), at(10, 4), None, 1)
        .await
        .unwrap();
    let cursor = page.next.expect("more than one item in the shard");
    let DuePartition::Shard { day, shard: n } = shard else {
        panic!("work is indexed under its shard");
    };
    let other_shard = DuePartition::Shard {
        day,
        shard: (n + 1) % keys::DUE_SHARDS,
    };
    let other_day = DuePartition::Shard {
        day: day.succ_opt().unwrap(),
        shard: n,
    };
    for (sweep, partition) in [
        (Sweep::NoShows, other_shard),
        (Sweep::NoShows, other_day),
        (
            Sweep::NoShows,
            DuePartition::Unsharded { bucket: at(10, 0) },
        ),
        (Sweep::Reminders, shard),
    ] {
        let r = store
            .due_page(sweep, partition, at(10, 0), at(10, 9), Some(&cursor), 10)
            .await;
        assert!(
            matches!(
                r,
                Err(Error::Invalid {
                    field: "cursor",
                    ..
                })
            ),
            "{r:?}"
        );
    }
    let r = store
        .due_page(
            Sweep::NoShows,
            shard,
            at(10, 0),
            at(10, 4),
            Some("garbage"),
            10,
        )
        .await;
    assert!(
        matches!(
            r,
            Err(Error::Invalid {
                field: "cursor",
                ..
            })
        ),
        "{r:?}"
    );
}

pub async fn a_claim_takes_the_patients_lease_and_another_run_waits_for_it<S: ContractStore>(
    store: S,
) {
    let p = PracticeId::generate();
    let first = for_patient(&p, "appt-1", "pat-x", 1);
    let second = for_patient(&p, "appt-2", "pat-x", 2);
    let third = for_patient(&p, "appt-3", "pat-x", 3);
    let other_patient = for_patient(&p, "appt-4", "pat-y", 1);
    plan(&store, &[&first, &second, &third, &other_patient]).await;

    store.reset_requests();
    let claimed = store
        .claim_due_leased(&first, at(10, 11), &lease("run-a", 1, 2))
        .await
        .unwrap();
    assert_eq!(
        store.requests(),
        1,
        "the claim and the lease in one round trip"
    );
    let mut expected = first.clone();
    expected.due_at = at(10, 11);
    expected.attempts = 1;
    assert_eq!(claimed, LeasedClaim::Claimed(expected.clone()));

    // Another run, while run A holds the patient: refused, and the work is untouched.
    assert_eq!(
        store
            .claim_due_leased(&second, at(10, 12), &lease("run-b", 2, 2))
            .await
            .unwrap(),
        LeasedClaim::PatientBusy
    );
    // Another patient is not held up.
    assert!(matches!(
        store
            .claim_due_leased(&other_patient, at(10, 12), &lease("run-b", 2, 2))
            .await
            .unwrap(),
        LeasedClaim::Claimed(_)
    ));
    // Run A renews its own lease with its next claim.
    assert!(matches!(
        store
            .claim_due_leased(&second, at(10, 12), &lease("run-a", 2, 2))
            .await
            .unwrap(),
        LeasedClaim::Claimed(_)
    ));
    // Work that is gone is gone, whoever holds the patient.
    assert_eq!(
        store
            .claim_due_leased(&first, at(10, 13), &lease("run-b", 3, 2))
            .await
            .unwrap(),
        LeasedClaim::Gone
    );
    assert_eq!(
        store
            .claim_due_leased(&first, at(10, 13), &lease("run-a", 3, 2))
            .await
            .unwrap(),
        LeasedClaim::Gone
    );
    // Run A's renewed lease ends at 10:04; after it, run B takes the patient.
    assert_eq!(
        store
            .claim_due_leased(&third, at(10, 14), &lease("run-b", 3, 2))
            .await
            .unwrap(),
        LeasedClaim::PatientBusy
    );
    assert!(matches!(
        store
            .claim_due_leased(&third, at(10, 15), &lease("run-b", 5, 2))
            .await
            .unwrap(),
        LeasedClaim::Claimed(_)
    ));
    // The claim moved the work exactly as `claim_due` does.
    assert_eq!(store.claim_due(&first, at(10, 30)).await.unwrap(), None);
    assert!(store
        .claim_due(&expected, at(10, 30))
        .await
        .unwrap()
        .is_some());
}

pub async fn racing_runs_never_both_hold_one_patient<S: ContractStore>(store: S) {
    let p = PracticeId::generate();
    let work: Vec<DueWork> = (0..8)
        .map(|i| for_patient(&p, &format!("appt-{i}"), "pat-x", 1))
        .collect();
    let refs: Vec<&DueWork> = work.iter().collect();
    plan(&store, &refs).await;
    let mut tasks = Vec::new();
    for (i, d) in work.iter().cloned().enumerate() {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let holder = format!("run-{}", i % 2);
            let r = store
                .claim_due_leased(&d, at(10, 11), &lease(&holder, 1, 2))
                .await
                .unwrap();
            (holder, r)
        }));
    }
    let mut winners = HashSet::new();
    for t in tasks {
        let (holder, r) = t.await.unwrap();
        match r {
            LeasedClaim::Claimed(_) => {
                winners.insert(holder);
            }
            LeasedClaim::PatientBusy => {}
            LeasedClaim::Gone => panic!("nobody else claims this work"),
        }
    }
    assert_eq!(winners.len(), 1, "one run holds the patient: {winners:?}");
}

pub async fn a_lease_is_ended_only_by_its_holder<S: ContractStore>(store: S) {
    use frontdesk::ports::Write;
    let p = PracticeId::generate();
    let first = for_patient(&p, "appt-1", "pat-x", 1);
    let second = for_patient(&p, "appt-2", "pat-x", 2);
    let other = for_patient(&p, "appt-3", "pat-y", 2);
    plan(&store, &[&first, &second, &other]).await;
    let LeasedClaim::Claimed(_) = store
        .claim_due_leased(&first, at(10, 11), &lease("run-a", 1, 2))
        .await
        .unwrap()
    else {
        panic!("claimed");
    };
    let release = |holder: &str, patient: &str| Write::ReleasePatientLease {
        practice_id: p.clone(),
        patient_id: PatientId::parse(patient).unwrap(),
        holder: holder.into(),
    };
    // Another run's release, and one of a patient with no lease, change nothing and are
    // no conflict, alone or in a batch.
    store.write(vec![release("run-b", "pat-x")]).await.unwrap();
    store
        .write(vec![release("run-b", "pat-x"), release("run-a", "pat-y")])
        .await
        .unwrap();
    assert_eq!(
        store
            .claim_due_leased(&second, at(10, 12), &lease("run-b", 2, 2))
            .await
            .unwrap(),
        LeasedClaim::PatientBusy
    );
    // The holder ends it: the next run takes the patient at once.
    store.reset_requests();
    store
        .write(vec![release("run-a", "pat-x"), release("run-b", "pat-y")])
        .await
        .unwrap();
    assert!(matches!(
        store
            .claim_due_leased(&second, at(10, 12), &lease("run-b", 2, 2))
            .await
            .unwrap(),
        LeasedClaim::Claimed(_)
    ));
    assert!(matches!(
        store
            .claim_due_leased(&other, at(10, 12), &lease("run-c", 2, 2))
            .await
            .unwrap(),
        LeasedClaim::Claimed(_)
    ));
}
