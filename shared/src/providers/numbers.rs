//! Whether a provider number is on the account whose credentials the practice gave, asked
//! of the provider itself when the practice sets its number or provider:
//!
//! - Twilio: `GET /2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json?PhoneNumber=`
//!   (Basic auth), `{"incoming_phone_numbers": [{"phone_number": "+1…"}]}`;
//! - Telnyx: `GET /v2/phone_numbers?filter[phone_number]=` (Bearer),
//!   `{"data": [{"phone_number": "+1…"}]}`;
//! - Vonage: `GET /account/numbers?api_key=&api_secret=&pattern=<digits>&search_pattern=0`,
//!   `{"count": 1, "numbers": [{"msisdn": "1…"}]}`.
//!
//! One attempt, with the shared client's timeouts: throttling, a server error or no answer
//! is `SendUnavailable` (the caller says "try again"), never a guess.

use async_trait::async_trait;
use serde::Deserialize;

use super::http::client;
use super::route::Route;
use super::twilio;
use crate::config::ProviderUrls;
use crate::domain::{PhoneNumber, Practice};
use crate::ports::{NumberCheck, ProviderNumbers};
use crate::{Error, Result};

/// [`ProviderNumbers`] over the providers' REST APIs at `urls`.
#[derive(Debug, Clone)]
pub struct ProviderNumberApi {
    urls: ProviderUrls,
}

impl ProviderNumberApi {
    pub fn new(urls: ProviderUrls) -> Self {
        Self { urls }
    }
}

#[derive(Deserialize)]
struct TwilioList {
    #[serde(default)]
    incoming_phone_numbers: Vec<TwilioNumber>,
}

#[derive(Deserialize)]
struct TwilioNumber {
    phone_number: Option<String>,
}

#[derive(Deserialize)]
struct TelnyxList {
    #[serde(default)]
    data: Vec<TwilioNumber>,
}

#[derive(Deserialize)]
struct VonageList {
    #[serde(default)]
    numbers: Vec<VonageNumber>,
}

#[derive(Deserialize)]
struct VonageNumber {
    msisdn: Option<String>,
}

fn digits(number: &str) -> String {
    number.chars().filter(char::is_ascii_digit).collect()
}

/// Reads a provider's list answer: `listed` gives the numbers in a 2xx body.
pub fn read_answer(
    status: u16,
    body: &[u8],
    number: &PhoneNumber,
    listed: fn(&[u8]) -> Option<Vec<String>>,
) -> Result<NumberCheck> {
    match status {
        200..=299 => {
            let numbers = listed(body).ok_or_else(|| {
                Error::SendUnavailable("the provider's number list could not be read".into())
            })?;
            let wanted = digits(number.as_str());
            Ok(if numbers.iter().any(|n| digits(n) == wanted) {
                NumberCheck::Owned
            } else {
                NumberCheck::NotOwned
            })
        }
        401 | 403 => Ok(NumberCheck::BadCredentials),
        // Twilio answers 404 for an account SID the token does not open.
        404 => Ok(NumberCheck::BadCredentials),
        _ => Err(Error::SendUnavailable(format!(
            "the provider's number list answered HTTP {status}"
        ))),
    }
}

/// The numbers in each provider's list body.
pub fn twilio_numbers(body: &[u8]) -> Option<Vec<String>> {
    let list: TwilioList = serde_json::from_slice(body).ok()?;
    Some(
        list.incoming_phone_numbers
            .into_iter()
            .filter_map(|n| n.phone_number)
            .collect(),
    )
}

pub fn telnyx_numbers(body: &[u8]) -> Option<Vec<String>> {
    let list: TelnyxList = serde_json::from_slice(body).ok()?;
    Some(
        list.data
            .into_iter()
            .filter_map(|n| n.phone_number)
            .collect(),
    )
}

pub fn vonage_numbers(body: &[u8]) -> Option<Vec<String>> {
    let list: VonageList = serde_json::from_slice(body).ok()?;
    Some(list.numbers.into_iter().filter_map(|n| n.msisdn).collect())
}

