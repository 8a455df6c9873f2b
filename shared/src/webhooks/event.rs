//! The outbox: one item per event, written with the change that caused it, drained by the
//! `webhooks` job. Payloads carry ids and states, never message bodies or names.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::domain::PracticeId;

/// What happened. The wire names (`appointment.confirmed`…) are the `type` of the payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum EventType {
    #[serde(rename = "appointment.confirmed")]
    AppointmentConfirmed,
    #[serde(rename = "appointment.reschedule_requested")]
    AppointmentRescheduleRequested,
    #[serde(rename = "appointment.cancel_requested")]
    AppointmentCancelRequested,
    #[serde(rename = "patient.opted_out")]
    PatientOptedOut,
    #[serde(rename = "patient.preferences_changed")]
    PatientPreferencesChanged,
    #[serde(rename = "task.created")]
    TaskCreated,
    #[serde(rename = "task.resolved")]
    TaskResolved,
    #[serde(rename = "message.received")]
    MessageReceived,
    #[serde(rename = "waitlist.slot_claimed")]
    WaitlistSlotClaimed,
}

impl EventType {
    pub const ALL: [EventType; 9] = [
        EventType::AppointmentConfirmed,
        EventType::AppointmentRescheduleRequested,
        EventType::AppointmentCancelRequested,
        EventType::PatientOptedOut,
        EventType::PatientPreferencesChanged,
        EventType::TaskCreated,
        EventType::TaskResolved,
        EventType::MessageReceived,
        EventType::WaitlistSlotClaimed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::AppointmentConfirmed => "appointment.confirmed",
            EventType::AppointmentRescheduleRequested => "appointment.reschedule_requested",
            EventType::AppointmentCancelRequested => "appointment.cancel_requested",
            EventType::PatientOptedOut => "patient.opted_out",
            EventType::PatientPreferencesChanged => "patient.preferences_changed",
            EventType::TaskCreated => "task.created",
            EventType::TaskResolved => "task.resolved",
            EventType::MessageReceived => "message.received",
            EventType::WaitlistSlotClaimed => "waitlist.slot_claimed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// One subscription's delivery of an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    /// Attempts made so far.
    pub attempts: u32,
    /// When the next attempt is due.
    pub next_at: DateTime<Utc>,
    /// When it was received (a 2xx), if it was.
    #[serde(default)]
    pub delivered_at: Option<DateTime<Utc>>,
    /// The last failure: an HTTP status or "timeout"/"connect", never a body.
    #[serde(default)]
    pub last_error: Option<String>,
}

/// An outbox item: `WHEVT#<event_id>` in the practice's partition; while any delivery is
/// pending it is in GSI1 `DUE#webhooks#<shard>` at its `next_at`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxEvent {
    pub practice_id: PracticeId,
    /// `evt_` and 32 hex digits; the `webhook-id` (the same on every retry).
    pub event_id: String,
    pub event_type: EventType,
    pub occurred_at: DateTime<Utc>,
    /// Ids and states (see docs/integration.md), never bodies or names.
    pub data: serde_json::Value,
    /// Bumped on every rewrite: a run claims the item by its version.
    pub version: u64,
    /// When the job should look at it next (the earliest pending delivery, or a lease).
    pub next_at: DateTime<Utc>,
    /// Per subscription, filled in when the job first sees the event (the subscriptions
    /// that want it then). Empty and `fanned_out == false` until then.
    #[serde(default)]
    pub deliveries: BTreeMap<String, Delivery>,
    #[serde(default)]
    pub fanned_out: bool,
}

impl OutboxEvent {
    /// A new event, due at once. The id is derived from what happened (type, resource and
    /// time), so deriving it twice for one change names one item.
    pub fn new(
        practice_id: PracticeId,
        event_type: EventType,
        resource: &str,
        occurred_at: DateTime<Utc>,
        data: serde_json::Value,
    ) -> Self {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        for part in [
            practice_id.as_str(),
            event_type.as_str(),
            resource,
            &crate::keys::sortable_time(occurred_at),
        ] {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part.as_bytes());
        }
        let digest = hex::encode(h.finalize());
        Self {
            practice_id,
            event_id: format!("evt_{}", &digest[..32]),
            event_type,
            occurred_at,
            data,
            version: 0,
            next_at: occurred_at,
            deliveries: BTreeMap::new(),
            fanned_out: false,
        }
    }

    /// The body sent: `{"id", "type", "timestamp", "data"}` (the Standard Webhooks shape).
    pub fn payload(&self) -> String {
        serde_json::json!({
            "id": self.event_id,
            "type": self.event_type.as_str(),
            "timestamp": self.occurred_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "data": self.data,
        })
        .to_string()
    }

    /// Whether every delivery is done (or there was nobody to deliver to).
    pub fn finished(&self) -> bool {
        self.fanned_out && self.deliveries.values().all(|d| d.delivered_at.is_some())
    }

    /// The earliest pending delivery.
    pub fn earliest_pending(&self) -> Option<DateTime<Utc>> {
        self.deliveries
            .values()
            .filter(|d| d.delivered_at.is_none())
            .map(|d| d.next_at)
            .min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_types_round_trip_by_their_wire_names() {
        for t in EventType::ALL {
            let json = serde_json::to_string(&t).unwrap();
            assert_eq!(json, format!("\"{}\"", t.as_str()));
            assert_eq!(EventType::parse(t.as_str()), Some(t));
        }
        assert_eq!(EventType::parse("nope"), None);
    }

    #[test]
    fn an_event_id_names_the_change_and_the_payload_has_the_standard_shape() {
        let p = PracticeId::parse("p1").unwrap();
        let at = chrono::Utc::now();
        let a = OutboxEvent::new(
            p.clone(),
            EventType::TaskCreated,
            "t1",
            at,
            serde_json::json!({"task_id": "t1"}),
        );
        let b = OutboxEvent::new(
            p.clone(),
            EventType::TaskCreated,
            "t1",
            at,
            serde_json::json!({}),
        );
        let c = OutboxEvent::new(p, EventType::TaskResolved, "t1", at, serde_json::json!({}));
        assert_eq!(a.event_id, b.event_id);
        assert_ne!(a.event_id, c.event_id);
        assert_eq!(a.event_id.len(), 36);
        let v: serde_json::Value = serde_json::from_str(&a.payload()).unwrap();
        assert_eq!(v["type"], "task.created");
        assert_eq!(v["id"], a.event_id.as_str());
        assert_eq!(v["data"]["task_id"], "t1");
        assert!(!a.finished());
    }
}
