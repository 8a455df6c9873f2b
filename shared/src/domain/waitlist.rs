//! The waitlist: patients who want an earlier visit, and the slots freed by a cancellation
//! or a release that are offered to them (see `crate::waitlist` for the offers).

use chrono::{DateTime, Datelike, Duration, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::{
    Appointment, AppointmentId, ClockTime, DayOfWeek, DomainError, PatientId, PracticeId,
    WaitlistEntryId,
};

/// Longest provider or kind text.
const MAX_TEXT: usize = 100;

/// What suits a waitlist patient: a provider and/or kind of visit (none: any), and the
/// days and hours (practice time) they can come.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitlistWish {
    #[serde(default)]
    pub provider: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    /// Sorted, without repeats, at least one.
    pub days: Vec<DayOfWeek>,
    pub from: ClockTime,
    pub until: ClockTime,
}

fn invalid(field: &'static str, reason: &str) -> DomainError {
    DomainError::Invalid {
        field,
        reason: reason.into(),
    }
}

fn text(field: &'static str, v: Option<String>) -> Result<Option<String>, DomainError> {
    match v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()) {
        Some(s) if s.chars().count() > MAX_TEXT || s.chars().any(char::is_control) => Err(invalid(
            field,
            "must be at most 100 characters with no control characters",
        )),
        other => Ok(other),
    }
}

fn same(want: &Option<String>, have: &Option<String>) -> bool {
    match (want, have) {
        (None, _) => true,
        (Some(w), Some(h)) => w.to_lowercase() == h.trim().to_lowercase(),
        (Some(_), None) => false,
    }
}

impl WaitlistWish {
    /// Validates a wish: at least one day, `from` before `until`, short texts.
    pub fn new(
        provider: Option<String>,
        kind: Option<String>,
        mut days: Vec<DayOfWeek>,
        from: ClockTime,
        until: ClockTime,
    ) -> Result<Self, DomainError> {
        days.sort();
        days.dedup();
        if days.is_empty() {
            return Err(invalid(
                "days",
                "name at least one day, e.g. [\"mon\", \"wed\"]",
            ));
        }
        if from >= until {
            return Err(invalid(
                "from",
                "must be before until (HH:MM, practice time)",
            ));
        }
        Ok(Self {
            provider: text("provider", provider)?,
            kind: text("kind", kind)?,
            days,
            from,
            until,
        })
    }

    /// Whether a freed slot suits this wish: its provider and kind (when asked for), its
    /// day, and the whole visit inside the hours, on the practice's clock `tz`.
    pub fn matches(&self, slot: &FreedSlot, tz: Tz) -> bool {
        let start = slot.starts_at.with_timezone(&tz);
        let end = (slot.starts_at + Duration::minutes(i64::from(slot.duration_minutes)))
            .with_timezone(&tz);
        same(&self.provider, &slot.provider)
            && same(&self.kind, &slot.kind)
            && self.days.contains(&start.weekday().into())
            && start.date_naive() == end.date_naive()
            && start.time() >= self.from.0
            && end.time() <= self.until.0
    }
}

/// One patient on the practice's waitlist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitlistEntry {
    pub practice_id: PracticeId,
    pub entry_id: WaitlistEntryId,
    pub patient_id: PatientId,
    pub wish: WaitlistWish,
    pub created_at: DateTime<Utc>,
}

impl WaitlistEntry {
    pub fn new(
        practice_id: PracticeId,
        patient_id: PatientId,
        wish: WaitlistWish,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            practice_id,
            entry_id: WaitlistEntryId::generate(),
            patient_id,
            wish,
            created_at: now,
        }
    }
}

/// Why a slot came free.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlotReason {
    Cancelled,
    /// The practice released an unconfirmed appointment (`POST .../release`).
    Released,
}

/// Where the offering of a freed slot stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SlotState {
    /// Offers go out in batches until someone says yes.
    Open,
    /// The first "yes": staff book it in the PMS.
    Claimed {
        patient_id: PatientId,
        entry_id: WaitlistEntryId,
        at: DateTime<Utc>,
        /// The channel of the yes (`voice`: staff took it by phone); absent on claims
        /// stored before it was recorded.
        #[serde(default)]
        via: Option<super::Channel>,
    },
    /// Nobody (more) to offer it to, or too late.
    Closed { reason: String },
}

/// One patient a slot was offered to (or tried).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferedTo {
    pub patient_id: PatientId,
    pub entry_id: WaitlistEntryId,
    pub at: DateTime<Utc>,
    /// How it went: `sent`, `staff_task`, `suppressed`… (a delivery label).
    pub outcome: String,
}

