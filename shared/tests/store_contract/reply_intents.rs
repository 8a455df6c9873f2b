//! Automatic replies' send intents: every failure point ends in exactly one send or one
//! staff task, never two sends, on both stores (see `frontdesk::reply_intents`).

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use frontdesk::deliver::Senders;
use frontdesk::domain::{Decision, PracticeId, TaskKind};
use frontdesk::ports::{IntentSend, IntentState, ReplyIntent, Sms, Write, INTENT_STALE_AFTER};
use frontdesk::reply_intents::{self, Attempt};
use frontdesk::testing::{RecordingEmail, RecordingSms};
use frontdesk::Error;

use crate::fixtures::*;
use crate::ContractStore;

struct World {
    p: PracticeId,
    sms: Arc<RecordingSms>,
    senders: Senders,
    intent: ReplyIntent,
}

/// One reply intent as the inbound commit writes it, at `at(10, 0)`.
async fn committed<S: ContractStore>(store: &S) -> World {
    let p = PracticeId::generate();
    let mut record = message(&p, "pt-1", at(10, 0));
    record.decision = Decision::Sent {
        provider_message_id: None,
    };
    let send = IntentSend::Sms(Sms {
        practice_id: p.clone(),
        from: Some(phone("+12125550143")),
        to: phone("+14155552671"),
        body: "You're confirmed.".into(),
    });
    let intent = ReplyIntent::pending(record.clone(), send.clone(), at(10, 0));
    store
        .write(vec![
            Write::Message(Box::new(record.clone())),
            reply_intents::pending(&record, send, at(10, 0)),
        ])
        .await
        .unwrap();
    let sms = Arc::new(RecordingSms::default());
    let senders = Senders {
        sms: sms.clone(),
        email: Arc::new(RecordingEmail::default()),
    };
    World {
        p,
        sms,
        senders,
        intent,
    }
}

fn stale() -> DateTime<Utc> {
    at(10, 0) + INTENT_STALE_AFTER + Duration::seconds(1)
}

async fn outcome<S: ContractStore>(store: &S, w: &World) -> Decision {
    let page = store.timeline(&w.p, &pid("pt-1"), None, 10).await.unwrap();
    page.items
        .into_iter()
        .find(|m| m.message_id == *w.intent.message_id())
        .map(|m| m.decision)
        .expect("the reply is on the timeline")
}

async fn send_failed_tasks<S: ContractStore>(store: &S, w: &World) -> usize {
    let open = store.open_tasks(&w.p, None, 10).await.unwrap();
    open.items
        .iter()
        .filter(|t| t.kind == TaskKind::SendFailed)
        .count()
}

pub async fn a_committed_intent_is_not_due_until_it_goes_stale<S: ContractStore>(store: S) {
    let w = committed(&store).await;
    let mine = |list: Vec<ReplyIntent>| list.into_iter().any(|i| i.practice_id == w.p);
    assert!(!mine(store.reply_intents_due(at(10, 1), 10).await.unwrap()));
    let due = store.reply_intents_due(stale(), 10).await.unwrap();
    let found: Vec<_> = due.into_iter().filter(|i| i.practice_id == w.p).collect();
    assert_eq!(found, vec![w.intent.clone()], "stored as written");
    // Creating it twice conflicts (a second commit of the same reply).
    let again = store
        .write(vec![Write::ReplyIntent {
            intent: Box::new(w.intent.clone()),
            expect: None,
        }])
        .await;
    assert!(matches!(again, Err(Error::Conflict)));
}

pub async fn a_reply_sent_right_after_the_commit_is_settled_and_never_sent_again<
    S: ContractStore,
