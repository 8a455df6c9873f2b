//! The retry schedule of a webhook delivery: exponential from 30 seconds, doubling, capped
//! at 2 hours, with "full jitter" on the upper half (a delay in `[d/2, d]`), for up to
//! [`GIVE_UP_AFTER`] since the first failure; then the subscription is disabled. Pure.

use chrono::{DateTime, Duration, Utc};

pub const FIRST_DELAY_SECONDS: i64 = 30;
pub const MAX_DELAY_SECONDS: i64 = 2 * 60 * 60;
/// How long a subscription may keep failing before it is disabled.
pub const GIVE_UP_AFTER: Duration = Duration::hours(24);

/// The delay before attempt `attempts + 1`, after `attempts` failures (at least 1), with
/// `jitter` in `[0, 1)` choosing within the upper half of the exponential step.
pub fn delay(attempts: u32, jitter: f64) -> Duration {
    let exp = attempts.saturating_sub(1).min(20);
    let full = FIRST_DELAY_SECONDS
        .saturating_mul(1i64 << exp)
        .min(MAX_DELAY_SECONDS);
    let j = jitter.clamp(0.0, 1.0);
    let half = full / 2;
    // `half + j * half` stays within [full/2, full].
    let secs = half + ((half as f64) * j) as i64;
    Duration::seconds(secs.max(1))
}

/// Whether a subscription failing since `failing_since` should be given up at `now`.
pub fn give_up(failing_since: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now.signed_duration_since(failing_since) >= GIVE_UP_AFTER
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_schedule_doubles_from_thirty_seconds_to_two_hours() {
        assert_eq!(delay(1, 1.0), Duration::seconds(30));
        assert_eq!(delay(2, 1.0), Duration::seconds(60));
        assert_eq!(delay(3, 1.0), Duration::seconds(120));
        assert_eq!(delay(30, 1.0), Duration::seconds(MAX_DELAY_SECONDS));
        assert_eq!(delay(1, 0.0), Duration::seconds(15));
    }

    proptest! {
        #[test]
        fn delays_grow_stay_in_their_band_and_are_capped(attempts in 1u32..100, j in 0.0f64..1.0) {
            let d = delay(attempts, j).num_seconds();
            let full = (FIRST_DELAY_SECONDS << (attempts - 1).min(20)).min(MAX_DELAY_SECONDS);
            prop_assert!(d >= full / 2 && d <= full);
            prop_assert!(d <= MAX_DELAY_SECONDS);
            // The upper band of one step never falls below the lower band of the step before.
            prop_assert!(delay(attempts + 1, 0.0) >= delay(attempts, 0.0));
        }

        #[test]
        fn a_day_of_failures_makes_at_least_a_dozen_attempts(j in 0.0f64..1.0) {
            let mut t = Duration::zero();
            let mut n = 0u32;
            while t < GIVE_UP_AFTER {
                n += 1;
                t += delay(n, j);
            }
            prop_assert!(n >= 12, "only {n} attempts in 24 h");
        }
    }
}
