//! template.yaml's envelope key (docs/operations.md#secrets-key): a KMS key with rotation
//! and a key policy, an alias, `SECRETS_KEY_ID` in every function's environment, and each
//! function allowed only what it does with that key: every function `kms:Decrypt`, only
//! practice-api and webhooks (they write practices and subscriptions) `kms:GenerateDataKey`,
//! never on another resource, always bound to a practice's encryption context.

use serde_yaml::value::TaggedValue;
use serde_yaml::Value;

const SEALERS: [&str; 2] = ["PracticeApiFunction", "WebhooksFunction"];

fn template() -> Value {
    let text = std::fs::read_to_string(local_stack::template_path()).expect("template.yaml");
    serde_yaml::from_str(&text).expect("template.yaml is YAML")
}

fn path<'a>(v: &'a Value, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().try_fold(v, |v, k| v.get(*k))
}

fn tagged(v: &Value) -> Option<(String, String)> {
    match v {
        Value::Tagged(t) => {
            let TaggedValue { tag, value } = t.as_ref();
            Some((tag.to_string(), value.as_str()?.to_string()))
        }
        _ => None,
    }
}

fn actions(statement: &Value) -> Vec<String> {
    match statement.get("Action") {
        Some(Value::String(a)) => vec![a.clone()],
        Some(Value::Sequence(s)) => s
            .iter()
            .filter_map(|a| a.as_str().map(String::from))
            .collect(),
        _ => vec![],
    }
}

#[test]
fn the_secrets_key_rotates_has_a_policy_and_an_alias() {
    let t = template();
    let key = path(&t, &["Resources", "SecretsKey"]).expect("SecretsKey");
    assert_eq!(
        key.get("Type").and_then(Value::as_str),
        Some("AWS::KMS::Key")
    );
    assert_eq!(
        key.get("DeletionPolicy").and_then(Value::as_str),
        Some("Retain")
    );
    let props = key.get("Properties").unwrap();
    assert_eq!(
        props.get("EnableKeyRotation").and_then(Value::as_bool),
        Some(true)
    );
    let statements = path(props, &["KeyPolicy", "Statement"])
        .and_then(Value::as_sequence)
        .expect("a key policy");
    assert!(statements
        .iter()
        .any(|s| s.get("Effect").and_then(Value::as_str) == Some("Deny")
            && path(
                s,
                &["Condition", "Null", "kms:EncryptionContext:practice_id"]
            )
            .is_some()));
    let alias = path(&t, &["Resources", "SecretsKeyAlias", "Properties"]).expect("an alias");
    assert_eq!(
        alias.get("TargetKeyId").and_then(tagged),
        Some(("!Ref".into(), "SecretsKey".into()))
    );
    assert_eq!(
        path(
            &t,
            &[
                "Globals",
                "Function",
                "Environment",
                "Variables",
                "SECRETS_KEY_ID"
            ]
        )
        .and_then(tagged),
        Some(("!GetAtt".into(), "SecretsKey.Arn".into()))
    );
}

#[test]
fn every_function_may_decrypt_and_only_the_writers_generate_data_keys() {
    let t = template();
    let resources = t.get("Resources").and_then(Value::as_mapping).unwrap();
    let mut functions = 0;
    for (name, r) in resources {
        let name = name.as_str().unwrap_or_default();
        if r.get("Type").and_then(Value::as_str) != Some("AWS::Serverless::Function") {
            continue;
        }
        functions += 1;
        let statements: Vec<&Value> = path(r, &["Properties", "Policies"])
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
            .filter_map(|p| p.get("Statement").and_then(Value::as_sequence))
            .flatten()
            .collect();
        let mut kms: Vec<String> = vec![];
        for s in statements {
            let acts: Vec<String> = actions(s)
                .into_iter()
                .filter(|a| a.starts_with("kms:"))
                .collect();
            if acts.is_empty() {
                continue;
            }
            assert_eq!(
                s.get("Resource").and_then(tagged),
                Some(("!GetAtt".into(), "SecretsKey.Arn".into())),
                "{name}: KMS only on SecretsKey"
            );
            assert!(
                path(
                    s,
                    &["Condition", "Null", "kms:EncryptionContext:practice_id"]
                )
                .is_some(),
                "{name}: only with a practice's encryption context"
            );
            kms.extend(acts);
        }
        kms.sort();
        let want: Vec<&str> = if SEALERS.contains(&name) {
            vec!["kms:Decrypt", "kms:GenerateDataKey"]
        } else {
            vec!["kms:Decrypt"]
        };
        assert_eq!(kms, want, "{name}");
    }
    assert!(functions >= 13, "{functions} functions");
}
