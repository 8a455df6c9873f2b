//! The send governor: every automated send of every sweep (and of broadcasts) passes
//! through one, so no provider account, origination number or practice is sent to faster
//! than it allows, and no more sends are in flight than the function can carry.
//!
//! ```no_run
//! # async fn demo(practice: &frontdesk::domain::Practice) {
//! use frontdesk::domain::Channel;
//! use frontdesk::sweep::{Governor, Lane, Limits};
//!
//! let governor = Governor::new(Limits::default());
//! // Waits (never fails) until a send is allowed; the permit holds one in-flight slot.
//! let permit = governor.acquire(practice, Channel::Sms, Lane::Bulk).await;
//! // ... publish the message ...
//! drop(permit);
//! # }
//! ```
//!
//! Rules:
//! - **Sliding one-second windows.** A limit of `n` per second means: never more than `n`
//!   sends in any one-second window, bursts up to `n` allowed. (A token bucket lets
//!   `burst + n` through in one second; the window does not.)
//! - **Which windows a send counts against.** Its provider account (`Route`): for AWS
//!   (SNS SMS, SES email) the service's own account, shared by every practice; for a
//!   practice's own Twilio, Telnyx or Vonage account, that practice's account and number.
//!   And always the practice's own window, so one practice cannot take the shared budget.
//!   A voice "send" is a staff task: no provider, only the practice's window.
//! - **Lanes.** [`Lane::Bulk`] (reminders, no-shows, review requests, broadcasts) may use
//!   only `bulk_share` of a provider's rate; [`Lane::Reply`] (answers to a patient's own
//!   message, staff messages) may use all of it, so replies always find room however much
//!   bulk waits.
//! - **In flight.** At most `max_in_flight` permits at once; a permit frees its slot when
//!   dropped.
//! - **Waiting is not failing.** `acquire` waits for room; it never turns into a failed
//!   attempt, so throttling never becomes a staff task.
//! - **Across workers.** Each function instance holds its own governor with a fixed share
//!   of each account's rate ([`Limits::shared_by`]): the scheduled sweeps have reserved
//!   concurrency 1 each, so the share is known without a DynamoDB counter per time slice
//!   (which would add a write per send). See docs/benchmarks.md, "Send governor".
//!
//! Time is `tokio::time`, so tests run it on a paused clock.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{Duration, Instant};

use crate::domain::{Channel, Practice, PracticeId, SmsProvider};

/// A provider account a send goes through.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Route {
    /// Amazon SNS SMS on the service's account (every AWS-routed practice shares it).
    Sns,
    /// Amazon SES on the service's account.
    Ses,
    /// A practice's own provider account and number.
    Own(SmsProvider, PracticeId),
    /// A staff call task: no provider.
    Task,
}

impl Route {
    /// The route of a send on `channel` for `practice`.
    pub fn of(practice: &Practice, channel: Channel) -> Route {
        match channel {
            Channel::Email => Route::Ses,
            Channel::Voice => Route::Task,
            Channel::Sms => match practice.sms_provider.provider {
                None | Some(SmsProvider::Aws) => Route::Sns,
                Some(p) => Route::Own(p, practice.practice_id.clone()),
            },
        }
    }
}

/// Who is waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// Answers to a patient's own message and staff messages: the whole rate.
    Reply,
    /// Scheduled and broadcast sends: `bulk_share` of the rate.
    Bulk,
}

/// Sends per second, per account and per practice. Defaults are the providers' documented
/// defaults (see docs/benchmarks.md, "Send governor", for sources and how to raise them).
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// SNS SMS on the service account (AWS default: 20 messages/s per account and Region).
    pub sns_per_second: u32,
    /// SES on the service account (a production account starts at 14 messages/s).
    pub ses_per_second: u32,
    /// One Twilio long-code number (1 message segment/s; toll-free starts at 3).
    pub twilio_per_second: u32,
    /// One Telnyx long-code number (1 message/s per 10DLC number by default).
    pub telnyx_per_second: u32,
    /// One Vonage US long-code number (1 message/s; the API accepts 30 requests/s).
    pub vonage_per_second: u32,
    /// One practice across every channel (staff tasks included).
    pub practice_per_second: u32,
    /// The share of a provider's rate bulk sends may use (the rest waits for replies).
    pub bulk_share: f64,
    /// Permits held at once.
    pub max_in_flight: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            sns_per_second: 20,
            ses_per_second: 14,
            twilio_per_second: 1,
            telnyx_per_second: 1,
            vonage_per_second: 1,
            practice_per_second: 10,
            bulk_share: 0.75,
            max_in_flight: 16,
        }
    }
}

