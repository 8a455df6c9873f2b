//! "YES" to a freed slot offered from the waitlist (see `frontdesk::waitlist`): the first
//! yes claims it with a conditional write on the slot (its version as read), staff get a
//! task to book it in the PMS, and the patient is thanked. A slot claimed by someone else
//! (or closed) meanwhile gets a kind "it has been taken" instead. Pure, like every arm.

use frontdesk::domain::{AppointmentId, Priority, Purpose, SlotState, TaskKind};
use frontdesk::ports::{Expect, Key, Write};
use frontdesk::time::staff_time;

use super::draft::TaskSpec;
use super::known::Run;

impl Run<'_> {
    pub(super) fn claim_slot(&mut self) -> frontdesk::Result<()> {
        let now = self.now;
        let zone = self.patient.zone(self.settings.time_zone);
        let open = |id: &AppointmentId| {
            self.known
                .slots
                .iter()
                .find(|s| &s.appointment_id == id && s.is_open())
        };
        let choice = self
            .patient
            .slot_offers
            .iter()
            .filter(|o| o.is_live(now))
            .filter_map(|o| open(&o.appointment_id).map(|s| (o.clone(), s.clone())))
            .min_by_key(|(_, s)| s.starts_at);
        // This yes answers every offer: the one taken, and any that can no longer be.
        let taken_id = choice.as_ref().map(|(o, _)| o.appointment_id.clone());
        let still_open: Vec<AppointmentId> = self
            .known
            .slots
            .iter()
            .filter(|s| s.is_open())
            .map(|s| s.appointment_id.clone())
            .collect();
        self.patient.slot_offers.retain(|o| {
            o.is_live(now)
                && Some(&o.appointment_id) != taken_id.as_ref()
                && still_open.contains(&o.appointment_id)
        });
        let g = self.gate(true, false);
        let name = self.settings.name.trim().to_string();
        let Some((offer, slot)) = choice else {
            self.d.reply(
                format!(
                    "{name}: thank you for answering so quickly. I'm sorry, that appointment has \
                     just been taken by another patient. You are still on our waitlist, and we \
                     will tell you when another one opens up."
                ),
                Purpose::WaitlistOffer,
                g,
            );
            return Ok(());
        };
        let claimed = slot.next(now, |s| {
            s.state = SlotState::Claimed {
                patient_id: self.patient.patient_id.clone(),
                entry_id: offer.entry_id.clone(),
                at: now,
            }
        });
        self.versions
            .push((Key::Slot(slot.appointment_id.clone()), slot.version));
        self.d.writes.push(Write::Slot {
            slot: Box::new(claimed),
            expect: Expect::Version(slot.version),
        });
        self.d.writes.push(Write::RemoveWaitlistEntry {
            practice_id: self.input_practice_id(),
            entry_id: offer.entry_id.clone(),
        });
        let staff_when = staff_time(slot.starts_at, self.settings.time_zone);
        let shared = self.shared.clone();
        self.d.task(TaskSpec {
            kind: TaskKind::WaitlistBooking,
            priority: Priority::High,
            title: "Waitlist: book the patient into the freed appointment".into(),
            detail: format!(
                "The patient replied YES to the freed appointment on {staff_when} (practice \
                 time) and was told it is theirs. Book it for them in the PMS now; they are off \
                 the waitlist.{shared}"
            ),
            due_at: now,
            appointment_id: Some(slot.appointment_id.clone()),
        });
        self.inbound_appointment = Some(slot.appointment_id.clone());
        let when = staff_time(slot.starts_at, zone);
        self.d.reply(
            format!(
                "{name}: it's yours! The appointment on {when} is held for you, and the office \
                 will confirm it shortly."
            ),
            Purpose::WaitlistOffer,
            g,
        );
        Ok(())
    }

    fn input_practice_id(&self) -> frontdesk::domain::PracticeId {
        self.patient.practice_id.clone()
    }
}
