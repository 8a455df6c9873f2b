//! Property test over random schedules: random practice offsets, quiet hours and caps;
//! time zones with and without DST (including half-hour and 45-minute zones and
//! Lord Howe's half-hour DST) around DST changes; patients' channels, addresses, consents;
//! appointments; and a random timeline of sweeps (late, repeated, overlapping) with
//! opt-outs, channel switches, confirmations, moves (replanned, or changed behind the
//! planner's back) and cancellations in between.
//!
//! Whatever happens, for every message that went out:
//! - no reminder (appointment, slot, offset) is ever sent twice;
//! - it went out outside quiet hours on the patient's wall clock, and not after the visit
//!   started;
//! - it went out on the channel the patient preferred at that moment, with consent and
//!   never after they opted out of it;
//! - it was for the appointment's current slot, while scheduled, and a "please confirm"
//!   reminder never after the patient confirmed;
//! - the caps held in every rolling day and week;
//! - every send the providers saw is on the timeline, recorded with the claim it finished.
//!
//! And at the end, no reminders work is left overdue.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Tz;
use frontdesk::deliver::Senders;
use frontdesk::domain::{
    Appointment, AppointmentId, AppointmentStatus, Channel, ClockTime, Confirmation, ConsentSource,
    Consents, Decision, DueWork, EmailAddress, Message, MessageCaps, MessageKind, Patient,
    PatientId, PhoneNumber, Purpose, QuietHours, ReminderOffset, Sweep,
};
use frontdesk::planning;
use frontdesk::policy::is_quiet;
use frontdesk::ports::{Expect, Key, Store, Write};
use frontdesk::sweep::SweepOptions;
use frontdesk::testing::{MemoryStore, RecordingEmail, RecordingSms};
use proptest::prelude::*;

use crate::test_support::{practice, practice_id, SpyStore, WriteHook};
use crate::{run, Deps};

const ZONES: &[Tz] = &[
    chrono_tz::America::New_York,
    chrono_tz::America::Los_Angeles,
    chrono_tz::America::Phoenix,
    chrono_tz::Europe::London,
    chrono_tz::Europe::Berlin,
    chrono_tz::Australia::Sydney,
    chrono_tz::Australia::Lord_Howe,
    chrono_tz::Asia::Kolkata,
    chrono_tz::Pacific::Chatham,
];

/// Starts a few days before a DST change somewhere: US spring, EU spring, southern
/// autumn, EU autumn, US autumn.
const ANCHORS: &[&str] = &[
    "2026-03-05T00:00:00Z",
    "2026-03-26T00:00:00Z",
    "2026-04-02T00:00:00Z",
    "2026-10-22T00:00:00Z",
    "2026-10-29T00:00:00Z",
];

#[derive(Debug, Clone)]
struct PatientSpec {
    channel: Channel,
    phone: bool,
    email: bool,
    care_consent: [bool; 3],
    zone: Option<Tz>,
    new_patient: bool,
}

#[derive(Debug, Clone)]
struct ApptSpec {
    patient: usize,
    starts_in_minutes: i64,
    confirmed_up_front: bool,
}

#[derive(Debug, Clone)]
enum Mutation {
    OptOut { patient: usize },
    Switch { patient: usize, channel: Channel },
    Confirm { appt: usize },
    Move { appt: usize, later_minutes: i64 },
    MoveWithoutReplan { appt: usize, later_minutes: i64 },
    Cancel { appt: usize },
}

#[derive(Debug, Clone, Copy)]
enum Mode {
    Once,
    Twice,
    Overlapping,
}

#[derive(Debug, Clone)]
struct Step {
    advance_minutes: i64,
    mode: Mode,
    mutation: Option<Mutation>,
}

#[derive(Debug, Clone)]
struct Scenario {
    anchor: DateTime<Utc>,
    practice_zone: Tz,
    offsets: Vec<ReminderOffset>,
    quiet: QuietHours,
    caps: MessageCaps,
    day_of_note: bool,
    patients: Vec<PatientSpec>,
    appointments: Vec<ApptSpec>,
    steps: Vec<Step>,
    concurrency: usize,
}

