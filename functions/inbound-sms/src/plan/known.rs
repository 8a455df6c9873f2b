//! A text from a known patient: consent keywords first (they decide whether replies may
//! go), then the action ([`arms`](super::arms)), then a call suggestion for a stalled
//! thread, and the patient and family records written back with their versions.

use chrono::{DateTime, Utc};
use frontdesk::domain::{
    AppointmentId, Channel, ConsentSource, Patient, PracticeSettings, Purpose, Waiting,
};
use frontdesk::policy;
use frontdesk::policy::templates::Reply;
use frontdesk::policy::{templates, ReplyContext};
use frontdesk::ports::{Expect, Key, Write};

use super::draft::{gate_known, staff_due, Draft, Gate};
use super::{Action, EmergencyFallback, Input, Known, Plan};

/// What one known patient's text is planned on; the actions read and change it.
pub(super) struct Run<'a> {
    pub(super) d: Draft<'a>,
    pub(super) patient: Patient,
    pub(super) known: &'a Known,
    pub(super) versions: Vec<(Key, u64)>,
    pub(super) inbound_appointment: Option<AppointmentId>,
    pub(super) emergency: Option<EmergencyFallback>,
    pub(super) ctx: ReplyContext,
    pub(super) ack: Reply,
    pub(super) settings: &'a PracticeSettings,
    pub(super) now: DateTime<Utc>,
    pub(super) due: DateTime<Utc>,
    pub(super) shared: String,
    pub(super) opted_out: bool,
    pub(super) opted_out_note: &'static str,
    pub(super) consent_changed: bool,
    pub(super) action: Action,
}

impl Run<'_> {
    /// Whether a reply may go on this thread (see `gate_known`).
    pub(super) fn gate(&mut self, bypass: bool, allowed_when_opted_out: bool) -> Gate {
        gate_known(
            &mut self.patient.thread,
            self.settings,
            self.now,
            self.opted_out,
            bypass,
            allowed_when_opted_out,
        )
    }
}

