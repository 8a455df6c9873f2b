//! Caps within one run. The patients of a chunk are read once, before its items are
//! handled concurrently, so two reminders to the same patient in one chunk (two visits on
//! one day) would both see the history as it was before either went out. The ledger
//! serialises a patient's items within the run and adds this run's own sends to the
//! history the policy sees.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use frontdesk::domain::{Patient, PatientId, PracticeId};
use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

type Slot = Arc<AsyncMutex<u32>>;

#[derive(Debug, Default)]
pub(crate) struct SendLedger {
    patients: Mutex<HashMap<(PracticeId, PatientId), Slot>>,
}

/// Exclusive use of one patient for the rest of an item; counts this run's sends to them.
pub(crate) struct PatientTurn {
    sends: OwnedMutexGuard<u32>,
}

impl SendLedger {
    /// Waits for the patient's other items of this run to finish.
    pub(crate) async fn turn(&self, patient: &Patient) -> frontdesk::Result<PatientTurn> {
        let slot = {
            let mut map = self
                .patients
                .lock()
                .map_err(|_| frontdesk::Error::Storage("send ledger poisoned".into()))?;
            map.entry((patient.practice_id.clone(), patient.patient_id.clone()))
                .or_default()
                .clone()
        };
        Ok(PatientTurn {
            sends: slot.lock_owned().await,
        })
    }
}

impl PatientTurn {
    /// The patient as the policy must see them at `now`: with this run's sends in the
    /// history. Every send of a run is noted at the run's `now`, so the ones the batch read
    /// already shows (an earlier chunk's) are those entries equal to `now`.
    pub(crate) fn patient_with_run_sends(&self, patient: &Patient, now: DateTime<Utc>) -> Patient {
        let mut p = patient.clone();
        let seen = p.recent_automated.iter().filter(|t| **t == now).count();
        let missing = usize::try_from(*self.sends)
            .unwrap_or(usize::MAX)
            .saturating_sub(seen);
        p.recent_automated.extend(std::iter::repeat_n(now, missing));
        p
    }

    /// A send to this patient was recorded.
    pub(crate) fn note_send(&mut self) {
        *self.sends = self.sends.saturating_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use frontdesk::domain::Channel;

    fn patient() -> Patient {
        let t = DateTime::parse_from_rfc3339("2026-03-10T12:00:00Z")
            .unwrap()
            .to_utc();
        Patient::new(
            PracticeId::parse("p1").unwrap(),
            PatientId::parse("pt1").unwrap(),
            "A",
            "B",
            Channel::Sms,
            t,
        )
    }

    #[tokio::test]
    async fn sends_of_this_run_are_added_once_even_when_a_later_read_already_shows_them() {
        let ledger = SendLedger::default();
        let now = DateTime::parse_from_rfc3339("2026-03-10T13:00:00Z")
            .unwrap()
            .to_utc();
        let mut p = patient();
        {
            let mut turn = ledger.turn(&p).await.unwrap();
            assert!(turn
                .patient_with_run_sends(&p, now)
                .recent_automated
                .is_empty());
            turn.note_send();
            turn.note_send();
        }
        let turn = ledger.turn(&p).await.unwrap();
        assert_eq!(
            turn.patient_with_run_sends(&p, now).recent_automated,
            vec![now, now]
        );
        // A later chunk read the patient after one of the two writes landed.
        p.recent_automated.push(now);
        assert_eq!(
            turn.patient_with_run_sends(&p, now).recent_automated.len(),
            2
        );
    }
}