impl Limits {
    /// No limit worth the name (a million a second, a thousand in flight): benchmarks and
    /// tests that measure something else.
    pub fn unlimited() -> Self {
        Self {
            sns_per_second: 1_000_000,
            ses_per_second: 1_000_000,
            twilio_per_second: 1_000_000,
            telnyx_per_second: 1_000_000,
            vonage_per_second: 1_000_000,
            practice_per_second: 1_000_000,
            bulk_share: 1.0,
            max_in_flight: 1_000,
        }
    }

    /// The defaults, with any of these set in the environment (the stack's parameters):
    /// `SEND_LIMIT_SNS`, `SEND_LIMIT_SES`, `SEND_LIMIT_TWILIO`, `SEND_LIMIT_TELNYX`,
    /// `SEND_LIMIT_VONAGE`, `SEND_LIMIT_PRACTICE` (sends per second), `SEND_IN_FLIGHT`, and
    /// `SEND_WORKERS` (how many functions share the service's SNS and SES accounts; 4 by
    /// default: the three sweeps and one broadcast worker, see [`Limits::shared_by`]). A
    /// value that is not a positive number is ignored (the default holds).
    pub fn from_env() -> Self {
        let get = |name: &str| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.trim().parse::<u32>().ok())
                .filter(|n| *n > 0)
        };
        let d = Self::default();
        let limits = Self {
            sns_per_second: get("SEND_LIMIT_SNS").unwrap_or(d.sns_per_second),
            ses_per_second: get("SEND_LIMIT_SES").unwrap_or(d.ses_per_second),
            twilio_per_second: get("SEND_LIMIT_TWILIO").unwrap_or(d.twilio_per_second),
            telnyx_per_second: get("SEND_LIMIT_TELNYX").unwrap_or(d.telnyx_per_second),
            vonage_per_second: get("SEND_LIMIT_VONAGE").unwrap_or(d.vonage_per_second),
            practice_per_second: get("SEND_LIMIT_PRACTICE").unwrap_or(d.practice_per_second),
            max_in_flight: get("SEND_IN_FLIGHT").map_or(d.max_in_flight, |n| n as usize),
            ..d
        };
        limits.shared_by(get("SEND_WORKERS").unwrap_or(DEFAULT_WORKERS))
    }

    /// These limits for one of `workers` instances sharing the service's accounts: the
    /// shared SNS and SES rates divided (at least 1/s each); a practice's own numbers and
    /// the practice rate are not (each instance is the only sender for them: sweeps have
    /// reserved concurrency 1).
    pub fn shared_by(mut self, workers: u32) -> Self {
        let w = workers.max(1);
        self.sns_per_second = (self.sns_per_second / w).max(1);
        self.ses_per_second = (self.ses_per_second / w).max(1);
        self
    }

    fn rate(&self, route: &Route) -> Option<u32> {
        match route {
            Route::Sns => Some(self.sns_per_second),
            Route::Ses => Some(self.ses_per_second),
            Route::Own(SmsProvider::Twilio, _) => Some(self.twilio_per_second),
            Route::Own(SmsProvider::Telnyx, _) => Some(self.telnyx_per_second),
            Route::Own(SmsProvider::Vonage, _) => Some(self.vonage_per_second),
            Route::Own(SmsProvider::Aws, _) => Some(self.sns_per_second),
            Route::Task => None,
        }
    }

    fn bulk(&self, rate: u32) -> u32 {
        let share = (f64::from(rate) * self.bulk_share.clamp(0.0, 1.0)).floor() as u32;
        share.clamp(1, rate.max(1))
    }
}

/// Functions sharing the service's SNS and SES accounts unless `SEND_WORKERS` says.
pub const DEFAULT_WORKERS: u32 = 4;

/// Sends in the last second of one account or practice.
#[derive(Debug, Default)]
struct Window(VecDeque<Instant>);

