//! Late and overlapping sweeps (what Lambda retries and a backlog produce) over
//! appointments with several overdue reminders: each patient gets at most one reminder per
//! appointment per sweep moment, and the superseded ones are on the timeline, never sent.

use futures_util::future::join_all;

use super::*;

/// Three patients, two appointments each, booked long ago with four reminders each.
async fn busy_world() -> World {
    let w = world();
    let mut patients = Vec::new();
    let mut visits = Vec::new();
    for i in 0..3 {
        let pt = patient(&format!("pt{i}"), Channel::Sms);
        for (j, start) in [VISIT, "2026-03-12T15:00:00Z"].into_iter().enumerate() {
            visits.push(appointment(&format!("a{i}{j}"), &pt, start));
        }
        patients.push(pt);
    }
    let practice = practice(|s| {
        only_reminders(s);
        s.reminder_offsets
            .push(ReminderOffset::Before { minutes: 3 * 60 });
    });
    let pts: Vec<&Patient> = patients.iter().collect();
    let apps: Vec<&Appointment> = visits.iter().collect();
    w.seed(&practice, &pts, &apps, "2026-02-01T00:00:00Z").await;
    w
}

/// The messages of the timeline of every patient, by appointment: (sent, superseded).
async fn by_appointment(w: &World) -> BTreeMap<String, (usize, usize)> {
    let mut out: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for i in 0..3 {
        for m in w.timeline(&format!("pt{i}")).await {
            let Some(a) = m.appointment_id.as_ref() else {
                continue;
            };
            let e = out.entry(a.to_string()).or_default();
            match &m.decision {
                Decision::Sent { .. } => e.0 += 1,
                Decision::Suppressed { reason } if reason.starts_with("superseded") => e.1 += 1,
                _ => {}
            }
        }
    }
    out
}

async fn overlapping(w: &World, runs: usize, at: &str) -> Vec<SweepReport> {
    join_all((0..runs).map(|_| run(&w.deps, utc(at))))
        .await
        .into_iter()
        .map(|r| r.unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_and_four_overlapping_late_sweeps_send_one_reminder_per_appointment_per_moment() {
    for runs in [2, 4] {
        let w = busy_world().await;
        // The sweep last ran on 03-02, before any reminder was due.
        w.sweep("2026-03-02T12:00:00Z").await;
        // Nothing ran for a week. The day before the 03-10 visit (10:00 EDT) its week and
        // two-day reminders are both overdue; the 03-12 visit's week reminder is due.
        let reports = overlapping(&w, runs, "2026-03-09T14:00:00Z").await;
        let claimed: usize = reports.iter().map(|r| r.claimed).sum();
        assert_eq!(
            claimed,
            3 * 3,
            "{runs} runs: each item claimed once: {reports:?}"
        );
        let seen = by_appointment(&w).await;
        for i in 0..3 {
            assert_eq!(seen[&format!("a{i}0")], (1, 1), "{runs} runs: {seen:?}");
            assert_eq!(seen[&format!("a{i}1")], (1, 0), "{runs} runs: {seen:?}");
        }
        assert_eq!(w.sms.sent().len(), 6, "one text per appointment");

        // Late again at 11:30 EDT on 03-10: that visit's day-of (08:00) and 3-hour (11:00)
        // reminders are both overdue, only the 3-hour one may go; the 03-12 visit's
        // two-day reminder is due too (a different appointment: its own text).
        let before = w.sms.sent().len();
        overlapping(&w, runs, "2026-03-10T15:30:00Z").await;
        let seen = by_appointment(&w).await;
        for i in 0..3 {
            assert_eq!(seen[&format!("a{i}0")], (2, 2), "{runs} runs: {seen:?}");
            assert_eq!(seen[&format!("a{i}1")], (2, 0), "{runs} runs: {seen:?}");
        }
        assert_eq!(w.sms.sent().len(), before + 6, "one text per appointment");
        let superseded = w
            .timeline("pt0")
            .await
            .into_iter()
            .filter(|m| {
                matches!(&m.decision, Decision::Suppressed { reason } if reason.starts_with("superseded"))
            })
            .count();
        assert_eq!(superseded, 2, "on the timeline, with the reason");
    }
}
