use async_trait::async_trait;
use std::sync::Mutex;

use crate::ports::{Email, EmailSender, Sms, SmsSender};
use crate::{Error, Result};

/// Records every SMS; can be told to fail.
#[derive(Debug, Default)]
pub struct RecordingSms {
    pub sent: Mutex<Vec<Sms>>,
    pub fail_with: Mutex<Option<Error>>,
}

impl RecordingSms {
    pub fn sent(&self) -> Vec<Sms> {
        self.sent.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

#[async_trait]
impl SmsSender for RecordingSms {
    async fn send_sms(&self, sms: &Sms) -> Result<String> {
        if let Some(e) = self.fail_with.lock().ok().and_then(|f| f.clone()) {
            return Err(e);
        }
        let mut sent = self
            .sent
            .lock()
            .map_err(|_| Error::SendUnavailable("poisoned".into()))?;
        sent.push(sms.clone());
        Ok(format!("sms-{}", sent.len()))
    }
}

/// Records every email; can be told to fail.
#[derive(Debug, Default)]
pub struct RecordingEmail {
    pub sent: Mutex<Vec<Email>>,
    pub fail_with: Mutex<Option<Error>>,
}

impl RecordingEmail {
    pub fn sent(&self) -> Vec<Email> {
        self.sent.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

#[async_trait]
impl EmailSender for RecordingEmail {
    async fn send_email(&self, email: &Email) -> Result<String> {
        if let Some(e) = self.fail_with.lock().ok().and_then(|f| f.clone()) {
            return Err(e);
        }
        let mut sent = self
            .sent
            .lock()
            .map_err(|_| Error::SendUnavailable("poisoned".into()))?;
        sent.push(email.clone());
        Ok(format!("email-{}", sent.len()))
    }
}
