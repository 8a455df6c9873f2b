//! The send governor in a real sweep, on a paused clock: sends are paced to the practice's
//! rate, every reminder still goes out in the run, and waiting is never a failed attempt
//! (no staff task, nothing left for the lease to bring back).

use frontdesk::sweep::{Governor, Limits};
use tokio::time::{Duration as TokioDuration, Instant};

use super::*;

#[tokio::test(start_paused = true)]
async fn a_throttled_sweep_sends_every_reminder_at_the_practices_rate_and_makes_no_task() {
    let mut w = world();
    w.deps.governor = Governor::new(Limits {
        practice_per_second: 4,
        ..Limits::default()
    });
    let patients: Vec<Patient> = (0..20)
        .map(|i| patient(&format!("pt{i}"), Channel::Sms))
        .collect();
    let visits: Vec<Appointment> = patients
        .iter()
        .enumerate()
        .map(|(i, p)| appointment(&format!("a{i}"), p, VISIT))
        .collect();
    let practice = practice(only_reminders);
    let pts: Vec<&Patient> = patients.iter().collect();
    let apps: Vec<&Appointment> = visits.iter().collect();
    w.seed(&practice, &pts, &apps, "2026-02-01T00:00:00Z").await;

    let started = Instant::now();
    let r = w.sweep(TWO_DAYS_BEFORE).await;
    let took = started.elapsed();
    assert_eq!(count(&r, "reminder_sent"), 20, "{r:?}");
    assert_eq!(r.failed, 0, "{r:?}");
    assert_eq!(w.sms.sent().len(), 20);
    // 20 sends at 4 a second: the last waits for the fifth window.
    assert!(took >= TokioDuration::from_secs(4), "{took:?}");
    assert!(took < TokioDuration::from_secs(6), "{took:?}");
    assert!(
        w.store.all_tasks(&practice_id()).is_empty(),
        "throttling is not a failure"
    );
    // Nothing was left to come back after a lease.
    let again = w.sweep("2026-03-08T18:20:00Z").await;
    assert_eq!(again.claimed, 0, "{again:?}");
}
