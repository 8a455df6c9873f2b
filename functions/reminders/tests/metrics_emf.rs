//! The EMF metrics a send and a sweep run produce, captured from the recorder the functions
//! install (`frontdesk::telemetry`), as CloudWatch would read them from the log: one JSON
//! document per label set, with the metric under `_aws.CloudWatchMetrics` and the
//! dimensions as top-level fields. Its own test binary: the recorder is process-global.

use frontdesk::sweep::Claimed;
use std::sync::Arc;

use chrono::Duration;
use frontdesk::deliver::{deliver, Content, Outbound, Senders};
use frontdesk::domain::{
    AppointmentId, Channel, DueKind, DueWork, MessageKind, PatientId, Priority, Purpose, Sweep,
};
use frontdesk::ports::{Store, Write};
use frontdesk::sweep::SweepOptions;
use frontdesk::testing::{MemoryStore, RecordingEmail, RecordingSms};
use serde_json::Value;
use testkit::fixtures::{patient, practice, practice_id};
use testkit::utc;

fn content() -> Content {
    Content {
        sms: "Smile Dental: see you Tuesday".into(),
        email_subject: "Your visit".into(),
        email_text: "See you Tuesday".into(),
        call_script: "Call about Tuesday".into(),
        voicemail_script: None,
        task_title: "Call about a visit".into(),
    }
}

/// The EMF documents recorded since the last flush.
fn flush() -> Vec<Value> {
    let mut out = Vec::new();
    frontdesk::telemetry::flush(Some("req-1"), &mut out).expect("flushes to memory");
    String::from_utf8(out)
        .expect("EMF is UTF-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("each EMF line is one JSON document"))
        .collect()
}

/// The value of `metric` in the document whose dimensions are exactly `dims`.
fn value(docs: &[Value], metric: &str, dims: &[(&str, &str)]) -> Option<Value> {
    docs.iter().find_map(|d| {
        let decl = &d["_aws"]["CloudWatchMetrics"][0];
        let names: Vec<&str> = decl["Metrics"]
            .as_array()?
            .iter()
            .filter_map(|m| m["Name"].as_str())
            .collect();
        let dim_names: Vec<&str> = decl["Dimensions"][0]
            .as_array()?
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let wanted: Vec<&str> = dims.iter().map(|(k, _)| *k).collect();
        let same = names.contains(&metric)
            && dim_names.len() == wanted.len()
            && wanted.iter().all(|k| dim_names.contains(k))
            && dims.iter().all(|(k, v)| d[*k].as_str() == Some(*v));
        same.then(|| d[metric].clone())
    })
}

#[tokio::test]
async fn a_send_and_a_sweep_run_produce_their_metrics_and_no_patient_data() {
    assert!(frontdesk::telemetry::install("Frontdesk/test").is_some());
    let _ = flush();
    let sms = Arc::new(RecordingSms::default());
    let senders = Senders {
        sms: sms.clone(),
        email: Arc::new(RecordingEmail::default()),
    };
    let practice = practice("smile", |_| {});
    let patient = patient("smile", "pt1", Channel::Sms);
    let now = utc("2026-03-03T15:00:00Z");
    let out = |kind| Outbound {
        practice: &practice,
        patient: &patient,
        kind,
        purpose: Purpose::Reminder,
        appointment_id: None,
        not_after: None,
        content: content(),
        task_priority: Priority::Normal,
        task_due: now,
    };
    let d = deliver(&senders, out(MessageKind::Care), now).await;
    assert_eq!(d.delivery.label(), "sent");
    assert_eq!(sms.sent().len(), 1);
    // Marketing without marketing consent: suppressed, by reason.
    let d = deliver(&senders, out(MessageKind::Marketing), now).await;
    assert_eq!(d.delivery.label(), "suppressed");

    let docs = flush();
    let sent = value(&docs, "Sends", &[("Channel", "sms"), ("Outcome", "sent")]);
    assert_eq!(sent, Some(Value::from(1)), "{docs:#?}");
    let suppressed = value(
        &docs,
        "Sends",
        &[("Channel", "sms"), ("Outcome", "suppressed")],
    );
    assert_eq!(suppressed, Some(Value::from(1)), "{docs:#?}");
    assert_eq!(
        value(&docs, "Suppressions", &[("Reason", "optional_not_allowed")]),
        Some(Value::from(1)),
        "{docs:#?}"
    );
    for d in &docs {
        assert_eq!(
            d["_aws"]["CloudWatchMetrics"][0]["Namespace"],
            "Frontdesk/test"
        );
        assert_eq!(d["RequestId"], "req-1");
        let line = d.to_string();
        for secret in ["+12125550143", "Ana", "Lopez", "pt1", "smile", "Tuesday"] {
            assert!(!line.contains(secret), "{secret} in a metric: {line}");
        }
    }
    // Counters are deltas: nothing new, nothing written.
    assert!(flush().iter().all(|d| d.get("Sends").is_none()));

    // A sweep run that finds an item due ten minutes ago reports a ten-minute lag.
    let store = Arc::new(MemoryStore::new());
    store
        .write(vec![Write::Due(Box::new(DueWork {
            practice_id: practice_id("smile"),
            appointment_id: AppointmentId::parse("a1").unwrap(),
            patient_id: PatientId::parse("pt1").unwrap(),
            kind: DueKind::NoShowCheck,
            due_at: now - Duration::minutes(10),
            planned_for: now - Duration::minutes(10),
            attempts: 0,
        }))])
        .await
        .unwrap();
    let deps = frontdesk::sweep::Deps {
        store: store.clone() as Arc<dyn Store>,
        senders,
        options: SweepOptions::default(),
        governor: frontdesk::sweep::Governor::unlimited(),
    };
    let _ = no_shows_free_run(&deps, now).await;
    let docs = flush();
    assert_eq!(
        value(&docs, "SweepLagSeconds", &[("Sweep", "no-shows")]),
        Some(Value::from(600.0)),
        "{docs:#?}"
    );
    let units: Vec<_> = docs
        .iter()
        .flat_map(|d| {
            d["_aws"]["CloudWatchMetrics"][0]["Metrics"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter(|m| m["Name"] == "SweepLagSeconds")
        .map(|m| m["Unit"].clone())
        .collect();
    assert_eq!(units, vec![Value::from("Seconds")]);
}

/// One no-shows run with a handler that releases nothing (the lag is the engine's).
async fn no_shows_free_run(
    deps: &frontdesk::sweep::Deps,
    now: chrono::DateTime<chrono::Utc>,
) -> frontdesk::sweep::SweepReport {
    struct Noop;
    #[async_trait::async_trait]
    impl frontdesk::sweep::DueHandler for Noop {
        async fn handle(&self, item: Claimed) -> frontdesk::Result<frontdesk::sweep::Handled> {
            let (_claimed, _snapshot, _now) = item.into_parts();
            Err(frontdesk::Error::Storage("not handled in this test".into()))
        }
    }
    frontdesk::sweep::run(
        deps.store.as_ref(),
        Sweep::NoShows,
        now,
        &deps.options,
        &Noop,
    )
    .await
    .unwrap()
}
