//! Which provider carries a practice's SMS (`sms_provider.provider`), parsed once.

use serde::{Deserialize, Serialize};

use super::DomainError;

/// The provider that owns the practice's number. `Aws` (SNS / End User Messaging) when
/// the setting is absent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmsProvider {
    #[default]
    Aws,
    Twilio,
    Telnyx,
    Vonage,
}

impl SmsProvider {
    pub const ALL: [SmsProvider; 4] = [Self::Aws, Self::Twilio, Self::Telnyx, Self::Vonage];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Aws => "aws",
            Self::Twilio => "twilio",
            Self::Telnyx => "telnyx",
            Self::Vonage => "vonage",
        }
    }

    pub fn parse(s: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == s.trim().to_ascii_lowercase())
            .ok_or_else(|| DomainError::Invalid {
                field: "sms_provider.provider",
                reason: "must be one of aws, twilio, telnyx, vonage".into(),
            })
    }
}

impl std::fmt::Display for SmsProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_ones_are_refused() {
        for p in SmsProvider::ALL {
            assert_eq!(SmsProvider::parse(p.as_str()).unwrap(), p);
            let json = serde_json::to_string(&p).unwrap();
            assert_eq!(json, format!("\"{}\"", p.as_str()));
        }
        assert_eq!(SmsProvider::parse(" Twilio ").unwrap(), SmsProvider::Twilio);
        assert!(SmsProvider::parse("plivo").is_err());
        assert_eq!(SmsProvider::default(), SmsProvider::Aws);
    }
}