/// A freed slot and its offers (`SLOT#<appointment>`), version-checked: the first yes
/// claims it with a conditional write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FreedSlot {
    pub practice_id: PracticeId,
    pub appointment_id: AppointmentId,
    /// The patient whose appointment it was (never offered their own slot).
    pub freed_by: PatientId,
    pub starts_at: DateTime<Utc>,
    pub duration_minutes: u32,
    #[serde(default)]
    pub provider: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    pub reason: SlotReason,
    pub state: SlotState,
    #[serde(default)]
    pub offered: Vec<OfferedTo>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
}

impl FreedSlot {
    /// The slot of `appointment`, freed at `now`, not offered to anyone yet.
    pub fn new(appointment: &Appointment, reason: SlotReason, now: DateTime<Utc>) -> Self {
        Self {
            practice_id: appointment.practice_id.clone(),
            appointment_id: appointment.appointment_id.clone(),
            freed_by: appointment.patient_id.clone(),
            starts_at: appointment.starts_at,
            duration_minutes: appointment.duration_minutes,
            provider: appointment.provider.clone(),
            kind: appointment.kind.clone(),
            reason,
            state: SlotState::Open,
            offered: vec![],
            created_at: now,
            updated_at: now,
            version: 1,
        }
    }

    pub fn is_open(&self) -> bool {
        self.state == SlotState::Open
    }

    /// Whether the patient was already offered (or tried for) this slot.
    pub fn was_offered(&self, patient_id: &PatientId) -> bool {
        self.offered.iter().any(|o| &o.patient_id == patient_id)
    }

    /// The next version of this slot, changed at `now` by `change`.
    pub fn next(&self, now: DateTime<Utc>, change: impl FnOnce(&mut FreedSlot)) -> FreedSlot {
        let mut next = self.clone();
        change(&mut next);
        next.updated_at = now;
        next.version = self.version.saturating_add(1);
        next
    }
}

/// An open offer, on the patient it went to, so their "YES" finds it without a search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotOffer {
    pub appointment_id: AppointmentId,
    pub entry_id: WaitlistEntryId,
    pub starts_at: DateTime<Utc>,
    pub offered_at: DateTime<Utc>,
}

impl SlotOffer {
    /// Still worth answering: the slot has not started.
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.starts_at > now
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::utc;

    fn slot(starts: &str, minutes: u32, provider: Option<&str>) -> FreedSlot {
        FreedSlot {
            practice_id: PracticeId::parse("p1").unwrap(),
            appointment_id: AppointmentId::parse("a1").unwrap(),
            freed_by: PatientId::parse("pt0").unwrap(),
            starts_at: utc(starts),
            duration_minutes: minutes,
            provider: provider.map(String::from),
            kind: Some("Cleaning".into()),
            reason: SlotReason::Cancelled,
            state: SlotState::Open,
            offered: vec![],
            created_at: utc(starts),
            updated_at: utc(starts),
            version: 1,
        }
    }

    #[test]
    fn a_wish_matches_its_days_hours_provider_and_kind() {
        let tz = chrono_tz::America::New_York;
        let wish = WaitlistWish::new(
            Some("Dr. Lee".into()),
            None,
            vec![DayOfWeek::Mon, DayOfWeek::Mon, DayOfWeek::Wed],
            ClockTime::hm(9, 0),
            ClockTime::hm(12, 0),
        )
        .unwrap();
        assert_eq!(wish.days, vec![DayOfWeek::Mon, DayOfWeek::Wed]);
        // Monday 2026-03-16 10:00 EDT, 30 minutes, with Dr. Lee.
        assert!(wish.matches(&slot("2026-03-16T14:00:00Z", 30, Some("dr. lee")), tz));
        assert!(!wish.matches(&slot("2026-03-16T14:00:00Z", 30, Some("Dr. Kim")), tz));
        assert!(!wish.matches(&slot("2026-03-16T14:00:00Z", 30, None), tz));
        // Ends after noon; a Tuesday.
        assert!(!wish.matches(&slot("2026-03-16T15:45:00Z", 30, Some("Dr. Lee")), tz));
        assert!(!wish.matches(&slot("2026-03-17T14:00:00Z", 30, Some("Dr. Lee")), tz));
    }

    #[test]
    fn a_wish_needs_a_day_and_hours_in_order() {
        let h = ClockTime::hm;
        assert!(WaitlistWish::new(None, None, vec![], h(9, 0), h(10, 0)).is_err());
        assert!(WaitlistWish::new(None, None, vec![DayOfWeek::Fri], h(10, 0), h(9, 0)).is_err());
        assert!(WaitlistWish::new(
            Some("x".repeat(101)),
            None,
            vec![DayOfWeek::Fri],
            h(9, 0),
            h(10, 0)
        )
        .is_err());
    }
}
