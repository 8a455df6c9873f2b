//! Stalled threads over time: a thread without resolution for `stalled_thread_days` gets
//! the one call suggestion at the patient's next message, below the exchange count, in the
//! same channel and outside the patient's quiet hours.

use super::*;

fn slow_thread_settings() -> frontdesk::domain::PracticeSettings {
    let mut s = settings();
    s.escalate_after_exchanges = 10;
    s.stalled_thread_days = 2;
    s.auto_replies_per_hour = 10;
    s
}

fn suggestions(app: &App) -> usize {
    app.sms_to(PATIENT_PHONE)
        .iter()
        .filter(|s| s.contains("easier by phone"))
        .count()
}

#[tokio::test]
async fn a_thread_idle_past_the_threshold_gets_exactly_one_call_suggestion() {
    let app = App::with_settings(office_hours(), slow_thread_settings()).await;
    app.add_patient("pat-1", PATIENT_PHONE, |_| {}).await;
    app.text("hi, question about my bill").await;
    app.at(office_hours() + hours(47)).text("any news?").await;
    assert_eq!(suggestions(&app), 0, "not yet two days");

    app.at(office_hours() + hours(49)).text("hello?").await;
    assert_eq!(suggestions(&app), 1, "{:?}", app.sms_to(PATIENT_PHONE));
    let p = app.patient("pat-1").await;
    assert_eq!(p.thread.exchanges_since_resolution, 3);
    assert!(p.thread.call_suggested_at.is_some());
    let timeline = app.timeline("pat-1").await;
    assert_eq!(
        timeline
            .iter()
            .filter(|m| m.purpose == Purpose::CallSuggestion && m.channel == Channel::Sms)
            .count(),
        1
    );

    app.at(office_hours() + hours(50))
        .text("still there?")
        .await;
    app.at(office_hours() + hours(100)).text("???").await;
    assert_eq!(suggestions(&app), 1, "once per thread");
}

#[tokio::test]
async fn the_time_based_suggestion_waits_out_the_patients_quiet_hours() {
    let app = App::with_settings(office_hours(), slow_thread_settings()).await;
    app.add_patient("pat-1", PATIENT_PHONE, |_| {}).await;
    app.text("hi, question about my bill").await;
    // Friday 00:00 in New York: quiet hours.
    app.at(office_hours() + hours(61)).text("hello?").await;
    assert_eq!(suggestions(&app), 0);
    // Friday 11:00: the next message gets it.
    app.at(office_hours() + hours(72)).text("hello??").await;
    assert_eq!(suggestions(&app), 1);
}

#[tokio::test]
async fn a_settled_thread_is_not_stalled() {
    let app = App::with_settings(office_hours(), slow_thread_settings()).await;
    app.add_patient("pat-1", PATIENT_PHONE, |_| {}).await;
    app.text("hi, question about my bill").await;
    app.at(office_hours() + hours(30)).text("C").await;
    app.at(office_hours() + hours(50))
        .text("one more thing")
        .await;
    assert_eq!(suggestions(&app), 0);
    assert!(app.patient("pat-1").await.thread.unresolved_since.is_some());
}
