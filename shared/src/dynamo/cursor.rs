//! Pagination cursors: the DynamoDB `ExclusiveStartKey` of the next page as URL-safe
//! base64 of a small JSON object. Opaque to clients, and checked on the way back in: a
//! cursor must name exactly the expected key attributes, inside the caller's practice.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::AttributeValue;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use super::codec::{s, Attrs};
use crate::domain::PracticeId;
use crate::keys;
use crate::{Error, Result};

/// Longest cursor accepted; real ones are a few hundred characters.
const MAX_LEN: usize = 2048;

/// The key attributes of a timeline cursor (base table).
pub(crate) const TIMELINE_KEYS: [&str; 2] = [keys::PK, keys::SK];
/// The key attributes of an open-tasks cursor (GSI2, with the base table's key).
pub(crate) const OPEN_TASK_KEYS: [&str; 4] = [keys::PK, keys::SK, keys::GSI2_PK, keys::GSI2_SK];

/// A timeline cursor stays in the practice's partition and the patient's thread.
pub(crate) fn timeline_rules(pk: &str, thread_prefix: &str) -> [(&'static str, Rule); 2] {
    [
        (keys::PK, Rule::Equals(pk.to_string())),
        (keys::SK, Rule::StartsWith(thread_prefix.to_string())),
    ]
}

/// An open-tasks cursor stays on the practice's tasks and its open-task partition.
pub(crate) fn open_tasks_rules(practice_id: &PracticeId) -> [(&'static str, Rule); 4] {
    [
        (keys::PK, Rule::Equals(keys::practice_pk(practice_id))),
        (keys::SK, Rule::StartsWith("TASK#".into())),
        (
            keys::GSI2_PK,
            Rule::Equals(keys::open_tasks_pk(practice_id)),
        ),
        (keys::GSI2_SK, Rule::StartsWith(String::new())),
    ]
}

/// The key attributes of a due-work page cursor (GSI1, with the base table's key).
pub(crate) const DUE_KEYS: [&str; 4] = [keys::PK, keys::SK, keys::GSI1_PK, keys::GSI1_SK];

/// A due-work cursor stays on due items and the one due-index partition being read.
pub(crate) fn due_rules(partition: &str) -> [(&'static str, Rule); 4] {
    [
        (keys::PK, Rule::StartsWith("P#".into())),
        (keys::SK, Rule::StartsWith("DUE#".into())),
        (keys::GSI1_PK, Rule::Equals(partition.to_string())),
        (keys::GSI1_SK, Rule::StartsWith(String::new())),
    ]
}

/// What one key attribute of a valid cursor must look like.
pub(crate) enum Rule {
    Equals(String),
    StartsWith(String),
}

/// Encodes a start key. All key attributes of the table are strings.
pub(crate) fn encode(key: &Attrs) -> Result<String> {
    let plain: BTreeMap<&str, &str> = key
        .iter()
        .map(|(k, v)| {
            v.as_s()
                .map(|v| (k.as_str(), v.as_str()))
                .map_err(|_| Error::Corrupt("a page key attribute is not a string".into()))
        })
        .collect::<Result<_>>()?;
    encode_plain(&plain)
}

/// Encodes a start key given as attribute names and their string values.
pub(crate) fn encode_plain(key: &BTreeMap<&str, &str>) -> Result<String> {
    let json = serde_json::to_vec(key)
        .map_err(|_| Error::Storage("a page cursor could not be encoded".into()))?;
    Ok(URL_SAFE_NO_PAD.encode(json))
}

/// Decodes a cursor, which must have exactly the attributes of `rules`, each obeying its rule.
pub(crate) fn decode(cursor: &str, rules: &[(&str, Rule)]) -> Result<Attrs> {
    Ok(decode_plain(cursor, rules)?
        .into_iter()
        .map(|(k, v)| (k, s(v)))
        .collect::<std::collections::HashMap<String, AttributeValue>>())
}

/// As [`decode`], giving the attributes' string values.
pub(crate) fn decode_plain(
    cursor: &str,
    rules: &[(&str, Rule)],
) -> Result<BTreeMap<String, String>> {
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
    Ok(plain)
}

#[cfg(test)]
mod tests {
    use super::*;

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
