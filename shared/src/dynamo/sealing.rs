//! The secrets inside practice and webhook items, envelope-encrypted (`frontdesk::envelope`).
//!
//! On write, the secret attributes of an item (below) are taken out of it, serialised
//! together as one JSON object and sealed; the item carries `sealed` instead:
//! `{v: N, key_id: S, edk: B, nonce: B, ct: B}` (layout version, the KMS key, the wrapped
//! data key, the AES-GCM nonce, the ciphertext and tag). The encryption context is the
//! item's `practice_id` and a purpose: `sms_provider` for the practice, `webhook:<id>` for
//! a subscription, so a sealed value moved to another item does not open.
//!
//! On read, an item with `sealed` is opened and the attributes put back before decoding;
//! an item without it (written before sealing, or by a store without an envelope) is read
//! as it is and sealed on its next write. Nothing else in the item changes, so conditions
//! and indexes are unaffected.

use std::collections::HashMap;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::Value;
use zeroize::Zeroizing;

use super::codec::{kind, Attrs, TYPE};
use crate::config::SECRETS_KEY_ID_ENV;
use crate::envelope::{Context, Envelope, Sealed};
use crate::{Error, Result};

/// The attribute holding the sealed values.
pub(super) const SEALED: &str = "sealed";

/// The practice's credentials and webhook keys (identifiers such as account SIDs, the
/// messaging profile and the provider name stay readable).
const PRACTICE_SECRETS: &[&[&str]] = &[
    &["sms_provider", "twilio_auth_token"],
    &["sms_provider", "telnyx_api_key"],
    &["sms_provider", "telnyx_public_key"],
    &["sms_provider", "vonage_api_secret"],
    &["sms_provider", "vonage_signature_secret"],
];
const WEBHOOK_SECRETS: &[&[&str]] = &[&["secret"], &["previous_secret"]];

/// The secret attribute paths of an item type (`None`: nothing sealed in it).
fn secret_paths(ty: &str) -> Option<&'static [&'static [&'static str]]> {
    match ty {
        kind::PRACTICE => Some(PRACTICE_SECRETS),
        kind::WEBHOOK_ENDPOINT => Some(WEBHOOK_SECRETS),
        _ => None,
    }
}

fn text<'a>(item: &'a Attrs, name: &str, ty: &str) -> Result<&'a str> {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
        .ok_or_else(|| Error::Storage(format!("a {ty} item has no {name} to seal under")))
}

fn context(item: &Attrs, ty: &str) -> Result<Context> {
    let practice_id = text(item, "practice_id", ty)?;
    let purpose = match ty {
        kind::WEBHOOK_ENDPOINT => format!("webhook:{}", text(item, "webhook_id", ty)?),
        _ => "sms_provider".to_string(),
    };
    Ok(Context::new(practice_id, purpose))
}

/// Seals the secret attributes of `item` (a put of type `ty`) in place: one
/// `GenerateDataKey`. An item with no secret set is left as it is, with no KMS call.
pub(super) async fn seal(envelope: &Envelope, ty: &str, item: &mut Attrs) -> Result<()> {
    let Some(paths) = secret_paths(ty) else {
        return Ok(());
    };
    item.remove(SEALED);
    let mut fields = serde_json::Map::new();
    for path in paths {
        if let Some(value) = take(item, path) {
            fields.insert(path.join("."), to_json(value, ty)?);
        }
    }
    if fields.is_empty() {
        return Ok(());
    }
    let context = context(item, ty)?;
    let plaintext =
        Zeroizing::new(serde_json::to_vec(&Value::Object(fields)).map_err(|_| {
            Error::Storage(format!("the secrets of a {ty} item could not be encoded"))
        })?);
    let sealed = envelope.seal(&plaintext, &context).await?;
    item.insert(SEALED.into(), sealed_attr(&sealed));
    Ok(())
}

/// Opens `item`'s sealed values, if any, putting the attributes back. A sealed item with
/// no envelope configured is a configuration error that says what to set.
pub(super) async fn open(envelope: Option<&Envelope>, item: &mut Attrs) -> Result<()> {
    let Some(raw) = item.remove(SEALED) else {
        return Ok(());
    };
    let ty = item
        .get(TYPE)
        .and_then(|v| v.as_s().ok())
        .cloned()
        .unwrap_or_default();
    let paths = secret_paths(&ty).ok_or_else(|| corrupt(&ty, "this item type seals nothing"))?;
    let envelope = envelope.ok_or_else(|| {
        Error::Config(format!(
            "a {ty} item holds sealed secrets but this store has no KMS key: set \
             {SECRETS_KEY_ID_ENV} (template.yaml passes !GetAtt SecretsKey.Arn)"
        ))
    })?;
    let sealed =
        parse_sealed(&raw).ok_or_else(|| corrupt(&ty, "its sealed attribute is malformed"))?;
    let context = context(item, &ty)?;
    let plaintext = envelope.open(&sealed, &context).await?;
    let fields: serde_json::Map<String, Value> = serde_json::from_slice(&plaintext)
        .map_err(|_| corrupt(&ty, "its sealed secrets are not a JSON object"))?;
    for (name, value) in fields {
        let Some(path) = paths.iter().find(|p| p.join(".") == name) else {
            return Err(corrupt(&ty, "its sealed secrets name an unknown attribute"));
        };
        put(item, path, from_json(value));
    }
    Ok(())
}

