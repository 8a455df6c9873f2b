//! template.yaml keeps its operational promises (docs/operations.md): every function has an
//! errors and a throttles alarm, every asynchronously invoked function and every async
//! event source has somewhere for failures to go, every such queue is watched by an alarm,
//! and every alarm notifies the alarm topic.

use std::collections::BTreeSet;

use local_stack::template_path;
use serde_yaml::value::TaggedValue;
use serde_yaml::{Mapping, Value};

fn template() -> Mapping {
    let text = std::fs::read_to_string(template_path()).expect("template.yaml is readable");
    let doc: Value = serde_yaml::from_str(&text).expect("template.yaml is YAML");
    doc.get("Resources")
        .and_then(Value::as_mapping)
        .cloned()
        .expect("template.yaml has Resources")
}

fn of_type<'a>(resources: &'a Mapping, ty: &str) -> Vec<(&'a str, &'a Value)> {
    resources
        .iter()
        .filter(|(_, r)| r.get("Type").and_then(Value::as_str) == Some(ty))
        .filter_map(|(k, r)| Some((k.as_str()?, r)))
        .collect()
}

/// The logical id a `!Ref X` / `!GetAtt X.Attr` names.
fn target(v: &Value) -> Option<String> {
    match v {
        Value::Tagged(t) => {
            let TaggedValue { tag, value } = t.as_ref();
            let s = value.as_str()?;
            if tag == "!Ref" {
                Some(s.to_string())
            } else if tag == "!GetAtt" {
                s.split('.').next().map(str::to_string)
            } else {
                None
            }
        }
        _ => None,
    }
}

fn path<'a>(v: &'a Value, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().try_fold(v, |v, k| v.get(*k))
}

/// Functions invoked asynchronously: by a schedule or an SNS subscription in their events,
/// or by an SES receipt rule (`InvocationType: Event`) naming them.
fn async_functions(resources: &Mapping) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (name, f) in of_type(resources, "AWS::Serverless::Function") {
        let events = path(f, &["Properties", "Events"]).and_then(Value::as_mapping);
        let is_async = events.into_iter().flatten().any(|(_, e)| {
            matches!(
                e.get("Type").and_then(Value::as_str),
                Some("Schedule" | "SNS" | "S3" | "EventBridgeRule" | "CloudWatchEvent")
            )
        });
        if is_async {
            out.insert(name.to_string());
        }
    }
    for (_, rule) in of_type(resources, "AWS::SES::ReceiptRule") {
        let actions = path(rule, &["Properties", "Rule", "Actions"]).and_then(Value::as_sequence);
        for action in actions.into_iter().flatten() {
            if let Some(lambda) = action.get("LambdaAction") {
                assert_eq!(
                    lambda.get("InvocationType").and_then(Value::as_str),
                    Some("Event"),
                    "an SES Lambda action is invoked asynchronously (Event)"
                );
                if let Some(f) = lambda.get("FunctionArn").and_then(target) {
                    out.insert(f);
                }
            }
        }
    }
    out
}

fn queues(resources: &Mapping) -> BTreeSet<String> {
    of_type(resources, "AWS::SQS::Queue")
        .into_iter()
        .map(|(n, _)| n.to_string())
        .collect()
}

#[test]
fn every_asynchronously_invoked_function_has_an_on_failure_destination() {
    let resources = template();
    let queues = queues(&resources);
    let functions = async_functions(&resources);
    assert!(
        functions.len() >= 7,
        "schedules, SNS and SES invoke at least seven functions: {functions:?}"
    );
    for name in &functions {
        let f = &resources[name.as_str()];
        let dest = path(
            f,
            &[
                "Properties",
                "EventInvokeConfig",
                "DestinationConfig",
                "OnFailure",
            ],
        )
        .unwrap_or_else(|| panic!("{name} is invoked asynchronously but has no OnFailure"));
        assert_eq!(
            dest.get("Type").and_then(Value::as_str),
            Some("SQS"),
            "{name}"
        );
        let queue = dest.get("Destination").and_then(target);
        assert!(
            queue.as_ref().is_some_and(|q| queues.contains(q)),
            "{name}'s failures go to a queue of this stack, not {queue:?}"
        );
        let retries = path(
            f,
            &["Properties", "EventInvokeConfig", "MaximumRetryAttempts"],
        )
        .and_then(Value::as_u64);
        assert!(retries.is_some(), "{name} states its retry attempts");
    }
}

#[test]
fn every_async_event_source_keeps_what_it_could_not_deliver() {
    let resources = template();
    let queues = queues(&resources);
    for (name, f) in of_type(&resources, "AWS::Serverless::Function") {
        let events = path(f, &["Properties", "Events"]).and_then(Value::as_mapping);
        for (event, e) in events.into_iter().flatten() {
            let props = e.get("Properties");
            let dlq = match e.get("Type").and_then(Value::as_str) {
                // EventBridge could not invoke the function.
                Some("Schedule") => props.and_then(|p| path(p, &["DeadLetterConfig", "Arn"])),
                // SNS could not deliver to the function.
                Some("SNS") => {
                    props.and_then(|p| path(p, &["RedrivePolicy", "deadLetterTargetArn"]))
                }
                _ => continue,
            };
            let queue = dlq.and_then(target);
            assert!(
                queue.as_ref().is_some_and(|q| queues.contains(q)),
                "{name}.{event:?} has no dead-letter queue of this stack ({queue:?})"
            );
        }
    }
}

