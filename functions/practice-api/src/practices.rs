//! Onboarding (operator only), practice settings, and API key rotation.

use aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use base64::Engine;
use frontdesk::domain::{
    PhoneNumber, Practice, PracticeId, PracticeSettings, ProviderSecrets, Region, SmsProvider,
};
use frontdesk::ports::Write;
use http::StatusCode;
use serde_json::{Map, Value};

use crate::auth;
use crate::auth::authenticate;
use crate::deps::Deps;
use crate::error::{ApiError, ApiResult};
use crate::etag;
use crate::http_io::{json_response, Request};
use crate::senders::{ownership_conflict, sender_writes};
use crate::wire::PracticeOut;

/// At most this many keys are active at once; past it, minting is a 409 (never a silent
/// revocation of a key some system still uses).
const MAX_ACTIVE_KEYS: usize = 2;

/// `POST /v1/practices`: creates a practice and returns its first API key, once.
pub async fn create(deps: &Deps, req: &Request) -> ApiResult<ApiGatewayV2httpResponse> {
    let token = req.bearer().ok_or(ApiError::Unauthorized)?;
    if !deps.operator.matches(token).await? {
        return Err(ApiError::Unauthorized);
    }
    let body: Map<String, Value> = req.json()?;
    if !body.contains_key("name") {
        return Err(ApiError::invalid("name", "is required"));
    }
    let now = deps.clock.now();
    let (settings, secrets) = apply_patch(
        &PracticeSettings::default(),
        &ProviderSecrets::default(),
        body,
    )?;
    let onboarding = crate::idempotency::onboarding(deps, req, token, now).await?;
    let keyed = onboarding.is_some();
    let practice_id = match &onboarding {
        Some(o) => o.practice_id.clone(),
        None => PracticeId::generate(),
    };
    let key = auth::mint(&practice_id, now);
    let practice = Practice {
        practice_id: practice_id.clone(),
        settings,
        sms_provider: secrets,
        api_keys: vec![key.record],
        created_at: now,
        updated_at: now,
    };
    crate::ownership::check_number(deps, None, &practice).await?;
    let mut writes = Vec::new();
    if let Some(n) = &practice.settings.sms_number {
        writes.push(Write::NumberRoute {
            number: n.clone(),
            practice_id: practice_id.clone(),
        });
    }
    let sender = practice.settings.email_from.as_ref();
    writes.extend(sender_writes(&practice_id, None, sender));
    writes.push(Write::Practice {
        practice: Box::new(practice.clone()),
        expect_absent: true,
    });
    if let Some(o) = onboarding {
        // Remembered with the practice itself: a retry finds both or neither.
        writes.push(o.record);
    }
    let conflict = ownership_conflict(practice.settings.sms_number.is_some(), sender.is_some());
    deps.store.write(writes).await.map_err(|e| match e {
        // Two requests with one key at once: the other one created it.
        frontdesk::Error::Conflict if keyed => ApiError::Conflict(format!(
            "a request with this Idempotency-Key created {practice_id} meanwhile; its API key was shown to that request only"
        )),
        other => conflict(other),
    })?;
    tracing::info!(practice_id = %practice_id, "practice created");
    let status = crate::ownership::start_identity(deps, &practice).await?;
    Ok(json_response(
        StatusCode::CREATED,
        &serde_json::json!({
            "practice_id": practice_id.as_str(),
            "api_key": key.plaintext,
            "practice": PracticeOut::from(&practice).with_sender_status(status),
        }),
    ))
}

pub async fn get(deps: &Deps, req: &Request) -> ApiResult<ApiGatewayV2httpResponse> {
    let (practice, _) = authenticate(deps, req, vec![]).await?;
    let status = crate::ownership::identity_status(deps, &practice).await;
    let resp = json_response(
        StatusCode::OK,
        &PracticeOut::from(&practice).with_sender_status(status),
    );
    Ok(etag::tagged(resp, &etag::of_time(practice.updated_at)))
}