fn channel() -> impl Strategy<Value = Channel> {
    prop_oneof![3 => Just(Channel::Sms), 2 => Just(Channel::Email), 1 => Just(Channel::Voice)]
}

fn zone() -> impl Strategy<Value = Tz> {
    prop::sample::select(ZONES.to_vec())
}

fn offset() -> impl Strategy<Value = ReminderOffset> {
    prop_oneof![
        3 => (30u32..=2880).prop_map(|minutes| ReminderOffset::Before { minutes }),
        1 => (2880u32..=10080).prop_map(|minutes| ReminderOffset::Before { minutes }),
        1 => (5u32..=13, 0u32..4).prop_map(|(h, q)| ReminderOffset::DayOf { at: ClockTime::hm(h, q * 15) }),
    ]
}

fn patient_spec() -> impl Strategy<Value = PatientSpec> {
    (
        channel(),
        prop::bool::weighted(0.9),
        prop::bool::weighted(0.8),
        prop::array::uniform3(prop::bool::weighted(0.9)),
        prop::option::of(zone()),
        any::<bool>(),
    )
        .prop_map(
            |(channel, phone, email, care_consent, zone, new_patient)| PatientSpec {
                channel,
                phone,
                email,
                care_consent,
                zone,
                new_patient,
            },
        )
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (0usize..8).prop_map(|patient| Mutation::OptOut { patient }),
        (0usize..8, channel()).prop_map(|(patient, channel)| Mutation::Switch { patient, channel }),
        (0usize..12).prop_map(|appt| Mutation::Confirm { appt }),
        (0usize..12, 30i64..4000).prop_map(|(appt, later_minutes)| Mutation::Move {
            appt,
            later_minutes
        }),
        (0usize..12, 30i64..4000).prop_map(|(appt, later_minutes)| Mutation::MoveWithoutReplan {
            appt,
            later_minutes
        }),
        (0usize..12).prop_map(|appt| Mutation::Cancel { appt }),
    ]
}

fn step(overlap: bool) -> impl Strategy<Value = Step> {
    let last = if overlap {
        Mode::Overlapping
    } else {
        Mode::Twice
    };
    (
        prop_oneof![2 => 1i64..=10, 5 => 5i64..=240],
        prop_oneof![6 => Just(Mode::Once), 1 => Just(Mode::Twice), 2 => Just(last)],
        prop::option::weighted(0.06, mutation()),
    )
        .prop_map(|(advance_minutes, mode, mutation)| Step {
            advance_minutes,
            mode,
            mutation,
        })
}

/// `overlap`: whether some sweeps run concurrently with another at the same time.
fn scenario(overlap: bool) -> impl Strategy<Value = Scenario> {
    (
        prop::sample::select(ANCHORS.to_vec()),
        zone(),
        prop::collection::vec(offset(), 1..=4),
        (19u32..=23, 5u32..=9, 0u32..4),
        (1u32..=4, 0u32..=6),
        any::<bool>(),
        prop::collection::vec(patient_spec(), 1..=8),
        prop::collection::vec(
            (0usize..8, 60i64..=8 * 24 * 60, prop::bool::weighted(0.15)),
            2..=12,
        ),
        prop::collection::vec(step(overlap), 100..=200),
        1usize..=8,
    )
        .prop_map(
            |(
                anchor,
                practice_zone,
                offsets,
                (qs, qe, qm),
                (per_day, extra_week),
                day_of_note,
                patients,
                appts,
                steps,
                concurrency,
            )| {
                let n = patients.len();
                Scenario {
                    anchor: DateTime::parse_from_rfc3339(anchor)
                        .map(|t| t.to_utc())
                        .unwrap_or_default(),
                    practice_zone,
                    offsets,
                    quiet: QuietHours {
                        start: ClockTime::hm(qs, qm * 15),
                        end: ClockTime::hm(qe, qm * 15),
                    },
                    caps: MessageCaps {
                        per_day,
                        per_week: per_day + extra_week,
                    },
                    day_of_note,
                    patients,
                    appointments: appts
                        .into_iter()
                        .map(|(p, starts_in_minutes, confirmed_up_front)| ApptSpec {
                            patient: p % n,
                            starts_in_minutes,
                            confirmed_up_front,
                        })
                        .collect(),
                    steps,
                    concurrency,
                }
            },
        )
}