fn alarms(resources: &Mapping) -> Vec<(&str, &Value)> {
    of_type(resources, "AWS::CloudWatch::Alarm")
}

/// The `!Ref`/`!GetAtt` targets of an alarm's (single-metric) dimensions.
fn alarm_dimension_targets(alarm: &Value) -> Vec<String> {
    path(alarm, &["Properties", "Dimensions"])
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .filter_map(|d| d.get("Value").and_then(target))
        .collect()
}

#[test]
fn every_function_has_an_errors_and_a_throttles_alarm_with_its_condition() {
    let resources = template();
    let alarms = alarms(&resources);
    let functions = of_type(&resources, "AWS::Serverless::Function");
    assert!(functions.len() >= 10);
    for (name, f) in functions {
        for metric in ["Errors", "Throttles"] {
            let found: Vec<_> = alarms
                .iter()
                .filter(|(_, a)| {
                    path(a, &["Properties", "Namespace"]).and_then(Value::as_str)
                        == Some("AWS/Lambda")
                        && path(a, &["Properties", "MetricName"]).and_then(Value::as_str)
                            == Some(metric)
                        && alarm_dimension_targets(a).iter().any(|t| t == name)
                })
                .collect();
            assert_eq!(found.len(), 1, "{name} needs exactly one {metric} alarm");
            let (alarm, a) = found[0];
            assert_eq!(
                a.get("Condition"),
                f.get("Condition"),
                "{alarm} must exist exactly when {name} does"
            );
        }
    }
}

#[test]
fn every_dead_letter_queue_is_watched_and_every_alarm_notifies_the_topic() {
    let resources = template();
    let alarms = alarms(&resources);
    for queue in queues(&resources) {
        let watched = alarms.iter().any(|(_, a)| {
            path(a, &["Properties", "Namespace"]).and_then(Value::as_str) == Some("AWS/SQS")
                && alarm_dimension_targets(a).contains(&queue)
        });
        assert!(watched, "no alarm watches the depth of {queue}");
    }
    for (name, a) in &alarms {
        let actions = path(a, &["Properties", "AlarmActions"]).and_then(Value::as_sequence);
        let notifies = actions
            .into_iter()
            .flatten()
            .any(|t| target(t).as_deref() == Some("AlarmTopic"));
        assert!(notifies, "{name} does not notify AlarmTopic");
        let desc = path(a, &["Properties", "AlarmDescription"]).and_then(Value::as_str);
        assert!(
            desc.is_some_and(|d| d.contains("docs/operations.md#")),
            "{name}'s description points at its runbook entry"
        );
    }
    let runbook = std::fs::read_to_string(
        template_path()
            .parent()
            .expect("the template has a folder")
            .join("docs/operations.md"),
    )
    .expect("docs/operations.md exists");
    for (name, a) in &alarms {
        let desc = path(a, &["Properties", "AlarmDescription"])
            .and_then(Value::as_str)
            .unwrap_or_default();
        let anchor = desc.split("docs/operations.md#").nth(1).unwrap_or_default();
        let anchor = anchor.trim_end_matches(')');
        let heading = runbook.lines().any(|l| {
            l.starts_with('#')
                && l.trim_start_matches('#')
                    .trim()
                    .to_lowercase()
                    .replace(' ', "-")
                    .replace(['(', ')', ',', '/', '.'], "")
                    == anchor
        });
        assert!(
            heading,
            "{name}: docs/operations.md has no heading for #{anchor}"
        );
    }
}

#[test]
fn custom_metric_alarms_use_the_stage_namespace_and_ses_thresholds_match_its_review_levels() {
    let resources = template();
    let alarms = alarms(&resources);
    let threshold =
        |name: &str| path(&resources[name], &["Properties", "Threshold"]).and_then(Value::as_f64);
    assert_eq!(threshold("SesBounceRateAlarm"), Some(0.05));
    assert_eq!(threshold("SesComplaintRateAlarm"), Some(0.001));
    let sweep_lag: Vec<_> = alarms
        .iter()
        .filter(|(_, a)| {
            path(a, &["Properties", "MetricName"]).and_then(Value::as_str)
                == Some("SweepLagSeconds")
        })
        .collect();
    assert_eq!(sweep_lag.len(), 3, "one lag alarm per sweep");
    for (name, a) in sweep_lag {
        let ns = path(a, &["Properties", "Namespace"]).cloned();
        assert!(
            matches!(&ns, Some(Value::Tagged(t)) if t.tag == "!Sub" && t.value.as_str() == Some("Frontdesk/${Stage}")),
            "{name} reads the namespace the functions write (METRICS_NAMESPACE)"
        );
    }
}