/// `PATCH /v1/practice`: a JSON merge of the settings; `sms_provider` secrets are write-only.
pub async fn patch(deps: &Deps, req: &Request) -> ApiResult<ApiGatewayV2httpResponse> {
    let body: Map<String, Value> = req.json()?;
    let sender_given = body.contains_key("email_from");
    let (mut practice, _) = authenticate(deps, req, vec![]).await?;
    etag::check_if_match(req, Some(&etag::of_time(practice.updated_at)))?;
    let (settings, secrets) = apply_patch(&practice.settings, &practice.sms_provider, body)?;
    let before = practice.clone();
    let mut writes = Vec::new();
    let number_claimed =
        settings.sms_number.is_some() && settings.sms_number != practice.settings.sms_number;
    writes.extend(sender_writes(
        &practice.practice_id,
        practice.settings.email_from.as_ref(),
        settings.email_from.as_ref(),
    ));
    let conflict = ownership_conflict(number_claimed, settings.email_from.is_some());
    if settings.sms_number != practice.settings.sms_number {
        if let Some(old) = &practice.settings.sms_number {
            writes.push(Write::RemoveNumberRoute {
                number: old.clone(),
                practice_id: practice.practice_id.clone(),
            });
        }
        if let Some(new) = &settings.sms_number {
            writes.push(Write::NumberRoute {
                number: new.clone(),
                practice_id: practice.practice_id.clone(),
            });
        }
    }
    practice.settings = settings;
    practice.sms_provider = secrets;
    practice.updated_at = deps.clock.now();
    crate::ownership::check_number(deps, Some(&before), &practice).await?;
    writes.push(Write::Practice {
        practice: Box::new(practice.clone()),
        expect_absent: false,
    });
    deps.store.write(writes).await.map_err(conflict)?;
    let status = match sender_given {
        true => crate::ownership::start_identity(deps, &practice).await?,
        false => crate::ownership::identity_status(deps, &practice).await,
    };
    let resp = json_response(
        StatusCode::OK,
        &PracticeOut::from(&practice).with_sender_status(status),
    );
    Ok(etag::tagged(resp, &etag::of_time(practice.updated_at)))
}

/// `POST /v1/practice/api-keys`: mints a new key (shown once). The previous key keeps
/// working until revoked, so a PMS can switch without downtime.
pub async fn create_key(deps: &Deps, req: &Request) -> ApiResult<ApiGatewayV2httpResponse> {
    let (mut practice, _) = authenticate(deps, req, vec![]).await?;
    if practice.api_keys.len() >= MAX_ACTIVE_KEYS {
        let ids: Vec<&str> = practice
            .api_keys
            .iter()
            .map(|k| k.key_id.as_str())
            .collect();
        return Err(ApiError::Conflict(format!(
            "the practice already has {MAX_ACTIVE_KEYS} active keys ({}); revoke one (DELETE /v1/practice/api-keys/{{key_id}}) before creating another",
            ids.join(", ")
        )));
    }
    let now = deps.clock.now();
    let key = auth::mint(&practice.practice_id, now);
    practice.api_keys.push(key.record.clone());
    practice.updated_at = now;
    deps.store
        .write(vec![Write::Practice {
            practice: Box::new(practice),
            expect_absent: false,
        }])
        .await?;
    Ok(json_response(
        StatusCode::CREATED,
        &serde_json::json!({ "key_id": key.record.key_id, "api_key": key.plaintext }),
    ))
}

/// `DELETE /v1/practice/api-keys/{key_id}`.
pub async fn revoke_key(
    deps: &Deps,
    req: &Request,
    key_id: &str,
) -> ApiResult<ApiGatewayV2httpResponse> {
    let (mut practice, _) = authenticate(deps, req, vec![]).await?;
    let before = practice.api_keys.len();
    if !practice.api_keys.iter().any(|k| k.key_id == key_id) {
        return Err(ApiError::NotFound("api key"));
    }
    if before == 1 {
        return Err(ApiError::Conflict(
            "this is the practice's only key; create a new one first, then revoke this one".into(),
        ));
    }
    practice.api_keys.retain(|k| k.key_id != key_id);
    practice.updated_at = deps.clock.now();
    deps.store
        .write(vec![Write::Practice {
            practice: Box::new(practice),
            expect_absent: false,
        }])
        .await?;
    Ok(json_response(
        StatusCode::OK,
        &serde_json::json!({ "revoked": key_id }),
    ))
}

/// Applies a JSON merge patch to the settings and secrets, then validates the result.
fn apply_patch(
    current: &PracticeSettings,
    secrets: &ProviderSecrets,
    mut patch: Map<String, Value>,
) -> ApiResult<(PracticeSettings, ProviderSecrets)> {
    let secrets = match patch.remove("sms_provider") {
        None => secrets.clone(),
        Some(v) => patch_secrets(secrets, v)?,
    };
    let mut doc = serde_json::to_value(current).map_err(|e| ApiError::Internal(e.to_string()))?;
    let Some(obj) = doc.as_object_mut() else {
        return Err(ApiError::Internal(
            "settings did not serialise to an object".into(),
        ));
    };
    for (k, v) in patch {
        if !obj.contains_key(&k) {
            return Err(ApiError::invalid(k, "is not a practice setting"));
        }
        obj.insert(k, v);
    }
    normalise_phones(obj)?;
    let settings: PracticeSettings =
        serde_json::from_value(doc).map_err(|e| ApiError::invalid("settings", e.to_string()))?;
    settings.validate()?;
    Ok((settings, secrets))
}

