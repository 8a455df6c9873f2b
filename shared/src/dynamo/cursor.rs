//! Pagination cursors: the DynamoDB `ExclusiveStartKey` of the next page as URL-safe
//! base64 of a small JSON object. Opaque to clients, and checked on the way back in: a
//! cursor must name exactly the expected key attributes, inside the caller's practice.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::AttributeValue;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use super::codec::{s, Attrs};
use crate::{Error, Result};

/// Longest cursor accepted; real ones are a few hundred characters.
const MAX_LEN: usize = 2048;

/// What one key attribute of a valid cursor must look like.
pub(super) enum Rule {
    Equals(String),
    StartsWith(String),
}

/// Encodes a start key. All key attributes of the table are strings.
pub(super) fn encode(key: &Attrs) -> Result<String> {
    let plain: BTreeMap<&str, &str> = key
        .iter()
        .map(|(k, v)| {
            v.as_s()
                .map(|v| (k.as_str(), v.as_str()))
                .map_err(|_| Error::Corrupt("a page key attribute is not a string".into()))
        })
        .collect::<Result<_>>()?;
    let json = serde_json::to_vec(&plain)
        .map_err(|_| Error::Storage("a page cursor could not be encoded".into()))?;
    Ok(URL_SAFE_NO_PAD.encode(json))
}

/// Decodes a cursor, which must have exactly the attributes of `rules`, each obeying its rule.
pub(super) fn decode(cursor: &str, rules: &[(&str, Rule)]) -> Result<Attrs> {
    let invalid = || Error::Invalid {
        field: "cursor",
        reason: "not a cursor from this listing; start again without a cursor".into(),
    };
    if cursor.is_empty() || cursor.len() > MAX_LEN {
        return Err(invalid());
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor.trim_end_matches('='))
        .map_err(|_| invalid())?;
    let plain: BTreeMap<String, String> = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    if plain.len() != rules.len() {
        return Err(invalid());
    }
    for (name, rule) in rules {
        let value = plain.get(*name).ok_or_else(invalid)?;
        let ok = match rule {
            Rule::Equals(want) => value == want,
            Rule::StartsWith(prefix) => {
                value.starts_with(prefix.as_str()) && value.len() > prefix.len()
            }
        };
        if !ok {
            return Err(invalid());
        }
    }
    Ok(plain
        .into_iter()
        .map(|(k, v)| (k, s(v)))
        .collect::<std::collections::HashMap<String, AttributeValue>>())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys;

    fn rules() -> Vec<(&'static str, Rule)> {
        vec![
            (keys::PK, Rule::Equals("P#a".into())),
            (keys::SK, Rule::StartsWith("TL#pat#".into())),
        ]
    }

    #[test]
    fn a_cursor_round_trips() {
        let key = super::super::codec::key_attrs("P#a".into(), "TL#pat#2026#m1".into());
        let c = encode(&key).unwrap();
        assert!(c
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_eq!(decode(&c, &rules()).unwrap(), key);
    }

    #[test]
    fn foreign_extra_and_garbage_cursors_are_invalid() {
        let foreign = encode(&super::super::codec::key_attrs(
            "P#b".into(),
            "TL#pat#2026#m1".into(),
        ))
        .unwrap();
        let other_thread = encode(&super::super::codec::key_attrs(
            "P#a".into(),
            "TL#other#2026#m1".into(),
        ))
        .unwrap();
        let mut extra = super::super::codec::key_attrs("P#a".into(), "TL#pat#2026#m1".into());
        extra.insert("GSI1PK".into(), s("x"));
        let extra = encode(&extra).unwrap();
        for bad in [
            foreign.as_str(),
            &other_thread,
            &extra,
            "",
            "%%%",
            "bm90IGpzb24",
        ] {
            let err = decode(bad, &rules()).unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::Invalid {
                        field: "cursor",
                        ..
                    }
                ),
                "{bad}: {err:?}"
            );
        }
    }
}
