//! What one run of the reminders sweep works with: the store, the senders and the run's
//! send ledger (`Jobs`), and the records a claimed item is about (`Current`).

use frontdesk::deliver::Senders;
use frontdesk::domain::{Appointment, Patient, Practice};
use frontdesk::ports::Store;

use crate::ledger::SendLedger;

/// The per-item logic, for one run.
pub(crate) struct Jobs<'a> {
    pub(crate) store: &'a dyn Store,
    pub(crate) senders: &'a Senders,
    /// Sends made to each patient in this run, so caps hold within a chunk too.
    pub(crate) ledger: SendLedger,
}

/// The records a claimed item is about, as they stand now.
pub(crate) struct Current<'b> {
    pub(crate) practice: &'b Practice,
    pub(crate) patient: &'b Patient,
    pub(crate) appointment: &'b Appointment,
}
