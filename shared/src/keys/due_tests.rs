use chrono::{TimeZone, Utc};

use super::*;
use crate::domain::{DueKind, ReminderOffset};

fn work(practice: &str, appointment: &str, patient: &str) -> DueWork {
    let at = Utc.with_ymd_and_hms(2026, 3, 10, 13, 0, 0).unwrap();
    DueWork {
        practice_id: PracticeId::parse(practice).unwrap(),
        appointment_id: AppointmentId::parse(appointment).unwrap(),
        patient_id: PatientId::parse(patient).unwrap(),
        kind: DueKind::Reminder {
            offset: ReminderOffset::Before { minutes: 2880 },
        },
        due_at: at,
        planned_for: at,
        attempts: 0,
    }
}

/// The busiest shard's share of `n` items named by `name`, against 1/S.
fn busiest_share(n: usize, name: impl Fn(usize) -> (String, String, String)) -> f64 {
    let mut load = vec![0usize; DUE_SHARDS as usize];
    for i in 0..n {
        let (practice, appointment, patient) = name(i);
        load[due_shard_of(&work(&practice, &appointment, &patient)) as usize] += 1;
    }
    let busiest = load.iter().copied().max().unwrap_or(0);
    busiest as f64 / n as f64 * f64::from(DUE_SHARDS)
}

// 100,000 items put one shard's expected load about 177 items (5.7 standard deviations)
// under the 10% margin: a fair hash never fails these, a weak one (plain FNV-1a, 1.16 on
// the first) does.
#[test]
fn sequential_ids_like_the_benchmarks_spread_within_ten_percent_of_a_fair_share() {
    let share = busiest_share(100_000, |i| {
        (
            format!("bench-{:04}", i % 2000),
            format!("a{i:06}"),
            format!("pt{i:06}"),
        )
    });
    assert!(share <= 1.10, "busiest shard at {share:.3} of its share");
}

#[test]
fn numeric_ids_of_one_practice_spread_within_ten_percent_of_a_fair_share() {
    let share = busiest_share(100_000, |i| {
        (
            "prc_1".into(),
            format!("{}", 500_000 + i),
            format!("{}", 90_000 + i),
        )
    });
    assert!(share <= 1.10, "busiest shard at {share:.3} of its share");
}

#[test]
fn uuid_like_ids_spread_within_ten_percent_of_a_fair_share() {
    let hex = |i: usize, salt: u64| {
        let x = (i as u64 ^ salt).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        format!("{x:016x}-{:08x}", x >> 20)
    };
    let share = busiest_share(100_000, |i| {
        (format!("prc_{}", i % 20_000), hex(i, 1), hex(i, 2))
    });
    assert!(share <= 1.10, "busiest shard at {share:.3} of its share");
}

#[test]
fn the_shard_is_a_constant_of_the_item() {
    let d = work("prc_1", "appt-1", "pat-1");
    let mut claimed = d.clone();
    claimed.due_at += chrono::Duration::minutes(10);
    claimed.attempts = 3;
    assert_eq!(due_shard_of(&d), due_shard_of(&claimed));
    // Writers and sweeps of every deployed version must agree: pinned.
    assert_eq!(due_shard_of(&d), PINNED);
}

const PINNED: u32 = 10;
