//! Contact addresses: E.164 phone numbers and email addresses.
//!
//! Numbers from outside (API input, providers' webhooks) are validated by libphonenumber's
//! rules (the `phonenumber` crate). Numbers read back from the table or any other
//! serialised form (serde) were validated on the way in, so they get only a structural
//! E.164 check ([`PhoneNumber::from_stored`]): that keeps libphonenumber's metadata
//! (loaded and its patterns compiled on first use) off every cold path that only reads a
//! patient or a practice.

use phonenumber::country::Id as CountryId;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use super::DomainError;

/// A phone number in E.164 form (`+14155550123`), validated by libphonenumber's rules when
/// it comes in; deserialising checks only the E.164 shape (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

/// An ISO 3166 region used to read national-format numbers (`(415) 555-0123` in `US`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Region(CountryId);

impl Region {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        CountryId::from_str(&s.to_ascii_uppercase())
            .map(Region)
            .map_err(|_| DomainError::Invalid {
                field: "country",
                reason: "use a two-letter ISO 3166 country code such as US, CA or GB".into(),
            })
    }
    pub fn us() -> Self {
        Region(CountryId::US)
    }
}

impl Default for Region {
    fn default() -> Self {
        Self::us()
    }
}

impl TryFrom<String> for Region {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Region> for String {
    fn from(r: Region) -> String {
        let id: &str = r.0.as_ref();
        id.to_string()
    }
}

impl PhoneNumber {
    /// Parses a number in E.164 (`+1…`) or, given a region, in that region's national format.
    pub fn parse(input: &str, region: Option<Region>) -> Result<Self, DomainError> {
        let invalid = || DomainError::Invalid {
            field: "phone",
            reason: "not a valid phone number; send E.164 such as +14155550123".into(),
        };
        let trimmed = input.trim();
        if trimmed.is_empty() || trimmed.len() > 32 {
            return Err(invalid());
        }
        let parsed = phonenumber::parse(region.map(|r| r.0), trimmed).map_err(|_| invalid())?;
        if !phonenumber::is_valid(&parsed) {
            return Err(invalid());
        }
        Ok(Self(
            parsed.format().mode(phonenumber::Mode::E164).to_string(),
        ))
    }

    /// Parses a number that must already be E.164, as providers send them.
    pub fn parse_e164(input: &str) -> Result<Self, DomainError> {
        if !input.trim_start().starts_with('+') {
            return Err(DomainError::Invalid {
                field: "phone",
                reason: "expected an E.164 number starting with +".into(),
            });
        }
        Self::parse(input, None)
    }

    /// A number read back from storage, already validated when it came in: only the E.164
    /// shape is checked (`+`, then 1 to 15 digits, the first not 0), without libphonenumber.
    pub fn from_stored(s: String) -> Result<Self, DomainError> {
        let digits = s.strip_prefix('+').unwrap_or_default();
        let shape_ok = (1..=15).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0');
        if !shape_ok {
            return Err(DomainError::Invalid {
                field: "phone",
                reason: "a stored number must be E.164 such as +14155550123".into(),
            });
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The last four digits, the only part of a number that may appear in staff-facing text
    /// about an unknown sender. Never logged.
    pub fn last_four(&self) -> &str {
        let n = self.0.len();
        &self.0[n.saturating_sub(4)..]
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::from_stored(s)
    }
}

impl From<PhoneNumber> for String {
    fn from(p: PhoneNumber) -> String {
        p.0
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An email address: one `@`, a non-empty local part, a dotted domain, no spaces or controls.
/// Stored lower-cased in the domain part only, as mail systems treat it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let invalid = |reason: &str| DomainError::Invalid {
            field: "email",
            reason: reason.to_string(),
        };
        let s = input.trim();
        if s.len() > 254 {
            return Err(invalid("is longer than 254 characters"));
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid("must not contain spaces"));
        }
        let (local, domain) = s
            .rsplit_once('@')
            .ok_or_else(|| invalid("must look like name@example.com"))?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
        if local.is_empty() || local.len() > 64 || local.contains('@') || !domain_ok {
            return Err(invalid("must look like name@example.com"));
        }
        Ok(Self(format!("{local}@{}", domain.to_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<EmailAddress> for String {
    fn from(e: EmailAddress) -> String {
        e.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn national_numbers_are_normalised_with_the_practice_region() {
        let p = PhoneNumber::parse("(415) 555-2671", Some(Region::us())).unwrap();
        assert_eq!(p.as_str(), "+14155552671");
        let gb = PhoneNumber::parse("020 7946 0018", Some(Region::parse("gb").unwrap())).unwrap();
        assert_eq!(gb.as_str(), "+442079460018");
    }

    #[test]
    fn invalid_numbers_are_rejected() {
        for bad in ["", "hello", "+1", "12", "+999999999999999999", "555-0123"] {
            assert!(PhoneNumber::parse(bad, None).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn e164_parse_requires_plus() {
        assert!(PhoneNumber::parse_e164("4155552671").is_err());
        assert!(PhoneNumber::parse_e164("+14155552671").is_ok());
    }

    #[test]
    fn stored_numbers_get_the_e164_shape_check_only() {
        let read = |s: &str| serde_json::from_value::<PhoneNumber>(serde_json::json!(s));
        assert_eq!(read("+14155552671").unwrap().as_str(), "+14155552671");
        assert_eq!(read("+442079460018").unwrap().as_str(), "+442079460018");
        for bad in [
            "",
            "+",
            "14155552671",
            "+0123",
            " +14155552671",
            "+1415555267a",
            "+1 415 555 2671",
            "+1234567890123456",
        ] {
            assert!(read(bad).is_err(), "{bad:?}");
        }
    }

    proptest::proptest! {
        /// Whatever the validating parser accepts and stores reads back, unchanged.
        #[test]
        fn every_validated_number_reads_back(digits in "[2-9][0-9]{2}[2-9][0-9]{6}") {
            if let Ok(p) = PhoneNumber::parse(&digits, Some(Region::us())) {
                let json = serde_json::to_value(&p).unwrap();
                let back: PhoneNumber = serde_json::from_value(json).unwrap();
                proptest::prop_assert_eq!(back, p);
            }
        }
    }

    #[test]
    fn emails_are_checked_and_domain_lowercased() {
        assert_eq!(
            EmailAddress::parse(" Ann.Lee@Example.COM ")
                .unwrap()
                .as_str(),
            "Ann.Lee@example.com"
        );
        for bad in [
            "",
            "ann",
            "ann@",
            "@x.com",
            "a b@x.com",
            "ann@localhost",
            "a@x..com",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad:?}");
        }
    }
}
