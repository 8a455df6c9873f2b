//! Delivery status and channel health in memory: the same items and conditions as
//! `dynamo::codec::delivery`.

use super::staged::Staged;
use super::{MemoryStore, Stored};
use crate::domain::{Channel, Decision, Message, Patient, PatientId, PracticeId};
use crate::keys;
use crate::ports::Write;
use crate::{Error, Result};

impl MemoryStore {
    /// `recent_messages`: the newest `limit` of the patient's thread, newest first.
    pub(super) fn newest_messages(
        &self,
        practice_id: &PracticeId,
        patient_id: &PatientId,
        limit: usize,
    ) -> Result<Vec<Message>> {
        self.count(1);
        let pk = keys::practice_pk(practice_id);
        let prefix = keys::thread_prefix(Some(patient_id), None);
        let t = self.lock()?;
        Ok(t.iter()
            .rev()
            .filter(|((p, s), _)| p == &pk && s.starts_with(&prefix))
            .filter_map(|(_, v)| match v {
                Stored::Message(m) => Some((**m).clone()),
                _ => None,
            })
            .take(limit.clamp(1, 100))
            .collect())
    }
}

/// The `SENT#<provider id>` copy of a sent message.
pub(super) fn sent_copy(t: &mut Staged, m: &Message) {
    if let (Decision::Sent { .. }, Some(id)) = (&m.decision, m.decision.provider_message_id()) {
        if !id.is_empty() {
            t.insert(
                (keys::practice_pk(&m.practice_id), keys::sent_sk(id)),
                Stored::Sent(Box::new(m.clone())),
            );
        }
    }
}

pub(super) fn apply(t: &mut Staged, w: Write) -> Result<()> {
    match w {
        Write::ChannelHealth {
            practice_id,
            patient_id,
            phone,
            channel,
            unhealthy,
        } => {
            if channel == Channel::Voice {
                return Err(Error::Storage(
                    "voice has no channel health (a staff call cannot bounce)".into(),
                ));
            }
            let set = |p: &mut Patient| {
                let slot = match channel {
                    Channel::Email => &mut p.email_health,
                    _ => &mut p.sms_health,
                };
                *slot = unhealthy.as_deref().cloned();
                p.version += 1;
            };
            let pk = keys::practice_pk(&practice_id);
            match t.get_mut(&(pk.clone(), keys::patient_sk(&patient_id))) {
                Some(Stored::Patient(p)) => {
                    if unhealthy.is_some() && p.unhealthy(channel).is_some() {
                        return Err(Error::Conflict);
                    }
                    set(p);
                }
                _ if unhealthy.is_none() => return Ok(()),
                _ => return Err(Error::Conflict),
            }
            if let Some(phone) = &phone {
                if let Some(Stored::PhoneIndex(p)) =
                    t.get_mut(&(pk, keys::phone_sk(phone, &patient_id)))
                {
                    set(p);
                }
            }
        }
        Write::DeliveryReport(m) => {
            let k = (keys::practice_pk(&m.practice_id), keys::message_sk(&m));
            match t.get_mut(&k) {
                Some(Stored::Message(stored))
                    if matches!(stored.decision, Decision::Sent { .. }) =>
                {
                    stored.decision = m.decision;
                }
                _ => return Err(Error::Conflict),
            }
        }
        _ => return Err(Error::Storage("not a delivery write".into())),
    }
    Ok(())
}
