//! Healing closes the "fix the contact" task: when a channel marked unhealthy works again
//! (the patient texted in from the number, or the practice corrected the number or
//! address), its open task is resolved as `contact_updated`, with a line on the patient's
//! timeline saying how it healed. Nobody has to remember to close it by hand.
//!
//! Called after the write that healed the channel. Round trips: one BatchGetItem (the
//! tasks), one transaction (each closed task and its timeline line); nothing when no
//! task is still open. A task staff resolved meanwhile stays as they left it.

use chrono::{DateTime, Utc};

use crate::domain::{
    Channel, Message, Patient, PatientId, PracticeId, TaskId, TaskKind, TaskOutcome, TaskStatus,
};
use crate::ports::{Key, Store, Write};
use crate::Result;

/// A channel that was unhealthy and is healthy again, with its task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Healed {
    pub patient_id: PatientId,
    pub channel: Channel,
    pub task_id: TaskId,
}

/// The channels `before` had marked that `after` no longer has.
pub fn healed(before: &Patient, after: &Patient) -> Vec<Healed> {
    [Channel::Sms, Channel::Email]
        .into_iter()
        .filter_map(|channel| {
            let was = before.unhealthy(channel)?;
            after.unhealthy(channel).is_none().then(|| Healed {
                patient_id: before.patient_id.clone(),
                channel,
                task_id: was.task_id.clone(),
            })
        })
        .collect()
}

/// How a channel healed, for the timeline (no number, address or body).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealedBy {
    /// A message from the patient on the channel.
    Inbound,
    /// A corrected number or address from the practice (PMS sync or staff).
    CorrectedContact,
}

impl HealedBy {
    fn describe(self, channel: Channel) -> String {
        let thing = match channel {
            Channel::Email => "email address",
            _ => "mobile number",
        };
        match self {
            HealedBy::Inbound => format!(
                "Contact working again: the patient wrote in on this {thing}, so automated \
                 {channel} resumed and the \"fix the contact\" task was closed"
            ),
            HealedBy::CorrectedContact => format!(
                "Contact corrected: the practice updated this {thing}, so automated \
                 {channel} resumed and the \"fix the contact\" task was closed"
            ),
        }
    }
}

/// Closes the open "fix the contact" tasks of `healed` channels. Returns how many closed.
pub async fn close_fix_tasks(
    store: &dyn Store,
    practice_id: &PracticeId,
    healed: &[Healed],
    by: HealedBy,
    now: DateTime<Utc>,
) -> Result<usize> {
    if healed.is_empty() {
        return Ok(0);
    }
    let keys: Vec<Key> = healed
        .iter()
        .map(|h| Key::Task(h.task_id.clone()))
        .collect();
    let fetched = store.get_many(practice_id, &keys).await?;
    let mut writes = Vec::new();
    for h in healed {
        let Some(task) = fetched.task(&h.task_id) else {
            continue;
        };
        if task.status != TaskStatus::Open || task.kind != TaskKind::ChannelUnusable {
            continue;
        }
        let what = by.describe(h.channel);
        let mut closed = task.clone();
        closed.close_automatically(TaskOutcome::ContactUpdated, now);
        let mut line = Message::staff_action(
            practice_id,
            &h.patient_id,
            h.channel,
            &h.task_id,
            what,
            crate::domain::Actor::ApiKey,
            now,
        );
        line.actor = None;
        writes.push(Write::Task(Box::new(closed)));
        writes.push(Write::Message(Box::new(line)));
    }
    let closed = writes.len() / 2;
    if closed > 0 {
        store.write(writes).await?;
    }
    Ok(closed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channel_health;
    use crate::domain::{EmailAddress, PhoneNumber};
    use crate::testing::MemoryStore;

    fn marked(now: DateTime<Utc>) -> (Patient, Vec<Write>) {
        let mut p = Patient::new(
            PracticeId::parse("prc_heal").unwrap(),
            PatientId::parse("pat-h").unwrap(),
            "A",
            "B",
            Channel::Sms,
            now,
        );
        p.phone = Some(PhoneNumber::parse_e164("+14155550100").unwrap());
        p.email = Some(EmailAddress::parse("a@example.com").unwrap());
        let task = channel_health::fix_contact_task(&p, Channel::Sms, "landline", None, now);
        let writes = channel_health::mark(&p, Channel::Sms, "twilio:30006", "landline", task, now);
        (p, writes)
    }

    #[tokio::test]
    async fn healing_closes_the_open_task_once_with_a_timeline_line() {
        let now = Utc::now();
        let store = MemoryStore::new();
        let (p, mark) = marked(now);
        let pid = p.practice_id.clone();
        let mut writes = vec![Write::Patient {
            patient: Box::new(p.clone()),
            expect: crate::ports::Expect::Absent,
            previous_phone: None,
        }];
        writes.extend(mark);
        store.write(writes).await.unwrap();
        let before = store
            .get_many(&pid, &[Key::Patient(p.patient_id.clone())])
            .await
            .unwrap()
            .patient(&p.patient_id)
            .cloned()
            .unwrap();
        let mut after = before.clone();
        after.sms_health = None;
        let healed = healed(&before, &after);
        assert_eq!(healed.len(), 1);
        assert_eq!(healed[0].channel, Channel::Sms);
        assert!(super::healed(&after, &after).is_empty());

        let n = close_fix_tasks(&store, &pid, &healed, HealedBy::Inbound, now)
            .await
            .unwrap();
        assert_eq!(n, 1);
        let task = store
            .get_many(&pid, &[Key::Task(healed[0].task_id.clone())])
            .await
            .unwrap()
            .task(&healed[0].task_id)
            .cloned()
            .unwrap();
        assert_eq!(task.status, TaskStatus::Resolved);
        assert_eq!(task.work.outcome, Some(TaskOutcome::ContactUpdated));
        let timeline = store.timeline(&pid, &p.patient_id, None, 10).await.unwrap();
        let lines: Vec<_> = timeline
            .items
            .iter()
            .filter(|m| m.body.contains("task was closed"))
            .collect();
        assert_eq!(lines.len(), 1);
        assert!(!lines[0].body.contains("4155550100"));
        // Again (a retry, a second inbound): nothing more.
        let again = close_fix_tasks(&store, &pid, &healed, HealedBy::Inbound, now)
            .await
            .unwrap();
        assert_eq!(again, 0);
    }
}