/// (since, value) pairs, oldest first.
type History<T> = Vec<(DateTime<Utc>, T)>;

/// What the model knows happened, by time.
#[derive(Debug, Default)]
struct Model {
    /// (since, channel) per patient.
    preferred: HashMap<PatientId, History<Channel>>,
    opted_out: HashMap<(PatientId, Channel), DateTime<Utc>>,
    /// (since, starts_at) per appointment.
    slots: HashMap<AppointmentId, History<DateTime<Utc>>>,
    /// (at, starts_at confirmed) per appointment.
    confirmed: HashMap<AppointmentId, History<DateTime<Utc>>>,
    cancelled: HashMap<AppointmentId, DateTime<Utc>>,
}

fn at_time<T: Copy>(history: &[(DateTime<Utc>, T)], t: DateTime<Utc>) -> Option<T> {
    history
        .iter()
        .filter(|(since, _)| *since <= t)
        .last()
        .map(|(_, v)| *v)
}

/// One message that went out, with the claim its transaction finished.
#[derive(Debug, Clone)]
struct SentRecord {
    message: Message,
    claimed: Option<DueWork>,
}

/// Watches every committed write for messages that went out.
#[derive(Default)]
struct Audit {
    sent: Mutex<Vec<SentRecord>>,
}

#[async_trait]
impl WriteHook for Audit {
    async fn write(&self, inner: &MemoryStore, writes: Vec<Write>) -> frontdesk::Result<()> {
        inner.write(writes.clone()).await?;
        let claimed = writes.iter().find_map(|w| match w {
            Write::DoneDue { claimed } => Some((**claimed).clone()),
            _ => None,
        });
        let mut sent = self
            .sent
            .lock()
            .map_err(|_| frontdesk::Error::Storage("audit poisoned".into()))?;
        for w in &writes {
            if let Write::Message(m) = w {
                if matches!(m.decision, Decision::Sent { .. }) {
                    sent.push(SentRecord {
                        message: (**m).clone(),
                        claimed: claimed.clone(),
                    });
                }
            }
        }
        Ok(())
    }
}

fn phone_of(i: usize) -> PhoneNumber {
    PhoneNumber::parse_e164(&format!("+1212555{:04}", 100 + i)).unwrap()
}

fn build_patient(i: usize, spec: &PatientSpec, t0: DateTime<Utc>) -> Patient {
    let mut consents = Consents::default();
    for (c, granted) in Channel::ALL.iter().zip(spec.care_consent) {
        consents.set(
            *c,
            MessageKind::Care,
            granted,
            ConsentSource::PatientForm,
            t0,
        );
    }
    Patient {
        phone: spec.phone.then(|| phone_of(i)),
        email: spec
            .email
            .then(|| EmailAddress::parse(&format!("pt{i}@example.org")).unwrap()),
        consents,
        time_zone: spec.zone,
        new_patient: spec.new_patient,
        ..Patient::new(
            practice_id(),
            PatientId::parse(format!("pt{i}")).unwrap(),
            "Pat",
            "Doe",
            spec.channel,
            t0,
        )
    }
}

struct Sim {
    store: Arc<MemoryStore>,
    audit: Arc<SpyStore<Audit>>,
    sms: Arc<RecordingSms>,
    email: Arc<RecordingEmail>,
    deps: Deps,
    settings: frontdesk::domain::PracticeSettings,
    model: Model,
}

impl Sim {
    async fn patient(&self, id: &PatientId) -> Option<Patient> {
        let f = self
            .store
            .get_many(&practice_id(), &[Key::Patient(id.clone())])
            .await
            .ok()?;
        f.patient(id).cloned()
    }

    async fn appointment(&self, id: &AppointmentId) -> Option<Appointment> {
        let f = self
            .store
            .get_many(&practice_id(), &[Key::Appointment(id.clone())])
            .await
            .ok()?;
        f.appointment(id).cloned()
    }

