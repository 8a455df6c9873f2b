//! What each kind of text from a known patient does, one method per action, on the
//! [`Run`] that [`plan_known`](super::known) prepared: tasks for staff, replies through the
//! thread's gate, and the changes to the patient and their appointments.

use frontdesk::domain::{
    Channel, Confirmation, ConsentBlock, MessageKind, Priority, Purpose, TaskKind,
};
use frontdesk::policy::templates;
use frontdesk::policy::templates::Reply;
use frontdesk::ports::{Expect, Key, Write};

use super::draft::{Gate, TaskSpec};
use super::emergency::{emergency_plan, feedback_task};
use super::known::Run;
use super::Action;

impl Run<'_> {
    /// `Action::OptOut`.
    pub(super) fn opt_out(&mut self) -> frontdesk::Result<()> {
        if self.consent_changed {
            let g = self.gate(true, true);
            self.d.reply(
                templates::reply(&self.ctx, Reply::OptOutConfirmation)?,
                Purpose::OptOutConfirmation,
                g,
            );
        } else {
            self.d.reply(
                templates::reply(&self.ctx, Reply::OptOutConfirmation)?,
                Purpose::OptOutConfirmation,
                Gate::Suppress(
                    "already opted out; the one confirmation went out with the opt-out".into(),
                ),
            );
        }
        Ok(())
    }

    /// `Action::OptIn`.
    pub(super) fn opt_in(&mut self) -> frontdesk::Result<()> {
        let g = self.gate(self.consent_changed, true);
        self.d.reply(
            templates::reply(&self.ctx, Reply::OptInConfirmation)?,
            Purpose::OptInConfirmation,
            g,
        );
        Ok(())
    }

    /// `Action::Help`.
    pub(super) fn help(&mut self) -> frontdesk::Result<()> {
        let g = self.gate(false, true);
        self.d
            .reply(templates::reply(&self.ctx, Reply::Help)?, Purpose::Reply, g);
        Ok(())
    }

    /// `Action::Emergency`.
    pub(super) fn emergency_text(&mut self) -> frontdesk::Result<()> {
        // The safety reply bypasses the rate limit, never an opt-out.
        let g = self.gate(true, false);
        self.emergency = Some(emergency_plan(
            &mut self.d,
            Some(&self.patient),
            &self.ctx,
            g,
        )?);
        Ok(())
    }

    /// `Action::Confirm`.
    pub(super) fn confirm(&mut self) -> frontdesk::Result<()> {
        let known = self.known;
        let shared = &self.shared;
        let opted_out_note = self.opted_out_note;
        let next = known
            .appointments
            .iter()
            .flatten()
            .find(|a| a.status.is_pending() && a.starts_at >= self.now);
        match next {
            Some(a) => {
                if a.confirmation.is_none() {
                    let mut confirmed = a.clone();
                    confirmed.confirmation = Some(Confirmation {
                        at: self.now,
                        channel: Channel::Sms,
                    });
                    confirmed.updated_at = self.now;
                    confirmed.version = a.version.saturating_add(1);
                    self.versions
                        .push((Key::Appointment(a.appointment_id.clone()), a.version));
                    self.d.writes.push(Write::Appointment {
                        appointment: Box::new(confirmed),
                        expect: Expect::Version(a.version),
                    });
                }
                self.inbound_appointment = Some(a.appointment_id.clone());
                let g = self.gate(false, false);
                self.d.reply(
                    templates::reply(
                        &self.ctx,
                        Reply::ConfirmThanks {
                            appointment_at: Some(a.starts_at),
                        },
                    )?,
                    Purpose::Reply,
                    g,
                );
            }
            None => {
                self.d.task(TaskSpec {
                    kind: TaskKind::InboxMessage,
                    priority: Priority::Normal,
                    title: "Patient replied yes".into(),
                    detail: format!(
                        "The patient replied yes, but has no upcoming appointment to \
                         confirm. Read the message on their timeline and follow up.{shared}\
                         {opted_out_note}"
                    ),
                    due_at: self.due,
                    appointment_id: None,
                });
                let g = self.gate(false, false);
                self.d.reply(
                    templates::reply(
                        &self.ctx,
                        Reply::ConfirmThanks {
                            appointment_at: None,
                        },
                    )?,
                    Purpose::Reply,
                    g,
                );
            }
        }
        Ok(())
    }

    /// `Action::AcceptCall | Action::CallMe`.
    pub(super) fn call_requested(&mut self) -> frontdesk::Result<()> {
        let shared = &self.shared;
        let why = if self.action == Action::AcceptCall {
            "accepted the offer of a phone call"
        } else {
            "asked for a phone call"
        };
        self.d.task(TaskSpec {
            kind: TaskKind::ChannelSwitchRequest,
            priority: Priority::High,
            title: "Call the patient".into(),
            detail: format!(
                "The patient {why} by text. Call them; the conversation so far is on \
                 their timeline.{shared}"
            ),
            due_at: self.due,
            appointment_id: None,
        });
        let g = self.gate(false, false);
        self.d.reply(
            templates::reply(&self.ctx, Reply::CallRequestAck)?,
            Purpose::Reply,
            g,
        );
        Ok(())
    }

    /// `Action::Reschedule`.
    pub(super) fn reschedule(&mut self) -> frontdesk::Result<()> {
        let shared = &self.shared;
        let opted_out_note = self.opted_out_note;
        self.d.task(TaskSpec {
            kind: TaskKind::RescheduleRequest,
            priority: Priority::High,
            title: "Reschedule request".into(),
            detail: format!(
                "The patient asked by text to reschedule. Find a new time with them and \
                 update the appointment.{shared}{opted_out_note}"
            ),
            due_at: self.due,
            appointment_id: None,
        });
        let g = self.gate(false, false);
        self.d.reply(
            templates::reply(&self.ctx, Reply::RescheduleAck)?,
            Purpose::Reply,
            g,
        );
        Ok(())
    }

    /// `Action::CancelClarify`.
    pub(super) fn cancel_clarify(&mut self) -> frontdesk::Result<()> {
        let shared = &self.shared;
        let opted_out_note = self.opted_out_note;
        self.d.task(TaskSpec {
            kind: TaskKind::CancelRequest,
            priority: Priority::High,
            title: "Cancel request (to clarify)".into(),
            detail: format!(
                "The patient mentioned cancelling. We asked by text whether they mean \
                 their appointment (reply CANCEL VISIT) or our texts (reply STOP); their \
                 answer will follow on the timeline. Do not cancel before it is clear.\
                 {shared}{opted_out_note}"
            ),
            due_at: self.due,
            appointment_id: None,
        });
        let g = self.gate(false, false);
        if self
            .d
            .reply(
                templates::reply(&self.ctx, Reply::CancelClarification)?,
                Purpose::Reply,
                g,
            )
            .is_some()
        {
            self.patient.thread.cancel_clarified_at = Some(self.now);
        }
        Ok(())
    }

    /// `Action::CancelVisit | Action::CancelAgain`.
    pub(super) fn cancel_visit(&mut self) -> frontdesk::Result<()> {
        let shared = &self.shared;
        let opted_out_note = self.opted_out_note;
        let detail = if self.action == Action::CancelVisit {
            "The patient confirmed by text that they want to cancel their appointment. \
             Cancel it and offer to rebook."
        } else {
            "The patient mentioned cancelling again after we asked whether they meant \
             their appointment or our texts. Read the thread and call them if unclear."
        };
        self.d.task(TaskSpec {
            kind: TaskKind::CancelRequest,
            priority: Priority::High,
            title: "Cancel request".into(),
            detail: format!("{detail}{shared}{opted_out_note}"),
            due_at: self.due,
            appointment_id: None,
        });
        if self.action == Action::CancelVisit {
            self.patient.thread.cancel_clarified_at = None;
        }
        let g = self.gate(false, false);
        self.d
            .reply(templates::reply(&self.ctx, self.ack)?, Purpose::Reply, g);
        Ok(())
    }

    /// `Action::SwitchChannel(channel)`.
    pub(super) fn switch_channel(&mut self, channel: Channel) -> frontdesk::Result<()> {
        let shared = &self.shared;
        let opted_out_note = self.opted_out_note;
        let from = self.patient.preferred_channel;
        let blocker = match channel {
            _ if from == channel => None,
            Channel::Email if self.patient.email.is_none() => {
                Some("there is no email address on file")
            }
            Channel::Sms if self.patient.phone.is_none() => {
                Some("there is no mobile number on file")
            }
            Channel::Voice => Some("calls are arranged by staff"),
            _ => match self.patient.consents.check(channel, MessageKind::Care) {
                Ok(()) => None,
                Err(ConsentBlock::OptedOut) => {
                    Some("they opted out of it (texting START lifts a text opt-out)")
                }
                Err(ConsentBlock::NoConsent) => {
                    Some("there is no recorded consent for care messages on it")
                }
            },
        };
        match blocker {
            None => {
                if from != channel {
                    self.patient.preferred_channel = channel;
                    self.patient.channel_chosen_at = Some(self.now);
                    self.d.task(TaskSpec {
                        kind: TaskKind::ChannelSwitchRequest,
                        priority: Priority::Low,
                        title: format!("Patient switched to {channel}"),
                        detail: format!(
                            "The patient asked by text to be contacted by {channel} \
                             instead of {from}; their preferred channel is now {channel} \
                             (changed at the patient's request). Update it in your \
                             practice-management system too; until it sends a newer \
                             consent time, syncs keep the patient's choice.{shared}"
                        ),
                        due_at: self.due,
                        appointment_id: None,
                    });
                }
                let g = self.gate(false, false);
                self.d.reply(
                    templates::reply(&self.ctx, Reply::ChannelSwitchAck { channel })?,
                    Purpose::ChannelSwitch,
                    g,
                );
            }
            Some(why) => {
                self.d.task(TaskSpec {
                    kind: TaskKind::ChannelSwitchRequest,
                    priority: Priority::Normal,
                    title: format!("Patient asks to be contacted by {channel}"),
                    detail: format!(
                        "The patient asked by text to be contacted by {channel} instead \
                         of {from}, but {why}. Confirm with them and update their record.\
                         {shared}{opted_out_note}"
                    ),
                    due_at: self.due,
                    appointment_id: None,
                });
                let g = self.gate(false, false);
                self.d
                    .reply(templates::reply(&self.ctx, self.ack)?, Purpose::Reply, g);
            }
        }
        Ok(())
    }

    /// `Action::Rating(rating)`.
    pub(super) fn rated(&mut self, rating: u8) -> frontdesk::Result<()> {
        if rating <= 3 {
            feedback_task(
                &mut self.d,
                &mut self.patient,
                self.settings,
                format!("Low rating ({rating}/5)"),
                format!("The patient rated their visit {rating} out of 5"),
                self.due,
            );
        }
        let g = self.gate(false, false);
        self.d.reply(
            templates::reply(&self.ctx, Reply::RatingThanks { rating })?,
            Purpose::Reply,
            g,
        );
        Ok(())
    }

    /// `Action::Complaint`.
    pub(super) fn complaint(&mut self) -> frontdesk::Result<()> {
        feedback_task(
            &mut self.d,
            &mut self.patient,
            self.settings,
            "Negative feedback".into(),
            "The patient's reply reads as a complaint".into(),
            self.due,
        );
        let g = self.gate(false, false);
        self.d
            .reply(templates::reply(&self.ctx, self.ack)?, Purpose::Reply, g);
        Ok(())
    }

    /// `Action::FreeText`.
    pub(super) fn free_text(&mut self) -> frontdesk::Result<()> {
        let shared = &self.shared;
        let opted_out_note = self.opted_out_note;
        self.d.task(TaskSpec {
            kind: TaskKind::InboxMessage,
            priority: Priority::Normal,
            title: "Message from a patient".into(),
            detail: format!(
                "The patient sent a text for the team. Read it on their timeline and \
                 reply.{shared}{opted_out_note}"
            ),
            due_at: self.due,
            appointment_id: None,
        });
        let g = self.gate(false, false);
        self.d
            .reply(templates::reply(&self.ctx, self.ack)?, Purpose::Reply, g);
        Ok(())
    }
}
