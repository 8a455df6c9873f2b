//! [`ProviderSms`]: the routing `SmsSender`, and [`Route`], the pure choice of path and
//! credentials from a practice.

use std::sync::Arc;

use async_trait::async_trait;

use super::http::send_with_retry;
use super::policy::RetryPolicy;
use super::telnyx::{self, TelnyxCreds};
use super::twilio::{self, TwilioCreds};
use super::vonage::{self, VonageCreds};
use crate::config::ProviderUrls;
use crate::domain::{Practice, PracticeId, SmsProvider};
use crate::ports::{Key, Sms, SmsSender, Store};
use crate::{Error, Result};

/// The path of a practice's SMS, with the credentials it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Aws,
    Twilio(TwilioCreds),
    Telnyx(TelnyxCreds),
    Vonage(VonageCreds),
}

fn missing(provider: SmsProvider, field: &str) -> Error {
    Error::SendRejected(format!(
        "{provider}:not_configured (set sms_provider.{field} with PATCH /v1/practice)"
    ))
}

fn need(value: &Option<String>, provider: SmsProvider, field: &str) -> Result<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .ok_or_else(|| missing(provider, field))
}

impl Route {
    /// Reads the practice's `sms_provider` settings. Missing credentials are a rejection
    /// that says which setting to fill (never a silent fall back to SNS).
    pub fn of(practice: &Practice) -> Result<Self> {
        let s = &practice.sms_provider;
        let provider = s.provider.unwrap_or_default();
        Ok(match provider {
            SmsProvider::Aws => Route::Aws,
            SmsProvider::Twilio => Route::Twilio(TwilioCreds {
                account_sid: need(&s.twilio_account_sid, provider, "twilio_account_sid")?,
                auth_token: need(&s.twilio_auth_token, provider, "twilio_auth_token")?,
                messaging_service_sid: s
                    .twilio_messaging_service_sid
                    .clone()
                    .filter(|v| !v.trim().is_empty()),
            }),
            SmsProvider::Telnyx => Route::Telnyx(TelnyxCreds {
                api_key: need(&s.telnyx_api_key, provider, "telnyx_api_key")?,
                messaging_profile_id: s
                    .telnyx_messaging_profile_id
                    .clone()
                    .filter(|v| !v.trim().is_empty()),
            }),
            SmsProvider::Vonage => Route::Vonage(VonageCreds {
                api_key: need(&s.vonage_api_key, provider, "vonage_api_key")?,
                api_secret: need(&s.vonage_api_secret, provider, "vonage_api_secret")?,
            }),
        })
    }
}

/// Where a provider posts delivery status for a practice's messages, when the public base
/// URL is known: `{base}/webhooks/sms-status/{provider}/{practice_id}`.
pub fn status_callback_url(
    public_base_url: Option<&str>,
    provider: SmsProvider,
    practice_id: &PracticeId,
) -> Option<String> {
    let base = public_base_url?.trim_end_matches('/');
    Some(format!(
        "{base}/webhooks/sms-status/{provider}/{}",
        practice_id.as_str()
    ))
}

/// The routing [`SmsSender`]: one practice setting decides the path of each SMS.
pub struct ProviderSms {
    store: Arc<dyn Store>,
    aws: Arc<dyn SmsSender>,
    urls: ProviderUrls,
    public_base_url: Option<String>,
    policy: RetryPolicy,
}

impl ProviderSms {
    pub fn new(
        store: Arc<dyn Store>,
        aws: Arc<dyn SmsSender>,
        urls: ProviderUrls,
        public_base_url: Option<String>,
    ) -> Self {
        Self {
            store,
            aws,
            urls,
            public_base_url,
            policy: RetryPolicy::default(),
        }
    }

    pub fn with_policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    async fn practice(&self, id: &PracticeId) -> Result<Practice> {
        let fetched = self
            .store
            .get_many(id, &[Key::Practice])
            .await
            .map_err(|e| match e {
                Error::Storage(_) => {
                    Error::SendUnavailable("the practice's SMS provider could not be read".into())
                }
                other => other,
            })?;
        fetched
            .practice()
            .cloned()
            .ok_or_else(|| Error::SendRejected("the sending practice does not exist".into()))
    }
}

