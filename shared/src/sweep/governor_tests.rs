use super::*;
use std::sync::Mutex as StdMutex;

fn practice(id: &str) -> PracticeId {
    PracticeId::parse(id).unwrap()
}

/// The most sends in any half-open one-second window `[t, t + 1 s)`.
fn peak_per_second(mut sends: Vec<Instant>) -> usize {
    sends.sort();
    let mut peak = 0;
    let mut start = 0;
    for end in 0..sends.len() {
        while sends[end].duration_since(sends[start]) >= SECOND {
            start += 1;
        }
        peak = peak.max(end - start + 1);
    }
    peak
}

/// `workers` instances, each with its own governor holding its share of one SNS account,
/// each sending bulk as fast as allowed for `seconds` simulated seconds.
async fn flood(workers: u32, seconds: u64, practices_per_worker: usize) -> Vec<Instant> {
    let sends = Arc::new(StdMutex::new(Vec::new()));
    let end = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for w in 0..workers {
        let governor = Governor::new(Limits::default().shared_by(workers));
        for p in 0..practices_per_worker {
            let governor = governor.clone();
            let sends = sends.clone();
            let id = practice(&format!("prc_w{w}_{p}"));
            tasks.push(tokio::spawn(async move {
                while Instant::now() < end {
                    let _permit = governor.acquire_route(&id, Route::Sns, Lane::Reply).await;
                    if Instant::now() >= end {
                        break;
                    }
                    sends.lock().unwrap().push(Instant::now());
                }
            }));
        }
    }
    for t in tasks {
        t.await.unwrap();
    }
    let out = sends.lock().unwrap().clone();
    out
}

#[tokio::test(start_paused = true)]
async fn four_workers_sharing_20_per_second_never_exceed_20_in_any_second_over_60_seconds() {
    let sends = flood(4, 60, 8).await;
    assert!(
        peak_per_second(sends.clone()) <= 20,
        "peak {}",
        peak_per_second(sends.clone())
    );
    // And the budget is used, not merely respected: 4 × 5/s for 60 s.
    assert!(sends.len() >= 4 * 5 * 59, "only {} sends", sends.len());
}

#[tokio::test(start_paused = true)]
async fn one_governor_never_lets_more_than_its_rate_through_in_any_second() {
    let governor = Governor::new(Limits {
        practice_per_second: 1000,
        ..Limits::default()
    });
    let sends = Arc::new(StdMutex::new(Vec::new()));
    let end = Instant::now() + Duration::from_secs(30);
    let mut tasks = Vec::new();
    for p in 0..40 {
        let (governor, sends) = (governor.clone(), sends.clone());
        tasks.push(tokio::spawn(async move {
            let id = practice(&format!("prc_{p}"));
            while Instant::now() < end {
                let _permit = governor.acquire_route(&id, Route::Sns, Lane::Reply).await;
                sends.lock().unwrap().push(Instant::now());
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let sends = sends.lock().unwrap().clone();
    assert_eq!(peak_per_second(sends), 20);
}

#[tokio::test(start_paused = true)]
async fn replies_are_never_starved_by_bulk() {
    let governor = Governor::new(Limits {
        practice_per_second: 1000,
        ..Limits::default()
    });
    let end = Instant::now() + Duration::from_secs(20);
    // Bulk from many practices, as fast as allowed.
    let mut bulk = Vec::new();
    for p in 0..32 {
        let governor = governor.clone();
        bulk.push(tokio::spawn(async move {
            let id = practice(&format!("prc_bulk{p}"));
            let mut n = 0usize;
            while Instant::now() < end {
                let _permit = governor.acquire_route(&id, Route::Sns, Lane::Bulk).await;
                n += 1;
            }
            n
        }));
    }
    // A reply every 200 ms: each gets through at once.
    let replier = practice("prc_reply");
    let mut worst = Duration::ZERO;
    while Instant::now() + Duration::from_secs(1) < end {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let asked = Instant::now();
        let _permit = governor
            .acquire_route(&replier, Route::Sns, Lane::Reply)
            .await;
        worst = worst.max(asked.elapsed());
    }
    let mut bulk_sent = 0;
    for b in bulk {
        bulk_sent += b.await.unwrap();
    }
    assert!(
        worst < Duration::from_millis(50),
        "a reply waited {worst:?}"
    );
    // Bulk kept below its share (15 of the 20 per second, replies counted in it), and
    // still used what the replies left it (5 replies a second leave it 10).
    assert!(bulk_sent <= 15 * 21, "{bulk_sent}");
    assert!(bulk_sent >= 10 * 19, "{bulk_sent}");
}

#[tokio::test(start_paused = true)]
async fn a_practice_is_held_to_its_own_rate_and_its_own_number_to_the_providers() {
    let governor = Governor::new(Limits::default());
    let started = Instant::now();
    let own = Route::Own(SmsProvider::Twilio, practice("prc_t"));
    for _ in 0..5 {
        let _p = governor
            .acquire_route(&practice("prc_t"), own.clone(), Lane::Bulk)
            .await;
    }
    // One message per second on a Twilio long code: the fifth goes out 4 s after the first.
    assert!(started.elapsed() >= Duration::from_secs(4));
    assert!(started.elapsed() < Duration::from_secs(5));

    let started = Instant::now();
    for _ in 0..25 {
        let _p = governor
            .acquire_route(&practice("prc_v"), Route::Task, Lane::Bulk)
            .await;
    }
    // Staff tasks count only against the practice (10/s): 25 take just over 2 s.
    assert!(started.elapsed() >= Duration::from_secs(2));
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test(start_paused = true)]
async fn no_more_than_max_in_flight_permits_are_held_at_once() {
    let governor = Governor::new(Limits {
        max_in_flight: 3,
        practice_per_second: 1000,
        sns_per_second: 1000,
        ..Limits::default()
    });
    let held = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let peak = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for i in 0..20 {
        let (governor, held, peak) = (governor.clone(), held.clone(), peak.clone());
        tasks.push(tokio::spawn(async move {
            let id = practice(&format!("prc_{i}"));
            let _p = governor.acquire_route(&id, Route::Sns, Lane::Bulk).await;
            let now = held.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
            peak.fetch_max(now, std::sync::atomic::Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(100)).await;
            held.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(peak.load(std::sync::atomic::Ordering::SeqCst), 3);
}

#[test]
fn shares_divide_the_service_accounts_only() {
    let l = Limits::default().shared_by(4);
    assert_eq!((l.sns_per_second, l.ses_per_second), (5, 3));
    assert_eq!(l.twilio_per_second, 1);
    assert_eq!(Limits::default().shared_by(100).sns_per_second, 1);
}