    /// Writes an appointment and replaces its due work, as the Practice API does.
    async fn replan(&self, mut a: Appointment, zone: Tz, now: DateTime<Utc>) -> Result<(), String> {
        let planned = planning::plan(&a, zone, &self.settings, now);
        let new_keys: Vec<String> = planned.iter().map(frontdesk::keys::due_key_of).collect();
        let mut writes: Vec<Write> = a
            .planned_due
            .iter()
            .filter(|k| !new_keys.contains(k))
            .map(|k| Write::RemoveDue {
                practice_id: practice_id(),
                due_key: k.clone(),
            })
            .collect();
        writes.extend(planned.into_iter().map(|d| Write::Due(Box::new(d))));
        a.planned_due = new_keys;
        writes.push(Write::Appointment {
            appointment: Box::new(a),
            expect: Expect::Any,
        });
        self.store.write(writes).await.map_err(|e| e.to_string())
    }

    async fn apply(
        &mut self,
        m: &Mutation,
        scn: &Scenario,
        now: DateTime<Utc>,
    ) -> Result<(), String> {
        let pid = |i: usize| PatientId::parse(format!("pt{}", i % scn.patients.len())).unwrap();
        let aid =
            |i: usize| AppointmentId::parse(format!("a{}", i % scn.appointments.len())).unwrap();
        match m {
            Mutation::OptOut { patient } | Mutation::Switch { patient, .. } => {
                let id = pid(*patient);
                let Some(mut p) = self.patient(&id).await else {
                    return Ok(());
                };
                let version = p.version;
                if let Mutation::Switch { channel, .. } = m {
                    p.preferred_channel = *channel;
                    self.model
                        .preferred
                        .entry(id.clone())
                        .or_default()
                        .push((now, *channel));
                } else {
                    let c = p.preferred_channel;
                    p.consents.opt_out(c, ConsentSource::PatientKeyword, now);
                    self.model.opted_out.entry((id.clone(), c)).or_insert(now);
                }
                p.version += 1;
                self.store
                    .write(vec![Write::Patient {
                        patient: Box::new(p),
                        expect: Expect::Version(version),
                        previous_phone: None,
                    }])
                    .await
                    .map_err(|e| e.to_string())
            }
            Mutation::Confirm { appt } => {
                let id = aid(*appt);
                let Some(mut a) = self.appointment(&id).await else {
                    return Ok(());
                };
                if a.status != AppointmentStatus::Scheduled || a.confirmation.is_some() {
                    return Ok(());
                }
                a.confirmation = Some(Confirmation {
                    at: now,
                    channel: Channel::Sms,
                });
                a.version += 1;
                self.model
                    .confirmed
                    .entry(id)
                    .or_default()
                    .push((now, a.starts_at));
                self.store
                    .write(vec![Write::Appointment {
                        appointment: Box::new(a),
                        expect: Expect::Any,
                    }])
                    .await
                    .map_err(|e| e.to_string())
            }
            Mutation::Move {
                appt,
                later_minutes,
            }
            | Mutation::MoveWithoutReplan {
                appt,
                later_minutes,
            } => {
                let id = aid(*appt);
                let Some(mut a) = self.appointment(&id).await else {
                    return Ok(());
                };
                if a.status != AppointmentStatus::Scheduled || a.starts_at <= now {
                    return Ok(());
                }
                // Always later, so a slot never repeats.
                a.starts_at += Duration::minutes(*later_minutes);
                a.confirmation = None;
                a.version += 1;
                self.model
                    .slots
                    .entry(id.clone())
                    .or_default()
                    .push((now, a.starts_at));
                if matches!(m, Mutation::Move { .. }) {
                    let p = self.patient(&a.patient_id).await.ok_or("patient gone")?;
                    let zone = p.zone(self.settings.time_zone);
                    self.replan(a, zone, now).await
                } else {
                    self.store
                        .write(vec![Write::Appointment {
                            appointment: Box::new(a),
                            expect: Expect::Any,
                        }])
                        .await
                        .map_err(|e| e.to_string())
                }
            }
            Mutation::Cancel { appt } => {
                let id = aid(*appt);
                let Some(mut a) = self.appointment(&id).await else {
                    return Ok(());
                };
                if a.status != AppointmentStatus::Scheduled {
                    return Ok(());
                }
                a.status = AppointmentStatus::Cancelled;
                a.version += 1;
                self.model.cancelled.insert(id, now);
                let p = self.patient(&a.patient_id).await.ok_or("patient gone")?;
                let zone = p.zone(self.settings.time_zone);
                self.replan(a, zone, now).await
            }
        }
    }
}

