//! One practice never sends as another: the edge check on every email.
//!
//! A practice's `email_from` is an identity owned by exactly one practice: the ownership
//! item `SENDER#<address>` (`Write::SenderRoute`, a conditional put, like the number route
//! of an SMS origination number) is created when the practice sets it, and `PATCH
//! /v1/practice` refuses another practice's sender with a 409. [`OwnedSenderEmail`] wraps
//! the real email sender and refuses, before any provider call, an email whose `from` is not
//! owned by the practice sending it, so a sender that got into a practice's settings any
//! other way (an old item, a direct write) still cannot be used. One GetItem per email.

use std::sync::Arc;

use async_trait::async_trait;

use crate::ports::{Email, EmailSender, Store};
use crate::{Error, Result};

/// The refusal, as `deliver` records it (never retried: the settings must change).
pub const NOT_OWNED: &str =
    "the practice does not own this email sender (settings: email_from); set it again \
     with PATCH /v1/practice";

/// An [`EmailSender`] that sends only from a sender the practice owns.
pub struct OwnedSenderEmail {
    inner: Arc<dyn EmailSender>,
    store: Arc<dyn Store>,
}

impl OwnedSenderEmail {
    pub fn new(inner: Arc<dyn EmailSender>, store: Arc<dyn Store>) -> Self {
        Self { inner, store }
    }
}

#[async_trait]
impl EmailSender for OwnedSenderEmail {
    async fn send_email(&self, email: &Email) -> Result<String> {
        // A failed read is a retry later, never a refusal.
        let owner = self
            .store
            .sender_owner(&email.from)
            .await
            .map_err(|e| match e {
                Error::Storage(_) => {
                    Error::SendUnavailable("the email sender's owner could not be read".into())
                }
                other => other,
            })?;
        match owner {
            Some(owner) if owner == email.practice_id => self.inner.send_email(email).await,
            _ => {
                tracing::warn!(
                    practice_id = %email.practice_id,
                    "email refused: the sender is not owned by the practice"
                );
                Err(Error::SendRejected(NOT_OWNED.into()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{EmailAddress, PracticeId};
    use crate::ports::Write;
    use crate::testing::{MemoryStore, RecordingEmail};

    fn email(practice: &str, from: &str) -> Email {
        Email {
            practice_id: PracticeId::parse(practice).unwrap(),
            from: EmailAddress::parse(from).unwrap(),
            to: EmailAddress::parse("ada@patients.example.org").unwrap(),
            subject: "Hello".into(),
            text: "Hi".into(),
            patient: None,
        }
    }

    async fn world() -> (Arc<MemoryStore>, Arc<RecordingEmail>, OwnedSenderEmail) {
        let store = Arc::new(MemoryStore::new());
        store
            .write(vec![Write::SenderRoute {
                address: EmailAddress::parse("hello@b-dental.example").unwrap(),
                practice_id: PracticeId::parse("prc_b").unwrap(),
            }])
            .await
            .unwrap();
        let sent = Arc::new(RecordingEmail::default());
        let guard = OwnedSenderEmail::new(sent.clone(), store.clone());
        (store, sent, guard)
    }

    #[tokio::test]
    async fn a_practice_cannot_send_as_another_practices_sender() {
        let (_, sent, guard) = world().await;
        let err = guard
            .send_email(&email("prc_a", "hello@b-dental.example"))
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::SendRejected(ref m) if m == NOT_OWNED),
            "{err:?}"
        );
        // Case does not get round it.
        assert!(guard
            .send_email(&email("prc_a", "HELLO@B-Dental.example"))
            .await
            .is_err());
        assert!(sent.sent().is_empty());
    }

    #[tokio::test]
    async fn an_unowned_sender_is_refused_and_the_owner_sends() {
        let (_, sent, guard) = world().await;
        assert!(guard
            .send_email(&email("prc_a", "front@nobody.example"))
            .await
            .is_err());
        guard
            .send_email(&email("prc_b", "hello@b-dental.example"))
            .await
            .unwrap();
        assert_eq!(sent.sent().len(), 1);
    }
}