fn corrupt(ty: &str, why: &str) -> Error {
    tracing::error!(
        item_type = ty,
        reason = why,
        "sealed item could not be read"
    );
    Error::Corrupt(format!("a {ty} item could not be read: {why}"))
}

/// Removes the attribute at `path`; an absent or NULL one is `None` (nothing to seal).
fn take(item: &mut Attrs, path: &[&str]) -> Option<AttributeValue> {
    match path {
        [name] => item.remove(*name).filter(|v| !v.is_null()),
        [head, rest @ ..] => match item.get_mut(*head) {
            Some(AttributeValue::M(inner)) => take(inner, rest),
            _ => None,
        },
        [] => None,
    }
}

/// Puts `value` at `path`, creating the maps on the way.
fn put(item: &mut Attrs, path: &[&str], value: AttributeValue) {
    match path {
        [name] => {
            item.insert((*name).to_string(), value);
        }
        [head, rest @ ..] => {
            let slot = item
                .entry((*head).to_string())
                .or_insert_with(|| AttributeValue::M(HashMap::new()));
            if !matches!(slot, AttributeValue::M(_)) {
                *slot = AttributeValue::M(HashMap::new());
            }
            if let AttributeValue::M(inner) = slot {
                put(inner, rest, value);
            }
        }
        [] => {}
    }
}

/// The JSON form of an attribute value as `serde_dynamo` writes it (S, N, BOOL, NULL, L, M).
fn to_json(value: AttributeValue, ty: &str) -> Result<Value> {
    Ok(match value {
        AttributeValue::S(s) => Value::String(s),
        AttributeValue::N(n) => Value::Object(serde_json::Map::from_iter([(
            "N".to_string(),
            Value::String(n),
        )])),
        AttributeValue::Bool(b) => Value::Bool(b),
        AttributeValue::Null(_) => Value::Null,
        AttributeValue::L(items) => Value::Array(
            items
                .into_iter()
                .map(|v| to_json(v, ty))
                .collect::<Result<_>>()?,
        ),
        AttributeValue::M(map) => {
            let mut out = serde_json::Map::new();
            for (k, v) in map {
                out.insert(k, to_json(v, ty)?);
            }
            Value::Object(serde_json::Map::from_iter([(
                "M".to_string(),
                Value::Object(out),
            )]))
        }
        _ => {
            return Err(Error::Storage(format!(
                "a {ty} item's secret has an attribute type the sealing does not carry"
            )))
        }
    })
}

fn from_json(value: Value) -> AttributeValue {
    match value {
        Value::String(s) => AttributeValue::S(s),
        Value::Bool(b) => AttributeValue::Bool(b),
        Value::Null => AttributeValue::Null(true),
        Value::Array(items) => AttributeValue::L(items.into_iter().map(from_json).collect()),
        Value::Object(mut map) => match (map.remove("N"), map.remove("M")) {
            (Some(Value::String(n)), None) => AttributeValue::N(n),
            (None, Some(Value::Object(m))) => {
                AttributeValue::M(m.into_iter().map(|(k, v)| (k, from_json(v))).collect())
            }
            _ => AttributeValue::Null(true),
        },
        Value::Number(n) => AttributeValue::N(n.to_string()),
    }
}

fn sealed_attr(sealed: &Sealed) -> AttributeValue {
    let b = |bytes: &[u8]| AttributeValue::B(Blob::new(bytes.to_vec()));
    AttributeValue::M(HashMap::from([
        (
            "v".to_string(),
            AttributeValue::N(sealed.version.to_string()),
        ),
        (
            "key_id".to_string(),
            AttributeValue::S(sealed.key_id.clone()),
        ),
        ("edk".to_string(), b(&sealed.wrapped_key)),
        ("nonce".to_string(), b(&sealed.nonce)),
        ("ct".to_string(), b(&sealed.ciphertext)),
    ]))
}

fn parse_sealed(raw: &AttributeValue) -> Option<Sealed> {
    let map = raw.as_m().ok()?;
    let bytes = |name: &str| map.get(name)?.as_b().ok().map(|b| b.as_ref().to_vec());
    Some(Sealed {
        version: map.get("v")?.as_n().ok()?.parse().ok()?,
        key_id: map.get("key_id")?.as_s().ok()?.clone(),
        wrapped_key: bytes("edk")?,
        nonce: bytes("nonce")?,
        ciphertext: bytes("ct")?,
    })
}

#[cfg(test)]
#[path = "sealing_tests.rs"]
mod tests;