async fn simulate(scn: Scenario) -> Result<(), String> {
    let t0 = scn.anchor;
    let practice = practice(|s| {
        s.time_zone = scn.practice_zone;
        s.reminder_offsets = scn.offsets.clone();
        s.quiet_hours = scn.quiet;
        s.message_caps = scn.caps;
        s.day_of_note_for_confirmed = scn.day_of_note;
    });
    let store = Arc::new(MemoryStore::new());
    let audit = Arc::new(SpyStore::with_hook(store.clone(), Audit::default()));
    let sms = Arc::new(RecordingSms::default());
    let email = Arc::new(RecordingEmail::default());
    let mut sim = Sim {
        deps: Deps {
            store: audit.clone(),
            senders: Senders {
                sms: sms.clone(),
                email: email.clone(),
            },
            options: SweepOptions {
                concurrency: scn.concurrency,
                ..SweepOptions::default()
            },
            governor: frontdesk::sweep::Governor::unlimited(),
        },
        store,
        audit,
        sms,
        email,
        settings: practice.settings.clone(),
        model: Model::default(),
    };

    // Seed: the practice, the patients, and the appointments planned at t0.
    let mut writes = vec![Write::Practice {
        practice: Box::new(practice.clone()),
        expect_absent: false,
    }];
    let patients: Vec<Patient> = scn
        .patients
        .iter()
        .enumerate()
        .map(|(i, s)| build_patient(i, s, t0))
        .collect();
    for p in &patients {
        sim.model
            .preferred
            .insert(p.patient_id.clone(), vec![(t0, p.preferred_channel)]);
        writes.push(Write::Patient {
            patient: Box::new(p.clone()),
            expect: Expect::Any,
            previous_phone: None,
        });
    }
    sim.store.write(writes).await.map_err(|e| e.to_string())?;
    for (i, spec) in scn.appointments.iter().enumerate() {
        let p = &patients[spec.patient];
        let id = AppointmentId::parse(format!("a{i}")).map_err(|e| e.to_string())?;
        let starts_at = t0 + Duration::minutes(spec.starts_in_minutes);
        sim.model.slots.insert(id.clone(), vec![(t0, starts_at)]);
        if spec.confirmed_up_front {
            sim.model
                .confirmed
                .insert(id.clone(), vec![(t0, starts_at)]);
        }
        let a = Appointment {
            practice_id: practice_id(),
            appointment_id: id,
            patient_id: p.patient_id.clone(),
            starts_at,
            duration_minutes: 30,
            provider: None,
            kind: Some("cleaning".into()),
            status: AppointmentStatus::Scheduled,
            confirmation: spec.confirmed_up_front.then_some(Confirmation {
                at: t0,
                channel: Channel::Voice,
            }),
            planned_due: vec![],
            tasks: vec![],
            created_at: t0,
            updated_at: t0,
            version: 1,
        };
        sim.replan(a, p.zone(scn.practice_zone), t0).await?;
    }

    // The timeline of sweeps.
    let mut now = t0;
    let mut reports = Vec::new();
    // Sweeps until every appointment has passed (at most 8 days after t0)…
    let horizon = t0 + Duration::days(9);
    for step in &scn.steps {
        if now >= horizon {
            break;
        }
        now += Duration::minutes(step.advance_minutes);
        if let Some(m) = &step.mutation {
            sim.apply(m, &scn, now).await?;
        }
        match step.mode {
            Mode::Once => reports.push(run(&sim.deps, now).await),
            Mode::Twice => {
                reports.push(run(&sim.deps, now).await);
                reports.push(run(&sim.deps, now).await);
            }
            Mode::Overlapping => {
                let mut other = sim.deps.clone();
                other.options.concurrency = 1 + scn.concurrency % 3;
                let (a, b) = tokio::join!(run(&sim.deps, now), run(&other, now));
                reports.push(a);
                reports.push(b);
            }
        }
    }
    // …then long after every appointment, late sweeps in steps the engine can catch up on.
    let end = t0 + Duration::days(21);
    while now < end {
        now = (now + Duration::days(6)).min(end);
        reports.push(run(&sim.deps, now).await);
    }
    for r in &reports {
        let r = r.as_ref().map_err(|e| e.to_string())?;
        if !r.failures.is_empty() {
            return Err(format!("failures: {:?}", r.failures));
        }
    }

    check(&sim, &scn, &patients, now).await
}

