//! "Repeated undelivered": a run of transient delivery failures on one channel, with no
//! delivery in between, says the number or address no longer reaches the patient even when
//! no single report says so for good. [`UNDELIVERED_RUN_LIMIT`] such reports in a row mark
//! the channel unhealthy (the same one-task rule as a failure for good); a delivered report,
//! or a message from the patient on the channel, ends the run.
//!
//! Pure: the caller reads the channel's recent messages, newest first, and asks
//! [`run_length`] how long the current run is.

use crate::domain::{Channel, Decision, Direction, Message};

/// Transient failures in a row that mark a channel unhealthy.
pub const UNDELIVERED_RUN_LIMIT: usize = 3;

/// Recent messages read to measure the run (a run longer than this is still "at least").
pub const RUN_LOOKBACK: usize = 25;

/// What one message on the channel says about whether it works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// Delivered, or the patient wrote in on it: the channel works.
    Reached,
    /// The provider reported it undelivered.
    Undelivered,
    /// Sent with no final report yet, or nothing about delivery (a deferral, a staff
    /// note, a send that never left): neither continues nor ends a run.
    Unknown,
}

/// What `m` says about `channel`.
pub fn fate(m: &Message, channel: Channel) -> Fate {
    if m.channel != channel {
        return Fate::Unknown;
    }
    match (&m.decision, m.direction) {
        (Decision::Delivered { .. }, _) => Fate::Reached,
        (Decision::Received, Direction::Inbound) => Fate::Reached,
        (Decision::Undelivered { .. }, _) => Fate::Undelivered,
        _ => Fate::Unknown,
    }
}

/// The current run: undelivered reports, newest first, before the first sign the channel
/// works. Messages of unknown fate are skipped.
pub fn run_length(newest_first: impl IntoIterator<Item = Fate>) -> usize {
    newest_first
        .into_iter()
        .take_while(|f| *f != Fate::Reached)
        .filter(|f| *f == Fate::Undelivered)
        .count()
}

/// Whether the run is long enough to mark the channel.
pub fn repeated_undelivered(newest_first: impl IntoIterator<Item = Fate>) -> bool {
    run_length(newest_first) >= UNDELIVERED_RUN_LIMIT
}

/// What staff read on the "fix the contact" task.
pub fn describe_run(channel: Channel, run: usize, last_code: &str) -> String {
    let what = match channel {
        Channel::Email => "emails",
        _ => "texts",
    };
    format!(
        "the last {run} {what} to this patient were not delivered, with none delivered in \
         between (latest {last_code})"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn fate_strategy() -> impl Strategy<Value = Fate> {
        prop_oneof![
            Just(Fate::Reached),
            Just(Fate::Undelivered),
            Just(Fate::Unknown)
        ]
    }

    #[test]
    fn three_in_a_row_mark_and_a_delivery_resets() {
        use Fate::*;
        assert!(repeated_undelivered([
            Undelivered,
            Undelivered,
            Undelivered
        ]));
        assert!(repeated_undelivered([
            Undelivered,
            Unknown,
            Undelivered,
            Unknown,
            Undelivered,
            Reached
        ]));
        assert!(!repeated_undelivered([
            Undelivered,
            Undelivered,
            Reached,
            Undelivered
        ]));
        assert!(!repeated_undelivered([
            Reached,
            Undelivered,
            Undelivered,
            Undelivered
        ]));
        assert_eq!(run_length([]), 0);
    }

    proptest! {
        #[test]
        fn a_newest_reached_means_no_run(rest in prop::collection::vec(fate_strategy(), 0..30)) {
            let mut all = vec![Fate::Reached];
            all.extend(rest);
            prop_assert_eq!(run_length(all), 0);
        }

        #[test]
        fn unknown_fates_never_change_the_run(
            fates in prop::collection::vec(fate_strategy(), 0..30),
            at in 0usize..31,
        ) {
            let mut with = fates.clone();
            with.insert(at.min(fates.len()), Fate::Unknown);
            prop_assert_eq!(run_length(with), run_length(fates));
        }

        #[test]
        fn one_more_failure_lengthens_the_run_by_one(
            fates in prop::collection::vec(fate_strategy(), 0..30),
        ) {
            let mut with = vec![Fate::Undelivered];
            with.extend(fates.iter().copied());
            prop_assert_eq!(run_length(with), run_length(fates) + 1);
        }

        #[test]
        fn the_run_counts_failures_before_the_first_reached(
            fates in prop::collection::vec(fate_strategy(), 0..30),
        ) {
            let first = fates.iter().position(|f| *f == Fate::Reached).unwrap_or(fates.len());
            let expected = fates[..first].iter().filter(|f| **f == Fate::Undelivered).count();
            prop_assert_eq!(run_length(fates.clone()), expected);
            prop_assert_eq!(repeated_undelivered(fates), expected >= UNDELIVERED_RUN_LIMIT);
        }
    }
}