#[async_trait]
impl ProviderNumbers for ProviderNumberApi {
    async fn check(&self, practice: &Practice, number: &PhoneNumber) -> Result<NumberCheck> {
        let c = client()?;
        let e164 = number.as_str();
        let (request, listed): (_, fn(&[u8]) -> Option<Vec<String>>) = match Route::of(practice)? {
            Route::Aws => return Ok(NumberCheck::Owned),
            Route::Twilio(creds) => (
                c.get(format!(
                    "{}{}",
                    self.urls.twilio,
                    twilio::numbers_path(&creds.account_sid)
                ))
                .query(&[("PhoneNumber", e164)])
                .basic_auth(&creds.account_sid, Some(&creds.auth_token)),
                twilio_numbers as _,
            ),
            Route::Telnyx(creds) => (
                c.get(format!("{}/v2/phone_numbers", self.urls.telnyx))
                    .query(&[("filter[phone_number]", e164)])
                    .bearer_auth(&creds.api_key),
                telnyx_numbers as _,
            ),
            Route::Vonage(creds) => (
                c.get(format!("{}/account/numbers", self.urls.vonage))
                    .query(&[
                        ("api_key", creds.api_key.as_str()),
                        ("api_secret", creds.api_secret.as_str()),
                        ("pattern", digits(e164).as_str()),
                        ("search_pattern", "0"),
                    ]),
                vonage_numbers as _,
            ),
        };
        let provider = practice.sms_provider.provider.unwrap_or_default();
        let resp = request.send().await.map_err(|_| {
            Error::SendUnavailable(format!("{provider}: the number list could not be fetched"))
        })?;
        let status = resp.status().as_u16();
        let body = resp.bytes().await.map_err(|_| {
            Error::SendUnavailable(format!("{provider}: the number list could not be read"))
        })?;
        let check = read_answer(status, &body, number, listed)?;
        tracing::info!(%provider, ?check, "provider number ownership checked");
        Ok(check)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number() -> PhoneNumber {
        PhoneNumber::parse_e164("+13125550142").unwrap()
    }

    #[test]
    fn a_listed_number_is_owned_and_an_empty_list_is_not() {
        let twilio =
            br#"{"incoming_phone_numbers":[{"sid":"PN1","phone_number":"+13125550142"}],"page":0}"#;
        assert_eq!(
            read_answer(200, twilio, &number(), twilio_numbers).unwrap(),
            NumberCheck::Owned
        );
        let empty = br#"{"incoming_phone_numbers":[],"page":0}"#;
        assert_eq!(
            read_answer(200, empty, &number(), twilio_numbers).unwrap(),
            NumberCheck::NotOwned
        );
        let telnyx = br#"{"data":[{"id":"1","phone_number":"+13125550999"}],"meta":{}}"#;
        assert_eq!(
            read_answer(200, telnyx, &number(), telnyx_numbers).unwrap(),
            NumberCheck::NotOwned
        );
        let vonage = br#"{"count":1,"numbers":[{"country":"US","msisdn":"13125550142","type":"mobile-lvn"}]}"#;
        assert_eq!(
            read_answer(200, vonage, &number(), vonage_numbers).unwrap(),
            NumberCheck::Owned
        );
        assert_eq!(
            read_answer(200, br#"{"count":0}"#, &number(), vonage_numbers).unwrap(),
            NumberCheck::NotOwned
        );
    }

    #[test]
    fn refused_credentials_and_unavailable_providers_are_told_apart() {
        assert_eq!(
            read_answer(401, b"{}", &number(), twilio_numbers).unwrap(),
            NumberCheck::BadCredentials
        );
        assert!(matches!(
            read_answer(429, b"{}", &number(), twilio_numbers),
            Err(Error::SendUnavailable(_))
        ));
        assert!(matches!(
            read_answer(200, b"<html>", &number(), telnyx_numbers),
            Err(Error::SendUnavailable(_))
        ));
    }
}