async fn check(
    sim: &Sim,
    scn: &Scenario,
    patients: &[Patient],
    end: DateTime<Utc>,
) -> Result<(), String> {
    let sent = sim.audit.hook.sent.lock().map_err(|_| "poisoned")?.clone();
    let zone_of: HashMap<PatientId, Tz> = patients
        .iter()
        .map(|p| (p.patient_id.clone(), p.zone(scn.practice_zone)))
        .collect();
    let spec_of: HashMap<PatientId, &PatientSpec> = patients
        .iter()
        .map(|p| p.patient_id.clone())
        .zip(scn.patients.iter())
        .collect();
    let mut seen = HashSet::new();
    let mut per_patient: BTreeMap<PatientId, Vec<DateTime<Utc>>> = BTreeMap::new();
    let (mut sms_count, mut email_count) = (0, 0);
    for rec in &sent {
        let m = &rec.message;
        let t = m.at;
        let pid = m.patient_id.clone().ok_or("a send without a patient")?;
        let aid = m
            .appointment_id
            .clone()
            .ok_or("a send without an appointment")?;
        let claimed = rec
            .claimed
            .as_ref()
            .ok_or_else(|| format!("a send recorded without finishing its claim: {m:?}"))?;
        if claimed.appointment_id != aid || claimed.patient_id != pid {
            return Err(format!(
                "a send recorded with another item's claim: {m:?} {claimed:?}"
            ));
        }
        // Once per reminder.
        let key = (aid.clone(), claimed.planned_for, claimed.kind.label());
        if !seen.insert(key.clone()) {
            return Err(format!("sent twice: {key:?}"));
        }
        // Quiet hours, on the patient's clock.
        let zone = zone_of[&pid];
        if is_quiet(&scn.quiet, t, zone) {
            return Err(format!(
                "sent in quiet hours: {} in {zone}",
                t.with_timezone(&zone)
            ));
        }
        // The preferred channel, with consent and an address, not opted out.
        let preferred = at_time(&sim.model.preferred[&pid], t).ok_or("no preferred channel")?;
        if m.channel != preferred {
            return Err(format!(
                "sent by {} to a patient who prefers {preferred}",
                m.channel
            ));
        }
        if m.channel == Channel::Voice {
            return Err("something was sent on voice".into());
        }
        if let Some(out) = sim.model.opted_out.get(&(pid.clone(), m.channel)) {
            if *out <= t {
                return Err(format!("sent at {t} after an opt-out at {out}"));
            }
        }
        let spec = spec_of[&pid];
        let idx = Channel::ALL
            .iter()
            .position(|c| *c == m.channel)
            .unwrap_or(0);
        if !spec.care_consent[idx] {
            return Err("sent without consent".into());
        }
        // The current slot, still scheduled, not yet started.
        let slot = at_time(&sim.model.slots[&aid], t).ok_or("no slot")?;
        if claimed.planned_for != slot {
            return Err(format!(
                "sent for a stale slot {} (now {slot})",
                claimed.planned_for
            ));
        }
        if t > slot {
            return Err(format!("sent at {t} after the visit started at {slot}"));
        }
        if sim.model.cancelled.get(&aid).is_some_and(|c| *c <= t) {
            return Err("sent for a cancelled appointment".into());
        }
        let confirmed = sim
            .model
            .confirmed
            .get(&aid)
            .is_some_and(|h| h.iter().any(|(at, starts)| *at <= t && *starts == slot));
        match m.purpose {
            Purpose::Reminder if confirmed => {
                return Err(format!("asked to confirm again after confirming: {m:?}"))
            }
            Purpose::DayOfNote if !confirmed || !scn.day_of_note => return Err(
                "a day-of note to an unconfirmed patient, or when the practice does not want it"
                    .into(),
            ),
            Purpose::Reminder | Purpose::DayOfNote => {}
            other => return Err(format!("unexpected purpose {other:?}")),
        }
        match m.channel {
            Channel::Sms => sms_count += 1,
            Channel::Email => email_count += 1,
            Channel::Voice => {}
        }
        per_patient.entry(pid).or_default().push(t);
    }
    // Caps, in every rolling day and week. They are exact within a run (the run's sends to
    // a patient are serialised and counted); two runs at once each count only their own
    // and what they read, so overlapping runs are held to every rule above but not to this
    // one (production runs one sweep at a time: reserved concurrency 1).
    let overlapping = scn
        .steps
        .iter()
        .any(|s| matches!(s.mode, Mode::Overlapping));
    for (pid, times) in per_patient.iter().filter(|_| !overlapping) {
        for t in times {
            let day = times
                .iter()
                .filter(|u| **u > *t - Duration::hours(24) && **u <= *t)
                .count();
            let week = times
                .iter()
                .filter(|u| **u > *t - Duration::days(7) && **u <= *t)
                .count();
            if day > scn.caps.per_day as usize || week > scn.caps.per_week as usize {
                return Err(format!(
                    "caps broken for {pid}: {day} in a day, {week} in a week"
                ));
            }
        }
    }
    // What the providers saw is exactly what the timeline says went out.
    let texts = sim.sms.sent();
    let mails = sim.email.sent();
    if texts.len() != sms_count || mails.len() != email_count {
        return Err(format!(
            "providers saw {} texts and {} emails; the timeline recorded {sms_count} and {email_count}",
            texts.len(),
            mails.len()
        ));
    }
    for s in &texts {
        if !s.body.contains("Reply STOP to opt out") || s.body.to_lowercase().contains("cancel") {
            return Err(format!("bad wording: {}", s.body));
        }
    }
    // Nothing left behind.
    let overdue: Vec<DueWork> = sim
        .store
        .all_due(&practice_id())
        .into_iter()
        .filter(|d| d.kind.sweep() == Sweep::Reminders && d.due_at <= end)
        .collect();
    if !overdue.is_empty() {
        return Err(format!("reminders work left overdue: {overdue:?}"));
    }
    Ok(())
}

