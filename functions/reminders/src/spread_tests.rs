//! The day-of reminders of a practice's morning, spread over its `spread_minutes`
//! (`frontdesk::policy::spread`): not all at 08:00, every one sent once by the end of the
//! window, and each appointment's own time.

use super::*;

#[tokio::test]
async fn a_practices_day_of_reminders_are_spread_over_its_window_and_each_sent_once() {
    let w = world();
    let patients: Vec<Patient> = (0..40)
        .map(|i| patient(&format!("pt{i}"), Channel::Sms))
        .collect();
    let visits: Vec<Appointment> = patients
        .iter()
        .enumerate()
        .map(|(i, p)| appointment(&format!("a{i}"), p, VISIT))
        .collect();
    let practice = practice(|s| {
        only_reminders(s);
        s.spread_minutes = 30;
    });
    let pts: Vec<&Patient> = patients.iter().collect();
    let apps: Vec<&Appointment> = visits.iter().collect();
    // Booked after the two-day reminders' time: only the day-of ones are planned.
    w.seed(&practice, &pts, &apps, "2026-03-09T00:00:00Z").await;
    let due: Vec<_> = w
        .store
        .all_due(&practice_id())
        .into_iter()
        .filter(|d| matches!(d.kind, DueKind::Reminder { .. }))
        .map(|d| d.due_at)
        .collect();
    assert_eq!(due.len(), 40);
    let (from, to) = (utc(MORNING_OF), utc(MORNING_OF) + Duration::minutes(30));
    assert!(due.iter().all(|d| *d >= from && *d < to), "{due:?}");
    let minutes: std::collections::BTreeSet<_> =
        due.iter().map(|d| (*d - from).num_minutes()).collect();
    assert!(minutes.len() >= 15, "spread over the window: {minutes:?}");

    // At 08:00 sharp only those that drew the first second go; 15 minutes in, about half.
    let at_eight = w.sweep(MORNING_OF).await;
    assert!(count(&at_eight, "reminder_sent") <= 2, "{at_eight:?}");
    let mid = w.sweep("2026-03-10T12:15:00Z").await;
    let sent_mid = w.sms.sent().len();
    assert!((5..=35).contains(&sent_mid), "{sent_mid} by 08:15: {mid:?}");
    // By the end of the window every one has gone, once.
    w.sweep("2026-03-10T12:30:00Z").await;
    assert_eq!(w.sms.sent().len(), 40);
    let again = w.sweep("2026-03-10T12:45:00Z").await;
    assert_eq!(again.claimed, 0, "{again:?}");
    assert_eq!(w.sms.sent().len(), 40, "nothing twice");
}
