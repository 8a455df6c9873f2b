use proptest::prelude::*;

use super::*;
use crate::policy::test_fixtures::{patient, utc};
use crate::ports::{IntentState, Sms, INTENT_ATTEMPTS};

fn intent(state: IntentState, attempts: u32) -> ReplyIntent {
    let p = patient();
    let m = Message {
        practice_id: p.practice_id.clone(),
        patient_id: Some(p.patient_id.clone()),
        unknown_sender: None,
        message_id: crate::domain::MessageId::generate(),
        at: utc("2026-03-10T10:00:00Z"),
        channel: crate::domain::Channel::Sms,
        direction: crate::domain::Direction::Outbound,
        purpose: crate::domain::Purpose::PatientMessage,
        body: "You're confirmed.".into(),
        decision: Decision::Sent {
            provider_message_id: None,
        },
        appointment_id: None,
        actor: None,
    };
    let send = IntentSend::Sms(Sms {
        practice_id: m.practice_id.clone(),
        from: None,
        to: crate::domain::PhoneNumber::parse("+14155552671", None).unwrap(),
        body: m.body.clone(),
    });
    let mut i = ReplyIntent::pending(m, send, utc("2026-03-10T10:00:00Z"));
    i.state = state;
    i.attempts = attempts;
    i
}

proptest! {
    /// A completer sends only what nobody may have sent: never an interrupted claim, never
    /// past the attempts.
    #[test]
    fn a_completer_sends_only_a_pending_intent_with_attempts_left(
        sending in any::<bool>(),
        attempts in 0u32..10,
    ) {
        let state = if sending { IntentState::Sending } else { IntentState::Pending };
        let i = intent(state, attempts);
        let sends = next(&i) == Next::Send;
        prop_assert_eq!(sends, !sending && attempts < INTENT_ATTEMPTS);
    }

    /// A claim always moves the version on (the condition of the next one) and holds the
    /// intent past the stale time.
    #[test]
    fn a_claim_bumps_the_version_and_holds_it_for_the_stale_time(
        attempts in 0u32..10,
        version in 0u64..1000,
        minutes in 0i64..10_000,
    ) {
        let mut i = intent(IntentState::Pending, attempts);
        i.version = version;
        let now = utc("2026-03-10T10:00:00Z") + chrono::Duration::minutes(minutes);
        let (claimed, write) = claim(&i, now);
        prop_assert_eq!(claimed.version, version + 1);
        prop_assert_eq!(claimed.attempts, attempts + 1);
        prop_assert_eq!(claimed.state, IntentState::Sending);
        prop_assert_eq!(claimed.due_at, now + INTENT_STALE_AFTER);
        let expected = matches!(write, Write::ReplyIntent { expect: Some(v), .. } if v == version);
        prop_assert!(expected);
    }
}

#[test]
fn handing_to_staff_settles_at_the_version_seen_and_points_the_entry_at_the_task() {
    let mut i = intent(IntentState::Sending, 1);
    i.version = 4;
    let writes = hand_to_staff(&i, UNSURE, utc("2026-03-10T10:05:00Z"));
    let task = writes.iter().find_map(|w| match w {
        Write::Task(t) => Some(t.clone()),
        _ => None,
    });
    let task = task.expect("a task");
    assert_eq!(task.kind, TaskKind::SendFailed);
    assert!(
        !task.detail.contains(&i.record.body),
        "no message body in the task"
    );
    assert!(writes
        .iter()
        .any(|w| matches!(w, Write::SettleReplyIntent { version: 4, .. })));
    assert!(writes.iter().any(|w| matches!(
        w,
        Write::Message(m) if matches!(&m.decision, Decision::StaffTask { task_id, .. } if *task_id == task.task_id)
    )));
}