fn simulate_blocking(scn: Scenario) -> Result<(), TestCaseError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    rt.block_on(simulate(scn)).map_err(TestCaseError::fail)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        max_shrink_iters: 200,
        ..ProptestConfig::default()
    })]

    /// With overlapping, repeated and late runs.
    #[test]
    fn reminders_go_out_once_on_the_preferred_channel_outside_quiet_hours_and_never_after_opt_out(scn in scenario(true)) {
        simulate_blocking(scn)?;
    }

    /// With repeated and late runs, one at a time: the caps hold too.
    #[test]
    fn one_sweep_at_a_time_also_keeps_every_patients_caps(scn in scenario(false)) {
        simulate_blocking(scn)?;
    }
}

#[test]
fn the_zones_cover_dst_changes_in_both_hemispheres() {
    // A guard that the generator keeps exercising DST: each anchor is within a week of a
    // change in at least one of the zones.
    for anchor in ANCHORS {
        let t = DateTime::parse_from_rfc3339(anchor).unwrap().to_utc();
        let changes = ZONES.iter().any(|z| {
            let a = z.offset_from_utc_datetime(&t.naive_utc());
            let b = z.offset_from_utc_datetime(&(t + Duration::days(8)).naive_utc());
            chrono::Offset::fix(&a) != chrono::Offset::fix(&b)
        });
        assert!(changes, "{anchor}");
    }
}