/// Phone settings may be sent in national format; they are stored as E.164, read in the
/// practice's country.
fn normalise_phones(obj: &mut Map<String, Value>) -> ApiResult<()> {
    let region = match obj.get("country").and_then(Value::as_str) {
        Some(c) => Region::parse(c)?,
        None => Region::default(),
    };
    let fix = |field: &str, v: &mut Value| -> ApiResult<()> {
        if let Value::String(s) = v {
            let n = PhoneNumber::parse(s, Some(region))
                .map_err(|e| ApiError::invalid(field.to_string(), e.to_string()))?;
            *v = Value::String(n.as_str().to_string());
        }
        Ok(())
    };
    for field in ["sms_number", "callback_phone"] {
        if let Some(v) = obj.get_mut(field) {
            fix(field, v)?;
        }
    }
    if let Some(v) = obj.get_mut("on_call").and_then(|o| o.get_mut("phone")) {
        fix("on_call.phone", v)?;
    }
    Ok(())
}

/// A Twilio SID: its two-letter prefix and 32 letters or digits.
fn check_sid(value: &Option<String>, prefix: &str, field: &'static str) -> ApiResult<()> {
    match value {
        Some(v)
            if !(v.len() == 34
                && v.starts_with(prefix)
                && v.bytes().all(|b| b.is_ascii_alphanumeric())) =>
        {
            Err(ApiError::invalid(
                field,
                format!("must be a Twilio SID: {prefix} and 32 letters or digits"),
            ))
        }
        _ => Ok(()),
    }
}

fn patch_secrets(current: &ProviderSecrets, v: Value) -> ApiResult<ProviderSecrets> {
    let Value::Object(map) = v else {
        return Err(ApiError::invalid("sms_provider", "must be an object"));
    };
    let mut out = current.clone();
    for (k, v) in map {
        let value = match v {
            Value::Null => None,
            Value::String(s) => Some(s),
            _ => {
                return Err(ApiError::invalid(
                    format!("sms_provider.{k}"),
                    "must be a string or null",
                ))
            }
        };
        if let Some(s) = &value {
            let ok = !s.is_empty() && s.len() <= 256 && s.bytes().all(|b| b.is_ascii_graphic());
            if !ok {
                return Err(ApiError::invalid(
                    format!("sms_provider.{k}"),
                    "must be 1 to 256 printable characters",
                ));
            }
        }
        match k.as_str() {
            "twilio_auth_token" => out.twilio_auth_token = value,
            "vonage_signature_secret" => out.vonage_signature_secret = value,
            "provider" => {
                out.provider = match &value {
                    None => None,
                    Some(p) => Some(SmsProvider::parse(p).map_err(|_| {
                        ApiError::invalid(
                            "sms_provider.provider",
                            "must be one of aws, twilio, telnyx, vonage",
                        )
                    })?),
                }
            }
            "twilio_account_sid" => {
                check_sid(&value, "AC", "sms_provider.twilio_account_sid")?;
                out.twilio_account_sid = value
            }
            "twilio_messaging_service_sid" => {
                check_sid(&value, "MG", "sms_provider.twilio_messaging_service_sid")?;
                out.twilio_messaging_service_sid = value
            }
            "telnyx_api_key" => out.telnyx_api_key = value,
            "telnyx_messaging_profile_id" => out.telnyx_messaging_profile_id = value,
            "vonage_api_key" => out.vonage_api_key = value,
            "vonage_api_secret" => out.vonage_api_secret = value,
            "telnyx_public_key" => {
                if let Some(s) = &value {
                    let bytes = base64::engine::general_purpose::STANDARD
                        .decode(s)
                        .map_err(|_| {
                            ApiError::invalid("sms_provider.telnyx_public_key", "must be base64")
                        })?;
                    if bytes.len() != 32 {
                        return Err(ApiError::invalid(
                            "sms_provider.telnyx_public_key",
                            "must be a base64 Ed25519 public key (32 bytes)",
                        ));
                    }
                }
                out.telnyx_public_key = value;
            }
            _ => {
                return Err(ApiError::invalid(
                    format!("sms_provider.{k}"),
                    "is not a provider secret",
                ))
            }
        }
    }
    Ok(out)
}