#[async_trait]
impl SmsSender for ProviderSms {
    async fn send_sms(&self, sms: &Sms) -> Result<String> {
        let practice = self.practice(&sms.practice_id).await?;
        let route = Route::of(&practice)?;
        let provider = practice.sms_provider.provider.unwrap_or_default();
        let callback = status_callback_url(
            self.public_base_url.as_deref(),
            provider,
            &practice.practice_id,
        );
        let from = sms
            .from
            .as_ref()
            .or(practice.settings.sms_number.as_ref())
            .map(|n| n.as_str().to_string());
        let to = sms.to.as_str().to_string();
        let no_from = || {
            Error::SendRejected(format!(
                "{provider}:no_from_number (set sms_number with PATCH /v1/practice)"
            ))
        };
        match route {
            Route::Aws => self.aws.send_sms(sms).await,
            Route::Twilio(creds) => {
                if from.is_none() && creds.messaging_service_sid.is_none() {
                    return Err(no_from());
                }
                let url = format!("{}{}", self.urls.twilio, twilio::path(&creds.account_sid));
                let form =
                    twilio::form(&creds, from.as_deref(), &to, &sms.body, callback.as_deref());
                send_with_retry(
                    provider,
                    &self.policy,
                    |c| {
                        c.post(&url)
                            .basic_auth(&creds.account_sid, Some(&creds.auth_token))
                            .form(&form)
                    },
                    twilio::verdict,
                )
                .await
            }
            Route::Telnyx(creds) => {
                if from.is_none() && creds.messaging_profile_id.is_none() {
                    return Err(no_from());
                }
                let url = format!("{}{}", self.urls.telnyx, telnyx::PATH);
                let body =
                    telnyx::body(&creds, from.as_deref(), &to, &sms.body, callback.as_deref());
                send_with_retry(
                    provider,
                    &self.policy,
                    |c| c.post(&url).bearer_auth(&creds.api_key).json(&body),
                    telnyx::verdict,
                )
                .await
            }
            Route::Vonage(creds) => {
                let from = from.ok_or_else(no_from)?;
                let url = format!("{}{}", self.urls.vonage, vonage::PATH);
                let form = vonage::form(&creds, &from, &to, &sms.body, callback.as_deref());
                send_with_retry(
                    provider,
                    &self.policy,
                    |c| c.post(&url).form(&form),
                    vonage::verdict,
                )
                .await
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ProviderSecrets;

    fn practice(secrets: ProviderSecrets) -> Practice {
        let now = chrono::Utc::now();
        Practice {
            practice_id: PracticeId::parse("prc_route").unwrap(),
            settings: Default::default(),
            sms_provider: secrets,
            api_keys: vec![],
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn no_provider_is_aws_and_missing_credentials_say_what_to_set() {
        assert_eq!(
            Route::of(&practice(Default::default())).unwrap(),
            Route::Aws
        );
        let p = practice(ProviderSecrets {
            provider: Some(SmsProvider::Twilio),
            twilio_auth_token: Some("tok".into()),
            ..Default::default()
        });
        let err = Route::of(&p).unwrap_err();
        assert!(
            matches!(err, Error::SendRejected(ref m) if m.contains("sms_provider.twilio_account_sid")),
            "{err:?}"
        );
        let p = practice(ProviderSecrets {
            provider: Some(SmsProvider::Vonage),
            vonage_api_key: Some("k".into()),
            vonage_api_secret: Some("  ".into()),
            ..Default::default()
        });
        assert!(Route::of(&p).is_err());
    }

    #[test]
    fn each_provider_gets_its_own_credentials() {
        let p = practice(ProviderSecrets {
            provider: Some(SmsProvider::Telnyx),
            telnyx_api_key: Some("KEY".into()),
            telnyx_messaging_profile_id: Some("mp".into()),
            ..Default::default()
        });
        assert_eq!(
            Route::of(&p).unwrap(),
            Route::Telnyx(TelnyxCreds {
                api_key: "KEY".into(),
                messaging_profile_id: Some("mp".into())
            })
        );
    }

    #[test]
    fn the_status_callback_names_provider_and_practice() {
        let id = PracticeId::parse("prc_route").unwrap();
        assert_eq!(
            status_callback_url(Some("https://api.example/"), SmsProvider::Twilio, &id).as_deref(),
            Some("https://api.example/webhooks/sms-status/twilio/prc_route")
        );
        assert_eq!(status_callback_url(None, SmsProvider::Twilio, &id), None);
    }
}
