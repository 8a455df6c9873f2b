//! The in-memory store's lookups (patients by phone and email, numbers, timelines, a
//! patient's tasks, threads, invitations and sessions), as the DynamoDB adapter answers
//! them: same keys, cursors and request counts. The `Store` impl in `store.rs` forwards.

use super::*;

impl MemoryStore {
    pub(super) async fn read_patients_by_phone(
        &self,
        practice_id: &PracticeId,
        phone: &PhoneNumber,
    ) -> Result<Vec<Patient>> {
        self.count(1);
        let pk = keys::practice_pk(practice_id);
        let prefix = keys::phone_prefix(phone);
        let t = self.lock()?;
        Ok(t.iter()
            .filter(|((p, s), _)| p == &pk && s.starts_with(&prefix))
            .filter_map(|(_, v)| match v {
                Stored::PhoneIndex(p) => Some((**p).clone()),
                _ => None,
            })
            .collect())
    }

    pub(super) async fn read_patients_by_email(
        &self,
        practice_id: &PracticeId,
        email: &EmailAddress,
    ) -> Result<Vec<Patient>> {
        self.count(1);
        let pk = keys::practice_pk(practice_id);
        let want = email.as_str().to_lowercase();
        let t = self.lock()?;
        Ok(t.iter()
            .filter(|((p, s), _)| p == &pk && s.starts_with("PATIENT#"))
            .filter_map(|(_, v)| match v {
                Stored::Patient(p)
                    if p.email.as_ref().map(|e| e.as_str().to_lowercase())
                        == Some(want.clone()) =>
                {
                    Some((**p).clone())
                }
                _ => None,
            })
            .collect())
    }

    pub(super) async fn read_practice_for_number(
        &self,
        number: &PhoneNumber,
    ) -> Result<Option<PracticeId>> {
        self.count(1);
        let t = self.lock()?;
        let k = (
            keys::number_route_pk(number),
            keys::NUMBER_ROUTE_SK.to_string(),
        );
        Ok(match t.get(&k) {
            Some(Stored::Route(p)) => Some(p.clone()),
            _ => None,
        })
    }

    pub(super) async fn read_timeline(
        &self,
        practice_id: &PracticeId,
        patient_id: &PatientId,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Message>> {
        self.prefix_page(
            keys::practice_pk(practice_id),
            keys::thread_prefix(Some(patient_id), None),
            cursor,
            limit,
            |v| match v {
                Stored::Message(x) => Some((**x).clone()),
                _ => None,
            },
        )
    }

    pub(super) async fn read_recent_messages(
        &self,
        practice_id: &PracticeId,
        patient_id: &PatientId,
        limit: usize,
    ) -> Result<Vec<Message>> {
        self.newest_messages(practice_id, patient_id, limit)
    }

    pub(super) async fn read_sent_message(
        &self,
        practice_id: &PracticeId,
        provider_message_id: &str,
    ) -> Result<Option<Message>> {
        self.count(1);
        let t = self.lock()?;
        let k = (
            keys::practice_pk(practice_id),
            keys::sent_sk(provider_message_id),
        );
        Ok(match t.get(&k) {
            Some(Stored::Sent(m)) => Some((**m).clone()),
            _ => None,
        })
    }

    pub(super) async fn read_patient_tasks(
        &self,
        practice_id: &PracticeId,
        patient_id: &PatientId,
    ) -> Result<Vec<Task>> {
        self.count(1);
        let pk = keys::practice_pk(practice_id);
        let t = self.lock()?;
        let mut out: Vec<Task> = t
            .iter()
            .filter(|((p, _), _)| p == &pk)
            .filter_map(|(_, v)| match v {
                Stored::Task(x) if x.patient_id.as_ref() == Some(patient_id) => Some((**x).clone()),
                _ => None,
            })
            .collect();
        out.sort_by(|a, b| a.task_id.as_str().cmp(b.task_id.as_str()));
        Ok(out)
    }

    pub(super) async fn read_invitation(
        &self,
        practice_id: &PracticeId,
        token_hash: &str,
    ) -> Result<Option<crate::domain::Invitation>> {
        self.count(1);
        Ok(sessions::invitation(
            &*self.lock()?,
            practice_id,
            token_hash,
        ))
    }

    pub(super) async fn read_session(
        &self,
        practice_id: &PracticeId,
        token_hash: &str,
    ) -> Result<Option<(crate::domain::Session, Option<crate::domain::StaffMember>)>> {
        self.count(2);
        let t = self.lock()?;
        Ok(sessions::session(&t, practice_id, token_hash).map(|s| {
            let m = staff::member(&t, practice_id, &s.staff_id);
            (s, m)
        }))
    }

    pub(super) async fn read_unknown_thread(
        &self,
        practice_id: &PracticeId,
        thread_id: &crate::domain::ThreadId,
    ) -> Result<Option<crate::domain::UnknownThread>> {
        self.count(1);
        Ok(threads::unknown_thread(
            &*self.lock()?,
            practice_id,
            thread_id,
        ))
    }

    pub(super) async fn read_unknown_timeline(
        &self,
        practice_id: &PracticeId,
        number: &PhoneNumber,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Message>> {
        self.prefix_page(
            keys::practice_pk(practice_id),
            keys::thread_prefix(None, Some(number)),
            cursor,
            limit,
            |v| match v {
                Stored::Message(x) => Some((**x).clone()),
                _ => None,
            },
        )
    }
}
