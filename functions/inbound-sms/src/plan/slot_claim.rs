//! "YES" to a freed slot offered from the waitlist, by the one claim rule every channel
//! shares (`frontdesk::waitlist::claim`): the first yes claims it with a conditional write
//! on the slot (its version as read), staff get a task to book it in the PMS, and the
//! patient is thanked. A slot claimed by someone else (or closed) meanwhile gets a kind
//! "it has been taken" instead. Pure, like every arm.

use frontdesk::domain::{Channel, Purpose};
use frontdesk::ports::Key;
use frontdesk::waitlist::claim;

use super::known::Run;

impl Run<'_> {
    pub(super) fn claim_slot(&mut self) -> frontdesk::Result<()> {
        let now = self.now;
        let zone = self.patient.zone(self.settings.time_zone);
        let slots = &self.known.slots;
        let choice = claim::choose(&self.patient, slots, now);
        // This yes answers every offer: the one taken, and any that can no longer be.
        let taken_id = choice.as_ref().map(|(o, _)| o.appointment_id.clone());
        claim::answer_offers(&mut self.patient, taken_id.as_ref(), slots, now);
        let g = self.gate(true, false);
        let Some((offer, slot)) = choice else {
            self.d
                .reply(claim::taken(self.settings), Purpose::WaitlistOffer, g);
            return Ok(());
        };
        self.versions
            .push((Key::Slot(slot.appointment_id.clone()), slot.version));
        self.d.writes.extend(claim::claim_writes(
            &slot,
            &self.patient.patient_id,
            &offer.entry_id,
            Channel::Sms,
            self.settings,
            &self.shared,
            now,
        ));
        self.inbound_appointment = Some(slot.appointment_id.clone());
        self.d.reply(
            claim::yours(self.settings, &slot, zone),
            Purpose::WaitlistOffer,
            g,
        );
        Ok(())
    }
}
