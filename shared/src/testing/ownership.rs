//! In-memory ownership checks: SES identities that answer a set status, and provider
//! accounts that own a set of numbers.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use crate::domain::{EmailAddress, PhoneNumber, Practice, PracticeId};
use crate::ports::{EmailIdentities, IdentityStatus, NumberCheck, Owners, ProviderNumbers};
use crate::providers::Route;
use crate::Result;

/// SES identities: every address `ensure`d is created with `new_status` (verified unless
/// told otherwise) and remembered with the practice it was tagged for.
#[derive(Debug)]
pub struct FakeIdentities {
    pub new_status: Mutex<IdentityStatus>,
    pub identities: Mutex<HashMap<String, (PracticeId, IdentityStatus)>>,
}

impl Default for FakeIdentities {
    fn default() -> Self {
        Self {
            new_status: Mutex::new(IdentityStatus::Verified),
            identities: Mutex::default(),
        }
    }
}

impl FakeIdentities {
    pub fn created(&self) -> Vec<(String, PracticeId)> {
        let map = self
            .identities
            .lock()
            .map(|m| m.clone())
            .unwrap_or_default();
        let mut out: Vec<_> = map.into_iter().map(|(a, (p, _))| (a, p)).collect();
        out.sort();
        out
    }
}

#[async_trait]
impl EmailIdentities for FakeIdentities {
    async fn ensure(
        &self,
        practice_id: &PracticeId,
        address: &EmailAddress,
    ) -> Result<IdentityStatus> {
        let status = self
            .new_status
            .lock()
            .map(|s| *s)
            .unwrap_or(IdentityStatus::Verified);
        let mut map = self.identities.lock().unwrap_or_else(|p| p.into_inner());
        let entry = map
            .entry(address.as_str().to_ascii_lowercase())
            .or_insert((practice_id.clone(), status));
        Ok(entry.1)
    }

    async fn status(&self, address: &EmailAddress) -> Result<Option<IdentityStatus>> {
        let map = self.identities.lock().unwrap_or_else(|p| p.into_inner());
        Ok(map
            .get(&address.as_str().to_ascii_lowercase())
            .map(|(_, s)| *s))
    }
}

/// Provider accounts: every number is owned unless listed in `not_owned`; the credentials
/// are refused when any of them (account SID, token, API key or secret) is in `refused`. `checked` records each number asked about.
#[derive(Debug, Default)]
pub struct FakeNumbers {
    pub not_owned: Mutex<Vec<String>>,
    pub refused: Mutex<Vec<String>>,
    pub checked: Mutex<Vec<String>>,
}

#[async_trait]
impl ProviderNumbers for FakeNumbers {
    async fn check(&self, practice: &Practice, number: &PhoneNumber) -> Result<NumberCheck> {
        let credentials = match crate::providers::Route::of(practice)? {
            Route::Aws => return Ok(NumberCheck::Owned),
            Route::Twilio(c) => vec![c.account_sid, c.auth_token],
            Route::Telnyx(c) => vec![c.api_key],
            Route::Vonage(c) => vec![c.api_key, c.api_secret],
        };
        if let Ok(mut c) = self.checked.lock() {
            c.push(number.as_str().to_string());
        }
        if self
            .refused
            .lock()
            .is_ok_and(|r| credentials.iter().any(|c| r.contains(c)))
        {
            return Ok(NumberCheck::BadCredentials);
        }
        let refused = self
            .not_owned
            .lock()
            .map(|n| n.contains(&number.as_str().to_string()));
        Ok(if refused.unwrap_or(false) {
            NumberCheck::NotOwned
        } else {
            NumberCheck::Owned
        })
    }
}

/// Ownership checks that accept every sender (verified) and every provider number.
pub fn owners() -> (Owners, Arc<FakeIdentities>, Arc<FakeNumbers>) {
    let identities = Arc::new(FakeIdentities::default());
    let numbers = Arc::new(FakeNumbers::default());
    (
        Owners {
            identities: identities.clone(),
            numbers: numbers.clone(),
        },
        identities,
        numbers,
    )
}
