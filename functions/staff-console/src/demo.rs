//! Seeding for `make run` and the tests: an active admin with a known password, and a
//! patient's text waiting in the inbox (as inbound-sms records one).

use chrono::{DateTime, Utc};
use frontdesk::domain::{
    hash_password, Channel, Decision, Direction, EmailAddress, Message, PatientId, PracticeId,
    Purpose, StaffMember, StaffRole, StaffStatus, Waiting,
};
use frontdesk::ports::{Expect, Key, Store, Write};

/// An active staff member who can sign in at once with `password`.
pub async fn seed_member(
    store: &dyn Store,
    practice_id: &PracticeId,
    name: &str,
    email: &str,
    role: StaffRole,
    password: &str,
    now: DateTime<Utc>,
) -> frontdesk::Result<StaffMember> {
    let email = EmailAddress::parse(email)?;
    let mut m = StaffMember::invite(practice_id, name, email.clone(), role, now)?;
    m.status = StaffStatus::Active;
    m.password_hash = Some(hash_password(password)?);
    store
        .write(vec![
            Write::Staff {
                member: Box::new(m.clone()),
                expect_absent: true,
            },
            Write::StaffEmail {
                practice_id: practice_id.clone(),
                email: email.clone(),
                staff_id: m.staff_id.clone(),
            },
            Write::StaffLogin {
                email,
                practice_id: practice_id.clone(),
                staff_id: m.staff_id.clone(),
            },
        ])
        .await?;
    Ok(m)
}

/// The patient texted `body` by SMS at `at`: the timeline entry, the thread state and the
/// inbox entry, in one transaction.
pub async fn patient_texted(
    store: &dyn Store,
    practice_id: &PracticeId,
    patient_id: &PatientId,
    body: &str,
    at: DateTime<Utc>,
) -> frontdesk::Result<()> {
    let fetched = store
        .get_many(practice_id, &[Key::Patient(patient_id.clone())])
        .await?;
    let mut p = fetched
        .patient(patient_id)
        .cloned()
        .ok_or_else(|| frontdesk::Error::Storage("no such patient to text from".into()))?;
    let seen = p.version;
    p.thread.last_inbound_at = Some(at);
    p.thread.last_inbound_channel = Some(Channel::Sms);
    let mut writes = vec![Write::Message(Box::new(
        Message::new(
            practice_id.clone(),
            at,
            Channel::Sms,
            Direction::Inbound,
            Purpose::PatientMessage,
            body,
            Decision::Received,
        )
        .for_patient(patient_id),
    ))];
    if p.thread.waiting_since.is_none() {
        p.thread.waiting_since = Some(at);
        writes.push(Write::Waiting(Box::new(Waiting::patient(
            practice_id,
            patient_id,
            at,
            Channel::Sms,
        ))));
    }
    p.version += 1;
    writes.push(Write::Patient {
        patient: Box::new(p),
        expect: Expect::Version(seen),
        previous_phone: None,
    });
    store.write(writes).await
}

/// A number no patient has texted `body` at `at`: the unknown sender's timeline entry,
/// thread item and inbox entry (as inbound-sms records one). Returns the thread id.
pub async fn stranger_texted(
    store: &dyn Store,
    practice_id: &PracticeId,
    number: &frontdesk::domain::PhoneNumber,
    body: &str,
    at: DateTime<Utc>,
) -> frontdesk::Result<frontdesk::domain::ThreadId> {
    store
        .write(vec![
            Write::Message(Box::new(
                Message::new(
                    practice_id.clone(),
                    at,
                    Channel::Sms,
                    Direction::Inbound,
                    Purpose::PatientMessage,
                    body,
                    Decision::Received,
                )
                .from_unknown(number),
            )),
            Write::UnknownInbound {
                practice_id: practice_id.clone(),
                number: number.clone(),
                at,
                waiting: true,
                opted_out: None,
            },
            Write::Waiting(Box::new(Waiting::unknown(practice_id, number, at))),
        ])
        .await?;
    Ok(frontdesk::domain::ThreadId::unknown(practice_id, number))
}