>(
    store: S,
) {
    let w = committed(&store).await;
    let done = reply_intents::attempt(&store, &w.senders, &w.intent, at(10, 0))
        .await
        .unwrap();
    assert_eq!(done, Attempt::Sent);
    assert!(matches!(
        outcome(&store, &w).await,
        Decision::Sent {
            provider_message_id: Some(_)
        }
    ));
    let later = reply_intents::complete_due(&store, &w.senders, stale() + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(later.sent, 0);
    assert_eq!(w.sms.sent().len(), 1, "exactly once");
}

pub async fn a_lost_commit_answer_is_completed_once_by_the_sweep<S: ContractStore>(store: S) {
    // The commit applied but its answer was lost: nobody sent. The redelivery finds the
    // claim taken and does nothing; the completer sends once the intent is stale.
    let w = committed(&store).await;
    let early = reply_intents::complete_due(&store, &w.senders, at(10, 1))
        .await
        .unwrap();
    assert_eq!(w.sms.sent().len(), 0, "not before it is stale: {early:?}");
    let run = reply_intents::complete_due(&store, &w.senders, stale())
        .await
        .unwrap();
    assert!(run.sent >= 1, "{run:?}");
    let again = reply_intents::complete_due(&store, &w.senders, stale() + Duration::minutes(5))
        .await
        .unwrap();
    assert_eq!(again.due, 0, "settled: {again:?}");
    assert_eq!(w.sms.sent().len(), 1, "exactly once");
    assert_eq!(send_failed_tasks(&store, &w).await, 0);
}

pub async fn a_failed_send_is_retried_then_handed_to_staff<S: ContractStore>(store: S) {
    let w = committed(&store).await;
    *w.sms.fail_with.lock().unwrap() = Some(Error::SendUnavailable("429".into()));
    let first = reply_intents::attempt(&store, &w.senders, &w.intent, at(10, 0))
        .await
        .unwrap();
    assert_eq!(first, Attempt::Released);
    assert!(matches!(
        outcome(&store, &w).await,
        Decision::Failed { attempts: 1, .. }
    ));
    // Released: due at once for the next run, which fails again, then hands it to staff.
    let mut now = at(10, 1);
    let mut handed = 0;
    for _ in 0..4 {
        let r = reply_intents::complete_due(&store, &w.senders, now)
            .await
            .unwrap();
        handed += r.handed_to_staff;
        now += Duration::minutes(1);
    }
    assert_eq!(handed, 1);
    assert_eq!(send_failed_tasks(&store, &w).await, 1);
    assert!(matches!(
        outcome(&store, &w).await,
        Decision::StaffTask { .. }
    ));
    assert_eq!(w.sms.sent().len(), 0);
}

pub async fn a_failed_send_that_recovers_goes_out_once<S: ContractStore>(store: S) {
    let w = committed(&store).await;
    *w.sms.fail_with.lock().unwrap() = Some(Error::SendUnavailable("503".into()));
    reply_intents::attempt(&store, &w.senders, &w.intent, at(10, 0))
        .await
        .unwrap();
    *w.sms.fail_with.lock().unwrap() = None;
    let r = reply_intents::complete_due(&store, &w.senders, at(10, 1))
        .await
        .unwrap();
    assert_eq!(r.sent, 1, "{r:?}");
    reply_intents::complete_due(&store, &w.senders, stale() + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(w.sms.sent().len(), 1);
    assert_eq!(send_failed_tasks(&store, &w).await, 0);
}

pub async fn a_send_refused_for_good_becomes_a_task_at_once<S: ContractStore>(store: S) {
    let w = committed(&store).await;
    *w.sms.fail_with.lock().unwrap() = Some(Error::SendRejected("bad number".into()));
    let done = reply_intents::attempt(&store, &w.senders, &w.intent, at(10, 0))
        .await
        .unwrap();
    assert_eq!(done, Attempt::HandedToStaff);
    assert_eq!(send_failed_tasks(&store, &w).await, 1);
    let r = reply_intents::complete_due(&store, &w.senders, stale() + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(r.due, 0);
}

pub async fn a_crash_between_send_and_settle_becomes_a_task_not_a_second_send<S: ContractStore>(
    store: S,
) {
    // The handler claimed and sent, then stopped before settling.
    let w = committed(&store).await;
    let (claimed, claim) = reply_intents::claim(&w.intent, at(10, 0));
    store.write(vec![claim]).await.unwrap();
    let IntentSend::Sms(sms) = &claimed.send else {
        panic!("an SMS intent")
    };
    w.senders.sms.send_sms(sms).await.unwrap();
    assert_eq!(claimed.state, IntentState::Sending);

    let early = reply_intents::complete_due(&store, &w.senders, at(10, 1))
        .await
        .unwrap();
    assert_eq!(early.handed_to_staff, 0, "the claim still holds");
    let r = reply_intents::complete_due(&store, &w.senders, stale())
        .await
        .unwrap();
    assert_eq!(r.handed_to_staff, 1, "{r:?}");
    assert_eq!(w.sms.sent().len(), 1, "never a second send");
    assert_eq!(send_failed_tasks(&store, &w).await, 1);
    let again = reply_intents::complete_due(&store, &w.senders, stale() + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(again.due, 0);
    assert_eq!(send_failed_tasks(&store, &w).await, 1, "one task");
}

pub async fn two_completers_at_once_send_once<S: ContractStore>(store: S) {
    let w = committed(&store).await;
    // Both read the same due intent, then both try it.
    let (a, b) = tokio::join!(
        reply_intents::attempt(&store, &w.senders, &w.intent, stale()),
        reply_intents::attempt(&store, &w.senders, &w.intent, stale()),
    );
    let mut outcomes = vec![a.unwrap(), b.unwrap()];
    outcomes.sort_by_key(|o| *o == Attempt::Skipped);
    assert_eq!(outcomes, vec![Attempt::Sent, Attempt::Skipped]);
    // Two whole runs racing.
    let (x, y) = tokio::join!(
        reply_intents::complete_due(&store, &w.senders, stale() + Duration::minutes(9)),
        reply_intents::complete_due(&store, &w.senders, stale() + Duration::minutes(9)),
    );
    assert_eq!(x.unwrap().sent + y.unwrap().sent, 0);
    assert_eq!(w.sms.sent().len(), 1);
}

pub async fn two_completers_of_an_interrupted_send_open_one_task<S: ContractStore>(store: S) {
    let w = committed(&store).await;
    let (_, claim) = reply_intents::claim(&w.intent, at(10, 0));
    store.write(vec![claim]).await.unwrap();
    let (x, y) = tokio::join!(
        reply_intents::complete_due(&store, &w.senders, stale()),
        reply_intents::complete_due(&store, &w.senders, stale()),
    );
    let (x, y) = (x.unwrap(), y.unwrap());
    assert_eq!(x.handed_to_staff + y.handed_to_staff, 1, "{x:?} {y:?}");
    assert_eq!(send_failed_tasks(&store, &w).await, 1);
    assert_eq!(w.sms.sent().len(), 0);
}