pub(super) fn plan_known(input: &Input<'_>, known: &Known) -> frontdesk::Result<Plan> {
    let settings = &input.practice.settings;
    let now = input.now;
    let action = input.action;
    let mut patient = known.patient.clone();
    let mut family = known.family.clone();
    let mut family_changed = vec![false; family.len()];
    let mut d = Draft::new(input, Some(patient.patient_id.clone()));
    let versions = vec![(Key::Patient(patient.patient_id.clone()), patient.version)];
    let inbound_appointment = None;
    let emergency = None;
    let due = staff_due(settings, now);
    let shared = known
        .shared_note
        .as_ref()
        .map(|n| format!(" {n}"))
        .unwrap_or_default();

    d.claim(input.inbound.claim_key(), input.inbound.claim_expires(now));

    // Consent changes first: they decide whether replies may go. A keyword covers every
    // patient on the number.
    let mut consent_changed = false;
    match action {
        Action::OptOut => {
            if !patient.consents.is_opted_out(Channel::Sms) {
                patient
                    .consents
                    .opt_out(Channel::Sms, ConsentSource::PatientKeyword, now);
                consent_changed = true;
            }
            for (p, changed) in family.iter_mut().zip(family_changed.iter_mut()) {
                if !p.consents.is_opted_out(Channel::Sms) {
                    p.consents
                        .opt_out(Channel::Sms, ConsentSource::PatientKeyword, now);
                    *changed = true;
                }
            }
        }
        Action::OptIn => {
            if patient.consents.is_opted_out(Channel::Sms) {
                patient
                    .consents
                    .opt_in(Channel::Sms, ConsentSource::PatientKeyword, now);
                consent_changed = true;
            }
            for (p, changed) in family.iter_mut().zip(family_changed.iter_mut()) {
                if p.consents.is_opted_out(Channel::Sms) {
                    p.consents
                        .opt_in(Channel::Sms, ConsentSource::PatientKeyword, now);
                    *changed = true;
                }
            }
        }
        _ => {}
    }
    let consent_changed = consent_changed || family_changed.iter().any(|c| *c);
    d.writes.extend(crate::consent_log::keyword_writes(
        action,
        std::iter::once((&known.patient, &patient)).chain(known.family.iter().zip(&family)),
        now,
    ));

    // A text from the number proves it works: SMS is healthy again for everyone on it.
    patient.sms_health = None;
    for (p, changed) in family.iter_mut().zip(family_changed.iter_mut()) {
        if p.sms_health.take().is_some() {
            *changed = true;
        }
    }

    policy::record_inbound_at(&mut patient.thread, action.thread_intent(), now);
    if policy::note_inbound(
        &mut patient.thread,
        Channel::Sms,
        action.thread_intent(),
        now,
    ) {
        d.writes.push(Write::Waiting(Box::new(Waiting::patient(
            &input.practice.practice_id,
            &patient.patient_id,
            now,
            Channel::Sms,
        ))));
    }
    let opted_out = patient.consents.is_opted_out(Channel::Sms);
    let opted_out_note = if opted_out {
        " The patient has opted out of texts: reply by phone or email."
    } else {
        ""
    };
    let ctx = ReplyContext::new(settings, Some(&patient), now)?;
    let ack = templates::acknowledgement(settings, now);

    let mut run = Run {
        d,
        patient,
        known,
        versions,
        inbound_appointment,
        emergency,
        ctx,
        ack,
        settings,
        now,
        due,
        shared,
        opted_out,
        opted_out_note,
        consent_changed,
        action,
    };
    match action {
        Action::OptOut => run.opt_out()?,
        Action::OptIn => run.opt_in()?,
        Action::Help => run.help()?,
        Action::Emergency => run.emergency_text()?,
        Action::Confirm => run.confirm()?,
        Action::ClaimSlot => run.claim_slot()?,
        Action::AcceptCall | Action::CallMe => run.call_requested()?,
        Action::Reschedule => run.reschedule()?,
        Action::CancelClarify => run.cancel_clarify()?,
        Action::CancelVisit | Action::CancelAgain => run.cancel_visit()?,
        Action::SwitchChannel(channel) => run.switch_channel(channel)?,
        Action::Rating(rating) => run.rated(rating)?,
        Action::Complaint => run.complaint()?,
        Action::FreeText => run.free_text()?,
    }
    let Run {
        mut d,
        mut patient,
        mut versions,
        inbound_appointment,
        emergency,
        ctx,
        ..
    } = run;

    // A stalled thread (by count, or by time outside the patient's quiet hours): offer a
    // call, in the same channel, once.
    let by_count = policy::should_suggest_call(&patient.thread, settings);
    let by_time = policy::should_suggest_call_at(&patient.thread, settings, now)
        && !policy::is_quiet(&settings.quiet_hours, now, patient.zone(settings.time_zone));
    if action.may_suggest_call()
        && !opted_out
        && (by_count || by_time)
        && policy::auto_reply_allowed(&patient.thread, settings, now)
    {
        policy::record_auto_reply(&mut patient.thread, now);
        policy::record_call_suggested(&mut patient.thread, now);
        d.reply(
            templates::reply(&ctx, Reply::CallSuggestion)?,
            Purpose::CallSuggestion,
            Gate::Send,
        );
    }

    d.inbound(inbound_appointment);

    let seen = patient.version;
    patient.version = seen.saturating_add(1);
    patient.updated_at = now;
    d.writes.push(Write::Patient {
        patient: Box::new(patient),
        expect: Expect::Version(seen),
        previous_phone: None,
    });
    for (mut p, changed) in family.into_iter().zip(family_changed) {
        if changed {
            let seen = p.version;
            versions.push((Key::Patient(p.patient_id.clone()), seen));
            p.version = seen.saturating_add(1);
            p.updated_at = now;
            d.writes.push(Write::Patient {
                patient: Box::new(p),
                expect: Expect::Version(seen),
                previous_phone: None,
            });
        }
    }

    Ok(Plan {
        action,
        writes: d.writes,
        sends: d.sends,
        versions,
        rate_marker: false,
        emergency,
        suppressed: d.suppressed,
    })
}