impl Window {
    /// How many sends lie in `(now - 1 s, now]`, dropping older ones.
    fn count(&mut self, now: Instant) -> usize {
        while self
            .0
            .front()
            .is_some_and(|t| now.duration_since(*t) >= SECOND)
        {
            self.0.pop_front();
        }
        self.0.len()
    }

    /// When the oldest send leaves the window.
    fn frees_at(&self) -> Option<Instant> {
        self.0.front().map(|t| *t + SECOND)
    }
}

const SECOND: Duration = Duration::from_secs(1);
/// Windows kept for practices and own accounts before idle ones are dropped.
const KEEP_WINDOWS: usize = 10_000;

#[derive(Debug, Default)]
struct State {
    routes: HashMap<Route, Window>,
    practices: HashMap<PracticeId, Window>,
}

/// The governor of one function instance. Cheap to clone (shared state).
#[derive(Debug, Clone)]
pub struct Governor {
    limits: Arc<Limits>,
    state: Arc<Mutex<State>>,
    in_flight: Arc<Semaphore>,
}

/// One allowed send: holds its in-flight slot until dropped.
#[derive(Debug)]
pub struct Permit {
    _slot: OwnedSemaphorePermit,
}

impl Governor {
    pub fn new(limits: Limits) -> Self {
        let slots = limits.max_in_flight.max(1);
        Self {
            limits: Arc::new(limits),
            state: Arc::new(Mutex::new(State::default())),
            in_flight: Arc::new(Semaphore::new(slots)),
        }
    }

    /// A governor that never waits (see [`Limits::unlimited`]).
    pub fn unlimited() -> Self {
        Self::new(Limits::unlimited())
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Waits until one send on `channel` for `practice` is allowed in `lane`.
    pub async fn acquire(&self, practice: &Practice, channel: Channel, lane: Lane) -> Permit {
        self.acquire_route(&practice.practice_id, Route::of(practice, channel), lane)
            .await
    }

    /// As [`Governor::acquire`], given the route.
    pub async fn acquire_route(&self, practice: &PracticeId, route: Route, lane: Lane) -> Permit {
        // Room in the windows first: a send waiting for its rate holds no in-flight slot,
        // so waiting bulk never keeps a reply from sending.
        loop {
            match self.try_take(practice, &route, lane, Instant::now()) {
                Ok(()) => break,
                Err(at) => tokio::time::sleep_until(at).await,
            }
        }
        // The semaphore is never closed, so acquiring only waits.
        loop {
            if let Ok(slot) = self.in_flight.clone().acquire_owned().await {
                return Permit { _slot: slot };
            }
            tokio::task::yield_now().await;
        }
    }

    /// Takes room in every window of the send at `now`, or says when to try again.
    fn try_take(
        &self,
        practice: &PracticeId,
        route: &Route,
        lane: Lane,
        now: Instant,
    ) -> Result<(), Instant> {
        let retry = now + Duration::from_millis(5);
        let Ok(mut state) = self.state.lock() else {
            return Err(retry);
        };
        let limits = &self.limits;
        let practice_cap = limits.practice_per_second.max(1) as usize;
        let route_cap = limits.rate(route).map(|rate| match lane {
            Lane::Reply => rate.max(1) as usize,
            Lane::Bulk => limits.bulk(rate) as usize,
        });
        if state.practices.len() > KEEP_WINDOWS {
            state.practices.retain(|_, w| w.count(now) > 0);
            state.routes.retain(|_, w| w.count(now) > 0);
        }
        let p = state.practices.entry(practice.clone()).or_default();
        if p.count(now) >= practice_cap {
            return Err(p.frees_at().unwrap_or(retry));
        }
        if let Some(cap) = route_cap {
            let r = state.routes.entry(route.clone()).or_default();
            if r.count(now) >= cap {
                return Err(r.frees_at().unwrap_or(retry));
            }
            r.0.push_back(now);
        }
        state
            .practices
            .entry(practice.clone())
            .or_default()
            .0
            .push_back(now);
        Ok(())
    }
}

impl Default for Governor {
    fn default() -> Self {
        Self::new(Limits::default())
    }
}

#[cfg(test)]
#[path = "governor_tests.rs"]
mod tests;
